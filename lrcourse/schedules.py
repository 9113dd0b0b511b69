"""Learning-rate curves from the real torch schedulers, and the two schedules torch lacks.

A schedule is first a curve you can plot: :func:`lr_curve` builds a real torch
scheduler on a one-parameter optimizer and steps it, so every value is torch's
own. :class:`TimeBasedLR` and :class:`WallClockLR` keep torch's scheduler
contract (``step``, ``get_last_lr``, ``state_dict``/``load_state_dict``), so they
work wherever a torch scheduler works.
"""
from __future__ import annotations

import inspect
import math
import time
from typing import Callable, Sequence

import numpy as np
import torch
from torch.optim import lr_scheduler as torch_sched


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

    def get_lr(self):
        return [base / (1.0 + self.k * self.last_epoch) for base in self.base_lrs]

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


# --------------------------------------------------------------------------- curves
def _probe_optimizer(lr: float, optimizer: str) -> torch.optim.Optimizer:
    param = torch.nn.Parameter(torch.zeros(1))
    if optimizer == "sgd":
        return torch.optim.SGD([param], lr=lr, momentum=0.9)
    if optimizer == "adam":
        return torch.optim.Adam([param], lr=lr)
    raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}.")


def schedule_curves(
    factory: Callable | str,
    num_steps: int,
    lr: float = 0.1,
    metrics: Sequence[float] | None = None,
    optimizer: str = "sgd",
    **params,
) -> dict[str, np.ndarray]:
    r"""The learning rate and the momentum (or Adam's beta1) at each step.

    Same arguments as :func:`lr_curve`, plus ``optimizer``: ``"sgd"`` (with
    momentum 0.9) or ``"adam"``, which decides what the momentum curve shows.

    Returns:
        dict: ``{"lr": array, "momentum": array}``, each of length ``num_steps``.

    Example:
        >>> c = schedule_curves("OneCycleLR", 100, max_lr=1.0, total_steps=100)
        >>> float(c["momentum"][0])
        0.95
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)) or num_steps < 1:
        raise ValueError(f"num_steps must be an integer >= 1, got {num_steps!r}.")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}.")
    opt = _probe_optimizer(float(lr), optimizer)
    if isinstance(factory, str):
        sched = make_scheduler(factory, opt, **params)
        label = factory
    elif callable(factory):
        if params:
            raise ValueError("Pass scheduler arguments inside the factory, or give a name instead.")
        try:
            sched = factory(opt)
        except (ValueError, TypeError, KeyError, ZeroDivisionError) as err:
            raise ValueError(f"The scheduler factory failed: {err}") from None
        label = type(sched).__name__
    else:
        raise ValueError(f"factory must be a scheduler name or a callable, got {factory!r}.")
    if not isinstance(sched, torch_sched.LRScheduler) and not hasattr(sched, "step"):
        raise ValueError(f"The factory must return a scheduler, got {type(sched).__name__}.")

    plateau = isinstance(sched, torch_sched.ReduceLROnPlateau)
    if plateau:
        if metrics is None or len(metrics) < num_steps - 1:
            raise ValueError(
                f"ReduceLROnPlateau steps on a metric: pass metrics=[...] with at "
                f"least {num_steps - 1} values (the validation loss at each step)."
            )
    elif metrics is not None:
        raise ValueError(f"{label} does not use metrics; only ReduceLROnPlateau does.")

    opt.step()  # no gradients, so nothing moves; marks the optimizer as stepped (no warning)
    group = opt.param_groups[0]
    mkey = "momentum" if "momentum" in group else "betas"
    # plain lists and bound methods: this loop is what a slider waits for
    lrs, moms = [], []
    add_lr, add_mom, step = lrs.append, moms.append, sched.step
    try:
        if plateau:
            for metric in metrics[: num_steps - 1]:
                add_lr(group["lr"])
                add_mom(group[mkey])
                step(metric)
        else:
            for _ in range(num_steps - 1):
                add_lr(group["lr"])
                add_mom(group[mkey])
                step()
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise ValueError(f"{label} failed at step {len(lrs)} of {num_steps}: {err}") from None
    add_lr(group["lr"])
    add_mom(group[mkey])
    mom = np.array([b[0] for b in moms] if mkey == "betas" else moms, dtype=float)
    return {"lr": np.array(lrs, dtype=float), "momentum": mom}


def lr_curve(
    factory: Callable | str,
    num_steps: int,
    lr: float = 0.1,
    metrics: Sequence[float] | None = None,
    **params,
) -> np.ndarray:
    r"""The learning rate in effect at each of ``num_steps`` steps, as torch computes it.

    It builds the scheduler on a one-parameter SGD optimizer and calls its
    ``step()`` ``num_steps - 1`` times, reading ``param_groups[0]["lr"]``
    before each step, so value ``i`` is the rate the ``i``-th
    ``optimizer.step()`` would use. Only ``scheduler.step()`` runs (the
    optimizer has nothing to update), which makes 10,000 steps take a few ms.

    Args:
        factory (callable or str): ``factory(optimizer)`` returns any torch
            scheduler, or the name of one (see :func:`scheduler_names`), with
            its arguments in ``**params``.
        num_steps (int): how many values to return (``>= 1``).
        lr (float): the optimizer's initial rate. Default: ``0.1``.
        metrics (sequence of float, optional): the metric passed to
            ``ReduceLROnPlateau.step`` at each step; only for that scheduler.
        **params: the scheduler's arguments when ``factory`` is a name.

    Returns:
        numpy.ndarray: ``num_steps`` learning rates.

    Example:
        >>> from torch.optim.lr_scheduler import StepLR
        >>> lr_curve(lambda opt: StepLR(opt, step_size=2, gamma=0.5), 5, lr=1.0)
        array([1.  , 1.  , 0.5 , 0.5 , 0.25])
        >>> lr_curve("ExponentialLR", 3, lr=1.0, gamma=0.1)
        array([1.  , 0.1 , 0.01])
    """
    return schedule_curves(factory, num_steps, lr, metrics, **params)["lr"]


def momentum_curve(factory: Callable | str, num_steps: int, lr: float = 0.1,
                   optimizer: str = "sgd", **params) -> np.ndarray:
    r"""The momentum (SGD) or beta1 (Adam) at each step; see :func:`lr_curve`.

    Example:
        >>> m = momentum_curve("CyclicLR", 5, base_lr=0.01, max_lr=0.1, step_size_up=2)
        >>> [round(float(v), 3) for v in m]
        [0.9, 0.85, 0.8, 0.85, 0.9]
    """
    return schedule_curves(factory, num_steps, lr, None, optimizer, **params)["momentum"]


# --------------------------------------------------------------------------- plateau, explained
def plateau_trace(metrics: Sequence[float], lr: float = 0.1, **params) -> list[dict]:
    r"""Step the real ``ReduceLROnPlateau`` on ``metrics`` and explain every epoch.

    Each record reads the scheduler's own state after ``step(metric)``:
    ``best``, ``num_bad_epochs`` and ``cooldown_counter``, so the explanation
    is torch's logic, not a copy of it.

    Args:
        metrics (sequence of float): the validation metric of each epoch.
        lr (float): the optimizer's initial rate. Default: ``0.1``.
        **params: ``ReduceLROnPlateau``'s arguments (``mode``, ``factor``,
            ``patience``, ``threshold``, ``threshold_mode``, ``cooldown``, ``min_lr``).

    Returns:
        list of dict, one per epoch (1-based ``epoch``): ``metric``, ``lr`` (in
        effect during the epoch), ``next_lr``, ``best``, ``num_bad_epochs``,
        ``cooldown_counter``, ``reduced`` and ``why`` (a sentence).

    Example:
        >>> trace = plateau_trace([1.0, 0.9, 0.9, 0.9, 0.9], patience=2, factor=0.5, threshold=0.0)
        >>> [t["epoch"] for t in trace if t["reduced"]]
        [5]
        >>> trace[4]["why"]
        'epoch 5: 0.9 is not better than the best 0.9 (needs < 0.9); 3 bad epochs > patience 2, so lr 0.1 -> 0.05'
    """
    if len(metrics) == 0:
        raise ValueError("metrics is empty: give the validation metric of at least one epoch.")
    opt = _probe_optimizer(float(lr), "sgd")
    sched = make_scheduler("ReduceLROnPlateau", opt, **params)
    rel = sched.threshold_mode == "rel"
    out = []
    for epoch, metric in enumerate(metrics, start=1):
        metric = float(metric)
        before_lr, best_before = opt.param_groups[0]["lr"], sched.best
        in_cooldown = sched.cooldown_counter > 0
        opt.step()
        sched.step(metric)
        after_lr = opt.param_groups[0]["lr"]
        if sched.mode == "min":
            bar = best_before * (1 - sched.threshold) if rel else best_before - sched.threshold
            need = f"< {bar:.4g}"
        else:
            bar = best_before * (1 + sched.threshold) if rel else best_before + sched.threshold
            need = f"> {bar:.4g}"
        better = math.isinf(best_before) or sched.best != best_before
        if better:
            why = f"epoch {epoch}: {metric:.4g} is better than the best so far, which becomes {sched.best:.4g}"
        elif in_cooldown:
            why = (f"epoch {epoch}: {metric:.4g} is not better ({need} needed), but cooldown holds: "
                   "bad epochs are not counted yet")
        fired = False
        if not better and not in_cooldown:
            # a reduction resets the count, so at a reduction it was patience + 1
            fired = sched.num_bad_epochs == 0
            bad = sched.patience + 1 if fired else sched.num_bad_epochs
            why = (f"epoch {epoch}: {metric:.4g} is not better than the best {best_before:.4g} (needs {need}); "
                   f"{bad} bad epoch{'s' if bad != 1 else ''}")
        reduced = after_lr < before_lr
        if reduced:
            why += f" > patience {sched.patience}, so lr {before_lr:.4g} -> {after_lr:.4g}"
        elif fired:
            why += f" > patience {sched.patience}, but lr is already at min_lr ({after_lr:.4g})"
        elif not better and not in_cooldown:
            why += f" (patience {sched.patience})"
        out.append({"epoch": epoch, "metric": metric, "lr": before_lr, "next_lr": after_lr,
                    "best": sched.best, "num_bad_epochs": sched.num_bad_epochs,
                    "cooldown_counter": sched.cooldown_counter, "reduced": reduced, "why": why})
    return out
