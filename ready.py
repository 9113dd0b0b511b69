"""Is this laptop ready to install the course? A check that installs nothing.

Run it with the system Python, before anything else, for example the week before a workshop:

    python3 ready.py          (macOS, Linux)
    py ready.py               (Windows)
    make ready                (the same, where make is installed)

It uses only Python's standard library, so it runs before the course's packages exist. It
checks the Python version, the free disk space, that a virtual environment with pip can be
made (`venv` and `ensurepip`; Debian and Ubuntu need the `python3-venv` package), whether
`make` is there, that the checkout and the data folder are writable, and where the packages
will come from: a wheelhouse folder (`make wheelhouse`, carried on a USB stick) or the network
(PyPI). It prints one line per check and exits with status 1 when the install cannot succeed.

Written for old interpreters too (no syntax newer than Python 3.6), so that a too-old Python
is reported, not a SyntaxError.
"""
import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

__all__ = ["readiness_checks", "main"]

HERE = os.path.dirname(os.path.abspath(__file__))

#: free disk space the install needs, in GB: a Linux install with PyPI's torch (CUDA libraries
#: included) took 6.2 GB; the CPU-only route (`make setup TORCH=cpu`), macOS and Windows take less
NEED_GB = 7

PYPI = "https://pypi.org/simple/pip/"


def _requires_python(pyproject):
    """The minimum (major, minor) from pyproject.toml's requires-python, e.g. (3, 10)."""
    with open(pyproject) as f:
        match = re.search(r'requires-python\s*=\s*">=\s*(\d+)\.(\d+)', f.read())
    if not match:
        raise ValueError("{} has no requires-python = \">=X.Y\" line".format(pyproject))
    return int(match.group(1)), int(match.group(2))


def _dependencies(pyproject):
    """Canonical names of the course's own dependencies (pyproject.toml's dependencies list)."""
    with open(pyproject) as f:
        block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", f.read(), re.S | re.M)
    names = re.findall(r'^\s*"([A-Za-z0-9][A-Za-z0-9._-]*)', block.group(1), re.M) if block else []
    return {re.sub(r"[-_.]+", "-", n).lower() for n in names}


def _wheel_names(folder):
    """Canonical names of the wheels in a folder."""
    return {re.sub(r"[-_.]+", "-", f.split("-")[0]).lower()
            for f in os.listdir(folder) if f.endswith(".whl")}


def pip_settings():
    """pip's configured index-url and find-links: from PIP_INDEX_URL/PIP_FIND_LINKS, else its config files."""
    files = [os.environ.get("PIP_CONFIG_FILE", ""), "/etc/pip.conf", "/etc/xdg/pip/pip.conf",
             os.path.expanduser("~/.config/pip/pip.conf"), os.path.expanduser("~/.pip/pip.conf"),
             os.path.join(os.environ.get("APPDATA", ""), "pip", "pip.ini"),
             os.path.join(os.environ.get("VIRTUAL_ENV", ""), "pip.conf")]
    config = configparser.ConfigParser()
    try:
        config.read([f for f in files if f and os.path.isfile(f)])
    except configparser.Error:
        pass
    found = {}
    for key in ("index-url", "find-links"):
        value = os.environ.get("PIP_" + key.replace("-", "_").upper())
        for section in ("install", "global"):
            if not value and config.has_option(section, key):
                value = config.get(section, key)
        found[key] = (value or "").split()
    return found


def check_python(root):
    need = _requires_python(os.path.join(root, "pyproject.toml"))
    have = sys.version_info[:2]
    ok = have >= need
    return ("python", ok, "Python {}.{} at {}".format(have[0], have[1], sys.executable),
            "the course needs Python {}.{} or newer: install it from python.org (or your package "
            "manager) and run this check with it".format(*need))


def check_disk(root, need_gb=NEED_GB):
    free = shutil.disk_usage(root).free / 1e9
    return ("disk space", free >= need_gb, "{:.1f} GB free where the checkout is".format(free),
            "free at least {} GB on this drive, or clone the course onto another one".format(need_gb))


