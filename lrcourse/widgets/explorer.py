"""The schedule explorer: sliders for one scheduler's arguments, plotting torch's own rate live.

The work behind every slider is a pure function,
:func:`~lrcourse.curves.explorer_curve`, which steps the real torch scheduler,
so every plotted value is torch's. The controls come from the scheduler's
spec in :data:`~lrcourse.specs.SPECS`.
"""
from __future__ import annotations

import contextlib
import html
import traceback

import ipywidgets as W
import numpy as np

from ..curves import explorer_curve
from ..plots import PALETTE
from ..recipe import check_budget
from ..specs import SPECS, spec_params
from .base import STYLE, Panel, button, control_layout, message_html
from .figure import LiveFigure
from .picker import ScheduleModel, SchedulePicker

__all__ = ["ScheduleExplorer", "explore_schedule"]


class ScheduleExplorer(Panel):
    r"""Sliders for one scheduler's arguments, plotting torch's own rate live.

    Build it with :func:`explore_schedule`. Change a control and the curve
    is recomputed with :func:`~lrcourse.curves.explorer_curve` and redrawn in
    place. Invalid combinations show a readable message and keep the last
    good curve.

    Args:
        name (str): a scheduler from :data:`~lrcourse.specs.SPECS`. Default: ``"OneCycleLR"``.
        lr (float): the optimizer's initial rate. Default: ``0.1``.
        num_epochs (int): epochs in the run. Default: ``30``.
        steps_per_epoch (int): batches per epoch. Default: ``10``.
        x_axis (str): ``"epochs"`` or ``"batches"``. Default: ``"epochs"``.
        log (bool): a log-scale rate axis. Default: ``False``.
        optimizer (str): a name from :data:`~lrcourse.optim.OPTIMIZERS`; it
            decides what the momentum panel shows. Default: ``"sgd_momentum"``.
        figsize (tuple): the figure's width and height in inches (100 pixels each), beside the
            controls. Default: ``(4.8, 4.4)``.
        below_controls, below_figure (sequence of widgets): what a panel built
            around the explorer shows under its controls and under its figure. Default: none.
        **params: starting values of the scheduler's own arguments.

    Attributes:
        model (ScheduleModel): the schedule shown (name, params, lr, optimizer),
            which :attr:`picker` shows and a panel built around the explorer can read or link to.
        picker (SchedulePicker): the scheduler, its arguments, lr and optimizer.
        controls (dict): every control by name: ``name`` (the scheduler), ``lr``,
            ``num_epochs``, ``steps_per_epoch``, ``x_axis``, ``log``, ``optimizer``
            and the scheduler's arguments.
        buttons (dict): ``pin`` and ``reset``.
        message (ipywidgets.HTML): what went wrong, or a description of the curve.
        curve (dict): the last curve plotted (see :func:`~lrcourse.curves.explorer_curve`).
        lines (dict): the plotted data: ``lr``, ``momentum``, ``val_loss``,
            ``reductions``, and ``pin 1``, ``pin 2``, ... for pinned curves.

    Example:
        >>> ex = ScheduleExplorer("StepLR")
        >>> ex.set(gamma=0.25)
        >>> bool(ex.lines["lr"][1][-1] == explorer_curve("StepLR", {"gamma": 0.25})["lr"][-1])
        True
    """

    def __init__(self, name: str = "OneCycleLR", lr: float = 0.1, num_epochs: int = 30,
                 steps_per_epoch: int = 10, x_axis: str = "epochs", log: bool = False,
                 optimizer: str = "sgd_momentum", figsize=(4.8, 4.4), below_controls=(), below_figure=(),
                 **params):
        if x_axis not in ("epochs", "batches"):
            raise ValueError(f"x_axis must be 'epochs' or 'batches', got {x_axis!r}.")
        check_budget(num_epochs, steps_per_epoch)
        self.model = ScheduleModel(name, params, lr, optimizer)  # bad names and values fail here
        super().__init__(LiveFigure(2, figsize=figsize))
        self._initial = dict(name=name, lr=lr, num_epochs=num_epochs, steps_per_epoch=steps_per_epoch,
                             x_axis=x_axis, log=log, optimizer=optimizer, params=params)
        self._budget: tuple | None = None
        self.picker = SchedulePicker(self.model, hold=self._new_scheduler)
        self._run = {
            "num_epochs": W.IntSlider(value=num_epochs, min=1, max=max(300, num_epochs), description="num_epochs",
                                      style=STYLE, layout=control_layout()),
            "steps_per_epoch": W.IntSlider(value=steps_per_epoch, min=1, max=max(500, steps_per_epoch),
                                           description="steps_per_epoch", style=STYLE, layout=control_layout()),
            "x_axis": W.Dropdown(options=["epochs", "batches"], value=x_axis, description="x axis", style=STYLE,
                                 layout=control_layout()),
            "log": W.Checkbox(value=log, description="log-scale lr", indent=False, layout=W.Layout(width="auto")),
        }
        self.buttons = {"pin": button("pin this curve", "thumb-tack"), "reset": button("reset", "undo")}
        self._cache: tuple | None = None
        self._curve: dict | None = None
        self._pins: list = []
        live = self.figure
        self._ax, self._ax_mom = live.axes
        self._line = live.add_line("lr", 0, color=PALETTE[0], lw=2, label="current")
        self._mom_line = live.add_line("momentum", 1, color=PALETTE[1], lw=1.5)
        self._val_line = live.add_line("val_loss", 1, color=PALETTE[2], lw=1.5)
        self._reductions = live.add_line("reductions", 1, [], [], "v", color=PALETTE[1], ms=8,
                                         label="reduction fires")

        self.model.observe(self.on_change, ["params", "lr", "optimizer"])
        self.watch(*self._run.values())
        self.buttons["pin"].on_click(lambda _: self.pin())
        self.buttons["reset"].on_click(lambda _: self.reset())
        r = self._run
        self.arrange([self.picker, r["num_epochs"], r["steps_per_epoch"], r["x_axis"],
                      W.HBox([r["log"], self.buttons["pin"], self.buttons["reset"]]), *below_controls],
                     side=below_figure)
        with self.holding():
            if SPECS[name].length_param not in params:
                self._sync_length()

    # ---- controls
    @property
    def controls(self) -> dict:
        """Every control by name: the picker's (``name``, the scheduler's arguments, ``lr``, ``optimizer``) and the run's."""
        c = self.picker.controls  # the scheduler's arguments last: set after the run's length, they win over it
        return {"name": c["name"], "lr": c["lr"], **self._run, "optimizer": c["optimizer"], **self.picker.params}

    @contextlib.contextmanager
    def _new_scheduler(self):
        """The picker builds a new scheduler's controls in here: its run length follows the run, then one redraw."""
        with self.holding():
            yield
            self._sync_length()

    def _sync_length(self):
        """OneCycleLR's ``total_steps`` follows the run: every batch of num_epochs x steps_per_epoch."""
        w = self.picker.params.get(SPECS[self.model.name].length_param)
        if w is None:
            return
        total = self._run["num_epochs"].value * self._run["steps_per_epoch"].value
        w.max = max(w.max, total)
        w.value = total
        w.disabled = self._budget is not None

    def on_change(self, change=None):
        """A control moved: keep ``total_steps`` on the run's length, then redraw (once)."""
        owner = (change or {}).get("owner")
        if owner is self._run["num_epochs"] or owner is self._run["steps_per_epoch"]:
            with self.holding():
                self._sync_length()
        else:
            super().on_change(change)

    def settings(self) -> dict:
        """The current values: ``name``, ``params`` (the scheduler's arguments) and the common controls.

        Example:
            >>> ScheduleExplorer("StepLR").settings()["params"]
            {'step_size': 10, 'gamma': 0.5}
        """
        m = self.model
        return {"name": m.name, "params": dict(m.params), "lr": m.lr, "optimizer": m.optimizer,
                **{k: w.value for k, w in self._run.items()}}

    def set(self, **values) -> None:
        r"""Move controls (``name``, the common ones, the scheduler's arguments), then redraw once.

        Raises:
            ValueError: for an unknown control, or one that :meth:`lock_budget` locked.

        Example:
            >>> ex = ScheduleExplorer("StepLR")
            >>> ex.set(name="ExponentialLR", gamma=0.8, num_epochs=10)
            >>> len(ex.curve["lr"]), round(float(ex.curve["lr"][-1]), 4)
            (100, 0.0134)
        """
        if self._budget is not None:
            name = values.get("name", self.model.name)
            locked = {"num_epochs": self._budget[0], "steps_per_epoch": self._budget[1]}
            if SPECS.get(name) and SPECS[name].length_param:
                locked[SPECS[name].length_param] = self._budget[0] * self._budget[1]
            moved = [k for k, v in values.items() if k in locked and v != locked[k]]
            if moved:
                raise ValueError(f"{', '.join(moved)} is locked to the budget "
                                 f"({self._budget[0]} epochs of {self._budget[1]} batches).")
        super().set(**values)

    def lock_budget(self, num_epochs: int, steps_per_epoch: int, show: bool = True) -> None:
        r"""Fix the run's length: set ``num_epochs`` and ``steps_per_epoch``, disable them, keep them on reset.

        OneCycleLR's ``total_steps`` is then every batch of that budget, shown
        but not movable, for this and every scheduler picked later.

        Args:
            show (bool): keep the two locked sliders on screen. Default: ``True``
                (``False`` leaves saying the budget to the message).

        Example:
            >>> ex = ScheduleExplorer("OneCycleLR")
            >>> ex.lock_budget(2, 3)
            >>> ex.controls["total_steps"].value, ex.controls["num_epochs"].disabled
            (6, True)
        """
        check_budget(num_epochs, steps_per_epoch)
        self._budget = (num_epochs, steps_per_epoch)
        self._initial.update(num_epochs=num_epochs, steps_per_epoch=steps_per_epoch)
        self.model.length_from_run = True
        with self.holding():
            for key, value in (("num_epochs", num_epochs), ("steps_per_epoch", steps_per_epoch)):
                w = self._run[key]
                w.max = max(w.max, value)
                w.value = value
                w.disabled = True
                w.layout.display = None if show else "none"
            self._sync_length()

    # ---- drawing
    @property
    def curve(self) -> dict | None:
        """The last curve plotted: :func:`~lrcourse.curves.explorer_curve` of the settings it showed."""
        return self._curve

    def _compute(self) -> dict:
        s = self.settings()
        key = repr((s["name"], sorted(s["params"].items()), s["lr"], s["num_epochs"],
                    s["steps_per_epoch"], s["optimizer"]))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, explorer_curve(s["name"], s["params"], s["lr"], s["num_epochs"],
                                               s["steps_per_epoch"], s["optimizer"]))
        return self._cache[1]

    def _x(self, c: dict) -> np.ndarray:
        """Where the curve's batches lie: on the epoch axis (epoch 1 first), or batches counted from 1."""
        return c["epoch"] if self._run["x_axis"].value == "epochs" else np.arange(1, len(c["epoch"]) + 1)

    def update(self):
        """Recompute the curve from the controls and redraw; show errors as a message."""
        try:
            c = self._compute()
        except ValueError as err:
            self.message.value = message_html(f"Not a valid schedule: {err}", error=True)
            return
        except Exception as err:  # shown to the learner, never swallowed
            self.message.value = message_html(
                f"Unexpected error ({type(err).__name__}): {err}\n{traceback.format_exc(limit=-2)}", error=True)
            return
        self._curve = c
        x = self._x(c)
        self._line.set_data(x, c["lr"])
        name = self.model.name
        show_mom = SPECS[name].cycles_momentum and bool(self.model.params.get("cycle_momentum"))
        explained = ""
        ax, ax_mom = self._ax, self._ax_mom
        if SPECS[name].on_metric:
            first = x[::self._run["steps_per_epoch"].value]  # the first batch of each epoch
            self._val_line.set_data(first, c["val_loss"])
            fired = [t for t in c["trace"] if t["reduced"]]
            # the metric of epoch e is plotted where epoch e starts; its reduction starts with epoch e + 1
            self._reductions.set_data([first[t["epoch"] - 1] for t in fired], [t["metric"] for t in fired])
            explained = "<br>".join(html.escape(t["why"]) for t in fired) or "No reduction fires on this curve."
            self._mom_line.set_data([], [])
            ax_mom.set_ylabel("val loss (given)")
        else:
            self._val_line.set_data([], [])
            self._reductions.set_data([], [])
            self._mom_line.set_data(*((x, c["momentum"]) if show_mom else ([], [])))
            label = "beta1" if self.model.optimizer == "adam" else "momentum"
            ax_mom.set_ylabel(label if show_mom else f"{label} (not cycled)")
        log = self._run["log"].value
        if (ax.get_yscale() == "log") != log:
            from matplotlib.ticker import LogLocator, MaxNLocator

            ax.set_yscale("log" if log else "linear")
            ax.yaxis.set_major_locator(LogLocator(numticks=5) if log else MaxNLocator(4))
        ax.set_ylabel("learning rate")
        xlabel = "epoch" if self._run["x_axis"].value == "epochs" else "step (batch)"
        ax_mom.set_xlabel(xlabel)
        if not ax_mom.get_visible():
            ax.set_xlabel(xlabel)
        for pin, curve in self._pins:
            pin.set_data(self._x(curve), curve["lr"])
        self._show_lower(SPECS[name].on_metric or bool(show_mom))
        self.figure.redraw()
        lr = c["lr"]
        title = SPECS[name].title or name
        self.message.value = message_html(
            f"{title}, stepped per {c['step_per']}: torch's lr at each of {len(lr)} batches, "
            f"from {lr[0]:.3g} to {lr[-1]:.3g} (min {lr.min():.3g}, max {lr.max():.3g})", error=False)
        if explained:
            self.message.value += f"<div style='font-family:monospace; font-size:12px'>{explained}</div>"

    def _show_lower(self, show: bool):
        """Show the lower panel (momentum or validation loss) only when it has something to show."""
        ax, ax_mom = self._ax, self._ax_mom
        if ax_mom.get_visible() == show:
            return
        if not hasattr(self, "_boxes"):
            top, bottom = ax.get_position(), ax_mom.get_position()
            full = top.frozen()
            full.y0 = bottom.y0
            self._boxes = (top.frozen(), full)
        ax_mom.set_visible(show)
        ax.set_position(self._boxes[0] if show else self._boxes[1])
        ax.tick_params(labelbottom=not show)
        ax.set_xlabel("" if show else ax_mom.get_xlabel())

    def pin(self) -> None:
        """Overlay the current curve, dashed, so the next one can be compared with it."""
        if self._curve is None:
            return
        s = self.settings()
        colour = PALETTE[(len(self._pins) + 2) % len(PALETTE)]
        label = s["name"] + " " + ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                            for k, v in s["params"].items())
        pin = self.figure.add_line(f"pin {len(self._pins) + 1}", self._ax, *self._line.get_data(), ls="--",
                                   lw=1.2, color=colour, label=label[:60])
        self._pins.append((pin, self._curve))
        self._ax.legend(loc="best", fontsize="x-small")
        self.figure.redraw()

    def reset(self) -> None:
        """Remove the pins and put every control back to its starting value (a locked budget stays)."""
        for i in range(len(self._pins)):
            self.figure.remove_line(f"pin {i + 1}")
        self._pins = []
        legend = self._ax.get_legend()
        if legend is not None:
            legend.remove()
        init = self._initial
        with self.holding():
            for key, w in self._run.items():
                w.value = init[key]
            self.set(name=init["name"], lr=init["lr"], optimizer=init["optimizer"])
            values, length = spec_params(init["name"], init["params"]), SPECS[init["name"]].length_param
            follows = length and (length not in init["params"] or self._budget is not None)
            self.set(**{k: v for k, v in values.items() if not (follows and k == length)})
            if follows:
                self._sync_length()


def explore_schedule(name: str = "OneCycleLR", **kwargs) -> ScheduleExplorer:
    r"""Explore a learning-rate schedule with live sliders: one call per notebook cell.

    Args:
        name (str): a scheduler from :data:`~lrcourse.specs.SPECS`: every class in
            ``torch.optim.lr_scheduler``, a warmup chain (``"SequentialLR"``),
            and lrcourse's ``"TimeBasedLR"`` and ``"WallClockLR"``. The
            dropdown switches between them. Default: ``"OneCycleLR"``.
        **kwargs: starting values: ``lr``, ``num_epochs``, ``steps_per_epoch``,
            ``x_axis`` (``"epochs"`` or ``"batches"``), ``log``, ``optimizer``
            (a name from :data:`~lrcourse.optim.OPTIMIZERS`), and any of the
            scheduler's own arguments.

    Example:
        >>> ex = explore_schedule("StepLR", step_size=5, gamma=0.5)
        >>> ex.settings()["params"]
        {'step_size': 5, 'gamma': 0.5}
    """
    return ScheduleExplorer(name, **kwargs)
