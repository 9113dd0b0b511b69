"""y = w·x by hand: the curvature, the stability limit and gradient descent in one weight.

The loss ``mean((w·x - y)²)`` is a parabola in ``w`` with curvature ``L``;
every regime of a fixed learning rate (too small, oscillating, diverging)
follows from the factor ``1 - lr·L`` that each step multiplies the error by.
"""
from __future__ import annotations

import numpy as np

__all__ = ["curvature", "stability_limit", "gradient_descent_1d", "gd_regime"]


def curvature(x) -> float:
    r"""The curvature ``L = d²loss/dw²`` of the mean squared error of ``y_hat = w·x``: ``2·mean(x²)``.

    The loss ``mean((w·x - y)²)`` is a parabola in ``w``; gradient descent
    ``w <- w - lr·dloss/dw`` multiplies the distance to the minimum by
    ``1 - lr·L`` at each step, so it converges only when ``lr < 2 / L``.

    Example:
        >>> curvature([1, 2, 3, 4])
        15.0
    """
    x = np.asarray(x, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("x is empty: the curvature needs at least one point.")
    return float(2 * np.mean(x ** 2))


def stability_limit(x) -> float:
    r"""The largest learning rate for which gradient descent on y = w·x converges: ``2 / curvature(x)``.

    Example:
        >>> round(stability_limit([1, 2, 3, 4]), 4)
        0.1333
    """
    return 2.0 / curvature(x)


def gradient_descent_1d(x, y, lr: float, w0: float = 0.0, num_steps: int = 20) -> dict:
    r"""Plain gradient descent on the one weight of ``y_hat = w·x`` with the mean squared error.

    The same update that ``torch.optim.SGD`` makes for ``nn.Linear(1, 1, bias=False)``,
    written out in NumPy so a slider can redraw it instantly.

    Args:
        x, y (sequence of float): the data.
        lr (float): the learning rate (``> 0``).
        w0 (float): the starting weight. Default: ``0``.
        num_steps (int): how many updates. Default: ``20``.

    Returns:
        dict: ``"w"`` and ``"loss"``, arrays of ``num_steps + 1`` values (the start included).
        Values that overflow become ``inf``, and stay so: that is divergence.

    Example:
        >>> path = gradient_descent_1d([1, 2, 3, 4], [2, 4, 6, 8], lr=1 / 15, num_steps=1)
        >>> [round(float(w), 6) for w in path["w"]]
        [0.0, 2.0]
    """
    if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}.")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"num_steps must be an integer >= 1, got {num_steps!r}.")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.size == 0 or x.size != y.size:
        raise ValueError(f"x and y must be non-empty and the same length, got {x.size} and {y.size}.")
    ws = [float(w0)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            w = ws[-1]
            grad = 2 * np.mean(x * (w * x - y))
            ws.append(w - lr * grad)
        ws = np.array(ws)
        loss = np.array([np.mean((w * x - y) ** 2) for w in ws])
    return {"w": ws, "loss": np.where(np.isfinite(loss), loss, np.inf)}


def gd_regime(lr: float, x) -> str:
    r"""Name the regime of gradient descent at rate ``lr`` on data ``x``.

    With ``r = 1 - lr·curvature(x)`` the factor each step applies to the
    distance from the minimum: ``r >= 0.3`` is *too small* (slow and
    monotone), ``|r| < 0.3`` *just right*, ``-1 < r <= -0.3`` *oscillating*
    (it overshoots and converges), ``r <= -1`` *diverging*.

    Example:
        >>> [gd_regime(lr, [1, 2, 3, 4]) for lr in (0.01, 0.07, 0.12, 0.14)]
        ['too small', 'just right', 'oscillating', 'diverging']
    """
    r = 1 - lr * curvature(x)
    if r <= -1:
        return "diverging"
    if r <= -0.3:
        return "oscillating"
    if r < 0.3:
        return "just right"
    return "too small"
