"""The course's optimizer vocabulary: one name for each optimizer, one meaning everywhere.

Panels, curves and the shoot-out all take an ``optimizer`` argument from
:data:`OPTIMIZERS` and build it with :func:`make_optimizer`, so ``"sgd"`` is
plain SGD wherever it appears and ``"sgd_momentum"`` is SGD with momentum 0.9.
"""
from __future__ import annotations

from typing import Iterable

import torch

__all__ = ["OPTIMIZERS", "MOMENTUM", "make_optimizer", "optimizer_label", "check_optimizer"]

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
