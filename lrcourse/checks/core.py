"""The registry of exercises and :func:`check`, the one call every notebook's exercise cell makes.

Each exercise is registered under an id (``"<notebook>.<name>"``) with
:func:`exercise` and a checker that returns ``(passed, message)``. A check
never raises on a wrong or missing answer: it explains what it found and
what to try, so a notebook still runs top to bottom with the exercises left
blank. The checkers themselves live in one module per notebook (see
:mod:`lrcourse.checks`); this module knows none of them.
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["STRICT_ENV", "PASS", "FAIL", "Unanswered", "CheckResult", "exercise", "forget", "exercises", "check", "require_answer"]

PASS, FAIL = "✅", "❌"


class Unanswered(Exception):
    r"""Raised by a checker when the answer still holds the ``...`` placeholder.

    :func:`check` turns it into the hint that restates the task.

    Example:
        >>> check("04.mode_max", lambda opt: ...).message.startswith("Replace the ...")
        True
    """


def _kernel_shell():
    """The IPython shell when this runs in a Jupyter kernel, else ``None`` (a script, a test, a terminal)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    shell = get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


@dataclass
class CheckResult:
    r"""The outcome of :func:`check`: shown as a green pass or a hint, and truthy when passed.

    In a Jupyter kernel :func:`check` shows it at once (:meth:`show`), so the
    verdict appears even when more code follows the call; as the cell's last
    expression it is then not shown a second time.

    Args:
        exercise (str): the exercise id, for example ``"02.halve_every_5"``.
        passed (bool): whether the answer is right.
        message (str): what the check found, and what to try if it failed.

    Example:
        >>> bool(CheckResult("00.demo", True, "well done"))
        True
        >>> CheckResult("00.demo", False, "try 0.5")
        ❌ 00.demo: Not yet. try 0.5
    """

    exercise: str
    passed: bool
    message: str
    #: the kernel's execution count when :meth:`show` displayed it (``None``: not shown yet)
    shown_in: int | None = field(default=None, repr=False, compare=False)

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

    def show(self) -> None:
        """Display the verdict in the running Jupyter cell (as text and HTML); outside a kernel, do nothing."""
        shell = _kernel_shell()
        if shell is None:
            return
        from IPython.display import display

        display({"text/plain": str(self), "text/html": self._repr_html_()}, raw=True)
        self.shown_in = shell.execution_count

    def _ipython_display_(self) -> None:
        # the cell's last expression: skip it if check() already showed it in this very cell
        shell = _kernel_shell()
        if shell is None or self.shown_in != shell.execution_count:
            self.show()


_EXERCISES: dict[str, tuple[str, Callable[[Any], tuple[bool, str]]]] = {}


def exercise(exercise_id: str, task: str):
    r"""Register a checker under ``exercise_id``: it returns ``(passed, message)``.

    Args:
        exercise_id (str): ``"<notebook>.<name>"``, for example ``"02.halve_every_5"``.
        task (str): what the exercise asks for; a blank answer gets it back as its hint.

    Example:
        >>> @exercise("xx.positive", "a positive number")
        ... def _positive(answer):
        ...     return answer > 0, "it must be > 0"
        >>> check("xx.positive", 3).passed
        True
        >>> forget("xx.positive")  # only for this example: the course's exercises stay
    """
    def register(fn):
        _EXERCISES[exercise_id] = (task, fn)
        return fn
    return register


def forget(exercise_id: str) -> None:
    r"""Remove exercise ``exercise_id`` from the registry (for examples and tests that register their own).

    Example:
        >>> forget("no.such_exercise")  # nothing to remove: no error
    """
    _EXERCISES.pop(exercise_id, None)


def exercises() -> dict[str, str]:
    r"""Every registered exercise id and its task.

    Example:
        >>> "02.halve_every_5" in exercises()
        True
    """
    return {k: task for k, (task, _) in _EXERCISES.items()}


def require_answer(value):
    r"""Return ``value``, or raise :class:`Unanswered` if it is still ``...`` (or ``None``).

    Checkers call it on what a learner's function returned, so that
    ``lambda opt: ...`` counts as a blank answer, not as a wrong one.

    Args:
        value: what the learner's code gave.

    Example:
        >>> require_answer(0.5)
        0.5
        >>> require_answer(...)
        Traceback (most recent call last):
        ...
        lrcourse.checks.core.Unanswered
    """
    if value is ... or value is None:
        raise Unanswered
    return value


#: set to ``1`` (the test run does) and a given answer that does not do what ``check`` expects raises
STRICT_ENV = "LRCOURSE_STRICT_CHECKS"


def check(exercise_id: str, answer: Any, *, expect_pass: bool = True) -> CheckResult:
    r"""Check ``answer`` for the exercise ``exercise_id`` and explain the result.

    A missing answer (``...`` or ``None``) is a hint, not an error, so the
    notebook still runs top to bottom. In a Jupyter kernel the verdict is
    displayed at once, wherever the call stands in its cell (see
    :meth:`CheckResult.show`). When the environment variable
    :data:`STRICT_ENV` is ``1`` (as in the course's own test run, where nbval
    executes every stored solution), an answer that fails raises
    ``AssertionError``, so a broken solution cannot pass unnoticed.

    Args:
        exercise_id (str): for example ``"02.halve_every_5"``.
        answer: whatever the exercise asks for.
        expect_pass (bool): ``False`` where a notebook shows a wrong answer on
            purpose (a bug zoo's broken form): then, in strict mode, passing is
            the error. Default: ``True``.

    Example:
        >>> check("02.halve_every_5", 0.025).passed
        True
        >>> check("02.halve_every_5", ...).passed
        False
    """
    result = _verdict(exercise_id, answer, expect_pass)
    result.show()
    return result


def _verdict(exercise_id: str, answer: Any, expect_pass: bool) -> CheckResult:
    if exercise_id not in _EXERCISES:
        raise ValueError(f"Unknown exercise {exercise_id!r}. Known: {', '.join(sorted(_EXERCISES))}.")
    task, fn = _EXERCISES[exercise_id]
    unanswered = CheckResult(exercise_id, False, f"Replace the ... with your answer. The task: {task}")
    if answer is ... or answer is None:
        return unanswered
    try:
        passed, message = fn(answer)
    except Unanswered:
        return unanswered
    except Exception as err:  # a learner's code can fail in any way; explain, don't crash
        passed, message = False, f"Running your answer raised {type(err).__name__}: {err}"
    if os.environ.get(STRICT_ENV) == "1" and passed != expect_pass:
        raise AssertionError(f"{exercise_id} was expected to {'pass' if expect_pass else 'fail'} "
                             f"({STRICT_ENV}=1): {message}")
    return CheckResult(exercise_id, passed, message)
