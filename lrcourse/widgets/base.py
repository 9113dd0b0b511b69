"""What every panel is built from: a live figure, controls from specs, messages, background work.

:class:`Panel` is an ``ipywidgets.VBox``: its children are the controls, a
message line and the ipympl canvas of its :class:`LiveFigure`, so a panel
displays, nests and closes like any widget. Its public surface is the same
for every panel: ``controls``, ``settings()``, ``set(**values)``,
``figure``, ``lines``, ``redraw_now()``, and ``busy``/``wait()`` for work in
a background thread.
"""
from __future__ import annotations

import base64
import contextlib
import html
import io
import threading
from typing import Callable

import ipywidgets as W
import numpy as np

from ..optim import OPTIMIZERS, check_optimizer
from ..specs import SPECS, Param, spec_params

__all__ = ["STYLE", "in_kernel", "message_html", "make_control", "param_controls", "optimizer_toggle", "LiveFigure",
           "Worker", "Panel"]

#: the style of every control: the whole description shown, never cut off
STYLE = {"description_width": "initial"}


def in_kernel() -> bool:
    r"""Whether this runs in a Jupyter kernel (where a panel can train in a background thread).

    Example:
        >>> in_kernel()
        False
    """
    from IPython import get_ipython  # a dependency of ipywidgets

    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def message_html(text: str, error: bool = False) -> str:
    r"""``text`` as a one-line HTML message, escaped; red when ``error``.

    Example:
        >>> message_html("lr < 0.1")
        '<span style="color:#555555; font-family:monospace">lr &lt; 0.1</span>'
    """
    colour = "#B00020" if error else "#555555"
    return f'<span style="color:{colour}; font-family:monospace">{html.escape(text)}</span>'


def make_control(p: Param) -> W.ValueWidget:
    r"""The control for one scheduler argument: a slider, dropdown, checkbox or range slider.

    Example:
        >>> make_control(Param("gamma", "float", 0.5, 0.05, 1.0, 0.05)).value
        0.5
    """
    layout = W.Layout(width="340px")
    common = dict(description=p.label(), style=STYLE, layout=layout)
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
        return W.Checkbox(value=p.default, description=p.label(), style=STYLE, indent=False)
    if p.kind == "range":
        return W.IntRangeSlider(value=p.default, min=p.lo, max=p.hi, step=p.step, **common)
    raise ValueError(f"unknown control kind {p.kind!r}")


def param_controls(name: str, values: dict | None = None, skip=()) -> dict:
    r"""One control per argument in scheduler ``name``'s spec (but those in ``skip``), starting at ``values``.

    Raises:
        ValueError: for an unknown scheduler, or a value that names no control.

    Example:
        >>> {k: w.value for k, w in param_controls("StepLR", {"gamma": 0.25}).items()}
        {'step_size': 10, 'gamma': 0.25}
    """
    values = spec_params(name, values, skip)
    controls = {p.name: make_control(p) for p in SPECS[name].params if p.name in values}
    for key, value in values.items():
        controls[key].value = value
    return controls


