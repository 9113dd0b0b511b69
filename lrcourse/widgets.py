"""Live widgets: the schedule explorer and the train-live panel.

Each demo is one call from a notebook (``explore_schedule("OneCycleLR")``,
``train_live("y=2x")``). The work behind every slider is a pure function,
:func:`explorer_curve`, which steps the real torch scheduler through
:func:`~lrcourse.curves.schedule_curves`, so every plotted value is torch's.

Figures are built once with ipympl's canvas and updated in place
(``set_data`` then ``draw_idle``): no flicker and no duplicated figures. The
canvas is displayed on its own, so a saved notebook keeps a static PNG of the
initial state for viewers without a kernel (GitHub, nbviewer).
"""
from __future__ import annotations

import math
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from torch.optim import lr_scheduler as torch_sched

from .plots import PALETTE
from .curves import plateau_trace, schedule_curves
from .schedules import TimeBasedLR, WallClockLR, make_scheduler

# --------------------------------------------------------------------------- specs


@dataclass
class Param:
    r"""One scheduler argument as a control: its range, default and unit.

    Args:
        name (str): the scheduler's keyword argument.
        kind (str): ``"int"``, ``"float"``, ``"log"`` (log-scale float),
            ``"choice"``, ``"bool"`` or ``"range"`` (two integers).
        default: the starting value.
        lo, hi, step: the slider's range (for ``"log"``: powers of ten).
        unit (str): ``"epochs"``, ``"steps"`` or ``""``; shown in the label.
        options (tuple): the choices of a ``"choice"`` control.

    Example:
        >>> Param("gamma", "float", 0.5, 0.05, 1.0, 0.05).label()
        'gamma'
    """

    name: str
    kind: str
    default: Any
    lo: float = 0
    hi: float = 1
    step: float = 1
    unit: str = ""
    options: tuple = ()

    def label(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


def _lin_to_zero(T):
    return lambda t: max(0.0, 1.0 - t / T)


def _inverse_time(T):
    return lambda t: 1.0 / (1.0 + 0.1 * t)


def _warmup_then_constant(T):
    w = max(1, T // 10)
    return lambda t: min(1.0, (t + 1) / w)


def _inverse_sqrt(T):
    w = max(1, T // 10)
    return lambda t: min((t + 1) / w, math.sqrt(w / (t + 1)))


#: LambdaLR's ``lr_lambda`` by name; each is built from the number of steps ``T``
NAMED_LAMBDAS: dict[str, Callable[[int], Callable[[int], float]]] = {
    "linear to zero: 1 - t/T": _lin_to_zero,
    "inverse time: 1/(1 + 0.1 t)": _inverse_time,
    "linear warmup (10%), then constant": _warmup_then_constant,
    "warmup (10%), then inverse sqrt": _inverse_sqrt,
}

#: MultiplicativeLR's ``lr_lambda`` (the factor applied at each step) by name
NAMED_MULTIPLIERS: dict[str, Callable[[int], Callable[[int], float]]] = {
    "x 0.95 every step": lambda T: (lambda t: 0.95),
    "x 0.9 every step": lambda T: (lambda t: 0.9),
    "x 0.99 every step": lambda T: (lambda t: 0.99),
    "x 1 for half, then x 0.8": lambda T: (lambda t: 1.0 if t < T // 2 else 0.8),
}

E, S = "epochs", "steps"

#: every scheduler the explorer offers: how it is stepped and its controls
SPECS: dict[str, dict] = {
    "fixed": {"per": "epoch", "title": "fixed rate (no scheduler)", "params": []},
    "StepLR": {"per": "epoch", "params": [
        Param("step_size", "int", 10, 1, 50, 1, E), Param("gamma", "float", 0.5, 0.05, 1.0, 0.05)]},
    "MultiStepLR": {"per": "epoch", "params": [
        Param("milestones", "range", (10, 20), 1, 100, 1, E), Param("gamma", "float", 0.1, 0.05, 1.0, 0.05)]},
    "ConstantLR": {"per": "epoch", "params": [
        Param("factor", "float", 0.5, 0.0, 1.0, 0.05), Param("total_iters", "int", 5, 0, 50, 1, E)]},
    "LinearLR": {"per": "epoch", "params": [
        Param("start_factor", "float", 0.1, 0.01, 1.0, 0.01), Param("end_factor", "float", 1.0, 0.0, 1.0, 0.01),
        Param("total_iters", "int", 10, 0, 100, 1, E)]},
    "ExponentialLR": {"per": "epoch", "params": [Param("gamma", "float", 0.9, 0.05, 1.0, 0.005)]},
    "PolynomialLR": {"per": "epoch", "params": [
        Param("total_iters", "int", 30, 1, 100, 1, E), Param("power", "float", 1.0, 0.1, 5.0, 0.1)]},
    "CosineAnnealingLR": {"per": "epoch", "params": [
        Param("T_max", "int", 30, 1, 200, 1, E), Param("eta_min", "log", 1e-4, -6, -1, 0.1)]},
    "CosineAnnealingWarmRestarts": {"per": "epoch", "params": [
        Param("T_0", "int", 5, 1, 50, 1, E), Param("T_mult", "int", 2, 1, 4, 1),
        Param("eta_min", "log", 1e-4, -6, -1, 0.1)]},
    "CyclicLR": {"per": "batch", "momentum": True, "params": [
        Param("base_lr", "log", 1e-3, -5, 0, 0.1), Param("max_lr", "log", 0.1, -4, 1, 0.1),
        Param("step_size_up", "int", 50, 1, 1000, 1, S), Param("step_size_down", "int", 50, 1, 1000, 1, S),
        Param("mode", "choice", "triangular", options=("triangular", "triangular2", "exp_range")),
        Param("gamma", "float", 0.995, 0.9, 1.0, 0.001),
        Param("cycle_momentum", "bool", True),
        Param("base_momentum", "float", 0.8, 0.5, 0.99, 0.01), Param("max_momentum", "float", 0.9, 0.5, 0.99, 0.01)]},
    "OneCycleLR": {"per": "batch", "momentum": True, "params": [
        Param("max_lr", "log", 0.1, -4, 1, 0.1), Param("total_steps", "int", 300, 1, 20000, 1, S),
        Param("pct_start", "float", 0.3, 0.05, 0.95, 0.05), Param("div_factor", "log", 25.0, 0, 3, 0.1),
        Param("final_div_factor", "log", 1e4, 0, 6, 0.1),
        Param("anneal_strategy", "choice", "cos", options=("cos", "linear")),
        Param("three_phase", "bool", False), Param("cycle_momentum", "bool", True)]},
    "LambdaLR": {"per": "epoch", "params": [
        Param("lr_lambda", "choice", next(iter(NAMED_LAMBDAS)), options=tuple(NAMED_LAMBDAS))]},
    "MultiplicativeLR": {"per": "epoch", "params": [
        Param("lr_lambda", "choice", next(iter(NAMED_MULTIPLIERS)), options=tuple(NAMED_MULTIPLIERS))]},
    "SequentialLR": {"per": "epoch", "title": "warmup then cosine (LinearLR -> CosineAnnealingLR)", "params": [
        Param("warmup_epochs", "int", 5, 1, 50, 1, E), Param("start_factor", "float", 0.1, 0.01, 1.0, 0.01),
        Param("eta_min", "log", 1e-4, -6, -1, 0.1)]},
    "ReduceLROnPlateau": {"per": "plateau", "params": [
        Param("factor", "float", 0.5, 0.05, 0.95, 0.05), Param("patience", "int", 3, 0, 20, 1, E),
        Param("threshold", "log", 1e-2, -5, -0.5, 0.1),
        Param("threshold_mode", "choice", "rel", options=("rel", "abs")),
        Param("cooldown", "int", 0, 0, 20, 1, E), Param("min_lr", "log", 1e-5, -7, -1, 0.1)]},
    "TimeBasedLR": {"per": "epoch", "params": [Param("k", "log", 0.1, -3, 1, 0.1)]},
    "WallClockLR": {"per": "epoch", "params": [
        Param("period", "float", 5.0, 0.5, 30.0, 0.5, "minutes"), Param("factor", "float", 0.5, 0.05, 1.0, 0.05),
        Param("minutes_per_epoch", "float", 1.0, 0.1, 10.0, 0.1, "minutes")]},
}

#: names the explorer offers, in teaching order
EXPLORER_NAMES = list(SPECS)


def default_params(name: str) -> dict:
    r"""The explorer's default arguments for scheduler ``name``.

    Example:
        >>> default_params("StepLR")
        {'step_size': 10, 'gamma': 0.5}
    """
    if name not in SPECS:
        raise ValueError(f"The explorer has no scheduler {name!r}. Choose one of: {', '.join(SPECS)}.")
    return {p.name: p.default for p in SPECS[name]["params"]}


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


def build_scheduler(name: str, optimizer, params: dict, num_steps: int):
    r"""Build the explorer's scheduler ``name`` with ``params`` on ``optimizer``.

    It resolves what a slider cannot hold: named lambdas, the warmup chain
    (``SequentialLR`` of ``LinearLR`` then ``CosineAnnealingLR`` over
    ``num_steps``), and a simulated clock for ``WallClockLR``.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> type(build_scheduler("SequentialLR", opt, default_params("SequentialLR"), 30)).__name__
        'SequentialLR'
    """
    p = dict(params)
    if name == "fixed":  # a constant factor of 1: the rate never changes
        return torch_sched.LambdaLR(optimizer, lambda t: 1.0)
    if name == "LambdaLR":
        return torch_sched.LambdaLR(optimizer, NAMED_LAMBDAS[p["lr_lambda"]](num_steps))
    if name == "MultiplicativeLR":
        return torch_sched.MultiplicativeLR(optimizer, NAMED_MULTIPLIERS[p["lr_lambda"]](num_steps))
    if name == "SequentialLR":
        warm = p["warmup_epochs"]
        if warm >= num_steps:
            raise ValueError(f"warmup_epochs ({warm}) must be shorter than the run ({num_steps} epochs).")
        return torch_sched.SequentialLR(optimizer, [
            make_scheduler("LinearLR", optimizer, start_factor=p["start_factor"], total_iters=warm),
            make_scheduler("CosineAnnealingLR", optimizer, T_max=num_steps - warm, eta_min=p["eta_min"]),
        ], milestones=[warm])
    if name == "WallClockLR":
        seconds = 60.0 * p.pop("minutes_per_epoch")
        held: dict = {}  # a simulated clock: epoch k ends k * minutes_per_epoch after the start
        sched = WallClockLR(optimizer, clock=lambda: held["s"].last_epoch * seconds if held else 0.0, **p)
        held["s"] = sched
        return sched
    if name == "TimeBasedLR":
        return TimeBasedLR(optimizer, **p)
    if name == "MultiStepLR":
        p["milestones"] = sorted(set(int(m) for m in p["milestones"]))
    if name == "CyclicLR" and p.get("mode") != "exp_range":
        p.pop("gamma", None)
    return make_scheduler(name, optimizer, **p)


def explorer_curve(name: str, params: dict | None = None, lr: float = 0.1, num_epochs: int = 30,
                   steps_per_epoch: int = 10, optimizer: str = "sgd", seed: int = 0) -> dict:
    r"""The curve the explorer plots: torch's rate (and momentum) at every batch.

    Per-epoch schedulers are stepped once per epoch, so their rate is
    constant within an epoch; OneCycleLR and CyclicLR are stepped after every
    batch; ReduceLROnPlateau steps once per epoch on :func:`validation_curve`.

    Args:
        name (str): a name from :data:`SPECS`.
        params (dict, optional): the scheduler's arguments. Default: :func:`default_params`.
        lr (float): the optimizer's initial rate. Default: ``0.1``.
        num_epochs (int): epochs in the run. Default: ``30``.
        steps_per_epoch (int): batches per epoch. Default: ``10``.
        optimizer (str): ``"sgd"`` (momentum) or ``"adam"`` (beta1). Default: ``"sgd"``.
        seed (int): seed of the validation curve. Default: ``0``.

    Returns:
        dict with ``"lr"`` and ``"momentum"`` (one value per batch,
        ``num_epochs * steps_per_epoch`` of them), ``"per"`` (how it was
        stepped), and for ReduceLROnPlateau ``"val_loss"`` and ``"trace"`` (see
        :func:`~lrcourse.curves.plateau_trace`: why each reduction fired).

    Example:
        >>> c = explorer_curve("StepLR", {"step_size": 1, "gamma": 0.5}, lr=1.0,
        ...                    num_epochs=3, steps_per_epoch=2)
        >>> c["lr"].tolist()
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    if name not in SPECS:
        raise ValueError(f"The explorer has no scheduler {name!r}. Choose one of: {', '.join(SPECS)}.")
    for key, value in (("num_epochs", num_epochs), ("steps_per_epoch", steps_per_epoch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{key} must be an integer >= 1, got {value!r}.")
    params = {**default_params(name), **(params or {})}
    per = SPECS[name]["per"]
    n = num_epochs * steps_per_epoch if per == "batch" else num_epochs
    metrics = validation_curve(num_epochs, seed) if per == "plateau" else None
    curves = schedule_curves(lambda opt: build_scheduler(name, opt, params, n), n, lr,
                             metrics, optimizer)
    out = {"per": per}
    for key in ("lr", "momentum"):
        out[key] = curves[key] if per == "batch" else np.repeat(curves[key], steps_per_epoch)
    if metrics is not None:
        out["val_loss"] = metrics
        out["trace"] = plateau_trace(metrics, lr, **params)
    return out


# --------------------------------------------------------------------------- figure
def _ipympl_factory():
    """ipympl's figure-manager factory, imported without switching pyplot's backend.

    Importing ipympl switches the pyplot backend when matplotlib is loaded;
    the course keeps static plots inline (one PNG each in the saved
    notebook), so the previous backend is put back.
    """
    import matplotlib

    before = matplotlib.get_backend()
    from ipympl.backend_nbagg import new_figure_manager_given_figure

    if matplotlib.get_backend() != before:
        matplotlib.use(before)
    return new_figure_manager_given_figure


class LiveFigure:
    r"""A matplotlib figure built once, shown with ipympl, and redrawn in place.

    The layout is fixed (no constrained layout) and ticks are few, because
    laying out and rendering text is most of a redraw's cost; this keeps a
    slider's round trip under 50 ms for a 10,000-step curve (``lrcourse bench``).

    Args:
        nrows (int): rows of axes, sharing the x axis (when ``ncols`` is 1). Default: ``1``.
        figsize (tuple): inches. Default: ``(6.4, 3.2)``.
        ncols (int): columns of independent axes. Default: ``1``.

    Example:
        >>> live = LiveFigure(2)
        >>> (line,) = live.axes[0].plot([0, 1], [0, 1])
        >>> line.set_ydata([0, 5]); live.redraw()
        >>> bool(live.axes[0].get_ylim()[1] >= 5)
        True
    """

    def __init__(self, nrows: int = 1, figsize=(6.4, 3.2), ncols: int = 1):
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        self.fig = Figure(figsize=figsize, facecolor="white")
        self.fig.subplots_adjust(left=0.13 / ncols ** 0.5, right=0.97, top=0.92 if ncols > 1 else 0.96,
                                 bottom=0.12 + 0.02 * (nrows == 1), hspace=0.12, wspace=0.35)
        try:  # ipympl's canvas: a widget that JupyterLab updates in place
            new_figure_manager_given_figure = _ipympl_factory()
            new_figure_manager_given_figure(id(self.fig), self.fig)
            self.fig.canvas.header_visible = False
            self.fig.canvas.footer_visible = False
            self.fig.canvas.resizable = False
        except ImportError:  # pragma: no cover - ipympl is a dependency
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(self.fig)
        axes = self.fig.subplots(nrows, ncols, sharex=ncols == 1, squeeze=False).ravel()
        for ax in axes:
            ax.set_facecolor("white")
            ax.grid(True, alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(6))
            ax.yaxis.set_major_locator(MaxNLocator(4))
        self.axes = list(axes)

    @property
    def canvas(self):
        return self.fig.canvas

    def redraw(self):
        """Rescale every axis to its data and ask the canvas to redraw when idle."""
        for ax in self.axes:
            ax.relim()
            ax.autoscale_view()
        self.fig.canvas.draw_idle()


def _control(p: Param):
    import ipywidgets as W

    style = {"description_width": "initial"}
    layout = W.Layout(width="340px")
    common = dict(description=p.label(), style=style, layout=layout)
    if p.kind == "int":
        return W.IntSlider(value=p.default, min=p.lo, max=p.hi, step=p.step, **common)
    if p.kind == "float":
        return W.FloatSlider(value=p.default, min=p.lo, max=p.hi, step=p.step, readout_format=".3g", **common)
    if p.kind == "log":
        return W.FloatLogSlider(value=p.default, base=10, min=p.lo, max=p.hi, step=p.step,
                                readout_format=".2e", **common)
    if p.kind == "choice":
        return W.Dropdown(value=p.default, options=list(p.options), **common)
    if p.kind == "bool":
        return W.Checkbox(value=p.default, description=p.label(), style=style, indent=False)
    if p.kind == "range":
        return W.IntRangeSlider(value=p.default, min=p.lo, max=p.hi, step=p.step, **common)
    raise ValueError(f"unknown control kind {p.kind!r}")


def html_escape(text: str) -> str:
    """``html.escape``, for text shown in an HTML widget.

    Example:
        >>> html_escape("lr < 0.1")
        'lr &lt; 0.1'
    """
    import html

    return html.escape(text)


def _message_html(text: str, error: bool) -> str:
    import html

    colour = "#B00020" if error else "#555555"
    return f'<span style="color:{colour}; font-family:monospace">{html.escape(text)}</span>'


class ScheduleExplorer:
    r"""Sliders for one scheduler's arguments, plotting torch's own rate live.

    Build it with :func:`explore_schedule`. Change a control and the curve
    is recomputed with :func:`explorer_curve` and redrawn in place. Invalid
    combinations show a readable message and keep the last good curve.

    Attributes:
        controls (dict): every control by name (scheduler arguments, plus
            ``lr``, ``num_epochs``, ``steps_per_epoch``, ``x_axis``, ``log``, ``optimizer``).
        line (Line2D): the current LR curve; ``momentum_line`` the momentum one.
        message (ipywidgets.HTML): what went wrong, or a description of the curve.

    Example:
        >>> ex = ScheduleExplorer("StepLR")
        >>> ex.controls["gamma"].value = 0.25
        >>> float(ex.line.get_ydata()[-1]) == float(explorer_curve("StepLR", {"gamma": 0.25})["lr"][-1])
        True
    """

    def __init__(self, name: str = "OneCycleLR", lr: float = 0.1, num_epochs: int = 30,
                 steps_per_epoch: int = 10, x_axis: str = "epochs", log: bool = False,
                 optimizer: str = "sgd", **params):
        import ipywidgets as W

        if name not in SPECS:
            raise ValueError(f"The explorer has no scheduler {name!r}. Choose one of: {', '.join(SPECS)}.")
        if x_axis not in ("epochs", "batches"):
            raise ValueError(f"x_axis must be 'epochs' or 'batches', got {x_axis!r}.")
        self._initial = dict(name=name, lr=lr, num_epochs=num_epochs, steps_per_epoch=steps_per_epoch,
                             x_axis=x_axis, log=log, optimizer=optimizer, params=params)
        style = {"description_width": "initial"}
        self.scheduler = W.Dropdown(options=EXPLORER_NAMES, value=name, description="scheduler", style=style)
        self.common = {
            "lr": W.FloatLogSlider(value=lr, base=10, min=-5, max=1, step=0.1, description="initial lr",
                                   readout_format=".2e", style=style),
            "num_epochs": W.IntSlider(value=num_epochs, min=1, max=300, description="num_epochs", style=style),
            "steps_per_epoch": W.IntSlider(value=steps_per_epoch, min=1, max=500,
                                           description="steps_per_epoch", style=style),
            "x_axis": W.ToggleButtons(options=["epochs", "batches"], value=x_axis, description="x axis",
                                      style=style),
            "log": W.Checkbox(value=log, description="log-scale lr", indent=False),
            "optimizer": W.ToggleButtons(options=[("SGD (momentum)", "sgd"), ("Adam (beta1)", "adam")],
                                         value=optimizer, description="optimizer", style=style),
        }
        self.pin_button = W.Button(description="pin this curve", icon="thumb-tack")
        self.reset_button = W.Button(description="reset", icon="undo")
        self.message = W.HTML()
        self.param_box = W.VBox()
        self.live = LiveFigure(2, figsize=(6.4, 3.8))
        self._cache: tuple | None = None
        self.ax, self.ax_mom = self.live.axes
        (self.line,) = self.ax.plot([], [], color=PALETTE[0], lw=2, label="current")
        (self.momentum_line,) = self.ax_mom.plot([], [], color=PALETTE[1], lw=1.5)
        (self.val_line,) = self.ax_mom.plot([], [], color=PALETTE[2], lw=1.5)
        (self.reductions,) = self.ax_mom.plot([], [], "v", color=PALETTE[1], ms=8, label="reduction fires")
        self.pins: list = []
        self.controls: dict = {}
        self.last: dict | None = None

        self.scheduler.observe(self._on_scheduler, "value")
        for w in self.common.values():
            w.observe(self._on_change, "value")
        self.pin_button.on_click(lambda _: self.pin())
        self.reset_button.on_click(lambda _: self.reset())
        self._build_params(name, params)

    # ---- controls
    def _build_params(self, name: str, overrides: dict):
        for key in [k for k in self.controls if k not in self.common]:
            self.controls.pop(key).unobserve_all()
        ctrls = {}
        for p in SPECS[name]["params"]:
            w = _control(p)
            if p.name in overrides:
                w.value = overrides[p.name]
            w.observe(self._on_change, "value")
            ctrls[p.name] = w
        self.controls = {**ctrls, **self.common}
        if name == "OneCycleLR" and "total_steps" not in overrides:
            self._sync_total_steps()
        self.param_box.children = list(ctrls.values())
        self.update()

    def _sync_total_steps(self):
        w = self.controls.get("total_steps")
        if w is not None:
            total = self.common["num_epochs"].value * self.common["steps_per_epoch"].value
            w.max = max(w.max, total)
            w.value = total

    def _on_scheduler(self, change):
        self._build_params(change["new"], {})

    def _on_change(self, change):
        owner = change.get("owner")
        if self.scheduler.value == "OneCycleLR" and owner in (self.common["num_epochs"],
                                                               self.common["steps_per_epoch"]):
            self._sync_total_steps()  # triggers an update itself when the value changes
        self.update()

    def settings(self) -> dict:
        """The current values: scheduler name, its params, and the common controls."""
        params = {k: w.value for k, w in self.controls.items() if k not in self.common}
        return {"name": self.scheduler.value, "params": params,
                **{k: w.value for k, w in self.common.items()}}

    # ---- drawing
    def curve(self) -> dict:
        """The curve for the current settings (recomputed only when an input changed)."""
        s = self.settings()
        key = repr((s["name"], sorted(s["params"].items()), s["lr"], s["num_epochs"],
                    s["steps_per_epoch"], s["optimizer"]))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, explorer_curve(s["name"], s["params"], s["lr"], s["num_epochs"],
                                               s["steps_per_epoch"], s["optimizer"]))
        return self._cache[1]

    def _x(self, n: int) -> np.ndarray:
        spe = self.common["steps_per_epoch"].value
        steps = np.arange(n)
        return steps / spe if self.common["x_axis"].value == "epochs" else steps

    def update(self):
        """Recompute the curve from the controls and redraw; show errors as a message."""
        try:
            c = self.curve()
        except ValueError as err:
            self.message.value = _message_html(f"Not a valid schedule: {err}", error=True)
            return
        except Exception as err:  # shown to the learner, never swallowed
            self.message.value = _message_html(
                f"Unexpected error ({type(err).__name__}): {err}\n{traceback.format_exc(limit=-2)}", error=True)
            return
        self.last = c
        x = self._x(len(c["lr"]))
        self.line.set_data(x, c["lr"])
        name = self.scheduler.value
        show_mom = SPECS[name].get("momentum") and self.controls.get("cycle_momentum") is not None \
            and self.controls["cycle_momentum"].value
        explained = ""
        if name == "ReduceLROnPlateau":
            epochs = np.arange(len(c["val_loss"]))
            scale = 1 if self.common["x_axis"].value == "epochs" else self.common["steps_per_epoch"].value
            self.val_line.set_data(epochs * scale, c["val_loss"])
            fired = [t for t in c["trace"] if t["reduced"]]
            # the metric of epoch e (1-based) is plotted at index e - 1; its reduction starts at index e
            self.reductions.set_data([(t["epoch"] - 1) * scale for t in fired], [t["metric"] for t in fired])
            explained = "<br>".join(html_escape(t["why"]) for t in fired) or "No reduction fires on this curve."
            self.momentum_line.set_data([], [])
            self.ax_mom.set_ylabel("val loss (given)")
        else:
            self.val_line.set_data([], [])
            self.reductions.set_data([], [])
            self.momentum_line.set_data(*((x, c["momentum"]) if show_mom else ([], [])))
            label = "beta1" if self.common["optimizer"].value == "adam" else "momentum"
            self.ax_mom.set_ylabel(label if show_mom else f"{label} (not cycled)")
        log = self.common["log"].value
        if (self.ax.get_yscale() == "log") != log:
            from matplotlib.ticker import LogLocator, MaxNLocator

            self.ax.set_yscale("log" if log else "linear")
            self.ax.yaxis.set_major_locator(LogLocator(numticks=5) if log else MaxNLocator(4))
        self.ax.set_ylabel("learning rate")
        unit = self.common["x_axis"].value
        xlabel = "epoch" if unit == "epochs" else "step (batch)"
        self.ax_mom.set_xlabel(xlabel)
        if not self.ax_mom.get_visible():
            self.ax.set_xlabel(xlabel)
        for pin, lrs in self.pins:
            pin.set_data(self._x(len(lrs)), lrs)
        self._show_lower(name == "ReduceLROnPlateau" or bool(show_mom))
        self.live.redraw()
        lr = c["lr"]
        title = SPECS[name].get("title", name)
        self.message.value = _message_html(
            f"{title}, stepped per {c['per']}: torch's lr at each of {len(lr)} batches, "
            f"from {lr[0]:.3g} to {lr[-1]:.3g} (min {lr.min():.3g}, max {lr.max():.3g})", error=False)
        if explained:
            self.message.value += f"<div style='font-family:monospace; font-size:12px'>{explained}</div>"

    def _show_lower(self, show: bool):
        """Show the lower panel (momentum or validation loss) only when it has something to show."""
        if self.ax_mom.get_visible() == show:
            return
        if not hasattr(self, "_boxes"):
            top, bottom = self.ax.get_position(), self.ax_mom.get_position()
            full = top.frozen()
            full.y0 = bottom.y0
            self._boxes = (top.frozen(), full)
        self.ax_mom.set_visible(show)
        self.ax.set_position(self._boxes[0] if show else self._boxes[1])
        self.ax.tick_params(labelbottom=not show)
        self.ax.set_xlabel("" if show else self.ax_mom.get_xlabel())

    def pin(self):
        """Overlay the current curve, dashed, so the next one can be compared with it."""
        if self.last is None:
            return
        s = self.settings()
        colour = PALETTE[(len(self.pins) + 2) % len(PALETTE)]
        label = s["name"] + " " + ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                            for k, v in s["params"].items())
        (pin,) = self.ax.plot(*self.line.get_data(), ls="--", lw=1.2, color=colour, label=label[:60])
        self.pins.append((pin, self.last["lr"]))
        self.ax.legend(loc="best", fontsize="x-small")
        self.live.redraw()

    def reset(self):
        """Remove the pins and put every control back to its starting value."""
        for pin, _ in self.pins:
            pin.remove()
        self.pins = []
        legend = self.ax.get_legend()
        if legend is not None:
            legend.remove()
        init = self._initial
        with self._holding():
            for key in self.common:
                self.common[key].value = init[key]
            self.scheduler.value = init["name"]
        self._build_params(init["name"], init["params"])

    def _holding(self):
        explorer = self

        class _Hold:
            def __enter__(self):
                for w in explorer.common.values():
                    w.unobserve(explorer._on_change, "value")
                explorer.scheduler.unobserve(explorer._on_scheduler, "value")

            def __exit__(self, *exc):
                for w in explorer.common.values():
                    w.observe(explorer._on_change, "value")
                explorer.scheduler.observe(explorer._on_scheduler, "value")
        return _Hold()

    # ---- display
    @property
    def widget(self):
        """The controls, as one ipywidgets box (the figure is displayed separately)."""
        import ipywidgets as W

        c = self.common
        left = W.VBox([self.scheduler, self.param_box])
        right = W.VBox([c["lr"], c["num_epochs"], c["steps_per_epoch"], c["x_axis"], c["optimizer"],
                        W.HBox([c["log"], self.pin_button, self.reset_button])])
        return W.VBox([W.HBox([left, right]), self.message])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
        display(self.live.canvas)  # on its own, so the saved notebook keeps its PNG


def explore_schedule(name: str = "OneCycleLR", **kwargs) -> ScheduleExplorer:
    r"""Explore a learning-rate schedule with live sliders: one call per notebook cell.

    Args:
        name (str): a scheduler from :data:`SPECS`: every class in
            ``torch.optim.lr_scheduler``, a warmup chain (``"SequentialLR"``),
            and lrcourse's ``"TimeBasedLR"`` and ``"WallClockLR"``. The
            dropdown switches between them. Default: ``"OneCycleLR"``.
        **kwargs: starting values: ``lr``, ``num_epochs``, ``steps_per_epoch``,
            ``x_axis`` (``"epochs"`` or ``"batches"``), ``log``, ``optimizer``,
            and any of the scheduler's own arguments.

    Example:
        >>> ex = explore_schedule("StepLR", step_size=5, gamma=0.5)
        >>> ex.controls["step_size"].value
        5
    """
    return ScheduleExplorer(name, **kwargs)


# --------------------------------------------------------------------------- gradient descent
class _SliderPanel:
    """A row of ``controls``, a ``message`` line, and a :class:`LiveFigure` ``live`` shown below them."""

    @property
    def widget(self):
        import ipywidgets as W

        return W.VBox([W.HBox(list(self.controls.values())), self.message])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
        display(self.live.canvas)


class GradientDescentExplorer(_SliderPanel):
    r"""Gradient descent on the one weight of y = w·x, with a slider for the learning rate.

    Three panels: the loss as a parabola in ``w`` with the iterates on it; the
    loss at each step; and the loss after ``num_steps`` against the learning
    rate, with the stability limit ``2 / curvature`` drawn as a dashed line.
    Build it with :func:`explore_gradient_descent`.

    Example:
        >>> ex = GradientDescentExplorer([1, 2, 3, 4], [2, 4, 6, 8])
        >>> ex.controls["lr"].value = 0.14
        >>> "diverging" in ex.message.value
        True
    """

    def __init__(self, x, y, lr: float = 0.05, w0: float = 0.0, num_steps: int = 20):
        import ipywidgets as W

        from .toy import curvature, stability_limit

        self.x = np.asarray(x, dtype=float).ravel()
        self.y = np.asarray(y, dtype=float).ravel()
        self.limit = stability_limit(self.x)
        self.w_star = float(np.sum(self.x * self.y) / np.sum(self.x ** 2))
        self.curv = curvature(self.x)
        style = {"description_width": "initial"}
        top = round(1.5 * self.limit, 3)
        self.controls = {
            "lr": W.FloatSlider(value=lr, min=0.001, max=top, step=top / 300, readout_format=".4f",
                                description="lr", style=style, layout=W.Layout(width="420px")),
            "num_steps": W.IntSlider(value=num_steps, min=1, max=60, description="num_steps", style=style),
            "w0": W.FloatSlider(value=w0, min=self.w_star - 4, max=self.w_star + 4, step=0.1,
                                description="starting w", style=style),
        }
        self.message = W.HTML()
        self.live = LiveFigure(1, figsize=(9.6, 3.2), ncols=3)
        self.ax_w, self.ax_steps, self.ax_lr = self.live.axes
        span = np.linspace(self.w_star - 4.5, self.w_star + 4.5, 200)
        self.ax_w.plot(span, [np.mean((w * self.x - self.y) ** 2) for w in span], color="#999999", lw=1)
        (self.path,) = self.ax_w.plot([], [], "o-", color=PALETTE[0], ms=4, lw=1)
        self.ax_w.set_xlabel("w")
        self.ax_w.set_ylabel("loss")
        self.ax_w.set_title("the loss is a parabola in w", fontsize="small")
        (self.loss_line,) = self.ax_steps.plot([], [], "o-", color=PALETTE[1], ms=3, lw=1)
        self.ax_steps.set_yscale("log")
        self.ax_steps.set_xlabel("step")
        self.ax_steps.set_title("loss at each step", fontsize="small")
        self.sweep_lrs = np.linspace(0.001, top, 300)
        (self.sweep,) = self.ax_lr.plot([], [], color=PALETTE[2])
        self.ax_lr.axvline(self.limit, color=PALETTE[1], ls="--", lw=1)
        self.ax_lr.text(self.limit, 0.92, f" 2/L = {self.limit:.4g}", color=PALETTE[1], fontsize="small",
                        transform=self.ax_lr.get_xaxis_transform(), va="top")
        (self.marker,) = self.ax_lr.plot([], [], "o", color=PALETTE[0], ms=7)
        self.ax_lr.set_yscale("log")
        self.ax_lr.set_xlabel("lr")
        self.ax_lr.set_title("loss after num_steps", fontsize="small")
        for w in self.controls.values():
            w.observe(lambda _: self.update(), "value")
        self.update()

    def update(self):
        """Recompute the iterates and the sweep, and redraw."""
        from .toy import gd_regime, gradient_descent_1d

        try:
            lr, n, w0 = (self.controls[k].value for k in ("lr", "num_steps", "w0"))
            p = gradient_descent_1d(self.x, self.y, lr, w0, n)
            sweep = [gradient_descent_1d(self.x, self.y, float(r), w0, n)["loss"][-1] for r in self.sweep_lrs]
        except Exception as err:  # shown to the learner, never swallowed
            self.message.value = _message_html(f"{type(err).__name__}: {err}", error=True)
            return
        shown = np.abs(p["w"] - self.w_star) <= 4.5  # iterates inside the drawn parabola
        self.path.set_data(p["w"][shown], p["loss"][shown])
        self.loss_line.set_data(np.arange(n + 1), np.clip(p["loss"], 1e-16, 1e16))
        lo, hi = 1e-16, 1e16  # a loss of exactly 0 (or inf) cannot sit on a log axis
        self.sweep.set_data(self.sweep_lrs, np.clip(sweep, lo, hi))
        self.marker.set_data([lr], [np.clip(p["loss"][-1], lo, hi)])
        self.live.redraw()
        self.ax_w.set_xlim(self.w_star - 4.5, self.w_star + 4.5)
        regime = gd_regime(lr, self.x)
        factor = 1 - lr * self.curv
        self.message.value = _message_html(
            f"lr = {lr:.4g}: {regime}. Each step multiplies the distance to w* = {self.w_star:g} by "
            f"1 - lr·L = {factor:.3f} (L = {self.curv:g}). After {n} steps w = {p['w'][-1]:.4g}, "
            f"loss = {p['loss'][-1]:.3g}.", error=regime == "diverging")



def explore_gradient_descent(x=(1, 2, 3, 4), slope: float = 2.0, **kwargs) -> GradientDescentExplorer:
    r"""Gradient descent on y = slope·x by hand, with a live learning-rate slider.

    Args:
        x (sequence of float): the inputs. Default: ``(1, 2, 3, 4)``, the tutorials' data.
        slope (float): the true slope, so ``y = slope·x``. Default: ``2.0``.
        **kwargs: starting ``lr``, ``w0`` and ``num_steps``.

    Example:
        >>> ex = explore_gradient_descent(lr=0.01)
        >>> "too small" in ex.message.value
        True
    """
    x = np.asarray(x, dtype=float)
    return GradientDescentExplorer(x, slope * x, **kwargs)


# --------------------------------------------------------------------------- LR finder
class FinderExplorer(_SliderPanel):
    r"""Re-read a stored LR range test live: sliders for the smoothing and the skipped ends.

    Nothing is re-run: the raw losses the finder recorded are smoothed again
    (:func:`~lrcourse.finder.smooth_losses`) and every suggestion method
    (:func:`~lrcourse.finder.suggest_lr`) reads the new curve. Build it with
    :func:`explore_finder`.

    Args:
        finder (LRFinder): a finder after ``range_test``.
        marks (dict, optional): ``{label: lr}`` drawn as dashed vertical lines,
            for example a known divergence limit. Default: ``None``.
        skip_start (int): starting value of the skip_start slider. Default: ``10``
            (at most a third of the points).
        skip_end (int): starting value of the skip_end slider. Default: ``5``
            (at most a third of the points).
        log_loss (bool): start with a log-scale loss axis (a checkbox). Default: ``False``.

    Example:
        >>> from lrcourse.finder import LRFinder
        >>> f = LRFinder(torch.nn.Linear(1, 1), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1))
        >>> lrs = np.logspace(-4, 0, 41)
        >>> raw = list((np.log10(lrs) + 2) ** 2)
        >>> f.history = {"lr": list(lrs), "loss": raw, "raw_loss": raw}
        >>> ex = FinderExplorer(f)
        >>> ex.controls["smooth_f"].value = 0.0
        >>> round(ex.suggestions["minimum"], 6)
        0.001
    """

    def __init__(self, finder, marks: dict | None = None, skip_start: int = 10, skip_end: int = 5,
                 log_loss: bool = False):
        import ipywidgets as W

        if not finder.history["lr"]:
            raise ValueError("The finder has no curve yet: call finder.range_test(...) first.")
        self.finder, self.marks = finder, dict(marks or {})
        n = len(finder.history["lr"])
        style = {"description_width": "initial"}
        smooth_f = finder.settings.get("smooth_f", 0.98)
        self.controls = {
            "smooth_f": W.FloatSlider(value=smooth_f, min=0.0, max=0.99, step=0.01, description="smooth_f (β)",
                                      style=style, layout=W.Layout(width="320px")),
            "skip_start": W.IntSlider(value=min(skip_start, n // 3), min=0, max=max(n // 2, 1),
                                      description="skip_start", style=style),
            "skip_end": W.IntSlider(value=min(skip_end, n // 3), min=0, max=max(n // 2, 1),
                                    description="skip_end", style=style),
            "log_loss": W.Checkbox(value=log_loss, description="log loss axis", indent=False),
        }
        self.message = W.HTML()
        self.suggestions: dict = {}
        self.live = LiveFigure(1, figsize=(6.4, 3.4))
        self.ax = self.live.axes[0]
        for w in self.controls.values():
            w.observe(lambda _: self.update(), "value")
        self.update()

    def update(self):
        """Re-smooth, re-suggest and redraw."""
        from .plots import plot_finder

        beta, skip_start, skip_end = (self.controls[k].value for k in ("smooth_f", "skip_start", "skip_end"))
        h = self.finder.history
        try:
            losses = self.finder.smoothed(beta)
            self.suggestions = self.finder.suggestions(skip_start=skip_start, skip_end=skip_end, smooth_f=beta)
        except Exception as err:  # shown to the learner, never swallowed
            self.message.value = _message_html(f"{type(err).__name__}: {err}", error=True)
            return
        self.ax.cla()
        self.ax.grid(True, alpha=0.3)
        plot_finder(h["lr"], losses, ax=self.ax, raw_losses=h["raw_loss"], suggestions=self.suggestions,
                    skip_start=skip_start, skip_end=skip_end, label=f"smoothed, β = {beta:.2f}",
                    log_loss=self.controls["log_loss"].value)
        for i, (label, lr) in enumerate(self.marks.items()):
            self.ax.axvline(lr, color=PALETTE[6 - i % 2], ls="--", lw=1)
            self.ax.text(lr, 0.97, f" {label}", transform=self.ax.get_xaxis_transform(), va="top",
                         fontsize="small")
        self.live.fig.canvas.draw_idle()
        parts = [f"{m}: {v:.3g}" if not isinstance(v, str) else f"{m}: n/a ({v})"
                 for m, v in self.suggestions.items()]
        shown = len(h["lr"]) - skip_start - skip_end
        self.message.value = _message_html(
            f"{shown} of {len(h['lr'])} points shown, smoothed with β = {beta:.2f} (the average lags about "
            f"β/(1-β) = {beta / (1 - beta):.0f} points behind). Suggestions: " + "; ".join(parts) + ".",
            error=False)



def explore_finder(finder, **kwargs) -> FinderExplorer:
    r"""Explore a finished LR range test live: smoothing and skipped ends, with every suggestion.

    Args:
        finder (LRFinder): a finder after ``range_test``.
        **kwargs: ``marks={label: lr}`` for dashed reference lines, ``skip_start``,
            ``skip_end`` and ``log_loss`` (see :class:`FinderExplorer`).

    Example:
        >>> from lrcourse.data import linear_data
        >>> from lrcourse.finder import LRFinder
        >>> from lrcourse.models import linear_model
        >>> model = linear_model()
        >>> finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01))
        >>> finder.range_test(linear_data("cpu"), start_lr=1e-4, end_lr=1, num_iter=50, verbose=False)
        >>> ex = explore_finder(finder)
        >>> sorted(ex.suggestions)
        ['minimum', 'slide', 'steepest', 'valley']
    """
    return FinderExplorer(finder, **kwargs)


# --------------------------------------------------------------------------- train live
#: the problems the train-live panel offers: the tutorials' four points (full batch),
#: a noisy y = 2x with 256 points (batches of 32), and the MNIST CNN
PROBLEMS = ("y=2x (x=1..4)", "y=2x", "MNIST CNN")


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


class TrainPanel:
    r"""Pick a schedule, click Train, and watch loss, accuracy and rate update live.

    Runs go into a leaderboard, where they can be compared and re-plotted.
    Training runs in a background thread in JupyterLab, so the Stop button
    works; a diverging run is shown as divergence, not as an exception.

    Build it with :func:`train_live`.

    Example:
        >>> panel = TrainPanel("y=2x", "StepLR", num_epochs=3)
        >>> run = panel.train(blocking=True)
        >>> len(panel.runs), run.history.num_steps > 0
        (1, True)
    """

    def __init__(self, problem: str = "y=2x", schedule: str = "StepLR", lr: float | None = None,
                 num_epochs: int | None = None, optimizer: str = "sgd", seed: int = 0,
                 device=None, auto_train: bool = False, **params):
        import ipywidgets as W

        self.auto_train = False  # switched on at the end, once every control exists
        if problem not in PROBLEMS:
            raise ValueError(f"problem must be one of {PROBLEMS}, got {problem!r}.")
        if schedule not in SPECS:
            raise ValueError(f"The panel has no scheduler {schedule!r}. Choose one of: {', '.join(SPECS)}.")
        style = {"description_width": "initial"}
        mnist = problem == "MNIST CNN"
        self.device = device
        self.seed = seed
        self.problem = W.ToggleButtons(options=PROBLEMS, value=problem, description="problem", style=style)
        self.scheduler = W.Dropdown(options=EXPLORER_NAMES, value=schedule, description="scheduler", style=style)
        self.common = {
            "lr": W.FloatLogSlider(value=lr or (0.05 if mnist else 0.1), base=10, min=-4, max=1, step=0.1,
                                   description="initial lr", readout_format=".2e", style=style),
            "num_epochs": W.IntSlider(value=num_epochs or (3 if mnist else 20), min=1, max=30 if mnist else 200,
                                      description="num_epochs", style=style),
            "optimizer": W.ToggleButtons(options=[("SGD", "sgd"), ("SGD, momentum 0.9", "momentum"),
                                                  ("Adam", "adam")],
                                         value=optimizer, description="optimizer", style=style),
        }
        self.param_box = W.VBox()
        self.train_button = W.Button(description="Train", icon="play", button_style="success")
        self.stop_button = W.Button(description="Stop", icon="stop", button_style="danger", disabled=True)
        self.clear_button = W.Button(description="clear runs", icon="trash")
        self.progress = W.IntProgress(value=0, min=0, max=1, description="progress", style=style)
        self.status = W.HTML()
        self.board = W.HTML()
        self.show_runs = W.SelectMultiple(options=[], description="re-plot runs", style=style, rows=4)
        self.live = LiveFigure(3, figsize=(6.4, 5.2))
        self.ax_loss, self.ax_metric, self.ax_lr = self.live.axes
        self.ax_loss.set_ylabel("train loss")
        self.ax_lr.set_ylabel("learning rate")
        self.ax_lr.set_xlabel("step (batch)")
        self._hint = self.ax_loss.text(0.5, 0.5, "pick a schedule and click Train", ha="center",
                                       va="center", transform=self.ax_loss.transAxes, color="#555555")
        self.runs: list[Run] = []
        self.controls: dict = {}
        self._thread: threading.Thread | None = None
        self._history = None
        self._stop = False
        self._lines: dict = {}

        self.scheduler.observe(self._on_scheduler, "value")
        self.problem.observe(self._on_problem, "value")
        self.train_button.on_click(lambda _: self.train())
        self.stop_button.on_click(lambda _: self.stop())
        self.clear_button.on_click(lambda _: self.clear())
        self.show_runs.observe(lambda _: self._replot(), "value")
        self._build_params(schedule, params)
        self._label_axes()
        self._render_board()
        if auto_train:
            if problem == "MNIST CNN":
                raise ValueError("auto_train retrains on every slider move: use it with the y=2x problems.")
            self.train_button.layout.display = "none"
            self.problem.options = [p for p in PROBLEMS if p != "MNIST CNN"]
            self.problem.value = problem
            self.auto_train = True
            for w in self.common.values():
                w.observe(self._retrain, "value")
            self.train(blocking=True)

    # ---- controls
    def _build_params(self, name, overrides):
        ctrls = {}
        for p in SPECS[name]["params"]:
            if p.name == "total_steps":  # the panel sets OneCycleLR's total from the run
                continue
            w = _control(p)
            if p.name in overrides:
                w.value = overrides[p.name]
            w.observe(lambda _: self.auto_train and self._retrain(), "value")
            ctrls[p.name] = w
        self.controls = {**ctrls, **self.common}
        self.param_box.children = list(ctrls.values())

    def _on_scheduler(self, change):
        self._build_params(change["new"], {})
        if self.auto_train:
            self._retrain()

    def _retrain(self, _change=None):
        """auto_train: a new run at once, replacing the previous one (y = 2x trains in ms)."""
        if self.problem.value == "MNIST CNN":
            return
        self.runs = []
        self.train(blocking=True)

    def _on_problem(self, change):
        mnist = change["new"] == "MNIST CNN"
        self.common["num_epochs"].max = 30 if mnist else 200
        self.common["num_epochs"].value = 3 if mnist else 20
        self.common["lr"].value = 0.05 if mnist else 0.1
        self._label_axes()
        if self.auto_train:
            self._retrain()

    def _label_axes(self):
        labels = {"MNIST CNN": "val accuracy", "y=2x": "val loss", "y=2x (x=1..4)": "loss, 4 points"}
        self.ax_metric.set_ylabel(labels[self.problem.value])

    def settings(self) -> dict:
        """The current choices: problem, scheduler, its params, lr, epochs and optimizer."""
        params = {k: w.value for k, w in self.controls.items() if k not in self.common}
        return {"problem": self.problem.value, "name": self.scheduler.value, "params": params,
                **{k: w.value for k, w in self.common.items()}}

    # ---- training
    def _setup(self, s: dict):
        from .data import linear_data, load_mnist, noisy_linear_data
        from .device import pick_device, seed_everything
        from .models import MnistCNN, linear_model

        device = self.device or pick_device()
        generator = seed_everything(self.seed)
        if s["problem"] == "MNIST CNN":
            data = load_mnist(device, verbose=False)
            model, batch_size, val = MnistCNN(width=16), 64, None
            train = data
        elif s["problem"] == "y=2x (x=1..4)":  # the tutorials' example: full batch, no split
            train = val = linear_data(device)
            model, batch_size = linear_model(), None
        else:
            train = noisy_linear_data(256, device=device)
            val = noisy_linear_data(64, seed=1, device=device)
            model, batch_size = linear_model(), 32
        if s["optimizer"] == "adam":
            opt = torch.optim.Adam(model.parameters(), lr=s["lr"])
        else:
            opt = torch.optim.SGD(model.parameters(), lr=s["lr"],
                                  momentum=0.9 if s["optimizer"] == "momentum" else 0.0)
        split = train.train if hasattr(train, "train") else train
        steps_per_epoch = split.num_batches(batch_size)
        per = SPECS[s["name"]]["per"]
        params = dict(s["params"])
        n = s["num_epochs"] * steps_per_epoch if per == "batch" else s["num_epochs"]
        if s["name"] == "OneCycleLR":
            params["total_steps"] = n
        sched = None if s["name"] == "fixed" else build_scheduler(s["name"], opt, params, n)
        return model, train, val, opt, sched, batch_size, generator, steps_per_epoch

    def train(self, blocking: bool | None = None) -> Run | None:
        r"""Train once with the current settings and add the run to the leaderboard.

        Args:
            blocking (bool, optional): wait for the run to end. Default: wait
                only outside a Jupyter kernel (in JupyterLab it runs in a
                background thread so that Stop can be clicked).

        Returns:
            Run: the finished run when blocking, else ``None``.
        """
        from .train import fit

        if self._thread is not None and self._thread.is_alive():
            self.status.value = _message_html("A run is already going: stop it first.", error=True)
            return None
        s = self.settings()
        label = f"#{len(self.runs) + 1} {s['problem']} {s['name']} lr={s['lr']:.2g} {s['optimizer']}"
        run = Run(label, s)
        try:
            model, train, val, opt, sched, bs, gen, spe = self._setup(s)
        except ValueError as err:
            self.status.value = _message_html(f"Not a valid schedule: {err}", error=True)
            return None
        total = s["num_epochs"] * spe
        self.progress.max, self.progress.value = total, 0
        self._stop = False
        self._start_lines(label)
        every = max(1, total // 60)

        def callback(history):
            self._history = history
            history.stop_requested = self._stop
            self.progress.value = history.num_steps
            self._update_lines(history)

        def work():
            try:
                run.history = fit(model, train, opt, sched, s["num_epochs"], batch_size=bs, val_data=val,
                                  generator=gen, progress=False, callback=callback, callback_every=every,
                                  label=label, verbose=False)
                self._update_lines(run.history)
            except Exception as err:  # shown to the learner, never swallowed
                run.error = f"{type(err).__name__}: {err}"
            finally:
                self._finish(run)

        self.train_button.disabled, self.stop_button.disabled = True, False
        self.status.value = _message_html(f"Training {label} ...", error=False)
        if blocking is None:
            blocking = not _in_kernel()
        if blocking:
            work()
            return run
        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()
        return None

    def stop(self):
        """Ask the running training to stop after the current batch."""
        self._stop = True

    def _finish(self, run: Run):
        self.runs.append(run)
        self.train_button.disabled, self.stop_button.disabled = False, True
        h = run.history
        if run.error:
            msg, err = f"{run.label} failed: {run.error}", True
        elif h.state == "diverged":
            msg, err = f"{run.label} diverged: {h.message}", True
        elif h.state == "stopped":
            msg, err = f"{run.label} stopped after {h.num_steps} steps.", False
        else:
            msg, err = f"{run.label} finished: {h.num_steps} steps in {sum(h.epochs['time']):.1f} s.", False
        self.status.value = _message_html(msg, error=err)
        self.show_runs.options = [r.label for r in self.runs]
        self._render_board()

    def clear(self):
        """Forget every run and clear the figure."""
        self.runs = []
        self.show_runs.options = []
        for key in list(self._lines):
            for line in self._lines.pop(key):
                line.remove()
        self._render_board()
        self.live.redraw()

    # ---- drawing
    def _start_lines(self, label):
        self._hint.set_visible(False)
        for line in self._lines.pop("current", []):
            line.remove()
        colour = PALETTE[len(self.runs) % len(PALETTE)]
        self._lines["current"] = [ax.plot([], [], color=colour, lw=1.6, label=label)[0]
                                  for ax in self.live.axes]

    @staticmethod
    def _series(history, problem):
        steps = np.arange(1, history.num_steps + 1)
        nb = history.steps_per_epoch
        ep = np.asarray(history.epochs["epoch"], dtype=float) * nb
        metric = history.epochs["val_acc"] if problem == "MNIST CNN" else history.epochs["val_loss"]
        metric = [np.nan if v is None else v for v in metric]
        return (steps, history.loss), (ep, metric), (steps, history.lr)

    def _update_lines(self, history):
        lines = self._lines.get("current")
        if not lines:
            return
        for line, (x, y) in zip(lines, self._series(history, self.problem.value)):
            y = np.asarray(y, dtype=float)
            line.set_data(x, np.where(np.isfinite(y), y, np.nan))
        loss = history.loss[np.isfinite(history.loss)]
        spread = len(loss) and loss.min() > 0 and loss.max() / loss.min() > 1e3
        self.ax_loss.set_yscale("log" if spread else "linear")  # a diverging loss spans decades
        self.live.redraw()

    def _replot(self):
        """Overlay the runs chosen in 're-plot runs', one colour each."""
        for key in [k for k in self._lines if k != "current"]:
            for line in self._lines.pop(key):
                line.remove()
        for i, run in enumerate(self.runs):
            if run.label not in self.show_runs.value or run.history is None:
                continue
            colour = PALETTE[i % len(PALETTE)]
            series = self._series(run.history, run.settings["problem"])
            self._lines[run.label] = [ax.plot(x, y, color=colour, lw=1, ls="--", label=run.label)[0]
                                      for ax, (x, y) in zip(self.live.axes, series)]
        self.ax_loss.legend(loc="best", fontsize="xx-small") if len(self._lines) > 1 else None
        self.live.redraw()

    def _render_board(self):
        import html

        from .tables import histories_table

        head = "<tr><th>run</th><th>state</th><th>steps</th><th>final train loss</th>" \
               "<th>final val loss</th><th>val acc</th><th>time (s)</th></tr>"
        rows = []
        for r in self.runs:
            h = r.history
            if h is None:
                rows.append(f"<tr><td>{html.escape(r.label)}</td><td>error</td><td colspan=5>"
                            f"{html.escape(r.error)}</td></tr>")
                continue
            row = histories_table([h])[0]
            fmt = lambda v, f: "" if v is None else format(v, f)  # noqa: E731
            rows.append(
                f"<tr><td>{html.escape(r.label)}</td><td>{row['state']}</td><td>{row['steps']}</td>"
                f"<td>{fmt(row['train_loss'], '.4g')}</td><td>{fmt(row['val_loss'], '.4g')}</td>"
                f"<td>{fmt(row['val_acc'], '.3f')}</td><td>{row['time_s']:.2f}</td></tr>")
        self.board.value = ("<table style='font-size:12px'>" + head + "".join(rows) + "</table>"
                            if rows else "<i>No runs yet: pick a schedule and click Train.</i>")

    # ---- display
    @property
    def widget(self):
        import ipywidgets as W

        c = self.common
        left = W.VBox([self.problem, self.scheduler, self.param_box])
        right = W.VBox([c["lr"], c["num_epochs"], c["optimizer"],
                        W.HBox([self.train_button, self.stop_button, self.clear_button]), self.progress])
        return W.VBox([W.HBox([left, right]), self.status, self.board, self.show_runs])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
        display(self.live.canvas)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython

        ip = get_ipython()
        return ip is not None and getattr(ip, "kernel", None) is not None
    except ImportError:  # pragma: no cover
        return False


def train_live(problem: str = "y=2x", schedule: str = "StepLR", **kwargs) -> TrainPanel:
    r"""A train-live panel: pick a schedule, click Train, watch it learn, compare runs.

    Args:
        problem (str): ``"y=2x (x=1..4)"`` (the tutorials' four points, full batch),
            ``"y=2x"`` (256 noisy points; a run takes milliseconds) or ``"MNIST CNN"``.
            Default: ``"y=2x"``.
        auto_train (bool): retrain at once whenever a control moves, instead of
            waiting for the Train button (y = 2x problems only). Default: ``False``.
        schedule (str): the starting scheduler, from :data:`SPECS`. Default: ``"StepLR"``.
        **kwargs: starting values: ``lr``, ``num_epochs``, ``optimizer`` (``"sgd"``,
            ``"momentum"`` or ``"adam"``), ``seed``, and any of the scheduler's arguments.

    Example:
        >>> panel = train_live("y=2x", "ExponentialLR", gamma=0.8)
        >>> panel.controls["gamma"].value
        0.8
    """
    return TrainPanel(problem, schedule, **kwargs)


# --------------------------------------------------------------------------- shoot-out
def _leaderboard_html(rows, target_acc: float, highlight=()) -> str:
    import html

    target = f"{100 * target_acc:g}%"
    head = (f"<tr><th>rank</th><th>contestant</th><th>test acc % (mean ± std)</th><th>reached {target}</th>"
            f"<th>epochs to {target}</th><th>s to {target}</th><th>s per run</th></tr>")
    fmt = lambda v, f: "never" if v is None else format(v, f)  # noqa: E731
    body = []
    for rank, r in enumerate(rows, start=1):
        acc = "n/a" if r["test_acc_mean"] is None else \
            f"{100 * r['test_acc_mean']:.2f} ± {100 * r['test_acc_std']:.2f}"
        style = " style='background:#fde8d7'" if r["label"] in highlight else ""
        body.append(f"<tr{style}><td>{rank}</td><td>{html.escape(r['label'])}</td><td>{acc}</td>"
                    f"<td>{r['reached']}/{r['seeds']}</td><td>{fmt(r['epochs_to_target'], '.1f')}</td>"
                    f"<td>{fmt(r['time_to_target_s'], '.2f')}</td><td>{r['wall_time_s']:.2f}</td></tr>")
    return "<table style='font-size:12px'>" + head + "".join(body) + "</table>"


class ShootoutPanel:
    r"""The schedule explorer with an **Add to shoot-out** button: your schedule races the others.

    The explorer's sliders set a scheduler; its ``num_epochs`` and
    ``steps_per_epoch`` are locked to the shoot-out's budget, so the curve
    shown is the rate your contestant will train with. **Add to shoot-out**
    trains it with the explorer's settings over the shoot-out's seeds, from
    the same initial weights and with the same data order as every other
    contestant (:meth:`~lrcourse.shootout.ShootoutResult.add`), and appends its
    row to the leaderboard table and plot. The optimizer is SGD with momentum
    0.9 (``"sgd"``) or Adam (``"adam"``), at the explorer's initial ``lr``.
    Build it with :func:`shootout_panel`.

    Attributes:
        explorer (ScheduleExplorer): the sliders and the LR curve.
        added (list of str): the labels of the contestants added here.

    Example:
        >>> from lrcourse.data import MNISTData, Split
        >>> from lrcourse.models import MnistCNN
        >>> from lrcourse.shootout import ShootoutResult
        >>> x, y = torch.randn(96, 1, 28, 28), torch.arange(96) % 10
        >>> tiny = MNISTData(Split(x[:64], y[:64]), Split(x[64:80], y[64:80]), Split(x[80:], y[80:]), "demo", None)
        >>> result = ShootoutResult(tiny, (0,), 2, 32, 0.5, model_fn=lambda: MnistCNN(width=2))
        >>> panel = ShootoutPanel(result, "StepLR", step_size=1)
        >>> row = panel.add(blocking=True)
        >>> row["label"], len(result.histories[row["label"]])
        ('yours 1: StepLR', 1)
    """

    def __init__(self, result, name: str = "OneCycleLR", lr: float = 0.05, optimizer: str = "sgd", **params):
        import ipywidgets as W

        if result.data is None:
            raise ValueError("The shoot-out has no data: build it with shootout(...) first.")
        self.result = result
        spe = result.steps_per_epoch
        self.explorer = ScheduleExplorer(name, lr=lr, num_epochs=result.num_epochs, steps_per_epoch=spe,
                                         x_axis="epochs", optimizer=optimizer, **params)
        with self.explorer._holding():  # the budget is the shoot-out's: set, then locked
            for key, value in (("num_epochs", result.num_epochs), ("steps_per_epoch", spe)):
                w = self.explorer.common[key]
                w.max = max(w.max, value)
                w.value = value
                w.disabled = True
        self.explorer._build_params(name, params)
        self.explorer._initial.update(num_epochs=result.num_epochs, steps_per_epoch=spe)
        self._lock_total_steps()
        self.explorer.scheduler.observe(lambda _: self._lock_total_steps(), "value")
        self.add_button = W.Button(description="Add to shoot-out", icon="flag-checkered", button_style="success")
        self.progress = W.IntProgress(value=0, min=0, max=len(result.seeds), description="runs")
        self.status = W.HTML()
        self.board = W.HTML()
        self.added: list[str] = []
        self.settings_of: dict[str, str] = {}
        self._thread: threading.Thread | None = None
        self.live = LiveFigure(1, figsize=(6.4, 3.4))
        self.live.fig.subplots_adjust(left=0.36, right=0.96, bottom=0.16, top=0.96)
        self.add_button.on_click(lambda _: self.add())
        self._render()

    def _lock_total_steps(self):
        """OneCycleLR's ``total_steps`` is every batch of the budget: shown, but not movable."""
        w = self.explorer.controls.get("total_steps")
        if w is not None:
            w.disabled = True

    def contestant(self):
        r"""The :class:`~lrcourse.shootout.Contestant` the explorer's current settings describe.

        Raises:
            ValueError: when the settings are not a valid schedule (the explorer says why).
        """
        from .shootout import Contestant

        s = self.explorer.settings()
        name, params, lr = s["name"], dict(s["params"]), s["lr"]
        per = SPECS[name]["per"]
        n = self.result.num_epochs * self.result.steps_per_epoch if per == "batch" else self.result.num_epochs
        if name == "OneCycleLR":
            params["total_steps"] = n  # every batch of the run
        probe = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr, momentum=0.9)
        if name != "fixed":
            build_scheduler(name, probe, params, n)  # a bad combination fails here, before training

        if s["optimizer"] == "adam":
            def make_optimizer(p):
                return torch.optim.Adam(p, lr=lr)
        else:
            def make_optimizer(p):
                return torch.optim.SGD(p, lr=lr, momentum=0.9)
        make_scheduler = None if name == "fixed" else (lambda opt: build_scheduler(name, opt, params, n))
        label = f"yours {len(self.added) + 1}: {name}"
        while label in self.result.histories:
            label += "'"
        shown = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())
        self.settings_of[label] = f"{'Adam' if s['optimizer'] == 'adam' else 'SGD(momentum=0.9)'}" \
                                  f"(lr={lr:.3g}), {name}({shown})"
        return Contestant(label, make_optimizer, make_scheduler, step_per="batch" if per == "batch" else None)

    def add(self, blocking: bool | None = None) -> dict | None:
        r"""Race the explorer's current schedule over the shoot-out's seeds and add its row.

        Args:
            blocking (bool, optional): wait for the runs to end. Default: wait
                only outside a Jupyter kernel (in JupyterLab the runs go on in a
                background thread and the table updates when they are done).

        Returns:
            dict: the new leaderboard row when blocking, else ``None``.
        """
        if self._thread is not None and self._thread.is_alive():
            self.status.value = _message_html("A contestant is already racing: wait for it.", error=True)
            return None
        try:
            contestant = self.contestant()
        except ValueError as err:
            self.status.value = _message_html(f"Not a valid schedule: {err}", error=True)
            return None
        seeds = self.result.seeds
        self.progress.max, self.progress.value = len(seeds), 0
        self.add_button.disabled = True
        self.status.value = _message_html(
            f"Racing {contestant.label}: {self.settings_of[contestant.label]}, {len(seeds)} seeds ...", error=False)
        out: dict = {}

        def on_run(label, seed, history):
            self.progress.value += 1

        def work():
            try:
                out["row"] = self.result.add(contestant, on_run=on_run)
                self.added.append(contestant.label)
                row = out["row"]
                self.status.value = _message_html(
                    f"{contestant.label} ({self.settings_of[contestant.label]}): test accuracy "
                    f"{100 * row['test_acc_mean']:.2f} ± {100 * row['test_acc_std']:.2f} % over {row['seeds']} seeds.",
                    error=False)
            except Exception as err:  # shown to the learner, never swallowed
                self.settings_of.pop(contestant.label, None)
                self.status.value = _message_html(f"{contestant.label} failed: {err}", error=True)
            finally:
                self.add_button.disabled = False
                self._render()

        if blocking is None:
            blocking = not _in_kernel()
        if blocking:
            work()
            return out.get("row")
        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()
        return None

    def _render(self):
        from .plots import plot_leaderboard

        rows = self.result.leaderboard()
        self.board.value = _leaderboard_html(rows, self.result.target_acc, self.added)
        if self.added:
            self.board.value += "<div style='font-size:12px'>" + "<br>".join(
                f"{html_escape(k)}: {html_escape(self.settings_of[k])}" for k in self.added) + "</div>"
        ax = self.live.axes[0]
        ax.cla()
        plot_leaderboard(rows, ax=ax, highlight=self.added)
        ax.tick_params(axis="y", labelsize="x-small")
        self.live.fig.canvas.draw_idle()

    @property
    def controls(self):
        """The button, progress bar, status line and leaderboard table, as one box."""
        import ipywidgets as W

        return W.VBox([W.HBox([self.add_button, self.progress]), self.status, self.board])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.explorer.widget)
        display(self.explorer.live.canvas)  # the slider-driven figure first
        display(self.controls)
        display(self.live.canvas)


