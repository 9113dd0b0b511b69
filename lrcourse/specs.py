"""Scheduler specs: every scheduler the course offers, as the single source of its controls.

A :class:`Spec` says, for one scheduler, which arguments become controls (each
a :class:`Param`, with its range, default and unit), how it is built from
those values (:func:`build_scheduler`; what a slider cannot hold is built in
:mod:`lrcourse.builders`), and whether it steps per batch or per epoch
(:func:`step_per`; ReduceLROnPlateau per epoch, on a validation metric). The
explorer's sliders, the train-live panel, the shoot-out panel (through
:func:`lrcourse.recipe.recipe`) and :func:`~lrcourse.train.fit` all read the
same :data:`SPECS`, so they never disagree.

Nothing here imports ipywidgets; the widgets build their controls from it.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Callable

from .builders import BUILDERS, NAMED_LAMBDAS, NAMED_MULTIPLIERS
from .schedules import make_scheduler

__all__ = ["Param", "Spec", "SPECS", "EXPLORER_NAMES", "NOT_OFFERED", "STEP_PER", "default_params", "spec_params",
           "step_per", "schedule_steps", "build_scheduler"]

#: how often a scheduler is stepped: after every batch, or once per epoch
STEP_PER = ("batch", "epoch")


@dataclass(frozen=True)
class Param:
    r"""One scheduler argument as a control: its range, default and unit.

    Args:
        name (str): the scheduler's keyword argument.
        kind (str): ``"int"``, ``"float"``, ``"log"`` (log-scale float),
            ``"choice"``, ``"bool"`` or ``"range"`` (two integers).
        default: the starting value.
        lo, hi, step: the slider's range (for ``"log"``: powers of ten).
        unit (str): ``"epochs"``, ``"steps"`` or ``""``; shown in the label.
        options (tuple): the choices of a ``"choice"`` control.

    Example:
        >>> Param("gamma", "float", 0.5, 0.05, 1.0, 0.05).label()
        'gamma'
        >>> Param("step_size", "int", 10, 1, 50, 1, "epochs").label()
        'step_size (epochs)'
    """

    name: str
    kind: str
    default: Any
    lo: float = 0
    hi: float = 1
    step: float = 1
    unit: str = ""
    options: tuple = ()

    def label(self) -> str:
        """The control's label: the name, and its unit in brackets."""
        return f"{self.name} ({self.unit})" if self.unit else self.name

    def check(self, value, scheduler: str = "") -> None:
        r"""Refuse a value this control cannot hold (a slider would silently move it to its nearest end).

        The ``ValueError`` names the setting, the values it takes and an example.

        Example:
            >>> Param("step_size", "int", 10, 1, 50, 1, "epochs").check(0, "StepLR")
            Traceback (most recent call last):
            ...
            ValueError: StepLR's step_size must be an integer from 1 to 50 (epochs), got 0; for example step_size=10.
        """
        lo, hi = (10.0 ** self.lo, 10.0 ** self.hi) if self.kind == "log" else (self.lo, self.hi)
        unit = f" ({self.unit})" if self.unit else ""
        if self.kind == "int":
            ok, allowed = _is_int(value) and lo <= value <= hi, f"an integer from {lo:g} to {hi:g}{unit}"
        elif self.kind in ("float", "log"):  # a log slider's ends are powers of ten: allow their rounding
            ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
                  and lo - 1e-9 * abs(lo) <= value <= hi + 1e-9 * abs(hi))  # NaN and inf fail too
            allowed = f"a number from {lo:g} to {hi:g}{unit}"
        elif self.kind == "choice":
            ok, allowed = value in self.options, "one of " + ", ".join(repr(o) for o in self.options)
        elif self.kind == "bool":
            ok, allowed = isinstance(value, bool), "True or False"
        else:  # "range": two integers, the first no larger than the second
            ok = (isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value)
                  and lo <= value[0] <= value[1] <= hi)
            allowed = f"two integers from {lo:g} to {hi:g}{unit}, the first no larger than the second"
        if not ok:
            owner = f"{scheduler}'s " if scheduler else ""
            raise ValueError(f"{owner}{self.name} must be {allowed}, got {value!r}; "
                             f"for example {self.name}={self.default!r}.")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class Spec:
    r"""One scheduler as the course offers it: its controls, how it is built and how it steps.

    Args:
        name (str): the name in :data:`SPECS` (a scheduler class name, or ``"fixed"``).
        params (tuple of Param): its controls, in the order they are shown;
            their defaults are the explorer's.
        step_per (str): ``"batch"`` or ``"epoch"`` (see :data:`STEP_PER`).
            Default: ``"epoch"``.
        on_metric (bool): ``step(metric)`` takes the epoch's validation
            metric (ReduceLROnPlateau). Default: ``False``.
        title (str): a longer name for messages. Default: ``""`` (the name).
        cycles_momentum (bool): it can cycle the momentum (or Adam's beta1).
            Default: ``False``.
        length_param (str): the argument that counts every step of the run
            (OneCycleLR's ``total_steps``), which panels fill in from the
            budget. Default: ``""`` (none).
        build (callable, optional): ``build(optimizer, params, num_steps)``
            for what a control cannot hold (a named lambda, a chain, a
            simulated clock). Default: ``None``: :func:`~lrcourse.schedules.make_scheduler`.

    Example:
        >>> SPECS["OneCycleLR"].step_per, SPECS["OneCycleLR"].length_param
        ('batch', 'total_steps')
        >>> [p.name for p in SPECS["StepLR"].params]
        ['step_size', 'gamma']
    """

    name: str
    params: tuple = ()
    step_per: str = "epoch"
    on_metric: bool = False
    title: str = ""
    cycles_momentum: bool = False
    length_param: str = ""
    build: Callable | None = None

    def __post_init__(self):
        if self.step_per not in STEP_PER:
            raise ValueError(f"{self.name}: step_per must be one of {STEP_PER}, got {self.step_per!r}.")

    def make(self, optimizer, params: dict, num_steps: int):
        r"""Build this scheduler on ``optimizer`` from the controls' ``params``.

        Args:
            optimizer (Optimizer): the optimizer to schedule.
            params (dict): one value per :attr:`params` entry.
            num_steps (int): how many times it will be stepped in the run.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> type(SPECS["StepLR"].make(opt, default_params("StepLR"), 30)).__name__
            'StepLR'
        """
        if self.build is not None:
            return self.build(optimizer, dict(params), num_steps)
        return make_scheduler(self.name, optimizer, **params)


