"""Plot helpers draw where they are told, return what a widget needs, and read in any theme."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lrcourse.data import noisy_linear_data  # noqa: E402
from lrcourse.models import linear_model  # noqa: E402
from lrcourse.plots import new_axes, plot_history, plot_lr_curve, plot_runs  # noqa: E402
from lrcourse.curves import lr_curve  # noqa: E402
from lrcourse.train import fit  # noqa: E402


def _run(lr, label):
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, 1, 0.5)
    return fit(model, noisy_linear_data(32, device="cpu"), opt, sched, num_epochs=3, batch_size=8,
               val_data=noisy_linear_data(8, seed=1, device="cpu"), progress=False, label=label)


def test_lr_curve_draws_on_given_axes_without_a_new_figure():
    fig, ax = new_axes()
    before = plt.get_fignums()
    lrs = lr_curve("StepLR", 30, step_size=10, gamma=0.9)
    line = plot_lr_curve(lrs, ax=ax, log=True, label="StepLR")
    assert plt.get_fignums() == before
    np.testing.assert_array_equal(line.get_ydata(), lrs)
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    plt.close(fig)


def test_lr_curve_rejects_empty():
    with pytest.raises(ValueError, match="non-empty"):
        plot_lr_curve([])


def test_history_has_loss_accuracy_and_lr_on_shared_x():
    h = _run(0.05, "a")
    fig, axes = new_axes(3, 1, sharex=True)
    plot_history(h, axes=axes)
    assert [ax.get_ylabel() for ax in axes] == ["loss", "val accuracy", "learning rate"]
    np.testing.assert_array_equal(axes[2].lines[0].get_ydata(), h.lr)
    assert axes[0].get_shared_x_axes().joined(axes[0], axes[2])
    plt.close(fig)


def test_runs_overlay_one_colour_each():
    runs = [_run(0.05, "slow"), _run(0.2, "fast")]
    axes = plot_runs(runs)
    colours = {ln.get_color() for ln in axes[2].lines}
    assert len(axes[2].lines) == 2 and len(colours) == 2
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels == ["slow: train (epoch mean)", "slow: validation", "fast: train (epoch mean)", "fast: validation"]
    plt.close("all")


def test_figures_are_opaque_white_for_dark_themes():
    fig, ax = new_axes()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0) and fig.get_facecolor()[3] == 1.0
    assert ax.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    plt.close(fig)


# ---------------------------------------------------------------- shoot-out
from lrcourse.plots import plot_leaderboard, plot_shootout  # noqa: E402
from lrcourse.results import Row, Runs  # noqa: E402
from lrcourse.shootout import Contestant, ShootoutResult  # noqa: E402
from lrcourse.train import History  # noqa: E402


def _rows(split="test", shift=0.0):
    """Three rows whose means are 97, 96.5 and 95 % and whose sample stds are 0.2, 0.4 and 1 point."""
    return [Row(label, split, (mean - std + shift, mean + std + shift))
            for label, mean, std in (("best", 0.97, 0.002 / 2 ** 0.5), ("mid", 0.965, 0.004 / 2 ** 0.5),
                                     ("last", 0.95, 0.01 / 2 ** 0.5))]


def test_leaderboard_points_best_on_top_with_error_bars_on_given_axes():
    fig, ax = new_axes()
    before = plt.get_fignums()
    out = plot_leaderboard(_rows(), ax=ax, highlight=("mid",))
    assert out is ax and plt.get_fignums() == before
    assert [t.get_text() for t in ax.get_yticklabels()] == ["last", "mid", "best"]  # bottom-up
    from matplotlib.container import ErrorbarContainer
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    np.testing.assert_allclose([b.lines[0].get_xdata()[0] for b in bars], [95.0, 96.5, 97.0])  # the means
    segments = [b.lines[2][0].get_segments()[0] for b in bars]  # mean ± std
    np.testing.assert_allclose([[seg[0][0], seg[1][0]] for seg in segments], [[94.0, 96.0], [96.1, 96.9], [96.8, 97.2]])
    assert bars[1].lines[0].get_color() != bars[0].lines[0].get_color()  # the highlighted one
    lo, hi = ax.get_xlim()
    assert lo <= 94.0 and hi >= 97.2 and hi - lo >= 2.0
    assert not ax.patches  # no bars cut off at the axis
    fig2, ax2 = new_axes()
    plot_leaderboard(_rows("val", shift=-0.01), ax=ax2)
    assert "validation" in ax2.get_xlabel()
    plt.close(fig)
    plt.close(fig2)


def test_leaderboard_with_nothing_to_show():
    fig, ax = new_axes()
    plot_leaderboard([], ax=ax)
    assert ax.texts[0].get_text() == "no contestants yet"
    plt.close(fig)


def _fake_result():
    r = ShootoutResult(data=None, seeds=(0, 1), num_epochs=2, batch_size=64, target_acc=0.9)
    for label, lr, acc in (("a", 0.1, 0.95), ("b", 0.01, 0.9)):
        hs = []
        for seed in (0, 1):
            h = History(label=label)
            h.steps.update(epoch=[1, 1, 2, 2], lr=[[lr]] * 2 + [[lr / 2]] * 2, momentum=[None] * 4,
                           loss=[2.0, 1.5, 1.2, 1.0])
            h.epochs.update(epoch=[1, 2], train_loss=[1.7, 1.1], val_loss=[1.6, 1.0],
                            val_acc=[acc - 0.05, acc + 0.01 * seed], time=[0.1, 0.1])
            hs.append(h)
        r.runs[label] = Runs(Contestant(label, None), hs, [acc, acc + 0.01], [0.2, 0.2])
    return r


def test_shootout_figure_shows_every_seed_and_each_family_rates():
    r = _fake_result()
    fig, axes = new_axes(1, 3)
    out = plot_shootout(r, axes=axes, groups={"SGD": ["a"], "Adam": ["b"]})
    ax_dots, ax_sgd, ax_adam = out
    at = {t.get_text(): y for t, y in zip(ax_dots.get_yticklabels(), ax_dots.get_yticks())}
    assert at["a"] > at["b"]  # the best (a) at the top
    dots = np.concatenate([c.get_offsets()[:, 0] for c in ax_dots.collections])
    np.testing.assert_allclose(sorted(dots), [90.0, 91.0, 95.0, 96.0])  # every seed's test accuracy, in %
    lo, hi = ax_dots.get_xlim()
    assert hi - lo >= 2.0  # never zoomed in on a gap of a few digits
    assert [line.get_label() for line in ax_sgd.lines] == ["a"] and [line.get_label() for line in ax_adam.lines] == ["b"]
    np.testing.assert_allclose(ax_sgd.lines[0].get_ydata(), [0.1, 0.1, 0.05, 0.05])
    np.testing.assert_allclose(ax_sgd.lines[0].get_xdata(), [0, 0.5, 1.0, 1.5])  # epochs
    assert ax_sgd.get_yscale() == "linear"
    r.rank_by, r.sealed = "val_acc", True  # ranked by validation: the dots are the final validation accuracies
    fig2, axes2 = new_axes(1, 2)
    plot_shootout(r, axes=axes2)
    dots = np.concatenate([c.get_offsets()[:, 0] for c in axes2[0].collections])
    np.testing.assert_allclose(sorted(dots), [90.0, 91.0, 95.0, 96.0])
    assert "validation" in axes2[0].get_xlabel()
    plt.close(fig)
    plt.close(fig2)
