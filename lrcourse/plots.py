"""Plot helpers. Each takes ``ax=None`` (or ``axes=None``): given axes, it draws there and shows nothing.

Figures keep an opaque white background and use the colour-blind-safe
Okabe–Ito palette, so they read the same in JupyterLab's light and dark themes.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

#: Okabe & Ito (2008) colour-blind-safe palette, dark enough on white
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]


def new_axes(nrows: int = 1, ncols: int = 1, figsize=None, sharex: bool = False):
    r"""A figure with a white background (readable in dark themes) and its axes.

    Example:
        >>> fig, ax = new_axes()
        >>> fig.get_facecolor()[:3]
        (1.0, 1.0, 1.0)
    """
    import matplotlib.pyplot as plt

    figsize = figsize or (6.4, 2.2 * nrows + 1.2)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, sharex=sharex, squeeze=True,
                             facecolor="white", layout="constrained")
    for ax in np.atleast_1d(axes).flat:
        ax.set_facecolor("white")
        ax.grid(True, alpha=0.3)
    return fig, axes


def plot_lr_curve(lrs: Sequence[float], ax=None, log: bool = False, label: str | None = None,
                  x: Sequence[float] | None = None, xlabel: str = "step", color=None, **kwargs):
    r"""Plot a learning-rate curve, for example the output of :func:`~lrcourse.schedules.lr_curve`.

    Args:
        lrs (sequence of float): the rates.
        ax (Axes, optional): where to draw. Default: a new figure.
        log (bool): log-scale y axis. Default: ``False``.
        label (str, optional): legend label.
        x (sequence, optional): x values (for example epochs). Default: ``0..len-1``.
        xlabel (str): x-axis label, with its unit. Default: ``"step"``.
        color: line colour. Default: the palette, in order.

    Returns:
        Line2D: the line, so that a widget can update it with ``set_data``.

    Example:
        >>> from lrcourse.schedules import lr_curve
        >>> line = plot_lr_curve(lr_curve("StepLR", 30, step_size=10, gamma=0.9))
    """
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or len(lrs) == 0:
        raise ValueError("lrs must be a non-empty 1-D sequence of learning rates.")
    if ax is None:
        _, ax = new_axes()
    x = np.arange(len(lrs)) if x is None else np.asarray(x)
    color = color or PALETTE[len(ax.lines) % len(PALETTE)]
    (line,) = ax.plot(x, lrs, label=label, color=color, **kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("learning rate")
    if log:
        ax.set_yscale("log")
    if label:
        ax.legend(loc="best")
    return line


def plot_history(history, axes=None, x: str = "step", label: str | None = None, color=None):
    r"""Loss, validation accuracy and learning rate of one run, on a shared x axis.

    Args:
        history (History): what :func:`~lrcourse.train.fit` returned.
        axes (sequence of 3 Axes, optional): where to draw. Default: a new figure.
        x (str): ``"step"`` (every batch) or ``"epoch"``. Default: ``"step"``.
        label (str, optional): legend label. Default: ``history.label``.
        color: line colour.

    Returns:
        the three axes (loss, accuracy, learning rate).

    Example:
        >>> from lrcourse.train import History
        >>> h = History(label="demo")
        >>> h.steps.update(epoch=[1, 1], lr=[[0.1], [0.1]], momentum=[None, None], loss=[2.0, 1.5])
        >>> h.epochs.update(epoch=[1], train_loss=[1.7], val_loss=[1.6], val_acc=[0.5], time=[1.0])
        >>> axes = plot_history(h)
    """
    if x not in ("step", "epoch"):
        raise ValueError(f"x must be 'step' or 'epoch', got {x!r}.")
    if axes is None:
        _, axes = new_axes(3, 1, sharex=True, figsize=(6.4, 6.0))
    ax_loss, ax_acc, ax_lr = axes
    label = label if label is not None else history.label
    color = color or PALETTE[len(ax_lr.lines) % len(PALETTE)]
    n, nb = history.num_steps, history.steps_per_epoch
    epochs = np.asarray(history.epochs["epoch"], dtype=float)
    if x == "step":
        xs = np.arange(1, n + 1)
        ex = epochs * nb  # an epoch's metrics sit at its last step
        ax_loss.plot(xs, history.loss, color=color, alpha=0.35, lw=0.8)
    else:
        xs = np.arange(1, n + 1) / nb
        ex = epochs
    prefix = f"{label}: " if label else ""
    ax_loss.plot(ex, history.epochs["train_loss"], color=color, marker="o", ms=3,
                 label=prefix + "train (epoch mean)")
    if any(v is not None for v in history.epochs["val_loss"]):
        ax_loss.plot(ex, history.epochs["val_loss"], color=color, ls="--", marker="s", ms=3,
                     label=prefix + "validation")
    ax_loss.set_ylabel("loss")
    if np.all(np.isfinite(history.loss)) and n and history.loss.min() > 0 and history.loss.max() / history.loss.min() > 100:
        ax_loss.set_yscale("log")
    accs = [np.nan if v is None else v for v in history.epochs["val_acc"]]
    if accs and not np.all(np.isnan(accs)):
        ax_acc.plot(ex, accs, color=color, marker="o", ms=3)
    ax_acc.set_ylabel("val accuracy")
    ax_lr.plot(xs, history.lr, color=color)
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_xlabel("step (batch)" if x == "step" else "epoch")
    ax_loss.legend(loc="best", fontsize="x-small")
    if history.diverged:
        ax_loss.set_title("diverged: " + history.message.split(":")[0], color="#D55E00", fontsize="small")
    return axes


def plot_runs(histories, axes=None, x: str = "step"):
    r"""Overlay several runs (loss, accuracy, learning rate), one colour each.

    Example:
        >>> from lrcourse.train import History
        >>> axes = plot_runs([])
    """
    if axes is None:
        _, axes = new_axes(3, 1, sharex=True, figsize=(6.4, 6.0))
    for i, h in enumerate(histories):
        plot_history(h, axes=axes, x=x, color=PALETTE[i % len(PALETTE)], label=h.label or f"run {i + 1}")
    return axes