E, S = "epochs", "steps"

#: every scheduler the course offers, in teaching order: its controls, how it is built and how it steps
SPECS: dict[str, Spec] = {s.name: s for s in (
    Spec("fixed", (), title="fixed rate (no scheduler)", build=BUILDERS["fixed"]),
    Spec("StepLR", (Param("step_size", "int", 10, 1, 50, 1, E), Param("gamma", "float", 0.5, 0.05, 1.0, 0.05))),
    Spec("MultiStepLR", (Param("milestones", "range", (10, 20), 1, 100, 1, E),
                         Param("gamma", "float", 0.1, 0.05, 1.0, 0.05)), build=BUILDERS["MultiStepLR"]),
    Spec("ConstantLR", (Param("factor", "float", 0.5, 0.0, 1.0, 0.05), Param("total_iters", "int", 5, 0, 50, 1, E))),
    Spec("LinearLR", (Param("start_factor", "float", 0.1, 0.01, 1.0, 0.01),
                      Param("end_factor", "float", 1.0, 0.0, 1.0, 0.01), Param("total_iters", "int", 10, 0, 100, 1, E))),
    Spec("ExponentialLR", (Param("gamma", "float", 0.9, 0.05, 1.0, 0.005),)),
    Spec("PolynomialLR", (Param("total_iters", "int", 30, 1, 100, 1, E), Param("power", "float", 1.0, 0.1, 5.0, 0.1))),
    Spec("CosineAnnealingLR", (Param("T_max", "int", 30, 1, 200, 1, E), Param("eta_min", "log", 1e-4, -6, -1, 0.1))),
    Spec("CosineAnnealingWarmRestarts", (Param("T_0", "int", 5, 1, 50, 1, E), Param("T_mult", "int", 2, 1, 4, 1),
                                         Param("eta_min", "log", 1e-4, -6, -1, 0.1))),
    Spec("CyclicLR", (
        Param("base_lr", "log", 1e-3, -5, 0, 0.1), Param("max_lr", "log", 0.1, -4, 1, 0.1),
        Param("step_size_up", "int", 50, 1, 1000, 1, S), Param("step_size_down", "int", 50, 1, 1000, 1, S),
        Param("mode", "choice", "triangular", options=("triangular", "triangular2", "exp_range")),
        Param("gamma", "float", 0.995, 0.9, 1.0, 0.001), Param("cycle_momentum", "bool", True),
        Param("base_momentum", "float", 0.8, 0.5, 0.99, 0.01), Param("max_momentum", "float", 0.9, 0.5, 0.99, 0.01),
    ), step_per="batch", cycles_momentum=True, build=BUILDERS["CyclicLR"]),
    Spec("OneCycleLR", (
        Param("max_lr", "log", 0.1, -4, 1, 0.1), Param("total_steps", "int", 300, 1, 20000, 1, S),
        Param("pct_start", "float", 0.3, 0.05, 0.95, 0.05), Param("div_factor", "log", 25.0, 0, 3, 0.1),
        Param("final_div_factor", "log", 1e4, 0, 6, 0.1),
        Param("anneal_strategy", "choice", "cos", options=("cos", "linear")),
        Param("three_phase", "bool", False), Param("cycle_momentum", "bool", True),
    ), step_per="batch", cycles_momentum=True, length_param="total_steps"),
    Spec("LambdaLR", (Param("lr_lambda", "choice", next(iter(NAMED_LAMBDAS)), options=tuple(NAMED_LAMBDAS)),),
         build=BUILDERS["LambdaLR"]),
    Spec("MultiplicativeLR", (Param("lr_lambda", "choice", next(iter(NAMED_MULTIPLIERS)),
                                    options=tuple(NAMED_MULTIPLIERS)),), build=BUILDERS["MultiplicativeLR"]),
    Spec("SequentialLR", (Param("warmup_epochs", "int", 5, 1, 50, 1, E),
                          Param("start_factor", "float", 0.1, 0.01, 1.0, 0.01), Param("eta_min", "log", 1e-4, -6, -1, 0.1)),
         title="warmup then cosine (LinearLR -> CosineAnnealingLR)", build=BUILDERS["SequentialLR"]),
    Spec("ReduceLROnPlateau", (
        Param("factor", "float", 0.5, 0.05, 0.95, 0.05), Param("patience", "int", 3, 0, 20, 1, E),
        Param("threshold", "log", 1e-2, -5, -0.5, 0.1), Param("threshold_mode", "choice", "rel", options=("rel", "abs")),
        Param("cooldown", "int", 0, 0, 20, 1, E), Param("min_lr", "log", 1e-5, -7, -1, 0.1),
    ), on_metric=True),
    Spec("TimeBasedLR", (Param("k", "log", 0.1, -3, 1, 0.1),), build=BUILDERS["TimeBasedLR"]),
    Spec("WallClockLR", (Param("period", "float", 5.0, 0.5, 30.0, 0.5, "minutes"),
                         Param("factor", "float", 0.5, 0.05, 1.0, 0.05),
                         Param("minutes_per_epoch", "float", 1.0, 0.1, 10.0, 0.1, "minutes")), build=BUILDERS["WallClockLR"]),
)}

