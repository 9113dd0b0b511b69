"""lrcourse.tables: every table of runs, drawn from its row type, as aligned text and as HTML."""
import numpy as np
import pytest

from lrcourse.compare import paired_difference
from lrcourse.results import Row
from lrcourse.tables import (RUN_COLUMNS, Column, leaderboard_html, leaderboard_table, paired_table, render_html,
                             render_text, scoreboard_table)
from lrcourse.train import History


def _end(line: str, word: str) -> int:
    """Where ``word`` ends in ``line`` (right-aligned columns line up on their ends)."""
    return line.index(word) + len(word)


def test_text_columns_are_aligned_at_least_as_wide_as_asked_and_missing_values_say_so():
    rows = [("a", 1.0), ("longer", None)]
    columns = [Column("name", lambda r: r[0], align="<"), Column("x", lambda r: r[1], ".2f", "never", width=6)]
    lines = render_text(rows, columns, extra=lambda r: "  !" if r[1] is None else "").splitlines()
    assert lines == ["name         x", "a         1.00", "longer   never  !"]


def test_html_escapes_every_cell_shades_highlights_and_says_when_empty():
    out = render_html(["<a>", "b"], [Column("v", str)], highlight=lambda r: r == "b")
    assert "&lt;a&gt;" in out and "<a>" not in out and out.count("background") == 1
    assert render_html([], [Column("v", str)], empty="No runs") == "<i>No runs</i>"


def test_a_table_of_runs_reads_each_history():
    h = History(label="a")
    h.record_step(1, [{"lr": 0.1}], 1.2)
    h.record_epoch(1, train_loss=1.0, val_loss=0.9, val_acc=0.5, seconds=2.0)
    h.stopped = True
    text = render_text([h], RUN_COLUMNS)
    header, line = text.splitlines()
    assert header.split("  ")[0] == "run" and line.split() == ["a", "stopped", "1", "1", "0.9", "0.500", "2.00"]


def _row(split="test", accs=(0.968, 0.97, 0.972), **kwargs):
    return Row("a", split, accs, **{"reached": 3, "epochs_to_target": 2.0, "time_to_target_s": 0.5,
                                    "wall_time_s": 1.5, **kwargs})


def test_the_leaderboard_shows_the_split_its_rows_show():
    test, val = leaderboard_table([_row()], 0.95), leaderboard_table([_row("val", (0.954, 0.962))], 0.95)
    assert "test acc % (mean ± std)" in test and "97.00 ± 0.20" in test and "val" not in test
    assert "val acc % (mean ± std)" in val and "95.80 ± 0.57" in val and "test acc" not in val
    assert "val acc %" in leaderboard_html([_row("val")], 0.95)


def test_a_row_that_never_reached_the_target_or_diverged_says_so():
    line = leaderboard_table([_row(accs=(None, 0.6, 0.62), reached=0, epochs_to_target=None, time_to_target_s=None,
                                   diverged=1)], 0.7).splitlines()[1]
    assert line.count("never") == 2 and "0/3" in line and line.endswith("(1 diverged)") and "61.00 ± 1.41" in line
    line = leaderboard_table([_row(accs=(None,), reached=0, epochs_to_target=None)], 0.7).splitlines()[1]
    assert "n/a" in line  # no run has an accuracy to show


def test_the_html_leaderboard_ranks_and_shades_the_highlighted_rows():
    rows = [Row("first", "test", (0.9,)), Row("mine", "test", (0.8,))]
    out = leaderboard_html(rows, 0.95, highlight=["mine"])
    assert out.index("first") < out.index("mine") and out.count("background") == 1
    assert "<td>2</td><td>mine</td>" in out


def _comparisons():
    base = np.array([96.2, 96.6, 95.9, 96.4, 96.1])
    kw = {"label_a": "C", "metric": "test accuracy", "unit": "pp", "resolution": 0.1}
    return [paired_difference(base, base + 1.0 + np.array([0.1, -0.1, 0.0, 0.1, -0.1]), label_b="A", **kw),
            paired_difference(base, base, label_b="C", **kw),
            paired_difference(base, base - 1.0 + np.array([0.1, -0.1, 0.0, 0.1, -0.1]), label_b="a long name", **kw)]


def test_the_scoreboard_has_one_row_per_comparison_in_aligned_columns():
    lines = scoreboard_table(_comparisons(), "test", {"A": 0.01, "C": 0.1}).splitlines()
    header, ahead, base, behind = lines
    assert header.startswith("contestant   peak lr  test acc %  − C (95% CI), pp")  # as wide as the longest name
    assert ahead.startswith("A ") and ahead.endswith("ahead") and "5/5" in ahead and "0.01" in ahead
    assert base.startswith("C ") and base.endswith("(the baseline)") and "0.1" in base
    assert behind.startswith("a long name") and behind.endswith("behind")
    # every row's accuracy, wins and sign test end under their titles
    for line, acc in ((ahead, "97.24"), (base, "96.24"), (behind, "95.24")):
        assert _end(line, acc) == _end(header, "test acc %")
    for line, wins in ((ahead, "5/5"), (behind, "0/5")):
        assert _end(line, wins) == _end(header, "wins") and _end(line, "0.06") == _end(header, "sign test p")
    assert header.index("verdict") == ahead.index("ahead") == behind.index("behind")


def test_the_scoreboard_calls_a_ci_that_covers_zero_a_tie():
    base = [96.2, 96.6, 95.9, 96.4, 96.1]
    tie = paired_difference(base, np.add(base, [0.6, 0.5, 0.7, -0.6, 0.6]), label_a="C", label_b="B", unit="pp")
    line = scoreboard_table([tie], "val").splitlines()[1]
    assert line.endswith("tie (CI covers 0)") and "4/5" in line and f"{tie.sign_test_p:.2f}" in line


def test_the_paired_table_rows_subtract_as_shown():
    c = paired_difference([0.2941, 0.3012, 0.2987], [0.2985, 0.3049, 0.3031], seeds=(3, 4, 5), label_a="fixed",
                          label_b="ReduceLROnPlateau", metric="loss")
    header, *rows = paired_table(c).splitlines()
    assert header.split() == ["seed", "fixed", "ReduceLROnPlateau", "B", "−", "A"]
    k = c.decimals
    for seed, line in zip((3, 4, 5), rows):
        s, a, b, diff = line.split()
        assert int(s) == seed and round(float(b) - float(a), k) == float(diff)
        assert len(line) == len(header)  # right-aligned under titles wider than 14 characters too
    assert c.table() == paired_table(c)


def test_bad_rows_are_explained():
    with pytest.raises(ValueError, match="split"):
        Row("a", "train", (0.9,))
    with pytest.raises(ValueError, match="baseline"):
        scoreboard_table([], "test")
