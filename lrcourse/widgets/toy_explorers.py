"""Gradient descent on the one weight of y = w·x, with a live learning-rate slider.

The numbers come from :mod:`lrcourse.toy` (:func:`~lrcourse.toy.gradient_descent_1d`,
:func:`~lrcourse.toy.stability_limit`); the panel only draws them.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from ..plots import PALETTE
from ..toy import curvature, gd_regime, gradient_descent_1d, stability_limit
from .base import STYLE, Panel, control_layout, message_html
from .figure import LiveFigure

__all__ = ["GradientDescentExplorer", "explore_gradient_descent"]

#: losses outside this range cannot sit on a log axis (a loss of exactly 0, or inf)
_CLIP = (1e-16, 1e16)


class GradientDescentExplorer(Panel):
    r"""Gradient descent on the one weight of y = w·x, with a slider for the learning rate.

    Three panels: the loss as a parabola in ``w`` with the iterates on it; the
    loss at each step; and the loss after ``num_steps`` against the learning
    rate, with the stability limit ``2 / curvature`` drawn as a dashed line.
    Build it with :func:`explore_gradient_descent`.

    Args:
        x, y (sequence of float): the data.
        lr (float): the starting rate. Default: ``0.05``.
        w0 (float): the starting weight. Default: ``0.0``.
        num_steps (int): steps of gradient descent. Default: ``20``.

    Attributes:
        controls (dict): ``lr``, ``num_steps`` and ``w0``.
        limit (float): the stability limit ``2 / curvature``; ``w_star`` the best
            weight; ``curvature`` the loss's curvature in ``w``.
        curve (dict): the last iterates (:func:`~lrcourse.toy.gradient_descent_1d`),
            plus ``"sweep_lr"`` and ``"sweep_loss"``: the loss after ``num_steps`` at each rate.
        lines (dict): the plotted data: ``path``, ``loss``, ``sweep``, ``marker`` and ``limit``.

    Example:
        >>> ex = GradientDescentExplorer([1, 2, 3, 4], [2, 4, 6, 8])
        >>> ex.set(lr=0.14)
        >>> "diverging" in ex.message.value
        True
    """

    def __init__(self, x, y, lr: float = 0.05, w0: float = 0.0, num_steps: int = 20):
        super().__init__(LiveFigure(1, figsize=(8.3, 3.0), ncols=3, left=0.55))
        self.x = np.asarray(x, dtype=float).ravel()
        self.y = np.asarray(y, dtype=float).ravel()
        self.limit = stability_limit(self.x)
        self.w_star = float(np.sum(self.x * self.y) / np.sum(self.x ** 2))
        self.curvature = curvature(self.x)
        top = round(1.5 * self.limit, 3)
        self.controls = {
            "lr": W.FloatSlider(value=lr, min=0.001, max=top, step=top / 300, readout_format=".4f",
                                description="lr", style=STYLE, layout=control_layout(300)),
            "num_steps": W.IntSlider(value=num_steps, min=1, max=60, description="num_steps", style=STYLE,
                                     layout=control_layout(260)),
            "w0": W.FloatSlider(value=w0, min=self.w_star - 4, max=self.w_star + 4, step=0.1,
                                description="starting w", style=STYLE, layout=control_layout(260)),
        }
        self._curve: dict | None = None
        live = self.figure
        ax_w, ax_steps, ax_lr = live.axes
        span = np.linspace(self.w_star - 4.5, self.w_star + 4.5, 200)
        ax_w.plot(span, [np.mean((w * self.x - self.y) ** 2) for w in span], color="#999999", lw=1)
        self._path = live.add_line("path", ax_w, [], [], "o-", color=PALETTE[0], ms=4, lw=1)
        ax_w.set_xlim(self.w_star - 4.5, self.w_star + 4.5)  # fixed: the parabola, wherever the iterates go
        ax_w.set_xlabel("w")
        ax_w.set_ylabel("loss")
        ax_w.set_title("the loss is a parabola in w", fontsize="small")
        self._loss = live.add_line("loss", ax_steps, [], [], "o-", color=PALETTE[1], ms=3, lw=1)
        ax_steps.set_yscale("log")
        ax_steps.set_xlabel("step")
        ax_steps.set_title("loss at each step", fontsize="small")
        self._sweep_lrs = np.linspace(0.001, top, 300)
        self._sweep = live.add_line("sweep", ax_lr, color=PALETTE[2])
        live.add_line("limit", ax_lr, [self.limit, self.limit], [0, 1], color=PALETTE[1], ls="--", lw=1,
                      transform=ax_lr.get_xaxis_transform())
        ax_lr.text(self.limit, 0.92, f" 2/L = {self.limit:.4g}", color=PALETTE[1], fontsize="small",
                   transform=ax_lr.get_xaxis_transform(), va="top")
        self._marker = live.add_line("marker", ax_lr, [], [], "o", color=PALETTE[0], ms=7)
        ax_lr.set_yscale("log")
        ax_lr.set_xlabel("lr")
        ax_lr.set_title("loss after num_steps", fontsize="small")
        self.watch(*self.controls.values())
        self.arrange(self.controls.values(), beside=False)
        self.update()

    @property
    def curve(self) -> dict | None:
        """The last iterates ``w`` and ``loss``, and the sweep ``sweep_lr``, ``sweep_loss``."""
        return self._curve

    def update(self):
        """Recompute the iterates and the sweep, and redraw."""
        try:
            lr, n, w0 = (self.controls[k].value for k in ("lr", "num_steps", "w0"))
            p = gradient_descent_1d(self.x, self.y, lr, w0, n)
            sweep = [gradient_descent_1d(self.x, self.y, float(r), w0, n)["loss"][-1] for r in self._sweep_lrs]
        except Exception as err:  # shown to the learner, never swallowed
            self.message.value = message_html(f"{type(err).__name__}: {err}", error=True)
            return
        self._curve = {**p, "sweep_lr": self._sweep_lrs.copy(), "sweep_loss": np.asarray(sweep)}
        shown = np.abs(p["w"] - self.w_star) <= 4.5  # iterates inside the drawn parabola
        self._path.set_data(p["w"][shown], p["loss"][shown])
        self._loss.set_data(np.arange(n + 1), np.clip(p["loss"], *_CLIP))
        self._sweep.set_data(self._sweep_lrs, np.clip(sweep, *_CLIP))
        self._marker.set_data([lr], [np.clip(p["loss"][-1], *_CLIP)])
        self.figure.redraw()
        regime = gd_regime(lr, self.x)
        factor = 1 - lr * self.curvature
        self.message.value = message_html(
            f"lr = {lr:.4g}: {regime}. Each step multiplies the distance to w* = {self.w_star:g} by "
            f"1 - lr·L = {factor:.3f} (L = {self.curvature:g}). After {n} steps w = {p['w'][-1]:.4g}, "
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
