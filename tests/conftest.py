"""Shared fixtures: an isolated data root, and small IDX-format MNIST folders (built by tests/helpers.py)."""
import functools
import gzip
import http.server
import threading
import hashlib
import os
import shutil
import tempfile

import pytest
import torch

from helpers import make_idx_files

os.environ.setdefault("MPLBACKEND", "Agg")
torch.set_num_threads(2)

_USERS_DATA = os.environ.get("LRCOURSE_DATA")


def pytest_configure(config):
    """Every test and every notebook (nbval's kernels inherit this) runs on the offline sample.

    Whatever MNIST this machine holds (full MNIST in data/, a folder in LRCOURSE_DATA), the
    run points LRCOURSE_DATA at an empty folder and forbids downloads, so the compared
    outputs mean the same on every machine. Tests that need other data set their own root.
    """
    root = tempfile.mkdtemp(prefix="lrcourse-test-data-")
    config.lrcourse_data_root = root
    os.environ["LRCOURSE_DATA"] = root
    os.environ["LRCOURSE_OFFLINE"] = "1"


def pytest_unconfigure(config):
    root = getattr(config, "lrcourse_data_root", None)
    if root:
        shutil.rmtree(root, ignore_errors=True)


def pytest_report_header(config):
    ignored = f" (LRCOURSE_DATA={_USERS_DATA} is not read)" if _USERS_DATA else ""
    return ("lrcourse: tests and notebooks run on the offline MNIST sample: LRCOURSE_DATA is an empty "
            f"folder and LRCOURSE_OFFLINE=1{ignored}")


@pytest.fixture(autouse=True)
def _fresh_data_cache():
    from lrcourse import data

    data.clear_cache()
    yield
    data.clear_cache()


@pytest.fixture
def offline_root(tmp_path, monkeypatch):
    """An empty data root, with downloads refused as on a machine with no internet."""
    monkeypatch.setenv("LRCOURSE_DATA", str(tmp_path))
    monkeypatch.setenv("LRCOURSE_OFFLINE", "1")
    return tmp_path


@pytest.fixture
def idx_root(tmp_path):
    """A data root holding a small MNIST in torchvision's layout (root/MNIST/raw/...)."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    files = make_idx_files()
    for name, blob in files.items():
        (raw / name).write_bytes(blob)
    return tmp_path


@pytest.fixture
def local_mirror(tmp_path, monkeypatch):
    """A local MNIST mirror with small gzipped IDX files, put after a mirror that fails.

    torchvision's real download code runs against it over HTTP on localhost,
    md5 checks included.
    """
    from torchvision.datasets import MNIST

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    resources = []
    for name, blob in make_idx_files(seed=1).items():
        gz = gzip.compress(blob)
        (mirror / (name + ".gz")).write_bytes(gz)
        resources.append((name + ".gz", hashlib.md5(gz).hexdigest()))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(mirror))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    # the first mirror answers 404 for every file, as a dead mirror would
    monkeypatch.setattr(MNIST, "mirrors", [url + "dead/", url])
    monkeypatch.setattr(MNIST, "resources", resources)
    yield mirror
    server.shutdown()
