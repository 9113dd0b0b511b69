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
from lrcourse.schedules import lr_curve  # noqa: E402
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
