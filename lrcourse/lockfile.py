"""The lock: every package version the course was tested and its notebooks executed with, in one file.

``constraints.txt`` at the root of the checkout is a pip constraints file
(``name==version`` per line). ``make setup``, ``make test``, CI and Binder
install through it, so a fresh clone gets the tested versions on any day,
whatever newer releases the package index serves. ``make lock`` (``lrcourse
lock``) resolves the project's dependencies again, without installing them,
and rewrites the file; run it when a dependency should move, then run ``make
notebooks`` and ``make test``.

Constraints only apply to packages that get installed, so the file also works
where some of its lines do not (macOS and Windows install no CUDA libraries).
A CPU-only torch such as ``2.15.0+cpu`` satisfies ``torch==2.15.0``.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

__all__ = ["LOCK_NAME", "lock_path", "read_lock", "pins_from_report", "write_lock", "refresh_lock",
           "lock_differences"]

#: the lock's file name, at the root of the checkout
LOCK_NAME = "constraints.txt"

_HEADER = """\
# The lock: the versions lrcourse's tests pass with and its notebooks were executed with.
# `make setup` and `make test` install through it (pip install -c constraints.txt ...), and
# binder/requirements.txt reads it. Written by `make lock` (lrcourse.lockfile); do not edit by hand.
"""


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def lock_path() -> Path:
    r"""Where the lock lives: ``constraints.txt`` at the root of the checkout.

    Example:
        >>> lock_path().name
        'constraints.txt'
    """
    return Path(__file__).resolve().parent.parent / LOCK_NAME


def read_lock(path=None) -> dict[str, str]:
    r"""Canonical package name -> locked version, from a constraints file.

    Raises:
        ValueError: a line that is not ``name==version`` (the lock pins exact versions only).

    Example:
        >>> read_lock()["torch"].startswith("2.")
        True
    """
    path = Path(path) if path is not None else lock_path()
    out = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not version.strip() or any(c in version for c in "<>=!*,; "):
            raise ValueError(f"{path.name}, line {number}: {raw!r} is not `name==version`. "
                             "Run `make lock` to write the lock again.")
        out[_canonical(name.strip())] = version.strip()
    return out


def pins_from_report(report: dict, exclude=("lrcourse",)) -> dict[str, str]:
    r"""Canonical name -> version of every package in pip's ``--report`` (``pip install --dry-run``).

    Example:
        >>> pins_from_report({"install": [{"metadata": {"name": "NumPy", "version": "2.4.6"}},
        ...                               {"metadata": {"name": "lrcourse", "version": "0.1.0"}}]})
        {'numpy': '2.4.6'}
    """
    skip = {_canonical(n) for n in exclude}
    pins = {}
    for item in report.get("install", []):
        meta = item["metadata"]
        name = _canonical(meta["name"])
        if name not in skip:
            pins[name] = meta["version"].split("+")[0]  # a local build (+cpu) satisfies its release
    return dict(sorted(pins.items()))


def write_lock(pins: dict[str, str], path=None) -> Path:
    r"""Write ``pins`` as a constraints file, one ``name==version`` per line, sorted.

    Example:
        >>> import tempfile, pathlib
        >>> p = write_lock({"numpy": "2.4.6"}, pathlib.Path(tempfile.mkdtemp()) / "c.txt")
        >>> read_lock(p)
        {'numpy': '2.4.6'}
    """
    path = Path(path) if path is not None else lock_path()
    path.write_text(_HEADER + "".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
    return path


def refresh_lock(path=None, python: str = sys.executable, extras: str = "test") -> dict[str, str]:
    r"""Resolve the project's dependencies afresh (pip, ``--dry-run``: nothing is installed) and write the lock.

    Args:
        path (path, optional): the lock to write. Default: :func:`lock_path`.
        python (str): the interpreter whose pip resolves. Default: this one.
        extras (str): the extras to include. Default: ``"test"``.

    Returns:
        dict: the versions written.

    Raises:
        RuntimeError: pip could not resolve (its message is included).

    Example:
        >>> refresh_lock()  # doctest: +SKIP
        {'anyio': '4.12.1', ...}
    """
    root = lock_path().parent
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        proc = subprocess.run(
            [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
             "--report", str(report), "-e", f"{root}[{extras}]"],
            capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("pip could not resolve the course's dependencies:\n" + proc.stderr.strip())
        pins = pins_from_report(json.loads(report.read_text()))
    write_lock(pins, path)
    return pins


def lock_differences(path=None) -> dict[str, tuple[str | None, str]]:
    r"""Installed packages whose version is not the locked one: name -> (installed, locked).

    Packages the lock names but this machine does not install (CUDA libraries on
    macOS, say) are left out; so is a local build label (``2.15.0+cpu`` is ``2.15.0``).

    Example:
        >>> isinstance(lock_differences(), dict)
        True
    """
    out = {}
    for name, locked in read_lock(path).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if installed.split("+")[0] != locked:
            out[name] = (installed, locked)
    return out
