"""A schedule shoot-out: contestants over paired seeds at one budget, ranked on a leaderboard.

:func:`tune_then_race` is notebook 08's protocol: peak rates tuned on validation with one seed, a race on
other seeds ranked by validation, the test split sealed; :func:`scoreboard` scores paired differences.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn

from .data import Split
from .history import History
from .results import SPLITS, Row, Runs
from .tables import leaderboard_table, scoreboard_table
from .train import evaluate, fit

__all__ = ["Contestant", "ShootoutResult", "shootout", "scoreboard"]


@dataclass
class Contestant:
    r"""One entry of a schedule shoot-out: a name, its optimizer and its scheduler, as torch factories.

    Args:
        label (str): the name on the leaderboard (unique within a shoot-out).
        make_optimizer (callable): ``params -> optimizer``, e.g. ``lambda p: torch.optim.SGD(p, lr=0.05)``.
        make_scheduler (callable, optional): ``optimizer -> scheduler`` (or a list). Default: ``None``
            (a fixed rate, or an optimizer that schedules itself).
        step_per (str, optional): ``"batch"`` or ``"epoch"``, passed to :func:`fit`. Default: ``None``.

    Example:
        >>> Contestant("StepLR", lambda p: torch.optim.SGD(p, lr=0.1),
        ...            lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)).step_per is None
        True
    """

    label: str
    make_optimizer: Callable
    make_scheduler: Callable | None = None
    step_per: str | None = None


@dataclass
class ShootoutResult:
    r"""What :func:`shootout` ran and measured; :meth:`add` enters one more contestant.

    Attributes:
        data: the data (``train``, ``val`` and ``test`` splits).
        seeds (tuple): one run per contestant per seed.
        num_epochs (int), batch_size (int), target_acc (float): the budget and the target.
        model_fn (callable): builds the model.
        runs (dict): ``{label: Runs}``, one :class:`~lrcourse.results.Runs` per contestant, in the order entered.
        initial_states (dict): ``{seed: state_dict}``, every contestant's initial weights.
        rank_by (str): ``"test_acc"`` or ``"val_acc"``: what :meth:`leaderboard` ranks by.
        sealed (bool): the test accuracy is measured but never ranked by nor shown on the leaderboard, to be
            revealed once, at the end (:func:`scoreboard` with ``"test_acc"``).
        tuning (dict): ``{label: (chosen lr, {lr: (val acc, val loss)})}`` from :func:`tune_then_race`.

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
    runs: dict = field(default_factory=dict)
    initial_states: dict = field(default_factory=dict)
    rank_by: str = "test_acc"
    sealed: bool = False
    tuning: dict = field(default_factory=dict)

    @property
    def contestants(self) -> list:
        """The contestants, in the order they were entered."""
        return [r.contestant for r in self.runs.values()]

    @property
    def histories(self) -> dict:
        """``{label: [History per seed]}``."""
        return {label: r.histories for label, r in self.runs.items()}

    @property
    def test_acc(self) -> dict:
        """``{label: [test accuracy per seed]}``, measured once, after training."""
        return {label: r.test_accs for label, r in self.runs.items()}

    @property
    def split(self) -> str:
        """The accuracy the leaderboard shows and ranks by: ``"test"``, or ``"val"`` (:attr:`rank_by`)."""
        split = self.rank_by.removesuffix("_acc")
        if split not in SPLITS or (self.sealed and split == "test"):
            raise ValueError(f"rank_by is {self.rank_by!r}: rank by 'val_acc' (or 'test_acc' if not sealed).")
        return split

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

    def run_one(self, contestant: Contestant, seed: int, test: bool = True
                ) -> tuple[History, tuple[float, float] | None, float]:
        r"""Train ``contestant`` once with ``seed``: the shared initial weights and data order.

        ``test=False`` never reads ``data.test`` (tuning), and returns ``None`` for it.

        Returns:
            (History, (test loss, test accuracy) or ``None``, wall seconds of :func:`fit`).
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
        scores = evaluate(model, self.data.test) if test else None  # once, after training
        return history, scores, seconds

    def add(self, contestant: Contestant, on_run: Callable | None = None, verbose: bool = False) -> Row:
        r"""Run ``contestant`` over every seed and enter it on the leaderboard.

        ``contestant``'s label must be new; ``on_run(label, seed, history)`` runs
        after each run; ``verbose`` prints one line. Returns its leaderboard :class:`~lrcourse.results.Row`.
        """
        if not isinstance(contestant, Contestant):
            raise ValueError(f"A contestant must be a Contestant(label, make_optimizer, make_scheduler), "
                             f"got {type(contestant).__name__}.")
        if contestant.label in self.runs:
            raise ValueError(f"There is already a contestant called {contestant.label!r}: give it another label.")
        runs = Runs(contestant)
        for seed in self.seeds:
            try:
                h, (loss, acc), seconds = self.run_one(contestant, seed)
            except Exception as err:
                raise ValueError(f"Contestant {contestant.label!r} failed with seed {seed}: "
                                 f"{type(err).__name__}: {err}") from None
            runs.histories.append(h)
            runs.test_accs.append(acc)
            runs.test_losses.append(loss)
            runs.wall_times.append(seconds)
            if on_run is not None:
                on_run(contestant.label, seed, h)
        self.runs[contestant.label] = runs
        if verbose:
            print(f"{contestant.label}: {len(self.seeds)} runs in {sum(runs.wall_times):.1f} s")
        return runs.row(self.target_acc, self.split)

    def leaderboard(self) -> list[Row]:
        """Every contestant's :class:`~lrcourse.results.Row`, best first by the mean accuracy of :attr:`split`."""
        split = self.split
        rows = [r.row(self.target_acc, split) for r in self.runs.values()]
        return sorted(rows, key=lambda r: -1.0 if r.acc_mean is None else r.acc_mean, reverse=True)

    def table(self) -> str:
        """The leaderboard as aligned text (accuracies in %)."""
        return leaderboard_table(self.leaderboard(), self.target_acc)


