"""Which exercises a learner has passed, read from the outputs of their own notebooks (``lrcourse exercises --status``).

Each exercise cell ends with ``check("NN.id", answer)``, whose output says
``✅ NN.id: Correct.`` or ``❌ NN.id: Not yet.``; JupyterLab saves that output in
the ``.ipynb``. Reading it needs no kernel and runs nothing, so the status is
what the learner last saw in the notebook: save it (Ctrl+S) after running the
cell. An exercise cell that still holds its gap is "not answered", whatever
its output says.
"""
from __future__ import annotations

import re
from pathlib import Path

from .exercise_cells import exercise_source, match_exercises
from .nbtools import notebooks_dir

__all__ = ["PASSED", "NOT_YET", "NOT_ANSWERED", "NOT_RUN", "exercise_status", "format_status"]

#: the states of an exercise
PASSED, NOT_YET, NOT_ANSWERED, NOT_RUN = "passed", "not yet", "not answered", "not run"

_RESULT = re.compile(r"^(✅|❌) (\S+): (Correct|Not yet)\. (.*)$", re.M)
_ID = re.compile(r'check\("([^"]+)"')


def _output_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        text = data.get("text/plain") if data else out.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else (text or ""))
    return "\n".join(parts)


def _state(cell, ex_id: str, gap: str) -> str:
    if cell is None:
        return NOT_RUN
    if cell.source.strip() == gap.strip():
        return NOT_ANSWERED
    for mark, found, _, message in _RESULT.findall(_output_text(cell)):
        if found == ex_id:
            if mark == "✅":
                return PASSED
            return NOT_ANSWERED if message.startswith("Replace the ...") else NOT_YET
    return NOT_RUN


def exercise_status(names=None, folder=None) -> dict[str, dict[str, str]]:
    r"""For each notebook, each exercise's state as the saved ``.ipynb`` shows it.

    States: ``"passed"`` (its check printed ✅), ``"not yet"`` (an answer that
    does not pass yet), ``"not answered"`` (the cell still holds its gap, or
    its ``...``), ``"not run"`` (edited but not run and saved since, or deleted).

    Args:
        names (list of str, optional): notebook stems or number prefixes such as
            ``"02"``. Default: every notebook with exercises.
        folder (path, optional): where the notebooks are. Default: the checkout's ``notebooks/``.

    Raises:
        ValueError: a name matches no notebook.

    Example:
        >>> exercise_status(["02"])["02_step_decay"]["02.halve_every_5"]  # as the course ships it
        'not answered'
    """
    import nbformat

    folder = Path(folder) if folder else notebooks_dir()
    stems = sorted(p.stem for p in folder.glob("*.ipynb"))
    if names:
        unknown = [n for n in names if not any(s == n or s.startswith(n) for s in stems)]
        if unknown:
            raise ValueError(f"No notebook named {', '.join(unknown)} in {folder}; known: {', '.join(stems)}.")
        stems = [s for s in stems if any(s == n or s.startswith(n) for n in names)]
    status: dict[str, dict[str, str]] = {}
    for stem in stems:
        pairs, _ = match_exercises(nbformat.read(folder / f"{stem}.ipynb", as_version=4))
        states = {}
        for cell, solution in pairs:
            gap = exercise_source(solution.source)
            for ex_id in _ID.findall(gap):
                states[ex_id] = _state(cell, ex_id, gap)
        if states:
            status[stem] = states
    return status


def format_status(status: dict[str, dict[str, str]]) -> str:
    r"""The status as text: one line per notebook with its count passed, then one per exercise.

    Example:
        >>> print(format_status({"02_step_decay": {"02.a": "passed", "02.b": "not yet"}}))
        02_step_decay: 1 of 2 passed
          passed        02.a
          not yet       02.b
    """
    lines = []
    for stem, states in status.items():
        passed = sum(s == PASSED for s in states.values())
        lines.append(f"{stem}: {passed} of {len(states)} passed")
        lines += [f"  {state:<13} {ex_id}" for ex_id, state in states.items()]
    total = [s for states in status.values() for s in states.values()]
    if len(status) > 1:
        lines.append(f"All: {sum(s == PASSED for s in total)} of {len(total)} exercises passed "
                     "(as the saved notebooks show: save after running a check)")
    return "\n".join(lines)
