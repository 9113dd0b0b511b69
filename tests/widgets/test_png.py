"""The live figure's PNG encoder: a real PNG of exactly the pixels it was given."""
import io

import numpy as np
import pytest
from PIL import Image

from lrcourse.widgets.png import encode_png


def test_encode_png_is_a_png_of_the_same_pixels():
    rgba = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encode_png(rgba)))), rgba)
    with pytest.raises(ValueError, match="RGBA"):
        encode_png(np.zeros((4, 4, 3), np.uint8))
