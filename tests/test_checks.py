"""Self-checks of notebooks 00-05: a blank gives the task, a wrong answer a specific hint, a right one passes.

The checks of 06-08 have their own files (test_checks_finder, test_pitfalls, ...);
nbval re-runs every stored solution through its check inside its notebook.
"""
import pytest
import torch
from torch.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR,
                                      OneCycleLR, ReduceLROnPlateau, SequentialLR, StepLR)

from lrcourse.checks import FAIL, PASS, check, exercises
from lrcourse.models import MnistCNN


def _last_layer_pair(lr_last=0.001):
    model = MnistCNN(width=4)
    body = [p for layer in list(model)[:-1] for p in layer.parameters()]
    return model, torch.optim.SGD([{"params": body}, {"params": model[-1].parameters(), "lr": lr_last}], lr=0.01)


WRONG = [  # (exercise, wrong answer, words the hint must contain)
    ("00.cosine_at_20", 0.1, "CosineAnnealingLR"),
    ("00.read_lr", 0.09, "param_groups"),
    ("01.largest_stable_lr", 0.1, "2 / L"),
    ("01.last_layer_lr", 3, "(model, optimizer)"),
    ("01.last_layer_lr", _last_layer_pair(0.01), "0.001"),
    ("02.halve_every_5", lambda opt: StepLR(opt, 5, 0.1), "0.5"),
    ("02.milestones", lambda opt: StepLR(opt, 30, 0.1), "30 and 80"),
    ("03.gamma_for_target", 0.9, "0.1·gamma^20"),
    ("03.time_based_lambda", lambda opt: ExponentialLR(opt, 0.95), "LambdaLR"),
    ("04.predict_reduction", 3, "threshold"),
    ("04.mode_max", lambda opt: ReduceLROnPlateau(opt, factor=0.2, patience=3), "max"),
    ("05.onecycle_config", lambda opt: StepLR(opt, 3), "OneCycleLR"),
    ("05.onecycle_config", lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=100), "500"),
    ("05.warmup_cosine", lambda opt: StepLR(opt, 3), "SequentialLR"),
]

RIGHT = [
    ("02.halve_every_5", lambda opt: StepLR(opt, step_size=5, gamma=0.5)),
    ("02.milestones", lambda opt: MultiStepLR(opt, milestones=[30, 80], gamma=0.1)),
    ("01.last_layer_lr", _last_layer_pair()),
    ("03.gamma_for_target", (0.001 / 0.1) ** (1 / 20)),
    ("03.time_based_lambda", lambda opt: LambdaLR(opt, lambda t: 1 / (1 + 0.05 * t))),
    ("04.mode_max", lambda opt: ReduceLROnPlateau(opt, mode="max", factor=0.2, patience=3)),
    ("05.onecycle_config", lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=500)),
    ("05.warmup_cosine", lambda opt: SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=5),
                                                        CosineAnnealingLR(opt, T_max=45)], milestones=[5])),
]


@pytest.mark.parametrize("exercise_id", sorted(exercises()))
def test_a_blank_answer_restates_the_task(exercise_id):
    result = check(exercise_id, ...)
    assert not result and str(result).startswith(f"{FAIL} {exercise_id}: Not yet. Replace the ...")
    assert exercises()[exercise_id] in result.message


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_answer_gets_a_specific_hint(exercise_id, answer, hint):
    result = check(exercise_id, answer)
    assert not result
    assert "raised" not in result.message, f"a crash, not a hint: {result.message}"
    assert hint in result.message, result.message


@pytest.mark.parametrize("exercise_id, answer", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_answer_passes(exercise_id, answer):
    result = check(exercise_id, answer)
    assert result and str(result).startswith(f"{PASS} {exercise_id}: Correct."), result.message


def test_every_notebook_from_01_has_2_to_4_exercises():
    per_notebook = {}
    for ex in exercises():
        if ex[:2].isdigit() and not ex.split(".")[1].startswith("fix_"):  # 07's exhibit fixes live in its sections
            per_notebook[ex[:2]] = per_notebook.get(ex[:2], 0) + 1
    assert per_notebook and all(2 <= n <= 4 for n in per_notebook.values()), per_notebook
