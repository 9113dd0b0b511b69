"""Prose bound to outputs: every number a notebook's text quotes as a result is printed by one of its cells.

The convention, small enough to see at once while writing a markdown cell:

- **A result is written as plain text** and must be printed by the notebook's
  stored outputs at the same rounding: ``0.36`` is backed by an output ``0.361``
  (rounded to 2 decimals), ``95.4%`` by ``95.4``, ``+0.48`` by ``+0.48`` (a sign
  written in the prose must match), ``4.2e-7`` by ``4.21e-07``, and ``4 of 5``
  by ``4/5`` or ``4 of 5``.
- **A number that is not a result** is told apart by where it is written:
  a setting the prose chooses is code (```lr=0.1```, ```StepLR(step_size=3)```),
  a theory value is math (``$1/L = 0.25$``), a citation is a link or a year
  ("Smith (2017)"), an issue is ``#44511``, a version is ``2.15.0``, a confidence level is
  "95% CI".
- **What counts as a number to check**: anything written with a decimal
  point, a percent sign, an exponent, an explicit sign (``+0.4``, ``−1.1``), or
  a thousands separator (``3,500``), and every "k of n" count. Plain small
  integers (3 seeds, epoch 6, §2) are words, not measurements, and are not checked.

:func:`unbacked_numbers` lists every checked number with no output behind it;
the test suite runs it over every stored notebook.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

__all__ = ["QuotedNumber", "Number", "output_text", "parse_numbers", "quoted_numbers", "is_backed",
           "unbacked_numbers"]

_MINUS = "\u2212"
# a number as prose and outputs write it: sign, digits (with thousands separators), decimals, exponent, percent
_NUMBER = re.compile(
    r"(?<![\w.#§/^])(?P<sign>[-+\u2212\u00b1]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?P<frac>\.\d+)?"
    r"(?P<exp>[eE][-+\u2212]?\d+)?(?P<pct>\s?%)?(?![\w.]*\d)")
_K_OF_N = re.compile(r"(?<![\w.])(\d+)\s*(?:of|/)\s*(\d+)(?![\w.]*\d)")
# regions of markdown whose numbers are not results
_EXEMPT = [
    re.compile(r"```.*?```", re.S),                      # code blocks: settings, calls
    re.compile(r"`[^`\n]*`"),                            # inline code: settings
    re.compile(r"\$\$.*?\$\$", re.S),                    # display math: theory
    re.compile(r"\$[^$\n]+\$"),                           # inline math: theory
    re.compile(r"\]\([^)\s]*\)"),                         # link targets
    re.compile(r"https?://\S+"),                          # bare URLs
    re.compile(r"<[^>\n]+>"),                             # HTML tags and their attributes
    re.compile(r"[\w-]*#\d+"),                            # issue and PR numbers: pytorch#44511, #12
    re.compile(r"\b(?:arXiv|doi):\s*\S+", re.I),          # identifiers
    re.compile(r"\bv?\d+\.\d+\.\d+(?:\.\d+)?\b"),          # versions: 2.15.0
    re.compile(r"^#+ *\d+(?:\.\d+)*\.?", re.M),            # heading numbers: ## 3. Title
    re.compile(r"(?<![\d,.])(?:19|20)\d\d(?![\d,.])"),     # years
    re.compile(r"\b\d+(?:\.\d+)?\s?% (?:CI|confidence)"),     # the confidence level: 95% CI
]


@dataclass(frozen=True)
class Number:
    r"""One number as written: its text, value, decimals shown, and whether it carries a sign or a percent.

    Example:
        >>> n = parse_numbers("gain +0.48 pp")[0]
        >>> n.value, n.decimals, n.signed
        (0.48, 2, True)
    """

    text: str
    value: float
    decimals: int
    signed: bool
    percent: bool
    sig_digits: int | None  # set for exponent notation: compare significant digits instead

    @property
    def checked(self) -> bool:
        """Whether prose that writes it this way states a measurement (see the module's convention)."""
        return (self.decimals > 0 or self.percent or self.signed or self.sig_digits is not None
                or "," in self.text)


@dataclass(frozen=True)
class QuotedNumber:
    """A number quoted by a markdown cell, where it is, and the words around it.

    Example:
        >>> QuotedNumber(16, "+0.76", "ahead of the baseline: +0.76 points").text
        '+0.76'
    """

    cell: int
    text: str
    context: str


def _parse(match) -> Number | None:
    g = match.groupdict()
    if not g["int"] and not g["frac"]:
        return None
    digits = (g["int"] or "0").replace(",", "") + (g["frac"] or "")
    sign = g["sign"]
    value = float(digits)
    sig = None
    if g["exp"]:
        value *= 10.0 ** int(g["exp"][1:].replace(_MINUS, "-"))
        sig = len(digits.replace(".", "").lstrip("0")) or 1
    if sign in ("-", _MINUS):
        value = -value
    return Number(match.group(0).strip(), value, len(g["frac"] or ".") - 1, sign in ("-", "+", _MINUS),
                  bool(g["pct"]), sig)


def parse_numbers(text: str) -> list[Number]:
    r"""Every number in ``text``, as :class:`Number`.

    Example:
        >>> [n.value for n in parse_numbers("3,500 digits, 95.4%, 4.2e-7 and −1.08")]
        [3500.0, 95.4, 4.2e-07, -1.08]
    """
    out = []
    for match in _NUMBER.finditer(text):
        number = _parse(match)
        if number is not None:
            out.append(number)
    return out


def output_text(nb) -> str:
    r"""All the text a notebook's stored outputs show: streams, plain text, HTML (tags dropped), markdown.

    Example:
        >>> import nbformat
        >>> cell = nbformat.v4.new_code_cell("print(1.5)", outputs=[
        ...     nbformat.v4.new_output("stream", name="stdout", text="1.5\n")])
        >>> output_text(nbformat.v4.new_notebook(cells=[cell]))
        '1.5\n'
    """
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
                continue
            data = out.get("data", {})
            for mime in ("text/markdown", "text/plain"):
                if mime in data:
                    parts.append(data[mime])
            if "text/html" in data:
                parts.append(html.unescape(re.sub(r"<[^>]+>", " ", data["text/html"])))
    return "\n".join("".join(p) if isinstance(p, list) else p for p in parts)


def _blank(match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def quoted_numbers(markdown: str) -> tuple[list[Number], list[tuple[int, int]], str]:
    r"""The checked numbers and "k of n" counts a markdown text quotes, outside code, math, links and citations.

    Returns:
        (numbers, counts, text): the numbers to check, the ``(k, n)`` pairs, and
        the text with the exempt regions blanked (for context).

    Example:
        >>> nums, counts, _ = quoted_numbers("At `lr=0.1` the gain is +0.48 ($1/L = 0.25$), ahead on 4 of 5 seeds.")
        >>> [n.text for n in nums], counts
        (['+0.48'], [(4, 5)])
    """
    text = markdown
    for pattern in _EXEMPT:
        text = pattern.sub(_blank, text)
    numbers = [n for n in parse_numbers(text) if n.checked]
    counts = [(int(k), int(n)) for k, n in _K_OF_N.findall(text)]
    return numbers, counts, text


def _rounds_to(output: Number, quoted: Number) -> bool:
    if quoted.signed and output.value != 0 and math.copysign(1, output.value) != math.copysign(1, quoted.value):
        return False
    have, want = abs(output.value), abs(quoted.value)
    if quoted.sig_digits is not None:
        if want == 0:
            return have == 0
        scale = 10 ** (math.floor(math.log10(want)) - quoted.sig_digits + 1)
        return round(have / scale) == round(want / scale)
    return abs(round(have, quoted.decimals) - want) < 0.5 * 10 ** -(quoted.decimals + 3)


def is_backed(quoted: Number, printed: list[Number]) -> bool:
    r"""Whether some printed number, rounded as the prose rounds, is the quoted one.

    Example:
        >>> is_backed(parse_numbers("0.36")[0], parse_numbers("loss 0.361"))
        True
        >>> is_backed(parse_numbers("+0.76")[0], parse_numbers("+0.48 (-0.14 to +1.10)"))
        False
    """
    return any(_rounds_to(p, quoted) for p in printed)


def _counts_in(text: str) -> set[tuple[int, int]]:
    return {(int(k), int(n)) for k, n in _K_OF_N.findall(text)}


def unbacked_numbers(nb) -> list[QuotedNumber]:
    r"""Every number a markdown cell quotes as a result that no stored output of ``nb`` prints.

    Solutions and exercises are prose too: every markdown cell is read.

    Example:
        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[
        ...     nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        ...         "stream", name="stdout", text="gain +0.48 pp, 4/5 seeds\n")]),
        ...     nbformat.v4.new_markdown_cell("A gain of +0.48 pp (4 of 5 seeds), not +0.76.")])
        >>> [q.text for q in unbacked_numbers(nb)]
        ['+0.76']
    """
    printed_text = output_text(nb)
    printed = parse_numbers(printed_text)
    printed_counts = _counts_in(printed_text)
    missing = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        numbers, counts, text = quoted_numbers(cell.source)
        for number in numbers:
            if not is_backed(number, printed):
                at = text.find(number.text)
                context = " ".join(cell.source[max(0, at - 50):at + len(number.text) + 30].split())
                missing.append(QuotedNumber(index, number.text, context))
        for k, n in counts:
            if (k, n) not in printed_counts:
                at = text.find(f"{k} of {n}")
                missing.append(QuotedNumber(index, f"{k} of {n}",
                                            " ".join(cell.source[max(0, at - 50):at + 40].split())))
    return missing
