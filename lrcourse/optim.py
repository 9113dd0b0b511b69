"""The course's optimizer vocabulary: one name for each optimizer, one meaning everywhere.

Panels, curves and the shoot-out all take an ``optimizer`` argument from
:data:`OPTIMIZERS` and build it with :func:`make_optimizer`, so ``"sgd"`` is
plain SGD wherever it appears and ``"sgd_momentum"`` is SGD with momentum 0.9.
"""
from __future__ import annotations

import weakref
from typing import Iterable

import torch

__all__ = ["OPTIMIZERS", "MOMENTUM", "make_optimizer", "probe_optimizer", "momentum_of", "optimizer_label",
           "check_optimizer", "is_probe"]

#: the optimizers :func:`probe_optimizer` built (weakly held: they go when their curve is drawn)
_PROBES: weakref.WeakSet = weakref.WeakSet()

#: the momentum of ``"sgd_momentum"`` (the course's SGD runs on MNIST from 02 on use it)
MOMENTUM = 0.9

#: each optimizer name and what it means, as printed in the panels
OPTIMIZERS: dict[str, str] = {
    "sgd": "SGD",
    "sgd_momentum": f"SGD, momentum {MOMENTUM}",
    "adam": "Adam",
}


def check_optimizer(name: str) -> str:
    r"""Return ``name`` if it is in :data:`OPTIMIZERS`, else raise a clear ``ValueError``.

    Example:
        >>> check_optimizer("adam")
        'adam'
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))}, got {name!r}.")
    return name


def optimizer_label(name: str, lr: float | None = None) -> str:
    r"""The optimizer as code a learner would write, e.g. ``SGD(lr=0.05, momentum=0.9)``.

    Example:
        >>> optimizer_label("sgd_momentum", 0.05)
        'SGD(lr=0.05, momentum=0.9)'
        >>> optimizer_label("adam")
        'Adam'
    """
    check_optimizer(name)
    cls = "Adam" if name == "adam" else "SGD"
    args = [] if lr is None else [f"lr={lr:.3g}"]
    if name == "sgd_momentum":
        args.append(f"momentum={MOMENTUM}")
    return f"{cls}({', '.join(args)})" if args else cls


def make_optimizer(name: str, params: Iterable, lr: float) -> torch.optim.Optimizer:
    r"""Build optimizer ``name`` from :data:`OPTIMIZERS` on ``params``.

    Args:
        name (str): ``"sgd"``, ``"sgd_momentum"`` or ``"adam"``.
        params (iterable): the parameters (``model.parameters()``).
        lr (float): the initial learning rate.

    Example:
        >>> opt = make_optimizer("sgd_momentum", [torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> opt.param_groups[0]["momentum"]
        0.9
    """
    check_optimizer(name)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    return torch.optim.SGD(params, lr=lr, momentum=MOMENTUM if name == "sgd_momentum" else 0.0)


def probe_optimizer(name: str = "sgd_momentum", lr: float = 0.1) -> torch.optim.Optimizer:
    r"""Optimizer ``name`` over a single zero weight: enough to step a scheduler and read its rates.

    Curves, checks and panels build schedulers on it without a model.

    Args:
        name (str): a name from :data:`OPTIMIZERS`. Default: ``"sgd_momentum"``.
        lr (float): the initial learning rate. Default: ``0.1``.

    Example:
        >>> probe_optimizer("sgd", 0.5).param_groups[0]["lr"]
        0.5
    """
    optimizer = make_optimizer(name, [torch.nn.Parameter(torch.zeros(1))], lr)
    _PROBES.add(optimizer)
    return optimizer


def is_probe(optimizer) -> bool:
    r"""Whether ``optimizer`` came from :func:`probe_optimizer`: it draws curves, it trains nothing.

    Example:
        >>> is_probe(probe_optimizer()), is_probe(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1))
        (True, False)
    """
    return optimizer in _PROBES


def momentum_of(group: dict) -> float | None:
    r"""The momentum a param group steps with: SGD's ``momentum``, or Adam's :math:`\beta_1` (``betas[0]``).

    Schedulers that cycle the momentum (``OneCycleLR``, ``CyclicLR``) write
    whichever of the two the optimizer has. ``None`` for an optimizer with neither.

    Example:
        >>> momentum_of(probe_optimizer("adam").param_groups[0]), momentum_of({"lr": 0.1})
        (0.9, None)
    """
    if "momentum" in group:
        return group["momentum"]
    return group["betas"][0] if "betas" in group else None
