"""One training loop for the whole course: :func:`fit`, and the :class:`History` it records."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.optim import lr_scheduler as torch_sched

from .data import MNISTData, Split
from .specs import SPECS

__all__ = ["History", "scheduler_interval", "evaluate", "fit"]


@dataclass
class History:
    r"""What :func:`fit` recorded.

    Attributes:
        steps (dict): one entry per optimizer step: ``"epoch"``, ``"lr"`` (a
            list with the rate of every parameter group), ``"momentum"`` (SGD's
            momentum or Adam's beta1 of group 0, ``None`` if neither) and
            ``"loss"`` (the training loss of that batch).
        epochs (dict): one entry per finished epoch: ``"epoch"`` (1-based),
            ``"train_loss"``, ``"val_loss"``, ``"val_acc"`` (``None`` for
            regression) and ``"time"`` (wall seconds of the epoch).
        diverged (bool): the loss became NaN or inf and training stopped.
        stopped (bool): a callback asked to stop (for example a Stop button).
        message (str): why training ended early, in one line.
        label (str): a name for plots and leaderboards.

    Example:
        >>> from lrcourse.data import linear_data
        >>> from lrcourse.models import linear_model
        >>> model = linear_model()
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.05)
        >>> h = fit(model, linear_data("cpu"), opt, num_epochs=3, progress=False)
        >>> h.num_steps, h.lr.tolist()
        (3, [0.05, 0.05, 0.05])
    """

    steps: dict = field(default_factory=lambda: {"epoch": [], "lr": [], "momentum": [], "loss": []})
    epochs: dict = field(default_factory=lambda: {
        "epoch": [], "train_loss": [], "val_loss": [], "val_acc": [], "time": []})
    diverged: bool = False
    stopped: bool = False
    message: str = ""
    label: str = ""
    stop_requested: bool = False

    @property
    def lr(self) -> np.ndarray:
        """The rate of parameter group 0 at each step."""
        return np.array([lrs[0] for lrs in self.steps["lr"]])

    @property
    def loss(self) -> np.ndarray:
        """The training loss of each step."""
        return np.array(self.steps["loss"], dtype=float)

    @property
    def num_steps(self) -> int:
        return len(self.steps["loss"])

    @property
    def steps_per_epoch(self) -> int:
        """Batches in the first epoch (1 before any step)."""
        return max(1, self.steps["epoch"].count(1))

    @property
    def state(self) -> str:
        """``"diverged"``, ``"stopped"`` or ``"ok"``."""
        return "diverged" if self.diverged else "stopped" if self.stopped else "ok"

    def final(self, key: str = "val_acc"):
        """The last recorded value of an epoch metric, or ``None``."""
        values = self.epochs.get(key, [])
        return values[-1] if values else None

    def __repr__(self) -> str:
        return (f"History({self.label!r}, epochs={len(self.epochs['epoch'])}, "
                f"steps={self.num_steps}, final val_acc={self.final()}, {self.state})")


def scheduler_interval(scheduler, step_per: str | None = None) -> str:
    r"""How :func:`fit` steps ``scheduler``: ``"batch"``, ``"epoch"`` or ``"plateau"``.

    Each scheduler steps as its spec in :data:`~lrcourse.specs.SPECS` says
    (the spec of its class, or of the nearest base class that has one):
    OneCycleLR and CyclicLR after every batch, ReduceLROnPlateau once per
    epoch with the validation loss, and every other scheduler once per
    epoch, unless ``step_per="batch"`` says otherwise.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> scheduler_interval(torch_sched.OneCycleLR(opt, 0.1, total_steps=10))
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
    loss_fn = loss_fn or (nn.CrossEntropyLoss() if classify else nn.MSELoss())
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


