"""lrcourse.checks.adaptive: the exercises of 04_adaptive, and the losses the notebook imports.

A wrong answer gets a specific hint, not a crash; a right one passes.
"""
import pytest
from helpers import assert_fails, assert_passes
from torch.optim.lr_scheduler import ReduceLROnPlateau, StepLR

from lrcourse.checks import PLATEAU_EXERCISE_LOSSES
from lrcourse.checks.adaptive import PLATEAU_SLOW_LOSSES
from lrcourse.curves import plateau_trace

WRONG = [  # (exercise, wrong answer, words the hint must contain)
    ("04.predict_reduction", 3, "threshold"),
    ("04.predict_reduction", 40, "outside the curve"),
    ("04.predict_reduction", 7, "Off by one"),  # the first epoch at the lower rate, one after the trigger
    ("04.mode_max", lambda opt: ReduceLROnPlateau(opt, factor=0.2, patience=2), "mode='max'"),
    ("04.mode_max", lambda opt: ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=2), "0.2 (factor)"),
    ("04.mode_max", lambda opt: ReduceLROnPlateau(opt, mode="max", factor=0.2, patience=3), "ABOVE patience"),
    ("04.mode_max", lambda opt: ReduceLROnPlateau(opt, mode="max", factor=0.2, patience=20), "never drops"),
    ("04.mode_max", lambda opt: StepLR(opt, 3), "Return a ReduceLROnPlateau"),
    ("04.fire_within_8", dict(threshold=1e-4, threshold_mode="rel", epoch=5), "never drops"),
    ("04.fire_within_8", dict(threshold=0.02, threshold_mode="abs", epoch=5), "not 5"),
    ("04.fire_within_8", dict(threshold=0.02, threshold_mode="ab", epoch=6), "'rel' or 'abs'"),
    ("04.fire_within_8", 6, "Give a dict"),
]

RIGHT = [
    ("04.predict_reduction", next(t["epoch"] for t in plateau_trace(
        PLATEAU_EXERCISE_LOSSES, factor=0.5, patience=2, threshold=0.02, threshold_mode="rel") if t["reduced"])),
    # the rule taught in section 1: the third bad epoch is the one after patience=2
    ("04.mode_max", lambda opt: ReduceLROnPlateau(opt, mode="max", factor=0.2, patience=2)),
    ("04.mode_max", lambda opt: ReduceLROnPlateau(opt, mode="max", factor=0.2, patience=2, threshold=0.0)),
    ("04.fire_within_8", dict(threshold=0.02, threshold_mode="abs", epoch=6)),
    ("04.fire_within_8", dict(threshold=0.03, threshold_mode="rel", epoch=6)),
]


def test_the_exercise_losses_fall_then_plateau():
    assert len(PLATEAU_EXERCISE_LOSSES) == 12
    assert PLATEAU_EXERCISE_LOSSES[0] == max(PLATEAU_EXERCISE_LOSSES)


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_answer_gets_a_specific_hint(exercise_id, answer, hint):
    result = assert_fails(exercise_id, answer, hint)
    assert "raised" not in result.message, f"a crash, not a hint: {result.message}"


@pytest.mark.parametrize("exercise_id, answer", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_answer_passes(exercise_id, answer):
    assert_passes(exercise_id, answer)


def test_the_slow_losses_improve_every_epoch():
    assert len(PLATEAU_SLOW_LOSSES) == 8
    assert all(b < a for a, b in zip(PLATEAU_SLOW_LOSSES, PLATEAU_SLOW_LOSSES[1:]))
    # with the default threshold the rate never drops: the exercise needs a thought-out threshold
    assert not any(t["reduced"] for t in plateau_trace(PLATEAU_SLOW_LOSSES, factor=0.5, patience=2))
