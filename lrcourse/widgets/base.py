"""What every panel is built from: controls from specs, a layout that fits one screen, messages, background work.

:class:`Panel` is an ``ipywidgets.VBox`` holding its controls, a message
line and the ipympl canvas of its :class:`~lrcourse.widgets.figure.LiveFigure`,
so a panel displays, nests and closes like any widget. Its public surface is
the same for every panel: ``controls``, ``settings()``, ``set(**values)``,
``figure``, ``lines``, ``redraw_now()``, and ``busy``/``wait()`` for work in
a background thread.

Every panel fits one screen: JupyterLab at 1280 x 800 with the file browser
open shows a notebook about 950 x 680 pixels, outputs 848 pixels wide. A panel
puts its controls in a column :data:`COLUMN_PX` wide beside its figure
(:meth:`Panel.arrange`), every control as wide as the column, so no label,
track, readout or button runs into another; the browser test checks both.
"""
from __future__ import annotations

import contextlib
import html
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Callable

import ipywidgets as W

from ..optim import OPTIMIZERS, check_optimizer
from ..specs import SPECS, Param, spec_params
from .figure import LiveFigure

__all__ = ["STYLE", "COLUMN_PX", "in_kernel", "message_html", "control_layout", "button", "make_control",
           "param_controls", "optimizer_dropdown", "Worker", "Panel"]

#: the style of every control: the whole description shown, never cut off
STYLE = {"description_width": "initial"}

#: the width of the column of controls beside a figure, in pixels, and of every control in it
COLUMN_PX = 330


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


def control_layout(width: int = COLUMN_PX) -> W.Layout:
    r"""The layout of one control in a column: ``width`` pixels, so its label, track and readout stay inside.

    Example:
        >>> control_layout().width
        '330px'
    """
    return W.Layout(width=f"{width}px")


def button(description: str, icon: str = "", **kwargs) -> W.Button:
    r"""A button as wide as its label (ipywidgets' default, 148 pixels, cuts long labels and wastes short ones).

    Example:
        >>> button("reset", "undo").layout.width
        'auto'
    """
    return W.Button(description=description, icon=icon, layout=W.Layout(width="auto"), **kwargs)


def make_control(p: Param) -> W.ValueWidget:
    r"""The control for one scheduler argument: a slider, dropdown, checkbox or range slider.

    Example:
        >>> make_control(Param("gamma", "float", 0.5, 0.05, 1.0, 0.05)).value
        0.5
    """
    common = dict(description=p.label(), style=STYLE, layout=control_layout())
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
        return W.Checkbox(value=p.default, indent=False, **common)
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


def optimizer_dropdown(value: str) -> W.Dropdown:
    r"""A dropdown of :data:`~lrcourse.optim.OPTIMIZERS`, labelled with what each name means.

    Example:
        >>> optimizer_dropdown("sgd_momentum").label
        'SGD, momentum 0.9'
    """
    check_optimizer(value)
    return W.Dropdown(options=[(label, key) for key, label in OPTIMIZERS.items()], value=value,
                      description="optimizer", style=STYLE, layout=control_layout())