def _momentum(group: dict):
    return group["momentum"] if "momentum" in group else group["betas"][0] if "betas" in group else None


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
        progress (bool): show a tqdm progress bar. Default: ``True``.
        callback (callable, optional): ``callback(history)``, called after every
            epoch and every ``callback_every`` steps. Setting
            ``history.stop_requested = True`` ends training cleanly.
        callback_every (int): steps between callback calls; ``0`` means only
            at epoch ends. Default: ``0``.
        label (str): a name stored in the History. Default: ``""``.
        verbose (bool): print the one-line reason when training stops early.

    Schedule-free optimizers: an optimizer with ``train()`` and ``eval()``
    methods, such as ``schedulefree.AdamWScheduleFree``, keeps two sets of
    weights: the ones it trains at and the averaged ones it is evaluated at.
    ``fit`` calls ``optimizer.train()`` before training and
    ``optimizer.eval()`` before each validation and at the end, so the
    returned model holds the evaluation weights (call ``optimizer.train()``
    to train on). If the model has batch-norm layers, their running
    statistics are then recomputed at the evaluation weights on up to 50
    training batches (no gradients), as the ``schedulefree`` README
    recommends. Torch's own optimizers have no ``train()``/``eval()`` and
    are not affected.

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
    classify = not torch.is_floating_point(train.y)
    loss_fn = loss_fn or (nn.CrossEntropyLoss() if classify else nn.MSELoss())

    schedulers = [] if scheduler is None else list(scheduler) if isinstance(scheduler, (list, tuple)) else [scheduler]
    for s in schedulers:
        if s.optimizer is not optimizer:
            raise ValueError(f"{type(s).__name__} is attached to a different optimizer than the one passed to fit().")
    intervals = [scheduler_interval(s, step_per) for s in schedulers]
    if "plateau" in intervals and val is None:
        raise ValueError("ReduceLROnPlateau watches a validation split: pass val_data=(x, y), held out of the "
                         "training data (never the test set), or an MNISTData, whose .val fit uses.")
    if "plateau" in intervals and monitor == "val_acc" and torch.is_floating_point(val.y):
        raise ValueError("monitor='val_acc' needs class labels, and this data is regression: use monitor='val_loss'.")
    per_batch = [s for s, i in zip(schedulers, intervals) if i == "batch"]
    per_epoch = [s for s, i in zip(schedulers, intervals) if i == "epoch"]
    plateau = [s for s, i in zip(schedulers, intervals) if i == "plateau"]

    history = History(label=label)
    nb = train.num_batches(batch_size)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=num_epochs * nb, desc=label or "training", unit="batch", leave=True)

    def stop(message: str, diverged: bool = False):
        history.message = message
        history.diverged = diverged
        history.stopped = not diverged
        if verbose:
            print(message)

    groups = optimizer.param_groups
    model.train()
    schedule_free = _has_train_eval(optimizer)
    if schedule_free:
        optimizer.train()
    for epoch in range(1, num_epochs + 1):
        start = time.perf_counter()
        running, seen = 0.0, 0
        for xb, yb in train.batches(batch_size, shuffle=batch_size is not None, generator=generator):
            lrs = [g["lr"] for g in groups]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            value = loss.item()
            history.steps["epoch"].append(epoch)
            history.steps["lr"].append(lrs)
            history.steps["momentum"].append(_momentum(groups[0]))
            history.steps["loss"].append(value)
            if not math.isfinite(value):
                stop(f"Diverged at epoch {epoch}, step {history.num_steps}: the loss became {value} "
                     f"at lr={lrs[0]:.4g}. This rate is too large for this model; try a smaller one.",
                     diverged=True)
                break
            loss.backward()
            optimizer.step()
            for s in per_batch:
                s.step()
            running += value * len(xb)
            seen += len(xb)
            if bar is not None:
                bar.update(1)
                if history.num_steps % 10 == 1 or nb < 10:
                    bar.set_postfix(loss=f"{value:.4g}", lr=f"{lrs[0]:.3g}", refresh=False)
            if callback is not None and callback_every and history.num_steps % callback_every == 0:
                callback(history)
            if history.stop_requested:
                stop(f"Stopped by request at epoch {epoch}, step {history.num_steps}.")
                break
        if history.diverged or history.stopped:
            break
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        train_loss = running / max(seen, 1)
        if schedule_free and val is not None:
            _schedule_free_eval(optimizer, model, train, batch_size)
        val_loss, val_acc = evaluate(model, val, loss_fn) if val is not None else (None, None)
        if schedule_free and val is not None:
            optimizer.train()
        history.epochs["epoch"].append(epoch)
        history.epochs["train_loss"].append(train_loss)
        history.epochs["val_loss"].append(val_loss)
        history.epochs["val_acc"].append(val_acc)
        history.epochs["time"].append(time.perf_counter() - start)
        if val_loss is not None and not math.isfinite(val_loss):
            stop(f"Diverged after epoch {epoch}: the validation loss became {val_loss}. "
                 "The learning rate is too large for this model; try a smaller one.", diverged=True)
            break
        for s in per_epoch:
            s.step()
        for s in plateau:
            metric = {"val_loss": val_loss, "val_acc": val_acc}[monitor]
            s.step(metric)
        if bar is not None:
            shown = {"loss": f"{train_loss:.4g}"}
            if val_acc is not None:
                shown["val_acc"] = f"{val_acc:.3f}"
            bar.set_postfix(shown)
        if callback is not None:
            callback(history)
        if history.stop_requested:
            stop(f"Stopped by request after epoch {epoch}.")
            break
    if bar is not None:
        bar.close()
    if schedule_free:
        _schedule_free_eval(optimizer, model, train, batch_size)
    model.eval()
    return history


def _has_train_eval(optimizer) -> bool:
    """A schedule-free optimizer: it has its own ``train()`` and ``eval()`` methods."""
    return callable(getattr(optimizer, "train", None)) and callable(getattr(optimizer, "eval", None))


@torch.no_grad()
def _schedule_free_eval(optimizer, model: nn.Module, train: Split, batch_size: int | None,
                        num_batches: int = 50) -> None:
    """``optimizer.eval()``, then batch-norm statistics recomputed at the evaluation weights.

    The recipe of the schedulefree README: forward passes in train mode, no
    gradients, over the first ``num_batches`` training batches in their
    stored order (no shuffling, so no random numbers are drawn).
    """
    optimizer.eval()
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    was_training = model.training
    model.train()
    for i, (xb, _) in enumerate(train.batches(batch_size)):
        if i >= num_batches:
            break
        model(xb)
    model.train(was_training)
