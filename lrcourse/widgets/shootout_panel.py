"""The shoot-out panel: the schedule explorer with an **Add to shoot-out** button.

Your schedule races the others: the explorer's budget is locked to the
shoot-out's (:meth:`~lrcourse.widgets.explorer.ScheduleExplorer.lock_budget`),
so the curve shown is the rate your contestant trains with, and
:meth:`~lrcourse.shootout.ShootoutResult.add` trains it over the same seeds,
initial weights and data order as every other contestant.
"""
from __future__ import annotations

import html

import ipywidgets as W

from ..optim import optimizer_label
from ..plots import plot_leaderboard
from ..results import Row
from ..tables import leaderboard_html
from .base import Panel, button, in_kernel, message_html
from .figure import LiveFigure
from .explorer import ScheduleExplorer

__all__ = ["ShootoutPanel", "shootout_panel"]


class ShootoutPanel(Panel):
    r"""The schedule explorer with an **Add to shoot-out** button: your schedule races the others.

    The explorer's sliders set a scheduler; its ``num_epochs`` and
    ``steps_per_epoch`` are locked to the shoot-out's budget, so the curve
    shown is the rate your contestant will train with. **Add to shoot-out**
    trains it with the explorer's settings over the shoot-out's seeds, from
    the same initial weights and with the same data order as every other
    contestant (:meth:`~lrcourse.shootout.ShootoutResult.add`), and appends its
    row to the leaderboard table and plot. The optimizer is a name from
    :data:`~lrcourse.optim.OPTIMIZERS` (default ``"sgd_momentum"``: SGD with
    momentum 0.9), at the explorer's initial ``lr``. Build it with
    :func:`shootout_panel`.

    Args:
        result (ShootoutResult): what :func:`~lrcourse.shootout.shootout` returned.
        name (str): the starting scheduler. Default: ``"OneCycleLR"``.
        lr (float): the starting initial rate. Default: ``0.05``.
        optimizer (str): a name from :data:`~lrcourse.optim.OPTIMIZERS`. Default: ``"sgd_momentum"``.
        **params: starting values of the scheduler's own arguments.

    Attributes:
        explorer (ScheduleExplorer): the sliders and the LR curve; ``controls``,
            ``settings()`` and ``set()`` are the explorer's.
        model (ScheduleModel): the explorer's schedule, which the next contestant races with.
        buttons (dict): ``add``.
        added (list of str): the labels of the contestants added here.
        settings_of (dict): ``{label: the optimizer and scheduler it raced with}``.
        message (ipywidgets.HTML): the state of the last race; ``board`` the
            leaderboard; ``progress`` the runs done.

    Example:
        >>> import torch
        >>> from lrcourse.data import MNISTData, Split
        >>> from lrcourse.models import MnistCNN
        >>> from lrcourse.shootout import ShootoutResult
        >>> x, y = torch.randn(96, 1, 28, 28), torch.arange(96) % 10
        >>> tiny = MNISTData(Split(x[:64], y[:64]), Split(x[64:80], y[64:80]), Split(x[80:], y[80:]), "demo", None)
        >>> result = ShootoutResult(tiny, (0,), 2, 32, 0.5, model_fn=lambda: MnistCNN(width=2))
        >>> panel = ShootoutPanel(result, "StepLR", step_size=1)
        >>> row = panel.add(blocking=True)
        >>> row.label, len(result.histories[row.label])
        ('yours 1: StepLR', 1)
    """

    def __init__(self, result, name: str = "OneCycleLR", lr: float = 0.05, optimizer: str = "sgd_momentum",
                 **params):
        if result.data is None:
            raise ValueError("The shoot-out has no data: build it with shootout(...) first.")
        super().__init__(LiveFigure(1, figsize=(4.8, 2.3), left=1.7))
        self.result = result
        spe = result.steps_per_epoch
        self.buttons = {"add": button("Add to shoot-out", "flag-checkered", button_style="success")}
        self.progress = W.IntProgress(value=0, min=0, max=len(result.seeds), description="runs",
                                      layout=W.Layout(width="170px"))
        self.board = W.HTML(layout=W.Layout(max_height="110px", overflow="auto"))
        self.added: list[str] = []
        self.settings_of: dict[str, str] = {}
        self.buttons["add"].on_click(lambda _: self.add())
        # one screen: the Add button under the explorer's controls, the leaderboard under its curve
        self.explorer = ScheduleExplorer(name, lr=lr, num_epochs=result.num_epochs, steps_per_epoch=spe,
                                         x_axis="epochs", optimizer=optimizer, figsize=(4.8, 2.6),
                                         below_controls=[W.HBox([self.buttons["add"], self.progress])],
                                         below_figure=[self.figure.canvas], **params)
        # the budget is the shoot-out's: set, then locked (the message says it instead of two sliders)
        self.explorer.lock_budget(result.num_epochs, spe, show=False)
        self.model = self.explorer.model  # the schedule the next contestant races with
        self.children = [self.explorer, self.message, self.board]
        self.message.value = message_html(
            f"The budget is the shoot-out's: {result.num_epochs} epochs of {spe} batches, for every contestant.")
        self.update()

    # ---- the explorer's controls
    @property
    def controls(self) -> dict:
        """The explorer's controls."""
        return self.explorer.controls

    def settings(self) -> dict:
        """The explorer's settings: the schedule the next contestant races with."""
        return self.explorer.settings()

    def set(self, **values) -> None:
        """Move the explorer's controls (the budget is locked); see :meth:`ScheduleExplorer.set`."""
        self.explorer.set(**values)

    # ---- racing
    def contestant(self):
        r"""The :class:`~lrcourse.shootout.Contestant` the explorer's current settings describe.

        Raises:
            ValueError: when the settings are not a valid schedule (the explorer says why).
        """
        from ..shootout import Contestant

        r = self.model.recipe(self.result.num_epochs, self.result.steps_per_epoch).check()  # fails before training
        label = f"yours {len(self.added) + 1}: {r.name}"
        while label in self.result.runs:
            label += "'"
        self.settings_of[label] = f"{optimizer_label(r.optimizer, r.lr)}, {r.describe()}"
        return Contestant(label, r.make_optimizer, r.make_scheduler, step_per=r.step_per)

    def add(self, blocking: bool | None = None) -> Row | None:
        r"""Race the explorer's current schedule over the shoot-out's seeds and add its row.

        Args:
            blocking (bool, optional): wait for the runs to end. Default: wait
                only outside a Jupyter kernel (in JupyterLab the runs go on in a
                background thread and the table updates when they are done; see :meth:`wait`).

        Returns:
            Row: the new leaderboard :class:`~lrcourse.results.Row` when blocking, else ``None``.
        """
        if self.busy:
            self.message.value = message_html("A contestant is already racing: wait for it.", error=True)
            return None
        try:
            contestant = self.contestant()
        except ValueError as err:
            self.message.value = message_html(f"Not a valid schedule: {err}", error=True)
            return None
        seeds = self.result.seeds
        self.progress.max, self.progress.value = len(seeds), 0
        self.buttons["add"].disabled = True
        label = contestant.label
        self.message.value = message_html(
            f"Racing {label}: {self.settings_of[label]}, {len(seeds)} seeds ...", error=False)
        out: dict = {}

        def on_run(label, seed, history):
            self.progress.value += 1

        def work():
            try:
                out["row"] = row = self.result.add(contestant, on_run=on_run)
                self.added.append(label)
                self.message.value = message_html(
                    f"{label} ({self.settings_of[label]}): {row.split_name} accuracy "
                    f"{100 * row.acc_mean:.2f} ± {100 * row.acc_std:.2f} % over {row.seeds} seeds.", error=False)
            except Exception as err:  # shown to the learner, never swallowed
                self.settings_of.pop(label, None)
                self.message.value = message_html(f"{label} failed: {err}", error=True)
            finally:
                self.buttons["add"].disabled = False
                self.update()

        blocking = not in_kernel() if blocking is None else blocking
        self.start_work(work, blocking)
        return out.get("row") if blocking else None

    def update(self):
        """Redraw the leaderboard table and plot from the shoot-out's results."""
        rows = self.result.leaderboard()
        self.board.value = leaderboard_html(rows, self.result.target_acc, self.added)
        if self.added:
            self.board.value += "<div style='font-size:12px'>" + "<br>".join(
                f"{html.escape(k)}: {html.escape(self.settings_of[k])}" for k in self.added) + "</div>"
        ax = self.figure.axes[0]
        ax.cla()
        plot_leaderboard(rows, ax=ax, highlight=self.added)
        ax.tick_params(axis="y", labelsize="x-small")
        self.figure.redraw(rescale=False)


