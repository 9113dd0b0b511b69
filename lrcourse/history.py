"""What a training run recorded: :class:`History`, step by step and epoch by epoch."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .optim import momentum_of

__all__ = ["History"]


@dataclass
class History:
    r"""What :func:`~lrcourse.train.fit` recorded.

    Attributes:
        steps (dict): one entry per optimizer step: ``"epoch"``, ``"lr"`` (a
            list with the rate of every parameter group), ``"momentum"`` (SGD's
            momentum or Adam's beta1 of group 0, ``None`` if neither) and
            ``"loss"`` (the training loss of that batch).
        epochs (dict): one entry per finished epoch: ``"epoch"`` (1-based),
            ``"train_loss"``, ``"val_loss"``, ``"val_acc"`` (``None`` for
            regression) and ``"time"`` (wall seconds of the epoch).
        diverged (bool): the loss became NaN or inf and training stopped.
        stopped (bool): training was stopped on request: a callback or a hook
            sets it (for example a Stop button), and :func:`~lrcourse.train.fit`
            ends after the current step or epoch.
        message (str): why training ended early, in one line.
        label (str): a name for plots and leaderboards.

    Example:
        >>> h = History(label="demo")
        >>> h.record_step(1, [{"lr": 0.1, "momentum": 0.9}], 2.0)
        >>> h.record_epoch(1, train_loss=2.0, val_loss=1.5, val_acc=0.5, seconds=0.1)
        >>> h.num_steps, h.lr.tolist(), h.final("val_acc"), h.state
        (1, [0.1], 0.5, 'ok')
    """

    steps: dict = field(default_factory=lambda: {"epoch": [], "lr": [], "momentum": [], "loss": []})
    epochs: dict = field(default_factory=lambda: {
        "epoch": [], "train_loss": [], "val_loss": [], "val_acc": [], "time": []})
    diverged: bool = False
    stopped: bool = False
    message: str = ""
    label: str = ""

    def record_step(self, epoch: int, param_groups, loss: float, lrs: list | None = None) -> None:
        """One optimizer step: its epoch, the rates (``lrs``, default read from ``param_groups``), the loss."""
        self.steps["epoch"].append(epoch)
        self.steps["lr"].append([g["lr"] for g in param_groups] if lrs is None else lrs)
        self.steps["momentum"].append(momentum_of(param_groups[0]))
        self.steps["loss"].append(loss)

    def record_epoch(self, epoch: int, train_loss: float, val_loss, val_acc, seconds: float) -> None:
        """One finished epoch: the mean training loss, the validation loss and accuracy, the wall seconds."""
        for key, value in (("epoch", epoch), ("train_loss", train_loss), ("val_loss", val_loss),
                           ("val_acc", val_acc), ("time", seconds)):
            self.epochs[key].append(value)

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
    def seconds(self) -> float:
        """Wall seconds of the finished epochs, training and validation."""
        return float(sum(self.epochs["time"]))

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
