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

from .curves import lr_curve

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
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return False, ("Give a pair: answer = (model, optimizer), with the model you built and the SGD "
                       "optimizer over its parameter groups.")
    model, opt = answer
    if not hasattr(opt, "param_groups"):
        return False, f"The second item must be a torch optimizer, got {type(opt).__name__}."
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
    from .curves import plateau_trace

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
        return False, ("Accuracy should go up: pass mode='max'. With mode='min' a rising accuracy looks "
                       "like getting worse.")
    if not math.isclose(sched.factor, 0.2) or sched.patience != 3:
        return False, f"You have factor={sched.factor:g}, patience={sched.patience}; the task asks for 0.2 and 3."
    return True, "mode='max', factor=0.2, patience=3: call scheduler.step(val_accuracy) once per epoch."


# --------------------------------------------------------------------------- 05_cyclic
@exercise("05.onecycle_config", "a function opt -> OneCycleLR with max_lr=0.1 for 5 epochs of 100 batches, "
                                "stepped after every batch.")
def _onecycle_config(answer):
    import torch

    sched = answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01, momentum=0.9))
    if sched is ... or sched is None:
        raise _Unanswered
    total = getattr(sched, "total_steps", None)
    if type(sched).__name__ != "OneCycleLR":
        return False, f"Use OneCycleLR (you returned {type(sched).__name__})."
    if total != 500:
        return False, (f"total_steps is {total}; OneCycleLR is stepped per batch, so it needs "
                       "epochs x steps_per_epoch = 5 x 100 = 500 steps.")
    lrs = _curve_of(answer, 500, lr=0.01)  # stepping 499 times must work
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


# --------------------------------------------------------------------------- 07_pitfalls
# Each exhibit's check runs the learner's code on a tiny synthetic problem (y = 2x on 8 points,
# or a one-parameter optimizer) and compares what torch did with what a correct version does:
# the rate each optimizer.step() used (read by a step pre-hook), the momentum, the weights.

def _need_function(answer, signature: str):
    if not callable(answer):
        raise TypeError(f"give a function {signature}")


def _probe_batches(num_batches: int):
    """y = 2x on 8 points in [-1, 1], split into ``num_batches`` batches (stable for any lr <= 0.5)."""
    import torch

    x = torch.linspace(-1, 1, 8).view(-1, 1)
    return [(xb, 2 * xb) for xb in x.chunk(num_batches)]


def _one_weight_sgd(lr: float, momentum: float = 0.0):
    import torch

    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=momentum)


def _quietly(fn, *args):
    """Run the learner's ``fn(*args)``: returns (result, warnings, error); prints are swallowed."""
    import contextlib
    import io
    import warnings

    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        try:
            out, error = fn(*args), None
        except (ValueError, TypeError, RuntimeError, KeyError) as err:
            out, error = None, err
    return out, [str(w.message) for w in caught], error


def _record_steps(optimizer) -> dict:
    """The lr and momentum that each ``optimizer.step()`` of ``optimizer`` uses, as it runs."""
    seen = {"lr": [], "momentum": []}

    def hook(opt, args, kwargs):
        group = opt.param_groups[0]
        seen["lr"].append(group["lr"])
        seen["momentum"].append(group.get("momentum", group.get("betas", (None,))[0]))
    optimizer.register_step_pre_hook(hook)
    return seen


