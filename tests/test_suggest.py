"""lrcourse.suggest: the rules named after fastai's return fastai's picks, and the max_lr rule.

The picks were stored from fastai's own functions by tests/fixtures/make_fastai_picks.py (see
there): 40 synthetic curves and 12 real ones (the MNIST CNN over 5 seeds, y = 2x), already trimmed as
fastai's lr_find trims them.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from lrcourse.suggest import METHODS, smooth_losses, suggest_lr, suggest_max_lr

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "fastai_picks.json").read_text())
CURVES = FIXTURE["curves"]


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


def test_slide_reads_the_raw_slope_in_loss_units():
    lrs = np.logspace(-5, 0, 101)
    i = np.arange(101)
    losses = 3 - 0.01 * i + np.where(i > 70, np.exp(0.3 * (i - 70)) - 1, 0.0)  # bends up at index 70
    found = int(np.argmin(abs(lrs - suggest_lr(lrs, losses, "slide", 0, 0))))
    assert found == 55  # the window's right end has reached the bend: its left end is 15 points before
    # scaling the loss moves the pick: thresh=0.005 is in loss units per point, as in fastai
    assert suggest_lr(lrs, losses / 1000, "slide", 0, 0) == pytest.approx(lrs[65])


def test_suggest_max_lr_is_minimum_on_a_lightly_smoothed_curve():
    lrs = np.logspace(-7, 1, 100)
    raw = (np.log10(lrs) + 2) ** 2 + 0.1
    assert suggest_max_lr(lrs, raw) == suggest_lr(lrs, smooth_losses(raw, 0.9), "minimum")
    assert suggest_max_lr(lrs, raw, beta=0.0) == pytest.approx(lrs[np.argmin(raw)] / 10)
