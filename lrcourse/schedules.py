"""Schedulers by name: torch's, the two schedules torch lacks, and checked arguments.

:class:`TimeBasedLR` and :class:`WallClockLR` keep torch's scheduler contract
(``step``, ``get_last_lr``, ``state_dict``/``load_state_dict``), so they work
wherever a torch scheduler works. :func:`make_scheduler` builds any scheduler
from its name (:func:`scheduler_names`, :func:`scheduler_class`) after
:func:`check_params` has said clearly what is wrong with a bad argument; the
object it returns is torch's own, not a wrapper. The curves these schedulers
draw live in :mod:`lrcourse.curves`.
"""
from __future__ import annotations

import inspect
import math
import time
from typing import Callable

import numpy as np
import torch
from torch.optim import lr_scheduler as torch_sched

__all__ = ["TimeBasedLR", "WallClockLR", "EXTRA_SCHEDULERS", "scheduler_names", "scheduler_class", "check_params", "make_scheduler"]


# --------------------------------------------------------------------------- our schedules
class TimeBasedLR(torch_sched.LRScheduler):
    r"""Time-based decay: ``lr_t = initial_lr / (1 + k·t)``, with ``t`` the step count.

    This is the ``decay`` argument of the old Keras SGD, which torch has no
    class for. It is computed in closed form from ``initial_lr``, so it has
    no accumulated rounding.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        k (float): decay rate per step (``k >= 0``). With ``k = 0.1`` the rate
            halves after 10 steps.
        last_epoch (int): the index of the last step, for resuming. Default: ``-1``.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = TimeBasedLR(opt, k=0.5)
        >>> for _ in range(2):
        ...     opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.5]
    """

    def __init__(self, optimizer, k: float, last_epoch: int = -1):
        if not (isinstance(k, (int, float)) and math.isfinite(k) and k >= 0):
            raise ValueError(f"TimeBasedLR: k must be a finite number >= 0, got {k!r}.")
        self.k = float(k)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def factor(k: float, t: int) -> float:
        r"""The multiplier of the initial rate after ``t`` steps: ``1 / (1 + k·t)``.

        Example:
            >>> TimeBasedLR.factor(0.1, 10)
            0.5
        """
        return 1.0 / (1.0 + k * t)

    def get_lr(self):
        return [base * self.factor(self.k, self.last_epoch) for base in self.base_lrs]

    _get_closed_form_lr = get_lr


class WallClockLR(torch_sched.LRScheduler):
    r"""Multiply the rate by ``factor`` every ``period`` units of wall-clock time.

    ``WallClockLR(opt, period=5)`` halves the rate every 5 minutes of
    training, however many steps that is. The clock is read at each
    ``step()``. Pass ``clock`` to use another time source, for example a fake
    clock in tests. ``state_dict()`` saves the elapsed time, and
    ``load_state_dict()`` resumes from it.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        period (float): time between two reductions, in ``unit``.
        factor (float): multiplier at each reduction, in (0, 1]. Default: ``0.5``.
        unit (str): ``"seconds"``, ``"minutes"`` or ``"hours"``. Default: ``"minutes"``.
        min_lr (float): the rate never goes below this. Default: ``0``.
        clock (callable): returns the time in seconds. Default: ``time.monotonic``.
        last_epoch (int): the index of the last step, for resuming. Default: ``-1``.

    Example:
        >>> now = [0.0]
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> sched = WallClockLR(opt, period=5, clock=lambda: now[0])
        >>> now[0] = 5 * 60; opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.05]
    """

    _UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}

    def __init__(
        self,
        optimizer,
        period: float,
        factor: float = 0.5,
        unit: str = "minutes",
        min_lr: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        last_epoch: int = -1,
    ):
        if unit not in self._UNITS:
            raise ValueError(f"WallClockLR: unit must be one of {list(self._UNITS)}, got {unit!r}.")
        if not (isinstance(period, (int, float)) and period > 0 and math.isfinite(period)):
            raise ValueError(f"WallClockLR: period must be > 0 {unit}, got {period!r}.")
        if not (isinstance(factor, (int, float)) and 0 < factor <= 1):
            raise ValueError(f"WallClockLR: factor must be in (0, 1], got {factor!r}.")
        if min_lr < 0:
            raise ValueError(f"WallClockLR: min_lr must be >= 0, got {min_lr!r}.")
        self.period = float(period)
        self.factor = float(factor)
        self.unit = unit
        self.min_lr = float(min_lr)
        self.clock = clock
        self._start = clock()
        super().__init__(optimizer, last_epoch)

    def elapsed(self) -> float:
        """Seconds since the schedule started (or the equivalent, after a resume)."""
        return self.clock() - self._start

    def get_lr(self):
        n = math.floor(self.elapsed() / (self.period * self._UNITS[self.unit]))
        return [max(self.min_lr, base * self.factor**n) for base in self.base_lrs]

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "clock", "_start")}
        state["elapsed"] = self.elapsed()
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        self._start = self.clock() - state.pop("elapsed")
        self.__dict__.update(state)