def _run_loop(fn, make_scheduler, num_epochs: int, num_batches: int, lr: float, momentum: float = 0.0,
              with_scheduler: bool = True) -> dict:
    """Run a training-loop function on y = 2x: what it returned, what torch did, what it warned."""
    import torch

    from .models import linear_model

    model = linear_model(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    seen = _record_steps(optimizer)
    batches = _probe_batches(num_batches)
    args = (model, optimizer, scheduler, batches, num_epochs) if with_scheduler else \
        (model, optimizer, batches, num_epochs)
    out, warned, error = _quietly(fn, *args)
    return {"returned": out, "warnings": warned, "error": error, "lr": seen["lr"],
            "momentum": seen["momentum"], "weight": model.weight.item(), "scheduler": scheduler}


def _loop_problem(run: dict, reference: dict, num_epochs: int, num_batches: int,
                  check_weight: bool = True) -> str | None:
    """The first thing that is wrong with a training loop's updates, as a hint, or ``None``."""
    n = num_epochs * num_batches
    if run["error"] is not None:
        err = run["error"]
        return f"Running your function raised {type(err).__name__}: {err}"
    if not run["lr"]:
        return ("optimizer.step() was never called, so the weights never moved and the loss never "
                "changed. For every batch: optimizer.zero_grad(), loss = ..., loss.backward(), optimizer.step().")
    if run["weight"] == 0.0:
        return (f"optimizer.step() ran {len(run['lr'])} times but the weight never moved: without "
                "loss.backward() there are no gradients to follow. Call it before optimizer.step().")
    if len(run["lr"]) != n:
        return (f"optimizer.step() ran {len(run['lr'])} times; {num_epochs} epochs of {num_batches} batches "
                f"need {n}: once per batch.")
    if check_weight and not math.isclose(run["weight"], reference["weight"], rel_tol=1e-5, abs_tol=1e-9):
        if "weight_no_zero_grad" in reference and \
                math.isclose(run["weight"], reference["weight_no_zero_grad"], rel_tol=1e-5):
            return ("The gradients pile up from batch to batch: call optimizer.zero_grad() before "
                    "each loss.backward().")
        return (f"After training, w = {run['weight']:.5g}; a correct loop gets {reference['weight']:.5g}. "
                "For every batch: zero_grad, the MSE loss of model(x) against y, backward, optimizer.step().")
    return None


def _reference_loop(make_scheduler, num_epochs, num_batches, lr, momentum=0.0, per="epoch",
                    zero_grad=True) -> dict:
    """What a correct loop does on the probe problem (the check's own ground truth)."""
    import torch

    from .models import linear_model

    model = linear_model(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    seen = _record_steps(optimizer)
    after_epoch = []
    for _ in range(num_epochs):
        for x, y in _probe_batches(num_batches):
            if zero_grad:
                optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            if scheduler is not None and per == "batch":
                scheduler.step()
        if scheduler is not None and per == "epoch":
            scheduler.step()
        after_epoch.append(optimizer.param_groups[0]["lr"])
    return {"lr": seen["lr"], "momentum": seen["momentum"], "weight": model.weight.item(),
            "after_epoch": after_epoch}


def _as_rates(values) -> list[float] | None:
    """A list of rates, also from get_last_lr()'s one-element lists; ``None`` if it is not one."""
    if values is None or isinstance(values, (str, bytes)):
        return None
    try:
        return [float(v[0]) if isinstance(v, (list, tuple)) else float(v) for v in values]
    except (TypeError, ValueError, IndexError):
        return None


def _fmt(values) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"


@exercise("07.fix_silent_loop", "a function train(model, optimizer, scheduler, batches, num_epochs) that, for "
                                "every batch, calls optimizer.zero_grad(), computes the MSE loss, calls "
                                "loss.backward() and optimizer.step(); steps the scheduler once per epoch; and "
                                "returns the rate it reports after each epoch, read with get_last_lr().")
def _fix_silent_loop(answer):
    from torch.optim.lr_scheduler import StepLR

    _need_function(answer, "train(model, optimizer, scheduler, batches, num_epochs)")

    def make(opt):
        return StepLR(opt, step_size=2, gamma=0.5)

    num_epochs, num_batches, lr = 4, 2, 0.1
    run = _run_loop(answer, make, num_epochs, num_batches, lr)
    reference = _reference_loop(make, num_epochs, num_batches, lr)
    reference["weight_no_zero_grad"] = _reference_loop(make, num_epochs, num_batches, lr, zero_grad=False)["weight"]
    problem = _loop_problem(run, reference, num_epochs, num_batches)
    if problem:
        if any("get_last_lr" in w for w in run["warnings"]):
            problem += " And report the rate with get_last_lr(): get_lr() computes the next step's rate."
        return False, problem
    if run["scheduler"].last_epoch != num_epochs:
        return False, (f"scheduler.step() ran {run['scheduler'].last_epoch} times in {num_epochs} epochs; "
                       "StepLR counts epochs: step it once per epoch, after the batches.")
    if run["lr"] != reference["lr"]:
        return False, (f"The optimizer steps used the rates {_fmt(run['lr'])}, expected {_fmt(reference['lr'])}: "
                       "call scheduler.step() after the epoch's optimizer.step() calls.")
    reported = _as_rates(run["returned"])
    if reported is None or len(reported) != num_epochs:
        return False, (f"Return the rate you report after each epoch ({num_epochs} numbers), e.g. "
                       "reported.append(scheduler.get_last_lr()[0]). You returned "
                       f"{type(run['returned']).__name__}.")
    used_per_epoch = reference["lr"][::num_batches]
    if np.allclose(reported, reference["after_epoch"], rtol=1e-12):
        return True, (f"The weight moves (w = {run['weight']:.4f}) and the rates you report, "
                      f"{_fmt(reported)}, are the ones the optimizer holds: get_last_lr().")
    if np.allclose(reported, used_per_epoch, rtol=1e-12):
        return True, (f"The weight moves (w = {run['weight']:.4f}) and you report the rate each epoch "
                      f"used, {_fmt(reported)}.")
    if any("get_last_lr" in w for w in run["warnings"]):
        return False, (f"You report {_fmt(reported)}, but the optimizer held {_fmt(reference['after_epoch'])}. "
                       "get_lr() computes the NEXT step's rate (torch warned: use get_last_lr()); at a "
                       "StepLR drop it applies gamma twice. Read scheduler.get_last_lr()[0].")
    return False, (f"You report {_fmt(reported)}, but the optimizer held {_fmt(reference['after_epoch'])} after "
                   "each epoch. Read scheduler.get_last_lr()[0] after scheduler.step().")


@exercise("07.fix_step_order", "a function train(model, optimizer, scheduler, batches, num_epochs) that runs "
                               "zero_grad, loss, backward and optimizer.step() for every batch, and calls "
                               "scheduler.step() once per epoch, after that epoch's optimizer steps.")
def _fix_step_order(answer):
    from torch.optim.lr_scheduler import StepLR

    _need_function(answer, "train(model, optimizer, scheduler, batches, num_epochs)")

    def make(opt):
        return StepLR(opt, step_size=1, gamma=0.5)

    num_epochs, num_batches, lr = 3, 2, 0.1
    run = _run_loop(answer, make, num_epochs, num_batches, lr)
    reference = _reference_loop(make, num_epochs, num_batches, lr)
    order_warned = any("before `optimizer.step()`" in w for w in run["warnings"])
    if run["lr"] and not math.isclose(run["lr"][0], lr) and order_warned:
        return False, (f"In the check's run (StepLR(step_size=1, gamma=0.5) from lr={lr:g}), your first "
                       f"optimizer.step() used lr={run['lr'][0]:.4g}, not the initial {lr:g}: "
                       "scheduler.step() ran before it, so the schedule's first rate was skipped, and torch "
                       "warned 'Detected call of `lr_scheduler.step()` before `optimizer.step()`'. Move "
                       "scheduler.step() after the epoch's optimizer steps.")
    problem = _loop_problem(run, reference, num_epochs, num_batches, check_weight=False)
    if problem:
        return False, problem
    used = run["lr"]
    if used != reference["lr"]:
        within = any(used[e * num_batches] != used[e * num_batches + b]
                     for e in range(num_epochs) for b in range(1, num_batches))
        if within:
            return False, (f"The rate changes inside an epoch ({_fmt(used)}): you step StepLR after every "
                           "batch, but its step_size counts epochs. Step it once, after the batch loop.")
        return False, (f"The optimizer steps used {_fmt(used)}, expected {_fmt(reference['lr'])}: step the "
                       "scheduler once per epoch, after optimizer.step().")
    problem = _loop_problem(run, reference, num_epochs, num_batches)
    if problem:
        return False, problem
    return True, (f"The first epoch runs at {used[0]:g}, and each later epoch halves it: {_fmt(used[::num_batches])}. "
                  "No warning from torch.")


@exercise("07.fix_onecycle_steps", "a function train(model, optimizer, batches, num_epochs) that builds "
                                   "OneCycleLR(optimizer, max_lr=0.1, ...) for the whole run and steps it "
                                   "after every batch's optimizer.step().")
def _fix_onecycle_steps(answer):
    from torch.optim.lr_scheduler import OneCycleLR

    _need_function(answer, "train(model, optimizer, batches, num_epochs)")
    num_epochs, num_batches, lr = 3, 8, 0.01
    n = num_epochs * num_batches
    run = _run_loop(answer, None, num_epochs, num_batches, lr, momentum=0.9, with_scheduler=False)
    reference = _reference_loop(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=n), num_epochs,
                                num_batches, lr, momentum=0.9, per="batch")
    err = run["error"]
    if isinstance(err, ValueError) and "Tried to step" in str(err):
        return False, (f"OneCycleLR raised '{str(err).strip()}'. total_steps counts scheduler steps, and you "
                       f"step it per batch: total_steps = num_epochs * len(batches) (here {num_epochs} x "
                       f"{num_batches} = {n}), or epochs=num_epochs, steps_per_epoch=len(batches).")
    problem = _loop_problem(run, reference, num_epochs, num_batches, check_weight=False)
    if problem:
        return False, problem
    used, expected = np.array(run["lr"]), np.array(reference["lr"])
    if np.allclose(used, expected, rtol=1e-9):
        problem = _loop_problem(run, reference, num_epochs, num_batches)
        if problem:
            return False, problem
        return True, (f"The rate climbs from {used[0]:.3g} to {used.max():.3g} at batch {int(used.argmax())} and "
                      f"falls to {used[-1]:.2g} at the last of the {n} batches: one cycle over the whole run.")
    per_epoch = used.reshape(num_epochs, num_batches)
    if np.all(per_epoch == per_epoch[:, :1]) and not np.all(used == used[0]):
        return False, (f"The rate changes only between epochs ({_fmt(per_epoch[:, 0])}) and peaks at "
                       f"{used.max():.3g}, not 0.1: you step OneCycleLR once per epoch, so it walks only "
                       f"{num_epochs} of its {n} steps. Call scheduler.step() after every optimizer.step().")
    if np.all(used == used[0]):
        return False, f"The rate stays at {used[0]:.3g}: build OneCycleLR and call scheduler.step() after every batch."
    if not math.isclose(used[0], expected[0], rel_tol=1e-6):
        return False, (f"The first batch used {used[0]:.3g}; one cycle starts at max_lr / 25 = {expected[0]:.3g}. "
                       "Call scheduler.step() after optimizer.step(), not before.")
    if not math.isclose(used.max(), 0.1, rel_tol=1e-3):
        return False, (f"The peak rate is {used.max():.3g} at batch {int(used.argmax())}; with max_lr=0.1 over "
                       f"{n} batches it is 0.1 at batch {int(expected.argmax())}. Is total_steps "
                       "num_epochs * len(batches)?")
    worst = int(np.argmax(np.abs(used - expected)))
    return False, (f"At batch {worst} your rate is {used[worst]:.4g}, one cycle over the {n} batches gives "
                   f"{expected[worst]:.4g}: total_steps must be num_epochs * len(batches), with default settings.")


@exercise("07.fix_cyclic_momentum", "a function opt -> CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=4) "
                                    "that leaves the momentum of an SGD built with momentum=0 at 0.")
def _fix_cyclic_momentum(answer):
    from torch.optim.lr_scheduler import CyclicLR

    _need_function(answer, "opt -> CyclicLR(opt, ...)")
    opt = _one_weight_sgd(0.001, momentum=0.0)
    sched, _, error = _quietly(answer, opt)
    if error is not None:
        return False, f"Building your scheduler raised {type(error).__name__}: {error}"
    if sched is ... or sched is None:
        raise _Unanswered
    if not isinstance(sched, CyclicLR):
        return False, f"Return a CyclicLR (you returned {type(sched).__name__})."
    moms = [opt.param_groups[0]["momentum"]]
    for _ in range(12):
        opt.step()
        sched.step()
        moms.append(opt.param_groups[0]["momentum"])
    if any(m != 0 for m in moms):
        return False, (f"You built SGD with momentum=0, but after CyclicLR the momentum is {moms[0]:g}, and it "
                       f"cycles between {min(moms):g} and {max(moms):g} as the scheduler steps. CyclicLR cycles "
                       "the momentum by default, with no warning: pass cycle_momentum=False.")
    lrs = _curve_of(answer, 12, lr=0.001)
    expected = lr_curve(lambda o: CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=4, cycle_momentum=False),
                        12, lr=0.001)
    if not np.allclose(lrs, expected, rtol=1e-9):
        return False, (f"The momentum stays 0, but the rate goes {_fmt(lrs[:9])}; CyclicLR(base_lr=0.001, "
                       f"max_lr=0.1, step_size_up=4) goes {_fmt(expected[:9])}.")
    return True, "The rate cycles between 0.001 and 0.1 every 8 steps and the momentum stays 0, as you built it."


