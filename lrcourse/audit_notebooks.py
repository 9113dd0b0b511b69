"""The schedule audit on every training loop of the course's notebooks: does it cry wolf?

:func:`notebook_loops` executes notebooks with :func:`install` run first in
their kernel. ``install`` makes every torch scheduler that a cell builds start
a :func:`~lrcourse.audit.watch` on its optimizer, so each loop the notebook
runs, by hand or through :func:`~lrcourse.train.fit`, is audited as if its
author had added the one line. A scheduler that ``SequentialLR`` or
``ChainedScheduler`` takes in is audited through that one; two schedulers that
share an optimizer are audited together. The audit knows no
``steps_per_epoch`` or ``num_epochs`` here, so the checks that need them stay
silent. The curves the course draws step a scheduler on a probe optimizer
(:func:`~lrcourse.optim.probe_optimizer`) that trains nothing: they are not loops, and not audited. A loop the notebook breaks on purpose, to show a pitfall, sits in a
cell tagged ``pitfall``: what the audit names there is expected; anything it
names in another cell is a false alarm. ``python -m lrcourse.audit_notebooks``
prints the report. Tested in ``tests/test_audit_notebooks.py``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import torch

from .optim import is_probe

__all__ = ["install", "release", "findings", "notebook_loops", "format_loops", "PITFALL_TAG"]

#: the cell tag of a loop that shows a pitfall on purpose (notebook 07 also tags its bug zoo ``exhibit``)
PITFALL_TAG = "pitfall"
_ON_PURPOSE = {PITFALL_TAG, "exhibit"}
_MARK = "LRCOURSE-AUDIT-JSON "


@dataclass
class _State:
    installed: bool = False
    starting: bool = False  # _start is calling watch(), which must not release anything
    depth: int = 0
    records: list = field(default_factory=list)  # [cell, [schedulers], audit]
    by_optimizer: dict = field(default_factory=dict)  # id(optimizer) -> record


_state = _State()


def _cell() -> int | None:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    count = getattr(get_ipython(), "execution_count", None)
    return None if count is None else count - 1  # IPython counts the running cell already


def _start(scheduler, held_before) -> None:
    from .audit import watch

    for child in getattr(scheduler, "_schedulers", None) or []:  # SequentialLR, ChainedScheduler
        release([child])
    optimizer = getattr(scheduler, "optimizer", None)
    if not isinstance(optimizer, torch.optim.Optimizer) or is_probe(optimizer):  # a drawn curve trains nothing
        return
    schedulers = [scheduler]
    old = _state.by_optimizer.pop(id(optimizer), None)
    if old is not None:  # a second scheduler on the same optimizer: watch them together
        old[2].close()
        if not old[2].trace.rates:
            _state.records.remove(old)
        schedulers = [s for s in old[1] if s is not scheduler] + schedulers
    _state.starting = True
    try:
        audit = watch(optimizer, schedulers, held_before=held_before)
    except (TypeError, ValueError):  # a scheduler the audit cannot read is not a loop to judge
        return
    finally:
        _state.starting = False
    record = [_cell(), schedulers, audit]
    _state.records.append(record)
    _state.by_optimizer[id(optimizer)] = record


def _wrap(init):
    def __init__(self, *args, **kwargs):
        optimizer = kwargs.get("optimizer", args[0] if args else None)
        held = ([float(g["lr"]) for g in optimizer.param_groups] if _state.depth == 0 and
                isinstance(optimizer, torch.optim.Optimizer) else None)  # the rate before this scheduler
        _state.depth += 1
        try:
            init(self, *args, **kwargs)
        finally:
            _state.depth -= 1
        if _state.depth == 0:
            _start(self, held)
    __init__.__wrapped__ = init
    return __init__


def install() -> None:
    r"""Audit every scheduler built from now on in this process (once; for a notebook's kernel).

    Example:
        >>> install()  # doctest: +SKIP
    """
    if _state.installed:
        return
    import torch.optim.lr_scheduler as S

    for cls in vars(S).values():
        if isinstance(cls, type) and issubclass(cls, S.LRScheduler) and "__init__" in vars(cls):
            cls.__init__ = _wrap(vars(cls)["__init__"])
    _state.installed = True


def release(schedulers) -> None:
    r"""Stop the automatic audit of ``schedulers`` (a list): they are watched by other means.

    :func:`~lrcourse.audit.watch` calls it, so a loop that watches itself is not watched twice.

    Example:
        >>> release([])
    """
    if _state.starting:
        return
    ids = {id(s) for s in schedulers}
    for record in list(_state.records):
        if ids & {id(s) for s in record[1]}:
            record[2].close()
            _state.records.remove(record)
            for key, value in list(_state.by_optimizer.items()):
                if value is record:
                    del _state.by_optimizer[key]


def findings() -> list[dict]:
    r"""Every audited loop that took at least one optimizer step: its cell, schedulers, steps and findings.

    Example:
        >>> findings()
        []
    """
    rows = []
    for cell, schedulers, audit in _state.records:
        if audit.trace.rates:
            report = audit.report()
            rows.append({"cell": cell, "schedulers": [type(s).__name__ for s in schedulers],
                         "steps": report.optimizer_steps, "named": sorted(report.names)})
    return rows


def notebook_loops(names=None, folder=None, timeout: int = 900, threads: int | None = None) -> list[dict]:
    r"""Execute notebooks with every scheduler audited; one row per audited loop.

    Each row: ``notebook``, ``cell`` (the index of the cell that built the scheduler), ``schedulers``,
    ``steps``, ``named`` (the pitfalls found) and ``expected`` (the cell is tagged
    :data:`PITFALL_TAG` or ``exhibit``, and is no solution). A row with ``named`` and not
    ``expected`` is a false alarm.

    Example:
        >>> rows = notebook_loops(["00_start_here"])  # doctest: +SKIP
    """
    from .nbtools import execute_notebook, notebook_sources

    rows = []
    for py in notebook_sources(names, folder):
        nb, _, _ = execute_notebook(py, timeout=timeout, threads=threads,
                                    before="from lrcourse.audit_notebooks import install\ninstall()",
                                    after=f"import json\nfrom lrcourse.audit_notebooks import findings\n"
                                          f"print({_MARK!r} + json.dumps(findings()))")
        cells = {c.get("execution_count"): (i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
        text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
        found = json.loads(text.split(_MARK, 1)[1]) if _MARK in text else None
        if found is None:
            raise RuntimeError(f"{py.stem}: the audit printed no findings; its last cell's output: {text[:300]!r}")
        for row in found:
            index, cell = cells.get(row["cell"], (None, {}))
            tags = cell.get("metadata", {}).get("tags", []) if cell else []
            rows.append({**row, "notebook": py.stem, "cell": None if index is None else index - 1,
                         "expected": bool(_ON_PURPOSE & set(tags)) and "solution" not in tags})
    return rows


def format_loops(rows: list[dict]) -> str:
    r"""The report: every audited loop, and the false alarms counted.

    Example:
        >>> print(format_loops([{"notebook": "00", "cell": 3, "schedulers": ["StepLR"], "steps": 6, "named": [],
        ...                      "expected": False}]))
        Schedule audit over the notebooks' loops: 1 loops, 0 false alarms, 0 pitfalls shown on purpose
           00 cell   3  StepLR                              6 optimizer steps  named: nothing
    """
    false = [r for r in rows if r["named"] and not r["expected"]]
    shown = [r for r in rows if r["named"] and r["expected"]]
    lines = [f"Schedule audit over the notebooks' loops: {len(rows)} loops, {len(false)} false alarms, "
             f"{len(shown)} pitfalls shown on purpose"]
    for r in rows:
        note = " (shown on purpose)" if r["expected"] and r["named"] else (" FALSE ALARM" if r["named"] else "")
        lines.append(f"   {r['notebook']} cell {r['cell'] if r['cell'] is not None else '?':>3}  "
                     f"{' + '.join(r['schedulers']):<32} {r['steps']:>4} optimizer steps  "
                     f"named: {', '.join(r['named']) or 'nothing'}{note}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(format_loops(notebook_loops(sys.argv[1:] or None)))
