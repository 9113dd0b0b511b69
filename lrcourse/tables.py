"""Tables of runs: one column spec per table, rendered as aligned text or as HTML.

The leaderboard of a shoot-out and the runs of the train-live panel are each
described once, as a list of :class:`Column`; :func:`render_text` and
:func:`render_html` draw any such table, so the text printed in a notebook and
the HTML shown in a panel never disagree.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = ["Column", "render_text", "render_html", "histories_table", "leaderboard_columns",
           "leaderboard_table", "leaderboard_html", "RUN_COLUMNS"]


@dataclass(frozen=True)
class Column:
    r"""One column of a table: its title, how to read a row, and how to show the value.

    Args:
        title (str): the header.
        get (callable): ``get(row)`` returns the cell's value.
        fmt (str or callable): a format spec (``".2f"``) or ``fmt(value) -> str``. Default: ``""``.
        missing (str): shown when the value is ``None``. Default: ``""``.
        align (str): ``">"`` or ``"<"`` in text. Default: ``">"``.

    Example:
        >>> Column("acc", lambda r: r["acc"], ".2f").cell({"acc": 0.5})
        '0.50'
    """

    title: str
    get: Callable[[dict], Any]
    fmt: str | Callable[[Any], str] = ""
    missing: str = ""
    align: str = ">"

    def cell(self, row: dict) -> str:
        value = self.get(row)
        if value is None:
            return self.missing
        return self.fmt(value) if callable(self.fmt) else format(value, self.fmt)


def render_text(rows: Iterable[dict], columns: list[Column], extra: Callable[[dict], str] | None = None) -> str:
    r"""``rows`` as aligned text, two spaces between columns; ``extra(row)`` is appended to a line.

    Example:
        >>> print(render_text([{"a": 1}], [Column("a", lambda r: r["a"])]))
        a
        1
    """
    rows = list(rows)
    cells = [[c.cell(r) for c in columns] for r in rows]
    widths = [max([len(c.title)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    def fmt_line(values):
        return "  ".join(format(v, f"{c.align}{w}") for v, c, w in zip(values, columns, widths)).rstrip()
    lines = [fmt_line([c.title for c in columns])]
    for r, line in zip(rows, cells):
        lines.append(fmt_line(line) + (extra(r) if extra else ""))
    return "\n".join(lines)


def render_html(rows: Iterable[dict], columns: list[Column], highlight: Callable[[dict], bool] | None = None,
                empty: str = "") -> str:
    r"""``rows`` as an HTML table, every cell escaped; rows where ``highlight(row)`` are shaded.

    Example:
        >>> render_html([{"a": "<b>"}], [Column("a", lambda r: r["a"])])
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


def histories_table(histories) -> list[dict]:
    r"""One summary row per run: label, epochs, steps, final losses and accuracy, time, state.

    Example:
        >>> from lrcourse.train import History
        >>> histories_table([History(label="a")])[0]["label"]
        'a'
    """
    rows = []
    for h in histories:
        rows.append({
            "label": h.label,
            "epochs": len(h.epochs["epoch"]),
            "steps": h.num_steps,
            "train_loss": h.final("train_loss"),
            "val_loss": h.final("val_loss"),
            "val_acc": h.final("val_acc"),
            "time_s": sum(h.epochs["time"]),
            "state": h.state,
        })
    return rows


#: the columns of a table of runs (rows from :func:`histories_table`)
RUN_COLUMNS = [
    Column("run", lambda r: r["label"], align="<"),
    Column("state", lambda r: r["state"]),
    Column("steps", lambda r: r["steps"]),
    Column("final train loss", lambda r: r["train_loss"], ".4g"),
    Column("final val loss", lambda r: r["val_loss"], ".4g"),
    Column("val acc", lambda r: r["val_acc"], ".3f"),
    Column("time (s)", lambda r: r["time_s"], ".2f"),
]


def _acc(split: str):
    def cell(r: dict) -> str:
        if r.get(f"{split}_acc_mean") is None:
            return "n/a"
        return f"{100 * r[f'{split}_acc_mean']:.2f} ± {100 * r[f'{split}_acc_std']:.2f}"
    return cell


def leaderboard_columns(target_acc: float | None = None, rank: bool = True, split: str = "test") -> list[Column]:
    r"""The leaderboard's columns (rows from :meth:`~lrcourse.shootout.ShootoutResult.row`).

    ``split`` is the accuracy the rows are ranked by: ``"test"``, or ``"val"`` for a
    race whose test scores stay sealed until the end.

    Example:
        >>> [c.title for c in leaderboard_columns(0.95)][:3]
        ['rank', 'contestant', 'test acc % (mean ± std)']
        >>> leaderboard_columns(0.95, split="val")[2].title
        'val acc % (mean ± std)'
    """
    target = f"{100 * target_acc:g}%" if target_acc is not None else "target"
    columns = [
        Column("contestant", lambda r: r["label"], align="<"),
        Column(f"{split} acc % (mean ± std)", _acc(split)),
        Column(f"reached {target}", lambda r: f"{r['reached']}/{r['seeds']}"),
        Column(f"epochs to {target}", lambda r: r["epochs_to_target"], ".1f", "never"),
        Column(f"s to {target}", lambda r: r["time_to_target_s"], ".2f", "never"),
        Column("s per run", lambda r: r["wall_time_s"], ".2f"),
    ]
    if rank:
        columns.insert(0, Column("rank", lambda r: r["rank"]))
    return columns


def _ranked(rows: list[dict]) -> list[dict]:
    return [{**r, "rank": i} for i, r in enumerate(rows, start=1)]


def _split(rows: list[dict]) -> str:
    """The accuracy the rows were ranked by (a race ranked by validation shows validation)."""
    return "val" if rows and rows[0].get("ranked_by") == "val_acc" else "test"


def leaderboard_table(rows: list[dict], target_acc: float | None = None) -> str:
    r"""Leaderboard rows (best first) as aligned text, accuracies in % (validation ones for a sealed race).

    Example:
        >>> rows = [{"label": "a", "seeds": 3, "test_acc_mean": 0.97, "test_acc_std": 0.002,
        ...          "reached": 3, "epochs_to_target": 2.0, "time_to_target_s": 0.5,
        ...          "wall_time_s": 1.5, "diverged": 0}]
        >>> print(leaderboard_table(rows, 0.95))  # doctest: +NORMALIZE_WHITESPACE
        rank  contestant  test acc % (mean ± std)  reached 95%  epochs to 95%  s to 95%  s per run
           1  a                     97.00 ± 0.20          3/3            2.0      0.50       1.50
    """
    def diverged(r):
        return f"  ({r['diverged']} diverged)" if r.get("diverged") else ""
    return render_text(_ranked(rows), leaderboard_columns(target_acc, split=_split(rows)), extra=diverged)


def leaderboard_html(rows: list[dict], target_acc: float | None = None, highlight=()) -> str:
    r"""Leaderboard rows (best first) as an HTML table; labels in ``highlight`` are shaded.

    Example:
        >>> "<th>rank</th>" in leaderboard_html([], 0.95)
        True
    """
    marked = set(highlight)
    return render_html(_ranked(rows), leaderboard_columns(target_acc, split=_split(rows)),
                       lambda r: r["label"] in marked)