#: the validation losses of exhibit 07.fix_plateau_metric: falling during the warmup, then flattening
PLATEAU_PITFALL_LOSSES = [2.0, 1.5, 1.2, 1.0, 0.9, 0.95, 0.97, 0.85, 0.9, 0.92, 0.93, 0.94]


def _warmup_then_plateau(optimizer, val_losses):
    from torch.optim.lr_scheduler import LinearLR, ReduceLROnPlateau

    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    for epoch, val_loss in enumerate(val_losses):
        optimizer.step()  # one epoch of training
        if epoch < 3:
            warmup.step()
        else:
            plateau.step(val_loss)


@exercise("07.fix_plateau_metric", "a function train(optimizer, val_losses) that, for each epoch's validation "
                                   "loss, calls optimizer.step() (the epoch's training) and then steps a LinearLR "
                                   "warmup (start_factor=0.1, total_iters=3) for the first 3 epochs, and "
                                   "ReduceLROnPlateau(factor=0.5, patience=1) with that loss after them.")
def _fix_plateau_metric(answer):
    _need_function(answer, "train(optimizer, val_losses)")
    losses = PLATEAU_PITFALL_LOSSES
    opt = _one_weight_sgd(0.1)
    seen = _record_steps(opt)
    _, _, error = _quietly(answer, opt, list(losses))
    ref_opt = _one_weight_sgd(0.1)
    expected = _record_steps(ref_opt)["lr"]
    _warmup_then_plateau(ref_opt, losses)
    if isinstance(error, TypeError) and "metrics" in str(error):
        return False, ("ReduceLROnPlateau.step() needs the number it watches: torch raised "
                       f"'{error}'. Call plateau.step(val_loss) once per epoch.")
    if isinstance(error, ValueError) and "ReduceLROnPlateau" in str(error):
        return False, ("SequentialLR cannot hold ReduceLROnPlateau, because it steps its schedulers without a "
                       "metric (torch raised a ValueError). Keep two schedulers: call warmup.step() for the "
                       "first 3 epochs, then plateau.step(val_loss).")
    if error is not None:
        return False, f"Running your function raised {type(error).__name__}: {error}"
    used = seen["lr"]
    if len(used) != len(losses):
        return False, (f"optimizer.step() ran {len(used)} times for {len(losses)} epochs: call it once per "
                       "epoch, before stepping the schedule.")
    if np.allclose(used, expected, rtol=1e-9):
        drops = [e for e in range(1, len(used)) if used[e] < used[e - 1]]
        return True, (f"Warmup {_fmt(used[:4])}, then the plateau halves the rate from epochs {drops} on "
                      "(0-based), when the validation loss stopped improving.")
    epoch = next(e for e in range(len(used)) if not math.isclose(used[e], expected[e], rel_tol=1e-9))
    where = "during the warmup: LinearLR(start_factor=0.1, total_iters=3), stepped for epochs 0-2" if epoch < 4 \
        else "after the warmup: ReduceLROnPlateau(factor=0.5, patience=1), stepped with each epoch's val loss"
    return False, (f"At epoch {epoch} (0-based) your rate is {used[epoch]:.4g}, the target is "
                   f"{expected[epoch]:.4g}: {where}.")


