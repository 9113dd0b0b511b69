"""lrcourse.checks.decay: the exercises of 02_step_decay and 03_exponential_decay.

A wrong answer gets a specific hint, not a crash; a right one passes.
"""
import pytest
from helpers import assert_fails, assert_passes
from torch.optim.lr_scheduler import ConstantLR, ExponentialLR, LambdaLR, MultiStepLR, StepLR

WRONG = [  # (exercise, wrong answer, words the hint must contain)
    ("02.halve_every_5", lambda opt: StepLR(opt, 5, 0.1), "0.5"),
    ("02.halve_every_5", lambda opt: StepLR(opt, 4, 0.5), "every 5"),
    ("02.halve_every_5", lambda opt: ConstantLR(opt, factor=1.0), "never changes"),
    ("02.milestones", lambda opt: StepLR(opt, 30, 0.1), "31 and 81"),
    ("02.noise_floor", 0.02, "too high"),
    ("02.noise_floor", 0.0087, "before the cut"),
    ("02.noise_floor", 1e-5, "too low"),
    ("02.milestones", lambda opt: MultiStepLR(opt, milestones=[30, 80], gamma=0.5), "divides by 10"),
    ("03.gamma_for_target", 0.9, "0.1·gamma^20"),
    ("03.gamma_for_target", 0.01 ** (1 / 19), "Off by one"),
    ("03.time_based_lambda", lambda opt: ExponentialLR(opt, 0.95), "LambdaLR"),
    ("03.time_based_lambda", lambda opt: LambdaLR(opt, lambda t: 1 / (1 + 0.5 * t)),
     "In epoch 2 your rate is 0.06667, where it should be 0.09524"),
    # one drop, at the right epoch and by the right factor: the hint names the first epoch that differs
    ("02.halve_every_5", lambda opt: MultiStepLR(opt, [5], 0.5), "Close, but in epoch 11 your rate is 0.05, where it should be 0.025"),
    ("02.milestones", lambda opt: MultiStepLR(opt, milestones=[30, 80], gamma=0.5),
     "in epoch 31 your rate is 0.05, where it should be 0.01"),
    ("03.match_budget", 0.9, "lower gamma"),
    ("03.match_budget", 0.5, "raise gamma"),
    ("03.match_budget", 0.5 ** (1 / 9), "ENDS at the fixed rate"),
    ("03.match_budget", 1.0, "0 < gamma < 1"),
    ("03.match_budget", 0.8237, "Off by one"),
]

RIGHT = [
    ("02.halve_every_5", lambda opt: StepLR(opt, step_size=5, gamma=0.5)),
    ("02.milestones", lambda opt: MultiStepLR(opt, milestones=[30, 80], gamma=0.1)),
    ("02.noise_floor", 0.0044),
    ("03.gamma_for_target", (0.001 / 0.1) ** (1 / 20)),
    ("03.time_based_lambda", lambda opt: LambdaLR(opt, lambda t: 1 / (1 + 0.05 * t))),
    ("03.match_budget", 0.8323),
]


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_answer_gets_a_specific_hint(exercise_id, answer, hint):
    result = assert_fails(exercise_id, answer, hint)
    assert "raised" not in result.message, f"a crash, not a hint: {result.message}"


@pytest.mark.parametrize("exercise_id, answer", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_answer_passes(exercise_id, answer):
    assert_passes(exercise_id, answer)


def test_a_number_where_a_function_is_asked_for_says_so():
    assert_fails("02.halve_every_5", 0.5, "give a function opt -> scheduler")
