"""Shared fixtures: an isolated data root, and small IDX-format MNIST folders (built by tests/helpers.py)."""
import functools
import gzip
import http.server
import threading
import hashlib
import os

import pytest
import torch

from helpers import make_idx_files

os.environ.setdefault("MPLBACKEND", "Agg")
torch.set_num_threads(2)

@pytest.fixture(autouse=True)
def _checks_explain_rather_than_raise(monkeypatch):
    """Unit tests look at what check() says about wrong answers; only the notebooks run strict."""
    monkeypatch.delenv("LRCOURSE_STRICT_CHECKS", raising=False)


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
def downloads_allowed(monkeypatch):
    """Lift the run-wide LRCOURSE_OFFLINE=1 for a test whose mirrors are local (files or loopback)."""
    monkeypatch.delenv("LRCOURSE_OFFLINE", raising=False)


@pytest.fixture
def local_mirror(tmp_path, monkeypatch, downloads_allowed):
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