@exercise("07.fix_cosine_units", "a function cosine_for(optimizer, num_epochs, steps_per_epoch) that returns a "
                                 "CosineAnnealingLR stepped after every batch, going from the initial rate down "
                                 "to 0 over the whole run.")
def _fix_cosine_units(answer):
    from torch.optim.lr_scheduler import CosineAnnealingLR

    _need_function(answer, "cosine_for(optimizer, num_epochs, steps_per_epoch)")
    for num_epochs, steps_per_epoch in ((10, 20), (3, 7)):
        n = num_epochs * steps_per_epoch
        lrs = _curve_of(lambda opt: answer(opt, num_epochs, steps_per_epoch), n, lr=0.1)
        expected = lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=n), n, lr=0.1)
        if np.allclose(lrs, expected, rtol=1e-9, atol=1e-12):
            continue
        low = int(lrs.argmin())
        if low < n - 2 and lrs[-1] > lrs[low] + 1e-9:
            return False, (f"With {num_epochs} epochs of {steps_per_epoch} batches your rate bottoms out at batch "
                           f"{low} and climbs back to {lrs[-1]:.3g} by the last batch: the cosine keeps going past "
                           f"T_max. Stepped per batch, T_max counts batches: num_epochs * steps_per_epoch = {n}.")
        worst = int(np.argmax(np.abs(lrs - expected)))
        return False, (f"With {num_epochs} epochs of {steps_per_epoch} batches, at batch {worst} your rate is "
                       f"{lrs[worst]:.4g}; a cosine over the {n} batches gives {expected[worst]:.4g} "
                       "(T_max = num_epochs * steps_per_epoch, eta_min = 0).")
    return True, ("T_max = num_epochs * steps_per_epoch: the cosine falls once over the whole run, "
                  "for 10 x 20 and for 3 x 7 batches.")


def _train_epochs(model, optimizer, scheduler, num_epochs: int):
    import torch

    for _ in range(num_epochs):
        for x, y in _probe_batches(2):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()


