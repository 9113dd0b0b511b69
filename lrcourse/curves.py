"""Learning-rate curves read from the real torch schedulers.

A schedule is first a curve you can plot: :func:`lr_curve` builds a real torch
scheduler on a one-parameter optimizer and steps it, so every value is torch's
own. :func:`plateau_trace` explains each decision of ``ReduceLROnPlateau``
from the scheduler's own state.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
from torch.optim import lr_scheduler as torch_sched

from .optim import momentum_of, probe_optimizer
from .recipe import check_budget, recipe
from .schedules import make_scheduler

__all__ = ["schedule_curves", "lr_curve", "momentum_curve", "plateau_trace", "validation_curve", "explorer_curve",
           "STEPPING", "stepping_curves"]


def schedule_curves(
    factory: Callable | str,
    num_steps: int,
    lr: float = 0.1,
    metrics: Sequence[float] | None = None,
    optimizer: str = "sgd_momentum",
    **params,
) -> dict[str, np.ndarray]:
    r"""The learning rate and the momentum (or Adam's beta1) at each step.

    Same arguments as :func:`lr_curve`, plus ``optimizer``: a name from
    :data:`~lrcourse.optim.OPTIMIZERS` (``"sgd_momentum"``, ``"sgd"`` or
    ``"adam"``), which decides what the momentum curve shows.

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
    opt = probe_optimizer(optimizer, float(lr))
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
    # plain lists and bound methods: this loop is what a slider waits for
    lrs, moms = [], []
    add_lr, add_mom, step = lrs.append, moms.append, sched.step
    try:
        if plateau:
            for metric in metrics[: num_steps - 1]:
                add_lr(group["lr"])
                add_mom(momentum_of(group))
                step(metric)
        else:
            for _ in range(num_steps - 1):
                add_lr(group["lr"])
                add_mom(momentum_of(group))
                step()
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise ValueError(f"{label} failed at step {len(lrs)} of {num_steps}: {err}") from None
    add_lr(group["lr"])
    add_mom(momentum_of(group))
    return {"lr": np.array(lrs, dtype=float), "momentum": np.array(moms, dtype=float)}


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
                   optimizer: str = "sgd_momentum", **params) -> np.ndarray:
    r"""The momentum (SGD) or beta1 (Adam) at each step; see :func:`lr_curve`.

    Example:
        >>> m = momentum_curve("CyclicLR", 5, base_lr=0.01, max_lr=0.1, step_size_up=2)
        >>> [round(float(v), 3) for v in m]
        [0.9, 0.85, 0.8, 0.85, 0.9]
    """
    return schedule_curves(factory, num_steps, lr, None, optimizer, **params)["momentum"]


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
    opt = probe_optimizer("sgd_momentum", float(lr))
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


def validation_curve(num_epochs: int, seed: int = 0) -> np.ndarray:
    r"""A validation-loss curve that falls, flattens and wobbles, to drive ReduceLROnPlateau.

    ``1.5·exp(-t/6) + 0.3`` plus small seeded noise: the shape a real
    validation loss has when the rate stays fixed.

    Example:
        >>> v = validation_curve(40)
        >>> bool(v[0] > v[-1])
        True
    """
    t = np.arange(num_epochs)
    rng = np.random.default_rng(seed)
    return 1.5 * np.exp(-t / 6) + 0.3 + 0.02 * rng.standard_normal(num_epochs)


