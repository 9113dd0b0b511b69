"""One training loop for the whole course: :func:`fit`, the loop every PyTorch tutorial writes, with hooks.

What it records is a :class:`~lrcourse.history.History`; what runs around the
loop (the progress bar, a callback, schedule-free's ``train()``/``eval()``) is
a :class:`~lrcourse.hooks.Hook`.
"""
from __future__ import annotations

import math
import time
from typing import Callable, Sequence

import torch
from torch import nn
from torch.optim import lr_scheduler as torch_sched

from .data import MNISTData, Split
from .history import History
from .hooks import Callback, Hook, ProgressBar, ScheduleFree, has_train_eval
from .models import default_loss
from .specs import SPECS

__all__ = ["History", "scheduler_step_per", "evaluate", "fit"]


def scheduler_step_per(scheduler, step_per: str | None = None) -> str:
    r"""How :func:`fit` steps ``scheduler``: ``"batch"``, ``"epoch"`` or ``"plateau"``.

    Each scheduler steps as its spec in :data:`~lrcourse.specs.SPECS` says
    (the spec of its class, or of the nearest base class that has one):
    OneCycleLR and CyclicLR after every batch, ReduceLROnPlateau once per
    epoch with the validation loss, and every other scheduler once per
    epoch, unless ``step_per="batch"`` says otherwise.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> scheduler_step_per(torch_sched.OneCycleLR(opt, 0.1, total_steps=10))
        'batch'
    """
    _check_step_per(step_per)
    if isinstance(scheduler, torch_sched.ReduceLROnPlateau):
        if step_per == "batch":
            raise ValueError("ReduceLROnPlateau watches a validation metric; it steps once per epoch.")
        return "plateau"
    if step_per:
        return step_per
    for cls in type(scheduler).__mro__:  # a subclass of OneCycleLR still steps per batch
        if cls.__name__ in SPECS:
            return SPECS[cls.__name__].step_per
    return "epoch"


def _check_step_per(step_per) -> None:
    if step_per not in (None, "batch", "epoch"):
        raise ValueError(f"step_per must be None (each scheduler steps as its spec says), 'batch' or 'epoch', "
                         f"got {step_per!r}; for example fit(..., step_per='epoch').")


def _as_split(data, name: str) -> Split | None:
    if data is None:
        return None
    if isinstance(data, Split):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return Split(torch.as_tensor(data[0]), torch.as_tensor(data[1]))
    raise ValueError(
        f"{name} must be a Split, an MNISTData or an (x, y) pair of tensors, got {type(data).__name__}."
    )


@torch.no_grad()
def evaluate(model: nn.Module, data, loss_fn: Callable | None = None,
             batch_size: int = 1000) -> tuple[float, float | None]:
    r"""Mean loss and accuracy of ``model`` on ``data`` (accuracy is ``None`` for regression).

    Example:
        >>> from lrcourse.data import linear_data
        >>> from lrcourse.models import linear_model
        >>> evaluate(linear_model(2.0), linear_data("cpu"))
        (0.0, None)
    """
    split = _as_split(data, "data")
    if len(split) == 0:
        raise ValueError("Cannot evaluate on empty data.")
    classify = not torch.is_floating_point(split.y)
    loss_fn = loss_fn or default_loss(split.y)
    was_training = model.training
    model.eval()
    total, correct = 0.0, 0
    for xb, yb in split.batches(batch_size):
        out = model(xb)
        total += loss_fn(out, yb).item() * len(xb)
        if classify:
            correct += (out.argmax(1) == yb).sum().item()
    model.train(was_training)
    return total / len(split), (correct / len(split) if classify else None)


