"""lrcourse.checks.basics: the exercises of 00_start_here and 01_fixed_lr.

A wrong answer gets a specific hint, not a crash; a right one passes. nbval re-runs
every stored solution through its check inside its notebook.
"""
import pytest
import torch
from helpers import assert_fails, assert_passes

from lrcourse.curves import lr_curve
from lrcourse.models import MnistCNN


#: epoch 4 of StepLR(step_size=2, gamma=0.1): one drop for each group's own rate
PREDICTED = [0.01 * 0.1, 0.001 * 0.1]


def _last_layer_pair(lr_last=0.001, predicted=PREDICTED):
    model = MnistCNN(width=4)
    body = [p for layer in list(model)[:-1] for p in layer.parameters()]
    optimizer = torch.optim.SGD([{"params": body}, {"params": model[-1].parameters(), "lr": lr_last}], lr=0.01)
    return model, optimizer, predicted


def _one_group_pair():
    model = MnistCNN(width=4)
    return model, torch.optim.SGD(model.parameters(), lr=0.01), PREDICTED


def _cosine(k):
    return float(lr_curve("CosineAnnealingLR", 41, lr=0.1, T_max=40)[k])  # element k is epoch k + 1


WRONG = [  # (exercise, wrong answer, words the hint must contain)
    ("00.cosine_at_20", 0.1, "CosineAnnealingLR"),
    ("00.cosine_at_20", _cosine(20), "epoch 21"),
    ("00.cosine_at_20", _cosine(18), "epoch 19"),
    ("00.read_lr", 0.09, "param_groups"),
    ("00.read_lr", 0.1 * 0.9 ** 11, "after 11 steps"),
    ("00.read_lr", 0.1, "starting rate"),
    ("01.stability_limit", 0.1, "2 / L"),
    ("01.stability_limit", 2 / (91 / 6), "2 / mean(x²)"),
    ("01.stability_limit", 1 / (91 / 3), "1 / L"),
    ("01.momentum_limit", 2 / (91 / 3), "without momentum"),
    ("01.momentum_limit", 3 / 15, "x = 1..4"),
    ("01.momentum_limit", 3.8 / (91 / 3), "β = 0.9"),
    ("01.momentum_limit", 4 / (91 / 3), "1 - β"),
    ("01.momentum_limit", 0.05, "short of"),
    ("01.momentum_limit", 0.5, "beyond"),
    ("01.last_layer_lr", 3, "(model, optimizer, predicted)"),
    ("01.last_layer_lr", _last_layer_pair()[:2], "(model, optimizer, predicted)"),
    ("01.last_layer_lr", (MnistCNN(width=4), "sgd", PREDICTED), "torch optimizer"),
    ("01.last_layer_lr", _one_group_pair(), "one parameter group"),
    ("01.last_layer_lr", _last_layer_pair(0.01), "0.001"),
    ("01.last_layer_lr", _last_layer_pair(predicted=[0.001, 0.001]), "EACH group's own rate"),
    ("01.last_layer_lr", _last_layer_pair(predicted=[0.01, 0.001]), "no drop yet"),
    ("01.last_layer_lr", _last_layer_pair(predicted=[0.01 * 0.01, 0.001 * 0.01]), "two drops"),
    ("01.last_layer_lr", _last_layer_pair(predicted=[0.5, 0.2]), "not what StepLR gives"),
    ("01.last_layer_lr", _last_layer_pair(predicted="soon"), "two numbers"),
    ("00.first_below", 12, "END of epoch 12"),
    ("00.first_below", 0, "from 1 on"),
    ("00.first_below", 9, "not below 0.02"),
    ("00.first_below", 15, "already uses a rate below 0.02"),
    ("00.first_below", 13.0, "Give an int"),
]

RIGHT = [
    ("00.cosine_at_20", _cosine(19)),
    ("00.read_lr", 0.1 * 0.9 ** 12),
    ("00.first_below", 1 + 4 * 3),  # three halvings, 0.1 -> 0.0125, each after 4 epochs
    ("01.stability_limit", 1 / (91 / 6)),
    ("01.momentum_limit", 3 / (91 / 3)),
    ("01.last_layer_lr", _last_layer_pair()),
]


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_answer_gets_a_specific_hint(exercise_id, answer, hint):
    result = assert_fails(exercise_id, answer, hint)
    assert "raised" not in result.message, f"a crash, not a hint: {result.message}"


@pytest.mark.parametrize("exercise_id, answer", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_answer_passes(exercise_id, answer):
    assert_passes(exercise_id, answer)
