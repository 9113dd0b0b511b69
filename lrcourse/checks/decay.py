"""The checks of notebooks 02_step_decay and 03_exponential_decay (their "Exercises" sections).

02: ``02.halve_every_5``, ``02.milestones`` (predict the rates of StepLR and MultiStepLR, then verify),
``02.noise_floor`` (predict the
noise floor of noisy y = 2x after a StepLR cut, then verify).
03: ``03.gamma_for_target`` (ExponentialLR), ``03.time_based_lambda`` (predict when LambdaLR's time-based
decay halves the rate), ``03.match_budget`` (predict, then find a gamma whose sum of rates matches a fixed rate's).
Tested in ``tests/checks/test_decay.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
from torch.optim.lr_scheduler import LambdaLR, MultiStepLR, StepLR

from ..curves import lr_curve
from .core import exercise, require_answer
from .harness import first_epoch_at

__all__: list[str] = []


# --------------------------------------------------------------------------- 02_step_decay
def _rates(make, num_epochs: int) -> np.ndarray:
    return lr_curve(make, num_epochs, lr=0.1)


@exercise("02.halve_every_5", "predict the rate (a number) that epoch 12 trains with under StepLR(step_size=5, "
                              "gamma=0.5) from lr=0.1, epoch 1 being the first; then verify it with lr_curve.")
def _halve_every_5(answer):
    value = float(require_answer(answer))
    lrs = _rates(lambda opt: StepLR(opt, step_size=5, gamma=0.5), 20)
    if math.isclose(value, lrs[11], rel_tol=1e-6):
        return True, (f"Epoch 12 trains at {lrs[11]:g}: the rate was halved after epochs 5 and 10, so epochs 11-15 "
                      f"use 0.1 x 0.5² = {lrs[10]:g}.")
    match = [e for e in range(1, 21) if math.isclose(value, lrs[e - 1], rel_tol=1e-6)]
    if match:
        return False, (f"{value:g} is the rate of epochs {match[0]}-{match[-1]}, not of epoch 12. Count the halvings "
                       "before epoch 12: StepLR halves after every 5 scheduler.step() calls, one per epoch.")
    return False, (f"{value:g} is no rate this schedule ever uses: it starts at 0.1 and only ever halves "
                   "(0.1, 0.05, 0.025, ...). Which of these does epoch 12 use?")


_MILESTONE_EXERCISE = dict(milestones=[2, 5, 6], gamma=0.5)  # the schedule of 02.milestones, 8 epochs from lr=0.1


@exercise("02.milestones", "predict the rates (a list of 8 numbers) that epochs 1-8 train with under "
                           "MultiStepLR(milestones=[2, 5, 6], gamma=0.5) from lr=0.1; then verify with lr_curve.")
def _milestones(answer):
    answer = require_answer(answer)
    lrs = _rates(lambda opt: MultiStepLR(opt, **_MILESTONE_EXERCISE), 8)
    try:
        values = np.asarray(answer, dtype=float).ravel()
    except (TypeError, ValueError):
        return False, f"Give a list of 8 numbers, one rate per epoch, got {type(answer).__name__}."
    if len(values) != 8:
        return False, f"Give 8 rates, one for each of epochs 1-8; you gave {len(values)}."
    wrong = [e for e in range(1, 9) if not math.isclose(values[e - 1], lrs[e - 1], rel_tol=1e-6)]
    if not wrong:
        return True, ("Each milestone m cuts the rate after m scheduler.step() calls, so epoch m + 1 is the first "
                      "at the lower rate: " + ", ".join(f"{v:g}" for v in lrs) + ".")
    e = wrong[0]
    return False, (f"Epochs 1-{e - 1} are right; epoch {e} trains at a different rate than your {values[e - 1]:g}. "
                   f"A milestone m means: after m scheduler.step() calls, one per epoch, multiply by gamma, so "
                   "epoch m + 1 is the first at the lower rate, and two milestones in a row cut twice.")


def _noise_floor_after_the_cut() -> float:
    """The measured floor of exercise 02.noise_floor: epochs 16-20, seeds 0-2."""
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


@exercise("03.time_based_lambda", "predict the first epoch (an int, epoch 1 being the first) that trains at half "
                                  "the initial rate or less under LambdaLR(opt, lambda t: 1 / (1 + 0.05 * t)); "
                                  "then verify with lr_curve.")
def _time_based_lambda(answer):
    lrs = lr_curve(lambda opt: LambdaLR(opt, lr_lambda=lambda t: 1 / (1 + 0.05 * t)), 60, lr=0.1)
    return first_epoch_at(answer, lrs, 0.05, strict=False,
                          why="Solve 1 / (1 + 0.05·t) = 1/2 for t; epoch e trains at t = e - 1.")


@exercise("03.match_budget", "a dict: your predictions 'gamma_is' ('above' or 'below' 0.9) and 'last_rate_is' "
                             "('above' or 'below' 0.05, the rate of epoch 10), and 'gamma', the gamma with which "
                             "ExponentialLR from lr=0.1 spends the same budget (sum of the rates of epochs 1-10) as a "
                             "fixed rate of 0.05 for 10 epochs, i.e. 0.5.")
def _match_budget(answer):
    answer = require_answer(answer)
    if not isinstance(answer, dict) or not {"gamma_is", "last_rate_is", "gamma"} <= set(answer):
        return False, "Give a dict: {'gamma_is': 'above' or 'below', 'last_rate_is': 'above' or 'below', 'gamma': ...}."
    for key in ("gamma_is", "last_rate_is"):
        if answer[key] not in ("above", "below"):
            return False, f"{key} is 'above' or 'below', not {answer[key]!r}."
    gamma = float(require_answer(answer["gamma"]))
    if not 0 < gamma < 1:
        return False, f"gamma={gamma:g}: a decay needs 0 < gamma < 1 (gamma=1 is the fixed rate 0.1, a budget of 1.0)."
    rates = 0.1 * gamma ** np.arange(12)
    spent = rates[:10].sum()
    if math.isclose(spent, 0.5, rel_tol=0.01):
        found = f"gamma = {gamma:.4f} spends {spent:.4f} in 10 epochs, like 0.05 x 10, and epoch 10 trains at {rates[9]:.4f}"
        if answer["gamma_is"] != "below":
            return False, (f"{found}. Your gamma is right but your prediction 'above 0.9' is not: gamma=0.9 from 0.1 "
                           "already spends 0.1·(1 - 0.9^10) / 0.1 = 0.65, more than 0.5, so the matching gamma is lower.")
        if answer["last_rate_is"] != "below":
            return False, (f"{found}. Your gamma is right but your prediction 'above 0.05' is not: a schedule that "
                           "starts at twice the mean rate and only falls must end below the mean.")
        return True, f"{found}: both predictions hold. It starts at twice the fixed rate and ends below it: the same budget, spent early."
    if math.isclose(rates[:9].sum(), 0.5, rel_tol=0.01) or math.isclose(rates[:11].sum(), 0.5, rel_tol=0.01):
        return False, ("Off by one epoch: epoch 1 trains at 0.1·gamma^0 and epoch 10 at 0.1·gamma^9, "
                       "so the budget is 0.1·(1 - gamma^10) / (1 - gamma): 10 terms.")
    if math.isclose(rates[9], 0.05, rel_tol=0.01) or math.isclose(rates[10], 0.05, rel_tol=0.01):
        return False, (f"gamma={gamma:.4f} ENDS at the fixed rate; it spends {spent:.3f}, more than 0.5. Match the "
                       "sums, not the final rates: 0.1·(1 - gamma^10) / (1 - gamma) = 0.5.")
    way = "falls too slowly: lower gamma" if spent > 0.5 else "falls too fast: raise gamma"
    return False, (f"With gamma={gamma:g} the 10 rates add up to {spent:.3f}, not 0.5; the rate {way}. "
                   "Sum them with lr_curve(...).sum(), or use 0.1·(1 - gamma^10) / (1 - gamma).")
