"""What a slider cannot hold: the named lambdas, the warmup chain and the simulated clock.

A :class:`~lrcourse.specs.Spec` whose scheduler takes a function, a chain of
schedulers or a clock names one of these builders. Each is
``build(optimizer, params, num_steps)``: ``params`` are the spec's controls,
``num_steps`` how many times the scheduler will be stepped.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

from torch.optim import lr_scheduler as torch_sched

from .schedules import TimeBasedLR, WallClockLR, make_scheduler

__all__ = ["NAMED_LAMBDAS", "NAMED_MULTIPLIERS", "BUILDERS"]


def _lin_to_zero(T):
    return lambda t: max(0.0, 1.0 - t / T)


def _inverse_time(T):
    return partial(TimeBasedLR.factor, 0.1)  # the formula is TimeBasedLR's, with k = 0.1


def _warmup_then_constant(T):
    w = max(1, T // 10)
    return lambda t: min(1.0, (t + 1) / w)


def _inverse_sqrt(T):
    w = max(1, T // 10)
    return lambda t: min((t + 1) / w, math.sqrt(w / (t + 1)))


#: LambdaLR's ``lr_lambda`` by name; each is built from the number of steps ``T``
NAMED_LAMBDAS: dict[str, Callable[[int], Callable[[int], float]]] = {
    "linear to zero: 1 - t/T": _lin_to_zero,
    "inverse time: 1/(1 + 0.1 t)": _inverse_time,
    "linear warmup (10%), then constant": _warmup_then_constant,
    "warmup (10%), then inverse sqrt": _inverse_sqrt,
}

#: MultiplicativeLR's ``lr_lambda`` (the factor applied at each step) by name
NAMED_MULTIPLIERS: dict[str, Callable[[int], Callable[[int], float]]] = {
    "x 0.95 every step": lambda T: (lambda t: 0.95),
    "x 0.9 every step": lambda T: (lambda t: 0.9),
    "x 0.99 every step": lambda T: (lambda t: 0.99),
    "x 1 for half, then x 0.8": lambda T: (lambda t: 1.0 if t < T // 2 else 0.8),
}


def _fixed(optimizer, p, num_steps):
    """A fixed rate, as a scheduler: ``LambdaLR`` with a constant factor of 1."""
    return torch_sched.LambdaLR(optimizer, lambda t: 1.0)


def _lambda(optimizer, p, num_steps):
    """``LambdaLR`` with the named ``lr_lambda`` of :data:`NAMED_LAMBDAS`."""
    return torch_sched.LambdaLR(optimizer, NAMED_LAMBDAS[p["lr_lambda"]](num_steps))


def _multiplicative(optimizer, p, num_steps):
    """``MultiplicativeLR`` with the named ``lr_lambda`` of :data:`NAMED_MULTIPLIERS`."""
    return torch_sched.MultiplicativeLR(optimizer, NAMED_MULTIPLIERS[p["lr_lambda"]](num_steps))


def _warmup_cosine(optimizer, p, num_steps):
    """``SequentialLR``: ``LinearLR`` for ``warmup_epochs``, then ``CosineAnnealingLR`` over the rest."""
    warm = p["warmup_epochs"]
    if warm >= num_steps:
        raise ValueError(f"warmup_epochs ({warm}) must be shorter than the run ({num_steps} epochs).")
    return torch_sched.SequentialLR(optimizer, [
        make_scheduler("LinearLR", optimizer, start_factor=p["start_factor"], total_iters=warm),
        make_scheduler("CosineAnnealingLR", optimizer, T_max=num_steps - warm, eta_min=p["eta_min"]),
    ], milestones=[warm])


def _wall_clock(optimizer, p, num_steps):
    """``WallClockLR`` on a simulated clock: epoch k ends ``k * minutes_per_epoch`` after the start."""
    p = dict(p)
    seconds = 60.0 * p.pop("minutes_per_epoch")
    held: dict = {}
    sched = WallClockLR(optimizer, clock=lambda: held["s"].last_epoch * seconds if held else 0.0, **p)
    held["s"] = sched
    return sched


def _time_based(optimizer, p, num_steps):
    """lrcourse's :class:`~lrcourse.schedules.TimeBasedLR`."""
    return TimeBasedLR(optimizer, **p)


def _multistep(optimizer, p, num_steps):
    """``MultiStepLR`` from a range control: its two ends are the milestones (one, when they meet)."""
    p = dict(p, milestones=sorted(set(int(m) for m in p["milestones"])))
    return make_scheduler("MultiStepLR", optimizer, **p)


def _cyclic(optimizer, p, num_steps):
    """``CyclicLR``; ``gamma`` is passed only to ``mode="exp_range"``, the one mode that reads it."""
    p = dict(p)
    if p.get("mode") != "exp_range":
        p.pop("gamma", None)
    return make_scheduler("CyclicLR", optimizer, **p)


#: the builder of each spec whose scheduler a slider cannot hold, by the spec's name:
#: ``build(optimizer, params, num_steps)``
BUILDERS: dict[str, Callable] = {
    "fixed": _fixed, "MultiStepLR": _multistep, "CyclicLR": _cyclic, "LambdaLR": _lambda,
    "MultiplicativeLR": _multiplicative, "SequentialLR": _warmup_cosine, "TimeBasedLR": _time_based,
    "WallClockLR": _wall_clock,
}
