"""The notebooks as files: run them from their ``.py`` sources, and keep them light.

Each notebook is a pair: the Jupytext percent-format ``.py`` is the source
and the ``.ipynb`` holds the outputs of executing it. :func:`run_notebooks`
executes and stores them (:mod:`lrcourse.exercise_cells` resets their exercises).
"""
from __future__ import annotations

import re
from pathlib import Path

from .memory import PeakMemory
from .runtimes import code_seconds

__all__ = ["execute_side_by_side", "notebooks_dir", "write_source", "tidy_notebook", "execute_notebook", "run_notebooks",
           "notebook_sources"]


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


_JUPYTEXT_VERSION = re.compile(r"^#\s+jupytext_version:.*\n", re.M)


def write_source(nb, path) -> None:
    r"""Write ``nb`` as its percent-format ``.py`` source, without the installed Jupytext's version.

    Jupytext writes its own version into the header; a source that changed with
    every Jupytext release would differ from the committed one for no reason, so
    the course's sources carry no version (Jupytext reads them without it).

    Example:
        >>> import nbformat, tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "n.py"
        >>> write_source(nbformat.v4.new_notebook(), p)
        >>> "jupytext_version" in p.read_text()
        False
    """
    import jupytext

    Path(path).write_text(_JUPYTEXT_VERSION.sub("", jupytext.writes(nb, fmt="py:percent")))


def _small_png(b64: str) -> str:
    """The same figure as a 64-colour palette PNG: a third of the size for line plots, the lines intact."""
    import base64
    import io

    from PIL import Image

    prefix = ""
    if b64.startswith("data:"):
        prefix, b64 = b64.split(",", 1)
        prefix += ","
    img = Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(out, format="png", optimize=True)
    return prefix + base64.b64encode(out.getvalue()).decode("ascii")


def tidy_notebook(nb) -> None:
    r"""Ready a notebook to be stored: no outputs on solution cells, smaller PNGs, no HTML copy of ipympl figures.

    Example:
        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook()
        >>> tidy_notebook(nb)  # changes ``nb`` in place
    """
    for cell in nb.cells:
        if "solution" in cell.get("metadata", {}).get("tags", []):
            # a stored solution shows no answer; the test run still executes it, strictly checked
            cell["outputs"] = []
            continue
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


def execute_notebook(py, timeout: int = 600, threads: int | None = None, env: dict | None = None,
                     before: str | None = None, after: str | None = None):
    r"""Execute one notebook from its ``.py`` source in a fresh kernel, with its folder as working directory.

    Args:
        py (path): the percent-format source.
        timeout (int): seconds allowed per cell. Default: ``600``.
        threads (int, optional): CPU threads for torch in the kernel (``LRCOURSE_THREADS``,
            read by :func:`~lrcourse.setup_notebook`). Default: torch's own choice.
        env (dict, optional): more environment variables for the kernel, such as
            ``LRCOURSE_DATA``. Default: none.
        before, after (str, optional): code run as an extra first or last cell (the
            notebook's own cells keep their order). Default: none.

    Returns:
        (nb, seconds, peak_mb): the executed notebook, the wall time, and the kernel's
        peak resident memory (the process and its children, see :class:`PeakMemory`).

    Example:
        >>> nb, seconds, peak_mb = execute_notebook(notebooks_dir() / "00_start_here.py")  # doctest: +SKIP
    """
    import os
    import time

    import jupytext
    from nbclient import NotebookClient

    import nbformat

    py = Path(py)
    nb = jupytext.read(py)
    nb.cells = ([nbformat.v4.new_code_cell(before)] if before else []) + nb.cells + (
        [nbformat.v4.new_code_cell(after)] if after else [])
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(py.parent)}})
    watch = {}

    def kernel_started(**_):
        # the kernel process is up and answering: watch its memory until it is shut down
        pid = getattr(client.km.provisioner, "pid", None) or client.km.provisioner.process.pid
        watch["peak"] = PeakMemory(pid).start()

    def cell_executed(**_):
        if "peak" in watch:
            watch["peak"].sample()  # the kernel is still alive here, even after the last cell

    client.on_notebook_start = kernel_started
    client.on_cell_executed = cell_executed
    env = {**os.environ, **(env or {}), **({"LRCOURSE_THREADS": str(threads)} if threads else {})}
    start = time.perf_counter()
    try:
        client.execute(env=env)
    finally:
        peak_mb = watch["peak"].stop() if "peak" in watch else float("nan")
    return nb, time.perf_counter() - start, peak_mb