def _resume_setup():
    import torch
    from torch.optim.lr_scheduler import CosineAnnealingLR

    from .models import linear_model

    model = linear_model(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, optimizer, CosineAnnealingLR(optimizer, T_max=6)


@exercise("07.fix_resume", "a pair (save_checkpoint, load_checkpoint) of functions f(path, model, optimizer, "
                           "scheduler): the first saves a checkpoint to path with torch.save, the second loads it "
                           "into a freshly built model, optimizer and scheduler, so that training resumes exactly "
                           "where it stopped.")
def _fix_resume(answer):
    import os
    import tempfile

    if not (isinstance(answer, (tuple, list)) and len(answer) == 2 and all(callable(f) for f in answer)):
        if isinstance(answer, (tuple, list)) and any(f is ... for f in answer):
            raise _Unanswered
        raise TypeError("give the pair (save_checkpoint, load_checkpoint), two functions f(path, model, "
                        "optimizer, scheduler)")
    save, load = answer
    # the uninterrupted run: 6 epochs
    model, optimizer, scheduler = _resume_setup()
    seen = _record_steps(optimizer)
    _train_epochs(model, optimizer, scheduler, 6)
    expected, expected_w = seen["lr"][::2], model.weight.item()
    # 3 epochs, save, then a fresh start that loads the checkpoint and trains 3 more
    model, optimizer, scheduler = _resume_setup()
    first = _record_steps(optimizer)
    _train_epochs(model, optimizer, scheduler, 3)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.pt")
        _, _, error = _quietly(save, path, model, optimizer, scheduler)
        if error is not None:
            return False, f"save_checkpoint raised {type(error).__name__}: {error}"
        if not os.path.exists(path):
            return False, "save_checkpoint wrote nothing to path: torch.save({...}, path)."
        model, optimizer, scheduler = _resume_setup()
        _, _, error = _quietly(load, path, model, optimizer, scheduler)
        if error is not None:
            return False, f"load_checkpoint raised {type(error).__name__}: {error}"
    second = _record_steps(optimizer)
    lr_after_load, epoch_after_load = optimizer.param_groups[0]["lr"], scheduler.last_epoch
    has_momentum = bool(optimizer.state)
    w_after_load = model.weight.item()
    _train_epochs(model, optimizer, scheduler, 3)
    resumed = first["lr"][::2] + second["lr"][::2]
    if np.allclose(resumed, expected, rtol=1e-9) and math.isclose(model.weight.item(), expected_w, rel_tol=1e-6):
        return True, (f"The resumed run uses the same rates as the uninterrupted one, {_fmt(resumed)}, "
                      f"and ends at the same weight, w = {expected_w:.5f}.")
    if w_after_load == 0.0:
        return False, ("After loading, the model has its initial weight again: save model.state_dict() and "
                       "load it with model.load_state_dict(checkpoint['model']).")
    if epoch_after_load != 3:
        return False, (f"After loading, scheduler.last_epoch is {epoch_after_load}, not 3: the schedule's clock "
                       f"restarted. In the check's 6-epoch cosine run, stopped after epoch 3, epochs 4-6 ran at "
                       f"{_fmt(resumed[3:])} instead of {_fmt(expected[3:])}. Save "
                       "scheduler.state_dict() in the checkpoint and restore it with scheduler.load_state_dict().")
    if not has_momentum or not math.isclose(lr_after_load, expected[3], rel_tol=1e-9):
        return False, (f"After loading, the optimizer holds lr={lr_after_load:.4g} (the uninterrupted run had "
                       f"{expected[3]:.4g}){'' if has_momentum else ' and no momentum buffers'}: save "
                       "optimizer.state_dict() and restore it with optimizer.load_state_dict().")
    return False, (f"The resumed run used {_fmt(resumed)} and ended at w = {model.weight.item():.5g}; without the "
                   f"interruption: {_fmt(expected)} and w = {expected_w:.5g}. Save and load the model's, the "
                   "optimizer's and the scheduler's state_dict().")


def _watched_mnist(log: set):
    """A tiny MNIST-shaped dataset (random pixels, a probe only) whose val and test splits log every read."""
    import torch

    from .data import MNISTData, Split

    def watched(name, n, gen):
        class Watched(Split):
            def __getattribute__(self, attr):
                if attr in ("x", "y", "batches", "to"):
                    log.add(name)
                return object.__getattribute__(self, attr)

            def __len__(self):
                log.add(name)
                return len(object.__getattribute__(self, "y"))

        split = Watched(torch.randn(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen))
        log.discard(name)  # building it reads it once
        return split

    gen = torch.Generator().manual_seed(0)
    train = Split(torch.randn(16, 1, 28, 28, generator=gen), torch.randint(0, 10, (16,), generator=gen))
    return MNISTData(train=train, val=watched("val", 8, gen), test=watched("test", 8, gen),
                     source="probe", root=__import__("pathlib").Path("."), note="random pixels, for the check")


@exercise("07.fix_test_leak", "a function pick_lr(data, candidates) that trains a model at each candidate rate on "
                              "data.train, scores it on data.val, and returns the best candidate, never reading "
                              "data.test.")
def _fix_test_leak(answer):
    import torch

    _need_function(answer, "pick_lr(data, candidates)")
    log: set = set()
    data = _watched_mnist(log)
    candidates = [0.01, 0.1]
    with torch.random.fork_rng(devices=[]):
        chosen, _, error = _quietly(answer, data, list(candidates))
    if "test" in log:
        return False, ("Your function read data.test. Then the test split helped choose the rate (or drive the "
                       "plateau), and its score is no longer an honest estimate on new data. Score each "
                       "candidate on data.val, and use data.test once, for the final report.")
    if error is not None:
        return False, f"Running your function raised {type(error).__name__}: {error}"
    if "val" not in log:
        return False, ("Your function never read data.val: score each candidate on the validation split, "
                       "e.g. evaluate(model, data.val).")
    if chosen is ... or chosen is None:
        return False, "Return the chosen rate, one of the candidates."
    if not any(math.isclose(float(chosen), c) for c in candidates):
        return False, f"You returned {chosen!r}; return one of the candidates {candidates}."
    return True, "The candidates were scored on data.val, and data.test was never read."


# --------------------------------------------------------------------------- 07_pitfalls: exercises
def mystery_curves(num_epochs: int = 5, steps_per_epoch: int = 20, lr: float = 0.1) -> dict:
    r"""The six LR curves of exercise ``07.spot_wrong_curves``, one value per batch, by letter.

    Each is torch's rate for a run of ``num_epochs`` epochs of
    ``steps_per_epoch`` batches, built with ``OneCycleLR``,
    ``CosineAnnealingLR`` or ``StepLR``; some are stepped the wrong way.

    Example:
        >>> curves = mystery_curves()
        >>> sorted(curves), len(curves["A"])
        (['A', 'B', 'C', 'D', 'E', 'F'], 100)
    """
    from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR

    n = num_epochs * steps_per_epoch

    def per_epoch(lrs):
        return np.repeat(lrs, steps_per_epoch)

    def one_cycle(opt):
        return OneCycleLR(opt, max_lr=lr, total_steps=n)
    return {
        "A": lr_curve(one_cycle, n, lr=lr),
        "B": lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=num_epochs), n, lr=lr),
        "C": per_epoch(lr_curve(lambda opt: StepLR(opt, step_size=2, gamma=0.5), num_epochs, lr=lr)),
        "D": per_epoch(lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=num_epochs), num_epochs + 1, lr=lr)[1:]),
        "E": per_epoch(lr_curve(one_cycle, num_epochs, lr=lr)),
        "F": lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=n), n, lr=lr),
    }


#: why each curve of :func:`mystery_curves` is right or wrong
_MYSTERY = {
    "A": (False, "A is right: OneCycleLR(total_steps=100) stepped after every batch climbs to 0.1 and falls to "
                 "almost 0 at the last batch"),
    "B": (True, "one of the curves you left out falls to 0 and climbs back up, again and again"),
    "C": (False, "C is right: StepLR(step_size=2, gamma=0.5) stepped once per epoch halves the rate at epochs 2 "
                 "and 4, as intended"),
    "D": (True, "one of the curves you left out never uses the initial rate 0.1, and trains its last epoch at 0"),
    "E": (True, "one of the curves you left out never comes near its peak"),
    "F": (False, "F is right: CosineAnnealingLR(T_max=100) stepped after every batch falls once, smoothly, "
                 "over the whole run"),
}


