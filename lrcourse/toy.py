"""y = w·x by hand: the curvature, the stability limits and gradient descent in one weight.

The loss ``mean((w·x - y)²)`` is a parabola in ``w`` with curvature ``L``;
every regime of a fixed learning rate (monotone, one step, oscillating,
diverging) follows from the factor ``1 - lr·L`` that each step multiplies the
error by. With momentum β (heavy ball) the limit moves to ``2(1 + β)/L``.
:func:`noisy_sgd_run` adds minibatch noise: the noise floor that decay lowers.
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["curvature", "stability_limit", "heavy_ball_limit", "gradient_descent_1d", "gd_regime",
           "noisy_sgd_run"]


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
    r"""The stability limit of gradient descent on y = w·x: ``2 / curvature(x)``.

    Gradient descent converges for every ``0 < lr < 2/L``; ``2/L`` itself is the
    supremum of those rates, not one of them: there the factor ``1 - lr·L`` is
    exactly ``-1`` and ``w`` oscillates forever between two points.

    Example:
        >>> round(stability_limit([1, 2, 3, 4]), 4)
        0.1333
    """
    return 2.0 / curvature(x)


def heavy_ball_limit(x, momentum: float) -> float:
    r"""The stability limit of gradient descent with momentum β on y = w·x: ``2(1 + β) / curvature(x)``.

    ``torch.optim.SGD(momentum=β)`` (heavy ball, ``dampening=0``) makes
    ``w_{t+1} = w_t - lr·L·(w_t - w*) + β·(w_t - w_{t-1})``, a linear
    recurrence on ``(w_t, w_{t-1})`` whose matrix has the eigenvalues ``z`` with
    ``z² - (1 + β - lr·L)·z + β = 0``. Both lie inside the unit circle exactly
    when ``0 <= β < 1`` and ``0 < lr·L < 2(1 + β)``. With ``β = 0`` this is
    :func:`stability_limit`.

    Args:
        x (sequence of float): the inputs.
        momentum (float): β, in ``[0, 1)``.

    Example:
        >>> round(heavy_ball_limit([1, 2, 3, 4], momentum=0.9), 4)
        0.2533
        >>> heavy_ball_limit([1, 2, 3, 4], 0.0) == stability_limit([1, 2, 3, 4])
        True
    """
    if not (isinstance(momentum, (int, float)) and 0 <= momentum < 1):
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}.")
    return 2.0 * (1 + momentum) / curvature(x)


def gradient_descent_1d(x, y, lr: float, w0: float = 0.0, num_steps: int = 20, momentum: float = 0.0) -> dict:
    r"""Plain gradient descent (or heavy ball) on the one weight of ``y_hat = w·x`` with the mean squared error.

    The same update that ``torch.optim.SGD`` makes for ``nn.Linear(1, 1, bias=False)``
    (``v <- momentum·v + grad``, ``w <- w - lr·v``), written out in NumPy so a
    slider can redraw it instantly.

    Args:
        x, y (sequence of float): the data.
        lr (float): the learning rate (``> 0``).
        w0 (float): the starting weight. Default: ``0``.
        num_steps (int): how many updates. Default: ``20``.
        momentum (float): β of ``torch.optim.SGD``, in ``[0, 1)``. Default: ``0``.

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
    if not (isinstance(momentum, (int, float)) and 0 <= momentum < 1):
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}.")
    ws, v = [float(w0)], 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            w = ws[-1]
            grad = 2 * np.mean(x * (w * x - y))
            v = momentum * v + grad
            ws.append(w - lr * v)
        ws = np.array(ws)
        loss = np.array([np.mean((w * x - y) ** 2) for w in ws])
    return {"w": ws, "loss": np.where(np.isfinite(loss), loss, np.inf)}