def optimizer_toggle(value: str) -> W.ToggleButtons:
    r"""Toggle buttons for :data:`~lrcourse.optim.OPTIMIZERS`, labelled with what each name means.

    Example:
        >>> optimizer_toggle("sgd_momentum").label
        'SGD, momentum 0.9'
    """
    check_optimizer(value)
    return W.ToggleButtons(options=[(label, key) for key, label in OPTIMIZERS.items()], value=value,
                           description="optimizer", style=STYLE)


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
    laying out and rendering text is most of a redraw's cost (``lrcourse bench``
    times it). Lines added with :meth:`add_line` have a name; :attr:`lines` reads them back.

    Args:
        nrows (int): rows of axes, sharing the x axis (when ``ncols`` is 1). Default: ``1``.
        figsize (tuple): inches. Default: ``(6.4, 3.2)``.
        ncols (int): columns of independent axes. Default: ``1``.

    Attributes:
        fig (Figure): the matplotlib figure; ``canvas`` its ipympl canvas (a widget).
        axes (list of Axes): row by row.

    Example:
        >>> live = LiveFigure(2)
        >>> line = live.add_line("lr", 0, [0, 1], [0, 1])
        >>> line.set_ydata([0, 5]); live.redraw()
        >>> bool(live.axes[0].get_ylim()[1] >= 5), live.lines["lr"][1].tolist()
        (True, [0.0, 5.0])
    """

    def __init__(self, nrows: int = 1, figsize=(6.4, 3.2), ncols: int = 1):
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        self.fig = Figure(figsize=figsize, facecolor="white")
        self.fig.subplots_adjust(left=0.13 / ncols ** 0.5, right=0.97, top=0.92 if ncols > 1 else 0.96,
                                 bottom=0.12 + 0.02 * (nrows == 1), hspace=0.12, wspace=0.35)
        try:  # ipympl's canvas: a widget that JupyterLab updates in place
            _ipympl_factory()(id(self.fig), self.fig)
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
        self._lines: dict = {}

    @property
    def canvas(self):
        """The figure's canvas: with ipympl, a widget that a panel shows among its children."""
        return self.fig.canvas

    def add_line(self, name: str, ax, *args, **kwargs):
        """Plot a line on ``ax`` (an index into :attr:`axes`, or an Axes) under ``name``; returns the Line2D."""
        if name in self._lines:
            self.remove_line(name)
        ax = self.axes[ax] if isinstance(ax, int) else ax
        (line,) = ax.plot(*(args or ([], [])), **kwargs)
        self._lines[name] = line
        return line

    def remove_line(self, name: str) -> None:
        """Remove the line called ``name`` from its axes (nothing if there is none)."""
        line = self._lines.pop(name, None)
        if line is not None:
            line.remove()

    @property
    def lines(self) -> dict:
        """``{name: (x, y)}``: a copy of every named line's data, as float arrays."""
        return {name: (np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float))
                for name, line in self._lines.items()}

    def redraw(self, rescale: bool = True) -> None:
        """Rescale every axis to its data (unless ``rescale=False``) and ask the canvas to redraw when idle."""
        if rescale:
            for ax in self.axes:
                ax.relim()
                ax.autoscale_view()
        self.fig.canvas.draw_idle()

    def attach_front_end(self) -> None:
        """Put the canvas in the state JupyterLab puts it in once it shows it (``lrcourse bench`` times that).

        From then on the canvas sends image diffs instead of keeping a PNG of each redraw in its state.
        """
        canvas = self.fig.canvas
        if hasattr(canvas, "syncing_data_url"):
            canvas.syncing_data_url = False
            canvas.manager.resize(*self.fig.bbox.size)

    def render(self) -> None:
        """Draw now, and build the image the front end would fetch: one whole redraw, synchronously."""
        canvas = self.fig.canvas
        canvas.draw()
        if hasattr(canvas, "get_diff_image"):  # ipympl renders when the front end asks after draw_idle
            canvas.get_diff_image()

    def png(self) -> str:
        """The figure as it is now, as a base64-encoded PNG."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi="figure")
        return base64.b64encode(buf.getvalue()).decode("ascii")


class Worker:
    r"""Runs a panel's work (a training, a race) one at a time, in a background thread in JupyterLab.

    Example:
        >>> worker = Worker()
        >>> worker.start(lambda: None, blocking=False)
        True
        >>> worker.wait(5), worker.busy
        (True, False)
    """

    def __init__(self):
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """Whether work started here is still running."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, work: Callable[[], None], blocking: bool | None = None) -> bool:
        """Run ``work``: here when ``blocking`` (default: outside a kernel), else in a daemon thread.

        Returns ``False`` and runs nothing while earlier work is still going.
        """
        if self.busy:
            return False
        if blocking is None:
            blocking = not in_kernel()
        if blocking:
            work()
        else:
            self._thread = threading.Thread(target=work, daemon=True)
            self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (default: until it ends); ``True`` once nothing is running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.busy