def check_venv():
    folder = tempfile.mkdtemp(prefix="lrcourse-ready-")
    try:
        result = subprocess.run([sys.executable, "-m", "venv", os.path.join(folder, "venv")],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        ok = result.returncode == 0
        detail = "a virtual environment with pip can be made" if ok else result.stdout.strip().splitlines()[-1]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return ("venv and pip", ok, detail,
            "on Debian/Ubuntu: sudo apt install python3-venv (or python3.X-venv for your version); "
            "elsewhere reinstall Python from python.org, which includes venv and ensurepip")


def check_make():
    found = shutil.which("make")
    fix = ("optional: without make, run the commands of README's \"Without make\" section; "
           + ("on macOS, `xcode-select --install` installs make (the Command Line Tools)"
              if sys.platform == "darwin" else "on Debian/Ubuntu, `sudo apt install make`"))
    if os.name == "nt":
        fix = "optional: on Windows use the PowerShell commands of the README, which need no make"
    return ("make", True if found else None, found or "not found", fix)


def check_writable(folder, name):
    existing = folder  # the folder, or the nearest folder above it that exists (nothing is created)
    while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    try:
        with tempfile.NamedTemporaryFile(dir=existing):
            pass
        return (name, True, "{} is writable".format(folder), "")
    except OSError as err:
        return (name, False, "{}: {}".format(folder, err),
                "clone the course into a folder you own (for example your home folder), "
                "or set LRCOURSE_DATA to one")


def check_sources(root, wheelhouse, index_url, timeout=5):
    """Where the packages come from: the wheelhouse (every locked package present) or the network."""
    checks = []
    if os.path.isdir(wheelhouse):
        have = _wheel_names(wheelhouse)
        missing = sorted(_dependencies(os.path.join(root, "pyproject.toml")) - have)
        detail = "{}: {} wheels".format(wheelhouse, len(have))
        if missing:
            detail += "; the course's dependencies not there: " + ", ".join(missing)
        checks.append(("wheelhouse", not missing, detail,
                       "build it again with `make wheelhouse` for this laptop's system and Python"))
    else:
        checks.append(("wheelhouse", None, "none at " + wheelhouse,
                       "for a room without good wifi, copy one from a USB stick (`make wheelhouse`)"))
    for links in pip_settings()["find-links"]:
        if os.path.isdir(links):
            checks.append(("pip's find-links", True, "{}: {} wheels".format(links, len(_wheel_names(links))), ""))
    if os.environ.get("LRCOURSE_OFFLINE") == "1":
        checks.append(("network", None, "not tried (LRCOURSE_OFFLINE=1)", ""))
    else:
        try:
            urllib.request.urlopen(index_url, timeout=timeout).close()
            checks.append(("network", True, "{} answers".format(index_url), ""))
        except Exception as err:  # any failure means: no packages from the network
            checks.append(("network", None, "{} does not answer ({})".format(index_url, err),
                           "connect to a network that reaches PyPI, or use a wheelhouse"))
    return checks


def readiness_checks(root=HERE, wheelhouse=None, index_url=PYPI, need_gb=NEED_GB):
    """Every check as (name, ok, detail, fix); ok is None for a check that is information only."""
    wheelhouse = wheelhouse or os.path.join(root, "wheelhouse")
    data = os.environ.get("LRCOURSE_DATA") or os.path.join(root, "data")
    checks = [check_python(root), check_disk(root, need_gb), check_venv(), check_make(),
              check_writable(root, "checkout folder"), check_writable(data, "data folder")]
    sources = check_sources(root, wheelhouse, index_url)
    checks += sources
    if not any(ok for _, ok, _, _ in sources) and not any(ok is False for _, ok, _, _ in sources):
        checks.append(("packages", False, "no wheelhouse and no network: the install has nowhere to get them",
                       "copy a wheelhouse folder into the checkout, or connect to the network"))
    return checks


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check, installing nothing, that this laptop can install the course.")
    parser.add_argument("--wheelhouse", help="the wheelhouse folder (default: wheelhouse/ in the checkout)")
    index = (pip_settings()["index-url"] or [PYPI])[0]
    parser.add_argument("--index-url", default=index,
                        help="the package index to try (default: pip's configured index, else PyPI)")
    parser.add_argument("--need-gb", type=float, default=NEED_GB, help="free disk space needed, in GB")
    args = parser.parse_args(argv)
    checks = readiness_checks(wheelhouse=args.wheelhouse, index_url=args.index_url, need_gb=args.need_gb)
    width = max(len(c[0]) for c in checks)
    for name, ok, detail, _ in checks:
        mark = {True: "ok ", False: "XX ", None: "-- "}[ok]
        print("{} {:<{}}  {}".format(mark, name, width, detail))
    problems = [c for c in checks if c[1] is False]
    notes = [c for c in checks if c[1] is None and c[3]]
    for name, _, _, fix in problems:
        print("- {}: {}".format(name, fix))
    if problems:
        print("\nNot ready: {} problem(s) to fix before `make setup`.".format(len(problems)))
        return 1
    for name, _, _, fix in notes:
        print("- {}: {}".format(name, fix))
    print("\nReady: run `make setup` (or the README's commands for your system).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