# --------------------------------------------------------------------------- registry
def _pos_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")


def _pos_float(name, value, allow_zero=False):
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}.")


#: checks run on keyword arguments before a scheduler is built, by argument name
_PARAM_CHECKS: dict[str, Callable] = {
    "gamma": lambda v: _pos_float("gamma", v),
    "step_size": lambda v: _pos_int("step_size", v),
    "T_max": lambda v: _pos_int("T_max", v),
    "T_0": lambda v: _pos_int("T_0", v),
    "T_mult": lambda v: _pos_int("T_mult", v),
    "total_iters": lambda v: _pos_int("total_iters", v, minimum=0),
    "total_steps": lambda v: _pos_int("total_steps", v),
    "eta_min": lambda v: _pos_float("eta_min", v, allow_zero=True),
    "max_lr": lambda v: _pos_float("max_lr", v),
    "base_lr": lambda v: _pos_float("base_lr", v),
    "k": lambda v: _pos_float("k", v, allow_zero=True),
    "patience": lambda v: _pos_int("patience", v, minimum=0),
}


def _check_milestones(v):
    if not isinstance(v, (list, tuple)) or not v:
        raise ValueError(f"milestones must be a non-empty list of epochs, got {v!r}.")
    for m in v:
        _pos_int("each milestone", m)
    if list(v) != sorted(v):
        raise ValueError(f"milestones must be increasing, got {list(v)}.")


_PARAM_CHECKS["milestones"] = _check_milestones

#: our own schedulers, by name, next to every class in torch.optim.lr_scheduler
EXTRA_SCHEDULERS = {"TimeBasedLR": TimeBasedLR, "WallClockLR": WallClockLR}


def scheduler_names() -> list[str]:
    r"""Names :func:`make_scheduler` accepts: torch's schedulers and lrcourse's own.

    Example:
        >>> "OneCycleLR" in scheduler_names() and "TimeBasedLR" in scheduler_names()
        True
    """
    names = [
        n for n, obj in vars(torch_sched).items()
        if inspect.isclass(obj) and issubclass(obj, torch_sched.LRScheduler)
        and not n.startswith("_") and n != "LRScheduler"
    ]
    return sorted(names) + sorted(EXTRA_SCHEDULERS)


def scheduler_class(name: str) -> type:
    r"""The scheduler class called ``name``, from torch or lrcourse.

    Raises:
        ValueError: for an unknown name, listing the known ones.

    Example:
        >>> scheduler_class("StepLR").__module__
        'torch.optim.lr_scheduler'
    """
    if name in EXTRA_SCHEDULERS:
        return EXTRA_SCHEDULERS[name]
    if name in scheduler_names():
        return getattr(torch_sched, name)
    raise ValueError(
        f"Unknown scheduler {name!r}. Choose one of: {', '.join(scheduler_names())}."
    )


def check_params(name: str, params: dict) -> None:
    r"""Raise a clear ``ValueError`` for a bad value before torch sees it.

    Torch accepts, for example, ``StepLR(gamma=-1)`` and ``step_size=0``
    silently or fails deep inside ``step()``; this says what is wrong.

    Example:
        >>> check_params("StepLR", {"step_size": 0})
        Traceback (most recent call last):
        ...
        ValueError: StepLR: step_size must be an integer >= 1, got 0.
    """
    cls = scheduler_class(name)
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "optimizer"}
    unknown = set(params) - accepted
    if unknown:
        raise ValueError(
            f"{name} has no argument {', '.join(sorted(unknown))}. "
            f"It takes: {', '.join(sorted(accepted))}."
        )
    for key, value in params.items():
        check = _PARAM_CHECKS.get(key)
        if check is None:
            continue
        try:
            check(value)
        except ValueError as err:
            raise ValueError(f"{name}: {err}") from None
    # combinations torch accepts silently but that make no sense
    if name == "CyclicLR" and "base_lr" in params and "max_lr" in params \
            and params["base_lr"] >= params["max_lr"]:
        raise ValueError(f"CyclicLR: base_lr ({params['base_lr']:g}) must be below "
                         f"max_lr ({params['max_lr']:g}); the cycle runs between them.")


def make_scheduler(name: str, optimizer: torch.optim.Optimizer, **params):
    r"""Build the scheduler called ``name`` on ``optimizer``, checking its arguments.

    It returns the real torch object (or lrcourse's, for ``TimeBasedLR`` and
    ``WallClockLR``); nothing is wrapped.

    Args:
        name (str): a class name from :func:`scheduler_names`.
        optimizer (Optimizer): the optimizer to schedule.
        **params: the scheduler's own arguments.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> make_scheduler("StepLR", opt, step_size=10, gamma=0.9)  # doctest: +ELLIPSIS
        <torch.optim.lr_scheduler.StepLR object at ...>
    """
    check_params(name, params)
    cls = scheduler_class(name)
    try:
        return cls(optimizer, **params)
    except (ValueError, TypeError, KeyError, ZeroDivisionError) as err:
        raise ValueError(f"{name}({_fmt(params)}) cannot be built: {err}") from None


def _fmt(params: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())
