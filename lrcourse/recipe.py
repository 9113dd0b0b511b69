"""One run recipe: a spec and its settings, turned into torch factories and a cadence.

:func:`recipe` is the one place where a scheduler's name, its controls, the
initial rate, the optimizer's name and the run's length become what a
training loop needs: ``make_optimizer(params)``, ``make_scheduler(optimizer)``
and ``step_per``. The schedule explorer's curve
(:func:`~lrcourse.curves.explorer_curve`), the train-live panel and the
shoot-out panel's contestant all read it, so the rate a learner sees is the
rate a run trains with.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .optim import check_optimizer, make_optimizer, probe_optimizer
from .specs import SPECS, Param, build_scheduler, schedule_steps, spec_params

__all__ = ["Recipe", "recipe", "check_budget", "LR"]

#: the initial-lr control: its range and default (a log slider, 1e-5 to 10)
LR = Param("lr", "log", 0.1, -5, 1, 0.1)


def check_budget(num_epochs, steps_per_epoch) -> None:
    r"""Refuse a run length that is not a whole number of epochs of whole batches.

    Example:
        >>> check_budget(3, 0)
        Traceback (most recent call last):
        ...
        ValueError: steps_per_epoch must be an integer >= 1, got 0.
    """
    for key, value in (("num_epochs", num_epochs), ("steps_per_epoch", steps_per_epoch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{key} must be an integer >= 1, got {value!r}.")


@dataclass(frozen=True)
class Recipe:
    r"""How to build one run's optimizer and scheduler, and how often to step the scheduler.

    Build it with :func:`recipe`.

    Attributes:
        name (str): the scheduler's name in :data:`~lrcourse.specs.SPECS`.
        params (dict): every argument of its spec, the run's length included.
        lr (float): the optimizer's initial rate.
        optimizer (str): a name from :data:`~lrcourse.optim.OPTIMIZERS`.
        num_steps (int): how many times the scheduler steps in the run.
        step_per (str): ``"batch"`` or ``"epoch"``, as :func:`~lrcourse.train.fit` takes it.
        on_metric (bool): the scheduler steps on the validation metric (ReduceLROnPlateau).

    Example:
        >>> r = recipe("fixed", lr=0.05)
        >>> r.name, r.params, r.step_per
        ('fixed', {}, 'epoch')
    """

    name: str
    params: dict = field(hash=False)
    lr: float
    optimizer: str
    num_steps: int
    step_per: str
    on_metric: bool = False

    def make_optimizer(self, params) -> torch.optim.Optimizer:
        """The optimizer on ``params`` (a model's parameters), at the initial rate."""
        return make_optimizer(self.optimizer, params, self.lr)

    def make_scheduler(self, optimizer):
        """The scheduler on ``optimizer``, as its spec builds it (a fixed rate is ``LambdaLR`` of 1)."""
        return build_scheduler(self.name, optimizer, self.params, self.num_steps)

    def check(self) -> "Recipe":
        r"""Build the scheduler once on a probe optimizer, so a bad combination fails before any training.

        Raises:
            ValueError: when torch refuses the combination (for example ``base_lr > max_lr``).

        Example:
            >>> recipe("CyclicLR", {"base_lr": 0.5, "max_lr": 0.1}).check()
            Traceback (most recent call last):
            ...
            ValueError: ...
        """
        try:
            self.make_scheduler(probe_optimizer(self.optimizer, self.lr))
        except (TypeError, KeyError, ZeroDivisionError) as err:
            raise ValueError(f"{self.name} cannot be built from {self.params}: {err}") from None
        return self

    def describe(self) -> str:
        r"""The optimizer's and the scheduler's name and arguments, in one line.

        Example:
            >>> recipe("StepLR", lr=0.05, optimizer="sgd").describe()
            'StepLR(step_size=10, gamma=0.5)'
        """
        shown = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}({shown})"


def recipe(name: str, params: dict | None = None, lr: float = 0.1, optimizer: str = "sgd_momentum",
           num_epochs: int = 30, steps_per_epoch: int = 10) -> Recipe:
    r"""The run recipe for scheduler ``name`` with ``params``: its factories and its cadence.

    The spec's run-length argument (OneCycleLR's ``total_steps``) is every
    step of the run unless ``params`` sets it.

    Args:
        name (str): a name from :data:`~lrcourse.specs.SPECS` (``"fixed"`` is a
            ``LambdaLR`` whose factor is always 1).
        params (dict, optional): the scheduler's arguments over its spec's defaults.
        lr (float): the initial rate. Default: ``0.1``.
        optimizer (str): a name from :data:`~lrcourse.optim.OPTIMIZERS`. Default: ``"sgd_momentum"``.
        num_epochs (int): epochs in the run. Default: ``30``.
        steps_per_epoch (int): batches per epoch. Default: ``10``.

    Raises:
        ValueError: for an unknown scheduler or optimizer, a budget that is not
            a positive integer, or a value no control can hold.

    Example:
        >>> r = recipe("OneCycleLR", {"max_lr": 0.2}, num_epochs=3, steps_per_epoch=10)
        >>> r.step_per, r.num_steps, r.params["total_steps"]
        ('batch', 30, 30)
        >>> opt = r.make_optimizer([torch.nn.Parameter(torch.zeros(1))])
        >>> type(r.make_scheduler(opt)).__name__
        'OneCycleLR'
    """
    check_budget(num_epochs, steps_per_epoch)
    check_optimizer(optimizer)
    LR.check(lr)
    given = dict(params or {})
    length = SPECS[name].length_param if name in SPECS else ""
    full = spec_params(name, {k: v for k, v in given.items() if k != length}, skip=(length,) if length else ())
    n = schedule_steps(name, num_epochs, steps_per_epoch)
    if length:
        full[length] = given.get(length, n)
    spec = SPECS[name]
    return Recipe(name, full, float(lr), optimizer, n, spec.step_per, spec.on_metric)