def shootout_panel(result, name: str = "OneCycleLR", **kwargs) -> ShootoutPanel:
    r"""Add your own contestant to a shoot-out, from the schedule explorer's sliders.

    Args:
        result (ShootoutResult): what :func:`~lrcourse.shootout.shootout` returned.
        name (str): the starting scheduler, from :data:`SPECS`. Default: ``"OneCycleLR"``.
        **kwargs: starting values: ``lr`` (default ``0.05``), ``optimizer``
            (``"sgd"``: SGD with momentum 0.9, or ``"adam"``), and any of the
            scheduler's own arguments.

    Example:
        >>> from lrcourse.data import MNISTData, Split
        >>> from lrcourse.shootout import ShootoutResult
        >>> x, y = torch.randn(40, 1, 28, 28), torch.arange(40) % 10
        >>> tiny = MNISTData(Split(x[:20], y[:20]), Split(x[20:30], y[20:30]), Split(x[30:], y[30:]), "demo", None)
        >>> panel = shootout_panel(ShootoutResult(tiny, (0, 1, 2), 5, 10, 0.9), "CyclicLR", max_lr=0.2)
        >>> panel.explorer.controls["max_lr"].value, panel.explorer.controls["steps_per_epoch"].disabled
        (0.2, True)
    """
    return ShootoutPanel(result, name, **kwargs)


