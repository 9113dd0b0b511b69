"""Binder (binder/): pins that match pyproject.toml, CPU-only torch, a postBuild that runs."""
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the backport, which JupyterLab installs there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"

#: torch minor -> the torchvision minors known to work with it. Upstream pairs them one to one
#: (torchvision 0.(N+15) is built for torch 2.N, and its wheel requires exactly that torch);
#: torchvision 0.29.1 and later declare `torch>=2.14.0` instead, and 0.29.2 with torch 2.15.0 is
#: the pair the course's notebooks run and are measured with (torchvision's C++ ops included).
TORCHVISION_FOR_TORCH = {
    "2.2": {"0.17"}, "2.3": {"0.18"}, "2.4": {"0.19"}, "2.5": {"0.20"}, "2.6": {"0.21"},
    "2.7": {"0.22"}, "2.8": {"0.23"}, "2.9": {"0.24"}, "2.10": {"0.25"}, "2.11": {"0.26"},
    "2.12": {"0.27"}, "2.13": {"0.28"}, "2.14": {"0.29"}, "2.15": {"0.29"},
}


def _minor(version: Version) -> str:
    return f"{version.major}.{version.minor}"


def requirement_lines(path=BINDER / "requirements.txt"):
    """(text before the comment, comment) for every line that is not blank or only a comment."""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, _, comment = line.partition(" #")
        yield code.strip(), comment.strip()


def pins(path=BINDER / "requirements.txt") -> dict:
    """Canonical name -> pinned Version, for every requirement line."""
    out = {}
    for code, _ in requirement_lines(path):
        if code.startswith("-"):
            continue
        req = Requirement(code)
        [spec] = list(req.specifier)
        assert spec.operator == "==" and "*" not in spec.version, f"{code}: pin one exact version"
        out[canonicalize_name(req.name)] = Version(spec.version)
    return out


def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_line_says_why():
    lines = list(requirement_lines())
    assert len(lines) > 10
    for code, comment in lines:
        assert len(comment) > 10, f"{code!r}: say in a comment why the course needs it"


def test_every_dependency_is_pinned_within_the_project_range():
    pinned = pins()
    for text in project()["dependencies"]:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is in pyproject.toml but not in binder/requirements.txt"
        # the +cpu build of a release satisfies the project's range as that release does
        assert req.specifier.contains(pinned[name], prereleases=True), \
            f"binder pins {req.name}=={pinned[name]}, outside pyproject.toml's {req.specifier}"


def test_binder_installs_through_the_lock_and_pins_the_locked_versions():
    from lrcourse.lockfile import lock_path, read_lock

    lines = [code for code, _ in requirement_lines()]
    constraints = [c.split(None, 1)[1] for c in lines if c.startswith("-c ")]
    # pip reads a nested file's path from the folder of the file that names it
    assert [(BINDER / c).resolve() for c in constraints] == [lock_path()], "binder/requirements.txt: -c ../constraints.txt"
    locked = read_lock()
    for name, version in pins().items():
        assert name in locked, f"{name} is pinned for Binder but not in the lock: run `make lock`"
        assert version.public == locked[name], \
            f"Binder pins {name}=={version}, the lock says {locked[name]}: pin the locked version"


def test_the_front_end_matches_the_widgets_and_the_kernel_is_pinned():
    pinned = pins()
    for name in ("jupyterlab", "ipykernel", "jupyterlab-widgets", "widgetsnbextension", "ipympl"):
        assert name in pinned, f"pin {name}: Binder's image has its own, maybe not a matching one"
    # ipywidgets 8.1.x needs jupyterlab_widgets ~=3.0 and widgetsnbextension ~=4.0 (its metadata);
    # a mismatch shows "Error displaying widget" instead of every slider
    assert pinned["ipywidgets"].major == 8
    assert pinned["jupyterlab-widgets"] in SpecifierSet("~=3.0")
    assert pinned["widgetsnbextension"] in SpecifierSet("~=4.0")
    assert pinned["jupyterlab"].major == 4  # the widget front ends above are JupyterLab 4 extensions


