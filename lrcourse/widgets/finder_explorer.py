"""Re-read a stored LR range test live: sliders for the smoothing and the skipped ends.

Nothing is re-run: :meth:`~lrcourse.finder.LRFinder.smoothed` re-smooths the
raw losses the finder recorded, and :meth:`~lrcourse.finder.LRFinder.suggestions`
reads every suggestion method off the new curve.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from ..plots import PALETTE, plot_finder
from .base import STYLE, Panel, control_layout, message_html
from .figure import LiveFigure, line_data

__all__ = ["FinderExplorer", "explore_finder"]


class FinderExplorer(Panel):
    r"""Re-read a stored LR range test live: sliders for the smoothing and the skipped ends.

    The raw losses the finder recorded are smoothed again
    (:meth:`~lrcourse.finder.LRFinder.smoothed`) and every suggestion method
    (:meth:`~lrcourse.finder.LRFinder.suggestions`) reads the new curve.
    Build it with :func:`explore_finder`.

    Args:
        finder (LRFinder): a finder after ``range_test``.
        marks (dict, optional): ``{label: lr}`` drawn as dashed vertical lines,
            for example a known divergence limit. Default: ``None``.
        skip_start (int): starting value of the skip_start slider. Default: ``10``
            (at most a third of the points).
        skip_end (int): starting value of the skip_end slider. Default: ``5``
            (at most a third of the points).
        log_loss (bool): start with a log-scale loss axis (a checkbox). Default: ``False``.

    Attributes:
        controls (dict): ``beta``, ``skip_start``, ``skip_end`` and ``log_loss``.
        suggestions (dict): ``{method: lr}`` for the current settings (a ``str``:
            why a method could not answer).
        curve (dict): what is plotted: ``lr``, ``loss`` (smoothed), ``raw_loss``.
        lines (dict): the ``loss`` and ``raw_loss`` lines as drawn, ``{name: (lr, loss)}``.
        ax (Axes): the figure's one axes.

    Example:
        >>> import torch
        >>> from lrcourse.finder import LRFinder
        >>> f = LRFinder(torch.nn.Linear(1, 1), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1))
        >>> lrs = np.logspace(-4, 0, 41)
        >>> raw = list((np.log10(lrs) + 2) ** 2)
        >>> f.history = {"lr": list(lrs), "loss": raw, "raw_loss": raw}
        >>> ex = FinderExplorer(f)
        >>> ex.set(beta=0.0)
        >>> round(ex.suggestions["minimum"], 6)
        0.001
    """

    def __init__(self, finder, marks: dict | None = None, skip_start: int = 10, skip_end: int = 5,
                 log_loss: bool = False):
        if not finder.history["lr"]:
            raise ValueError("The finder has no curve yet: call finder.range_test(...) first.")
        super().__init__(LiveFigure(1, figsize=(4.8, 3.4)))
        self.finder, self.marks = finder, dict(marks or {})
        n = len(finder.history["lr"])
        beta = finder.settings.get("beta", 0.98)
        self.controls = {
            "beta": W.FloatSlider(value=beta, min=0.0, max=0.99, step=0.01, description="beta (β)",
                                  style=STYLE, layout=control_layout()),
            "skip_start": W.IntSlider(value=min(skip_start, n // 3), min=0, max=max(n // 2, 1),
                                      description="skip_start", style=STYLE, layout=control_layout()),
            "skip_end": W.IntSlider(value=min(skip_end, n // 3), min=0, max=max(n // 2, 1),
                                    description="skip_end", style=STYLE, layout=control_layout()),
            "log_loss": W.Checkbox(value=log_loss, description="log loss axis", indent=False,
                                   layout=control_layout()),
        }
        self.suggestions: dict = {}
        self._curve: dict | None = None
        self._drawn: dict = {}  # the plotted loss lines, by name
        self.watch(*self.controls.values())
        self.arrange(self.controls.values())
        self.update()

    @property
    def ax(self):
        """The figure's one axes."""
        return self.figure.axes[0]

    @property
    def curve(self) -> dict | None:
        """What is plotted: ``lr``, ``loss`` (re-smoothed with the slider's β) and ``raw_loss``."""
        return self._curve

    @property
    def lines(self) -> dict:
        """``{name: (x, y)}``: the ``loss`` and ``raw_loss`` lines as drawn, the skipped ends left out (a copy)."""
        return {name: line_data(line) for name, line in self._drawn.items()}

    def update(self):
        """Re-smooth, re-suggest and redraw."""
        beta, skip_start, skip_end = (self.controls[k].value for k in ("beta", "skip_start", "skip_end"))
        h = self.finder.history
        try:
            losses = self.finder.smoothed(beta)
            self.suggestions = self.finder.suggestions(skip_start=skip_start, skip_end=skip_end, beta=beta)
        except Exception as err:  # shown to the learner, never swallowed
            self.message.value = message_html(f"{type(err).__name__}: {err}", error=True)
            return
        self._curve = {"lr": np.asarray(h["lr"], dtype=float), "loss": losses,
                       "raw_loss": np.asarray(h["raw_loss"], dtype=float)}
        ax = self.ax
        ax.cla()
        ax.grid(True, alpha=0.3)
        label = f"smoothed, β = {beta:.2f}"
        plot_finder(h["lr"], losses, ax=ax, raw_losses=h["raw_loss"], suggestions=self.suggestions,
                    skip_start=skip_start, skip_end=skip_end, label=label, log_loss=self.controls["log_loss"].value)
        self._drawn = {name: line for line in ax.lines for name, want in (("loss", label), ("raw_loss", "raw loss"))
                       if line.get_label() == want}
        for i, (label, lr) in enumerate(self.marks.items()):
            ax.axvline(lr, color=PALETTE[6 - i % 2], ls="--", lw=1)
            ax.text(lr, 0.97, f" {label}", transform=ax.get_xaxis_transform(), va="top", fontsize="small")
        self.figure.redraw(rescale=False)
        parts = [f"{m}: {v:.3g}" if not isinstance(v, str) else f"{m}: n/a ({v})"
                 for m, v in self.suggestions.items()]
        shown = len(h["lr"]) - skip_start - skip_end
        self.message.value = message_html(
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
        >>> import torch
        >>> from lrcourse.data import linear_data
        >>> from lrcourse.finder import LRFinder
        >>> from lrcourse.models import linear_model
        >>> model = linear_model()
        >>> finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01))
        >>> finder.range_test(linear_data("cpu"), start_lr=1e-4, end_lr=1, num_iter=50, verbose=False)
        >>> ex = explore_finder(finder)
        >>> sorted(ex.suggestions)
        ['minimum', 'slide', 'steep', 'valley']
    """
    return FinderExplorer(finder, **kwargs)
