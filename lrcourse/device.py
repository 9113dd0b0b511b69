"""Pick the device to train on, and seed every random generator the course uses."""
from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["pick_device", "seed_everything", "versions", "describe_device", "apply_thread_setting"]


def pick_device(prefer: str | None = None) -> torch.device:
    r"""Return the best available device: CUDA, else Apple's MPS, else the CPU.

    Args:
        prefer (str, optional): force a device, for example ``"cpu"``. The
            environment variable ``LRCOURSE_DEVICE`` does the same without code
            changes. Default: ``None`` (pick automatically).

    Example:
        >>> device = pick_device()
        >>> device.type in {"cuda", "mps", "cpu"}
        True
    """
    choice = prefer or os.environ.get("LRCOURSE_DEVICE")
    if choice:
        try:
            device = torch.device(choice)
        except RuntimeError as err:
            raise ValueError(
                f"Unknown device {choice!r}. Use 'cuda', 'mps' or 'cpu'."
            ) from err
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"Device {choice!r} was asked for, but CUDA is not available here. "
                "Use pick_device() without an argument, or unset LRCOURSE_DEVICE."
            )
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0, deterministic: bool = True) -> torch.Generator:
    r"""Seed Python, NumPy and torch so that runs repeat exactly.

    On the CPU this makes training bit-reproducible: the same seed gives the
    same weights, the same batch order and the same losses. On CUDA it also
    asks cuDNN for deterministic kernels.

    Args:
        seed (int): the seed. Default: ``0``.
        deterministic (bool): also select deterministic cuDNN kernels.
            Default: ``True``.

    Returns:
        torch.Generator: a CPU generator seeded with ``seed``, for shuffling
        batches independently of the model's initialization.

    Example:
        >>> _ = seed_everything(0); a = torch.rand(3)
        >>> _ = seed_everything(0); b = torch.rand(3)
        >>> torch.equal(a, b)
        True
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}.")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return torch.Generator().manual_seed(seed)


def versions() -> str:
    r"""One line with the versions of Python and the packages the course runs on.

    Example:
        >>> versions().startswith("python ")
        True
    """
    import platform
    from importlib import metadata

    parts = [f"python {platform.python_version()}"]
    for pkg in ("torch", "torchvision", "numpy", "matplotlib", "ipywidgets", "pytorch-optimizer", "lrcourse"):
        try:
            parts.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{pkg} (not installed)")
    return " | ".join(parts)


def describe_device(device: torch.device | None = None) -> str:
    r"""One line that names the device, with the GPU model or the CPU threads.

    Example:
        >>> describe_device(torch.device("cpu")).startswith("cpu")
        True
    """
    device = device or pick_device()
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return f"cpu ({torch.get_num_threads()} threads)"


def apply_thread_setting() -> int:
    r"""Use ``LRCOURSE_THREADS`` CPU threads for torch when it is set; return the threads torch uses.

    ``lrcourse verdicts`` sets it to re-run the notebooks at another thread count;
    a learner can set it too. Unset, torch keeps its own choice (one per core).

    Raises:
        ValueError: ``LRCOURSE_THREADS`` is not a positive whole number.

    Example:
        >>> apply_thread_setting() >= 1
        True
    """
    value = os.environ.get("LRCOURSE_THREADS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"LRCOURSE_THREADS must be a positive whole number such as 2, got {value!r}. "
                             "Unset it to let torch choose.")
        torch.set_num_threads(int(value))
    return torch.get_num_threads()
