"""What a shoot-out measured: one contestant's :class:`Runs` over the seeds, and its leaderboard :class:`Row`.

:class:`~lrcourse.shootout.ShootoutResult` keeps one :class:`Runs` per
contestant; a :class:`Row` summarises it over the seeds for the leaderboard,
with the accuracy of one split (``"test"``, or ``"val"`` for a race whose
test split stays sealed). :mod:`lrcourse.tables` and :mod:`lrcourse.plots`
draw rows; neither decides which split a row shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .history import History

__all__ = ["SPLITS", "reach_target", "Row", "Runs"]

#: the accuracy a leaderboard shows: its short name (in a column title) and its name in prose
SPLITS = {"test": "test", "val": "validation"}


def reach_target(history: History, target_acc: float) -> tuple[int | None, float | None]:
    r"""The first epoch whose validation accuracy is ``>= target_acc``, and the seconds it took.

    The seconds are the sum of :attr:`History.epochs` ``"time"`` up to and
    including that epoch (training and validation, as :func:`~lrcourse.train.fit`
    measures them). ``(None, None)`` when the run never reached the target.

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


def _mean(values) -> float | None:
    return float(np.mean(values)) if values else None


@dataclass(frozen=True)
class Row:
    r"""One leaderboard row: a contestant's runs summarised over the seeds.

    Attributes:
        label (str): the contestant.
        split (str): the accuracy shown and ranked by: ``"test"`` or ``"val"`` (a key of :data:`SPLITS`).
        accs (tuple): that accuracy per seed (the final one for ``"val"``; ``None`` where a run has none).
        reached (int): seeds whose validation accuracy reached the target.
        epochs_to_target, time_to_target_s (float or None): their mean epochs and seconds to it.
        wall_time_s (float): mean seconds of a run.
        diverged (int): runs that diverged.

    Example:
        >>> row = Row("a", "val", (0.95, 0.97), reached=2, epochs_to_target=2.0, time_to_target_s=1.0,
        ...           wall_time_s=1.5, diverged=0)
        >>> row.seeds, round(row.acc_mean, 4), round(row.acc_std, 4), row.split_name
        (2, 0.96, 0.0141, 'validation')
    """

    label: str
    split: str
    accs: tuple
    reached: int = 0
    epochs_to_target: float | None = None
    time_to_target_s: float | None = None
    wall_time_s: float = 0.0
    diverged: int = 0

    def __post_init__(self):
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {self.split!r}.")

    @property
    def seeds(self) -> int:
        return len(self.accs)

    @property
    def split_name(self) -> str:
        """``"test"`` or ``"validation"``."""
        return SPLITS[self.split]

    @property
    def _measured(self) -> list[float]:
        return [a for a in self.accs if a is not None]

    @property
    def acc_mean(self) -> float | None:
        """The mean accuracy over the seeds that have one."""
        return _mean(self._measured)

    @property
    def acc_std(self) -> float | None:
        """The sample standard deviation (``ddof=1``; ``0.0`` for one seed)."""
        values = self._measured
        return (float(np.std(values, ddof=1)) if len(values) > 1 else 0.0) if values else None


@dataclass
class Runs:
    r"""One contestant's runs, one per seed in the shoot-out's order.

    Attributes:
        contestant (Contestant): what ran.
        histories (list of History): what :func:`~lrcourse.train.fit` recorded.
        test_accs (list of float): the test accuracy of each run, measured once, after training.
        test_losses (list of float): the test loss of each run, measured at the same time.
        wall_times (list of float): seconds of :func:`~lrcourse.train.fit` of each run.

    Example:
        >>> h = History(label="a")
        >>> h.epochs.update(epoch=[1], val_acc=[0.9], val_loss=[0.3], time=[0.5])
        >>> from lrcourse.shootout import Contestant
        >>> runs = Runs(Contestant("a", None), [h], [0.88], [0.6])
        >>> runs.values("val_acc"), runs.row(0.85, "test").accs
        ([0.9], (0.88,))
    """

    contestant: Any
    histories: list = field(default_factory=list)
    test_accs: list = field(default_factory=list)
    wall_times: list = field(default_factory=list)
    test_losses: list = field(default_factory=list)

    def values(self, metric: str) -> list:
        """Each run's ``"test_acc"`` or ``"test_loss"``, or the last value of an epoch metric of its history
        (``"val_acc"``...)."""
        if metric in ("test_acc", "test_loss"):
            return list(self.test_accs if metric == "test_acc" else self.test_losses)
        return [h.final(metric) for h in self.histories]

    @property
    def label(self) -> str:
        return self.contestant.label

    def row(self, target_acc: float, split: str) -> Row:
        """The leaderboard :class:`Row` of these runs, showing ``split``'s accuracy."""
        reached = [r for r in (reach_target(h, target_acc) for h in self.histories) if r[0] is not None]
        return Row(self.label, split, tuple(self.values(f"{split}_acc")),
                   reached=len(reached), epochs_to_target=_mean([r[0] for r in reached]),
                   time_to_target_s=_mean([r[1] for r in reached]), wall_time_s=float(np.mean(self.wall_times)),
                   diverged=sum(h.diverged for h in self.histories))
