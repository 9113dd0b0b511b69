"""The prose check: numbers quoted as results must be printed by an output, at the same rounding."""
import nbformat
import pytest

from lrcourse.prose import is_backed, parse_numbers, quoted_numbers, unbacked_numbers


def _nb(printed: str, *markdown: str):
    cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("stream", name="stdout", text=printed)])]
    return nbformat.v4.new_notebook(cells=cells + [nbformat.v4.new_markdown_cell(m) for m in markdown])


@pytest.mark.parametrize("quoted, printed", [
    ("0.36", "loss 0.361"), ("95.4%", "val acc 95.4"), ("+0.48", "+0.48 (-0.14 to +1.10)"),
    ("−1.08", "-1.08 (-1.84 to -0.32)"), ("4.2e-7", "|w - w*| = 4.21e-07"), ("3,500", "3,500 train"),
    ("0.00036", "floor 0.000362"),
])
def test_a_result_rounded_as_printed_is_backed(quoted, printed):
    [number] = parse_numbers(quoted)
    assert is_backed(number, parse_numbers(printed))


@pytest.mark.parametrize("quoted, printed", [
    ("0.0002", "floor 0.00036"), ("0.006", "floor 0.00682"), ("+0.76", "+0.48 (-0.14 to +1.10)"),
    ("−0.12", "+0.12"), ("0.361", "0.36"), ("2.8e-7", "4.2e-07"),
])
def test_a_number_no_output_prints_is_not(quoted, printed):
    [number] = parse_numbers(quoted)
    assert not is_backed(number, parse_numbers(printed))


def test_settings_theory_citations_and_plain_counts_are_not_results():
    text = ("With `lr=0.15` and $1/L = 0.25$, see [pytorch#44511](https://github.com/x/y/issues/44511), "
            "torch 2.15.0, Smith (2017), §7.2, arXiv:1506.01186. ## 3. Over 3 seeds at epoch 6.")
    numbers, counts, _ = quoted_numbers(text)
    assert numbers == [] and counts == []


def test_old_capstone_prose_is_caught():
    # 08's conclusions once quoted a run that was no longer in the notebook
    nb = _nb("schedule-free AdamW  0.01  96.36  +0.48 (-0.14 to +1.10)   4/5   0.12  tie (CI covers 0)\n",
             "Schedule-free AdamW is ahead: +0.76 (95% CI +0.65 to +0.87), ahead on 5 of 5 seeds.",
             "It ties: +0.48 (95% CI −0.14 to +1.10), ahead on 4 of 5 seeds.")
    missing = unbacked_numbers(nb)
    assert [q.text for q in missing] == ["+0.76", "+0.65", "+0.87", "5 of 5"]
    assert {q.cell for q in missing} == {1}
    assert "ahead" in missing[0].context
