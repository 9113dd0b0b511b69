"""lrcourse.checks.core: the registry, check() and its "unanswered" handling, for every exercise."""
import re
from pathlib import Path

import pytest

from lrcourse.checks import FAIL, PASS, CheckResult, check, exercises
from lrcourse.checks import core
from lrcourse.checks.core import Unanswered, require_answer

NOTEBOOK_ORDER = ["00", "01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.mark.parametrize("exercise_id", sorted(exercises()))
def test_a_blank_answer_restates_the_task(exercise_id):
    for blank in (..., None):
        result = check(exercise_id, blank)
        assert not result and str(result).startswith(f"{FAIL} {exercise_id}: Not yet. Replace the ...")
        assert exercises()[exercise_id] in result.message


def test_importing_the_package_registers_every_notebook_in_order():
    # core's doctest registers an "xx." exercise: only the notebooks' ids count here
    notebooks = [ex[:2] for ex in exercises() if ex[:2].isdigit()]
    assert sorted(set(notebooks)) == NOTEBOOK_ORDER
    assert notebooks == sorted(notebooks), "`lrcourse exercises` lists them notebook by notebook"
    solved = set()  # every registered exercise has a solution in its notebook, and no more
    for path in sorted(Path(__file__).resolve().parents[2].glob("notebooks/*.py")):
        solved |= set(re.findall(r'^check\("(\d\d\.\w+)"', path.read_text(), re.M))
    assert set(ex for ex in exercises() if ex[:2].isdigit()) == solved


def test_every_notebook_from_01_has_2_to_4_exercises():
    per_notebook = {}
    for ex in exercises():
        if ex[:2].isdigit() and not ex.split(".")[1].startswith("fix_"):  # 07's exhibit fixes live in its sections
            per_notebook[ex[:2]] = per_notebook.get(ex[:2], 0) + 1
    assert per_notebook and all(2 <= n <= 4 for n in per_notebook.values()), per_notebook


def test_an_unknown_exercise_is_an_error_that_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown exercise 'xx.nope'. Known: 00.cosine_at_20, "):
        check("xx.nope", 1)


def test_an_answer_that_crashes_is_explained_not_raised():
    result = check("00.read_lr", "twelve")
    assert not result and result.message.startswith("Running your answer raised ValueError: ")


def test_a_function_that_returns_the_placeholder_is_unanswered():
    result = check("04.mode_max", lambda opt: ...)
    assert not result and "Replace the ..." in result.message


def test_require_answer():
    assert require_answer(0) == 0 and require_answer([]) == []
    for blank in (..., None):
        with pytest.raises(Unanswered):
            require_answer(blank)


def test_check_result_shows_as_text_and_escaped_html():
    passed, failed = CheckResult("00.demo", True, "well done"), CheckResult("00.demo", False, "use a < b & c")
    assert passed and not failed
    assert str(passed) == repr(passed) == f"{PASS} 00.demo: Correct. well done"
    assert str(failed) == f"{FAIL} 00.demo: Not yet. use a < b & c"
    html = failed._repr_html_()  # what Jupyter shows
    assert "use a &lt; b &amp; c" in html and "#b3261e" in html
    assert "#1b7f3b" in passed._repr_html_()


def test_every_notebook_import_from_lrcourse_checks_resolves():
    notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    lines = {line for py in notebooks.glob("*.py") for line in py.read_text().splitlines()
             if line.startswith("from lrcourse.checks import")}
    assert any("mystery_curves" in line for line in lines)
    for line in sorted(lines):
        exec(line, {})


def test_strict_mode_raises_on_a_wrong_answer_but_not_on_a_gap(monkeypatch):
    monkeypatch.setenv(core.STRICT_ENV, "1")
    with pytest.raises(AssertionError, match="02.halve_every_5 was expected to pass"):
        core.check("02.halve_every_5", 0.05)
    assert not core.check("02.halve_every_5", ...).passed  # a gap is a hint, even in strict mode
    assert core.check("02.halve_every_5", 0.025).passed
    # a broken form shown on purpose must fail; passing is then the error
    assert not core.check("02.halve_every_5", 0.05, expect_pass=False).passed
    with pytest.raises(AssertionError, match="expected to fail"):
        core.check("02.halve_every_5", 0.025, expect_pass=False)


@pytest.fixture
def kernel(monkeypatch):
    """A stand-in Jupyter kernel: get_ipython() returns a shell with a kernel; display() calls are recorded."""
    import types

    import IPython
    import IPython.display

    shell = types.SimpleNamespace(kernel=object(), execution_count=7)
    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    return shell, shown


def test_in_a_kernel_check_shows_its_verdict_once_wherever_it_stands(kernel):
    shell, shown = kernel
    result = check("00.read_lr", "twelve")
    [(bundle, raw)] = shown  # shown by the call itself, with more code after it or not
    assert raw and bundle["text/plain"] == str(result) and bundle["text/html"] == result._repr_html_()
    result._ipython_display_()  # the same cell's last expression: not shown a second time
    assert len(shown) == 1
    shell.execution_count += 1  # a later cell that shows the result again
    result._ipython_display_()
    assert len(shown) == 2 and shown[1][0]["text/plain"].startswith(f"{FAIL} 00.read_lr: Not yet.")


def test_outside_a_kernel_check_displays_nothing(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append(a))
    result = check("00.read_lr", ...)
    assert not result and shown == []


def test_strict_mode_raises_before_showing_a_verdict(kernel, monkeypatch):
    _, shown = kernel
    monkeypatch.setenv(core.STRICT_ENV, "1")
    with pytest.raises(AssertionError, match="expected to pass"):
        check("02.halve_every_5", 0.05)
    assert shown == []


@pytest.mark.slow  # starts a real Jupyter kernel
def test_a_real_kernel_shows_the_verdict_once_even_with_code_after_the_check(tmp_path):
    from lrcourse.nbtools import execute_notebook

    nb_py = tmp_path / "nb.py"
    nb_py.write_text("# %%\nfrom lrcourse.checks import check\n\n"
                     "# %%\ncheck('03.gamma_for_target', 0.01 ** (1 / 20))\nx = 1\n\n"
                     "# %%\ncheck('03.gamma_for_target', 0.5)\n")
    nb, _, _ = execute_notebook(nb_py, timeout=120)
    after, last = nb.cells[1].outputs, nb.cells[2].outputs
    assert [o["output_type"] for o in after] == ["display_data"] and PASS in after[0]["data"]["text/plain"]
    assert [o["output_type"] for o in last] == ["display_data"] and FAIL in last[0]["data"]["text/plain"]
