"""Every agenda of the instructor kit runs as printed: the setup cell, then exactly the agenda's sections, in order.

An agenda row names a notebook and its sections before a colon, e.g.
``**01 fixed_lr** §1-4: ...``; the test executes, in a fresh kernel, the code
before the notebook's first numbered section (its setup) and then the cells
of those sections only, and fails on any error (a NameError from a section
the agenda skipped, for one).
"""
import re
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "docs" / "instructor.md"
NOTEBOOKS = ROOT / "notebooks"
_ROW = re.compile(r"\*\*(\d\d) \w+\*\*\s*([^:|]*):")


def _numbers(text: str) -> list[int]:
    """'§1-2, §6' -> [1, 2, 6]."""
    found = []
    for a, b in re.findall(r"§(\d+)(?:-(\d+))?", text):
        found += range(int(a), int(b or a) + 1)
    return found


def agendas(text: str) -> dict[str, list[tuple[str, list[int]]]]:
    """Agenda title -> [(notebook number, sections)] for each '## A ... (' heading's table."""
    found, title = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:] if re.match(r"## An? .*\(\d", line) else None
            if title:
                found[title] = []
        elif title and line.startswith("|"):
            what = line.strip("|").split("|")[2] if line.count("|") >= 4 else ""
            match = _ROW.search(what)
            if match:
                found[title].append((match.group(1), _numbers(match.group(2))))
    return found


def _section_cells(number: str, sections: list[int]):
    [py] = NOTEBOOKS.glob(f"{number}_*.py")
    nb = jupytext.read(py)
    current, cells, present = 0, [], set()
    for cell in nb.cells:
        heading = re.search(r"^##\s+(\d+)\.", cell.source, re.M) if cell.cell_type == "markdown" else None
        if heading:
            current = int(heading.group(1))
            present.add(current)
        elif cell.cell_type == "markdown" and cell.source.startswith("## "):
            current = -1 if current else 0  # unnumbered sections (exercises, summary) are not run
        if cell.cell_type == "code" and (current == 0 or current in sections):
            cells.append(cell)
    missing = sorted(set(sections) - present)
    assert not missing, f"the kit names §{missing} of notebook {number}, which has sections {sorted(present)}"
    nb.cells = cells
    return nb


def test_the_kit_has_the_three_agendas_and_each_names_sections():
    found = agendas(KIT.read_text())
    assert len(found) == 3 and any("full day" in t for t in found), list(found)
    for title, rows in found.items():
        assert rows and all(sections for _, sections in rows), title
    assert _numbers("§1-2, §6") == [1, 2, 6]


def test_every_section_an_agenda_names_exists():
    for rows in agendas(KIT.read_text()).values():
        for number, sections in rows:
            _section_cells(number, sections)  # fails on a section the notebook does not have


CASES = sorted({(number, tuple(sections)) for rows in agendas(KIT.read_text()).values()
                for number, sections in rows})


@pytest.mark.slow
@pytest.mark.parametrize("number,sections", CASES, ids=[f"{n}-" + ".".join(map(str, s)) for n, s in CASES])
def test_an_agendas_sections_run_after_the_setup_cell_alone(number, sections):
    nb = _section_cells(number, list(sections))
    # the kernel inherits the root conftest's LRCOURSE_OFFLINE=1 and empty LRCOURSE_DATA
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