def _schedulers(scheduler, optimizer, step_per, val, monitor) -> dict[str, list]:
    """The schedulers by when :func:`fit` steps them: ``{"batch": [...], "epoch": [...], "plateau": [...]}``."""
    schedulers = [] if scheduler is None else list(scheduler) if isinstance(scheduler, (list, tuple)) else [scheduler]
    by_step_per = {"batch": [], "epoch": [], "plateau": []}
    for s in schedulers:
        if s.optimizer is not optimizer:
            raise ValueError(f"{type(s).__name__} is attached to a different optimizer than the one passed to fit().")
        by_step_per[scheduler_step_per(s, step_per)].append(s)
    if by_step_per["plateau"] and val is None:
        raise ValueError("ReduceLROnPlateau watches a validation split: pass val_data=(x, y), held out of the "
                         "training data (never the test set), or an MNISTData, whose .val fit uses.")
    if by_step_per["plateau"] and monitor == "val_acc" and torch.is_floating_point(val.y):
        raise ValueError("monitor='val_acc' needs class labels, and this data is regression: use monitor='val_loss'.")
    return by_step_per


def fit(
    model: nn.Module,
    data,
    optimizer: torch.optim.Optimizer,
    scheduler=None,
    num_epochs: int = 1,
    *,
    batch_size: int | None = 64,
    loss_fn: Callable | None = None,
    val_data=None,
    step_per: str | None = None,
    monitor: str = "val_loss",
    generator: torch.Generator | None = None,
    progress: bool = True,
    callback: Callable[[History], None] | None = None,
    callback_every: int = 0,
    hooks: Sequence[Hook] = (),
    label: str = "",
    verbose: bool = True,
) -> History:
    r"""Train ``model`` for ``num_epochs``, stepping each scheduler the way it needs.

    The loop is the one every PyTorch tutorial writes (``zero_grad``,
    ``backward``, ``optimizer.step()``, then ``scheduler.step()``), with
    the bookkeeping done for you: per-step learning rates and losses,
    per-epoch validation, a progress bar, and a clean stop on divergence.

    Args:
        model (nn.Module): the model; it is moved to the data's device.
        data: an :class:`~lrcourse.data.MNISTData` (its ``train`` and ``val``
            splits are used), a :class:`~lrcourse.data.Split`, or an ``(x, y)`` pair.
        optimizer (Optimizer): any torch optimizer over ``model``'s parameters.
        scheduler (optional): a scheduler, or a list of them. OneCycleLR and
            CyclicLR step after every batch; ReduceLROnPlateau steps once per
            epoch on ``monitor``; the others step once per epoch. Default: ``None``.
        num_epochs (int): passes over the training data. Default: ``1``.
        batch_size (int, optional): ``None`` for full-batch training. Default: ``64``.
        loss_fn (callable, optional): default cross-entropy for integer
            targets, mean squared error otherwise.
        val_data (optional): validation data; default ``data.val`` for MNISTData.
        step_per (str, optional): ``"batch"`` or ``"epoch"``, to override when
            the non-plateau schedulers step. Default: ``None`` (as above).
        monitor (str): ``"val_loss"`` or ``"val_acc"``, what ReduceLROnPlateau
            watches; it needs validation data. Default: ``"val_loss"``.
        generator (torch.Generator, optional): fixes the data order.
        progress (bool): show a tqdm progress bar (:class:`~lrcourse.hooks.ProgressBar`). Default: ``True``.
        callback (callable, optional): ``callback(history)``, called after every
            epoch and every ``callback_every`` steps (:class:`~lrcourse.hooks.Callback`).
            Setting ``history.stopped = True`` ends training cleanly.
        callback_every (int): steps between callback calls; ``0`` means only
            at epoch ends. Default: ``0``.
        hooks (sequence of Hook): more hooks (:class:`~lrcourse.hooks.Hook`), called after fit's own. Default: ``()``.
        label (str): a name stored in the History. Default: ``""``.
        verbose (bool): print the one-line reason when training stops early.

    Schedule-free optimizers: an optimizer with ``train()`` and ``eval()``
    methods, such as ``schedulefree.AdamWScheduleFree``, keeps two sets of
    weights: the ones it trains at and the averaged ones it is evaluated at.
    ``fit`` adds a :class:`~lrcourse.hooks.ScheduleFree` hook: it calls
    ``optimizer.train()`` before training and ``optimizer.eval()`` before each
    validation and at the end, so the returned model holds the evaluation
    weights (call ``optimizer.train()`` to train on), with batch-norm
    statistics recomputed at them. Torch's own optimizers have no
    ``train()``/``eval()`` and are not affected.

    Returns:
        History: what happened, step by step and epoch by epoch.

    Example:
        >>> from lrcourse.data import linear_data
        >>> from lrcourse.models import linear_model
        >>> model = linear_model()
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.01)
        >>> sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
        >>> h = fit(model, linear_data("cpu"), opt, sched, num_epochs=15, progress=False)
        >>> round(float(h.lr[-1]), 6)
        0.0025
    """
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be an integer >= 1, got {num_epochs!r}.")
    if monitor not in ("val_loss", "val_acc"):
        raise ValueError(f"monitor must be 'val_loss' or 'val_acc', got {monitor!r}.")
    _check_step_per(step_per)  # even with no scheduler to step
    if isinstance(data, MNISTData):
        train, val = data.train, (val_data if val_data is not None else data.val)
    else:
        train, val = _as_split(data, "data"), val_data
    val = _as_split(val, "val_data")
    if len(train) == 0:
        raise ValueError("The training data is empty: there is nothing to train on.")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ValueError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}.")
    device = train.device
    if val is not None and val.device != device:
        val = val.to(device)
    model.to(device)
    loss_fn = loss_fn or default_loss(train.y)
    schedulers = _schedulers(scheduler, optimizer, step_per, val, monitor)
    hooks = [hook for hook in (
        ProgressBar(num_epochs, train.num_batches(batch_size), label or "training") if progress else None,
        ScheduleFree(optimizer, model, train, batch_size) if has_train_eval(optimizer) else None,
        Callback(callback, callback_every) if callback is not None else None,
    ) if hook is not None] + list(hooks)
    history = History(label=label)

    def call(event: str):
        for hook in hooks:
            getattr(hook, event)(history)

    def end(message: str):
        history.message = message
        if verbose:
            print(message)

    model.train()
    call("on_train_begin")
    for epoch in range(1, num_epochs + 1):
        start = time.perf_counter()
        running, seen = 0.0, 0
        for xb, yb in train.batches(batch_size, shuffle=batch_size is not None, generator=generator):
            lrs = [g["lr"] for g in optimizer.param_groups]  # the rates this step trains with
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            value = loss.item()
            history.record_step(epoch, optimizer.param_groups, value, lrs)
            if not math.isfinite(value):
                history.diverged = True
                end(f"Diverged at epoch {epoch}, step {history.num_steps}: the loss became {value} "
                    f"at lr={lrs[0]:.4g}. This rate is too large for this model; try a smaller one.")
                break
            loss.backward()
            optimizer.step()
            for s in schedulers["batch"]:
                s.step()
            running += value * len(xb)
            seen += len(xb)
            call("on_step_end")
            if history.stopped:
                end(f"Stopped by request at epoch {epoch}, step {history.num_steps}.")
                break
        if history.diverged or history.stopped:
            break
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        val_loss, val_acc = None, None
        if val is not None:
            call("before_validation")
            val_loss, val_acc = evaluate(model, val, loss_fn)
            call("after_validation")
        history.record_epoch(epoch, running / max(seen, 1), val_loss, val_acc, time.perf_counter() - start)
        if val_loss is not None and not math.isfinite(val_loss):
            history.diverged = True
            end(f"Diverged after epoch {epoch}: the validation loss became {val_loss}. "
                "The learning rate is too large for this model; try a smaller one.")
            break
        for s in schedulers["epoch"]:
            s.step()
        for s in schedulers["plateau"]:
            s.step(val_loss if monitor == "val_loss" else val_acc)
        call("on_epoch_end")
        if history.stopped:
            end(f"Stopped by request after epoch {epoch}.")
            break
    call("on_train_end")
    model.eval()
    return history