class Worker:
    r"""Runs a panel's work (a training, a race) one at a time, in a background thread in JupyterLab.

    The thread is a ``concurrent.futures.ThreadPoolExecutor`` of one worker;
    :attr:`future` is the work in flight. An error the work does not handle
    itself is printed, as an uncaught error in a thread would be.

    Example:
        >>> worker = Worker()
        >>> worker.start(lambda: None, blocking=False)
        True
        >>> worker.wait(5), worker.busy
        (True, False)
    """

    def __init__(self):
        self._pool: ThreadPoolExecutor | None = None
        self.future: Future | None = None

    @property
    def busy(self) -> bool:
        """Whether work started here is still running."""
        return self.future is not None and not self.future.done()

    def start(self, work: Callable[[], None], blocking: bool | None = None) -> bool:
        """Run ``work``: here when ``blocking`` (default: outside a kernel), else in the background thread.

        Returns ``False`` and runs nothing while earlier work is still going.
        """
        if self.busy:
            return False
        if blocking is None:
            blocking = not in_kernel()
        if blocking:
            work()
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lrcourse-panel")
            self.future = self._pool.submit(work)
            self.future.add_done_callback(_report)
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (default: until it ends); ``True`` once nothing is running."""
        if self.future is not None:
            futures_wait([self.future], timeout)
        return not self.busy


def _report(future: Future) -> None:
    err = future.exception()
    if err is not None:
        traceback.print_exception(err)


class Panel(W.VBox):
    r"""An ``ipywidgets.VBox`` with named ``controls``, a ``message`` line and a :class:`LiveFigure`.

    Subclasses build their controls and figure, call :meth:`watch` on the
    controls, lay them out with :meth:`arrange` (or set ``children``, the
    figure's canvas among them) and define :meth:`update`, which recomputes
    from the controls and redraws.

    Args:
        live (LiveFigure): the panel's figure.
        **kwargs: passed to ``ipywidgets.VBox``.

    Attributes:
        controls (dict): every control by name; ``controls[name].value`` is its value.
        message (ipywidgets.HTML): what the panel shows, or what went wrong (a few lines at most; longer
            scrolls).
        column, side (ipywidgets.Box): the box of controls and the box of the figure (see :meth:`arrange`).

    Example:
        >>> class Square(Panel):
        ...     def __init__(self):
        ...         super().__init__(LiveFigure())
        ...         self.controls = {"x": W.IntSlider(2)}
        ...         self.watch(*self.controls.values())
        ...         self.arrange(self.controls.values())
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
        self.message = W.HTML(layout=W.Layout(max_height="60px", overflow="auto"))
        self.add_class("lrcourse-panel")  # what the browser test looks for

    def arrange(self, controls, side=(), below=(), beside: bool = True) -> None:
        r"""Lay the panel out to fit one screen, and set its ``children``.

        The box of controls becomes ``column`` and the box of the figure ``side``, where a panel
        built around this one can add its own widgets.

        Args:
            controls (iterable of widgets): in a column :data:`COLUMN_PX` wide, left of the figure.
            side (iterable of widgets): under the figure, in its column. Default: none.
            below (iterable of widgets): under both columns, after the message. Default: none.
            beside (bool): ``False`` puts the controls in a row above the figure instead (for a
                figure as wide as the panel). Default: ``True``.
        """
        if beside:
            self.column = W.VBox(list(controls), layout=W.Layout(width=f"{COLUMN_PX + 8}px", flex="0 0 auto"))
            self.side = W.VBox([self._live.canvas, *side], layout=W.Layout(flex="0 0 auto"))
            self.children = [W.HBox([self.column, self.side]), self.message, *below]
        else:
            self.column, self.side = W.HBox(list(controls)), W.VBox([self._live.canvas, *side])
            self.children = [self.column, self.side, self.message, *below]

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
            ValueError: for a name that is not a control, or a scheduler
                argument its control cannot hold (see :meth:`~lrcourse.specs.Param.check`).
        """
        known = set(self.controls)
        if "name" in values and "name" in self.controls:  # a new scheduler brings its own controls
            known |= set(spec_params(values["name"]))
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{type(self).__name__} has no control {', '.join(unknown)}. "
                             f"Its controls: {', '.join(self.controls)}.")
        name = values["name"] if "name" in values else getattr(self.controls.get("name"), "value", None)
        if name in SPECS:  # its arguments are checked as at construction; the run's length follows the run
            spec_params(name, {k: v for k, v in values.items()
                               if k != SPECS[name].length_param and k in {p.name for p in SPECS[name].params}})
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

    # ---- display: the widget (its canvas keeps a PNG in the saved widget state), plus a PNG for
    # viewers without widgets (GitHub, nbviewer)
    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            boxes = list(self.children)
            while boxes:  # panels inside this one (the shoot-out's explorer) keep their figure too
                box = boxes.pop()
                if isinstance(box, Panel):
                    box.figure.snapshot()
                boxes += getattr(box, "children", ())
            data["image/png"] = self._live.snapshot()
        return data
