"""Self-checks for the exercises: ``check("02.halve_every_5", answer)`` gives a friendly pass or a hint.

Each exercise is registered under an id (``"<notebook>.<name>"``) with a
checker that returns ``(passed, message)``. A check never raises on a wrong
or missing answer: it explains what it found and what to try, so a notebook
still runs top to bottom with the exercises left blank.

One module per notebook, each tested in ``tests/checks/test_<module>.py``:

=========================  ==========================================================
notebook                   module
=========================  ==========================================================
00_start_here, 01_fixed_lr :mod:`~lrcourse.checks.basics`
02_step_decay, 03_exp...   :mod:`~lrcourse.checks.decay`
04_adaptive                :mod:`~lrcourse.checks.adaptive`
05_cyclic                  :mod:`~lrcourse.checks.cyclic`
06_lr_finder               :mod:`~lrcourse.checks.finder`
07_pitfalls, exhibits      :mod:`~lrcourse.checks.pitfalls`
07_pitfalls, resume       :mod:`~lrcourse.checks.pitfalls_workflow`
07_pitfalls, Exercises     :mod:`~lrcourse.checks.pitfalls_exercises`
08_capstone                :mod:`~lrcourse.checks.capstone`
=========================  ==========================================================

:mod:`~lrcourse.checks.core` holds the registry and :func:`check`;
:mod:`~lrcourse.checks.harness` runs a learner's scheduler or training loop
on a tiny problem. Importing this package registers every exercise.

Example:
    >>> from lrcourse.checks import check
    >>> check("03.gamma_for_target", 0.01 ** (1 / 20)).passed
    True
"""
# in notebook order: the registry, and so `lrcourse exercises`, lists the exercises in that order
from . import basics, decay, adaptive, cyclic, finder  # noqa: I001
from . import pitfalls, pitfalls_workflow, pitfalls_exercises, capstone  # noqa: I001
from .adaptive import PLATEAU_EXERCISE_LOSSES
from .capstone import LEAD_EXERCISE_ACCURACIES
from .core import FAIL, PASS, CheckResult, check, exercises
from .finder import FINDER_EXERCISE_CURVE
from .pitfalls import PLATEAU_PITFALL_LOSSES
from .pitfalls_exercises import mystery_curves

__all__ = ["check", "exercises", "CheckResult", "PASS", "FAIL", "PLATEAU_EXERCISE_LOSSES", "PLATEAU_PITFALL_LOSSES",
           "LEAD_EXERCISE_ACCURACIES", "FINDER_EXERCISE_CURVE", "mystery_curves",
           # the per-notebook modules: imported for their registrations
           "basics", "decay", "adaptive", "cyclic", "finder", "pitfalls", "pitfalls_workflow", "pitfalls_exercises",
           "capstone"]