def run_notebooks(names=None, write: bool = True, timeout: int = 600, verbose: bool = True,
                  folder=None, env: dict | None = None) -> list[dict]:
    r"""Execute notebooks from their ``.py`` sources; optionally store outputs in the paired ``.ipynb``.

    Each notebook runs in a fresh kernel (:func:`execute_notebook`). For each one
    it returns (and ``lrcourse notebooks`` prints) the wall time, the seconds the
    notebook itself prints for its code (:func:`~lrcourse.runtimes.code_seconds`),
    and the kernel's peak resident memory, the figure to hold against a limit such as Binder's 2 GB.

    Args:
        names (list of str, optional): stems such as ``"00_start_here"``. Default: all.
        write (bool): store the executed notebook in the paired ``.ipynb``. Default: ``True``.
        timeout (int): seconds allowed per cell. Default: ``600``.
        verbose (bool): print a line per notebook. Default: ``True``.
        folder (str or Path, optional): where the ``.py`` sources are.
            Default: the checkout's ``notebooks/`` (:func:`notebooks_dir`).
        env (dict, optional): more environment variables for the kernels (:func:`execute_notebook`).

    Example:
        >>> run_notebooks(["00_start_here"], write=False)  # doctest: +SKIP
        [{'notebook': '00_start_here', 'seconds': 12.3, 'code_s': 10, 'peak_mb': 1010.4}]
    """
    import jupytext

    results = []
    for py in notebook_sources(names, folder):
        nb, seconds, peak_mb = execute_notebook(py, timeout, env=env)
        code_s = code_seconds(nb)
        tidy_notebook(nb)
        if write:
            # both halves of the pair from the same object, the .py last: JupyterLab's jupytext
            # refuses to open a pair whose .ipynb is newer than its .py and differs from it
            jupytext.write(nb, py.with_suffix(".ipynb"))
            write_source(nb, py)
        results.append({"notebook": py.stem, "seconds": round(seconds, 1), "code_s": code_s,
                        "peak_mb": round(peak_mb, 1)})
        if verbose:
            print(f"{py.stem}: executed in {seconds:.1f} s, peak memory {peak_mb:,.0f} MB"
                  + (f", stored in {py.stem}.ipynb" if write else ""))
    return results


def notebook_sources(names=None, folder=None) -> list[Path]:
    r"""The ``.py`` sources of the named notebooks (stems), or of all of them, sorted.

    Raises:
        ValueError: a name that is no notebook's stem.

    Example:
        >>> [p.name for p in notebook_sources(["00_start_here"])]
        ['00_start_here.py']
    """
    folder = Path(folder) if folder is not None else notebooks_dir()
    sources = sorted(folder.glob("*.py"))
    if names:
        sources = [p for p in sources if p.stem in set(names)]
        missing = set(names) - {p.stem for p in sources}
        if missing:
            raise ValueError(f"No notebook called {', '.join(sorted(missing))} in {folder}.")
    return sources


def execute_side_by_side(py, copies: int = 2, threads: int | None = None, timeout: int = 600) -> list[dict]:
    r"""Execute one notebook in ``copies`` kernels at once, as learners sharing a machine do; time each.

    Args:
        py (path): the percent-format source.
        copies (int): kernels started together. Default: ``2``.
        threads (int, optional): torch's CPU threads in each kernel (``LRCOURSE_THREADS``).
            Default: the course's own choice in each kernel (:func:`~lrcourse.device.thread_choice`).
        timeout (int): seconds allowed per cell. Default: ``600``.

    Returns:
        list of dict: per kernel, ``seconds`` (wall time) and ``code_s`` (what the
        notebook prints for its code, or ``None``).

    Example:
        >>> execute_side_by_side(notebooks_dir() / "02_step_decay.py", threads=1)  # doctest: +SKIP
        [{'seconds': 61.2, 'code_s': 52}, {'seconds': 61.9, 'code_s': 53}]
    """
    from concurrent.futures import ThreadPoolExecutor

    from .runtimes import code_seconds

    if not isinstance(copies, int) or copies < 1:
        raise ValueError(f"copies must be a positive whole number, got {copies!r}.")
    with ThreadPoolExecutor(max_workers=copies) as pool:
        runs = list(pool.map(lambda _: execute_notebook(py, timeout=timeout, threads=threads), range(copies)))
    return [{"seconds": round(seconds, 1), "code_s": code_seconds(nb)} for nb, seconds, _ in runs]
