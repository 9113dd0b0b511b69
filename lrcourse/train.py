"""One training loop for the whole course: :func:`fit`, and the :class:`History` it records."""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import torch
from torch import nn
from torch.optim import lr_scheduler as torch_sched

from .data import MNISTData, Split

#: schedulers that are meant to be stepped after every batch
PER_BATCH = (torch_sched.OneCycleLR, torch_sched.CyclicLR)


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

    OneCycleLR and CyclicLR are stepped after every batch, ReduceLROnPlateau
    once per epoch with the validation loss, and every other scheduler once
    per epoch, unless ``step_per="batch"`` says otherwise.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> scheduler_interval(torch_sched.OneCycleLR(opt, 0.1, total_steps=10))
        'batch'
    """
    if step_per not in (None, "batch", "epoch"):
        raise ValueError(f"step_per must be None, 'batch' or 'epoch', got {step_per!r}.")
    if isinstance(scheduler, torch_sched.ReduceLROnPlateau):
        if step_per == "batch":
            raise ValueError("ReduceLROnPlateau watches a validation metric; it steps once per epoch.")
        return "plateau"
    if step_per:
        return step_per
    return "batch" if isinstance(scheduler, PER_BATCH) else "epoch"


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
    if "momentum" in group:
        return group["momentum"]
    if "betas" in group:
        return group["betas"][0]
    return None


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
            watches (falls back to the training loss without validation data).
            Default: ``"val_loss"``.
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
            s.step(train_loss if metric is None else metric)
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


def histories_table(histories: Iterable[History]) -> list[dict]:
    r"""One summary row per run: label, epochs, steps, final losses and accuracy, time, state.

    Example:
        >>> histories_table([History(label="a")])[0]["label"]
        'a'
    """
    rows = []
    for h in histories:
        rows.append({
            "label": h.label,
            "epochs": len(h.epochs["epoch"]),
            "steps": h.num_steps,
            "train_loss": h.final("train_loss"),
            "val_loss": h.final("val_loss"),
            "val_acc": h.final("val_acc"),
            "time_s": sum(h.epochs["time"]),
            "state": h.state,
        })
    return rows


# --------------------------------------------------------------------------- y = 2x by hand
def curvature(x) -> float:
    r"""The curvature ``L = d²loss/dw²`` of the mean squared error of ``y_hat = w·x``: ``2·mean(x²)``.

    The loss ``mean((w·x - y)²)`` is a parabola in ``w``; gradient descent
    ``w <- w - lr·dloss/dw`` multiplies the distance to the minimum by
    ``1 - lr·L`` at each step, so it converges only when ``lr < 2 / L``.

    Example:
        >>> curvature([1, 2, 3, 4])
        15.0
    """
    x = np.asarray(x, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("x is empty: the curvature needs at least one point.")
    return float(2 * np.mean(x ** 2))


def stability_limit(x) -> float:
    r"""The largest learning rate for which gradient descent on y = w·x converges: ``2 / curvature(x)``.

    Example:
        >>> round(stability_limit([1, 2, 3, 4]), 4)
        0.1333
    """
    return 2.0 / curvature(x)


def gradient_descent_1d(x, y, lr: float, w0: float = 0.0, num_steps: int = 20) -> dict:
    r"""Plain gradient descent on the one weight of ``y_hat = w·x`` with the mean squared error.

    The same update that ``torch.optim.SGD`` makes for ``nn.Linear(1, 1, bias=False)``,
    written out in NumPy so a slider can redraw it instantly.

    Args:
        x, y (sequence of float): the data.
        lr (float): the learning rate (``> 0``).
        w0 (float): the starting weight. Default: ``0``.
        num_steps (int): how many updates. Default: ``20``.

    Returns:
        dict: ``"w"`` and ``"loss"``, arrays of ``num_steps + 1`` values (the start included).
        Values that overflow become ``inf``, and stay so: that is divergence.

    Example:
        >>> path = gradient_descent_1d([1, 2, 3, 4], [2, 4, 6, 8], lr=1 / 15, num_steps=1)
        >>> [round(float(w), 6) for w in path["w"]]
        [0.0, 2.0]
    """
    if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}.")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"num_steps must be an integer >= 1, got {num_steps!r}.")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.size == 0 or x.size != y.size:
        raise ValueError(f"x and y must be non-empty and the same length, got {x.size} and {y.size}.")
    ws = [float(w0)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            w = ws[-1]
            grad = 2 * np.mean(x * (w * x - y))
            ws.append(w - lr * grad)
        ws = np.array(ws)
        loss = np.array([np.mean((w * x - y) ** 2) for w in ws])
    return {"w": ws, "loss": np.where(np.isfinite(loss), loss, np.inf)}


def gd_regime(lr: float, x) -> str:
    r"""Name the regime of gradient descent at rate ``lr`` on data ``x``.

    With ``r = 1 - lr·curvature(x)`` the factor each step applies to the
    distance from the minimum: ``r >= 0.3`` is *too small* (slow and
    monotone), ``|r| < 0.3`` *just right*, ``-1 < r <= -0.3`` *oscillating*
    (it overshoots and converges), ``r <= -1`` *diverging*.

    Example:
        >>> [gd_regime(lr, [1, 2, 3, 4]) for lr in (0.01, 0.07, 0.12, 0.14)]
        ['too small', 'just right', 'oscillating', 'diverging']
    """
    r = 1 - lr * curvature(x)
    if r <= -1:
        return "diverging"
    if r <= -0.3:
        return "oscillating"
    if r < 0.3:
        return "just right"
    return "too small"


# --------------------------------------------------------------------------- shoot-out
@dataclass
class Contestant:
    r"""One entry of a schedule shoot-out: a name, its optimizer and its scheduler, as torch factories.

    Args:
        label (str): the name on the leaderboard (unique within a shoot-out).
        make_optimizer (callable): ``make_optimizer(params)`` returns a torch
            optimizer over the model's parameters, for example
            ``lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)``.
        make_scheduler (callable, optional): ``make_scheduler(optimizer)``
            returns a scheduler, or a list of them. Default: ``None`` (no
            scheduler: a fixed rate, or an optimizer that schedules itself).
        step_per (str, optional): ``"batch"`` or ``"epoch"``, passed to
            :func:`fit` to override when the scheduler steps. Default: ``None``.

    Example:
        >>> from torch.optim.lr_scheduler import StepLR
        >>> c = Contestant("StepLR", lambda p: torch.optim.SGD(p, lr=0.1),
        ...                lambda opt: StepLR(opt, step_size=2, gamma=0.5))
        >>> c.label
        'StepLR'
    """

    label: str
    make_optimizer: Callable
    make_scheduler: Callable | None = None
    step_per: str | None = None


def _sample_std(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def reach_target(history: History, target_acc: float) -> tuple[int | None, float | None]:
    r"""The first epoch whose validation accuracy is ``>= target_acc``, and the seconds it took.

    The seconds are the sum of :attr:`History.epochs` ``"time"`` up to and
    including that epoch (training and validation, as :func:`fit` measures
    them). ``(None, None)`` when the run never reached the target.

    Example:
        >>> h = History()
        >>> h.epochs.update(epoch=[1, 2, 3], val_acc=[0.90, 0.96, 0.97], time=[0.5, 0.5, 0.5])
        >>> reach_target(h, 0.95)
        (2, 1.0)
        >>> reach_target(h, 0.99)
        (None, None)
    """
    elapsed = 0.0
    for epoch, acc, seconds in zip(history.epochs["epoch"], history.epochs["val_acc"], history.epochs["time"]):
        elapsed += seconds
        if acc is not None and acc >= target_acc:
            return epoch, elapsed
    return None, None


@dataclass
class ShootoutResult:
    r"""What :func:`shootout` ran and measured; :meth:`add` enters one more contestant.

    Attributes:
        data: the data (``train``, ``val`` and ``test`` splits).
        seeds (tuple): one run per contestant per seed.
        num_epochs (int), batch_size (int), target_acc (float): the budget and the target.
        model_fn (callable): builds the model.
        contestants (list of Contestant): in the order they were entered.
        histories (dict): ``{label: [History per seed]}``.
        test_acc (dict): ``{label: [test accuracy per seed]}``, measured on
            ``data.test`` once, after training; nothing is chosen with it.
        wall_time (dict): ``{label: [seconds of fit per seed]}``.
        initial_states (dict): ``{seed: state_dict}``, the initial weights every
            contestant starts from with that seed.

    Example:
        >>> r = ShootoutResult(data=None, seeds=(0, 1), num_epochs=1, batch_size=64, target_acc=0.9)
        >>> r.leaderboard()
        []
    """

    data: Any
    seeds: tuple
    num_epochs: int
    batch_size: int | None
    target_acc: float
    model_fn: Callable | None = None
    contestants: list = field(default_factory=list)
    histories: dict = field(default_factory=dict)
    test_acc: dict = field(default_factory=dict)
    wall_time: dict = field(default_factory=dict)
    initial_states: dict = field(default_factory=dict)

    @property
    def steps_per_epoch(self) -> int:
        """Batches per epoch of the training split."""
        return self.data.train.num_batches(self.batch_size)

    def _model(self) -> nn.Module:
        if self.model_fn is not None:
            return self.model_fn()
        from .models import MnistCNN

        return MnistCNN()

    def initial_state(self, seed: int) -> dict:
        """The initial weights for ``seed``: built once with ``torch.manual_seed(seed)``, then copied."""
        if seed not in self.initial_states:
            torch.manual_seed(seed)
            self.initial_states[seed] = copy.deepcopy(self._model().state_dict())
        return self.initial_states[seed]

    def run_one(self, contestant: Contestant, seed: int) -> tuple[History, float | None, float]:
        r"""Train ``contestant`` once with ``seed``: the shared initial weights and data order.

        Returns:
            (History, test accuracy, wall seconds of :func:`fit`).
        """
        device = self.data.train.device
        torch.manual_seed(seed)  # anything random inside the run, the same for every contestant
        model = self._model()
        model.load_state_dict(self.initial_state(seed))  # the same initial weights
        model.to(device)
        optimizer = contestant.make_optimizer(model.parameters())
        scheduler = contestant.make_scheduler(optimizer) if contestant.make_scheduler else None
        start = time.perf_counter()
        history = fit(model, self.data, optimizer, scheduler, self.num_epochs, batch_size=self.batch_size,
                      step_per=contestant.step_per,
                      generator=torch.Generator().manual_seed(seed),  # the same data order
                      progress=False, label=contestant.label, verbose=False)
        seconds = time.perf_counter() - start
        _, test_acc = evaluate(model, self.data.test)  # once, after training
        return history, test_acc, seconds

    def add(self, contestant: Contestant, on_run: Callable | None = None, verbose: bool = False) -> dict:
        r"""Run ``contestant`` over every seed and enter it on the leaderboard.

        Args:
            contestant (Contestant): its label must be new.
            on_run (callable, optional): ``on_run(label, seed, history)`` after each run.
            verbose (bool): print one line when the contestant is done. Default: ``False``.

        Returns:
            dict: the contestant's leaderboard row.
        """
        if not isinstance(contestant, Contestant):
            raise ValueError(f"A contestant must be a Contestant(label, make_optimizer, make_scheduler), "
                             f"got {type(contestant).__name__}.")
        if contestant.label in self.histories:
            raise ValueError(f"There is already a contestant called {contestant.label!r}: give it another label.")
        histories, accs, times = [], [], []
        for seed in self.seeds:
            try:
                h, acc, seconds = self.run_one(contestant, seed)
            except Exception as err:
                raise ValueError(f"Contestant {contestant.label!r} failed with seed {seed}: "
                                 f"{type(err).__name__}: {err}") from None
            histories.append(h)
            accs.append(acc)
            times.append(seconds)
            if on_run is not None:
                on_run(contestant.label, seed, h)
        self.contestants.append(contestant)
        self.histories[contestant.label] = histories
        self.test_acc[contestant.label] = accs
        self.wall_time[contestant.label] = times
        row = self.row(contestant.label)
        if verbose:
            print(f"{contestant.label}: {len(self.seeds)} runs in {sum(times):.1f} s")
        return row

    def row(self, label: str) -> dict:
        r"""One leaderboard row: mean and sample std (``ddof=1``) of the test accuracy over the seeds,
        how many seeds reached the target validation accuracy, the mean epochs and seconds they took
        (over the seeds that reached it; ``None`` if none did), the mean wall time of a run, the
        mean final validation accuracy and the number of diverged runs."""
        histories, accs = self.histories[label], self.test_acc[label]
        reached = [reach_target(h, self.target_acc) for h in histories]
        reached = [r for r in reached if r[0] is not None]
        valid = [a for a in accs if a is not None]
        finals = [h.final("val_acc") for h in histories if h.final("val_acc") is not None]
        return {
            "label": label,
            "seeds": len(histories),
            "test_acc_mean": float(np.mean(valid)) if valid else None,
            "test_acc_std": _sample_std(valid) if valid else None,
            "test_accs": list(accs),
            "reached": len(reached),
            "epochs_to_target": float(np.mean([r[0] for r in reached])) if reached else None,
            "time_to_target_s": float(np.mean([r[1] for r in reached])) if reached else None,
            "wall_time_s": float(np.mean(self.wall_time[label])),
            "final_val_acc": float(np.mean(finals)) if finals else None,
            "diverged": sum(h.diverged for h in histories),
        }

    def leaderboard(self) -> list[dict]:
        """Every contestant's :meth:`row`, best mean test accuracy first."""
        rows = [self.row(c.label) for c in self.contestants]
        return sorted(rows, key=lambda r: -1.0 if r["test_acc_mean"] is None else r["test_acc_mean"], reverse=True)

    def table(self) -> str:
        """The leaderboard as aligned text (accuracies in %)."""
        return leaderboard_table(self.leaderboard(), self.target_acc)

    def lr_curve(self, label: str, seed_index: int = 0) -> np.ndarray:
        """The rate at every step of one run (parameter group 0), as the optimizer held it."""
        return self.histories[label][seed_index].lr