def gd_regime(lr: float, x) -> str:
    r"""Name the exact regime of plain gradient descent at rate ``lr`` on data ``x``.

    With ``L = curvature(x)``, each step multiplies the distance to the
    minimum by ``r = 1 - lr·L``:

    - ``0 < lr < 1/L`` (``0 < r < 1``): *too small (monotone)*, w approaches w* from one side;
    - ``lr = 1/L`` (``r = 0``): *just right*, one step lands on w*;
    - ``1/L < lr < 2/L`` (``-1 < r < 0``): *oscillating*, w jumps over w* and converges;
    - ``lr = 2/L`` (``r = -1``): *oscillating forever* between two points;
    - ``lr > 2/L`` (``r < -1``): *diverging*.

    The two boundaries are compared with a relative tolerance of ``1e-9``, so
    ``1 / 15`` counts as ``1/L`` for x = 1..4.

    Example:
        >>> [gd_regime(lr, [1, 2, 3, 4]) for lr in (0.01, 1 / 15, 0.12, 2 / 15, 0.14)]
        ['too small (monotone)', 'just right', 'oscillating', 'oscillating forever', 'diverging']
    """
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}.")
    scaled = lr * curvature(x)  # lr·L: 1 at 1/L, 2 at 2/L
    if math.isclose(scaled, 1.0, rel_tol=1e-9):
        return "just right"
    if math.isclose(scaled, 2.0, rel_tol=1e-9):
        return "oscillating forever"
    if scaled < 1:
        return "too small (monotone)"
    return "oscillating" if scaled < 2 else "diverging"


def noisy_sgd_run(make_scheduler=None, lr: float = 0.1, seed: int = 0, num_epochs: int = 30, *,
                  batch_size: int = 16, n: int = 256, noise: float = 0.5, momentum: float = 0.0) -> dict:
    r"""Minibatch SGD on noisy y = 2x (:func:`~lrcourse.data.noisy_linear_data`), one weight, on the CPU.

    The loop a learner would write: ``nn.Linear(1, 1, bias=False)`` from w = 0,
    ``torch.optim.SGD``, random minibatches drawn with replacement (a
    ``torch.Generator`` seeded with ``seed``), ``scheduler.step()`` once per
    epoch of ``ceil(n / batch_size)`` steps. The data are the same for every
    seed (``noisy_linear_data(seed=0)``); only the batches change. After every
    step it records the loss on the whole data set minus the least-squares
    minimum, ``mean(x²)·(w - w_best)²``: the *excess loss*, 0 only at the best
    possible weight.

    Args:
        make_scheduler (callable, optional): ``make_scheduler(optimizer)`` returns
            a per-epoch torch scheduler. Default: ``None`` (a fixed rate).
        lr (float): the initial rate. Default: ``0.1``.
        seed (int): the batch order. Default: ``0``.
        num_epochs (int): passes over the data. Default: ``30``.
        batch_size (int): Default: ``16``.
        n (int), noise (float): size and noise of the data. Default: ``256``, ``0.5``.
        momentum (float): SGD momentum. Default: ``0``.

    Returns:
        dict: ``"excess"`` (one value per step), ``"lr"`` (the rate each step
        used) and ``"steps_per_epoch"``.

    Example:
        >>> run = noisy_sgd_run(lr=0.1, num_epochs=2)
        >>> len(run["excess"]), run["steps_per_epoch"], bool(run["excess"][-1] < run["excess"][0])
        (32, 16, True)
    """
    from .data import noisy_linear_data

    data = noisy_linear_data(n, noise=noise, seed=0, device="cpu")
    x, y = data.x, data.y
    w_best = float((x * y).sum() / (x * x).sum())  # least squares: the lowest loss possible
    mean_x2 = float((x * x).mean())  # loss(w) - loss(w_best) = mean(x²)·(w - w_best)²
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    scheduler = make_scheduler(optimizer) if make_scheduler is not None else None
    generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = math.ceil(n / batch_size)
    ws, lrs = [], []
    for _ in range(num_epochs):
        for _ in range(steps_per_epoch):
            idx = torch.randint(n, (batch_size,), generator=generator)  # a random minibatch
            lrs.append(optimizer.param_groups[0]["lr"])
            loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            ws.append(model.weight.item())
        if scheduler is not None:
            scheduler.step()
    excess = mean_x2 * (np.array(ws) - w_best) ** 2
    return {"excess": excess, "lr": np.array(lrs),
            "steps_per_epoch": math.ceil(n / batch_size)}
