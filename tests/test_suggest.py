"""lrcourse.suggest: the swept rates, the smoothing, each rule on curves built for it, fastai's picks, the max_lr rule.

The picks were stored from fastai's own functions by tests/fixtures/make_fastai_picks.py (see
there): 40 synthetic curves and 12 real ones (the MNIST CNN over 5 seeds, y = 2x), already trimmed as
fastai's lr_find trims them.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from lrcourse.suggest import METHODS, smooth_losses, suggest_lr, suggest_max_lr, sweep_lrs

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "fastai_picks.json").read_text())
CURVES = FIXTURE["curves"]
LRS = np.logspace(-5, 0, 101)
X = np.log10(LRS)


def test_the_fixture_holds_synthetic_and_real_curves():
    names = [c["name"] for c in CURVES]
    assert sum(n.startswith("synthetic") for n in names) >= 40
    assert sum(n.startswith("mnist_cnn") for n in names) >= 5
    assert set(CURVES[0]["picks"]) == set(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_every_rule_returns_fastais_pick_on_every_stored_curve(method):
    wrong = []
    for curve in CURVES:
        lrs = np.asarray(curve["lrs"], dtype=np.float32).astype(float)  # the float32 values fastai saw
        losses = np.asarray(curve["losses"], dtype=np.float32).astype(float)
        ours = suggest_lr(lrs, losses, method, skip_start=0, skip_end=0)
        if not ours == pytest.approx(curve["picks"][method], rel=1e-6):
            wrong.append((curve["name"], ours, curve["picks"][method]))
    assert not wrong, wrong


def test_default_trim_is_fastais_lr_find_trim():
    lrs = np.logspace(-7, 1, 100)
    losses = smooth_losses(2 - np.tanh(np.log10(lrs) + 3) + np.exp(np.log10(lrs)), 0.98)
    for method in METHODS:  # [num_it // 10 : -5] for 100 points
        assert suggest_lr(lrs, losses, method) == suggest_lr(lrs[10:-5], losses[10:-5], method, 0, 0)


def test_a_nan_ends_the_curve_as_in_fastai():
    lrs = np.logspace(-4, 0, 41)
    losses = (np.log10(lrs) + 2) ** 2
    losses[30] = np.nan
    assert suggest_lr(lrs, losses, "minimum", 0, 0) == suggest_lr(lrs[:30], losses[:30], "minimum", 0, 0)


def test_slide_lands_where_the_curve_bends_up_reading_the_raw_slope_in_loss_units():
    lrs = np.logspace(-5, 0, 101)
    i = np.arange(101)
    bend, window = 70, 15  # the curve bends up after index 70; fastai's lr_diff is 15 points
    losses = 3 - 0.01 * i + np.where(i > bend, np.exp(0.3 * (i - bend)) - 1, 0.0)
    found = int(np.argmin(abs(lrs - suggest_lr(lrs, losses, "slide", 0, 0))))
    assert found == bend - window  # the window slid left until its right end reached the bend
    straight = 3 - 0.01 * i  # no bend at all: the window's ends agree at once, at the right end
    assert suggest_lr(lrs, straight, "slide", 0, 0) == pytest.approx(lrs[len(lrs) - 1 - window])
    # scaling the loss moves the pick: thresh=0.005 is in loss units per point, as in fastai
    scaled = int(np.argmin(abs(lrs - suggest_lr(lrs, losses / 1000, "slide", 0, 0))))
    assert bend - window < scaled < bend


def test_suggest_max_lr_is_minimum_on_a_lightly_smoothed_curve():
    lrs = np.logspace(-7, 1, 100)
    raw = (np.log10(lrs) + 2) ** 2 + 0.1
    assert suggest_max_lr(lrs, raw) == suggest_lr(lrs, smooth_losses(raw, 0.9), "minimum")
    assert suggest_max_lr(lrs, raw, beta=0.0) == pytest.approx(lrs[np.argmin(raw)] / 10)


def test_sweep_lrs_is_geometric_or_linear_from_start_to_end():
    np.testing.assert_allclose(sweep_lrs(1e-5, 1.0, 11), np.geomspace(1e-5, 1.0, 11), rtol=1e-12)
    np.testing.assert_allclose(sweep_lrs(0.1, 1.0, 10, "linear"), np.linspace(0.1, 1.0, 10), rtol=1e-12)


def test_sweep_lrs_errors():
    with pytest.raises(ValueError, match="step_mode"):
        sweep_lrs(1e-3, 1, 10, "log")


def test_smoothing_is_the_debiased_moving_average_of_the_raw_losses():
    assert smooth_losses([3.0, 3.0, 3.0], 0.98) == pytest.approx([3.0, 3.0, 3.0])
    beta, raw = 0.9, [4.0, 2.0, 1.0]
    m1 = (1 - beta) * 4.0
    m2 = beta * m1 + (1 - beta) * 2.0
    m3 = beta * m2 + (1 - beta) * 1.0
    assert smooth_losses(raw, beta) == pytest.approx([m1 / (1 - beta), m2 / (1 - beta ** 2), m3 / (1 - beta ** 3)])
    assert smooth_losses(raw, 0.0).tolist() == raw
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        smooth_losses(raw, 1.0)


def test_steep_is_where_the_loss_falls_fastest():
    losses = 2 - np.tanh(2 * (X + 3))  # falls fastest at lr = 1e-3, between two points on each side
    found = suggest_lr(LRS, losses, "steep", 0, 0)  # forward differences: the segment's left end
    assert found == pytest.approx(LRS[40]) or found == pytest.approx(LRS[39])


def test_minimum_is_the_lowest_point_divided_by_10():
    losses = (X + 2) ** 2  # lowest at lr = 1e-2
    assert suggest_lr(LRS, losses, "minimum", 0, 0) == pytest.approx(1e-3)


def test_valley_is_the_middle_of_the_longest_descending_stretch():
    losses = np.full(101, 2.0)
    losses[20:61] = np.linspace(2.0, 0.5, 41)  # descends from index 20 to 60
    losses[61:] = np.linspace(0.6, 3.0, 40)
    losses[40] += 0.001  # a blip does not break the stretch (a subsequence skips it)
    # fastai: the chain's length (41) counted back from its end (60) is the start, 19; then about the middle
    assert suggest_lr(LRS, losses, "valley", 0, 0) == pytest.approx(LRS[19 + 13 + 6])


def test_skip_start_and_skip_end_trim_the_curve():
    losses = (X + 2) ** 2
    assert suggest_lr(LRS, losses, "minimum", 0, 70) == pytest.approx(LRS[30] / 10)
    assert suggest_lr(LRS, losses, "minimum", 70, 0) == pytest.approx(LRS[70] / 10)


@pytest.mark.parametrize("method", METHODS)
def test_short_or_flat_curves_give_clear_errors(method):
    with pytest.raises(ValueError, match="at least 5 points"):
        suggest_lr(LRS[:10], X[:10] ** 2, method, skip_start=4, skip_end=3)
    with pytest.raises(ValueError, match="flat"):
        suggest_lr(LRS, np.ones(101), method, 0, 0)


def test_an_unknown_method_lists_the_known_ones():
    with pytest.raises(ValueError, match=", ".join(METHODS)):
        suggest_lr(LRS, X ** 2, "fastai")