def leaderboard_table(rows: list[dict], target_acc: float | None = None) -> str:
    r"""Leaderboard rows (see :meth:`ShootoutResult.row`) as aligned text, accuracies in %.

    Example:
        >>> rows = [{"label": "a", "seeds": 3, "test_acc_mean": 0.97, "test_acc_std": 0.002,
        ...          "reached": 3, "epochs_to_target": 2.0, "time_to_target_s": 0.5,
        ...          "wall_time_s": 1.5, "diverged": 0}]
        >>> print(leaderboard_table(rows, 0.95))  # doctest: +NORMALIZE_WHITESPACE
        rank  contestant  test acc % (mean ± std)  reached 95%  epochs to 95%  s to 95%  s per run
           1  a                     97.00 ± 0.20          3/3            2.0      0.50       1.50
    """
    target = f"{100 * target_acc:g}%" if target_acc is not None else "target"
    width = max([len("contestant")] + [len(r["label"]) for r in rows])
    head = (f"{'rank':>4}  {'contestant':<{width}}  {'test acc % (mean ± std)':>23}  {'reached ' + target:>11}  "
            f"{'epochs to ' + target:>13}  {'s to ' + target:>8}  {'s per run':>9}")
    lines = [head]
    fmt = lambda v, f: "never" if v is None else format(v, f)  # noqa: E731
    for rank, r in enumerate(rows, start=1):
        acc = "n/a" if r["test_acc_mean"] is None else \
            f"{100 * r['test_acc_mean']:.2f} ± {100 * r['test_acc_std']:.2f}"
        reached = f"{r['reached']}/{r['seeds']}"
        line = (f"{rank:>4}  {r['label']:<{width}}  {acc:>23}  {reached:>11}  "
                f"{fmt(r['epochs_to_target'], '.1f'):>13}  {fmt(r['time_to_target_s'], '.2f'):>8}  "
                f"{r['wall_time_s']:>9.2f}")
        if r.get("diverged"):
            line += f"  ({r['diverged']} diverged)"
        lines.append(line)
    return "\n".join(lines)