# --------------------------------------------------------------------------- stepping: right and wrong
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
    from .curves import lr_curve

    if name not in STEPPING:
        raise ValueError(f"name must be one of {', '.join(STEPPING)}, got {name!r}.")
    for key, value in (("num_epochs", num_epochs), ("steps_per_epoch", steps_per_epoch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{key} must be an integer >= 1, got {value!r}.")
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


class SteppingExplorer(_SliderPanel):
    r"""Sliders for ``steps_per_epoch`` and ``num_epochs``: a scheduler stepped right and wrong, side by side.

    Both curves come from :func:`stepping_curves` (torch's own rates) and
    are redrawn in place. Build it with :func:`explore_stepping`.

    Example:
        >>> ex = SteppingExplorer("CosineAnnealingLR")
        >>> ex.controls["steps_per_epoch"].value = 5
        >>> len(ex.wrong_line.get_ydata()) == 5 * ex.controls["num_epochs"].value
        True
    """

    def __init__(self, name: str = "CosineAnnealingLR", num_epochs: int = 10, steps_per_epoch: int = 20,
                 lr: float = 0.1):
        import ipywidgets as W

        if name not in STEPPING:
            raise ValueError(f"name must be one of {', '.join(STEPPING)}, got {name!r}.")
        style = {"description_width": "initial"}
        self.controls = {
            "steps_per_epoch": W.IntSlider(value=steps_per_epoch, min=1, max=100,
                                           description="steps_per_epoch (batches)", style=style),
            "num_epochs": W.IntSlider(value=num_epochs, min=1, max=50, description="num_epochs", style=style),
            "scheduler": W.Dropdown(options=list(STEPPING), value=name, description="scheduler", style=style),
        }
        self.lr = lr
        self.message = W.HTML()
        self.live = LiveFigure(1, figsize=(6.4, 3.2))
        self.ax = self.live.axes[0]
        (self.right_line,) = self.ax.plot([], [], color=PALETTE[0], lw=2)
        (self.wrong_line,) = self.ax.plot([], [], color=PALETTE[1], lw=1.5, ls="--")
        self.ax.set_xlabel("epoch")
        self.ax.set_ylabel("learning rate")
        self.ax.set_ylim(0, 1.5 * lr)  # both curves stay below lr; the room above holds the legend
        for w in self.controls.values():
            w.observe(lambda _: self.update(), "value")
        self.update()

    def update(self):
        """Recompute both curves and redraw."""
        c = self.controls
        spe, epochs, name = c["steps_per_epoch"].value, c["num_epochs"].value, c["scheduler"].value
        curves = stepping_curves(name, epochs, spe, self.lr)
        x = np.arange(epochs * spe) / spe
        self.right_line.set_data(x, curves["right"])
        self.wrong_line.set_data(x, curves["wrong"])
        self.right_line.set_label("right: " + curves["labels"][0])
        self.wrong_line.set_label("wrong: " + curves["labels"][1])
        self.ax.legend(loc="upper right", fontsize="x-small", title=f"{name}, {epochs} epochs of {spe} batches",
                       title_fontsize="x-small")
        self.ax.set_xlim(0, epochs)
        self.live.fig.canvas.draw_idle()
        wrong = curves["wrong"]
        self.message.value = _message_html(
            f"{name}, {epochs} epochs of {spe} batches. wrong: max {wrong.max():.3g}, last batch at "
            f"{wrong[-1]:.3g}; right: max {curves['right'].max():.3g}, last batch at {curves['right'][-1]:.3g}",
            error=False)

def explore_stepping(name: str = "CosineAnnealingLR", **kwargs) -> SteppingExplorer:
    r"""Right against wrong stepping of CosineAnnealingLR or OneCycleLR, as ``steps_per_epoch`` varies.

    Args:
        name (str): ``"CosineAnnealingLR"`` or ``"OneCycleLR"``; the dropdown switches.
            Default: ``"CosineAnnealingLR"``.
        **kwargs: starting values: ``num_epochs``, ``steps_per_epoch``, ``lr``.

    Example:
        >>> ex = explore_stepping("OneCycleLR", num_epochs=5, steps_per_epoch=4)
        >>> float(ex.right_line.get_ydata().max())
        0.1
    """
    return SteppingExplorer(name, **kwargs)