#: names the explorer offers, in teaching order
EXPLORER_NAMES = list(SPECS)

#: schedulers :func:`~lrcourse.schedules.scheduler_names` knows that have no spec, and why
NOT_OFFERED: dict[str, str] = {
    "ChainedScheduler": "it steps several schedulers at once on one optimizer, so it has no controls of "
                        "its own; the explorer shows chaining in time with SequentialLR",
}


def _check_name(name: str) -> Spec:
    if name not in SPECS:
        raise ValueError(f"The explorer has no scheduler {name!r}. Choose one of: {', '.join(SPECS)}.")
    return SPECS[name]


def default_params(name: str) -> dict:
    r"""The explorer's default arguments for scheduler ``name``.

    Example:
        >>> default_params("StepLR")
        {'step_size': 10, 'gamma': 0.5}
    """
    return {p.name: p.default for p in _check_name(name).params}


def spec_params(name: str, values: dict | None = None, skip=()) -> dict:
    r"""Every argument of scheduler ``name``'s spec but those in ``skip``: ``values`` over the defaults.

    Raises:
        ValueError: for an unknown scheduler, a value that names no argument
            (or one in ``skip``, which the caller sets itself), or a value its
            control cannot hold (see :meth:`Param.check`).

    Example:
        >>> spec_params("StepLR", {"gamma": 0.25})
        {'step_size': 10, 'gamma': 0.25}
    """
    values = dict(values or {})
    params = {p.name: p.default for p in _check_name(name).params if p.name not in skip}
    if set(values) & set(skip):
        raise ValueError(f"{', '.join(sorted(set(values) & set(skip)))} is set from the run here: every batch.")
    unknown = sorted(set(values) - set(params))
    if unknown:
        raise ValueError(f"{name} has no argument {', '.join(unknown)}; its arguments: {', '.join(params)}.")
    for p in SPECS[name].params:
        if p.name in values:
            p.check(values[p.name], name)
    return {**params, **values}


