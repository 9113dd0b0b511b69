"""The train-live panel: pick a schedule, click Train, and watch loss, accuracy and rate update live.

Training is :func:`~lrcourse.train.fit`, the course's one loop; the optimizer
and the scheduler are built, and the scheduler stepped, as the picked
schedule's recipe says (:meth:`~lrcourse.widgets.picker.ScheduleModel.recipe`). Runs go into a leaderboard rendered by
:mod:`lrcourse.tables`, where they can be compared and re-plotted.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np

from .. import train as training
from ..plots import PALETTE
from ..specs import SPECS, spec_params
from ..tables import RUN_COLUMNS, render_html
from .base import STYLE, Panel, button, control_layout, in_kernel, message_html
from .figure import LiveFigure
from .picker import ScheduleModel, SchedulePicker

__all__ = ["PROBLEMS", "Run", "TrainPanel", "train_live"]

#: the problems the train-live panel offers: the tutorials' four points (full batch),
#: a noisy y = 2x with 256 points (batches of 32), and the MNIST CNN
PROBLEMS = ("y=2x (x=1..4)", "y=2x", "MNIST CNN")

_METRIC = {"MNIST CNN": "val accuracy", "y=2x": "val loss", "y=2x (x=1..4)": "loss, 4 points"}
_SERIES = ("loss", "metric", "lr")
_NO_RUNS = "No runs yet: pick a schedule and click Train."


@dataclass
class Run:
    """One finished run of the train-live panel: its settings and what fit recorded.

    Example:
        >>> Run("#1 y=2x StepLR", {"lr": 0.1}).error
        ''
    """

    label: str
    settings: dict
    history: Any = None
    error: str = ""


def _series(history, problem: str):
    steps = np.arange(1, history.num_steps + 1)
    ep = np.asarray(history.epochs["epoch"], dtype=float) * history.steps_per_epoch
    metric = history.epochs["val_acc"] if problem == "MNIST CNN" else history.epochs["val_loss"]
    metric = [np.nan if v is None else v for v in metric]
    return (steps, history.loss), (ep, metric), (steps, history.lr)


class TrainPanel(Panel):
    r"""Pick a schedule, click Train, and watch loss, accuracy and rate update live.

    Runs go into a leaderboard, where they can be compared and re-plotted.
    Training runs in a background thread in JupyterLab, so the Stop button
    works; a diverging run is shown as divergence, not as an exception.
    Build it with :func:`train_live`.

    Args:
        problem (str): one of :data:`PROBLEMS`. Default: ``"y=2x"``.
        schedule (str): a scheduler from :data:`~lrcourse.specs.SPECS`. Default: ``"StepLR"``.
        lr (float, optional): the initial rate. Default: ``0.05`` on MNIST, else ``0.1``.
        num_epochs (int, optional): epochs per run. Default: ``3`` on MNIST, else ``20``.
        optimizer (str): a name from :data:`~lrcourse.optim.OPTIMIZERS`. Default: ``"sgd"`` (plain SGD).
        seed (int): the seed of every run. Default: ``0``.
        device (optional): where to train. Default: :func:`~lrcourse.device.pick_device`'s choice.
        auto_train (bool): retrain at once whenever a control moves (y = 2x problems only). Default: ``False``.
        **params: starting values of the scheduler's own arguments.

    Attributes:
        controls (dict): ``problem``, ``name`` (the scheduler), ``lr``, ``num_epochs``,
            ``optimizer`` and the scheduler's arguments (OneCycleLR's ``total_steps``
            is every batch of the run, so it is no control here).
        buttons (dict): ``train``, ``stop`` and ``clear``.
        runs (list of Run): every finished run, in order.
        message (ipywidgets.HTML): the state of the last run; ``board`` the
            leaderboard; ``progress`` the progress bar.
        lines (dict): the plotted data: ``loss``, ``metric``, ``lr`` of the latest
            run, and ``"<run label>: loss"`` etc. for re-plotted runs.

    Example:
        >>> panel = TrainPanel("y=2x", "StepLR", num_epochs=3)
        >>> run = panel.train(blocking=True)
        >>> len(panel.runs), run.history.num_steps > 0
        (1, True)
    """

    def __init__(self, problem: str = "y=2x", schedule: str = "StepLR", lr: float | None = None,
                 num_epochs: int | None = None, optimizer: str = "sgd", seed: int = 0,
                 device=None, auto_train: bool = False, **params):
        if problem not in PROBLEMS:
            raise ValueError(f"problem must be one of {PROBLEMS}, got {problem!r}.")
        if schedule not in SPECS:
            raise ValueError(f"The panel has no scheduler {schedule!r}. Choose one of: {', '.join(SPECS)}.")
        spec_params(schedule, params, skip=(SPECS[schedule].length_param,))  # bad arguments fail here
        if auto_train and problem == "MNIST CNN":
            raise ValueError("auto_train retrains on every slider move: use it with the y=2x problems.")
        mnist = problem == "MNIST CNN"
        # the panel sets OneCycleLR's total_steps from the run: no control for it
        self.model = ScheduleModel(schedule, params, lr or (0.05 if mnist else 0.1), optimizer, length_from_run=True)
        super().__init__(LiveFigure(3, figsize=(4.8, 4.6)))
        self.auto_train = False  # switched on at the end, once every control exists
        self.device, self.seed = device, seed
        self.picker = SchedulePicker(self.model, lr_range=(-4, 1), skip_length=True, hold=self.holding)
        self._problem = W.Dropdown(options=PROBLEMS, value=problem, description="problem", style=STYLE,
                                   layout=control_layout())
        self._epochs = W.IntSlider(value=num_epochs or (3 if mnist else 20), min=1, max=30 if mnist else 200,
                                   description="num_epochs", style=STYLE, layout=control_layout())
        self.buttons = {"train": button("Train", "play", button_style="success"),
                        "stop": button("Stop", "stop", button_style="danger", disabled=True),
                        "clear": button("clear runs", "trash")}
        self.progress = W.IntProgress(value=0, min=0, max=1, description="progress", style=STYLE,
                                      layout=control_layout())
        self.board = W.HTML(layout=W.Layout(max_height="110px", overflow="auto", flex="1 1 auto"))
        self._show_runs = W.SelectMultiple(options=[], description="re-plot runs", style=STYLE, rows=4,
                                           layout=W.Layout(width="250px", flex="0 0 auto"))
        ax_loss, _, ax_lr = self.figure.axes
        ax_loss.set_ylabel("train loss")
        ax_lr.set_ylabel("learning rate")
        ax_lr.set_xlabel("step (batch)")
        self._hint = ax_loss.text(0.5, 0.5, "pick a schedule and click Train", ha="center",
                                  va="center", transform=ax_loss.transAxes, color="#555555")
        self.runs: list[Run] = []
        self._stop = False
        self._current: list = []  # the latest run's lines: loss, metric, lr
        self._replotted: list[str] = []

        self.model.observe(self.on_change, ["params", "lr", "optimizer"])
        self._problem.observe(self._on_problem, "value")
        self.watch(self._epochs)
        self.buttons["train"].on_click(lambda _: self.train())
        self.buttons["stop"].on_click(lambda _: self.stop())
        self.buttons["clear"].on_click(lambda _: self.clear())
        self._show_runs.observe(lambda _: self._draw_replots(), "value")
        self.arrange([self._problem, self.picker, self._epochs, W.HBox(list(self.buttons.values())), self.progress],
                     below=[W.HBox([self.board, self._show_runs])])
        with self.holding():
            if auto_train:
                self.buttons["train"].layout.display = "none"
                self._problem.options = [p for p in PROBLEMS if p != "MNIST CNN"]
                self._problem.value = problem
        self._render_board()
        if auto_train:
            self.auto_train = True
            self.train(blocking=True)

    # ---- controls
    @property
    def controls(self) -> dict:
        """``problem``, ``name``, ``lr``, ``num_epochs``, ``optimizer`` and the scheduler's arguments."""
        c = self.picker.controls
        return {"problem": self._problem, "name": c["name"], "lr": c["lr"], "num_epochs": self._epochs,
                "optimizer": c["optimizer"], **self.picker.params}

    def _on_problem(self, change):
        mnist = change["new"] == "MNIST CNN"
        with self.holding():
            self._epochs.max = 30 if mnist else 200
            self._epochs.value = 3 if mnist else 20
            self.model.lr = 0.05 if mnist else 0.1

    def settings(self) -> dict:
        """The current choices: ``problem``, ``name``, ``params``, ``lr``, ``num_epochs`` and ``optimizer``.

        Example:
            >>> TrainPanel("y=2x", "StepLR").settings()["params"]
            {'step_size': 10, 'gamma': 0.5}
        """
        m = self.model
        return {"problem": self._problem.value, "name": m.name,
                "params": {k: w.value for k, w in self.picker.params.items()},
                "lr": m.lr, "num_epochs": self._epochs.value, "optimizer": m.optimizer}

    def set(self, **values) -> None:
        r"""Move controls (a new ``problem`` and ``name`` first); with ``auto_train``, retrain once.

        Example:
            >>> panel = TrainPanel("y=2x", "StepLR")
            >>> panel.set(name="ExponentialLR", gamma=0.8, lr=0.05)
            >>> panel.settings()["params"], panel.settings()["lr"]
            ({'gamma': 0.8}, 0.05)
        """
        name = values.get("name", self.model.name)
        length = SPECS[name].length_param if name in SPECS else ""
        if length in values:
            raise ValueError(f"{length} is set from the run here: every batch of num_epochs.")
        super().set(**values)

    def update(self):
        """Label the axes for the problem; with ``auto_train``, retrain at once (replacing the run)."""
        self.figure.axes[1].set_ylabel(_METRIC[self._problem.value])
        if self.auto_train and self._problem.value != "MNIST CNN":
            self.runs = []
            self.train(blocking=True)

    # ---- training
    def _setup(self, s: dict):
        from ..data import linear_data, load_mnist, noisy_linear_data
        from ..device import pick_device, seed_everything
        from ..models import MnistCNN, linear_model

        device = self.device or pick_device()
        generator = seed_everything(self.seed)
        if s["problem"] == "MNIST CNN":
            train = load_mnist(device, verbose=False)
            model, batch_size, val = MnistCNN(width=16), 64, None
        elif s["problem"] == "y=2x (x=1..4)":  # the tutorials' example: full batch, no split
            train = val = linear_data(device)
            model, batch_size = linear_model(), None
        else:
            train = noisy_linear_data(256, device=device)
            val = noisy_linear_data(64, seed=1, device=device)
            model, batch_size = linear_model(), 32
        split = train.train if hasattr(train, "train") else train
        steps_per_epoch = split.num_batches(batch_size)
        r = self.model.recipe(s["num_epochs"], steps_per_epoch)
        opt = r.make_optimizer(model.parameters())
        return model, train, val, opt, r.make_scheduler(opt), r.step_per, batch_size, generator, steps_per_epoch

    def train(self, blocking: bool | None = None) -> Run | None:
        r"""Train once with the current settings and add the run to the leaderboard.

        Args:
            blocking (bool, optional): wait for the run to end. Default: wait
                only outside a Jupyter kernel (in JupyterLab it runs in a
                background thread so that Stop can be clicked; see :meth:`wait`).

        Returns:
            Run: the finished run when blocking, else ``None``.
        """
        if self.busy:
            self.message.value = message_html("A run is already going: stop it first.", error=True)
            return None
        s = self.settings()
        label = f"#{len(self.runs) + 1} {s['problem']} {s['name']} lr={s['lr']:.2g} {s['optimizer']}"
        run = Run(label, s)
        try:
            model, train, val, opt, sched, step_per, bs, gen, spe = self._setup(s)
        except ValueError as err:
            self.message.value = message_html(f"Not a valid schedule: {err}", error=True)
            return None
        total = s["num_epochs"] * spe
        self.progress.max, self.progress.value = total, 0
        self._stop = False
        self._start_lines(label)
        every = max(1, total // 60)

        def callback(history):
            self.progress.value = history.num_steps
            self._draw(history, s["problem"], send=False)  # the browser asks for frames as fast as it shows them
            history.stopped = self._stop

        def work():
            try:
                run.history = training.fit(model, train, opt, sched, s["num_epochs"], batch_size=bs, val_data=val,
                                           step_per=step_per, generator=gen, progress=False, callback=callback,
                                           callback_every=every, label=label, verbose=False)
                self._draw(run.history, s["problem"])
            except Exception as err:  # shown to the learner, never swallowed
                run.error = f"{type(err).__name__}: {err}"
            finally:
                self._finish(run)

        self.buttons["train"].disabled, self.buttons["stop"].disabled = True, False
        self.message.value = message_html(f"Training {label} ...", error=False)
        blocking = not in_kernel() if blocking is None else blocking
        self.start_work(work, blocking)
        return run if blocking else None

    def stop(self) -> None:
        """Ask the running training to stop after the current batch."""
        self._stop = True

    def _finish(self, run: Run):
        self.runs.append(run)
        self.buttons["train"].disabled, self.buttons["stop"].disabled = False, True
        h = run.history
        if run.error:
            msg, err = f"{run.label} failed: {run.error}", True
        elif h.state == "diverged":
            msg, err = f"{run.label} diverged: {h.message}", True
        elif h.state == "stopped":
            msg, err = f"{run.label} stopped after {h.num_steps} steps.", False
        else:
            msg, err = f"{run.label} finished: {h.num_steps} steps in {sum(h.epochs['time']):.1f} s.", False
        self.message.value = message_html(msg, error=err)
        self._show_runs.options = [r.label for r in self.runs]
        self._render_board()

    def clear(self) -> None:
        """Forget every run and clear the figure."""
        self.runs = []
        self._show_runs.options = []
        for name in list(self.lines):
            self.figure.remove_line(name)
        self._current, self._replotted = [], []
        self._render_board()
        self.figure.redraw()

    def replot(self, labels=()) -> None:
        """Overlay the runs called ``labels`` (as the 're-plot runs' list does), dashed, one colour each."""
        self._show_runs.value = tuple(labels)

    # ---- drawing
    def _start_lines(self, label: str):
        self._hint.set_visible(False)
        colour = PALETTE[len(self.runs) % len(PALETTE)]
        self._current = [self.figure.add_line(key, ax, color=colour, lw=1.6, label=label)
                         for key, ax in zip(_SERIES, self.figure.axes)]

    def _draw(self, history, problem: str, send: bool = True):
        if not self._current:
            return
        for line, (x, y) in zip(self._current, _series(history, problem)):
            y = np.asarray(y, dtype=float)
            line.set_data(x, np.where(np.isfinite(y), y, np.nan))
        loss = history.loss[np.isfinite(history.loss)]
        spread = len(loss) and loss.min() > 0 and loss.max() / loss.min() > 1e3
        self.figure.axes[0].set_yscale("log" if spread else "linear")  # a diverging loss spans decades
        self.figure.redraw(send=send)

    def _draw_replots(self):
        for name in self._replotted:
            self.figure.remove_line(name)
        self._replotted = []
        for i, run in enumerate(self.runs):
            if run.label not in self._show_runs.value or run.history is None:
                continue
            colour = PALETTE[i % len(PALETTE)]
            series = _series(run.history, run.settings["problem"])
            for key, ax, (x, y) in zip(_SERIES, self.figure.axes, series):
                name = f"{run.label}: {key}"
                self.figure.add_line(name, ax, x, y, color=colour, lw=1, ls="--", label=run.label)
                self._replotted.append(name)
        if self._replotted:
            self.figure.axes[0].legend(loc="best", fontsize="xx-small")
        self.figure.redraw()

    def _render_board(self):
        finished = [r.history for r in self.runs if r.history is not None]
        failed = [f"{r.label}: error: {r.error}" for r in self.runs if r.history is None]
        self.board.value = render_html(finished, RUN_COLUMNS, empty="" if failed else _NO_RUNS) + "".join(
            f"<div style='font-size:12px'>{html.escape(line)}</div>" for line in failed)


def train_live(problem: str = "y=2x", schedule: str = "StepLR", **kwargs) -> TrainPanel:
    r"""A train-live panel: pick a schedule, click Train, watch it learn, compare runs.

    Args:
        problem (str): ``"y=2x (x=1..4)"`` (the tutorials' four points, full batch),
            ``"y=2x"`` (256 noisy points; a run takes milliseconds) or ``"MNIST CNN"``.
            Default: ``"y=2x"``.
        schedule (str): the starting scheduler, from :data:`~lrcourse.specs.SPECS`. Default: ``"StepLR"``.
        **kwargs: starting values: ``lr``, ``num_epochs``, ``optimizer`` (a name from
            :data:`~lrcourse.optim.OPTIMIZERS`: ``"sgd"``, ``"sgd_momentum"`` or ``"adam"``),
            ``seed``, ``auto_train`` (retrain at once whenever a control moves; y = 2x
            problems only), and any of the scheduler's arguments.

    Example:
        >>> panel = train_live("y=2x", "ExponentialLR", gamma=0.8)
        >>> panel.settings()["params"]["gamma"]
        0.8
    """
    return TrainPanel(problem, schedule, **kwargs)
