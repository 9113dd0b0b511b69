"""Exercise cells: generated from their solutions, matched however a learner moved them, and reset.

An exercise cell is its solution with each answer left as a gap
(:func:`exercise_source`); ``lrcourse exercises --reset`` (:func:`reset_exercises`)
writes the gaps back, in the ``.ipynb`` and its paired ``.py``.
"""
from __future__ import annotations

import re
from pathlib import Path

from .nbtools import notebooks_dir, write_source

__all__ = ["exercise_source", "exercise_pairs", "match_exercises", "restore_notebook", "reset_exercises"]


_CHECK_CALL = re.compile(r'^check\("([^"]+)",\s*(\w+)\)\s*$', re.M)


def exercise_source(solution: str) -> str:
    r"""The exercise cell a solution generates: each answer passed to ``check`` becomes a gap.

    Exercises are never kept as a second hand-edited copy: the notebooks' exercise
    cells are exactly this (a test holds them to it), and ``lrcourse exercises --reset``
    writes it back.

    Example:
        >>> print(exercise_source('halve = lambda opt: StepLR(opt, 5, 0.5)\n\ncheck("02.halve", halve)'))
        halve = ...  # your code here
        <BLANKLINE>
        check("02.halve", halve)
    """
    calls = _CHECK_CALL.findall(solution)
    if not calls:
        raise ValueError("A solution cell must end with check(\"<id>\", <answer>); this one has no such line:\n"
                         + solution)
    gaps = "\n".join(f"{name} = ...  # your code here" for _, name in calls)
    return gaps + "\n\n" + "\n".join(f'check("{ex}", {name})' for ex, name in calls)


def exercise_pairs(nb) -> list[tuple[object, object]]:
    r"""``(exercise cell, solution cell)`` pairs of a notebook, in order.

    Exercise cells carry the tag ``exercise``; solution cells the tag ``solution``.
    The k-th exercise goes with the k-th solution, so a learner's cell is found
    even when its ``check`` line was deleted.

    Example:
        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[
        ...     nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["exercise"]}),
        ...     nbformat.v4.new_code_cell('x = 2\ncheck("00.x", x)', metadata={"tags": ["solution"]})])
        >>> [(e.source, s.source[:5]) for e, s in exercise_pairs(nb)]
        [('x = 1', 'x = 2')]
    """
    tagged = lambda tag: [c for c in nb.cells if tag in c.metadata.get("tags", [])]  # noqa: E731
    exercises, solutions = tagged("exercise"), tagged("solution")
    if len(exercises) != len(solutions):
        raise ValueError(f"{len(exercises)} cells are tagged 'exercise' but {len(solutions)} 'solution': "
                         "each exercise needs its solution, in the same order.")
    return list(zip(exercises, solutions))


def _exercise_ids(source: str) -> list[str]:
    return [ex for ex, _ in _CHECK_CALL.findall(source)]


def match_exercises(nb) -> tuple[list[tuple[object, object]], list[str]]:
    r"""Match each solution cell with the learner's exercise cell, however the cells were moved or edited.

    An exercise cell (tag ``exercise``) is matched to the solution (tag
    ``solution``) whose ``check("<id>", ...)`` it still calls; cells whose
    ``check`` line was deleted are matched, in order, to the solutions left
    over. A solution with no exercise cell left gets ``None`` (the cell was
    deleted); a second cell calling the same id is reported as a copy and not
    matched.

    Returns:
        (pairs, notes): ``[(exercise cell or None, solution cell)]`` in the
        solutions' order, and one sentence per copy or cell that could not be matched.

    Example:
        >>> import nbformat
        >>> cell = lambda src, tag: nbformat.v4.new_code_cell(src, metadata={"tags": [tag]})
        >>> nb = nbformat.v4.new_notebook(cells=[cell('check("00.b", b)', "exercise"),
        ...     cell('a = 1\ncheck("00.a", a)', "solution"), cell('b = 2\ncheck("00.b", b)', "solution")])
        >>> pairs, notes = match_exercises(nb)
        >>> [(e is not None, _exercise_ids(s.source)) for e, s in pairs]
        [(False, ['00.a']), (True, ['00.b'])]
    """
    tagged = lambda tag: [c for c in nb.cells if tag in c.metadata.get("tags", [])]  # noqa: E731
    exercises, solutions = tagged("exercise"), tagged("solution")
    by_id = {}
    for solution in solutions:
        for ex in _exercise_ids(solution.source):
            by_id.setdefault(ex, solution)
    matched: dict[int, object] = {}  # id(solution) -> exercise cell
    notes, unnamed = [], []
    for cell in exercises:
        ids = [ex for ex in _exercise_ids(cell.source) if ex in by_id]
        if not ids:
            unnamed.append(cell)
            continue
        solution = by_id[ids[0]]
        if id(solution) in matched:
            notes.append(f"{ids[0]} appears in two cells: the first was reset, the copy was left as it is")
            continue
        matched[id(solution)] = cell
    left = [s for s in solutions if id(s) not in matched]
    for solution, cell in zip(left, unnamed):
        matched[id(solution)] = cell
    for cell in unnamed[len(left):]:
        notes.append("a cell tagged 'exercise' matches no solution and was left as it is: "
                     + (cell.source.splitlines() or [""])[0][:60])
    return [(matched.get(id(s)), s) for s in solutions], notes