@exercise("07.spot_wrong_curves", "the letters of the curves in mystery_curves() that come from a scheduler "
                                  "stepped the wrong way, e.g. {'A', 'C'} or 'AC'.")
def _spot_wrong_curves(answer):
    letters = {c.upper() for c in (answer if isinstance(answer, str) else "".join(map(str, answer)))
               if c.isalpha()}
    unknown = letters - set(_MYSTERY)
    if unknown:
        return False, f"There is no curve {', '.join(sorted(unknown))}: the curves are A to F."
    wrong = {k for k, (bad, _) in _MYSTERY.items() if bad}
    if letters == wrong:
        return True, ("B: CosineAnnealingLR(T_max=5) stepped per batch. D: scheduler.step() before "
                      "optimizer.step(), so the first rate is skipped. E: OneCycleLR sized for 100 batches but "
                      "stepped once per epoch.")
    hints = [_MYSTERY[k][1] for k in sorted(letters - wrong)]
    missed = [_MYSTERY[k][1] for k in sorted(wrong - letters)]
    if missed:
        hints.append(missed[0][0].upper() + missed[0][1:] + f" ({len(missed)} wrong curve"
                     f"{'s' if len(missed) > 1 else ''} missing)")
    return False, ". ".join(hints) + "."


def _clean_loop_reference(model, optimizer, batches, num_epochs):
    import torch
    from torch.optim.lr_scheduler import OneCycleLR

    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs * len(batches), cycle_momentum=False)
    reported = []
    for _ in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()
        reported.append(scheduler.get_last_lr()[0])
    return reported


@exercise("07.clean_loop", "a function train(model, optimizer, batches, num_epochs) with none of buggy_train's "
                           "bugs: OneCycleLR(max_lr=0.1) over every batch of the run, stepped after each "
                           "optimizer.step(), the optimizer's momentum (0) left alone, and the rate after each epoch "
                           "returned from get_last_lr().")
def _clean_loop(answer):
    _need_function(answer, "train(model, optimizer, batches, num_epochs)")
    num_epochs, num_batches, lr = 3, 4, 0.01
    n = num_epochs * num_batches
    run = _run_loop(answer, None, num_epochs, num_batches, lr, with_scheduler=False)
    ref = _run_loop(_clean_loop_reference, None, num_epochs, num_batches, lr, with_scheduler=False)
    err = run["error"]
    if isinstance(err, ValueError) and "Tried to step" in str(err):
        return False, (f"OneCycleLR raised '{str(err).strip()}': stepped per batch, total_steps must count "
                       "batches, num_epochs * len(batches).")
    if run["lr"] and not math.isclose(run["lr"][0], ref["lr"][0], rel_tol=1e-9):
        return False, (f"The first batch used lr={run['lr'][0]:.4g}; one cycle starts at max_lr / 25 = "
                       f"{ref['lr'][0]:.4g}. Call scheduler.step() after optimizer.step(), not before.")
    if any(m != 0 for m in run["momentum"]):
        return False, (f"The optimizer was built with momentum=0, but its steps ran with momentum up to "
                       f"{max(run['momentum']):g}: OneCycleLR cycles it by default. Pass cycle_momentum=False.")
    problem = _loop_problem(run, ref, num_epochs, num_batches, check_weight=False)
    if problem:
        return False, problem
    if not np.allclose(run["lr"], ref["lr"], rtol=1e-9):
        used = np.array(run["lr"])
        return False, (f"The rate peaks at {used.max():.3g} at batch {int(used.argmax())}; one cycle over "
                       f"{n} batches peaks at 0.1 at batch {int(np.argmax(ref['lr']))}. Use total_steps = "
                       "num_epochs * len(batches) and step after every batch.")
    problem = _loop_problem(run, ref, num_epochs, num_batches)
    if problem:
        return False, problem
    reported = _as_rates(run["returned"])
    if reported is None or len(reported) != num_epochs:
        return False, f"Return the rate after each epoch: {num_epochs} numbers from scheduler.get_last_lr()[0]."
    if run["warnings"]:
        return False, (f"torch warned: '{run['warnings'][0].split('.')[0]}'. A clean loop runs without warnings: "
                       "read the rate with scheduler.get_last_lr()[0], not get_lr().")
    if not np.allclose(reported, ref["returned"], rtol=1e-9):
        return False, (f"You report {_fmt(reported)}; the optimizer held {_fmt(ref['returned'])} after each "
                       "epoch. get_lr() computes the next rate: read get_last_lr()[0].")
    return True, (f"One cycle over all {n} batches, momentum left at 0, and the reported rates "
                  f"{_fmt(reported)} are the ones the optimizer holds.")


# --------------------------------------------------------------------------- 08_capstone
#: the per-seed test accuracies (seeds 0-4) of exercise 08.winner
SHOOTOUT_EXERCISE_ACCURACIES = {
    "A": [0.969, 0.955, 0.958, 0.957, 0.956],
    "B": [0.964, 0.968, 0.966, 0.967, 0.965],
    "C": [0.958, 0.973, 0.962, 0.954, 0.961],
}


@exercise("08.mean_std", "a function accs -> (mean, std): the mean and the sample standard deviation "
                         "(ddof=1, as torch.std computes it) of a list of per-seed accuracies.")
def _mean_std(answer):
    if not callable(answer):
        raise TypeError("give a function accs -> (mean, std), for example def mean_std(accs): ...")
    accs = [0.962, 0.958, 0.965, 0.955]
    out = answer(list(accs))
    if out is ... or out is None:
        raise _Unanswered
    try:
        mean, std = (float(v) for v in out)
    except (TypeError, ValueError):
        return False, f"Return two numbers, (mean, std); for {accs} your function returned {out!r}."
    want_mean, want_std = float(np.mean(accs)), float(np.std(accs, ddof=1))
    population = float(np.std(accs))
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)  # noqa: E731
    if close(mean, 100 * want_mean) or close(std, 100 * want_std):
        return False, "Keep the accuracies as fractions (0.962), not percent: the table multiplies by 100 to show them."
    if close(mean, want_std) and close(std, want_mean):
        return False, "You returned (std, mean): swap them."
    if not close(mean, want_mean):
        return False, f"For {accs} the mean is {want_mean:.6f}; you returned {mean:.6f}."
    if close(std, population):
        return False, (f"{std:.6f} is the population std (ddof=0, numpy's default). With a handful of seeds "
                       "use the sample std, ddof=1: np.std(accs, ddof=1) or torch.tensor(accs).std().")
    if not close(std, want_std):
        return False, f"For {accs} the sample std (ddof=1) is {want_std:.6f}; you returned {std:.6f}."
    return True, (f"For {accs}: {100 * want_mean:.2f} ± {100 * want_std:.2f} %. Dividing by n - 1 instead "
                  f"of n makes the std a little larger ({100 * population:.2f} with ddof=0): honest with few seeds.")


