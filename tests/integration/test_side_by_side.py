"""lrcourse side-by-side: one notebook in two kernels at once, each timed by its own "code ran in" line."""
from lrcourse import cli
from lrcourse.nbtools import execute_side_by_side

SOURCE = """# %%
import time
from lrcourse.device import apply_thread_setting
start = time.perf_counter()
print(f"threads {apply_thread_setting()}")
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on cpu.")
"""


def test_two_kernels_run_together_and_each_reports_its_time(tmp_path):
    (tmp_path / "tiny.py").write_text(SOURCE)
    runs = execute_side_by_side(tmp_path / "tiny.py", copies=2, threads=1)
    assert len(runs) == 2 and all(r["code_s"] == 0 and r["seconds"] > 0 for r in runs)


def test_a_missing_notebook_is_named(capsys):
    assert cli.main(["side-by-side", "99_nothing"]) == 2
    assert "No notebook 99_nothing.py" in capsys.readouterr().out
