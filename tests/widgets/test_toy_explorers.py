"""The gradient-descent explorer draws lrcourse.toy's numbers for the slider's rate."""
import numpy as np
import pytest

from lrcourse.toy import gradient_descent_1d, stability_limit
from lrcourse.widgets import explore_gradient_descent


def test_gradient_descent_explorer_follows_the_slider():
    ex = explore_gradient_descent(lr=0.01, num_steps=10)
    expected = gradient_descent_1d([1, 2, 3, 4], [2, 4, 6, 8], 0.01, 0.0, 10)
    np.testing.assert_allclose(ex.lines["path"][0], expected["w"])
    np.testing.assert_allclose(ex.lines["loss"][1], np.clip(expected["loss"], 1e-16, 1e16))
    np.testing.assert_allclose(ex.curve["w"], expected["w"])
    assert "too small" in ex.message.value
    for lr, regime in ((1 / 15, "just right"), (0.12, "oscillating"), (0.14, "diverging")):
        ex.set(lr=lr)
        assert regime in ex.message.value
    # the limit line sits at 2/L and the marker at the current lr
    assert ex.lines["limit"][0][0] == pytest.approx(stability_limit([1, 2, 3, 4])) == ex.limit
    assert ex.lines["marker"][0][0] == pytest.approx(0.14, abs=1e-3)
    assert ex.curve["sweep_loss"][-1] == pytest.approx(ex.lines["sweep"][1][-1])
    ex2 = explore_gradient_descent(x=(1, 2, 3, 4, 5, 6), lr=0.01)
    assert ex2.limit == pytest.approx(2 / (2 * np.mean(np.arange(1, 7) ** 2)))


def test_moving_several_sliders_at_once():
    ex = explore_gradient_descent(lr=0.01, num_steps=10)
    ex.set(lr=0.05, num_steps=30, w0=1.0)
    assert ex.settings() == {"lr": 0.05, "num_steps": 30, "w0": 1.0}
    assert len(ex.lines["loss"][1]) == 31 and ex.curve["w"][0] == 1.0
