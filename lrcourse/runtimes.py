"""The measured run times and memory of every notebook, in one file that the README and the instructor kit quote.

``lrcourse notebooks`` (every notebook, stored) records, for each notebook, the
time its own last code cell prints ("This notebook's code ran in N s") and the
kernel's peak memory, in ``docs/notebook_times.json``. ``lrcourse notebooks
--full-size`` executes them again, storing nothing, with a full-size MNIST
folder (60,000 + 10,000 images in torchvision's format, written from the
sample's real digits by :func:`~lrcourse.mnist_files.write_standin_mnist`) and
records those times beside the first. A test holds the README's course map and
the kit's table to this file, and the file to the stored notebooks' own lines,
so no figure can drift from the others.
"""
from __future__ import annotations

import json
import platform
import re
from datetime import date
from pathlib import Path

__all__ = ["TIMES_NAME", "times_path", "code_seconds", "record_times", "read_times"]

#: where the measured figures live, relative to the checkout
TIMES_NAME = "docs/notebook_times.json"
_CODE_RAN = re.compile(r"This notebook's code ran in (\d+) s")


def times_path() -> Path:
    r"""The measured file: ``docs/notebook_times.json`` in the checkout.

    Example:
        >>> times_path().name
        'notebook_times.json'
    """
    return Path(__file__).resolve().parent.parent / TIMES_NAME


def code_seconds(nb) -> int | None:
    r"""The seconds a notebook says its code ran in (its last code cell prints them), or ``None``.

    Example:
        >>> import nbformat
        >>> out = nbformat.v4.new_output("stream", name="stdout", text="This notebook's code ran in 12 s on cpu.")
        >>> code_seconds(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[out])]))
        12
    """
    found = None
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            match = _CODE_RAN.search(out.get("text", "") if out.get("output_type") == "stream" else "")
            found = int(match.group(1)) if match else found
    return found


def read_times(path=None) -> dict:
    r"""The measured file as a dict: ``{"machine", "measured", "notebooks": {stem: {...}}}``.

    Example:
        >>> "notebooks" in read_times()
        True
    """
    path = Path(path) if path is not None else times_path()
    if not path.is_file():
        return {"machine": "", "measured": "", "notebooks": {}}
    return json.loads(path.read_text())


def record_times(results: list[dict], data: str, path=None, machine: str | None = None) -> Path:
    r"""Write the figures of one run of the notebooks into the measured file.

    Args:
        results (list of dict): :func:`~lrcourse.nbtools.run_notebooks`'s rows
            (``notebook``, ``code_s``, ``peak_mb``).
        data (str): ``"sample"`` (the offline sample) or ``"full"`` (full-size MNIST files).
        path (path, optional): Default: :func:`times_path`.
        machine (str, optional): what ran them. Default: this machine's CPU count and OS.

    Raises:
        ValueError: an unknown ``data``, or a row without the notebook's own time.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.json"
        >>> _ = record_times([{"notebook": "00", "code_s": 9, "peak_mb": 980.2}], "sample", p, "test")
        >>> read_times(p)["notebooks"]["00"]
        {'sample_s': 9, 'peak_mb': 980}
    """
    import os

    if data not in ("sample", "full"):
        raise ValueError(f"data must be 'sample' or 'full', got {data!r}.")
    path = Path(path) if path is not None else times_path()
    times = read_times(path)
    for row in results:
        if row.get("code_s") is None:
            raise ValueError(f"{row['notebook']} printed no \"This notebook's code ran in N s\" line: "
                             "its last code cell before the solutions must print it.")
        entry = times["notebooks"].setdefault(row["notebook"], {})
        entry[f"{data}_s"] = int(row["code_s"])
        entry["peak_mb"] = max(entry.get("peak_mb", 0), round(row["peak_mb"]))
    times["machine"] = machine or f"{os.cpu_count()}-core CPU, {platform.system()}"
    times["measured"] = date.today().isoformat()
    times["notebooks"] = dict(sorted(times["notebooks"].items()))
    path.write_text(json.dumps(times, indent=2) + "\n")
    return path
