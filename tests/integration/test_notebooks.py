"""Notebook hygiene: each .py source has an executed, in-sync .ipynb, the skeleton, and passing solutions.

nbval (configured in pyproject.toml) executes every .ipynb in CI; cells tagged
``nbval-check-output`` have their output compared with the stored one.
"""
import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from lrcourse.checks import exercises
from lrcourse.exercise_cells import exercise_pairs, exercise_source

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.py"))
STORED = sorted(NOTEBOOKS.glob("*.ipynb"))


def _cells(nb):
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_notebooks():
    assert SOURCES, "notebooks/ has no .py sources"


def test_every_py_has_an_ipynb_and_back():
    assert {p.stem for p in SOURCES} == {p.stem for p in STORED}


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_pair_has_identical_cells(py):
    text = jupytext.read(py)
    stored = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    assert _cells(text) == _cells(stored), f"{py.name} and its .ipynb differ: run `make notebooks`"
    assert stored.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_stored_notebook_was_executed_top_to_bottom(py):
    stored = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    counts = [c.execution_count for c in stored.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "run `make notebooks` to store fresh outputs"
    errors = [o for c in stored.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"stored outputs contain an error: {errors[0].get('ename')}"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_skeleton(py):
    nb = jupytext.read(py)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    first = nb.cells[0].source
    assert first.startswith("# "), "a title"
    assert "**What you'll learn**" in first and "**Time**" in first
    for heading in ("## Exercises", "## Summary", "## Solutions"):
        assert heading in md, f"missing {heading}"
    assert re.search(r"^## 1\. ", md, re.M), "numbered sections"
    setup = nb.cells[1].source
    assert "setup_notebook(" in setup, "the setup cell prints versions, device and data source, and seeds"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_solutions_are_collapsed_reveal_nothing_and_are_checked(py):
    stored = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    solutions = [c for c in stored.cells if "solution" in c.metadata.get("tags", [])]
    # exhibits (07's bug zoo) are fixes inside the sections; the exercises end the notebook
    final = [c for c in solutions if "exhibit" not in c.metadata.get("tags", [])]
    assert 2 <= len(final) <= 4, "2-4 exercises per notebook"
    prefix = py.stem[:2] + "."
    checked = set()
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, "solutions are collapsed"
        ids = re.findall(r'check\("([^"]+)"', cell.source)
        assert ids, "a solution ends with its check (nbval runs it with LRCOURSE_STRICT_CHECKS=1: it must pass)"
        assert not cell.outputs, f"the stored solution for {ids} shows its output: store it without (make notebooks)"
        checked.update(ids)
    ours = {k for k in exercises() if k.startswith(prefix)}
    assert checked == ours, f"every exercise {prefix}* has a solution that passes: {ours - checked}"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_exercise_cells_are_generated_from_their_solutions(py):
    stored = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    pairs = exercise_pairs(stored)
    assert pairs
    untagged = [c for c in stored.cells if c.cell_type == "code" and "# your code here" in c.source
                and "exercise" not in c.metadata.get("tags", [])]
    assert not untagged, "tag every exercise cell 'exercise' so `lrcourse exercises --reset` finds it"
    for exercise, solution in pairs:
        assert exercise.source == exercise_source(solution.source), (
            "an exercise cell is its solution with the answer left as a gap (lrcourse.exercise_cells.exercise_source)")
        assert "Not yet" in json.dumps(exercise.outputs, ensure_ascii=False), "the blank check gives a hint"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_deterministic_cells_are_compared(py):
    nb = jupytext.read(py)
    compared = [c for c in nb.cells if "nbval-check-output" in c.metadata.get("tags", [])]
    assert compared, "mark the cells with deterministic output (tag nbval-check-output)"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_stored_notebook_is_not_mostly_base64(py):
    size = py.with_suffix(".ipynb").stat().st_size
    assert size < 400_000, f"{py.stem}.ipynb is {size:,} bytes: trim figures"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_every_number_the_prose_quotes_is_printed_above(py):
    """Numbers in prose are outputs (lrcourse.prose): a re-executed notebook can't leave its text behind."""
    from lrcourse.prose import unbacked_numbers

    stored = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    missing = unbacked_numbers(stored)
    assert not missing, (
        f"{len(missing)} number(s) in {py.stem}'s prose are printed by no output. Quote the output, or write "
        "a setting as `code`, a theory value as $math$:\n"
        + "\n".join(f"  cell {q.cell}: {q.text!r} in ...{q.context}..." for q in missing))
