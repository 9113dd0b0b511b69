"""The finder explorer re-reads a stored range test: LRFinder's smoothing and suggestions, nothing re-run."""
import numpy as np
import pytest

from helpers import stored_finder
from lrcourse.widgets import explore_finder

LRS = np.logspace(-5, 0, 101)
X = np.log10(LRS)


def test_the_explorer_re_reads_the_stored_curve_without_re_running():
    finder = stored_finder(LRS, (X + 2) ** 2 + 0.01)
    ex = explore_finder(finder, skip_start=0, skip_end=0, log_loss=True, marks={"limit": 0.5})
    assert ex.figure.axes[0].get_yscale() == "log"
    ex.set(beta=0.0)
    assert ex.suggestions["minimum"] == pytest.approx(1e-3)
    ex.set(beta=0.9)  # the smoothed curve lags: its minimum moves right
    assert ex.suggestions["minimum"] > 1e-3
    np.testing.assert_array_equal(ex.curve["loss"], finder.smoothed(0.9))  # LRFinder's smoothing, not a copy
    ex.set(skip_end=50)  # the slider's end: half the points; the lowest left is the last
    assert ex.suggestions["minimum"] == pytest.approx(LRS[50] / 10)
    drawn = {tuple(line.get_ydata()[:3]) for line in ex.figure.axes[0].lines}
    for name in ("loss", "raw_loss"):  # the panel's lines are the ones drawn, without the skipped end
        x, y = ex.lines[name]
        assert len(x) == len(y) == 51 and tuple(y[:3]) in drawn
    ex.set(log_loss=False)
    assert ex.figure.axes[0].get_yscale() == "linear"
    assert "points shown" in ex.message.value


def test_a_finder_without_a_curve_is_refused():
    finder = stored_finder([], [])
    with pytest.raises(ValueError, match="range_test"):
        explore_finder(finder)
