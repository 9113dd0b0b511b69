"""Self-checks for the exercises: ``check("00.halve", answer)`` gives a friendly pass or a hint.

Each exercise is registered under an id (``"<notebook>.<name>"``) with a
checker that returns ``(passed, message)``. A check never raises on a wrong
or missing answer: it explains what it found and what to try, so a notebook
still runs top to bottom with the exercises left blank.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .schedules import lr_curve

PASS, FAIL = "✅", "❌"


class _Unanswered(Exception):
    """The answer still holds the ``...`` placeholder."""


@dataclass
class CheckResult:
    r"""The outcome of :func:`check`: shown as a green pass or a hint, and truthy when passed.

    Example:
        >>> bool(CheckResult("00.demo", True, "well done"))
        True
    """

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = PASS if self.passed else FAIL
        state = "Correct" if self.passed else "Not yet"
        return f"{mark} {self.exercise}: {state}. {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1b7f3b" if self.passed else "#b3261e"
        return f'<p style="color:{colour}; font-weight:600">{html.escape(str(self))}</p>'


_EXERCISES: dict[str, tuple[str, Callable[[Any], tuple[bool, str]]]] = {}


def exercise(exercise_id: str, task: str):
    r"""Register a checker under ``exercise_id``: it returns ``(passed, message)``.

    Example:
        >>> @exercise("xx.positive", "a positive number")
        ... def _positive(answer):
        ...     return answer > 0, "it must be > 0"
        >>> check("xx.positive", 3).passed
        True
    """
    def register(fn):
        _EXERCISES[exercise_id] = (task, fn)
        return fn
    return register


def exercises() -> dict[str, str]:
    r"""Every registered exercise id and its task.

    Example:
        >>> "02.halve_every_5" in exercises()
        True
    """
    return {k: task for k, (task, _) in _EXERCISES.items()}


def check(exercise_id: str, answer: Any) -> CheckResult:
    r"""Check ``answer`` for the exercise ``exercise_id`` and explain the result.

    A missing answer (``...`` or ``None``) is a hint, not an error, so the
    notebook still runs top to bottom.

    Args:
        exercise_id (str): for example ``"02.halve_every_5"``.
        answer: whatever the exercise asks for.

    Example:
        >>> from torch.optim.lr_scheduler import StepLR
        >>> check("02.halve_every_5", lambda opt: StepLR(opt, step_size=5, gamma=0.5)).passed
        True
        >>> check("02.halve_every_5", ...).passed
        False
    """
    if exercise_id not in _EXERCISES:
        raise ValueError(f"Unknown exercise {exercise_id!r}. Known: {', '.join(sorted(_EXERCISES))}.")
    task, fn = _EXERCISES[exercise_id]
    unanswered = CheckResult(exercise_id, False, f"Replace the ... with your answer. The task: {task}")
    if answer is ... or answer is None:
        return unanswered
    try:
        passed, message = fn(answer)
    except _Unanswered:
        return unanswered
    except Exception as err:  # a learner's code can fail in any way; explain, don't crash
        passed, message = False, f"Running your answer raised {type(err).__name__}: {err}"
    return CheckResult(exercise_id, passed, message)


def _curve_of(answer, num_steps: int, lr: float) -> np.ndarray:
    if not callable(answer):
        raise TypeError("give a function opt -> scheduler, for example lambda opt: StepLR(opt, ...)")

    def factory(opt):
        sched = answer(opt)
        if sched is ... or sched is None:
            raise _Unanswered
        return sched
    return lr_curve(factory, num_steps, lr=lr)


# --------------------------------------------------------------------------- 00_start_here
@exercise("00.cosine_at_20", "the learning rate at epoch 20 of CosineAnnealingLR(T_max=40) starting "
                             "from lr=0.1, found with lr_curve (a number).")
def _cosine_at_20(answer):
    value = float(answer)
    expected = lr_curve("CosineAnnealingLR", 41, lr=0.1, T_max=40)
    if math.isclose(value, expected[20], rel_tol=1e-6):
        return True, (f"Halfway through T_max the cosine is at its middle: {value:.6g}. "
                      "lr_curve(...)[20] is the rate the 21st optimizer.step() uses.")
    for k in (19, 21):
        if math.isclose(value, expected[k], rel_tol=1e-6):
            return False, f"That is the rate at epoch {k}. Index the curve at 20 (it starts at epoch 0)."
    return False, (f"{value:g} is not it. Call lr_curve with a function that builds CosineAnnealingLR(opt, "
                   "T_max=40), num_steps of at least 21, and read element 20.")


@exercise("00.read_lr", "the learning rate after 12 epochs of ExponentialLR(gamma=0.9) starting "
                        "from lr=0.1, read from optimizer.param_groups[0]['lr'].")
def _read_lr(answer):
    expected = 0.1 * 0.9 ** 12
    value = float(answer)
    if math.isclose(value, expected, rel_tol=1e-6):
        return True, f"After 12 steps the rate is 0.1 x 0.9^12 = {value:.6f}."
    for k in (11, 13):
        if math.isclose(value, 0.1 * 0.9 ** k, rel_tol=1e-6):
            return False, (f"That is the rate after {k} steps. Call scheduler.step() exactly 12 times "
                           "(once per epoch, after optimizer.step()) before you read it.")
    if math.isclose(value, 0.1, rel_tol=1e-6):
        return False, "That is the starting rate: did you call scheduler.step() in your loop?"
    return False, f"{value:g} is not it. Step the scheduler 12 times and read param_groups[0]['lr']."


# --------------------------------------------------------------------------- 01_fixed_lr
@exercise("01.largest_stable_lr", "the largest learning rate for which plain gradient descent on y = 2x "
                                  "converges when the data are x = 1, 2, ..., 6 (a number).")
def _largest_stable_lr(answer):
    x = np.arange(1, 7)
    limit = 2 / (2 * np.mean(x ** 2))
    value = float(answer)
    if math.isclose(value, limit, rel_tol=0.01):
        return True, f"2 / L with L = 2·mean(x²) = {2 * np.mean(x ** 2):.4g}, so lr < {limit:.4f}."
    if math.isclose(value, 2 / np.mean(x ** 2), rel_tol=0.01):
        return False, "You used 2 / mean(x²). The curvature of the mean squared error is 2·mean(x²)."
    if math.isclose(value, 2 / 15, rel_tol=0.01):
        return False, "That is the limit for x = 1..4. Compute the curvature for x = 1..6."
    side = "above" if value > limit else "below"
    return False, (f"{value:g} is {side} the limit. The loss is a parabola with curvature "
                   "L = 2·mean(x²); gradient descent converges when lr < 2 / L.")


@exercise("01.last_layer_lr", "a (model, optimizer) pair: SGD with lr=0.01 for every layer except the "
                              "last one (model[-1]), which gets lr=0.001, using parameter groups.")
def _last_layer_lr(answer):
    model, opt = answer
    groups = opt.param_groups
    last = {id(p) for p in model[-1].parameters()}
    rest = {id(p) for p in model.parameters()} - last
    by_group = [({id(p) for p in g["params"]}, g["lr"]) for g in groups]
    if len(groups) < 2:
        return False, ("Your optimizer has one parameter group. Pass a list of dicts, e.g. "
                       "[{'params': ...}, {'params': model[-1].parameters(), 'lr': 0.001}].")
    for params, lr in by_group:
        if params & last and not math.isclose(lr, 0.001):
            return False, f"The last layer's group has lr={lr:g}; it should be 0.001."
        if params & rest and not math.isclose(lr, 0.01):
            return False, f"The other layers' group has lr={lr:g}; it should be 0.01."
    covered = set().union(*(p for p, _ in by_group))
    if covered != last | rest:
        return False, "Some of the model's parameters are in no group: every layer must be trained."
    return True, "Two groups: 0.01 for the body, 0.001 for the last layer (see optimizer.param_groups)."


# --------------------------------------------------------------------------- 02_step_decay
@exercise("02.halve_every_5", "a function opt -> scheduler whose rate halves every 5 epochs "
                              "(0.1 for epochs 0-4, 0.05 for 5-9, ...).")
def _halve_every_5(answer):
    lrs = _curve_of(answer, 20, lr=0.1)
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
    lrs = _curve_of(answer, 100, lr=0.1)
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
    import torch
    from torch.optim.lr_scheduler import LambdaLR

    from .schedules import TimeBasedLR

    lrs = _curve_of(answer, 50, lr=0.1)
    expected = lr_curve(lambda opt: TimeBasedLR(opt, k=0.05), 50, lr=0.1)
    probe = answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    if not isinstance(probe, LambdaLR):
        return False, f"Use LambdaLR (you returned {type(probe).__name__}), with lr_lambda=lambda t: ..."
    if np.allclose(lrs, expected, rtol=1e-12):
        return True, "LambdaLR with lambda t: 1 / (1 + 0.05 * t) matches TimeBasedLR(k=0.05) at every epoch."
    return False, (f"At epoch 10 your rate is {lrs[10]:.4g}; time-based decay gives {expected[10]:.4g}. "
                   "LambdaLR multiplies the initial lr by lr_lambda(t).")


# --------------------------------------------------------------------------- 04_adaptive
#: the validation losses of exercise 04.predict_reduction
PLATEAU_EXERCISE_LOSSES = [1.00, 0.80, 0.70, 0.69, 0.71, 0.70, 0.69, 0.68, 0.60, 0.61, 0.62, 0.63]


@exercise("04.predict_reduction", "the first epoch (1-based) at which ReduceLROnPlateau(factor=0.5, "
                                  "patience=2, threshold=0.02, threshold_mode='rel') reduces the rate for "
                                  "PLATEAU_EXERCISE_LOSSES (an int).")
def _predict_reduction(answer):
    from .schedules import plateau_trace

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
    import torch
    from torch.optim.lr_scheduler import ReduceLROnPlateau

    sched = answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    if sched is ... or sched is None:
        raise _Unanswered
    if not isinstance(sched, ReduceLROnPlateau):
        return False, f"Return a ReduceLROnPlateau, not {type(sched).__name__}."
    if sched.mode != "max":
        return False, "Accuracy should go up: with mode='min' a rising accuracy looks like getting worse."
    if not math.isclose(sched.factor, 0.2) or sched.patience != 3:
        return False, f"You have factor={sched.factor:g}, patience={sched.patience}; the task asks for 0.2 and 3."
    return True, "mode='max', factor=0.2, patience=3: call scheduler.step(val_accuracy) once per epoch."


# --------------------------------------------------------------------------- 05_cyclic
@exercise("05.onecycle_config", "a function opt -> OneCycleLR with max_lr=0.1 for 5 epochs of 100 batches, "
                                "stepped after every batch.")
def _onecycle_config(answer):
    lrs = _curve_of(answer, 500, lr=0.01)  # stepping 499 times must work
    import torch

    sched = answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01, momentum=0.9))
    total = getattr(sched, "total_steps", None)
    if type(sched).__name__ != "OneCycleLR":
        return False, f"Use OneCycleLR (you returned {type(sched).__name__})."
    if total != 500:
        return False, (f"total_steps is {total}; OneCycleLR is stepped per batch, so it needs "
                       "epochs x steps_per_epoch = 5 x 100 = 500 steps.")
    if not math.isclose(lrs.max(), 0.1, rel_tol=0.01):
        return False, f"The peak rate is {lrs.max():.3g}; it should be max_lr = 0.1."
    return True, f"500 steps, peak {lrs.max():.3g} at step {int(lrs.argmax())}, final {lrs[-1]:.2e}."


@exercise("05.warmup_cosine", "a function opt -> SequentialLR: LinearLR from 0.1x to 1x over 5 epochs, then "
                              "CosineAnnealingLR down to 0 over the remaining 45 epochs (50 in all).")
def _warmup_cosine(answer):
    import torch
    from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

    def reference(opt):
        return SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=5),
                                  CosineAnnealingLR(opt, T_max=45)], milestones=[5])

    lrs = _curve_of(answer, 50, lr=0.1)
    expected = lr_curve(reference, 50, lr=0.1)
    sched = answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    if not isinstance(sched, SequentialLR):
        return False, f"Chain the two with SequentialLR (you returned {type(sched).__name__})."
    if np.allclose(lrs, expected, rtol=1e-9, atol=1e-12):
        return True, "Warmup 0.01 -> 0.1 in 5 epochs, then a cosine down to 0 by epoch 50."
    worst = int(np.argmax(np.abs(lrs - expected)))
    return False, (f"At epoch {worst} your rate is {lrs[worst]:.4g}, the target is {expected[worst]:.4g}. "
                   "Check start_factor and total_iters of LinearLR, T_max of the cosine and milestones=[5].")
