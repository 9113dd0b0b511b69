"""Pick the device to train on, and seed every random generator the course uses."""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

__all__ = ["pick_device", "seed_everything", "versions", "describe_device", "apply_thread_setting",
           "cpu_quota", "thread_choice"]


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


def cpu_quota(cgroup_root="/sys/fs/cgroup") -> float | None:
    r"""The CPU time this process may use, in cores, from its cgroup; ``None`` when there is no quota.

    Reads cgroup v2's ``cpu.max`` (``"200000 100000"`` is 2 cores, ``"max 100000"``
    no quota), then cgroup v1's ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``
    (a quota of ``-1`` is none) in ``cpu/``, ``cpu,cpuacct/`` or the root itself.
    JupyterHub and Binder set such a quota per user on a node with many more cores.

    Args:
        cgroup_root (str or Path): where the cgroup file system is mounted.
            Default: ``"/sys/fs/cgroup"``.

    Example:
        >>> q = cpu_quota()
        >>> q is None or q > 0
        True
    """
    root = Path(cgroup_root)
    v2 = root / "cpu.max"
    if v2.is_file():
        quota, _, period = v2.read_text().strip().partition(" ")
        return None if quota == "max" else int(quota) / int(period or 100000)
    for folder in (root / "cpu", root / "cpu,cpuacct", root):
        quota_file, period_file = folder / "cpu.cfs_quota_us", folder / "cpu.cfs_period_us"
        if quota_file.is_file() and period_file.is_file():
            quota = int(quota_file.read_text())
            return None if quota <= 0 else quota / int(period_file.read_text())
    return None


def thread_choice(cgroup_root="/sys/fs/cgroup", environ=None, default: int | None = None,
                  cores: int | None = None) -> tuple[int, str]:
    r"""How many CPU threads torch should use here, and why: ``(threads, reason)``.

    ``LRCOURSE_THREADS`` wins when set. Otherwise torch's own choice (one
    thread per core), capped by the cores this process may run on (its
    affinity mask) and by its CPU quota (:func:`cpu_quota`), rounded down and
    at least 1. On a laptop nothing caps torch's choice and the reason is
    ``""``; on a hub with a quota of 2 cores on a 64-core node it is 2 threads,
    not 64 that the kernel would throttle.

    Args:
        cgroup_root (str or Path): where the cgroup file system is mounted.
            Default: ``"/sys/fs/cgroup"``.
        environ (dict, optional): the environment to read ``LRCOURSE_THREADS``
            from. Default: ``os.environ``.
        default (int, optional): torch's own choice. Default:
            ``torch.get_num_threads()``.
        cores (int, optional): the cores this process may run on. Default:
            the size of its affinity mask (``os.sched_getaffinity``), where
            the system has one.

    Raises:
        ValueError: ``LRCOURSE_THREADS`` is not a positive whole number.

    Example:
        >>> thread_choice(environ={"LRCOURSE_THREADS": "1"})
        (1, 'LRCOURSE_THREADS')
    """
    environ = os.environ if environ is None else environ
    value = environ.get("LRCOURSE_THREADS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"LRCOURSE_THREADS must be a positive whole number such as 2, got {value!r}. "
                             "Unset it to let the course choose.")
        return int(value), "LRCOURSE_THREADS"
    threads, reason = default or torch.get_num_threads(), ""
    quota = cpu_quota(cgroup_root)
    if quota is not None and max(1, int(quota)) < threads:
        threads, reason = max(1, int(quota)), f"the CPU quota of {quota:g} core{'' if quota == 1 else 's'}"
    if cores is None and hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    if cores is not None and cores < threads:
        threads, reason = cores, f"the {cores} cores this process may use"
    return threads, reason


def apply_thread_setting(cgroup_root="/sys/fs/cgroup") -> int:
    r"""Size torch's CPU threads with :func:`thread_choice`; return the threads torch uses.

    ``LRCOURSE_THREADS`` sets them (``lrcourse verdicts`` uses it to re-run the
    notebooks at another thread count; a learner can set it too). Unset, torch
    keeps its own choice (one per core) unless the CPU quota or the affinity
    mask allows fewer cores, as on JupyterHub and Binder.

    Args:
        cgroup_root (str or Path): where the cgroup file system is mounted.
            Default: ``"/sys/fs/cgroup"``.

    Raises:
        ValueError: ``LRCOURSE_THREADS`` is not a positive whole number.

    Example:
        >>> apply_thread_setting() >= 1
        True
    """
    threads, _ = thread_choice(cgroup_root)
    if threads != torch.get_num_threads():
        torch.set_num_threads(threads)
    return torch.get_num_threads()
