"""Plot helpers. Each takes ``ax=None`` (or ``axes=None``): given axes, it draws there and shows nothing.

Figures keep an opaque white background and use the colour-blind-safe
Okabe–Ito palette, so they read the same in JupyterLab's light and dark themes.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["PALETTE", "new_axes", "plot_lr_curve", "plot_history", "plot_runs", "FINDER_MARKERS", "plot_finder", "plot_leaderboard", "plot_shootout"]

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
    r"""Plot a learning-rate curve, for example the output of :func:`~lrcourse.curves.lr_curve`.

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
        >>> from lrcourse.curves import lr_curve
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


#: one marker per LR-finder suggestion method
FINDER_MARKERS = {"steep": "v", "minimum": "o", "valley": "D", "slide": "s"}


def plot_finder(lrs, losses, ax=None, raw_losses=None, suggestions=None, skip_start: int = 10,
                skip_end: int = 5, log_lr: bool = True, label: str = "smoothed loss", color=None,
                log_loss: bool = False):
    r"""An LR range-test curve: loss against rate, with suggested rates marked.

    Args:
        lrs (sequence of float): the swept rates.
        losses (sequence of float): the smoothed losses.
        ax (Axes, optional): where to draw. Default: a new figure.
        raw_losses (sequence of float, optional): drawn faintly behind. Default: ``None``.
        suggestions (dict, optional): ``{method: lr}``; a ``str`` value (a method
            that could not answer) is listed in the legend as "n/a". Default: ``None``.
        skip_start (int): points hidden at the start. Default: ``10``.
        skip_end (int): points hidden at the end. Default: ``5``.
        log_lr (bool): log-scale rate axis. Default: ``True``.
        label (str): legend label of the curve. Default: ``"smoothed loss"``.
        color: the curve's colour. Default: the first of the palette.
        log_loss (bool): log-scale loss axis, for losses that span decades. Default: ``False``.

    Returns:
        Axes: the axes drawn on.

    Example:
        >>> lrs = np.logspace(-4, 0, 50)
        >>> ax = plot_finder(lrs, (np.log10(lrs) + 2) ** 2, suggestions={"minimum": 0.001}, skip_start=0, skip_end=0)
        >>> ax.get_xscale()
        'log'
    """
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if lrs.ndim != 1 or lrs.shape != losses.shape or len(lrs) == 0:
        raise ValueError("lrs and losses must be non-empty 1-D sequences of the same length.")
    if ax is None:
        _, ax = new_axes()
    shown = slice(skip_start, max(skip_start, len(lrs) - skip_end))
    color = color or PALETTE[0]
    if raw_losses is not None:
        ax.plot(lrs[shown], np.asarray(raw_losses, dtype=float)[shown], color=color, alpha=0.25, lw=0.8,
                label="raw loss")
    ax.plot(lrs[shown], losses[shown], color=color, label=label)
    for i, (method, lr) in enumerate((suggestions or {}).items()):
        marker = FINDER_MARKERS.get(method, "x")
        if isinstance(lr, str):
            ax.plot([], [], marker=marker, ls="none", color="grey", label=f"{method}: n/a")
            continue
        y = np.interp(np.log10(lr), np.log10(lrs), losses) if log_lr else np.interp(lr, lrs, losses)
        ax.plot([lr], [y], marker=marker, ms=8, ls="none", color=PALETTE[(i + 1) % len(PALETTE)],
                markeredgecolor="black", label=f"{method}: {lr:.2g}")
    if log_lr:
        ax.set_xscale("log")
    if log_loss:
        ax.set_yscale("log")
    ax.set_xlabel("learning rate" + (" (log scale)" if log_lr else ""))
    ax.set_ylabel("loss")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_leaderboard(rows, ax=None, highlight=(), pct: bool = True):
    r"""A shoot-out leaderboard as points: each row's mean accuracy, with ± std error bars.

    The rows (:class:`~lrcourse.results.Row`, from
    :meth:`~lrcourse.shootout.ShootoutResult.leaderboard`) say which accuracy
    they show (``Row.split``). The best row is at the top. The axis spans at
    least 2 points (and every error bar), with points rather than bars cut
    off at its left edge, so small gaps look small.

    Args:
        rows (list of Row): the leaderboard, best first.
        ax (Axes, optional): where to draw. Default: a new figure.
        highlight (sequence of str): labels drawn in another colour (for
            example contestants you added). Default: ``()``.
        pct (bool): show accuracies in %. Default: ``True``.

    Returns:
        Axes: the axes drawn on.

    Example:
        >>> from lrcourse.results import Row
        >>> rows = [Row("a", "test", (0.968, 0.972)), Row("b", "test", (0.956, 0.964))]
        >>> ax = plot_leaderboard(rows)
        >>> [t.get_text() for t in ax.get_yticklabels()]
        ['b', 'a']
    """
    split_name = rows[0].split_name if rows else "test"
    rows = [r for r in rows if r.acc_mean is not None]
    if ax is None:
        _, ax = new_axes(figsize=(6.4, 0.35 * len(rows) + 1.2))
    if not rows:
        ax.text(0.5, 0.5, "no contestants yet", ha="center", va="center", transform=ax.transAxes)
        return ax
    scale = 100.0 if pct else 1.0
    rows = rows[::-1]  # barh draws bottom-up: the best at the top
    means = np.array([r.acc_mean for r in rows]) * scale
    stds = np.array([r.acc_std for r in rows]) * scale
    colours = [PALETTE[1] if r.label in highlight else PALETTE[0] for r in rows]
    y = np.arange(len(rows))
    for yi, m, sd, colour in zip(y, means, stds, colours):  # points, not bars cut off at the axis
        ax.errorbar([m], [yi], xerr=[sd], fmt="o", color=colour, capsize=3, lw=1)
    ax.set_yticks(y, [r.label for r in rows])
    lo, hi = float((means - stds).min()), float((means + stds).max())
    pad = max(0.1 * (hi - lo), 0.0025 * scale)
    lo, hi = lo - pad, hi + 2 * pad
    if hi - lo < 0.02 * scale:  # at least 2 points wide: a gap of a few digits never fills the figure
        mid = (lo + hi) / 2
        lo, hi = mid - 0.01 * scale, mid + 0.01 * scale
    ax.set_xlim(lo, hi)
    for yi, m, sd in zip(y, means, stds):
        ax.text(m + sd + 0.15 * pad, yi + 0.15, f"{m:.2f}" if pct else f"{m:.4f}", va="bottom", fontsize="x-small")
    ax.set_xlabel(f"{split_name} accuracy" + (" (%)" if pct else "") + ", mean ± std over seeds")
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    return ax


