"""The lock (constraints.txt): exact pins, every dependency covered, the test run installed through it."""
import re
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the backport, which JupyterLab installs there
    import tomli as tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from lrcourse import lockfile
from lrcourse.nbtools import notebooks_dir

ROOT = lockfile.lock_path().parent


def test_every_declared_dependency_is_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["test"]
    locked = lockfile.read_lock()
    for text in declared:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is declared but not locked: run `make lock`"
        assert req.specifier.contains(locked[name], prereleases=True), \
            f"the lock's {name}=={locked[name]} is outside pyproject.toml's {req.specifier}"


def test_this_run_uses_the_locked_versions():
    # make test installs with `pip install -c constraints.txt`, so nothing here may differ
    assert lockfile.lock_differences() == {}


def test_a_line_that_is_not_an_exact_pin_is_a_clear_error(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("# a comment\nnumpy==2.4.6\ntorch>=2.2\n")
    with pytest.raises(ValueError, match=r"line 3: 'torch>=2.2' is not `name==version`.*make lock"):
        lockfile.read_lock(path)


def test_a_pip_report_becomes_a_sorted_lock_without_the_course_or_local_labels(tmp_path):
    report = {"install": [{"metadata": {"name": "Torch", "version": "2.15.0+cpu"}},
                          {"metadata": {"name": "lrcourse", "version": "0.1.0"}},
                          {"metadata": {"name": "anyio", "version": "4.0.0"}}]}
    pins = lockfile.pins_from_report(report)
    assert list(pins.items()) == [("anyio", "4.0.0"), ("torch", "2.15.0")]
    path = lockfile.write_lock(pins, tmp_path / "c.txt")
    assert lockfile.read_lock(path) == pins
    assert path.read_text().startswith("# The lock")


def test_no_source_the_tests_compare_carries_a_tool_version():
    # a Jupytext release must not change a committed .py (exercises --reset rewrites them)
    for py in notebooks_dir().glob("*.py"):
        assert not re.search(r"jupytext_version", py.read_text()), f"{py.name}: write it with nbtools.write_source"