def _gap_cell(solution):
    import nbformat

    return nbformat.v4.new_code_cell(exercise_source(solution.source), metadata={"tags": ["exercise"]})


def _reset_notebook(nb) -> tuple[list[str], list[str]]:
    """Reset the exercise cells of ``nb`` in place; returns (ids reset, notes)."""
    pairs, notes = match_exercises(nb)
    reset = []
    previous = None  # the exercise cell of the solution before, to put a deleted cell back after it
    for exercise, solution in pairs:
        gap = exercise_source(solution.source)
        ex_id = _exercise_ids(gap)[0]
        if exercise is None:
            cell = _gap_cell(solution)
            later = [e for e, _ in pairs[pairs.index((exercise, solution)) + 1:] if e is not None]
            if previous is not None:
                at = nb.cells.index(previous) + 1
            else:  # before the next exercise still there, else before the first solution
                at = nb.cells.index(later[0] if later else pairs[0][1])
            nb.cells.insert(at, cell)
            notes.append(f"{ex_id}: its cell had been deleted and was put back")
            reset.append(ex_id)
            previous = cell
            continue
        if exercise.source != gap:
            exercise.source, exercise.outputs, exercise.execution_count = gap, [], None
            reset.append(ex_id)
        previous = exercise
    return reset, notes


def restore_notebook(stem: str, folder=None) -> list[Path]:
    r"""Put a whole notebook back as the course ships it: both files of the pair, from git's last commit.

    Everything the learner changed in that notebook is lost, notes included.

    Raises:
        ValueError: when ``folder`` is not in a git checkout of the course (then
        download the notebook again from the course's repository).

    Example:
        >>> restore_notebook("02_step_decay")  # doctest: +SKIP
        [PosixPath('.../02_step_decay.ipynb'), PosixPath('.../02_step_decay.py')]
    """
    import subprocess

    folder = Path(folder) if folder else notebooks_dir()
    restored = []
    for path in (folder / f"{stem}.ipynb", folder / f"{stem}.py"):
        proc = subprocess.run(["git", "show", f"HEAD:./{path.name}"], cwd=folder, capture_output=True)
        if proc.returncode != 0:
            raise ValueError(f"Cannot restore {path.name}: {folder} is not a git checkout of the course "
                             "(or the file is not committed). Download the notebook again from the "
                             "course's repository.")
        restored.append((path, proc.stdout))
    for path, blob in restored:  # the .py last, so JupyterLab sees a consistent pair
        path.write_bytes(blob)
    return [p for p, _ in restored]


def reset_exercises(names=None, folder=None, verbose: bool = True, whole: bool = False) -> dict[str, list[str]]:
    r"""Write every exercise cell back to its gap, in the ``.ipynb`` and its paired ``.py``.

    Only exercise cells change (their outputs are cleared too); the rest of
    the notebook, the learner's notes and other cells included, stays as it
    is. Cells that were moved are found by the exercise id in their ``check``
    line; a deleted exercise cell is put back; a copy of one is left alone and
    reported (see :func:`match_exercises`). With ``whole=True`` the whole
    notebook is put back instead (:func:`restore_notebook`).

    Args:
        names (list of str, optional): notebook stems or number prefixes such as
            ``"02"``. Default: every notebook.
        folder (path, optional): where the notebooks are. Default: the checkout's ``notebooks/``.
        verbose (bool): print what was reset and what could not be. Default: ``True``.
        whole (bool): restore each whole notebook from git. Default: ``False``.

    Returns:
        dict: for each notebook, the ids of the exercises that were reset.

    Example:
        >>> reset_exercises(["02"], verbose=False)  # doctest: +SKIP
        {'02_step_decay': []}
    """
    import jupytext
    import nbformat

    folder = Path(folder) if folder else notebooks_dir()
    stems = sorted({p.stem for p in folder.glob("*.ipynb")} | {p.stem for p in folder.glob("*.py")})
    if names:
        unknown = [n for n in names if not any(s == n or s.startswith(n) for s in stems)]
        if unknown:
            raise ValueError(f"No notebook named {', '.join(unknown)} in {folder}; known: {', '.join(stems)}.")
        stems = [s for s in stems if any(s == n or s.startswith(n) for n in names)]
    done: dict[str, list[str]] = {}
    for stem in stems:
        if whole:
            restore_notebook(stem, folder)
            done[stem] = ["everything"]
            if verbose:
                print(f"{stem}: restored as the course ships it")
            continue
        changed: list[str] = []
        notes: list[str] = []
        for path in (folder / f"{stem}.ipynb", folder / f"{stem}.py"):
            if not path.exists():
                continue
            nb = nbformat.read(path, as_version=4) if path.suffix == ".ipynb" else jupytext.read(path)
            edited, said = _reset_notebook(nb)
            if edited:
                if path.suffix == ".ipynb":
                    nbformat.write(nb, path)
                else:
                    write_source(nb, path)
            changed += [e for e in edited if e not in changed]
            notes += [n for n in said if n not in notes]
        done[stem] = changed
        if verbose:
            print(f"{stem}: " + (f"reset {', '.join(changed)}" if changed else "nothing to reset"))
            for note in notes:
                print(f"  {note}")
    return done
