"""Verdicts that hold on any machine: re-run the notebooks at another thread count and compare what they conclude.

CPU results differ bit for bit with torch's thread count, so a learner on an
8-core laptop does not get the stored run's numbers. The verdicts must not
change: a paired comparison that is "within noise" or whose CI "excludes 0",
a shoot-out row that is "ahead", "behind" or a "tie", and a tuned rate picked
from a grid. :func:`extract_verdicts` reads them from a notebook's outputs;
:func:`check_verdicts` (``lrcourse verdicts``, ``make verdicts``) executes the
notebooks again at another thread count and lists every verdict that differs
from the stored run's.

The epochs at which a seed's ``ReduceLROnPlateau`` cut are read too, as
*decisions*, not verdicts: a cut turns on whether one validation loss beats
the best by ``threshold``, so a seed whose loss lies near it can cut an epoch
earlier or later on another machine. The check lists the decisions that moved
apart from the verdicts, so a notebook's prose can be held to what it claims
of them (that they depend on the seed and the machine), and only a verdict
that differs fails it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["Flip", "extract_verdicts", "compare_verdicts", "check_verdicts", "format_flips"]

# "final validation loss, B − A: ... ; B is better: the 95% CI excludes 0" (compare.PairedComparison.summary)
_PAIRED = re.compile(r"^\s*(?P<key>[^:\n]+ − [^:\n]+?): .*; (?P<verdict>within noise|.+? is better)\b")
# "tuned AdamW + cosine   val acc by peak rate (...) -> 0.01"
_TUNED = re.compile(r"^\s*(?P<key>tuned .+?)\s{2,}.*-> (?P<verdict>\S+)\s*$")
# a scoreboard row: "AdamW + WSD   0.01   95.84  -0.04 (-1.02 to +0.94)   2/5   1.00  tie (CI covers 0)"
_ROW = re.compile(r"^\s*(?P<key>\S.*?)\s{2,}(?P<lr>\S+)\s+[\d.]+\s+[-+][\d.]+ \(.*\)\s+\d+/\d+\s+[\d.]+\s+"
                  r"(?P<verdict>tie \(CI covers 0\)|ahead|behind)\s*$")
# a plateau reduction: "epoch 6: ... so lr 0.1 -> 0.05" (curves.plateau_trace), per seed where one is named
_REDUCED = re.compile(r"epoch (\d+): (?:(?!epoch \d+:).)*?so lr ([\d.e-]+) -> ([\d.e-]+)")


@dataclass(frozen=True)
class Flip:
    r"""One verdict that differs between two runs of a notebook.

    Example:
        >>> Flip("08_capstone", "SGD + cosine (scoreboard 1)", "behind", "tie (CI covers 0)").notebook
        '08_capstone'
    """

    notebook: str
    key: str
    stored: str | None
    rerun: str | None

    @property
    def is_decision(self) -> bool:
        """Whether this is a scheduler's decision (a plateau cut), not a verdict."""
        return self.key.endswith(" reductions") or " reductions (" in self.key


def _lines(nb):
    """Output lines of every cell but the solutions (stored without outputs, so never comparable)."""
    import copy

    from .prose import output_text

    shown = copy.copy(nb)
    shown.cells = [c for c in nb.cells if "solution" not in c.get("metadata", {}).get("tags", [])]
    return output_text(shown).splitlines()


def extract_verdicts(nb) -> dict[str, str]:
    r"""Every verdict a notebook's outputs state, keyed by what it is about.

    A key that recurs (the same contestant on two scoreboards) is numbered in order.

    Example:
        >>> import nbformat
        >>> out = nbformat.v4.new_output("stream", name="stdout", text=(
        ...     "test accuracy, StepLR − fixed: +1.8 pp (95% CI -1.5 to +5.1 pp), 3 paired seeds; within noise: x\n"
        ...     "tuned SGD + cosine   val acc by peak rate (0.1: 94.8%) -> 0.1\n"))
        >>> extract_verdicts(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[out])]))
        {'test accuracy, StepLR − fixed': 'within noise', 'tuned SGD + cosine': '-> 0.1'}
    """
    found: dict[str, str] = {}
    seen: Counter = Counter()

    def add(key: str, verdict: str):
        seen[key] += 1
        found[key if seen[key] == 1 else f"{key} ({seen[key]})"] = verdict

    for line in _lines(nb):
        if m := _PAIRED.match(line):
            add(m["key"].strip(), m["verdict"])
        elif m := _TUNED.match(line):
            add(m["key"].strip(), f"-> {m['verdict']}")
        elif m := _ROW.match(line):
            add(f"{m['key'].strip()} (scoreboard row)", f"{m['verdict']} at lr {m['lr']}")
        elif reductions := _REDUCED.findall(line):
            seed = re.match(r"\s*(seed \d+):", line)
            where = seed.group(1) if seed else "plateau"
            add(f"{where} reductions", ", ".join(f"epoch {e}: {a} -> {b}" for e, a, b in reductions))
    return found