@exercise("08.winner", "the label of the contestant with the best MEAN test accuracy over the seeds in "
                       "SHOOTOUT_EXERCISE_ACCURACIES (a str).")
def _winner(answer):
    accs = SHOOTOUT_EXERCISE_ACCURACIES
    if not isinstance(answer, str) or answer not in accs:
        return False, f"Answer with one of the labels, as a str: {', '.join(repr(k) for k in accs)}."
    means = {k: float(np.mean(v)) for k, v in accs.items()}
    best = max(means, key=means.get)
    seed0 = max(accs, key=lambda k: accs[k][0])
    single = max(accs, key=lambda k: max(accs[k]))
    if answer == best:
        ranked = sorted(means, key=means.get, reverse=True)
        wins = sum(a > b for a, b in zip(accs[best], accs[seed0]))
        return True, (", ".join(f"{k} {100 * means[k]:.2f}%" for k in ranked) + f". {best} also beat {seed0} "
                      f"on {wins} of {len(accs[best])} seeds: each seed gives both the same weights and data "
                      "order, so the runs can be compared seed by seed.")
    if answer == seed0:
        return False, (f"{answer} has the best run with seed 0 ({100 * accs[answer][0]:.1f}%), but one seed can "
                       "mislead: average each contestant over all its seeds (np.mean).")
    if answer == single:
        return False, (f"{answer} has the best single run ({100 * max(accs[answer]):.1f}%), and also the widest "
                       "spread. The leaderboard ranks by the mean over the seeds.")
    return False, f"{answer} has a mean of {100 * means[answer]:.2f}%. Compare the means of every contestant."


@exercise("08.fair_start", "a function seed -> (model, generator): an MnistCNN whose initial weights depend only "
                           "on seed, and a torch.Generator seeded with seed for the data order.")
def _fair_start(answer):
    import torch

    if not callable(answer):
        raise TypeError("give a function seed -> (model, generator), for example def fair_start(seed): ...")

    def call(seed):
        out = answer(seed)
        if out is ... or out is None:
            raise _Unanswered
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"return a pair (model, generator), not {type(out).__name__}")
        model, gen = out
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"the first item must be the model (an MnistCNN), not {type(model).__name__}")
        if not isinstance(gen, torch.Generator):
            raise TypeError(f"the second item must be a torch.Generator, not {type(gen).__name__}")
        return model, gen

    state = torch.random.get_rng_state()
    try:
        m1, g1 = call(3)
        torch.rand(17)  # other code draws random numbers in between
        m2, g2 = call(3)
        m3, g3 = call(4)
    finally:
        torch.random.set_rng_state(state)
    def same(a, b):
        return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    if not same(m1, m2):
        return False, ("Two calls with seed 3 gave different initial weights. Seed torch right before building "
                       "the model: torch.manual_seed(seed), then MnistCNN().")
    if same(m1, m3):
        return False, "Seeds 3 and 4 gave the same weights: seed with the seed you are given."
    order = lambda g: torch.randperm(100, generator=g)  # noqa: E731
    o1, o2, o3 = order(g1), order(g2), order(g3)
    if not torch.equal(o1, o2):
        return False, "Two calls with seed 3 gave different data orders: return torch.Generator().manual_seed(seed)."
    if torch.equal(o1, o3):
        return False, "Seeds 3 and 4 gave the same data order: seed the generator with the seed you are given."
    return True, ("The same seed gives the same weights and the same batches, whatever ran before; another seed "
                  "gives others. Every contestant of a seed starts from that same point.")


# --------------------------------------------------------------------------- 06_lr_finder
#: the range-test curve of exercise 06.read_steepest: 25 rates, 4 per decade, and the smoothed losses
FINDER_EXERCISE_CURVE = {
    "lr": [float(f"{1e-5 * 10 ** (k / 4):.3g}") for k in range(25)],
    "loss": [2.30, 2.30, 2.29, 2.29, 2.27, 2.24, 2.18, 2.07, 1.89, 1.63, 1.30, 1.02, 0.85, 0.75, 0.69, 0.66,
             0.67, 0.68, 0.72, 0.77, 0.85, 0.97, 1.16, 1.43, 1.84],
}


def _on_curve(value: float, rates) -> bool:
    return any(math.isclose(value, r, rel_tol=1e-3) for r in rates)


@exercise("06.read_steepest", "the rate the 'steepest' method suggests for FINDER_EXERCISE_CURVE, read from the "
                              "whole curve (no points skipped): where the loss falls fastest against log10(lr).")
