"""The fair protocol of a shoot-out: tune each contestant's peak rate on validation, then race on other seeds.

A :class:`Tunable` is a contestant with a grid of peak rates. :func:`tune_then_race`
gives every entry the same treatment: its grid runs with the tuning seeds and is
scored on the validation split only; the chosen rates then race on other seeds
(:func:`~lrcourse.shootout.shootout`), and the test split stays sealed until the end.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch

from .shootout import Contestant, ShootoutResult, shootout

__all__ = ["Tunable", "tune_then_race"]


@dataclass
class Tunable:
    r"""A contestant to tune: its ``label``, ``build(lr) -> Contestant`` at a peak rate, and the grid ``rates``.

    Example:
        >>> Tunable("SGD", lambda lr: Contestant("", lambda p: torch.optim.SGD(p, lr=lr)), (0.01, 0.1)).rates
        (0.01, 0.1)
    """

    label: str
    build: Callable
    rates: tuple


def _tune(entry: Tunable, result: ShootoutResult, seeds, near_tie: float = 0.0) -> tuple[float, dict]:
    """Each rate of ``entry`` with every tuning seed, scored on ``data.val`` (never ``data.test``): the
    lowest mean final validation loss wins (a loss does not hinge on one digit as an accuracy does),
    and the smallest rate within a factor ``1 + near_tie`` of it breaks a near-tie; a diverged run
    puts its rate last."""
    scores = {}
    for lr in entry.rates:
        runs = [result.run_one(replace(entry.build(lr), label=f"{entry.label} lr={lr:g}"), s, test=False)[0]
                for s in seeds]
        ok = all(not h.diverged and h.final("val_acc") is not None for h in runs)
        scores[lr] = ((float(np.mean([h.final("val_acc") for h in runs])),
                       float(np.mean([h.final("val_loss") for h in runs]))) if ok else (-math.inf, math.inf))
    best = min(scores[lr][1] for lr in entry.rates)
    return min(lr for lr in entry.rates if scores[lr][1] <= best * (1 + near_tie)), scores


def tune_then_race(entries, data, *, tune_seeds=(0,), race_seeds=(1, 2, 3, 4, 5), num_epochs: int = 5,
                   target_acc: float = 0.95, batch_size: int | None = 64, model_fn: Callable | None = None,
                   verbose: bool = True, near_tie: float = 0.0) -> ShootoutResult:
    r"""The fair protocol: tune every entry's peak rate on validation with its own seeds, then race on other seeds.

    Each :class:`Tunable` runs its grid with every seed of ``tune_seeds``,
    scored on ``data.val`` by the lowest mean final validation loss; a rate whose
    loss is within a factor ``1 + near_tie`` of the lowest counts as tied with it,
    and the smallest tied rate wins. Its chosen rate races once per race seed (:func:`shootout`: paired starts and batches).
    The result ranks by validation (``rank_by="val_acc"``) and is ``sealed``:
    its rows show the validation accuracy; the test accuracy is read once, at the end
    (:func:`~lrcourse.shootout.scoreboard` with ``"test_acc"``).

    Args:
        entries (list of Tunable): the contestants and their grids.
        tune_seeds, race_seeds (sequence of int): apart. Default: ``(0,)`` and ``(1, 2, 3, 4, 5)``.
        near_tie (float): the relative margin of a near-tie, e.g. ``0.02`` for 2%. Default: ``0.0``.
        data, num_epochs, target_acc, batch_size, model_fn, verbose: as in :func:`shootout`.

    Returns:
        ShootoutResult: the race, with ``tuning`` = ``{label: (chosen lr, {lr: (mean val acc, mean val loss)})}``.

    Example:
        >>> from lrcourse.data import MNISTData, Split
        >>> from lrcourse.models import MnistCNN
        >>> x, y = torch.randn(96, 1, 28, 28), torch.arange(96) % 10
        >>> tiny = MNISTData(Split(x[:64], y[:64]), Split(x[64:80], y[64:80]), Split(x[80:], y[80:]), "demo", None)
        >>> sgd = Tunable("SGD", lambda lr: Contestant("", lambda p: torch.optim.SGD(p, lr=lr)), (0.01, 0.1))
        >>> r = tune_then_race([sgd], tiny, race_seeds=(1, 2), num_epochs=1, model_fn=lambda: MnistCNN(width=2),
        ...                    verbose=False)
        >>> r.seeds, r.rank_by, r.sealed, r.leaderboard()[0].split
        ((1, 2), 'val_acc', True, 'val')
    """
    entries = list(entries)
    if not 0 <= near_tie < 1:
        raise ValueError(f"near_tie={near_tie!r} is a relative margin on the validation loss: give a value "
                         "in [0, 1), e.g. 0.02 for 2%.")
    tune_seeds = tuple(tune_seeds)
    if set(tune_seeds) & set(race_seeds) or not tune_seeds:
        raise ValueError(f"The race seeds {tuple(race_seeds)} must not include a tuning seed {tune_seeds}, "
                         "and there must be at least one tuning seed.")
    tuner = ShootoutResult(data, tune_seeds, num_epochs, batch_size, target_acc, model_fn)
    chosen = []
    for entry in entries:
        lr, scores = _tune(entry, tuner, tune_seeds, near_tie)
        tuner.tuning[entry.label] = (lr, scores)
        chosen.append(replace(entry.build(lr), label=entry.label))
        if verbose:  # a diverged rate shows inf
            tried = ", ".join(f"{k:g}: {v:.3f} ({100 * a:.1f}%)" for k, (a, v) in scores.items())
            print(f"tuned {entry.label:<20} mean val loss (acc) by peak rate: {tried} -> {lr:g}")
            if len(entry.rates) > 1 and lr in (min(entry.rates), max(entry.rates)):
                side = "top" if lr == max(entry.rates) else "bottom"
                print(f"  {entry.label}'s pick is the {side} of its grid: a rate beyond it was not tried, "
                      f"so extend the grid past {lr:g}.")
    result = shootout(chosen, data, seeds=race_seeds, num_epochs=num_epochs, target_acc=target_acc,
                      batch_size=batch_size, model_fn=model_fn, verbose=verbose)
    result.rank_by, result.sealed, result.tuning = "val_acc", True, tuner.tuning
    return result