def compare_verdicts(stored: dict[str, str], rerun: dict[str, str], notebook: str = "") -> list[Flip]:
    r"""The verdicts that differ, including one that only one of the runs states.

    Example:
        >>> compare_verdicts({"a": "ahead", "b": "tie"}, {"a": "ahead", "b": "behind"}, "08")
        [Flip(notebook='08', key='b', stored='tie', rerun='behind')]
    """
    keys = list(stored) + [k for k in rerun if k not in stored]
    return [Flip(notebook, k, stored.get(k), rerun.get(k)) for k in keys if stored.get(k) != rerun.get(k)]


def _threads_of(nb) -> str:
    match = re.search(r"Device: (.+)", "\n".join(_lines(nb)))
    return match.group(1).strip() if match else "unknown device"


def check_verdicts(names=None, threads: int = 1, folder=None, verbose: bool = True,
                   timeout: int = 1800) -> list[Flip]:
    r"""Execute notebooks at ``threads`` CPU threads and compare their verdicts with the stored outputs'.

    Nothing is written; each notebook runs in a fresh kernel from its ``.py``
    (so the stored ``.ipynb`` must come from the same source: ``make notebooks``).

    Args:
        names (list of str, optional): notebook stems. Default: all.
        threads (int): torch's CPU threads in the re-run. Default: ``1``.
        folder (path, optional): where the notebooks are. Default: the checkout's ``notebooks/``.
        verbose (bool): print a line per notebook. Default: ``True``.
        timeout (int): seconds allowed per cell (1 thread is slower). Default: ``1800``.

    Returns:
        list of Flip: every verdict that differs (empty when all agree).

    Example:
        >>> check_verdicts(["08_capstone"], threads=1)  # doctest: +SKIP
        08_capstone: 19 verdicts (stored: cpu (2 threads); re-run: cpu (1 threads)), 0 differ
        []
    """
    import nbformat

    from .nbtools import execute_notebook, notebook_sources

    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive whole number, got {threads!r}.")
    flips: list[Flip] = []
    for py in notebook_sources(names, folder):
        stored_nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
        rerun_nb, _, _ = execute_notebook(py, timeout=timeout, threads=threads)
        stored, rerun = extract_verdicts(stored_nb), extract_verdicts(rerun_nb)
        found = compare_verdicts(stored, rerun, py.stem)
        flips += found
        if verbose:
            decisions = sum(Flip(py.stem, k, None, None).is_decision for k in stored)
            moved = sum(f.is_decision for f in found)
            also = f"; {decisions} plateau decisions, {moved} moved" if decisions else ""
            print(f"{py.stem}: {len(stored) - decisions} verdicts (stored: {_threads_of(stored_nb)}; re-run: "
                  f"{_threads_of(rerun_nb)}), {len(found) - moved} differ{also}", flush=True)
    return flips


def format_flips(flips: list[Flip]) -> str:
    r"""The flips as lines for a person: notebook, what, stored verdict, re-run verdict; decisions apart.

    Example:
        >>> print(format_flips([Flip("08", "SGD + cosine", "behind", "tie"),
        ...                     Flip("04", "seed 2 reductions", "epoch 4: 0.1 -> 0.01", "epoch 3: 0.1 -> 0.01")]))
        08  SGD + cosine: stored 'behind', re-run 'tie'
        Plateau decisions that moved (not verdicts):
        04  seed 2 reductions: stored 'epoch 4: 0.1 -> 0.01', re-run 'epoch 3: 0.1 -> 0.01'
    """
    def lines(group):
        return [f"{f.notebook}  {f.key}: stored {f.stored!r}, re-run {f.rerun!r}" for f in group]

    verdicts = [f for f in flips if not f.is_decision]
    decisions = [f for f in flips if f.is_decision]
    out = lines(verdicts) or ["Every verdict is the same in both runs."]
    if decisions:
        out += ["Plateau decisions that moved (not verdicts):"] + lines(decisions)
    return "\n".join(out)
