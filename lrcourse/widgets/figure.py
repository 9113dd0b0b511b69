"""The live figure of every panel: a matplotlib figure shown with ipympl and redrawn in place, fast.

A slider move in JupyterLab ends in a new frame on the panel's canvas. Measured in Chromium from
the key press (the browser test prints it), a frame of the schedule explorer used to take about
90 ms: the key to the kernel (4 ms), torch's ``scheduler.step`` loop (2 ms for 300 steps, about
30 ms for 10,000), ipympl's ``draw_idle`` asking the browser to ask the kernel for a frame (two more
messages, about 15 ms), an Agg draw of the whole figure (about 30 ms, mostly tick labels and other
text), a PNG from Pillow (6 to 13 ms), the frame to the browser (about 12 ms) and its decode (about
12 ms). :class:`LiveFigure` removes the largest parts:

- **Only what changed is drawn.** The named lines (:meth:`LiveFigure.add_line`) are drawn over a
  kept image of everything else (frame, grid, ticks, labels) whenever the axes did not change; a
  change of limits, scale, labels, visibility or of any other artist draws everything again.
- **No round trip.** Once the browser shows the canvas, :meth:`LiveFigure.redraw` draws and sends
  the frame at once, while the kernel still handles the slider's message.
- **A faster PNG** (:func:`~lrcourse.widgets.png.encode_png`): no row filters and zlib at level 1, about 3 ms a frame.
- **Whole frames**, never differences to the previous frame: a frame the browser skips (a newer one
  arrived before it was shown) leaves nothing stale on the canvas.

A fast drag leaves no queue of stale frames: ipywidgets sends a control's next value only once the
kernel is done with the one before (while one is pending, only the latest value is kept), and the
kernel draws while it handles each value, so the last value is the last frame drawn. A training
does not send frames from its many small steps (``redraw(send=False)``): the browser asks for one
frame at a time, drawn from the latest data.
"""
from __future__ import annotations

import base64
import functools
import io
import threading

import numpy as np

from .png import encode_png

__all__ = ["LiveFigure", "line_data"]


def line_data(line) -> tuple:
    r"""A matplotlib line's data as it is drawn: ``(x, y)``, two float arrays (a copy).

    Example:
        >>> from matplotlib.lines import Line2D
        >>> line_data(Line2D([0, 1], [2, 3]))[1].tolist()
        [2.0, 3.0]
    """
    return np.array(line.get_xdata(), dtype=float), np.array(line.get_ydata(), dtype=float)


@functools.cache
def _ipympl():
    """ipympl's canvas, made to draw through its LiveFigure and to send whole, quickly encoded frames.

    Imported on first use, and without switching pyplot's backend: importing ipympl can switch it
    when matplotlib is loaded, and the course keeps static plots inline (one PNG each in the saved
    notebook), so the previous backend is put back.
    """
    import matplotlib

    before = matplotlib.get_backend()
    from ipympl.backend_nbagg import Canvas, FigureManager

    if matplotlib.get_backend() != before:
        matplotlib.use(before)

    class LiveCanvas(Canvas):
        """ipympl's canvas widget; ``draw`` renders with ``render_frame`` (its LiveFigure's) when set."""

        render_frame = None
        printed = 0  # savefig draws everything on this canvas, unseen by its LiveFigure's kept background

        def print_figure(self, *args, **kwargs):
            self.printed += 1
            return super().print_figure(*args, **kwargs)

        def draw(self):
            if self.render_frame is None:
                return super().draw()
            self._png_is_old = True
            try:
                self.render_frame()
            finally:
                self.manager.refresh_all()  # the frame, to the browser

        def get_diff_image(self):
            if not self._png_is_old:
                return None
            pixels = np.asarray(self.get_renderer().buffer_rgba())
            self.set_image_mode("full")
            self._last_buff = pixels.view(np.uint32).squeeze(2).copy()  # ipympl reads it for its data URL
            self._force_full = False
            self._png_is_old = False
            return encode_png(pixels)

    return LiveCanvas, FigureManager


def _snap(lo: float, hi: float, log: bool) -> tuple:
    """``lo`` and ``hi`` moved out to a grid of 1/20 of their range's order of magnitude (of decades on a
    log axis), so a curve that changes by a hair keeps its axes, and only its lines are drawn again."""
    if log:
        if not (lo > 0 and hi > lo):
            return lo, hi
        a, b = _snap(np.log10(lo), np.log10(hi), False)
        return 10.0 ** a, 10.0 ** b
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        return lo, hi
    grid = 10.0 ** np.floor(np.log10(hi - lo)) / 20
    return np.floor(lo / grid + 1e-6) * grid, np.ceil(hi / grid - 1e-6) * grid