def explorer_curve(name: str, params: dict | None = None, lr: float = 0.1, num_epochs: int = 30,
                   steps_per_epoch: int = 10, optimizer: str = "sgd_momentum", seed: int = 0) -> dict:
    r"""The curve the schedule explorer plots: torch's rate (and momentum) at every batch.

    The scheduler is built and stepped as :func:`~lrcourse.recipe.recipe`
    says, as in a training run: per-epoch schedulers once per epoch, so
    their rate is constant within an epoch; OneCycleLR and CyclicLR after
    every batch; ReduceLROnPlateau once per epoch on :func:`validation_curve`.

    Args:
        name (str): a name from :data:`~lrcourse.specs.SPECS`.
        params (dict, optional): the scheduler's arguments. Default:
            :func:`~lrcourse.specs.default_params`.
        lr (float): the optimizer's initial rate. Default: ``0.1``.
        num_epochs (int): epochs in the run. Default: ``30``.
        steps_per_epoch (int): batches per epoch. Default: ``10``.
        optimizer (str): a name from :data:`~lrcourse.optim.OPTIMIZERS`; it
            decides what the momentum curve shows (Adam's is beta1).
            Default: ``"sgd_momentum"``.
        seed (int): seed of the validation curve. Default: ``0``.

    Returns:
        dict with ``"lr"`` and ``"momentum"`` (one value per batch,
        ``num_epochs * steps_per_epoch`` of them), ``"epoch"`` (where each
        batch lies on an epoch axis whose epoch 1 is the first: batch ``i`` of
        epoch ``e`` at ``e + i / steps_per_epoch``), ``"step_per"`` (how it was
        stepped), and for ReduceLROnPlateau ``"val_loss"`` (one per epoch) and
        ``"trace"`` (see :func:`plateau_trace`: why each reduction fired).

    Example:
        >>> c = explorer_curve("StepLR", {"step_size": 1, "gamma": 0.5}, lr=1.0,
        ...                    num_epochs=3, steps_per_epoch=2)
        >>> c["lr"].tolist(), c["epoch"].tolist()
        ([1.0, 1.0, 0.5, 0.5, 0.25, 0.25], [1.0, 1.5, 2.0, 2.5, 3.0, 3.5])
    """
    r = recipe(name, params, lr, optimizer, num_epochs, steps_per_epoch)
    metrics = validation_curve(num_epochs, seed) if r.on_metric else None
    curves = schedule_curves(r.make_scheduler, r.num_steps, r.lr, metrics, optimizer)
    out = {"step_per": r.step_per, "epoch": 1 + np.arange(num_epochs * steps_per_epoch) / steps_per_epoch}
    for key in ("lr", "momentum"):
        out[key] = curves[key] if r.step_per == "batch" else np.repeat(curves[key], steps_per_epoch)
    if metrics is not None:
        out["val_loss"] = metrics
        out["trace"] = plateau_trace(metrics, lr, **r.params)
    return out


#: the schedulers :func:`stepping_curves` compares, with how each is stepped right and wrong
STEPPING = {
    "CosineAnnealingLR": ("T_max = num_epochs x steps_per_epoch, stepped per batch",
                          "T_max = num_epochs, stepped per batch"),
    "OneCycleLR": ("total_steps = num_epochs x steps_per_epoch, stepped per batch",
                   "the same total_steps, stepped once per epoch"),
}


def stepping_curves(name: str = "CosineAnnealingLR", num_epochs: int = 10, steps_per_epoch: int = 20,
                    lr: float = 0.1) -> dict:
    r"""Torch's rate at every batch for a scheduler stepped the right way and a common wrong way.

    ``CosineAnnealingLR``: right is ``T_max`` counted in batches and stepped
    per batch; wrong is ``T_max`` counted in epochs and stepped per batch.
    ``OneCycleLR``: right is ``total_steps`` counted in batches and stepped
    per batch; wrong is the same scheduler stepped once per epoch.

    Args:
        name (str): ``"CosineAnnealingLR"`` or ``"OneCycleLR"``. Default: ``"CosineAnnealingLR"``.
        num_epochs (int): epochs in the run. Default: ``10``.
        steps_per_epoch (int): batches per epoch. Default: ``20``.
        lr (float): the initial rate (``max_lr`` for OneCycleLR). Default: ``0.1``.

    Returns:
        dict: ``"right"`` and ``"wrong"`` (one rate per batch) and their ``"labels"``.

    Example:
        >>> c = stepping_curves("CosineAnnealingLR", num_epochs=2, steps_per_epoch=3, lr=1.0)
        >>> [round(float(v), 2) for v in c["wrong"]]
        [1.0, 0.5, 0.0, 0.5, 1.0, 0.5]
    """
    if name not in STEPPING:
        raise ValueError(f"name must be one of {', '.join(STEPPING)}, got {name!r}.")
    check_budget(num_epochs, steps_per_epoch)
    n = num_epochs * steps_per_epoch
    if name == "CosineAnnealingLR":
        right = lr_curve(lambda opt: torch_sched.CosineAnnealingLR(opt, T_max=n), n, lr=lr)
        wrong = lr_curve(lambda opt: torch_sched.CosineAnnealingLR(opt, T_max=num_epochs), n, lr=lr)
    else:
        def one_cycle(opt):
            return torch_sched.OneCycleLR(opt, max_lr=lr, total_steps=max(n, 2))
        right = lr_curve(one_cycle, n, lr=lr)
        wrong = np.repeat(lr_curve(one_cycle, num_epochs, lr=lr), steps_per_epoch)
    return {"right": right, "wrong": wrong, "labels": STEPPING[name]}
