"""lrcourse.checks.cyclic: the exercises of 05_cyclic (predict, then verify).

A wrong answer gets a specific hint, not a crash; a right one passes.
"""
import math

import pytest
from helpers import assert_fails, assert_passes

EPOCH_28 = 0.1 * (1 + math.cos(math.pi * 22 / 45)) / 2

WRONG = [  # (exercise, wrong answer, words the hint must contain)
    ("05.onecycle_peak", 125, "one too many"),
    ("05.onecycle_peak", 149, "pct_start=0.25"),
    ("05.onecycle_peak", 89, "300 steps"),
    ("05.onecycle_peak", 0.1, "peak RATE"),
    ("05.onecycle_peak", 300, "pct_start * total_steps"),
    ("05.warmup_cosine_rate", 0.1 * (1 + math.cos(math.pi * 23 / 45)) / 2, "epoch 29"),
    ("05.warmup_cosine_rate", 0.1 * (1 + math.cos(math.pi * 21 / 45)) / 2, "epoch 27"),
    ("05.warmup_cosine_rate", 0.1 * (1 + math.cos(math.pi * 27 / 45)) / 2, "milestone"),
    ("05.warmup_cosine_rate", 0.1 * (1 + math.cos(math.pi * 22 / 50)) / 2, "T_max is 45"),
    ("05.warmup_cosine_rate", "fast", "a number"),
    ("05.warmup_cosine_rate", 0.02, "two parts"),
]

RIGHT = [
    ("05.onecycle_peak", 124),
    ("05.warmup_cosine_rate", EPOCH_28),
    ("05.warmup_cosine_rate", round(EPOCH_28, 4)),
]


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_answer_gets_a_specific_hint(exercise_id, answer, hint):
    result = assert_fails(exercise_id, answer, hint)
    assert "raised" not in result.message, f"a crash, not a hint: {result.message}"


@pytest.mark.parametrize("exercise_id, answer", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_answer_passes(exercise_id, answer):
    assert_passes(exercise_id, answer)
