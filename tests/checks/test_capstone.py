"""lrcourse.checks.capstone: the exercises of 08_capstone. Right answers pass, wrong ones get the hint that fits."""
import numpy as np
import pytest
import torch

from lrcourse.checks import SHOOTOUT_EXERCISE_ACCURACIES, check
from lrcourse.models import MnistCNN


# --------------------------------------------------------------------------- 08.mean_std
@pytest.mark.parametrize("answer", [
    lambda a: (np.mean(a), np.std(a, ddof=1)),
    lambda a: (torch.tensor(a, dtype=torch.float64).mean().item(), torch.tensor(a, dtype=torch.float64).std().item()),
    lambda a: [float(np.mean(a)), float(np.std(a, ddof=1))],
])
def test_mean_std_passes_with_the_sample_std(answer):
    result = check("08.mean_std", answer)
    assert result.passed, result.message


@pytest.mark.parametrize("answer, hint", [
    (lambda a: (np.mean(a), np.std(a)), "ddof=1"),
    (lambda a: (np.std(a, ddof=1), np.mean(a)), "swap"),
    (lambda a: (100 * np.mean(a), 100 * np.std(a, ddof=1)), "fractions"),
    (lambda a: (max(a), np.std(a, ddof=1)), "the mean is"),
    (lambda a: np.mean(a), "two numbers"),
    (0.96, "a function"),
])
def test_mean_std_hints(answer, hint):
    result = check("08.mean_std", answer)
    assert not result.passed and hint in result.message, result.message


# --------------------------------------------------------------------------- 08.winner
def test_winner_is_the_best_mean_and_the_traps_are_distinct():
    accs = SHOOTOUT_EXERCISE_ACCURACIES
    best = max(accs, key=lambda k: np.mean(accs[k]))
    seed0 = max(accs, key=lambda k: accs[k][0])
    single = max(accs, key=lambda k: max(accs[k]))
    assert len({best, seed0, single}) == 3  # each wrong reading gives another label
    assert check("08.winner", best).passed
    assert "seed 0" in check("08.winner", seed0).message
    assert "single run" in check("08.winner", single).message
    assert "one of the labels" in check("08.winner", "D").message
    assert "one of the labels" in check("08.winner", 1).message


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
