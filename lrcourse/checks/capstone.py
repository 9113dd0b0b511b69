"""The checks of notebook 08_capstone (its "Exercises" section), and the accuracies the notebook imports.

``08.lead_is_real`` (is B's lead over C real? from the paired differences of
:data:`LEAD_EXERCISE_ACCURACIES`), ``08.fair_start`` (seeded weights and data order) and
``08.pick_on_validation`` (choose a rate on the validation split, never reading the test split).
Tested in ``tests/checks/test_capstone.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
from pathlib import Path

import torch

from ..compare import paired_difference
from ..data import MNISTData, Split
from .core import exercise, require_answer
from .harness import need_function, quietly

__all__ = ["LEAD_EXERCISE_ACCURACIES"]

#: the final validation accuracies (%) of contestants B and C over race seeds 1-5, for exercise 08.lead_is_real
LEAD_EXERCISE_ACCURACIES = {
    "B": [96.8, 97.1, 96.6, 95.8, 96.7],
    "C": [96.2, 96.6, 95.9, 96.4, 96.1],
}


@exercise("08.lead_is_real", "a tuple (mean, low, high, real): the mean paired difference B − C of "
                             "LEAD_EXERCISE_ACCURACIES in points, its 95% CI, and whether the lead is real (a bool).")
def _lead_is_real(answer):
    require_answer(answer)
    try:
        mean, low, high, real = answer
        mean, low, high = float(mean), float(low), float(high)
    except (TypeError, ValueError):
        return False, "Answer with a tuple (mean, low, high, real), for example (0.5, 0.1, 0.9, True)."
    d = np.subtract(LEAD_EXERCISE_ACCURACIES["B"], LEAD_EXERCISE_ACCURACIES["C"])
    want = paired_difference(LEAD_EXERCISE_ACCURACIES["C"], LEAD_EXERCISE_ACCURACIES["B"])
    w_low, w_high = want.ci
    close = lambda a, b: abs(a - b) < 0.011  # noqa: E731
    if close(mean, -want.mean):
        return False, "That is C − B: the question is about B's lead, B − C."
    if not close(mean, want.mean):
        return False, f"The mean of the per-seed differences B − C is {want.mean:+.2f} points; you gave {mean:+.2f}."
    if not (close(low, w_low) and close(high, w_high)):
        return False, ("The mean is right; the CI is not. Use the per-seed differences (paired): "
                       "paired_difference(C, B).ci, or scipy.stats.ttest_rel(B, C).confidence_interval(0.95).")
    if real:
        return False, (f"B is ahead on {int(np.sum(d > 0))} of {len(d)} seeds and by {want.mean:+.2f} on average, "
                       f"but the 95% CI ({w_low:+.2f} to {w_high:+.2f}) covers 0, and 4 wins of 5 happen by "
                       "coin flips 38% of the time (sign test). Not a real lead: a tie.")
    return True, (f"B − C = {want.mean:+.2f} points (95% CI {w_low:+.2f} to {w_high:+.2f}): the CI covers 0, "
                  "so it is a tie, whatever the 4 wins of 5 suggest. One seed (seed 4, −0.6) is enough to say so.")


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



def _watched_mnist(log: set):
    """A tiny MNIST-shaped dataset (random pixels, a probe only) whose val and test splits log every read."""
    def watched(name, n, gen):
        class Watched(Split):
            def __getattribute__(self, attr):
                if attr in ("x", "y", "batches", "to"):
                    log.add(name)
                return object.__getattribute__(self, attr)

            def __len__(self):
                log.add(name)
                return len(object.__getattribute__(self, "y"))

        split = Watched(torch.randn(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen))
        log.discard(name)  # building it reads it once
        return split

    gen = torch.Generator().manual_seed(0)
    train = Split(torch.randn(16, 1, 28, 28, generator=gen), torch.randint(0, 10, (16,), generator=gen))
    return MNISTData(train=train, val=watched("val", 8, gen), test=watched("test", 8, gen),
                     source="probe", root=Path("."), note="random pixels, for the check")


@exercise("08.pick_on_validation", "a function pick_lr(data, candidates) that trains a model at each candidate rate on "
                              "data.train, scores it on data.val, and returns the best candidate, never reading "
                              "data.test.")
def _pick_on_validation(answer):
    need_function(answer, "pick_lr(data, candidates)")
    log: set = set()
    data = _watched_mnist(log)
    candidates = [0.01, 0.1]
    with torch.random.fork_rng(devices=[]):
        chosen, _, error = quietly(answer, data, list(candidates))
    if "test" in log:
        return False, ("Your function read data.test. Then the test split helped choose the rate (or drive the "
                       "plateau), and its score is no longer an honest estimate on new data. Score each "
                       "candidate on data.val, and use data.test once, for the final report.")
    if error is not None:
        return False, f"Running your function raised {type(error).__name__}: {error}"
    if "val" not in log:
        return False, ("Your function never read data.val: score each candidate on the validation split, "
                       "e.g. evaluate(model, data.val).")
    if chosen is ... or chosen is None:
        return False, "Return the chosen rate, one of the candidates."
    if not any(math.isclose(float(chosen), c) for c in candidates):
        return False, f"You returned {chosen!r}; return one of the candidates {candidates}."
    return True, "The candidates were scored on data.val, and data.test was never read."