def _read_steepest(answer):
    from .finder import suggest_lr

    lrs, losses = np.array(FINDER_EXERCISE_CURVE["lr"]), np.array(FINDER_EXERCISE_CURVE["loss"])
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool) and 0 <= answer < len(lrs):
        return False, (f"{answer} looks like an index into the curve. Give the rate itself: "
                       f"FINDER_EXERCISE_CURVE['lr'][{answer}].")
    value = float(answer)
    expected = suggest_lr(lrs, losses, "steepest", skip_start=0, skip_end=0)
    if math.isclose(value, expected, rel_tol=1e-3):
        return True, (f"lr = {expected:g}: the slope dL/dlog10(lr) is most negative there, "
                      f"{np.gradient(losses, np.log10(lrs)).min():.2f} per decade.")
    lowest = lrs[np.argmin(losses)]
    named = {
        lowest: "That is the rate of the lowest loss. 'steepest' asks where the loss falls fastest, not where it "
                "is lowest: the most negative slope.",
        lowest / 10: "That is the 'minimum' suggestion (the rate of the lowest loss / 10). 'steepest' asks where "
                     "the loss falls fastest: the most negative slope.",
        lrs[np.argmin(np.gradient(losses, lrs))]: "You took the slope against lr itself. The finder measures it "
                                                 "against log10(lr), the axis of the plot: "
                                                 "np.gradient(losses, np.log10(lrs)).",
        lrs[np.argmax(np.gradient(losses, np.log10(lrs)))]: "That is where the loss rises fastest (the largest "
                                                            "slope). Take the most negative one: np.argmin.",
        lrs[np.argmin(np.diff(losses))]: "Close: np.diff gives the slope between two points, and you took the left "
                                         "one. The finder uses np.gradient (central differences), which gives each "
                                         "point the slope around it.",
    }
    for rate, hint in named.items():
        if math.isclose(value, rate, rel_tol=1e-3):
            return False, hint
    if any(math.isclose(value, v, rel_tol=1e-6) for v in losses) and not _on_curve(value, lrs):
        return False, f"{value:g} is a loss. Give the rate at which the loss falls fastest."
    if not _on_curve(value, lrs):
        return False, (f"{value:g} is not one of the curve's rates. The answer is one of FINDER_EXERCISE_CURVE['lr']: "
                       "the one where np.gradient(losses, np.log10(lrs)) is most negative.")
    return False, ("That rate is on the curve, but the loss does not fall fastest there. Compute "
                   "np.gradient(losses, np.log10(lrs)) and take the rate at its most negative value.")


#: the choices of exercise 06.why_minimum_over_10, and the hint each wrong one gets
_WHY_MINIMUM = {
    "A": "The losses are not scaled: each is the ordinary loss of one mini-batch. The division is about the rate.",
    "B": None,
    "C": ("OneCycleLR's default div_factor is 25, not 10, and the range test knows nothing about the schedule you "
          "use afterwards."),
    "D": ("The lag is real (section 5), but its size depends on smooth_f and on how fast the sweep moves: it is no "
          "fixed factor of 10. On y = 2x, with no smoothing at all, the minimum still sat right at 2/L."),
}


@exercise("06.why_minimum_over_10", "the letter (A, B, C or D) of the reason why the 'minimum' method divides the "
                                    "rate of the lowest loss by 10.")
def _why_minimum_over_10(answer):
    if not isinstance(answer, str) or answer.strip().upper() not in _WHY_MINIMUM:
        return False, f"Give one letter as a string, for example \"A\" (you gave {answer!r})."
    hint = _WHY_MINIMUM[answer.strip().upper()]
    if hint is None:
        return True, ("At the lowest point the loss has stopped falling because the rate is at the edge of "
                      "stability (on y = 2x: the first rate past 2/L). A tenth of it is back on the falling part "
                      "of the curve, a safe distance from divergence.")
    return False, hint


def _exercise_mlp():
    """The model of exercise 06.finder_new_model, built as the task says, without touching torch's random state."""
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))


@exercise("06.finder_new_model", "an LRFinder after range_test(mnist) with the default exponential sweep, on a new "
                                 "model: nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), "
                                 "nn.Linear(100, 10)) built right after torch.manual_seed(1), with "
                                 "SGD(lr=0.01, momentum=0.9).")
def _finder_new_model(finder):
    import torch

    from .finder import LRFinder

    if not isinstance(finder, LRFinder):
        return False, (f"Give the check the LRFinder itself (you gave a {type(finder).__name__}): "
                       "finder = LRFinder(model, optimizer), then finder.range_test(mnist).")
    lrs = np.asarray(finder.history["lr"])
    if len(lrs) == 0:
        return False, "The finder has no curve yet: call finder.range_test(mnist) before the check."
    expected = _exercise_mlp().state_dict()
    got = finder.model.state_dict()
    shapes = {k: tuple(v.shape) for k, v in got.items()}
    if shapes != {k: tuple(v.shape) for k, v in expected.items()}:
        return False, ("finder.model is not the model of the task: build nn.Sequential(nn.Flatten(), "
                       "nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)).")
    if not all(torch.equal(got[k].detach().cpu(), v) for k, v in expected.items()):
        return False, ("The model's weights are not those of a fresh model built right after torch.manual_seed(1). "
                       "The finder puts the weights back after its sweep, so either the model was trained before "
                       "the test, or torch.manual_seed(1) was not the call just before building it.")
    optimizer = finder.optimizer
    group = optimizer.param_groups[0]
    if not isinstance(optimizer, torch.optim.SGD) or group.get("momentum") != 0.9:
        return False, (f"Use torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) (you have "
                       f"{type(optimizer).__name__} with momentum {group.get('momentum')}).")
    if optimizer.state:
        return False, ("The optimizer holds state (momentum buffers) from steps taken before the range test. Build a "
                       "fresh optimizer for the new model: the finder leaves it as it found it.")
    if not math.isclose(group["lr"], 0.01):
        return False, f"The optimizer's lr is {group['lr']:g}; build it with lr=0.01 (the finder restores it after)."
    settings = finder.settings
    if settings.get("step_mode") != "exp" or settings["end_lr"] / settings["start_lr"] < 1e4:
        return False, ("Use the default sweep, range_test(mnist): exponential, from 1e-7 to 10. A narrow or "
                       "linear sweep cannot show the whole curve.")
    if len(lrs) < 30:
        return False, (f"The test stopped after {len(lrs)} iterations, too few to read. Use the defaults: 100 "
                       "iterations, smooth_f=0.98, diverge_th=4.")
    suggested = finder.suggest("minimum")
    losses = finder.smoothed()
    at = np.interp(np.log10(suggested), np.log10(lrs), losses)
    if not at < losses[0]:
        return False, ("The 'minimum' suggestion is not on the falling part of this curve. Run the default sweep on "
                       "mnist's training data.")
    return True, ("The test ran, the model's weights and the optimizer are exactly as built (no momentum buffers, "
                  "lr = 0.01), and the 'minimum' suggestion lies where the loss falls. Print "
                  "finder.suggestions() to compare the four methods.")
