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

__all__ = ["NAMED_LAMBDAS", "NAMED_MULTIPLIERS", "build_fixed", "build_lambda", "build_multiplicative",
           "build_warmup_cosine", "build_wall_clock", "build_time_based", "build_multistep", "build_cyclic"]


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


def build_fixed(optimizer, p, num_steps):
    r"""A fixed rate, as a scheduler: ``LambdaLR`` with a constant factor of 1.

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> type(build_fixed(opt, {}, 10)).__name__
        'LambdaLR'
    """
    return torch_sched.LambdaLR(optimizer, lambda t: 1.0)


def build_lambda(optimizer, p, num_steps):
    """``LambdaLR`` with the named ``lr_lambda`` of :data:`NAMED_LAMBDAS`."""
    return torch_sched.LambdaLR(optimizer, NAMED_LAMBDAS[p["lr_lambda"]](num_steps))


def build_multiplicative(optimizer, p, num_steps):
    """``MultiplicativeLR`` with the named ``lr_lambda`` of :data:`NAMED_MULTIPLIERS`."""
    return torch_sched.MultiplicativeLR(optimizer, NAMED_MULTIPLIERS[p["lr_lambda"]](num_steps))


def build_warmup_cosine(optimizer, p, num_steps):
    """``SequentialLR``: ``LinearLR`` for ``warmup_epochs``, then ``CosineAnnealingLR`` over the rest."""
    warm = p["warmup_epochs"]
    if warm >= num_steps:
        raise ValueError(f"warmup_epochs ({warm}) must be shorter than the run ({num_steps} epochs).")
    return torch_sched.SequentialLR(optimizer, [
        make_scheduler("LinearLR", optimizer, start_factor=p["start_factor"], total_iters=warm),
        make_scheduler("CosineAnnealingLR", optimizer, T_max=num_steps - warm, eta_min=p["eta_min"]),
    ], milestones=[warm])


def build_wall_clock(optimizer, p, num_steps):
    """``WallClockLR`` on a simulated clock: epoch k ends ``k * minutes_per_epoch`` after the start."""
    p = dict(p)
    seconds = 60.0 * p.pop("minutes_per_epoch")
    held: dict = {}
    sched = WallClockLR(optimizer, clock=lambda: held["s"].last_epoch * seconds if held else 0.0, **p)
    held["s"] = sched
    return sched


def build_time_based(optimizer, p, num_steps):
    """lrcourse's :class:`~lrcourse.schedules.TimeBasedLR`."""
    return TimeBasedLR(optimizer, **p)


def build_multistep(optimizer, p, num_steps):
    """``MultiStepLR`` from a range control: its two ends are the milestones (one, when they meet)."""
    p = dict(p, milestones=sorted(set(int(m) for m in p["milestones"])))
    return make_scheduler("MultiStepLR", optimizer, **p)


def build_cyclic(optimizer, p, num_steps):
    """``CyclicLR``; ``gamma`` is passed only to ``mode="exp_range"``, the one mode that reads it."""
    p = dict(p)
    if p.get("mode") != "exp_range":
        p.pop("gamma", None)
    return make_scheduler("CyclicLR", optimizer, **p)
