"""Stepping right and wrong: the explorer draws lrcourse.curves.stepping_curves (tested in tests/test_curves.py)."""
import numpy as np

from lrcourse.widgets import explore_stepping


def test_stepping_explorer_redraws_with_its_first_slider():
    ex = explore_stepping("CosineAnnealingLR", num_epochs=10, steps_per_epoch=20)
    first = next(iter(ex.controls))
    assert first == "steps_per_epoch"  # the slider the browser test moves
    before = ex.lines["wrong"][0]  # in epochs: the swings crowd in as batches per epoch grow
    ex.controls[first].value = 23
    after = ex.lines["wrong"][0]
    assert len(after) == 230 and not np.array_equal(before[:200], after[:200])
    assert np.isclose(after[-1], 229 / 23)
    ex.set(scheduler="OneCycleLR")
    assert np.isclose(ex.lines["right"][1].max(), 0.1)
    np.testing.assert_array_equal(ex.curve["right"], ex.lines["right"][1])
    assert "wrong: max" in ex.message.value
