"""lrcourse.checks.decay: the exercises of 02_step_decay and 03_exponential_decay.

A wrong answer gets a specific hint, not a crash; a right one passes.
"""
import pytest
from helpers import assert_fails, assert_passes

WRONG = [  # (exercise, wrong answer, words the hint must contain)
    ("02.halve_every_5", 0.0125, "epochs 16-20"),
    ("02.halve_every_5", 0.05, "epochs 6-10"),
    ("02.halve_every_5", 0.03, "ever uses"),
    ("02.milestones", [0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025], "Epochs 1-5 are right"),
    ("02.milestones", [0.1, 0.05, 0.05, 0.05, 0.025, 0.0125, 0.0125, 0.0125], "Epochs 1-1 are right"),
    ("02.milestones", [0.1] * 7, "Give 8 rates"),
    ("02.noise_floor", 0.02, "too high"),
    ("02.noise_floor", 0.0087, "before the cut"),
    ("02.noise_floor", 1e-5, "too low"),
    ("03.gamma_for_target", 0.9, "0.1·gamma^20"),
    ("03.gamma_for_target", 0.01 ** (1 / 19), "Off by one"),
    ("03.time_based_lambda", 20, "Off by one"),
    ("03.time_based_lambda", 11, "not at or below 0.05"),
    ("03.time_based_lambda", 0, "from 1 on"),
    ("03.match_budget", dict(gamma_is="below", last_rate_is="below", gamma=0.9), "lower gamma"),
    ("03.match_budget", dict(gamma_is="below", last_rate_is="below", gamma=0.5), "raise gamma"),
    ("03.match_budget", dict(gamma_is="below", last_rate_is="below", gamma=0.5 ** (1 / 9)), "ENDS at the fixed rate"),
    ("03.match_budget", dict(gamma_is="below", last_rate_is="below", gamma=1.0), "0 < gamma < 1"),
    ("03.match_budget", dict(gamma_is="below", last_rate_is="below", gamma=0.8237), "Off by one"),
    ("03.match_budget", dict(gamma_is="above", last_rate_is="below", gamma=0.8323), "'above 0.9' is not"),
    ("03.match_budget", dict(gamma_is="below", last_rate_is="above", gamma=0.8323), "'above 0.05' is not"),
    ("03.match_budget", dict(gamma_is="lower", last_rate_is="below", gamma=0.8323), "'above' or 'below'"),
    ("03.match_budget", 0.8323, "Give a dict"),
]

RIGHT = [
    ("02.halve_every_5", 0.025),
    ("02.milestones", [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.0125, 0.0125]),
    ("02.noise_floor", 0.0044),
    ("03.gamma_for_target", (0.001 / 0.1) ** (1 / 20)),
    ("03.time_based_lambda", 21),
    ("03.match_budget", dict(gamma_is="below", last_rate_is="below", gamma=0.8323)),
]


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_answer_gets_a_specific_hint(exercise_id, answer, hint):
    result = assert_fails(exercise_id, answer, hint)
    assert "raised" not in result.message, f"a crash, not a hint: {result.message}"


@pytest.mark.parametrize("exercise_id, answer", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_answer_passes(exercise_id, answer):
    assert_passes(exercise_id, answer)


def test_a_function_where_a_prediction_is_asked_for_says_so():
    assert_fails("02.milestones", lambda opt: None, "Give a list of 8 numbers")
