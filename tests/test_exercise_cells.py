"""Exercise cells: generated from solutions, reset in both files of a pair, however a learner moved them."""
import pytest

from lrcourse import cli, exercise_cells


def _copy_notebook(tmp_path, stem="02_step_decay"):
    import shutil

    from lrcourse.nbtools import notebooks_dir

    for suffix in (".py", ".ipynb"):
        shutil.copy(notebooks_dir() / f"{stem}{suffix}", tmp_path / f"{stem}{suffix}")
    return tmp_path / f"{stem}.py", tmp_path / f"{stem}.ipynb"


def test_exercises_reset_restores_edited_cells_in_both_files(tmp_path, capsys):
    import jupytext
    import nbformat

    py, ipynb = _copy_notebook(tmp_path)
    pristine_py, pristine_nb = py.read_text(), nbformat.read(ipynb, as_version=4)
    nb = nbformat.read(ipynb, as_version=4)
    exercise, _ = exercise_cells.exercise_pairs(nb)[0]
    exercise.source = "halve_every_5 = lambda opt: None  # a learner's try\n"  # the check line deleted too
    exercise.outputs = [nbformat.v4.new_output("stream", name="stdout", text="learner output")]
    nb.cells[0].source += "\n\nMy own note."  # not an exercise: kept
    nbformat.write(nb, ipynb)
    text = jupytext.read(py)
    exercise_cells.exercise_pairs(text)[1][0].source = "drop_at_30_and_80 = 42"
    jupytext.write(text, py, fmt="py:percent")

    assert cli.main(["exercises", "--reset", "02", "--folder", str(tmp_path)]) == 0
    assert "02_step_decay: reset 02.halve_every_5, 02.milestones" in capsys.readouterr().out
    after = nbformat.read(ipynb, as_version=4)
    for (ex, sol), (ex0, _) in zip(exercise_cells.exercise_pairs(after), exercise_cells.exercise_pairs(pristine_nb)):
        assert ex.source == ex0.source == exercise_cells.exercise_source(sol.source)
    edited, untouched = [ex for ex, _ in exercise_cells.exercise_pairs(after)][:2]
    assert edited.outputs == [] and untouched.outputs == exercise_cells.exercise_pairs(pristine_nb)[1][0].outputs
    assert after.cells[0].source.endswith("My own note.")
    assert py.read_text() == pristine_py
    assert cli.main(["exercises", "--reset", "02", "--folder", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "02_step_decay: nothing to reset\n"


def test_exercises_lists_ids_and_a_bad_name_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["exercises", "02"]) == 0
    assert "02.halve_every_5" in capsys.readouterr().out
    _copy_notebook(tmp_path)
    with pytest.raises(ValueError, match="No notebook named 99"):
        exercise_cells.reset_exercises(["99"], folder=tmp_path)


def test_reset_survives_deleted_moved_and_duplicated_cells(tmp_path, capsys):
    import nbformat

    py, ipynb = _copy_notebook(tmp_path)
    pristine = nbformat.read(ipynb, as_version=4)
    nb = nbformat.read(ipynb, as_version=4)
    (first, _), (second, _) = exercise_cells.exercise_pairs(nb)[:2]
    second.source = "drop_at_30_and_80 = [30, 80]  # a learner's try\n" + second.source.splitlines()[-1]
    copy = nbformat.from_dict({**second, "id": "learners-copy"})
    nb.cells.insert(nb.cells.index(second) + 1, copy)        # duplicated
    nb.cells.remove(first)                                   # deleted
    nb.cells.remove(second)                                  # and moved near the top
    nb.cells.insert(1, second)
    nbformat.write(nb, ipynb)

    assert cli.main(["exercises", "--reset", "02", "--folder", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "02.halve_every_5: its cell had been deleted and was put back" in out
    assert "02.milestones appears in two cells" in out
    after = nbformat.read(ipynb, as_version=4)
    pairs, _ = exercise_cells.match_exercises(after)
    for exercise, solution in pairs:
        assert exercise.source == exercise_cells.exercise_source(solution.source)
    gaps = [c.source for c in pristine.cells if "exercise" in c.metadata.get("tags", [])]
    assert [e.source for e, _ in pairs] == gaps


def test_reset_all_restores_the_whole_notebook_from_git(tmp_path, capsys):
    import subprocess

    py, ipynb = _copy_notebook(tmp_path)
    pristine_py, pristine_nb = py.read_bytes(), ipynb.read_bytes()
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    py.write_text("# %% [markdown]\n# everything replaced\n")
    ipynb.write_text("{}")
    assert cli.main(["exercises", "--reset", "--all", "02", "--folder", str(tmp_path)]) == 0
    assert "02_step_decay: restored as the course ships it" in capsys.readouterr().out
    assert py.read_bytes() == pristine_py and ipynb.read_bytes() == pristine_nb


def test_reset_all_outside_git_is_a_clear_error(tmp_path):
    _copy_notebook(tmp_path)
    with pytest.raises(ValueError, match="not a git checkout"):
        exercise_cells.restore_notebook("02_step_decay", tmp_path)
