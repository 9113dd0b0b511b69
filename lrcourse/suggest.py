"""The range test's pure parts: the swept rates, the smoothing, and the rules that suggest a rate.

Each is a plain function of arrays, so a widget can re-read a stored curve
with other settings without re-running the sweep. The four rules carry fastai's
names and return fastai's picks (tested against picks stored from fastai
itself, ``tests/fixtures/fastai_picks.json``); :func:`suggest_max_lr` is the
course's one rule for ``OneCycleLR``'s ``max_lr``.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["METHODS", "sweep_lrs", "check_sweep", "SmoothedLoss", "smooth_losses", "suggest_lr", "suggest_max_lr"]


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
    space = np.geomspace if step_mode == "exp" else np.linspace
    return space(start_lr, end_lr, num_iter)


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


class SmoothedLoss:
    r"""The range test's running smoothed loss, one loss at a time (fastai's ``AvgSmoothLoss``).

    :meth:`add` takes the next raw loss and returns the smoothed value so far; see
    :func:`smooth_losses` for the formula and for ``beta``.

    Args:
        beta (float): :math:`\beta` in ``[0, 1)``, the weight on the past. Default: ``0.98``.

    Example:
        >>> smoother = SmoothedLoss(0.5)
        >>> smoother.add(2.0), round(smoother.add(0.0), 4)
        (2.0, 0.6667)
    """

    def __init__(self, beta: float = 0.98):
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1) (the weight on the past; 0 means no smoothing), got {beta!r}.")
        self.beta, self.count, self.avg = beta, 0, 0.0

    def add(self, loss: float) -> float:
        """Take the next raw loss; return the debiased average of all so far."""
        self.count += 1
        self.avg = self.beta * self.avg + (1 - self.beta) * loss
        return self.avg / (1 - self.beta ** self.count)


def smooth_losses(losses, beta: float = 0.98) -> np.ndarray:
    r"""Debiased exponential moving average of ``losses`` (fastai's ``AvgSmoothLoss``, Adam's bias correction).

    :math:`m_i = \beta m_{i-1} + (1-\beta) L_i`, :math:`m_{-1} = 0`, and the smoothed loss is
    :math:`m_i / (1 - \beta^{i+1})`. Dividing by :math:`1-\beta^{i+1}` removes the pull towards
    the zero start, so the first value is :math:`L_0` itself. ``beta=0`` returns the losses
    unchanged. :math:`\beta` is the weight on the PAST, as in fastai and Lightning (``beta=0.98``);
    torch-lr-finder's ``smooth_f=0.05`` is the weight on the NEW loss, :math:`1-\beta`, without the
    debiasing. The range test smooths as it goes with :class:`SmoothedLoss`, the same average.

    Args:
        losses (sequence of float): raw losses, in order.
        beta (float): :math:`\beta` in ``[0, 1)``; larger is smoother and lags more, about
            :math:`\beta/(1-\beta)` points. Default: ``0.98``.

    Example:
        >>> smooth_losses([1.0, 1.0, 1.0], 0.9).tolist()
        [1.0, 1.0, 1.0]
        >>> smooth_losses([2.0, 0.0], 0.5).round(4).tolist()
        [2.0, 0.6667]
    """
    smoother = SmoothedLoss(beta)
    return np.array([smoother.add(loss) for loss in np.asarray(losses, dtype=float)], dtype=float)


def _trimmed(lrs, losses, skip_start: int, skip_end: int, method: str):
    for name, value in (("skip_start", skip_start), ("skip_end", skip_end)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}.")
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if lrs.shape != losses.shape or lrs.ndim != 1:
        raise ValueError(f"lrs and losses must be 1-D and the same length, got {lrs.shape} and {losses.shape}.")
    end = len(lrs) - skip_end
    lrs, losses = lrs[skip_start:end], losses[skip_start:end]
    bad = np.flatnonzero(~np.isfinite(losses))
    if len(bad):  # as fastai's lr_find: the curve ends at its first NaN (here also inf)
        lrs, losses = lrs[:bad[0]], losses[:bad[0]]
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


def _steep(lrs, losses, **_):
    # forward differences against log(lr); the segment's LEFT end, as fastai
    slope = np.diff(losses) / np.diff(np.log(lrs))
    return lrs[int(np.argmin(slope))]


def _minimum(lrs, losses, **_):
    return lrs[int(np.argmin(losses))] / 10


def _valley(lrs, losses, **_):
    # length of the longest strictly decreasing subsequence ending at each point
    n = len(losses)
    length = np.ones(n, dtype=int)
    for i in range(1, n):
        higher = losses[:i] > losses[i]
        if higher.any():
            length[i] = length[:i][higher].max() + 1
    end = int(np.argmax(length))  # the first longest chain
    start = end - length[end]  # fastai: the chain's length counted back from its end
    sections = (end - start) / 3
    return lrs[max(start + int(sections) + int(sections / 2), 0)]


def _slide(lrs, losses, lr_diff: int = 15, thresh: float = 0.005, adjust_value: float = 1.0, **_):
    slope = np.gradient(losses)  # per point, of the loss itself (not normalised): thresh has its units
    n = len(lrs)
    right = n - 1
    left = right - min(lr_diff, n - 1)
    pick = left
    while left >= 0 and abs(slope[right] - slope[left]) > thresh:
        pick = left
        right -= 1
        left -= 1
    return lrs[pick] * adjust_value


_SUGGESTERS: dict[str, Callable] = {"steep": _steep, "minimum": _minimum, "valley": _valley, "slide": _slide}
#: the suggestion methods of :func:`suggest_lr`, in the order a plot lists them
METHODS = tuple(_SUGGESTERS)


def suggest_lr(lrs, losses, method: str = "valley", skip_start: int = 10, skip_end: int = 5,
               **options) -> float:
    r"""Read a learning rate off a range-test curve with one of fastai's four rules.

    The curve is first trimmed as fastai's ``lr_find`` trims it: ``skip_start`` points
    from the start and ``skip_end`` from the end are dropped (the start is noisy, the
    end has blown up), and the curve ends at its first NaN or infinite loss. Each rule
    then returns what the fastai function of the same name (``fastai.callback.schedule``)
    returns on that trimmed curve; ``tests/test_suggest.py`` checks this against picks
    stored from fastai itself. With :math:`L_i` the (smoothed) losses that remain:

    - ``"steep"``: where the loss falls fastest against log(lr), by forward
      differences: :math:`i^* = \arg\min_i (L_{i+1}-L_i)/(\ln lr_{i+1} - \ln lr_i)`,
      and the rate :math:`lr_{i^*}`, the left end of the steepest segment.
    - ``"minimum"``: :math:`lr_{\arg\min L} / 10`, a step back from the rate of
      the lowest loss, which already sits close to divergence.
    - ``"valley"``: the longest strictly decreasing subsequence (noise does not
      break it); with ``end`` its last index and ``k`` its length,
      ``start = end - k`` and the pick is the index
      ``start + int((end - start)/3) + int((end - start)/6)``: about the middle.
    - ``"slide"``: slide a window of ``lr_diff`` points (default 15) leftwards from
      the high-rate end until the per-point slope ``np.gradient(L)`` differs by at
      most ``thresh`` (default 0.005, in loss units per point) between the
      window's two ends, and return the rate at the left end of the last window
      that still failed (times ``adjust_value``, default 1).

    Args:
        lrs (sequence of float): the swept rates.
        losses (sequence of float): the losses at those rates (usually smoothed).
        method (str): one of ``"steep"``, ``"minimum"``, ``"valley"``, ``"slide"``. Default: ``"valley"``.
        skip_start (int): points dropped at the start. Default: ``10``.
        skip_end (int): points dropped at the end. Default: ``5``.
        **options: ``lr_diff``, ``thresh`` and ``adjust_value`` for ``"slide"`` (fastai's names).

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


def suggest_max_lr(lrs, raw_losses, beta: float = 0.9, skip_start: int = 10, skip_end: int = 5) -> float:
    r"""The course's one rule for ``OneCycleLR``'s ``max_lr``: fastai's ``minimum`` on a lightly smoothed curve.

    The raw losses are smoothed with ``beta`` (default 0.9: a lag of about 9 points,
    light enough for a 100-point sweep; at fastai's 0.98 the lag is about 49 points
    and the lowest smoothed loss drifts to where the raw loss is already ragged),
    trimmed like :func:`suggest_lr`, and the rate of the lowest smoothed loss divided
    by 10 is returned. Smith and Topin (Super-Convergence, 2017) take ``max_lr``
    from the upper end of the range where the loss still falls; a tenth of the
    bottom is a safe distance from divergence. Check it with short runs at 10x less
    and 10x more (notebook 06).

    Args:
        lrs (sequence of float): the swept rates.
        raw_losses (sequence of float): the UNSMOOTHED losses (``finder.history["raw_loss"]``).
        beta (float): the smoothing, see :func:`smooth_losses`. Default: ``0.9``.
        skip_start (int): points dropped at the start. Default: ``10``.
        skip_end (int): points dropped at the end. Default: ``5``.

    Example:
        >>> lrs = np.logspace(-4, 0, 41)
        >>> round(suggest_max_lr(lrs, (np.log10(lrs) + 2) ** 2, beta=0.0, skip_start=0, skip_end=0), 6)
        0.001
    """
    return suggest_lr(lrs, smooth_losses(raw_losses, beta), "minimum", skip_start, skip_end)
