"""The package itself: one module per concern, torch-style docstrings with examples, no import side effects."""
import doctest
import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest

import lrcourse

MODULES = sorted(m.name for m in pkgutil.iter_modules(lrcourse.__path__))


def test_one_module_per_concern():
    for concern in ("device", "data", "models", "train", "schedules", "plots", "cli"):
        assert concern in MODULES


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
for m in ["device", "data", "models", "train", "schedules", "plots", "cli", "bench"]:
    __import__("lrcourse." + m)
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
