"""Notebook 07's exhibits as audited runs: each broken loop and its fix, watched by :func:`~lrcourse.audit.watch`.

:data:`EXHIBITS` lists them in the notebook's order, each with the pitfall the audit should
name on the broken loop and nothing on the fixed one. They run on 07's tiny problems (y = 2x,
one weight), so all of them take a fraction of a second. :func:`audit_exhibits` runs them and
returns one row per exhibit: what the benchmark (:mod:`lrcourse.audit_bench`), the tests and
notebook 07's audit section print.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearLR, OneCycleLR, StepLR

from .audit import ScheduleAudit, watch
from .checks.harness import probe_batches
from .data import linear_data
from .models import linear_model

__all__ = ["Exhibit", "EXHIBITS", "train_loop", "audit_exhibits"]


def train_loop(model, optimizer, scheduler, batches, num_epochs: int, per: str = "batch", order: str = "after",
               accum_steps: int = 1, scaler=None, read_get_lr: bool = False, trains: bool = True) -> None:
    r"""07's training loop with its mistakes as switches (each default is the right way).

    Args:
        per (str): step the scheduler per ``"batch"`` (micro-batch), per ``"step"`` (optimizer step)
            or per ``"epoch"``. Default: ``"batch"``.
        order (str): call ``scheduler.step()`` ``"after"`` or ``"before"`` the optimizer. Default: ``"after"``.
        accum_steps (int): micro-batches per optimizer step. Default: 1.
        scaler (GradScaler, optional): AMP's scaler; with ``per="step"`` the scheduler steps
            only when the scale did not drop. Default: ``None``.
        read_get_lr (bool): read the rate with ``get_lr()`` after each epoch. Default: ``False``.
        trains (bool): ``False`` for the loop that never calls ``backward`` or ``optimizer.step()``.

    Example:
        >>> model = linear_model(); opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> train_loop(model, opt, StepLR(opt, 1, 0.5), probe_batches(2), 2, per="epoch")
        >>> opt.param_groups[0]["lr"]
        0.025
    """
    for _ in range(num_epochs):
        if per == "epoch" and order == "before":
            scheduler.step()
        for i, (x, y) in enumerate(batches):
            loss = F.mse_loss(model(x), y) / accum_steps
            if per in ("batch", "step") and order == "before":
                scheduler.step()
            if not trains:
                continue
            (scaler.scale(loss) if scaler else loss).backward()
            stepped = (i + 1) % accum_steps == 0
            if stepped:
                if scaler:
                    scale = scaler.get_scale()
                    scaler.step(optimizer)
                    scaler.update()
                    stepped = scaler.get_scale() >= scale  # the HF trainer's test: no overflow, a real step
                else:
                    optimizer.step()
                optimizer.zero_grad()
            if order == "after" and (per == "batch" or (per == "step" and stepped)):
                scheduler.step()
        if per == "epoch" and order == "after":
            scheduler.step()
        if read_get_lr:
            scheduler.get_lr() if not trains else scheduler.get_last_lr()


@dataclass(frozen=True)
class Exhibit:
    r"""One exhibit of notebook 07: the pitfall it shows and how to run it, broken or fixed, under the audit.

    Example:
        >>> EXHIBITS[0].pitfalls
        ('never_changed', 'get_lr')
    """

    name: str
    section: int
    pitfalls: tuple
    run: Callable[[bool], ScheduleAudit]


def _sgd(lr=0.1, momentum=0.0, groups=None):
    model = linear_model(0.0)
    return model, torch.optim.SGD(groups or model.parameters(), lr=lr, momentum=momentum)


def _silent(fixed):
    model, opt = _sgd()
    sched = StepLR(opt, step_size=2, gamma=0.5)
    with watch(opt, sched, steps_per_epoch=2, num_epochs=4) as audit:
        train_loop(model, opt, sched, probe_batches(2), 4, per="epoch", read_get_lr=True, trains=fixed)
    return audit


def _scheduler_first(fixed):
    model, opt = _sgd()
    sched = StepLR(opt, step_size=1, gamma=0.5)
    with watch(opt, sched, steps_per_epoch=2, num_epochs=4) as audit:
        train_loop(model, opt, sched, probe_batches(2), 4, per="epoch", order="after" if fixed else "before")
    return audit


def _amp(fixed):
    model, opt = _sgd(0.02)
    sched = LinearLR(opt, start_factor=0.1, total_iters=8)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 127)  # overflows at first, like fp16
    with watch(opt, sched, steps_per_epoch=2, num_epochs=4) as audit:
        batches = list(linear_data("cpu").batches(2))  # 07's x = 1..4: its gradients overflow at that scale
        train_loop(model, opt, sched, batches, 4, per="step" if fixed else "batch", scaler=scaler)
    return audit


def _one_cycle_per_epoch(fixed):
    model, opt = _sgd(momentum=0.9)
    sched = OneCycleLR(opt, max_lr=0.1, epochs=5, steps_per_epoch=8)
    with watch(opt, sched, steps_per_epoch=8, num_epochs=5) as audit:
        train_loop(model, opt, sched, probe_batches(8), 5, per="batch" if fixed else "epoch")
    return audit


def _one_cycle_in_epochs(fixed):
    model, opt = _sgd(momentum=0.9)
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=5 * 8 if fixed else 5)
    with watch(opt, sched, steps_per_epoch=8, num_epochs=5) as audit, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the audit's own warning, read from its report here
        try:
            train_loop(model, opt, sched, probe_batches(8), 5)
        except ValueError:  # torch's "Tried to step": the run ends, the report says why
            pass
    return audit


def _cosine_units(fixed):
    model, opt = _sgd()
    sched = CosineAnnealingLR(opt, T_max=5 * 8 if fixed else 5)
    with watch(opt, sched, steps_per_epoch=8, num_epochs=5) as audit:
        train_loop(model, opt, sched, probe_batches(8), 5)
    return audit


def _accumulation(fixed):
    model, opt = _sgd()
    sched = CosineAnnealingLR(opt, T_max=5 * 4)  # 5 epochs x 8 micro-batches / 2, sized right
    with watch(opt, sched, steps_per_epoch=4, num_epochs=5) as audit:
        train_loop(model, opt, sched, probe_batches(8), 5, per="step" if fixed else "batch", accum_steps=2)
    return audit


def _resume(fixed):
    def make():
        model, opt = _sgd(0.02, momentum=0.9)
        return model, opt, CosineAnnealingLR(opt, T_max=10)

    model, opt, sched = make()
    train_loop(model, opt, sched, probe_batches(2), 5, per="epoch")
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                **({"scheduler": sched.state_dict()} if fixed else {})}, buffer)
    buffer.seek(0)
    model, opt, sched = make()  # the restart
    checkpoint = torch.load(buffer)
    model.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    if fixed:
        sched.load_state_dict(checkpoint["scheduler"])
    with watch(opt, sched, steps_per_epoch=2, num_epochs=5) as audit:
        train_loop(model, opt, sched, probe_batches(2), 5, per="epoch")
    return audit


def _group_rates(fixed):
    backbone, head = torch.nn.Linear(4, 4), torch.nn.Linear(4, 1)
    opt = torch.optim.SGD([{"params": backbone.parameters(), "lr": 0.001},
                           {"params": head.parameters(), "lr": 0.01}], momentum=0.9)
    peaks = [g["lr"] for g in opt.param_groups] if fixed else 0.01
    sched = OneCycleLR(opt, max_lr=peaks, total_steps=20)
    with watch(opt, sched, steps_per_epoch=20, num_epochs=1) as audit:
        for _ in range(20):
            opt.step()
            sched.step()
    return audit


def _warmup_zero(fixed):
    model, opt = _sgd(0.02)
    sched = LambdaLR(opt, lambda step: min(1.0, (step + fixed) / 4))
    with watch(opt, sched, steps_per_epoch=2, num_epochs=3) as audit:
        train_loop(model, opt, sched, probe_batches(2), 3)
    return audit


#: 07's exhibits in its order: (name, section, the pitfalls the audit should name on the broken loop, run)
EXHIBITS = [
    Exhibit("a loop that never trains, read with get_lr()", 1, ("never_changed", "get_lr"), _silent),
    Exhibit("scheduler.step() before optimizer.step()", 2, ("step_order",), _scheduler_first),
    Exhibit("AMP: the scaler skips optimizer steps", 2, ("extra_scheduler_steps",), _amp),
    Exhibit("OneCycleLR sized in batches, stepped per epoch", 3, ("units",), _one_cycle_per_epoch),
    Exhibit("OneCycleLR sized in epochs, stepped per batch", 3, ("units",), _one_cycle_in_epochs),
    Exhibit("CosineAnnealingLR sized in epochs, stepped per batch", 3, ("units",), _cosine_units),
    Exhibit("gradient accumulation, stepped per micro-batch", 4, ("extra_scheduler_steps",), _accumulation),
    Exhibit("resumed without the scheduler's state", 6, ("restarted",), _resume),
    Exhibit("one max_lr for two parameter groups", 7, ("one_max_lr",), _group_rates),
    Exhibit("a LambdaLR warmup from rate 0", 8, ("warmup_zero",), _warmup_zero),
]


def audit_exhibits() -> list[dict]:
    r"""Run every exhibit broken and fixed under the audit: one row each, with the pitfalls named.

    Returns:
        list of dict: ``exhibit``, ``section``, ``expected`` (the pitfalls of the broken loop),
        ``broken`` and ``fixed`` (the pitfalls the audit named on each, as sorted lists).

    Example:
        >>> rows = audit_exhibits()
        >>> all(set(r["expected"]) <= set(r["broken"]) and not r["fixed"] for r in rows)
        True
    """
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own warnings are 07's symptoms; the audit reports here
        for ex in EXHIBITS:
            rows.append({"exhibit": ex.name, "section": ex.section, "expected": list(ex.pitfalls),
                         "broken": sorted(ex.run(False).report().names),
                         "fixed": sorted(ex.run(True).report().names)})
    return rows
