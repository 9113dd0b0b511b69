"""lrcourse.checks.capstone: the exercises of 08_capstone. Right answers pass, wrong ones get the hint that fits."""
import numpy as np
import pytest
import torch

from helpers import assert_fails, assert_passes
from torch.optim.lr_scheduler import ReduceLROnPlateau

from lrcourse.checks import LEAD_EXERCISE_ACCURACIES, check
from lrcourse.compare import paired_difference
from lrcourse.models import MnistCNN
from lrcourse.train import evaluate, fit


# --------------------------------------------------------------------------- 08.fair_start
def _seeded(seed):
    torch.manual_seed(seed)
    return MnistCNN(), torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("answer, hint", [
    (lambda seed: (MnistCNN(), torch.Generator().manual_seed(seed)), "torch.manual_seed(seed)"),
    (lambda seed: (torch.manual_seed(0) and MnistCNN(), torch.Generator().manual_seed(seed)), "seed you are given"),
    (lambda seed: (_seeded(seed)[0], torch.Generator()), "seed the generator"),  # all share one default seed
    (lambda seed: (_seeded(seed)[0], torch.Generator().manual_seed(0)), "same data order"),
    (lambda seed: _seeded(seed)[0], "pair"),
])
def test_fair_start_hints(answer, hint):
    result = check("08.fair_start", answer)
    assert not result.passed and hint in result.message, result.message


def test_fair_start_passes_and_leaves_the_global_random_state_alone():
    before = torch.random.get_rng_state()
    assert check("08.fair_start", _seeded).passed
    assert torch.equal(before, torch.random.get_rng_state())


# --------------------------------------------------------------------------- 08.lead_is_real
def test_lead_is_real():
    comparison = paired_difference(LEAD_EXERCISE_ACCURACIES["C"], LEAD_EXERCISE_ACCURACIES["B"])
    low, high = comparison.ci
    assert comparison.wins == 4 and round(comparison.mean, 2) == 0.36 and low < 0 < high
    assert_passes("08.lead_is_real", (comparison.mean, low, high, False))
    assert_fails("08.lead_is_real", (comparison.mean, low, high, True), "covers 0", "sign test")
    assert_fails("08.lead_is_real", (-comparison.mean, -high, -low, False), "C − B")
    unpaired = np.mean(LEAD_EXERCISE_ACCURACIES["B"]) - np.mean(LEAD_EXERCISE_ACCURACIES["C"])
    assert_fails("08.lead_is_real", (unpaired, low - 0.5, high + 0.5, False), "paired")
    assert_fails("08.lead_is_real", 0.36, "tuple")
    assert "Replace the ..." in check("08.lead_is_real", ...).message


# --------------------------------------------------------------------------- 08.pick_on_validation
def _picker(split):
    def pick_lr(data, candidates):
        scores = {}
        for lr in candidates:
            torch.manual_seed(0)
            model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
            # data.train only: fit(model, data) would also evaluate on data.val after each epoch
            fit(model, data.train, torch.optim.SGD(model.parameters(), lr=lr), num_epochs=1, progress=False)
            scores[lr] = evaluate(model, getattr(data, split))[1]
        return max(scores, key=scores.get)
    return pick_lr


def plateau_on_test(data, candidates):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    opt = torch.optim.SGD(model.parameters(), lr=candidates[0])
    fit(model, data, opt, ReduceLROnPlateau(opt), num_epochs=1, val_data=data.test, progress=False)
    return candidates[0]


def test_test_leak():
    assert_fails("08.pick_on_validation", _picker("test"), "read data.test")
    assert_fails("08.pick_on_validation", plateau_on_test, "read data.test")
    assert_fails("08.pick_on_validation", _picker("train"), "never read data.val")
    assert_passes("08.pick_on_validation", _picker("val"))


def test_test_leak_with_the_mnist_cnn():
    def pick_lr(data, candidates):
        scores = {}
        for lr in candidates:
            torch.manual_seed(0)
            model = MnistCNN()
            fit(model, data, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9), num_epochs=1,
                progress=False)
            scores[lr] = evaluate(model, data.val)[1]
        return max(scores, key=scores.get)

    state = torch.random.get_rng_state()
    assert_passes("08.pick_on_validation", pick_lr)
    assert torch.equal(state, torch.random.get_rng_state()), "the check leaves the global RNG as it was"
