"""The notebooks as files: running them with time and peak memory, and their sources written without tool versions."""
import json

import pytest

from lrcourse import cli, nbtools


@pytest.mark.slow  # starts a real Jupyter kernel
def test_notebooks_reports_time_and_peak_memory(tmp_path, monkeypatch, capsys):
    # a tiny notebook that holds 200 MB for a moment, then frees it: the peak must still count it
    (tmp_path / "tiny.py").write_text(
        "# %% [markdown]\n# A tiny notebook\n\n"
        "# %%\nimport time\nimport numpy as np\n\n"
        "block = np.ones(200 * 2**20 // 8)  # 200 MB, every page written\n"
        "time.sleep(0.3)\ndel block\n")
    monkeypatch.setattr(nbtools, "notebooks_dir", lambda: tmp_path)
    assert cli.main(["notebooks", "tiny", "--no-write", "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tiny: executed in ") and "peak memory" in out[0] and " MB" in out[0]
    [result] = json.loads(out[-1])
    assert result["notebook"] == "tiny" and result["seconds"] > 0
    assert 200 < result["peak_mb"] < 2000  # the 200 MB block plus a bare kernel (tens of MB)
    assert not (tmp_path / "tiny.ipynb").exists()  # --no-write stores nothing
    [again] = nbtools.run_notebooks(["tiny"], write=False, verbose=False, folder=tmp_path)
    assert 200 < again["peak_mb"] < 2000