def shootout(contestants, data, seeds=(0, 1, 2), num_epochs: int = 5, *, target_acc: float = 0.95,
             batch_size: int | None = 64, model_fn: Callable | None = None, verbose: bool = True,
             on_run: Callable | None = None) -> ShootoutResult:
    r"""Train every contestant once per seed at the same budget, and rank them.

    For each seed, every contestant starts from the same initial weights
    (built once with ``torch.manual_seed(seed)``, then copied with
    ``state_dict``) and sees the batches in the same order (a
    ``torch.Generator`` seeded with ``seed``). Each run is one :func:`fit`
    of ``num_epochs`` epochs, validated on ``data.val``. The test accuracy is
    measured on ``data.test`` once, after training: nothing is chosen with it.
    Each run starts with ``torch.manual_seed(seed)``, so torch's global random
    state is left as the last run set it.

    Args:
        contestants (list of Contestant): the entries, with unique labels.
        data: an :class:`~lrcourse.data.MNISTData` (or any object with
            ``train``, ``val`` and ``test`` splits).
        seeds (sequence of int): one run per contestant per seed. Default: ``(0, 1, 2)``.
        num_epochs (int): the budget, the same for everyone. Default: ``5``.
        target_acc (float): the validation accuracy whose first epoch and time
            are reported. Default: ``0.95``.
        batch_size (int, optional): Default: ``64``.
        model_fn (callable, optional): builds the model. Default: :class:`~lrcourse.models.MnistCNN`.
        verbose (bool): print one line per contestant. Default: ``True``.
        on_run (callable, optional): ``on_run(label, seed, history)`` after each run.

    Returns:
        ShootoutResult: the histories, test accuracies and wall times, with
        :meth:`~ShootoutResult.leaderboard` and :meth:`~ShootoutResult.table`.

    Example:
        >>> from lrcourse.data import MNISTData, Split
        >>> from lrcourse.models import MnistCNN
        >>> x, y = torch.randn(96, 1, 28, 28), torch.arange(96) % 10
        >>> tiny = MNISTData(Split(x[:64], y[:64]), Split(x[64:80], y[64:80]), Split(x[80:], y[80:]), "demo", None)
        >>> sgd = lambda p: torch.optim.SGD(p, lr=0.01)
        >>> r = shootout([Contestant("fixed", sgd)], tiny, seeds=(0, 1), num_epochs=1,
        ...              model_fn=lambda: MnistCNN(width=2), verbose=False)
        >>> [row["label"] for row in r.leaderboard()], len(r.histories["fixed"])
        (['fixed'], 2)
    """
    contestants = list(contestants)
    labels = [c.label for c in contestants if isinstance(c, Contestant)]
    if len(labels) != len(contestants):
        raise ValueError("contestants must be a list of Contestant(label, make_optimizer, make_scheduler).")
    if len(set(labels)) != len(labels):
        raise ValueError(f"Contestant labels must be unique, got {labels}.")
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("Give at least one seed (three or more to see the spread).")
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be an integer >= 1, got {num_epochs!r}.")
    for split in ("train", "val", "test"):
        if not isinstance(getattr(data, split, None), Split):
            raise ValueError(f"data must have train, val and test splits (an MNISTData); it has no {split!r}.")
    result = ShootoutResult(data, seeds, num_epochs, batch_size, target_acc, model_fn)
    start = time.perf_counter()
    for c in contestants:
        result.add(c, on_run=on_run, verbose=verbose)
    if verbose:
        runs = len(contestants) * len(seeds)
        print(f"{runs} runs ({len(contestants)} contestants x {len(seeds)} seeds, {num_epochs} epochs each) "
              f"in {time.perf_counter() - start:.1f} s")
    return result