def step_per(name: str) -> str:
    r"""How often scheduler ``name`` is stepped: ``"batch"`` or ``"epoch"``.

    :func:`~lrcourse.train.fit` steps a scheduler this way, and the explorer
    plots it this way. ReduceLROnPlateau steps per epoch, on the validation
    metric (its spec's ``on_metric``).

    Example:
        >>> step_per("OneCycleLR"), step_per("StepLR"), step_per("ReduceLROnPlateau")
        ('batch', 'epoch', 'epoch')
    """
    return _check_name(name).step_per


def schedule_steps(name: str, num_epochs: int, steps_per_epoch: int) -> int:
    r"""How many times scheduler ``name`` steps in a run: every batch, or once per epoch.

    Example:
        >>> schedule_steps("OneCycleLR", 3, 10), schedule_steps("StepLR", 3, 10)
        (30, 3)
    """
    return num_epochs * steps_per_epoch if step_per(name) == "batch" else num_epochs


def build_scheduler(name: str, optimizer, params: dict, num_steps: int):
    r"""Build the explorer's scheduler ``name`` with ``params`` on ``optimizer``.

    It resolves what a slider cannot hold: named lambdas, the warmup chain
    (``SequentialLR`` of ``LinearLR`` then ``CosineAnnealingLR`` over
    ``num_steps``), and a simulated clock for ``WallClockLR``.

    Args:
        name (str): a name from :data:`SPECS`.
        optimizer (Optimizer): the optimizer to schedule.
        params (dict): every argument of the spec (see :func:`default_params`).
        num_steps (int): how many times it will be stepped (see :func:`schedule_steps`).

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> type(build_scheduler("SequentialLR", opt, default_params("SequentialLR"), 30)).__name__
        'SequentialLR'
    """
    return _check_name(name).make(optimizer, params, num_steps)
