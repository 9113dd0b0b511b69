"""A wheelhouse: every wheel the course needs for one system, in a folder to carry on a USB stick.

``make wheelhouse`` (``lrcourse wheelhouse``) runs ``pip download`` with the lock
(``constraints.txt``) and binary wheels only, for this machine or for another
system (``--platform``, ``--python-version``); ``make setup`` then installs from
the folder with ``--no-index --find-links``, without the network. pip evaluates
environment markers (``sys_platform == "win32"``) for the machine it runs on,
so build a Windows or macOS wheelhouse on a machine of that system; Linux
wheelhouses for other Linux machines can be built anywhere.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .lockfile import lock_path

__all__ = ["WHEELHOUSE_NAME", "TORCH_CPU_INDEX", "download_command", "install_options", "build_wheelhouse"]

#: the folder ``make setup`` installs from when it holds wheels, at the root of the checkout
WHEELHOUSE_NAME = "wheelhouse"

#: PyTorch's index of CPU-only Linux wheels (no CUDA libraries): ``make setup TORCH=cpu``
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def download_command(folder, requirements=None, platform: str | None = None, python_version: str | None = None,
                     torch: str | None = None, lock=None, python: str = sys.executable) -> list[str]:
    r"""The ``pip download`` command that fills a wheelhouse.

    Args:
        folder (str or Path): where the wheels go.
        requirements (list of str, optional): what to download, with its
            dependencies. Default: the course (the checkout's root), pip and
            setuptools (which installing the course in editable mode builds with).
        platform (str, optional): a wheel platform tag such as
            ``"manylinux_2_28_x86_64"``, ``"macosx_11_0_arm64"`` or ``"win_amd64"``.
            Default: this machine's.
        python_version (str, optional): the target's Python, such as ``"3.11"``.
            Default: this interpreter's.
        torch (str, optional): ``"cpu"`` takes torch and torchvision from
            PyTorch's CPU-only index (Linux); ``None`` from PyPI. Default: ``None``.
        lock (str or Path, optional): the constraints file. Default: the lock.
        python (str): the interpreter whose pip runs. Default: this one.

    Example:
        >>> cmd = download_command("wh", ["six"], platform="win_amd64", python_version="3.11")
        >>> cmd[cmd.index("--platform") + 1], "--only-binary=:all:" in cmd
        ('win_amd64', True)
    """
    if torch not in (None, "cpu"):
        raise ValueError(f"torch must be None (PyPI's wheels) or 'cpu' (PyTorch's CPU-only index), got {torch!r}.")
    if requirements is None:
        requirements = [str(lock_path().parent), "pip", "setuptools"]
    cmd = [python, "-m", "pip", "download", "--dest", str(folder), "--only-binary=:all:",
           "-c", str(lock or lock_path())]
    if platform:
        cmd += ["--platform", platform]
    if python_version:
        cmd += ["--python-version", python_version, "--implementation", "cp"]
    if torch == "cpu":
        cmd += ["--index-url", TORCH_CPU_INDEX, "--extra-index-url", "https://pypi.org/simple"]
    return cmd + list(requirements)


def install_options(folder) -> list[str]:
    r"""pip's options that install from a wheelhouse and never from the network.

    Example:
        >>> install_options("wheelhouse")
        ['--no-index', '--find-links', 'wheelhouse']
    """
    return ["--no-index", "--find-links", str(folder)]


def build_wheelhouse(folder=None, **options) -> list[Path]:
    r"""Download every wheel the course needs into ``folder``; return the wheels there.

    Args:
        folder (str or Path, optional): Default: ``wheelhouse/`` in the checkout.
        **options: :func:`download_command`'s other arguments.

    Raises:
        RuntimeError: pip failed; its last lines say why.

    Example:
        >>> build_wheelhouse("/media/usb/wheelhouse", platform="manylinux_2_28_x86_64")  # doctest: +SKIP
    """
    folder = Path(folder or lock_path().parent / WHEELHOUSE_NAME)
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(download_command(folder, **options), capture_output=True, text=True)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-6:])
        raise RuntimeError(f"pip download failed:\n{tail}\nCheck the network, and that the platform and Python "
                           "version name a system PyPI has wheels for (e.g. manylinux_2_28_x86_64 and 3.11).")
    return sorted(folder.glob("*.whl"))
