"""The checks of notebook 05_cyclic (its "Exercises" section): two predict-then-verify exercises.

``05.onecycle_peak`` (the step at which ``OneCycleLR`` peaks, predicted from its arguments) and
``05.warmup_cosine_rate`` (the rate of one epoch of warmup then cosine, predicted by hand).
Tested in ``tests/checks/test_cyclic.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, OneCycleLR, SequentialLR

from ..curves import lr_curve
from .core import exercise

__all__: list[str] = []


def _peak_curve() -> np.ndarray:
    return lr_curve(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=500, pct_start=0.25), 500)


@exercise("05.onecycle_peak", "predict, without running it, the index i of lr_curve(lambda opt: OneCycleLR(opt, "
                              "max_lr=0.1, total_steps=500, pct_start=0.25), 500) at which the rate is highest "
                              "(i = 0 is the rate of the first batch); answer with an int.")
def _onecycle_peak(answer):
    lrs = _peak_curve()
    peak = int(lrs.argmax())
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        if isinstance(answer, float) and math.isclose(answer, 0.1):
            return False, "0.1 is the peak RATE, max_lr. The task asks for the index of the step where it is reached."
        return False, f"Give an int, the index into the curve (you gave {answer!r})."
    answer = int(answer)
    if answer == peak:
        return True, (f"Index {peak}: torch ends the climb at step pct_start * total_steps - 1 = 0.25 * 500 - 1, "
                      f"where the rate is max_lr = {lrs[peak]:.3g}.")
    hints = {
        125: "125 = pct_start * total_steps, one too many: torch ends the first phase at "
             "pct_start * total_steps - 1, because steps count from 0 (the first batch is index 0).",
        149: "That is the default pct_start=0.3 (0.3 * 500 - 1). Here pct_start=0.25.",
        150: "That uses the default pct_start=0.3, and is also one too many. Here pct_start=0.25, and the climb "
             "ends at pct_start * total_steps - 1.",
        89: "89 was the peak for 300 steps with pct_start=0.3 in section 2. Redo it for 500 steps and pct_start=0.25.",
        250: "The cycle is not symmetric: the climb takes pct_start of the steps, the fall the rest.",
    }
    if answer in hints:
        return False, hints[answer]
    return False, (f"The rate at index {answer} is {lrs[answer]:.3g} if 0 <= {answer} < 500; the peak comes earlier "
                   "or later. The climb lasts pct_start * total_steps steps, counted from index 0.")


def _warmup_cosine_curve() -> np.ndarray:
    return lr_curve(lambda opt: SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=5),
                                                   CosineAnnealingLR(opt, T_max=45)], milestones=[5]), 50, lr=0.1)


@exercise("05.warmup_cosine_rate", "predict by hand the rate used DURING epoch 28 (epochs count from 1) of "
                                   "SGD(lr=0.1) with SequentialLR([LinearLR(start_factor=0.1, total_iters=5), "
                                   "CosineAnnealingLR(T_max=45)], milestones=[5]), stepped once per epoch; a float "
                                   "to 3 significant figures.")
def _warmup_cosine_rate(answer):
    lrs = _warmup_cosine_curve()
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False, f"Give a number, the rate (you gave {answer!r})."
    expected = lrs[27]
    if math.isclose(value, expected, rel_tol=5e-3):
        return True, (f"{expected:.4g}: epoch 28 uses the rate set by the 27th scheduler.step(). The cosine took over "
                      "at step 5, so it is 22 steps into its 45: 0.1 * (1 + cos(pi * 22 / 45)) / 2.")
    for index, hint in ((28, "That is the rate of epoch 29, the one printed after the 28th step(): one too far. "
                             "Epoch 28 is curve index 27."),
                        (26, "That is epoch 27's rate: one epoch early. Epoch 28 uses the rate after 27 step() calls."),
                        ):
        if math.isclose(value, lrs[index], rel_tol=5e-3):
            return False, hint
    for steps, hint in ((27, "You ran the cosine from step 0: it only starts at the milestone, 5 steps in. "
                             "In epoch 28 it is 22 steps into its 45."),
                        (28, "The cosine starts at the milestone (step 5); in epoch 28 it is 22 steps into its 45.")):
        if math.isclose(value, 0.1 * (1 + math.cos(math.pi * steps / 45)) / 2, rel_tol=5e-3):
            return False, hint
    if math.isclose(value, 0.1 * (1 + math.cos(math.pi * 22 / 50)) / 2, rel_tol=5e-3):
        return False, "T_max is 45, not 50: the cosine counts only its own steps."
    return False, ("Not that rate. Work it out in two parts: the milestone at 5 hands over to the cosine, which "
                   "then counts its own steps; epoch e uses curve index e - 1.")
