"""Verdicts read from outputs, and compared between two runs of a notebook."""
import nbformat
import pytest

from lrcourse import cli
from lrcourse.device import apply_thread_setting
from lrcourse.verdicts import check_verdicts, compare_verdicts, extract_verdicts

STORED = """\
Device: cpu (2 threads)
final training loss, StepLR(4, 0.1) − fixed lr=0.2: -0.04 (95% CI -0.08 to +0.01), 3 paired seeds, better on 3 of 3; within noise: the 95% CI covers 0
test accuracy, ExponentialLR(0.691) − linear: +0.07 pp (95% CI -0.22 to +0.35 pp), 3 paired seeds; resolution 0.1 pp, better on 1 of 3; linear is better: the 95% CI excludes 0
tuned AdamW + cosine           val acc by peak rate (0.001: 92.6%, 0.003: 95.2%, 0.01: 95.4%) -> 0.01
schedule-free AdamW     0.01      96.36  +0.48 (-0.14 to +1.10)   4/5         0.12  tie (CI covers 0)
SGD + cosine             0.1      94.80  -1.08 (-1.84 to -0.32)   0/5         0.06  behind
SGD + cosine             0.1      95.58  -0.44 (-1.01 to +0.13)   0/5         0.25  tie (CI covers 0)
seed 1: epoch 8: 0.28 is not better than the best 0.2474 (needs < 0.2449); 2 bad epochs > patience 1, so lr 0.1 -> 0.05
"""


def _nb(text):
    out = nbformat.v4.new_output("stream", name="stdout", text=text)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[out])])


def test_every_kind_of_verdict_is_read():
    v = extract_verdicts(_nb(STORED))
    assert v == {
        "final training loss, StepLR(4, 0.1) − fixed lr=0.2": "within noise",
        "test accuracy, ExponentialLR(0.691) − linear": "linear is better",
        "tuned AdamW + cosine": "-> 0.01",
        "schedule-free AdamW (scoreboard row)": "tie (CI covers 0) at lr 0.01",
        "SGD + cosine (scoreboard row)": "behind at lr 0.1",
        "SGD + cosine (scoreboard row) (2)": "tie (CI covers 0) at lr 0.1",
        "seed 1 reductions": "epoch 8: 0.1 -> 0.05",
    }


def test_numbers_may_move_but_a_flipped_verdict_is_listed():
    moved = (STORED.replace("-0.04 (95% CI -0.08", "-0.05 (95% CI -0.09")
             .replace("-> 0.01", "-> 0.003").replace("0.06  behind", "0.06  tie (CI covers 0)"))
    flips = compare_verdicts(extract_verdicts(_nb(STORED)), extract_verdicts(_nb(moved)), "08")
    assert [(f.key, f.stored, f.rerun) for f in flips] == [
        ("tuned AdamW + cosine", "-> 0.01", "-> 0.003"),
        ("SGD + cosine (scoreboard row)", "behind at lr 0.1", "tie (CI covers 0) at lr 0.1")]


def test_a_verdict_only_one_run_states_is_a_difference():
    [flip] = compare_verdicts({"a": "ahead"}, {}, "x")
    assert flip.stored == "ahead" and flip.rerun is None


def test_threads_come_from_the_environment_and_bad_values_are_explained(monkeypatch):
    import torch

    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("LRCOURSE_THREADS", "1")
        assert apply_thread_setting() == 1
        monkeypatch.setenv("LRCOURSE_THREADS", "two")
        with pytest.raises(ValueError, match="positive whole number"):
            apply_thread_setting()
    finally:
        torch.set_num_threads(before)


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_the_command_reruns_a_notebook_at_one_thread_and_compares(tmp_path, capsys):
    # a notebook whose verdict depends on the thread count, stored as if run at 2 threads
    source = ("# %%\nimport torch\nfrom lrcourse.device import apply_thread_setting\n"
              "n = apply_thread_setting()\nprint(f'Device: cpu ({n} threads)')\n"
              "print(f'tuned toy   val acc by peak rate (0.1: 90%) -> {0.1 * n:g}')\n")
    (tmp_path / "toy.py").write_text(source)
    nb = _nb("Device: cpu (2 threads)\ntuned toy   val acc by peak rate (0.1: 90%) -> 0.2\n")
    nbformat.write(nb, tmp_path / "toy.ipynb")
    [flip] = check_verdicts(["toy"], threads=1, folder=tmp_path, verbose=False)
    assert (flip.key, flip.stored, flip.rerun) == ("tuned toy", "-> 0.2", "-> 0.1")
    with pytest.raises(ValueError, match="positive whole number"):
        check_verdicts(["toy"], threads=0, folder=tmp_path)


def test_solution_cells_are_not_read():
    # stored solutions carry no outputs; a re-run's would look like verdicts only one run states
    nb = _nb(STORED)
    out = nbformat.v4.new_output("stream", name="stdout", text="epoch 6: x; so lr 0.1 -> 0.05\n")
    nb.cells.append(nbformat.v4.new_code_cell("", outputs=[out], metadata={"tags": ["solution"]}))
    assert extract_verdicts(nb) == extract_verdicts(_nb(STORED))


def test_a_moved_plateau_cut_is_a_decision_listed_apart_and_only_a_verdict_fails():
    from lrcourse.verdicts import Flip, format_flips

    cut = Flip("04", "seed 2 reductions", "epoch 4: 0.1 -> 0.01", "epoch 3: 0.1 -> 0.01")
    verdict = Flip("04", "test loss, B − A", "B is better", "within noise")
    assert cut.is_decision and not verdict.is_decision
    text = format_flips([cut])
    assert text.startswith("Every verdict is the same") and "Plateau decisions that moved" in text
    assert format_flips([verdict, cut]).index("test loss") < format_flips([verdict, cut]).index("Plateau")
