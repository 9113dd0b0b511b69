"""The checks of notebook 08_capstone (its "Exercises" section), and the accuracies the notebook imports.

``08.mean_std`` (mean and sample std over seeds), ``08.winner`` (the best mean of
:data:`SHOOTOUT_EXERCISE_ACCURACIES`) and ``08.fair_start`` (seeded weights and data order).
Tested in ``tests/checks/test_capstone.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .core import exercise, require_answer

__all__ = ["SHOOTOUT_EXERCISE_ACCURACIES"]

#: the per-seed test accuracies (seeds 0-4) of exercise 08.winner
SHOOTOUT_EXERCISE_ACCURACIES = {
    "A": [0.969, 0.955, 0.958, 0.957, 0.956],
    "B": [0.964, 0.968, 0.966, 0.967, 0.965],
    "C": [0.958, 0.973, 0.962, 0.954, 0.961],
}


@exercise("08.mean_std", "a function accs -> (mean, std): the mean and the sample standard deviation "
                         "(ddof=1, as torch.std computes it) of a list of per-seed accuracies.")
def _mean_std(answer):
    if not callable(answer):
        raise TypeError("give a function accs -> (mean, std), for example def mean_std(accs): ...")
    accs = [0.962, 0.958, 0.965, 0.955]
    out = require_answer(answer(list(accs)))
    try:
        mean, std = (float(v) for v in out)
    except (TypeError, ValueError):
        return False, f"Return two numbers, (mean, std); for {accs} your function returned {out!r}."
    want_mean, want_std = float(np.mean(accs)), float(np.std(accs, ddof=1))
    population = float(np.std(accs))
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)  # noqa: E731
    if close(mean, 100 * want_mean) or close(std, 100 * want_std):
        return False, "Keep the accuracies as fractions (0.962), not percent: the table multiplies by 100 to show them."
    if close(mean, want_std) and close(std, want_mean):
        return False, "You returned (std, mean): swap them."
    if not close(mean, want_mean):
        return False, f"For {accs} the mean is {want_mean:.6f}; you returned {mean:.6f}."
    if close(std, population):
        return False, (f"{std:.6f} is the population std (ddof=0, numpy's default). With a handful of seeds "
                       "use the sample std, ddof=1: np.std(accs, ddof=1) or torch.tensor(accs).std().")
    if not close(std, want_std):
        return False, f"For {accs} the sample std (ddof=1) is {want_std:.6f}; you returned {std:.6f}."
    return True, (f"For {accs}: {100 * want_mean:.2f} ± {100 * want_std:.2f} %. Dividing by n - 1 instead "
                  f"of n makes the std a little larger ({100 * population:.2f} with ddof=0): honest with few seeds.")


@exercise("08.winner", "the label of the contestant with the best MEAN test accuracy over the seeds in "
                       "SHOOTOUT_EXERCISE_ACCURACIES (a str).")
def _winner(answer):
    accs = SHOOTOUT_EXERCISE_ACCURACIES
    if not isinstance(answer, str) or answer not in accs:
        return False, f"Answer with one of the labels, as a str: {', '.join(repr(k) for k in accs)}."
    means = {k: float(np.mean(v)) for k, v in accs.items()}
    best = max(means, key=means.get)
    seed0 = max(accs, key=lambda k: accs[k][0])
    single = max(accs, key=lambda k: max(accs[k]))
    if answer == best:
        ranked = sorted(means, key=means.get, reverse=True)
        wins = sum(a > b for a, b in zip(accs[best], accs[seed0]))
        return True, (", ".join(f"{k} {100 * means[k]:.2f}%" for k in ranked) + f". {best} also beat {seed0} "
                      f"on {wins} of {len(accs[best])} seeds: each seed gives both the same weights and data "
                      "order, so the runs can be compared seed by seed.")
    if answer == seed0:
        return False, (f"{answer} has the best run with seed 0 ({100 * accs[answer][0]:.1f}%), but one seed can "
                       "mislead: average each contestant over all its seeds (np.mean).")
    if answer == single:
        return False, (f"{answer} has the best single run ({100 * max(accs[answer]):.1f}%), and also the widest "
                       "spread. The leaderboard ranks by the mean over the seeds.")
    return False, f"{answer} has a mean of {100 * means[answer]:.2f}%. Compare the means of every contestant."


@exercise("08.fair_start", "a function seed -> (model, generator): an MnistCNN whose initial weights depend only "
                           "on seed, and a torch.Generator seeded with seed for the data order.")
def _fair_start(answer):
    if not callable(answer):
        raise TypeError("give a function seed -> (model, generator), for example def fair_start(seed): ...")

    def call(seed):
        out = require_answer(answer(seed))
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"return a pair (model, generator), not {type(out).__name__}")
        model, gen = out
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"the first item must be the model (an MnistCNN), not {type(model).__name__}")
        if not isinstance(gen, torch.Generator):
            raise TypeError(f"the second item must be a torch.Generator, not {type(gen).__name__}")
        return model, gen

    state = torch.random.get_rng_state()
    try:
        m1, g1 = call(3)
        torch.rand(17)  # other code draws random numbers in between
        m2, g2 = call(3)
        m3, g3 = call(4)
    finally:
        torch.random.set_rng_state(state)
    def same(a, b):
        return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    if not same(m1, m2):
        return False, ("Two calls with seed 3 gave different initial weights. Seed torch right before building "
                       "the model: torch.manual_seed(seed), then MnistCNN().")
    if same(m1, m3):
        return False, "Seeds 3 and 4 gave the same weights: seed with the seed you are given."
    order = lambda g: torch.randperm(100, generator=g)  # noqa: E731
    o1, o2, o3 = order(g1), order(g2), order(g3)
    if not torch.equal(o1, o2):
        return False, "Two calls with seed 3 gave different data orders: return torch.Generator().manual_seed(seed)."
    if torch.equal(o1, o3):
        return False, "Seeds 3 and 4 gave the same data order: seed the generator with the seed you are given."
    return True, ("The same seed gives the same weights and the same batches, whatever ran before; another seed "
                  "gives others. Every contestant of a seed starts from that same point.")

