"""The checks of notebook 04_adaptive (its "Exercises" section), and the losses the notebook imports.

``04.predict_reduction`` (reading ReduceLROnPlateau on :data:`PLATEAU_EXERCISE_LOSSES`),
``04.mode_max`` (a plateau scheduler that watches an accuracy, checked by what it does, not by
its attributes) and ``04.fire_within_8`` (choose a threshold so that the rate drops on the slowly
improving :data:`PLATEAU_SLOW_LOSSES`, and predict the epoch).
Tested in ``tests/checks/test_adaptive.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

from ..curves import plateau_trace
from .core import exercise, require_answer

__all__ = ["PLATEAU_EXERCISE_LOSSES", "PLATEAU_SLOW_LOSSES", "MODE_MAX_ACCURACIES"]

#: the validation losses of exercise 04.predict_reduction
PLATEAU_EXERCISE_LOSSES = [1.00, 0.80, 0.70, 0.69, 0.71, 0.70, 0.69, 0.68, 0.60, 0.61, 0.62, 0.63]

#: the validation losses of exercise 04.fire_within_8: better every epoch, but slowly
PLATEAU_SLOW_LOSSES = [1.00, 0.80, 0.70, 0.69, 0.685, 0.68, 0.675, 0.67]

#: the validation accuracies 04.mode_max steps the learner's scheduler with: 4 rising, then flat
MODE_MAX_ACCURACIES = [0.90, 0.93, 0.95, 0.96, 0.96, 0.96, 0.96, 0.96, 0.96, 0.96]


@exercise("04.predict_reduction", "the epoch (1-based) whose validation loss in PLATEAU_EXERCISE_LOSSES triggers "
                                  "the first reduction of ReduceLROnPlateau(factor=0.5, patience=2, threshold=0.02, "
                                  "threshold_mode='rel'): the epoch after whose step(val_loss) the rate drops (an int).")
def _predict_reduction(answer):
    trace = plateau_trace(PLATEAU_EXERCISE_LOSSES, factor=0.5, patience=2, threshold=0.02, threshold_mode="rel")
    first = next(t for t in trace if t["reduced"])
    value = int(answer)
    if value == first["epoch"]:
        return True, (first["why"] + f". Epoch {first['epoch'] + 1} is the first epoch that trains at the lower rate.")
    if value == first["epoch"] + 1:
        return False, (f"Off by one: epoch {value} is the first epoch that TRAINS at the lower rate. The question asks "
                       "for the epoch whose loss TRIGGERS the drop: the one after whose scheduler.step(val_loss) the "
                       "rate goes down, one epoch earlier.")
    told = trace[value - 1]["why"] if 1 <= value <= len(trace) else f"epoch {value} is outside the curve"
    return False, (f"Not at {told}. A loss only counts as better when it beats the best by "
                   "more than 2% (threshold_mode='rel'), and the rate drops when the bad epochs exceed patience.")


def _drops(sched, opt, metrics) -> list[tuple[int, float]]:
    """(epoch, factor) for each epoch after whose step(metric) the rate went down."""
    out = []
    for epoch, metric in enumerate(metrics, start=1):
        before = opt.param_groups[0]["lr"]
        opt.step()
        sched.step(metric)
        after = opt.param_groups[0]["lr"]
        if after < before:
            out.append((epoch, after / before))
    return out


@exercise("04.mode_max", "a function opt -> ReduceLROnPlateau that watches the validation ACCURACY and "
                         "multiplies the rate by 0.2 at the third epoch in a row without improvement.")
def _mode_max(answer):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = require_answer(answer(opt))
    if not isinstance(sched, ReduceLROnPlateau):
        return False, f"Return a ReduceLROnPlateau, not {type(sched).__name__}."
    drops = _drops(sched, opt, MODE_MAX_ACCURACIES)
    flat_from = 5  # the first epoch without improvement
    if drops and drops[0][0] < flat_from:
        return False, (f"Your rate drops after epoch {drops[0][0]}, while the accuracy is still rising "
                       f"({MODE_MAX_ACCURACIES[:flat_from - 1]}). Accuracy should go up: pass mode='max'. "
                       "With mode='min' a rising accuracy looks like getting worse.")
    if not drops:
        return False, (f"Your rate never drops on {MODE_MAX_ACCURACIES}: the accuracy stops improving at "
                       f"epoch {flat_from}, so the third epoch without improvement is epoch {flat_from + 2}. "
                       f"The rate drops when the count of bad epochs goes above patience ({sched.patience} here).")
    epoch, ratio = drops[0]
    nth = epoch - flat_from + 1
    if nth != 3:
        return False, (f"Your rate drops after epoch {epoch}, the epoch without improvement number {nth}; the task "
                       "asks for the third. The rate drops when the count of bad epochs goes ABOVE patience, "
                       f"so patience={sched.patience} drops at bad epoch {sched.patience + 1}.")
    if not math.isclose(ratio, 0.2, rel_tol=1e-6):
        return False, f"The drop is at the right epoch, but it multiplies the rate by {ratio:.3g}; the task asks for 0.2 (factor)."
    return True, (f"On {MODE_MAX_ACCURACIES} your rate drops by 0.2 after epoch {epoch}, the third flat epoch: "
                  "mode='max', factor=0.2, patience=2. Call scheduler.step(val_accuracy) once per epoch.")


@exercise("04.fire_within_8", "a dict with 'threshold', 'threshold_mode' and your predicted 'epoch': with "
                              "ReduceLROnPlateau(factor=0.5, patience=2) and that threshold, the rate drops "
                              "within the 8 epochs of PLATEAU_SLOW_LOSSES, first after the epoch you predicted.")
def _fire_within_8(answer):
    answer = require_answer(answer)
    if not isinstance(answer, dict) or not {"threshold", "threshold_mode", "epoch"} <= set(answer):
        return False, ("Give a dict: {'threshold': ..., 'threshold_mode': 'rel' or 'abs', 'epoch': your prediction}.")
    if answer["threshold_mode"] not in ("rel", "abs"):
        return False, f"threshold_mode is 'rel' or 'abs', not {answer['threshold_mode']!r}."
    trace = plateau_trace(PLATEAU_SLOW_LOSSES, factor=0.5, patience=2, threshold=float(answer["threshold"]),
                          threshold_mode=answer["threshold_mode"])
    fired = [t for t in trace if t["reduced"]]
    if not fired:
        most = max(t["num_bad_epochs"] for t in trace)
        return False, (f"With threshold={answer['threshold']:g} ({answer['threshold_mode']}) the rate never drops: "
                       f"at most {most} bad epoch(s) in a row, and patience=2 needs 3. Every loss here beats the "
                       "last one, so only a threshold larger than what the loss gains over three epochs makes three "
                       "epochs in a row count as bad. "
                       f"The gains after epoch 3 are {[round(a - b, 3) for a, b in zip(PLATEAU_SLOW_LOSSES[2:], PLATEAU_SLOW_LOSSES[3:])]}.")
    first = fired[0]
    if int(answer["epoch"]) != first["epoch"]:
        return False, (f"Your threshold works: the rate drops within 8 epochs, but after epoch {first['epoch']}, "
                       f"not {answer['epoch']}. Follow the bar: {'; '.join(t['why'] for t in trace[2:first['epoch']])}.")
    return True, (f"Predicted and confirmed: {first['why']}. A loss that improves by less than the threshold "
                  "counts as a plateau, even though it still goes down.")
