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
        >>> "00.halve_every_5" in exercises()
        True
    """
    return {k: task for k, (task, _) in _EXERCISES.items()}


def check(exercise_id: str, answer: Any) -> CheckResult:
    r"""Check ``answer`` for the exercise ``exercise_id`` and explain the result.

    A missing answer (``...`` or ``None``) is a hint, not an error, so the
    notebook still runs top to bottom.

    Args:
        exercise_id (str): for example ``"00.halve_every_5"``.
        answer: whatever the exercise asks for.

    Example:
        >>> from torch.optim.lr_scheduler import StepLR
        >>> check("00.halve_every_5", lambda opt: StepLR(opt, step_size=5, gamma=0.5)).passed
        True
        >>> check("00.halve_every_5", ...).passed
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
@exercise("00.halve_every_5", "a function opt -> scheduler whose rate halves every 5 epochs "
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