class Panel(W.VBox):
    r"""An ``ipywidgets.VBox`` with named ``controls``, a ``message`` line and a :class:`LiveFigure`.

    Subclasses build their controls and figure, call :meth:`watch` on the
    controls, set ``children`` (the figure's canvas among them) and define
    :meth:`update`, which recomputes from the controls and redraws.

    Args:
        live (LiveFigure): the panel's figure.
        **kwargs: passed to ``ipywidgets.VBox``.

    Attributes:
        controls (dict): every control by name; ``controls[name].value`` is its value.
        message (ipywidgets.HTML): what the panel shows, or what went wrong.

    Example:
        >>> class Square(Panel):
        ...     def __init__(self):
        ...         super().__init__(LiveFigure())
        ...         self.controls = {"x": W.IntSlider(2)}
        ...         self.watch(*self.controls.values())
        ...         self.children = [*self.controls.values(), self.message, self.figure.canvas]
        ...     def update(self):
        ...         self.message.value = str(self.controls["x"].value ** 2)
        >>> panel = Square()
        >>> panel.set(x=3)
        >>> panel.message.value, panel.settings()
        ('9', {'x': 3})
    """

    controls: dict  # set by each panel

    def __init__(self, live: LiveFigure, **kwargs):
        super().__init__(**kwargs)
        self._live = live
        self._held = 0
        self._worker = Worker()
        self.message = W.HTML()

    # ---- the public surface
    @property
    def figure(self) -> LiveFigure:
        """The live figure: ``figure.fig``, ``figure.axes``, ``figure.canvas``."""
        return self._live

    @property
    def lines(self) -> dict:
        """``{name: (x, y)}``: the data of every named line the panel plots (a copy)."""
        return self._live.lines

    def settings(self) -> dict:
        """Every control's value, by name."""
        return {k: w.value for k, w in self.controls.items()}

    def set(self, **values) -> None:
        r"""Move controls programmatically, then recompute and redraw once.

        A ``name`` (the scheduler) is set first, so the new scheduler's own
        arguments can follow in the same call.

        Raises:
            ValueError: for a name that is not a control.
        """
        known = set(self.controls)
        if "name" in values and "name" in self.controls:  # a new scheduler brings its own controls
            known |= set(spec_params(values["name"]))
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{type(self).__name__} has no control {', '.join(unknown)}. "
                             f"Its controls: {', '.join(self.controls)}.")
        pending = dict(values)
        with self.holding():
            while pending:  # in the order of the controls: a new scheduler rebuilds the ones after it
                key = next(k for k in self.controls if k in pending)
                self.controls[key].value = pending.pop(key)

    @contextlib.contextmanager
    def holding(self):
        """Within this block, moving a control redraws nothing; :meth:`update` runs once at its end."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
            if self._held == 0:
                self.update()

    def watch(self, *controls) -> None:
        """Call :meth:`on_change` whenever one of ``controls`` moves."""
        for w in controls:
            w.observe(self.on_change, "value")

    def on_change(self, change=None) -> None:
        """What a watched control calls when it moves: :meth:`update`, unless inside :meth:`holding`."""
        if not self._held:
            self.update()

    def update(self) -> None:
        """Recompute from the controls and redraw (each panel defines it)."""
        raise NotImplementedError

    @property
    def busy(self) -> bool:
        """Whether work the panel started (a training, a race) is still running in the background."""
        return self._worker.busy

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the panel's background work to end (up to ``timeout`` seconds); ``True`` once none runs."""
        return self._worker.wait(timeout)

    def start_work(self, work: Callable[[], None], blocking: bool | None = None) -> bool:
        """Run ``work`` with the panel's :class:`Worker`: in a background thread in JupyterLab."""
        return self._worker.start(work, blocking)

    def redraw_now(self) -> None:
        """Draw the figure now, as JupyterLab does when it fetches a redraw (``lrcourse bench`` times it)."""
        self._live.render()

    # ---- display: the widget, plus a PNG for viewers without a kernel (GitHub, nbviewer)
    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            data["image/png"] = self._live.png()
        return data
