"""Every table of runs: one column spec per table, rendered as aligned text or as HTML.

Each table is described once, as a list of :class:`Column` that read one
type of row: the train-live panel's runs (a :class:`~lrcourse.history.History`
each), a shoot-out's leaderboard (a :class:`~lrcourse.results.Row` each), a
scoreboard and the seeds of one paired comparison (a
:class:`~lrcourse.compare.PairedComparison`). :func:`render_text` and
:func:`render_html` draw any of them, so the text printed in a notebook and
the HTML shown in a panel never disagree.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = ["Column", "render_text", "render_html", "RUN_COLUMNS", "leaderboard_columns", "leaderboard_table",
           "leaderboard_html", "scoreboard_table", "paired_table"]


@dataclass(frozen=True)
class Column:
    r"""One column of a table: its title, how to read a row, and how to show the value.

    Args:
        title (str): the header.
        get (callable): ``get(row)`` returns the cell's value.
        fmt (str or callable): a format spec (``".2f"``) or ``fmt(value) -> str``. Default: ``""``.
        missing (str): shown when the value is ``None``. Default: ``""``.
        align (str): ``">"`` or ``"<"`` in text. Default: ``">"``.
        width (int): the least width in text. Default: ``0``.

    Example:
        >>> Column("acc", lambda r: r[0], ".2f").cell((0.5,))
        '0.50'
    """

    title: str
    get: Callable[[Any], Any]
    fmt: str | Callable[[Any], str] = ""
    missing: str = ""
    align: str = ">"
    width: int = 0

    def cell(self, row) -> str:
        value = self.get(row)
        if value is None:
            return self.missing
        return self.fmt(value) if callable(self.fmt) else format(value, self.fmt)


def render_text(rows: Iterable, columns: list[Column], extra: Callable[[Any], str] | None = None) -> str:
    r"""``rows`` as aligned text, two spaces between columns; ``extra(row)`` is appended to a line.

    Example:
        >>> print(render_text([(1,)], [Column("a", lambda r: r[0])]))
        a
        1
    """
    rows = list(rows)
    cells = [[c.cell(r) for c in columns] for r in rows]
    widths = [max([c.width, len(c.title)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    def fmt_line(values):
        return "  ".join(format(v, f"{c.align}{w}") for v, c, w in zip(values, columns, widths)).rstrip()
    lines = [fmt_line([c.title for c in columns])]
    for r, line in zip(rows, cells):
        lines.append(fmt_line(line) + (extra(r) if extra else ""))
    return "\n".join(lines)


def render_html(rows: Iterable, columns: list[Column], highlight: Callable[[Any], bool] | None = None,
                empty: str = "") -> str:
    r"""``rows`` as an HTML table, every cell escaped; rows where ``highlight(row)`` are shaded.

    Example:
        >>> render_html(["<b>"], [Column("a", str)])
        "<table style='font-size:12px'><tr><th>a</th></tr><tr><td>&lt;b&gt;</td></tr></table>"
    """
    rows = list(rows)
    if not rows and empty:
        return f"<i>{html.escape(empty)}</i>"
    head = "<tr>" + "".join(f"<th>{html.escape(c.title)}</th>" for c in columns) + "</tr>"
    body = []
    for r in rows:
        style = " style='background:#fde8d7'" if highlight and highlight(r) else ""
        body.append(f"<tr{style}>" + "".join(f"<td>{html.escape(c.cell(r))}</td>" for c in columns) + "</tr>")
    return "<table style='font-size:12px'>" + head + "".join(body) + "</table>"


#: the columns of a table of runs, one :class:`~lrcourse.history.History` a row
RUN_COLUMNS = [
    Column("run", lambda h: h.label, align="<"),
    Column("state", lambda h: h.state),
    Column("steps", lambda h: h.num_steps),
    Column("final train loss", lambda h: h.final("train_loss"), ".4g"),
    Column("final val loss", lambda h: h.final("val_loss"), ".4g"),
    Column("val acc", lambda h: h.final("val_acc"), ".3f"),
    Column("time (s)", lambda h: h.seconds, ".2f"),
]


def _mean_std(row) -> str | None:
    return None if row.acc_mean is None else f"{100 * row.acc_mean:.2f} ± {100 * row.acc_std:.2f}"


def leaderboard_columns(target_acc: float | None = None, split: str = "test") -> list[Column]:
    r"""The leaderboard's columns: ``(rank, Row)`` pairs (a :class:`~lrcourse.results.Row` each).

    ``split`` is the accuracy the rows show and are ranked by (:attr:`Row.split <lrcourse.results.Row>`).

    Example:
        >>> [c.title for c in leaderboard_columns(0.95)][:3]
        ['rank', 'contestant', 'test acc % (mean ± std)']
        >>> leaderboard_columns(0.95, split="val")[2].title
        'val acc % (mean ± std)'
    """
    target = f"{100 * target_acc:g}%" if target_acc is not None else "target"
    return [
        Column("rank", lambda r: r[0]),
        Column("contestant", lambda r: r[1].label, align="<"),
        Column(f"{split} acc % (mean ± std)", lambda r: _mean_std(r[1]), missing="n/a"),
        Column(f"reached {target}", lambda r: f"{r[1].reached}/{r[1].seeds}"),
        Column(f"epochs to {target}", lambda r: r[1].epochs_to_target, ".1f", "never"),
        Column(f"s to {target}", lambda r: r[1].time_to_target_s, ".2f", "never"),
        Column("s per run", lambda r: r[1].wall_time_s, ".2f"),
    ]


def _board(rows, target_acc):
    """The rows with their ranks, and the columns of the split they show (the test split on an empty board)."""
    rows = list(rows)
    return list(enumerate(rows, start=1)), leaderboard_columns(target_acc, rows[0].split if rows else "test")


def leaderboard_table(rows, target_acc: float | None = None) -> str:
    r"""Leaderboard rows (:class:`~lrcourse.results.Row`, best first) as aligned text, accuracies in %.

    Example:
        >>> from lrcourse.results import Row
        >>> row = Row("a", "test", (0.968, 0.97, 0.972), reached=3, epochs_to_target=2.0, time_to_target_s=0.5,
        ...           wall_time_s=1.5)
        >>> print(leaderboard_table([row], 0.95))  # doctest: +NORMALIZE_WHITESPACE
        rank  contestant  test acc % (mean ± std)  reached 95%  epochs to 95%  s to 95%  s per run
           1  a                     97.00 ± 0.20          3/3            2.0      0.50       1.50
    """
    ranked, columns = _board(rows, target_acc)
    return render_text(ranked, columns, extra=lambda r: f"  ({r[1].diverged} diverged)" if r[1].diverged else "")


def leaderboard_html(rows, target_acc: float | None = None, highlight=()) -> str:
    r"""Leaderboard rows (:class:`~lrcourse.results.Row`, best first) as an HTML table; labels in ``highlight`` shaded.

    Example:
        >>> "<th>rank</th>" in leaderboard_html([], 0.95)
        True
    """
    marked = set(highlight)
    ranked, columns = _board(rows, target_acc)
    return render_html(ranked, columns, lambda r: r[1].label in marked)


def _standing(c) -> str:
    return "tie (CI covers 0)" if c.within_noise else "ahead" if c.favours_b else "behind"


def scoreboard_table(comparisons, split: str, peak_lrs: dict | None = None) -> str:
    r"""A scoreboard: one :class:`~lrcourse.compare.PairedComparison` per contestant, all against one baseline.

    Each row is contestant B of a comparison with the baseline A: its mean
    (``b``), B − A with its 95% CI, its wins, the sign test's p and whether
    the CI puts it ahead, behind or in a tie. The comparison of the baseline
    with itself is its own row. ``split`` (``"test"`` or ``"val"``) names the
    accuracy compared; ``peak_lrs`` is ``{label: tuned peak rate}``.

    Example:
        >>> from lrcourse.compare import paired_difference
        >>> base = [95.0, 96.0, 95.0]
        >>> rows = [paired_difference(base, b, label_a="base", label_b=name, metric="test accuracy", unit="pp")
        ...         for name, b in (("b", [97.0, 97.0, 96.0]), ("base", base))]
        >>> print(scoreboard_table(rows, "test", {"b": 0.1}))  # doctest: +NORMALIZE_WHITESPACE
        contestant  peak lr  test acc %  − base (95% CI), pp  wins  sign test p  verdict
        b               0.1       96.67  +1.33 (-0.10 to +2.77)   3/3         0.25  tie (CI covers 0)
        base                      95.33  (the baseline)
    """
    comparisons = list(comparisons)
    if not comparisons:
        raise ValueError("A scoreboard needs at least the baseline's comparison with itself.")
    first = comparisons[0]
    peak_lrs = peak_lrs or {}

    def difference(c):
        if c.label_b == c.label_a:
            return "(the baseline)"
        low, high = c.ci
        return f"{c.mean:+.{c.decimals}f} ({low:+.{c.decimals}f} to {high:+.{c.decimals}f})"

    def compared(get):  # a cell only for a contestant other than the baseline
        return lambda c: None if c.label_b == c.label_a else get(c)

    columns = [
        Column("contestant", lambda c: c.label_b, align="<", width=10),
        Column("peak lr", lambda c: peak_lrs.get(c.label_b), "g"),
        Column(f"{split} acc %", lambda c: float(c.b.mean()), ".2f"),
        Column(f"− {first.label_a} (95% CI){', ' + first.unit if first.unit else ''}", difference, align="<"),
        Column("wins", compared(lambda c: f"{c.wins}/{c.n}")),
        Column("sign test p", compared(lambda c: c.sign_test_p), ".2f"),
        Column("verdict", compared(_standing), align="<"),
    ]
    return render_text(comparisons, columns)


def paired_table(comparison) -> str:
    r"""Each seed of a :class:`~lrcourse.compare.PairedComparison`: its two values and their difference.

    Values are shown with the comparison's ``decimals``, and each difference
    is that of the values as shown, so every row subtracts exactly.

    Example:
        >>> from lrcourse.compare import paired_difference
        >>> print(paired_table(paired_difference([1.0, 2.0], [1.5, 2.25], label_a="a", label_b="b")))
        seed               a               b       B − A
           0            1.00            1.50       +0.50
           1            2.00            2.25       +0.25
    """
    c, k = comparison, comparison.decimals
    rows = [(s, round(float(a), k), round(float(b), k)) for s, a, b in zip(c.seeds, c.a, c.b)]
    return render_text(rows, [
        Column("seed", lambda r: r[0], width=4),
        Column(c.label_a, lambda r: r[1], f".{k}f", width=14),
        Column(c.label_b, lambda r: r[2], f".{k}f", width=14),
        Column(f"B − A {c.unit}".rstrip(), lambda r: r[2] - r[1], f"+.{k}f", width=10),
    ])
