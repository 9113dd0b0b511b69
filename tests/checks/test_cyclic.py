"""lrcourse.checks.cyclic: the exercises of 05_cyclic.

A wrong answer gets a specific hint, not a crash; a right one passes.
"""
import pytest
from helpers import assert_fails, assert_passes
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, OneCycleLR, SequentialLR, StepLR

WRONG = [  # (exercise, wrong answer, words the hint must contain)
    ("05.onecycle_config", lambda opt: StepLR(opt, 3), "OneCycleLR"),
    ("05.onecycle_config", lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=100), "500"),
    ("05.onecycle_config", lambda opt: OneCycleLR(opt, max_lr=0.2, total_steps=500), "max_lr = 0.1"),
    ("05.warmup_cosine", lambda opt: StepLR(opt, 3), "SequentialLR"),
    ("05.warmup_cosine", lambda opt: SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=5),
                                                        CosineAnnealingLR(opt, T_max=50)], milestones=[5]),
     "T_max of the cosine"),
]

RIGHT = [
    ("05.onecycle_config", lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=500)),
    ("05.onecycle_config", lambda opt: OneCycleLR(opt, max_lr=0.1, epochs=5, steps_per_epoch=100)),
    ("05.warmup_cosine", lambda opt: SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=5),
                                                        CosineAnnealingLR(opt, T_max=45)], milestones=[5])),
]


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_answer_gets_a_specific_hint(exercise_id, answer, hint):
    result = assert_fails(exercise_id, answer, hint)
    assert "raised" not in result.message, f"a crash, not a hint: {result.message}"


@pytest.mark.parametrize("exercise_id, answer", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_answer_passes(exercise_id, answer):
    assert_passes(exercise_id, answer)
