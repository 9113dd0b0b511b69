"""The checks of notebooks 02_step_decay and 03_exponential_decay (their "Exercises" sections).

02: ``02.halve_every_5``, ``02.milestones`` (StepLR, MultiStepLR), ``02.noise_floor`` (predict the
noise floor of noisy y = 2x after a StepLR cut, then verify).
03: ``03.gamma_for_target``, ``03.time_based_lambda`` (ExponentialLR, LambdaLR), ``03.match_budget``
(a gamma whose sum of rates matches a fixed rate's).
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
from .harness import curve_of, first_difference

__all__: list[str] = []


# --------------------------------------------------------------------------- 02_step_decay
@exercise("02.halve_every_5", "a function opt -> scheduler whose rate halves every 5 epochs "
                              "(0.1 for epochs 1-5, 0.05 for 6-10, ...).")
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
        hints.append(f"your rate first changes at epoch {first + 1}; it should change every 5 epochs, "
                     "first at epoch 6 (step_size)")
    if not math.isclose(ratio, 0.5, rel_tol=1e-9):
        hints.append(f"each change multiplies the rate by {ratio:.3g}; halving is 0.5 (gamma)")
    if hints:
        return False, "; ".join(hints).capitalize() + "."
    return False, f"Close, but {first_difference(lrs, expected)}."


@exercise("02.milestones", "a function opt -> scheduler that uses lr=0.1 for epochs 1-30, 0.01 for "
                           "epochs 31-80, then 0.001.")
def _milestones(answer):
    lrs = curve_of(answer, 100, lr=0.1)
    expected = np.where(np.arange(100) < 30, 0.1, np.where(np.arange(100) < 80, 0.01, 0.001))
    if np.allclose(lrs, expected, rtol=1e-9):
        return True, "0.1, then 0.01 from epoch 31, then 0.001 from epoch 81: MultiStepLR([30, 80], 0.1)."
    drops = (np.flatnonzero(~np.isclose(np.diff(lrs), 0, atol=1e-15)) + 1).tolist()
    if drops and drops != [30, 80]:
        return False, (f"Your rate changes at epochs {[d + 1 for d in drops[:5]]}; it should change at 31 and 81, "
                       "after 30 and 80 scheduler steps (milestones).")
    return False, (f"The drops are at the right epochs, but {first_difference(lrs, expected)}: each one divides "
                   "by 10 (gamma).")


def _noise_floor_after_the_cut() -> float:
    """The measured floor of exercise 02.noise_floor: epochs 16-20, seeds 0-2."""
    from torch.optim.lr_scheduler import StepLR

    from ..toy import noisy_sgd_run

    floors = []
    for seed in (0, 1, 2):
        run = noisy_sgd_run(lambda opt: StepLR(opt, step_size=10, gamma=0.5), lr=1.2, seed=seed, num_epochs=20)
        spe = run["steps_per_epoch"]
        floors.append(run["excess"][15 * spe:20 * spe].mean())
    return float(np.mean(floors))


@exercise("02.noise_floor", "predict the noise floor (mean excess loss over epochs 16-20, seeds 0-2) of noisy_sgd_run "
                            "with StepLR(step_size=10, gamma=0.5) from lr=1.2 (a number); the check runs it.")
def _noise_floor(answer):
    value = float(answer)
    if not (math.isfinite(value) and value > 0):
        return False, f"A floor is a positive excess loss, got {value:g}."
    measured = _noise_floor_after_the_cut()
    ratio = value / measured
    if 1 / 1.5 <= ratio <= 1.5:
        return True, (f"Measured {measured:.2g}, you predicted {value:.2g} ({ratio:.2f}x): epochs 11-20 run at "
                      "1.2 x 0.5 = 0.6, and the floor is roughly proportional to the rate.")
    if math.isclose(value, 0.0073 * 1.2, rel_tol=0.3):
        return False, (f"Measured {measured:.2g}. Yours is about the floor of lr = 1.2, the rate before the cut; "
                       "epochs 11-20 run at 1.2 x 0.5.")
    if ratio > 1.5:
        return False, (f"Measured {measured:.2g}; yours is {ratio:.1f}x too high. Which rate do epochs 11-20 use "
                       "after the cut by 0.5? The floor is roughly proportional to the rate.")
    return False, (f"Measured {measured:.2g}; yours is {1 / ratio:.1f}x too low. The floor does not vanish after a "
                   "cut: it is roughly proportional to the rate (0.6 here), as the sweep in section 2 shows.")


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
    where = first_difference(lrs, expected)
    return False, (f"{where[0].upper()}{where[1:]} (epoch t + 1 uses lr_lambda(t)). "
                   "LambdaLR multiplies the initial lr by lr_lambda(t).")


@exercise("03.match_budget", "the gamma with which ExponentialLR, starting at lr=0.1, spends the same budget "
                             "(sum of the rates of epochs 1-10) as a fixed rate of 0.05 for 10 epochs, i.e. 0.5 "
                             "(a number).")
def _match_budget(answer):
    gamma = float(answer)
    if not 0 < gamma < 1:
        return False, f"gamma={gamma:g}: a decay needs 0 < gamma < 1 (gamma=1 is the fixed rate 0.1, a budget of 1.0)."
    rates = 0.1 * gamma ** np.arange(12)
    spent = rates[:10].sum()
    if math.isclose(spent, 0.5, rel_tol=0.01):
        return True, (f"gamma = {gamma:.4f} spends {spent:.4f} in 10 epochs, like 0.05 x 10. It starts at twice the "
                      f"fixed rate and ends at {rates[9]:.4f} in epoch 10: the same budget, spent early.")
    if math.isclose(rates[:9].sum(), 0.5, rel_tol=0.01) or math.isclose(rates[:11].sum(), 0.5, rel_tol=0.01):
        return False, ("Off by one epoch: epoch 1 trains at 0.1·gamma^0 and epoch 10 at 0.1·gamma^9, "
                       "so the budget is 0.1·(1 - gamma^10) / (1 - gamma): 10 terms.")
    if math.isclose(rates[9], 0.05, rel_tol=0.01) or math.isclose(rates[10], 0.05, rel_tol=0.01):
        return False, (f"gamma={gamma:.4f} ENDS at the fixed rate; it spends {spent:.3f}, more than 0.5. Match the "
                       "sums, not the final rates: 0.1·(1 - gamma^10) / (1 - gamma) = 0.5.")
    way = "falls too slowly: lower gamma" if spent > 0.5 else "falls too fast: raise gamma"
    return False, (f"With gamma={gamma:g} the 10 rates add up to {spent:.3f}, not 0.5; the rate {way}. "
                   "Sum them with lr_curve(...).sum(), or use 0.1·(1 - gamma^10) / (1 - gamma).")
