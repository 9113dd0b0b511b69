"""The range test's pure parts: the swept rates, the smoothing, and the rules that suggest a rate.

Each is a plain function of arrays, so a widget can re-read a stored curve
with other settings without re-running the sweep, and each rule is tested on
curves with known answers.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["METHODS", "sweep_lrs", "check_sweep", "smooth_losses", "suggest_lr"]


#: the suggestion methods of :func:`suggest_lr`, in the order a plot lists them
METHODS = ("steepest", "minimum", "valley", "slide")


def sweep_lrs(start_lr: float, end_lr: float, num_iter: int, step_mode: str = "exp") -> np.ndarray:
    r"""The rates a range test uses, one per iteration.

    ``"exp"``: :math:`lr_i = start \cdot (end/start)^{i/(N-1)}`, evenly spaced on a log axis.
    ``"linear"``: :math:`lr_i = start + (end - start) \cdot i/(N-1)`.
    Both start at ``start_lr`` and end at ``end_lr`` exactly, for ``i = 0 .. N-1``.

    Args:
        start_lr (float): the first rate (> 0).
        end_lr (float): the last rate (> ``start_lr``).
        num_iter (int): the number of rates (>= 5).
        step_mode (str): ``"exp"`` or ``"linear"``. Default: ``"exp"``.

    Example:
        >>> sweep_lrs(1e-3, 1e-1, 5).round(6).tolist()
        [0.001, 0.003162, 0.01, 0.031623, 0.1]
        >>> sweep_lrs(0.1, 0.5, 5, "linear").round(6).tolist()
        [0.1, 0.2, 0.3, 0.4, 0.5]
    """
    check_sweep(start_lr, end_lr, num_iter, step_mode)
    frac = np.arange(num_iter) / (num_iter - 1)
    if step_mode == "exp":
        return start_lr * (end_lr / start_lr) ** frac
    return start_lr + (end_lr - start_lr) * frac


def check_sweep(start_lr, end_lr, num_iter, step_mode) -> None:
    r"""Raise a clear ``ValueError`` unless the sweep's arguments make sense.

    Example:
        >>> check_sweep(1e-7, 10, 100, "exp")  # fine: returns None
    """
    if step_mode not in ("exp", "linear"):
        raise ValueError(f"step_mode must be 'exp' (geometric) or 'linear', got {step_mode!r}.")
    for name, value in (("start_lr", start_lr), ("end_lr", end_lr)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}.")
    if end_lr <= start_lr:
        raise ValueError(f"end_lr ({end_lr:g}) must be larger than start_lr ({start_lr:g}): "
                         "the range test sweeps the rate upwards, for example start_lr=1e-7, end_lr=10.")
    if isinstance(num_iter, bool) or not isinstance(num_iter, int) or num_iter < 5:
        raise ValueError(f"num_iter must be an integer >= 5 (one rate per mini-batch), got {num_iter!r}; "
                         "100 is a good start.")


def smooth_losses(losses, smooth_f: float = 0.98) -> np.ndarray:
    r"""Debiased exponential moving average of ``losses`` (as in Adam's bias correction).

    :math:`m_i = \beta m_{i-1} + (1-\beta) L_i`, :math:`m_{-1} = 0`, and the smoothed loss is
    :math:`m_i / (1 - \beta^{i+1})`, with :math:`\beta` = ``smooth_f``. Dividing by
    :math:`1-\beta^{i+1}` removes the pull towards the zero start, so the first value is
    :math:`L_0` itself. ``smooth_f=0`` returns the losses unchanged.

    Args:
        losses (sequence of float): raw losses, in order.
        smooth_f (float): :math:`\beta` in ``[0, 1)``; larger is smoother. Default: ``0.98``.

    Example:
        >>> smooth_losses([1.0, 1.0, 1.0], 0.9).tolist()
        [1.0, 1.0, 1.0]
        >>> smooth_losses([2.0, 0.0], 0.5).round(4).tolist()
        [2.0, 0.6667]
    """
    if isinstance(smooth_f, bool) or not isinstance(smooth_f, (int, float)) or not 0 <= smooth_f < 1:
        raise ValueError(f"smooth_f must be in [0, 1) (0 means no smoothing), got {smooth_f!r}.")
    losses = np.asarray(losses, dtype=float)
    out = np.empty_like(losses)
    avg = 0.0
    for i, loss in enumerate(losses):
        avg = smooth_f * avg + (1 - smooth_f) * loss
        out[i] = avg / (1 - smooth_f ** (i + 1))
    return out


def _trimmed(lrs, losses, skip_start: int, skip_end: int, method: str):
    for name, value in (("skip_start", skip_start), ("skip_end", skip_end)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}.")
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if lrs.shape != losses.shape or lrs.ndim != 1:
        raise ValueError(f"lrs and losses must be 1-D and the same length, got {lrs.shape} and {losses.shape}.")
    end = len(lrs) - skip_end
    lrs, losses = lrs[skip_start:end], losses[skip_start:end]
    keep = np.isfinite(losses)
    lrs, losses = lrs[keep], losses[keep]
    if len(lrs) < 5:
        raise ValueError(
            f"'{method}' needs at least 5 points, but the curve has {len(lrs)} after skipping "
            f"{skip_start} at the start and {skip_end} at the end (and any NaN/inf). Lower skip_start/"
            "skip_end, or run range_test with a larger num_iter or a larger diverge_th.")
    if np.ptp(losses) <= 1e-12 * max(1.0, abs(losses).max()):
        raise ValueError(
            f"'{method}' cannot read a rate off a flat curve: the loss stayed at {losses[0]:.4g}. Sweep "
            "to a larger end_lr, or check that the optimizer holds the model's parameters.")
    return lrs, losses


def _steepest(lrs, losses, **_):
    slope = np.gradient(losses, np.log10(lrs))
    return lrs[int(np.argmin(slope))]


def _minimum(lrs, losses, **_):
    return lrs[int(np.argmin(losses))] / 10


def _valley(lrs, losses, **_):
    # longest strictly decreasing subsequence; length[i] and start[i] of the best chain ending at i
    n = len(losses)
    length, start = np.ones(n, dtype=int), np.arange(n)
    for i in range(1, n):
        higher = np.flatnonzero(losses[:i] > losses[i])
        if len(higher):  # the longest chain to extend; of equals, the nearest (a tight stretch)
            j = higher[len(higher) - 1 - np.argmax(length[higher][::-1])]
            length[i], start[i] = length[j] + 1, start[j]
    end = int(np.argmax(length))
    return lrs[(start[end] + end) // 2]


def _slide(lrs, losses, window: int = 15, thresh: float = 0.005, **_):
    slope = np.gradient((losses - losses.min()) / np.ptp(losses))
    window = min(window, len(lrs) - 1)
    right = len(lrs) - 1
    while right - window > 0 and abs(slope[right] - slope[right - window]) > thresh:
        right -= 1
    return lrs[right - window]


_SUGGESTERS: dict[str, Callable] = {"steepest": _steepest, "minimum": _minimum,
                                    "valley": _valley, "slide": _slide}


def suggest_lr(lrs, losses, method: str = "valley", skip_start: int = 10, skip_end: int = 5,
               **options) -> float:
    r"""Read a learning rate off a range-test curve.

    The curve is first trimmed: ``skip_start`` points from the start and ``skip_end``
    from the end are dropped (the start is noisy, the end has blown up), and so are
    NaN or infinite losses. With :math:`x_i = \log_{10} lr_i` and :math:`L_i` the
    (smoothed) losses that remain:

    - ``"steepest"``: the rate where the loss falls fastest, :math:`lr_{i^*}`,
      :math:`i^* = \arg\min_i dL/dx` (central differences, ``numpy.gradient``).
    - ``"minimum"``: :math:`lr_{\arg\min L} / 10`, a step back from the rate of
      the lowest loss, which already sits close to divergence.
    - ``"valley"``: the middle of the longest descending stretch: the longest
      chain :math:`i_1 < \dots < i_k` with :math:`L_{i_1} > \dots > L_{i_k}` (a
      longest decreasing subsequence, so noise does not break it), and the rate
      at index :math:`\lfloor (i_1 + i_k)/2 \rfloor`.
    - ``"slide"``: slide a window of ``window`` points (default 15) leftwards
      from the high-rate end until the slope of the min-max normalised loss
      differs by at most ``thresh`` (default 0.005) between the window's two
      ends, then take the rate at the window's left end: the last point before
      the curve starts to bend up.

    Args:
        lrs (sequence of float): the swept rates.
        losses (sequence of float): the losses at those rates (usually smoothed).
        method (str): one of ``"steepest"``, ``"minimum"``, ``"valley"``,
            ``"slide"``. Default: ``"valley"``.
        skip_start (int): points dropped at the start. Default: ``10``.
        skip_end (int): points dropped at the end. Default: ``5``.
        **options: ``window`` and ``thresh`` for ``"slide"``.

    Raises:
        ValueError: an unknown method, fewer than 5 points left, or a flat curve.

    Example:
        >>> lrs = np.logspace(-4, 0, 41)
        >>> losses = (np.log10(lrs) + 2) ** 2     # lowest at lr = 0.01
        >>> round(suggest_lr(lrs, losses, "minimum", skip_start=0, skip_end=0), 6)
        0.001
    """
    if method not in _SUGGESTERS:
        raise ValueError(f"Unknown suggestion method {method!r}; choose one of {', '.join(METHODS)}.")
    lrs, losses = _trimmed(lrs, losses, skip_start, skip_end, method)
    return float(_SUGGESTERS[method](lrs, losses, **options))
