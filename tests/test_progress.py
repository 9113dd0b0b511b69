"""lrcourse exercises --status: which exercises pass, read from the learner's saved notebook."""
import shutil

import nbformat
from torch.optim.lr_scheduler import StepLR

from lrcourse import cli
from lrcourse.checks import check
from lrcourse.curves import lr_curve
from lrcourse.nbtools import notebooks_dir
from lrcourse.progress import NOT_ANSWERED, NOT_RUN, NOT_YET, PASSED, exercise_status


def _answer(cell, source, result):
    """What JupyterLab saves after the learner runs an exercise cell: the new source and check's output."""
    cell.source = source
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": str(result),
                                                                   "text/html": result._repr_html_()},
                                           execution_count=1)]


def test_a_passed_and_a_failed_exercise_are_told_apart(tmp_path, capsys):
    shutil.copy(notebooks_dir() / "02_step_decay.ipynb", tmp_path)
    path = tmp_path / "02_step_decay.ipynb"
    nb = nbformat.read(path, as_version=4)
    first, second, third = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])][:3]
    right = lr_curve(lambda opt: StepLR(opt, step_size=5, gamma=0.5), 12, lr=0.1)[11]  # the rate of epoch 12
    wrong = [0.1] * 8  # no milestone cuts the rate
    _answer(first, f"rate_in_epoch_12 = {right!r}\n\n"
            'check("02.halve_every_5", rate_in_epoch_12)', check("02.halve_every_5", right))
    _answer(second, f"rates = {wrong!r}\n\n"
            'check("02.milestones", rates)', check("02.milestones", wrong))
    third.source, third.outputs = "predicted_floor = 0.3\n\ncheck(\"02.noise_floor\", predicted_floor)", []
    nbformat.write(nb, path)

    states = exercise_status(["02"], folder=tmp_path)["02_step_decay"]
    assert states["02.halve_every_5"] == PASSED
    assert states["02.milestones"] == NOT_YET
    assert states["02.noise_floor"] == NOT_RUN  # edited, not run since
    assert set(list(states.values())[3:]) <= {NOT_ANSWERED}

    assert cli.main(["exercises", "--status", "--folder", str(tmp_path), "02"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"02_step_decay: 1 of {len(states)} passed")
    assert "  passed        02.halve_every_5" in out and "  not yet       02.milestones" in out


def test_the_notebooks_as_shipped_have_nothing_passed():
    status = exercise_status()
    assert status and set(status) <= {p.stem for p in notebooks_dir().glob("*.ipynb")}
    assert {s for states in status.values() for s in states.values()} == {NOT_ANSWERED}
