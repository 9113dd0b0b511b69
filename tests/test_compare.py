"""The paired comparison: mean difference, Student's t CI, resolution and verdict, checked by hand."""
import math

import numpy as np
import pytest
from scipy import stats

from lrcourse.compare import compare_runs, paired_difference, plot_paired

from helpers import tiny_shootout


def test_ci_is_students_t_on_the_paired_differences():
    a, b = [95.1, 95.6, 94.8, 95.9, 95.3], [95.9, 96.0, 95.9, 96.2, 96.1]
    c = paired_difference(a, b, metric="test accuracy", unit="pp", resolution=0.1)
    d = np.subtract(b, a)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    assert c.mean == pytest.approx(d.mean())
    assert c.ci == pytest.approx((d.mean() - half, d.mean() + half))
    assert not c.within_noise and c.wins == 5
    assert "B is better" in c.summary() and "resolution 0.1 pp" in c.summary() and "5 paired seeds" in c.summary()


def test_a_ci_that_covers_zero_is_within_noise():
    c = paired_difference([95.0, 96.0, 95.5], [95.4, 95.6, 95.5])
    assert c.ci[0] <= 0 <= c.ci[1] and c.within_noise and "within noise" in c.summary()


def test_lower_is_better_for_losses():
    c = paired_difference([0.30, 0.32, 0.31], [0.20, 0.21, 0.22], higher_is_better=False,
                          label_a="fixed", label_b="StepLR")
    assert c.mean < 0 and c.wins == 3 and c.verdict().startswith("StepLR is better")


def test_identical_one_digit_gains_are_not_better():
    # three seeds that each gain exactly one test digit: the difference is only known to ± a digit
    c = paired_difference([95.0, 95.5, 96.0], [95.1, 95.6, 96.1], unit="pp", resolution=0.1)
    low, high = c.ci
    half = stats.t.ppf(0.975, 2) * (0.1 / math.sqrt(6)) / math.sqrt(3)
    assert (low, high) == pytest.approx((0.1 - half, 0.1 + half))
    assert high - low > 0 and c.within_noise and "within noise" in c.summary()


def test_identical_differences_without_a_resolution_still_have_a_width():
    c = paired_difference([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    low, high = c.ci
    assert low < 1.0 < high  # float32's precision of the values, not zero
    assert not c.within_noise  # a difference of 1 is far beyond that


def test_digits_follow_the_interval_and_rows_subtract():
    c = paired_difference([0.2941, 0.3012, 0.2987], [0.2985, 0.3049, 0.3031], metric="loss")
    low, high = c.ci
    k = c.decimals
    assert k >= 3 and (high - low) / 2 >= 10 ** -k  # the half-width shows at least 2 significant digits
    assert f"(95% CI {low:+.{k}f} to {high:+.{k}f})" in c.summary()
    for row in c.table().splitlines()[1:]:
        _, a, b, diff = row.split()
        assert round(float(b) - float(a), k) == float(diff)
    assert paired_difference([1, 2, 3], [2, 4, 3]).decimals == 2


@pytest.mark.parametrize("a, b, match", [([1.0], [2.0], "at least 2 seeds"), ([1, 2], [1, 2, 3], "same order"),
                                         ([1, float("nan")], [1, 2], "finite")])
def test_bad_input_is_explained(a, b, match):
    with pytest.raises(ValueError, match=match):
        paired_difference(a, b)


def test_compare_runs_reads_a_shootout_seed_by_seed():
    import torch

    from lrcourse.shootout import Contestant

    result = tiny_shootout(num_epochs=1, seeds=(0, 1, 2))
    result.add(Contestant("faster", lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.9)), verbose=False)
    labels = list(result.test_acc)
    c = compare_runs(result, labels[0], labels[-1])
    expected = 100 * (np.array(result.test_acc[labels[-1]]) - np.array(result.test_acc[labels[0]]))
    assert c.diffs == pytest.approx(expected)
    assert c.resolution == pytest.approx(100 / len(result.data.test)) and c.unit == "pp"
    loss = compare_runs(result, labels[0], labels[-1], "train_loss")
    assert loss.higher_is_better is False and loss.unit == ""
    with pytest.raises(ValueError, match="No contestant"):
        compare_runs(result, labels[0], "nobody")


def test_the_plot_always_shows_zero_and_the_resolution():
    c = paired_difference([95.0, 95.1, 95.2], [95.1, 95.2, 95.3], unit="pp", resolution=0.1)
    ax = plot_paired(c)
    low, high = ax.get_xlim()
    assert low < 0 < high and high - low >= 0.6  # at least ± 3 resolutions wide
    assert len(ax.collections[0].get_offsets()) == 3  # one dot per seed


def test_the_plot_shows_every_seed_apart_from_the_mean():
    # three seeds whose middle one equals the mean: it must not hide behind the mean's marker
    c = paired_difference([95.0, 95.0, 95.0], [95.1, 95.2, 95.3], unit="pp", resolution=0.1)
    ax = plot_paired(c)
    dots = ax.collections[0].get_offsets()
    mean_marker = ax.containers[0].lines[0]
    assert dots[:, 0].tolist() == pytest.approx(c.diffs.tolist())
    assert mean_marker.get_xdata()[0] == pytest.approx(c.mean) == pytest.approx(dots[1, 0])
    assert len(set(dots[:, 1])) == 3 and min(dots[:, 1]) > mean_marker.get_ydata()[0]  # a band of their own
    low, high = ax.get_ylim()
    assert all(low < y < high for y in dots[:, 1])


def test_the_seed_rule_asks_for_more_seeds_as_the_noise_grows_and_says_when_none_suffice():
    from scipy import stats

    from lrcourse.compare import half_width, seed_rule, seeds_needed

    assert half_width(2.0, 5) == pytest.approx(stats.t.ppf(0.975, 4) * 2.0 / 5 ** 0.5)
    calm, noisy = [0.030, 0.020, 0.025], [0.030, 0.005, 0.040]
    assert seeds_needed(calm) < seeds_needed(noisy)
    n = seeds_needed(noisy)
    sd = float(np.std(noisy, ddof=1))
    assert half_width(sd, n) <= abs(np.mean(noisy)) / 2 < half_width(sd, n - 1)
    assert seeds_needed([0.01, -0.01, 0.001]) is None
    with pytest.raises(ValueError, match="at least 2"):
        seeds_needed([0.1])
    null = paired_difference([1.0, 1.0, 1.0, 1.0], [1.01, 0.99, 1.001, 1.0])
    assert "more than 40" in seed_rule(null)
