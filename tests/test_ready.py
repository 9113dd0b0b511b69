"""ready.py: the readiness check runs on a bare interpreter, with the standard library only, and installs nothing."""
import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READY = ROOT / "ready.py"


def _ready():
    spec = importlib.util.spec_from_file_location("ready", READY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_imports_only_the_standard_library():
    tree = ast.parse(READY.read_text())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert names and names <= set(sys.stdlib_module_names), names - set(sys.stdlib_module_names)


def test_a_wheelhouse_without_the_courses_dependencies_is_a_problem(tmp_path, monkeypatch):
    monkeypatch.setenv("LRCOURSE_OFFLINE", "1")
    (tmp_path / "torch-2.15.0-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    [wheelhouse, *_] = _ready().check_sources(str(ROOT), str(tmp_path), "http://127.0.0.1:9/")
    assert wheelhouse[0] == "wheelhouse" and wheelhouse[1] is False and "matplotlib" in wheelhouse[2]


def test_no_wheelhouse_and_no_network_means_not_ready(tmp_path, monkeypatch):
    monkeypatch.delenv("LRCOURSE_OFFLINE", raising=False)
    ready = _ready()
    monkeypatch.setattr(ready, "pip_settings", lambda: {"index-url": [], "find-links": []})
    monkeypatch.setattr(ready, "check_venv", lambda: ("venv and pip", True, "stubbed", ""))
    checks = {c[0]: c for c in ready.readiness_checks(wheelhouse=str(tmp_path / "none"),
                                                      index_url="http://127.0.0.1:9/")}
    assert checks["network"][1] is None and checks["packages"][1] is False
    assert checks["python"][1] is True and checks["disk space"][1] in (True, False)


def test_too_little_disk_is_reported_with_a_fix():
    name, ok, detail, fix = _ready().check_disk(str(ROOT), need_gb=10**9)
    assert (name, ok) == ("disk space", False) and "GB free" in detail and "free at least" in fix


@pytest.mark.slow  # it makes a virtual environment with pip (seconds)
def test_it_runs_on_a_bare_interpreter_where_lrcourse_cannot_be_imported(tmp_path):
    # -I: no PYTHONPATH, no user site, not even the script's folder; -S: no site-packages at all
    env = {"LRCOURSE_OFFLINE": "1", "PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": "/dev/null"}
    probe = subprocess.run([sys.executable, "-I", "-S", "-c", "import lrcourse"], capture_output=True, env=env)
    assert probe.returncode == 1  # the course's package is out of reach, as before an install
    result = subprocess.run([sys.executable, "-I", "-S", str(READY), "--wheelhouse", str(tmp_path)],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    for name in ("python", "disk space", "venv and pip", "make", "checkout folder", "data folder", "wheelhouse"):
        assert any(line[4:].startswith(name) for line in lines), (name, result.stdout)
    assert result.returncode == (0 if "\nReady:" in result.stdout else 1)