def plot_shootout(result, axes=None, groups=None, seed_index: int = 0, min_span: float = 2.0):
    r"""A shoot-out at a glance: every seed's accuracy as a dot, and each family's rates on its own axis.

    The first panel has one row per contestant, in leaderboard order, one dot
    per seed and a bar at the mean, of the accuracy the leaderboard shows
    (``Row.split``: the final validation accuracy when ``result.sealed``). Its axis spans at
    least ``min_span`` points, so a gap of a few digits never fills the
    figure. Then one panel per group of contestants (for example SGD and
    Adam, whose rates differ 30-fold): the rate at every step of the run with
    ``seeds[seed_index]``, as the optimizer held it, on a linear axis.

    Args:
        result (ShootoutResult): what :func:`~lrcourse.shootout.shootout` returned.
        axes (sequence of Axes, optional): ``1 + len(groups)`` axes. Default: a new figure.
        groups (dict, optional): ``{title: [labels]}``. Default: one group of every contestant.
        seed_index (int): whose run the rate panels show. Default: ``0``.
        min_span (float): the least width of the accuracy axis, in points. Default: ``2.0``.

    Returns:
        the axes (accuracies, then one per group).

    Example:
        >>> from lrcourse.results import Runs
        >>> from lrcourse.shootout import Contestant, ShootoutResult
        >>> from lrcourse.train import History
        >>> r = ShootoutResult(data=None, seeds=(0,), num_epochs=1, batch_size=64, target_acc=0.9)
        >>> h = History(label="a")
        >>> h.steps.update(epoch=[1, 1], lr=[[0.1], [0.1]], momentum=[0.9, 0.9], loss=[2.0, 1.0])
        >>> h.epochs.update(epoch=[1], train_loss=[1.5], val_loss=[1.2], val_acc=[0.91], time=[0.1])
        >>> r.runs["a"] = Runs(Contestant("a", None), [h], [0.9], [0.1])
        >>> axes = plot_shootout(r)
        >>> len(axes), bool(axes[0].get_xlim()[1] - axes[0].get_xlim()[0] >= 2.0)
        (2, True)
    """
    rows = result.leaderboard()
    order = [r.label for r in rows]
    groups = groups or {"learning rate": order}
    if axes is None:
        _, axes = new_axes(1, 1 + len(groups), figsize=(4.6 * (1 + len(groups)), 0.35 * len(order) + 2.4))
    axes = list(np.atleast_1d(axes))
    ax = axes[0]
    y = np.arange(len(order))[::-1]  # the best at the top
    for yi, row in zip(y, rows):
        values = 100 * np.array([np.nan if v is None else v for v in row.accs], dtype=float)
        ax.scatter(values, np.full(len(values), yi) + np.linspace(-0.15, 0.15, len(values)), s=18,
                   color=PALETTE[0], alpha=0.8, zorder=3)
        ax.plot([np.nanmean(values)] * 2, [yi - 0.3, yi + 0.3], color=PALETTE[1], lw=2.5, zorder=4)
    ax.set_yticks(y, order)
    lo, hi = ax.get_xlim()
    if hi - lo < min_span:
        mid = (lo + hi) / 2
        ax.set_xlim(mid - min_span / 2, mid + min_span / 2)
    ax.set_xlabel(f"final {rows[0].split_name if rows else 'test'} accuracy (%): a dot per seed, a bar at the mean")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"{len(result.seeds)} seeds x {result.num_epochs} epochs", fontsize="medium")
    colours = PALETTE[:7]  # the palette's yellow is too pale for thin lines on white
    for ax_lr, (title, labels) in zip(axes[1:], groups.items()):
        for i, label in enumerate(labels):
            h = result.runs[label].histories[seed_index]
            ax_lr.plot(np.arange(h.num_steps) / h.steps_per_epoch, h.lr, color=colours[i % len(colours)], lw=1.4,
                       label=label)
        ax_lr.set_xlabel("epoch")
        ax_lr.set_ylabel("learning rate")
        ax_lr.set_ylim(bottom=0)
        ax_lr.set_title(f"{title} (seed {result.seeds[seed_index]})", fontsize="medium")
        ax_lr.legend(fontsize="x-small", loc="best")
    return axes
