"""The checks of notebooks 02_step_decay and 03_exponential_decay (their "Exercises" sections).

02: ``02.halve_every_5``, ``02.milestones`` (StepLR, MultiStepLR).
03: ``03.gamma_for_target``, ``03.time_based_lambda`` (ExponentialLR, LambdaLR).
Tested in ``tests/checks/test_decay.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.optim.lr_scheduler import LambdaLR

from ..curves import lr_curve
from ..schedules import TimeBasedLR
from .core import exercise
from .harness import curve_of

__all__: list[str] = []


# --------------------------------------------------------------------------- 02_step_decay
@exercise("02.halve_every_5", "a function opt -> scheduler whose rate halves every 5 epochs "
                              "(0.1 for epochs 0-4, 0.05 for 5-9, ...).")
def _halve_every_5(answer):
    lrs = curve_of(answer, 20, lr=0.1)
    expected = 0.1 * 0.5 ** (np.arange(20) // 5)
    if np.allclose(lrs, expected, rtol=1e-9, atol=0):
        return True, "The rate halves every 5 epochs: " + ", ".join(f"{v:g}" for v in lrs[::5]) + "."
    drops = np.flatnonzero(np.diff(lrs)) + 1
    if len(drops) == 0:
        return False, "Your rate never changes. Which scheduler drops the rate every few epochs?"
    first, ratio = int(drops[0]), lrs[drops[0]] / lrs[drops[0] - 1]
    hints = []
    if first != 5 or not np.all(np.diff(drops) == 5):
        hints.append(f"your rate first changes at epoch {first}; it should change every 5 (step_size)")
    if not math.isclose(ratio, 0.5, rel_tol=1e-9):
        hints.append(f"each change multiplies the rate by {ratio:.3g}; halving is 0.5 (gamma)")
    return False, "; ".join(hints).capitalize() + "." if hints else "Close, but the values differ."


@exercise("02.milestones", "a function opt -> scheduler that keeps lr=0.1 until epoch 30, then 0.01 "
                           "until epoch 80, then 0.001.")
def _milestones(answer):
    lrs = curve_of(answer, 100, lr=0.1)
    expected = np.where(np.arange(100) < 30, 0.1, np.where(np.arange(100) < 80, 0.01, 0.001))
    if np.allclose(lrs, expected, rtol=1e-9):
        return True, "0.1, then 0.01 from epoch 30, then 0.001 from epoch 80: MultiStepLR([30, 80], 0.1)."
    drops = (np.flatnonzero(~np.isclose(np.diff(lrs), 0, atol=1e-15)) + 1).tolist()
    if drops and drops != [30, 80]:
        return False, f"Your rate changes at epochs {drops[:5]}; it should change at 30 and 80 (milestones)."
    return False, "The drops are at the right epochs but the values differ: each one divides by 10 (gamma)."


# --------------------------------------------------------------------------- 03_exponential_decay
@exercise("03.gamma_for_target", "the gamma for ExponentialLR that takes the rate from 0.1 to 0.001 "
                                 "in 20 epochs (a number).")
def _gamma_for_target(answer):
    gamma = float(answer)
    reached = 0.1 * gamma ** 20
    if math.isclose(reached, 0.001, rel_tol=0.01):
        return True, f"gamma = (0.001 / 0.1)^(1/20) = {gamma:.4f}: after 20 epochs the rate is {reached:.3g}."
    if math.isclose(0.1 * gamma ** 19, 0.001, rel_tol=0.01) or math.isclose(0.1 * gamma ** 21, 0.001, rel_tol=0.01):
        return False, "Off by one epoch: after k epochs the rate is 0.1·gamma^k, with k = 20."
    return False, (f"With gamma={gamma:g} the rate after 20 epochs is {reached:.3g}, not 0.001. "
                   "Solve 0.1·gamma^20 = 0.001 for gamma.")


@exercise("03.time_based_lambda", "a function opt -> LambdaLR that gives time-based decay "
                                  "lr0 / (1 + 0.05·t), the same curve as lrcourse's TimeBasedLR(k=0.05).")
def _time_based_lambda(answer):
    lrs = curve_of(answer, 50, lr=0.1)
    expected = lr_curve(lambda opt: TimeBasedLR(opt, k=0.05), 50, lr=0.1)
    probe = answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    if not isinstance(probe, LambdaLR):
        return False, f"Use LambdaLR (you returned {type(probe).__name__}), with lr_lambda=lambda t: ..."
    if np.allclose(lrs, expected, rtol=1e-12):
        return True, "LambdaLR with lambda t: 1 / (1 + 0.05 * t) matches TimeBasedLR(k=0.05) at every epoch."
    return False, (f"At epoch 10 your rate is {lrs[10]:.4g}; time-based decay gives {expected[10]:.4g}. "
                   "LambdaLR multiplies the initial lr by lr_lambda(t).")
