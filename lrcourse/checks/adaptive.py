"""The checks of notebook 04_adaptive (its "Exercises" section), and the losses the notebook imports.

``04.predict_reduction`` (reading ReduceLROnPlateau on :data:`PLATEAU_EXERCISE_LOSSES`)
and ``04.mode_max`` (a plateau scheduler that watches an accuracy).
Tested in ``tests/checks/test_adaptive.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

from ..curves import plateau_trace
from .core import exercise, require_answer

__all__ = ["PLATEAU_EXERCISE_LOSSES"]

#: the validation losses of exercise 04.predict_reduction
PLATEAU_EXERCISE_LOSSES = [1.00, 0.80, 0.70, 0.69, 0.71, 0.70, 0.69, 0.68, 0.60, 0.61, 0.62, 0.63]


@exercise("04.predict_reduction", "the first epoch (1-based) at which ReduceLROnPlateau(factor=0.5, "
                                  "patience=2, threshold=0.02, threshold_mode='rel') reduces the rate for "
                                  "PLATEAU_EXERCISE_LOSSES (an int).")
def _predict_reduction(answer):
    trace = plateau_trace(PLATEAU_EXERCISE_LOSSES, factor=0.5, patience=2, threshold=0.02, threshold_mode="rel")
    first = next(t for t in trace if t["reduced"])
    value = int(answer)
    if value == first["epoch"]:
        return True, first["why"] + "."
    told = trace[value - 1]["why"] if 1 <= value <= len(trace) else f"epoch {value} is outside the curve"
    return False, (f"Not at {told}. A loss only counts as better when it beats the best by "
                   "more than 2% (threshold_mode='rel'), and the rate drops when the bad epochs exceed patience.")


@exercise("04.mode_max", "a function opt -> ReduceLROnPlateau that watches the validation ACCURACY: it "
                         "multiplies the rate by 0.2 after 3 epochs without improvement.")
def _mode_max(answer):
    sched = require_answer(answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)))
    if not isinstance(sched, ReduceLROnPlateau):
        return False, f"Return a ReduceLROnPlateau, not {type(sched).__name__}."
    if sched.mode != "max":
        return False, ("Accuracy should go up: pass mode='max'. With mode='min' a rising accuracy looks "
                       "like getting worse.")
    if not math.isclose(sched.factor, 0.2) or sched.patience != 3:
        return False, f"You have factor={sched.factor:g}, patience={sched.patience}; the task asks for 0.2 and 3."
    return True, "mode='max', factor=0.2, patience=3: call scheduler.step(val_accuracy) once per epoch."