def _snap_limits(ax) -> None:
    """Snap the limits of ``ax``'s autoscaled axes (see :func:`_snap`)."""
    if ax.get_autoscalex_on():
        ax.set_xlim(*_snap(*ax.get_xlim(), ax.get_xscale() == "log"), auto=None)
    if ax.get_autoscaley_on():
        ax.set_ylim(*_snap(*ax.get_ylim(), ax.get_yscale() == "log"), auto=None)


def _axis_key(axis) -> tuple:
    """What decides how an axis looks, besides the artists on it."""
    return (axis.get_scale(), axis.get_label().get_text(), id(axis.get_major_locator()),
            id(axis.get_major_formatter()), repr(sorted(axis.get_tick_params().items())))


class LiveFigure:
    r"""A matplotlib figure built once, shown with ipympl, and redrawn in place, fast.

    The layout is fixed (margins in inches, no constrained layout) and ticks are few. Lines added
    with :meth:`add_line` have a name; :attr:`lines` reads them back, and a redraw that changed only
    them draws only them, over a kept image of the rest (see the module's notes).

    Args:
        nrows (int): rows of axes, sharing the x axis (when ``ncols`` is 1). Default: ``1``.
        figsize (tuple): width and height in inches (100 pixels each). Default: ``(4.8, 3.2)``.
        ncols (int): columns of independent axes. Default: ``1``.
        left (float): the margin left of the axes, in inches (room for tick labels and the
            y label). Default: ``0.85``.

    Attributes:
        fig (Figure): the matplotlib figure; ``canvas`` its ipympl canvas (a widget).
        axes (list of Axes): row by row.
        frames (int): frames drawn for the browser; ``full_frames`` how many of them drew
            everything (the others drew only the lines).

    Example:
        >>> live = LiveFigure(2)
        >>> line = live.add_line("lr", 0, [0, 1], [0, 1])
        >>> line.set_ydata([0, 5]); live.redraw()
        >>> bool(live.axes[0].get_ylim()[1] >= 5), live.lines["lr"][1].tolist()
        (True, [0.0, 5.0])
    """

    def __init__(self, nrows: int = 1, figsize=(4.8, 3.2), ncols: int = 1, left: float = 0.85):
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        width, height = figsize
        self.fig = Figure(figsize=figsize, facecolor="white", dpi=100)
        top = 0.3 if ncols > 1 else 0.12  # inches above the axes: room for titles side by side
        self.fig.subplots_adjust(left=left / width, right=1 - 0.15 / width, top=1 - top / height,
                                 bottom=0.45 / height, hspace=0.12, wspace=0.3)
        try:  # ipympl's canvas: a widget that JupyterLab updates in place
            canvas_class, manager_class = _ipympl()
            canvas = canvas_class(self.fig)
            manager_class(canvas, id(self.fig))
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.resizable = False
            # no pan and zoom: the next control move rescales anyway, and the toolbar covers the tick labels
            canvas.toolbar_visible = False
            canvas.render_frame = self._render_frame
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
        self._background: tuple | None = None  # (what it shows, the pixels)
        self._lock = threading.RLock()
        self._snapshots = False
        self.frames = 0
        self.full_frames = 0

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
        return {name: line_data(line) for name, line in self._lines.items()}

    # ---- drawing
    @property
    def attached(self) -> bool:
        """Whether a browser shows the canvas (ipympl's front end said so), so frames can be sent at once."""
        return getattr(self.fig.canvas, "syncing_data_url", True) is False

    def redraw(self, rescale: bool = True, send: bool = True) -> None:
        """Rescale every axis to its data (unless ``rescale=False``) and show the figure as it is now.

        Shown in a browser, the frame is drawn and sent at once. Otherwise (no browser yet, or
        ``send=False`` for the many small steps of a training, which must not wait for frames) the
        canvas asks the browser to ask for a frame when it is free.
        """
        if rescale:
            for ax in self.axes:
                ax.relim()
                ax.autoscale_view()
                _snap_limits(ax)
        if send and self.attached:
            self.fig.canvas.draw()
        else:
            self.fig.canvas.draw_idle()
            if send and self._snapshots:  # shown, but no browser draws it (a notebook run by nbclient)
                self.snapshot()

    def attach_front_end(self) -> None:
        """Put the canvas in the state JupyterLab puts it in once it shows it (``lrcourse bench`` times that).

        From then on :meth:`redraw` draws and sends each frame at once.
        """
        canvas = self.fig.canvas
        if hasattr(canvas, "syncing_data_url"):
            canvas.syncing_data_url = False
            canvas.manager.resize(*self.fig.bbox.size)

    def render(self) -> bytes:
        """Draw a frame now, as the browser would get it (only the lines when the axes stay), and encode it.

        Returns the PNG bytes of the frame.
        """
        self._render_frame()
        return encode_png(np.asarray(self.fig.canvas.get_renderer().buffer_rgba()))

    def snapshot(self) -> str:
        """Keep the figure as it is now, and its size, in the canvas's widget state; return it as a base64 PNG.

        ipympl shows that image (its ``_data_url``, at its ``_size``) where no kernel draws the
        canvas: a saved notebook opened in JupyterLab, or rendered from its widget state. Once
        called, every :meth:`redraw` without a browser keeps it current.
        """
        data = self.png()
        canvas = self.fig.canvas
        if hasattr(canvas, "_data_url"):  # as ipympl does when it displays a canvas itself
            canvas._data_url = f"data:image/png;base64,{data}"
            ratio = getattr(canvas, "device_pixel_ratio", 1) or 1
            canvas._size = tuple(float(v) / ratio for v in self.fig.bbox.size)  # else a restored view is 0 x 0
        self._snapshots = True
        return data

    def png(self) -> str:
        """The figure as it is now, as a base64-encoded PNG (saved with the figure's own renderer)."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi="figure")
        return base64.b64encode(buf.getvalue()).decode("ascii")

    def _layers(self):
        """Per visible axes, in drawing order: the static artists kept in the background, and the
        named lines with every artist drawn after the first of them (kept out of the background).

        Titles stay in the background (outside the axes, so no line crosses them): a hidden title
        would be moved by matplotlib's title placement.
        """
        named = {id(line) for line in self._lines.values()}
        for ax in self.axes:
            if not ax.get_visible():
                continue
            titles = {id(t) for t in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None))}
            ordered = sorted((a for a in ax.get_children() if a is not ax.patch), key=lambda a: a.get_zorder())
            first = next((i for i, a in enumerate(ordered) if id(a) in named), len(ordered))
            static = ordered[:first] + [a for a in ordered[first:] if id(a) in titles]
            yield ax, static, [a for a in ordered[first:] if a.get_visible() and id(a) not in titles]

    def _key(self, layers) -> tuple:
        """What the background shows: sizes, the axes' places, limits, scales, labels, and static artists."""
        from matplotlib.axis import Axis
        from matplotlib.text import Text

        key = [tuple(self.fig.bbox.bounds), self.fig.dpi, getattr(self.fig.canvas, "printed", 0)]
        for ax, static, _ in layers:
            key += [tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim(), _axis_key(ax.xaxis),
                    _axis_key(ax.yaxis)]
            key += [(id(a), a.get_visible(), a.get_text() if isinstance(a, Text) else None)
                    for a in static if not isinstance(a, Axis)]
        return tuple(key)

    @staticmethod
    def _changed(layers) -> bool:
        """Whether a static artist changed since it was drawn (axes are judged by the key, empty texts never draw)."""
        from matplotlib.axis import Axis
        from matplotlib.text import Text

        return any(a.stale for _, static, _ in layers for a in static
                   if a.get_visible() and not isinstance(a, Axis) and not (isinstance(a, Text) and not a.get_text()))

    def _render_frame(self) -> None:
        """Render into the canvas's Agg buffer: the background (kept, or drawn again), then the named lines.

        One frame at a time: widget messages can be handled in more than one thread (ipykernel's subshells).
        """
        with self._lock:
            self._render_frame_now()

    def _render_frame_now(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = self.fig.canvas
        layers = list(self._layers())
        key = self._key(layers)
        if self._background is None or self._background[0] != key or self._changed(layers):
            on_top = [a for _, _, top in layers for a in top]
            for a in on_top:
                a.set_visible(False)
            try:
                FigureCanvasAgg.draw(canvas)
                self._background = (key, canvas.copy_from_bbox(self.fig.bbox))
            finally:
                for a in on_top:
                    a.set_visible(True)
            self.full_frames += 1
        else:
            canvas.restore_region(self._background[1])
        for ax, _, top in layers:
            for a in top:
                ax.draw_artist(a)
        self.frames += 1
