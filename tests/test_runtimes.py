"""One measured file (docs/notebook_times.json) behind every run time and peak memory the docs quote."""
import re
from pathlib import Path

import nbformat
import pytest

from lrcourse.runtimes import code_seconds, read_times, record_times, times_path

ROOT = Path(__file__).resolve().parents[1]
STEMS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))


def _rows(text: str, columns: int) -> dict[str, list[str]]:
    """number -> cells, for the markdown table rows that start with a notebook number."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= columns and re.fullmatch(r"\d\d", cells[0]):
            rows[cells[0]] = cells
    return rows


def _expected(stem):
    entry = read_times()["notebooks"][stem]
    return f"{entry['sample_s']} s", f"{entry['peak_mb']:,} MB"


def test_every_notebook_is_measured():
    times = read_times()
    assert sorted(times["notebooks"]) == STEMS, "run `lrcourse notebooks`"
    for stem, entry in times["notebooks"].items():
        assert {"sample_s", "peak_mb"} <= set(entry), stem


@pytest.mark.parametrize("stem", STEMS)
def test_the_stored_notebook_prints_the_measured_time(stem):
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    assert code_seconds(nb) == read_times()["notebooks"][stem]["sample_s"], \
        "the stored notebook and docs/notebook_times.json come from different runs: run `lrcourse notebooks`"


def test_the_readme_course_map_quotes_the_measured_file():
    rows = _rows((ROOT / "README.md").read_text(), 6)
    for stem in STEMS:
        assert tuple(rows[stem[:2]][3:5]) == _expected(stem), f"README course map, row {stem[:2]}"


def test_the_instructor_kit_quotes_the_measured_file():
    rows = _rows((ROOT / "docs" / "instructor.md").read_text(), 5)
    for stem in STEMS:
        assert tuple(rows[stem[:2]][3:5]) == _expected(stem), f"docs/instructor.md, row {stem[:2]}"


def test_a_row_without_the_notebooks_own_time_is_refused(tmp_path):
    with pytest.raises(ValueError, match="code ran in"):
        record_times([{"notebook": "x", "code_s": None, "peak_mb": 1.0}], "sample", tmp_path / "t.json")
    with pytest.raises(ValueError, match="'sample' or 'full'"):
        record_times([], "gpu", tmp_path / "t.json")


def test_recording_full_size_times_keeps_the_sample_times(tmp_path):
    path = tmp_path / "t.json"
    record_times([{"notebook": "00", "code_s": 9, "peak_mb": 980.4}], "sample", path, "m")
    record_times([{"notebook": "00", "code_s": 11, "peak_mb": 1010.0}], "full", path, "m")
    assert read_times(path)["notebooks"]["00"] == {"sample_s": 9, "full_s": 11, "peak_mb": 1010}
    assert times_path().parent.name == "docs"


def test_the_kits_reading_time_is_the_notebooks_own():
    rows = _rows((ROOT / "docs" / "instructor.md").read_text(), 5)
    for stem in STEMS:
        first = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4).cells[0].source
        minutes = re.search(r"\*\*Time\*\*: about (\d+) minutes", first)
        assert minutes, f"{stem}: the Time line says 'about N minutes to read and play'"
        assert rows[stem[:2]][2] == f"{minutes.group(1)} min", f"docs/instructor.md, row {stem[:2]}"


def test_the_hub_page_quotes_the_measured_ranges():
    entries = read_times()["notebooks"].values()
    peaks, seconds = [e["peak_mb"] for e in entries], [e["sample_s"] for e in entries]
    text = " ".join((ROOT / "docs" / "jupyterhub.md").read_text().split())
    assert f"peaks at {min(peaks):,} to {max(peaks):,} MB" in text
    assert f"runs in {min(seconds)} to {max(seconds)} seconds" in text
