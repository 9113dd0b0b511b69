"""Stepping right and wrong: the explorer draws lrcourse.curves.stepping_curves, torch's own rates."""
import numpy as np
import pytest
from torch.optim.lr_scheduler import CosineAnnealingLR

from lrcourse.curves import lr_curve, stepping_curves
from lrcourse.widgets import explore_stepping


def test_stepping_curves_are_torchs():
    c = stepping_curves("CosineAnnealingLR", num_epochs=10, steps_per_epoch=20)
    assert np.allclose(c["right"], lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=200), 200))
    assert np.isclose(c["wrong"][10], 0.0, atol=1e-12) and np.isclose(c["wrong"][20], 0.1)  # swings back
    c = stepping_curves("OneCycleLR", num_epochs=5, steps_per_epoch=20)
    assert np.isclose(c["right"].max(), 0.1) and c["wrong"].max() < 0.01  # stepped per epoch: stuck low
    assert np.all(c["wrong"].reshape(5, 20) == c["wrong"].reshape(5, 20)[:, :1])  # constant within an epoch
    with pytest.raises(ValueError, match="name must be one of"):
        stepping_curves("StepLR")
    with pytest.raises(ValueError, match="steps_per_epoch"):
        stepping_curves("OneCycleLR", steps_per_epoch=0)


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