def shootout_panel(result, name: str = "OneCycleLR", **kwargs) -> ShootoutPanel:
    r"""Add your own contestant to a shoot-out, from the schedule explorer's sliders.

    Args:
        result (ShootoutResult): what :func:`~lrcourse.shootout.shootout` returned.
        name (str): the starting scheduler, from :data:`~lrcourse.specs.SPECS`. Default: ``"OneCycleLR"``.
        **kwargs: starting values: ``lr`` (default ``0.05``), ``optimizer`` (a name
            from :data:`~lrcourse.optim.OPTIMIZERS`; default ``"sgd_momentum"``, SGD
            with momentum 0.9), and any of the scheduler's own arguments.

    Example:
        >>> import torch
        >>> from lrcourse.data import MNISTData, Split
        >>> from lrcourse.shootout import ShootoutResult
        >>> x, y = torch.randn(40, 1, 28, 28), torch.arange(40) % 10
        >>> tiny = MNISTData(Split(x[:20], y[:20]), Split(x[20:30], y[20:30]), Split(x[30:], y[30:]), "demo", None)
        >>> panel = shootout_panel(ShootoutResult(tiny, (0, 1, 2), 5, 10, 0.9), "CyclicLR", max_lr=0.2)
        >>> panel.settings()["params"]["max_lr"], panel.controls["steps_per_epoch"].disabled
        (0.2, True)
    """
    return ShootoutPanel(result, name, **kwargs)