def shootout(contestants, data, seeds=(0, 1, 2), num_epochs: int = 5, *, target_acc: float = 0.95,
             batch_size: int | None = 64, model_fn: Callable | None = None, verbose: bool = True,
             on_run: Callable | None = None) -> ShootoutResult:
    r"""Train every contestant once per seed at the same budget, and rank them.

    For each seed, every contestant starts from the same initial weights
    (built once after ``torch.manual_seed(seed)``, copied with ``state_dict``)
    and sees the batches in the same order (a ``torch.Generator`` seeded with
    ``seed``). Each run is one :func:`fit`, validated on ``data.val``; the test
    accuracy is measured once, after training. Torch's global random state is
    left as the last run set it.

    Args:
        contestants (list of Contestant): the entries, with unique labels.
        data: an :class:`~lrcourse.data.MNISTData` (``train``, ``val`` and ``test`` splits).
        seeds (sequence of int): one run per contestant per seed. Default: ``(0, 1, 2)``.
        num_epochs (int): the budget, the same for everyone. Default: ``5``.
        target_acc (float): the validation accuracy whose first epoch is reported. Default: ``0.95``.
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
        >>> [row.label for row in r.leaderboard()], len(r.histories["fixed"])
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


def scoreboard(result: ShootoutResult, baseline: str, metric: str = "val_acc") -> str:
    r"""Each contestant minus ``baseline``, paired by seed: mean, 95% CI, sign test, and a verdict that matches the CI.

    A CI that covers 0 is a tie, whatever the wins; the sign test
    (:attr:`~lrcourse.compare.PairedComparison.sign_test_p`) is given too. Rows
    are :func:`~lrcourse.compare.compare_runs` of ``baseline`` and each
    contestant, best first, drawn by :func:`~lrcourse.tables.scoreboard_table`.

    Example:
        >>> from lrcourse.results import Runs
        >>> r = ShootoutResult(None, (1, 2, 3), 1, 64, 0.9)
        >>> for label, accs in (("base", [0.95, 0.96, 0.95]), ("b", [0.97, 0.97, 0.96])):
        ...     r.runs[label] = Runs(Contestant(label, None), test_accs=accs)
        >>> print(scoreboard(r, "base", "test_acc"))  # doctest: +NORMALIZE_WHITESPACE
        contestant  peak lr  test acc %  − base (95% CI), pp  wins  sign test p  verdict
        b                         96.67  +1.33 (-0.10 to +2.77)   3/3         0.25  tie (CI covers 0)
        base                      95.33  (the baseline)
    """
    from .compare import compare_runs

    if metric not in ("val_acc", "test_acc"):
        raise ValueError(f"A scoreboard compares accuracies: metric must be 'val_acc' or 'test_acc', got {metric!r}.")
    comparisons = sorted((compare_runs(result, baseline, label, metric) for label in result.runs),
                         key=lambda c: c.b.mean(), reverse=True)
    return scoreboard_table(comparisons, metric.removesuffix("_acc"),
                            {label: lr for label, (lr, _) in result.tuning.items()})