def test_torch_comes_from_the_cpu_index_and_pairs_with_torchvision():
    lines = [code for code, _ in requirement_lines()]
    assert any(re.fullmatch(rf"--(extra-)?index-url\s+{re.escape(CPU_INDEX)}/?", c) for c in lines), \
        "torch must come from PyTorch's CPU wheel index"
    pinned = pins()
    torch, vision = pinned["torch"], pinned["torchvision"]
    # an explicit +cpu build: if the CPU index lacks it, the build fails instead of pulling CUDA from PyPI
    assert torch.local == "cpu" and vision.local == "cpu", "pin the +cpu builds: torch==X+cpu"
    assert torch.public != "2.13.0", "torch 2.13.0 must never be pinned (see pyproject.toml)"
    assert _minor(torch) in TORCHVISION_FOR_TORCH, f"add torch {_minor(torch)} to the table first"
    assert _minor(vision) in TORCHVISION_FOR_TORCH[_minor(torch)], \
        f"torchvision {vision} is not built for torch {torch}"


def test_runtime_names_a_python_the_project_supports():
    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert match, f"runtime.txt must read python-X.Y, not {text!r}"
    assert Version(match[1]) in SpecifierSet(project()["requires-python"])


def test_post_build_is_valid_bash_and_does_what_binder_needs():
    path = BINDER / "postBuild"
    text = path.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert path.stat().st_mode & stat.S_IXUSR, "chmod +x binder/postBuild (git keeps the mode)"
    proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    code = [line.split("#")[0] for line in text.splitlines()]
    assert any(re.search(r"\bset -\w*e", line) for line in code), "postBuild must stop on the first error"
    assert any(re.search(r"pip install\s+--no-deps\s+-e\s+\.", line) for line in code), \
        "install the package without resolving dependencies again (they are pinned)"
    assert any(re.search(r"\blrcourse data\b", line) for line in code), "pre-download MNIST"


def test_post_build_makes_python_files_open_as_notebooks(tmp_path, monkeypatch):
    """Run postBuild's settings step in a scratch home, and read the result the way JupyterLab does."""
    from jupyterlab_server.settings_utils import _get_overrides

    text = (BINDER / "postBuild").read_text()
    settings_step = [line for line in text.splitlines()
                     if line.startswith(("labconfig=", "mkdir", "cp binder/"))]
    assert len(settings_step) == 3
    env = {**os.environ, "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter")}
    subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(settings_step)], cwd=ROOT, env=env,
                   check=True)
    written = tmp_path / ".jupyter" / "labconfig" / "default_setting_overrides.json"
    assert json.loads(written.read_text()) == json.loads(
        (BINDER / "jupyterlab_settings.json").read_text())
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / ".jupyter"))
    overrides, error = _get_overrides(str(tmp_path / "no-app-settings"))
    assert not error
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["python"] == "Jupytext Notebook"


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_git_records_post_build_as_executable():
    proc = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=ROOT,
                          capture_output=True, text=True)
    if not proc.stdout:
        pytest.skip("binder/postBuild is not added to git yet")
    assert proc.stdout.startswith("100755"), "git update-index --chmod=+x binder/postBuild"


def test_readme_opens_every_notebook_on_binder():
    readme = (ROOT / "README.md").read_text()
    repo = project()["urls"]["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", repo)
    assert match, f"[project.urls] Repository should be a GitHub repository, not {repo!r}"
    binder = f"https://mybinder.org/v2/gh/{match[1]}/main?urlpath=lab/tree/notebooks/"
    badge = f"[![Open in Binder](https://mybinder.org/badge_logo.svg)]({binder}00_start_here.ipynb)"
    assert badge in readme.split("## ")[0], "the Binder badge opening 00_start_here belongs at the top"
    links = set(re.findall(re.escape(binder) + r"([\w.]+\.ipynb)\)", readme))
    stored = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert stored <= links, f"no Binder link in the course map for {sorted(stored - links)}"
    assert "](docs/instructor.md)" in readme and (ROOT / "docs" / "instructor.md").is_file()
