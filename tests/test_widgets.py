"""Headless widget tests: set values programmatically, and the plotted data is torch's own curve."""
import numpy as np
import pytest
import torch

from lrcourse.curves import lr_curve
from lrcourse.widgets import (EXPLORER_NAMES, SPECS, LiveFigure, build_scheduler, default_params,
                              explore_schedule, explorer_curve, validation_curve)


def _plotted(ex):
    return np.asarray(ex.line.get_ydata(), dtype=float)


def _expected(ex):
    s = ex.settings()
    name, params = s["name"], s["params"]
    spe, epochs = s["steps_per_epoch"], s["num_epochs"]
    per = SPECS[name]["per"]
    n = epochs * spe if per == "batch" else epochs
    metrics = validation_curve(epochs) if per == "plateau" else None
    lrs = lr_curve(lambda opt: build_scheduler(name, opt, params, n), n, lr=s["lr"], metrics=metrics)
    return lrs if per == "batch" else np.repeat(lrs, spe)


#: one slider move per scheduler: (control, new value)
MOVES = {
    "fixed": ("lr", 0.05), "StepLR": ("gamma", 0.3), "MultiStepLR": ("milestones", (5, 12)), "ConstantLR": ("factor", 0.25),
    "LinearLR": ("total_iters", 20), "ExponentialLR": ("gamma", 0.8), "PolynomialLR": ("power", 2.0),
    "CosineAnnealingLR": ("T_max", 10), "CosineAnnealingWarmRestarts": ("T_mult", 1),
    "CyclicLR": ("mode", "triangular2"), "OneCycleLR": ("pct_start", 0.5),
    "LambdaLR": ("lr_lambda", "inverse time: 1/(1 + 0.1 t)"),
    "MultiplicativeLR": ("lr_lambda", "x 0.9 every step"), "SequentialLR": ("warmup_epochs", 10),
    "ReduceLROnPlateau": ("patience", 1), "TimeBasedLR": ("k", 0.5), "WallClockLR": ("period", 2.0),
}


def test_moves_cover_every_explorer_scheduler():
    assert set(MOVES) == set(EXPLORER_NAMES)
    import torch.optim.lr_scheduler as S
    torch_classes = {n for n in dir(S) if n.endswith("LR") or n == "ReduceLROnPlateau"}
    missing = torch_classes - set(EXPLORER_NAMES) - {"LRScheduler", "_LRScheduler", "ChainedScheduler"}
    assert not missing, f"explorer lacks {missing}"


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_plotted_curve_is_lr_curve_for_every_scheduler(name):
    ex = explore_schedule(name, num_epochs=24, steps_per_epoch=5)
    np.testing.assert_array_equal(_plotted(ex), _expected(ex))
    before = _plotted(ex).copy()
    key, value = MOVES[name]
    ex.controls[key].value = value
    after = _plotted(ex)
    assert not np.array_equal(before, after), f"moving {key} must change the curve"
    np.testing.assert_array_equal(after, _expected(ex))
    assert "Not a valid" not in ex.message.value
    # the common controls too
    ex.controls["lr"].value = 0.01
    ex.controls["num_epochs"].value = 12
    np.testing.assert_array_equal(_plotted(ex), _expected(ex))
    assert len(_plotted(ex)) == 12 * 5


def test_x_axis_in_epochs_or_batches_and_log_scale():
    ex = explore_schedule("StepLR", num_epochs=10, steps_per_epoch=4)
    x = np.asarray(ex.line.get_xdata())
    assert x[-1] == pytest.approx(39 / 4)
    ex.controls["x_axis"].value = "batches"
    assert np.asarray(ex.line.get_xdata())[-1] == 39
    ex.controls["log"].value = True
    assert ex.ax.get_yscale() == "log"


def test_axes_rescale_when_values_change():
    ex = explore_schedule("StepLR", lr=0.1)
    top = ex.ax.get_ylim()[1]
    ex.controls["lr"].value = 5.0
    assert ex.ax.get_ylim()[1] > 5 > top


def test_momentum_shown_where_the_scheduler_cycles_it():
    ex = explore_schedule("OneCycleLR", num_epochs=5, steps_per_epoch=20)
    mom = np.asarray(ex.momentum_line.get_ydata())
    assert ex.ax_mom.get_visible() and mom.max() == pytest.approx(0.95) and mom.min() == pytest.approx(0.85)
    ex.controls["optimizer"].value = "adam"
    assert ex.ax_mom.get_ylabel() == "beta1"
    ex.controls["cycle_momentum"].value = False
    assert not ex.ax_mom.get_visible()
    ex.scheduler.value = "StepLR"
    assert not ex.ax_mom.get_visible() and len(ex.momentum_line.get_ydata()) == 0


def test_plateau_shows_its_validation_curve():
    ex = explore_schedule("ReduceLROnPlateau", num_epochs=40)
    np.testing.assert_array_equal(ex.val_line.get_ydata(), validation_curve(40))
    assert _plotted(ex).min() < _plotted(ex).max(), "the rate is reduced at least once"


def test_onecycle_total_steps_follows_epochs_and_too_small_is_explained():
    ex = explore_schedule("OneCycleLR", num_epochs=10, steps_per_epoch=10)
    assert ex.controls["total_steps"].value == 100
    ex.controls["num_epochs"].value = 20
    assert ex.controls["total_steps"].value == 200
    good = _plotted(ex).copy()
    ex.controls["total_steps"].value = 50
    assert "Not a valid schedule" in ex.message.value and "Tried to step" in ex.message.value
    np.testing.assert_array_equal(_plotted(ex), good)  # the last good curve stays
    ex.controls["total_steps"].value = 200
    assert "Not a valid" not in ex.message.value


def test_cyclic_base_above_max_is_a_readable_message_and_recovers():
    ex = explore_schedule("CyclicLR")
    ex.controls["base_lr"].value = 0.5
    assert "base_lr (0.5) must be below max_lr" in ex.message.value
    ex.controls["base_lr"].value = 0.001
    assert "Not a valid" not in ex.message.value


def test_unexpected_errors_are_shown_not_swallowed(monkeypatch):
    ex = explore_schedule("StepLR")
    import lrcourse.widgets as Wmod

    def boom(*a, **k):
        raise RuntimeError("kaboom")
    monkeypatch.setattr(Wmod, "explorer_curve", boom)
    ex.controls["gamma"].value = 0.2
    assert "RuntimeError" in ex.message.value and "kaboom" in ex.message.value


def test_pin_and_reset():
    ex = explore_schedule("StepLR", gamma=0.5)
    ex.pin()
    ex.controls["gamma"].value = 0.9
    assert len(ex.pins) == 1 and len(ex.ax.lines) == 2
    np.testing.assert_array_equal(ex.pins[0][0].get_ydata(), explorer_curve("StepLR", {"gamma": 0.5})["lr"])
    ex.controls["x_axis"].value = "batches"  # pins follow the x axis
    assert ex.pins[0][0].get_xdata()[-1] == ex.line.get_xdata()[-1]
    ex.scheduler.value = "ExponentialLR"
    ex.reset()
    assert ex.pins == [] and len(ex.ax.lines) == 1
    assert ex.scheduler.value == "StepLR" and ex.controls["gamma"].value == 0.5
    assert ex.controls["x_axis"].value == "epochs"
    np.testing.assert_array_equal(_plotted(ex), _expected(ex))


def test_explorer_bad_arguments():
    with pytest.raises(ValueError, match="no scheduler 'Nope'"):
        explore_schedule("Nope")
    with pytest.raises(ValueError, match="x_axis"):
        explore_schedule("StepLR", x_axis="minutes")
    with pytest.raises(ValueError, match="num_epochs must be"):
        explorer_curve("StepLR", num_epochs=0)


def test_the_figure_is_built_once_and_updated_in_place():
    ex = explore_schedule("StepLR")
    fig, line = ex.live.fig, ex.line
    for g in (0.2, 0.4, 0.6):
        ex.controls["gamma"].value = g
    assert ex.live.fig is fig and ex.line is line and len(fig.axes) == 2


def test_live_figure_uses_ipympl_without_switching_pyplot():
    import matplotlib

    before = matplotlib.get_backend()
    live = LiveFigure()
    assert type(live.canvas).__module__ == "ipympl.backend_nbagg"
    assert matplotlib.get_backend() == before


def test_default_params_and_builders():
    assert default_params("CosineAnnealingLR") == {"T_max": 30, "eta_min": 1e-4}
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="warmup_epochs"):
        build_scheduler("SequentialLR", opt, {"warmup_epochs": 30, "start_factor": 0.1, "eta_min": 0}, 30)
    wall = explorer_curve("WallClockLR", {"period": 2.0, "factor": 0.5, "minutes_per_epoch": 1.0},
                          lr=0.8, num_epochs=6, steps_per_epoch=1)["lr"]
    assert wall.tolist() == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]


# ---------------------------------------------------------------- train-live panel
from lrcourse.widgets import TrainPanel, train_live  # noqa: E402


def test_train_panel_runs_and_keeps_a_leaderboard():
    panel = train_live("y=2x", "StepLR", num_epochs=6, step_size=2, gamma=0.5)
    run = panel.train(blocking=True)
    h = run.history
    assert not h.diverged and h.num_steps == 6 * 8
    # the figure shows what fit recorded
    np.testing.assert_array_equal(panel.ax_lr.lines[0].get_ydata(), h.lr)
    np.testing.assert_array_equal(panel.ax_loss.lines[0].get_ydata(), h.loss)
    assert h.lr[0] == 0.1 and h.lr[-1] == pytest.approx(0.1 * 0.5 ** 2)
    assert panel.progress.value == h.num_steps == panel.progress.max
    panel.controls["lr"].value = 0.01
    panel.train(blocking=True)
    assert len(panel.runs) == 2 and panel.board.value.count("<tr>") == 3
    panel.show_runs.value = tuple(r.label for r in panel.runs)  # re-plot both
    assert sum(1 for ln in panel.ax_lr.lines if ln.get_linestyle() == "--") == 2
    panel.clear()
    assert panel.runs == [] and "No runs yet" in panel.board.value


def test_train_panel_shows_divergence_not_an_exception():
    panel = train_live("y=2x", "ExponentialLR", lr=10.0, num_epochs=10)
    run = panel.train(blocking=True)
    assert run.history.diverged
    assert "diverged" in panel.status.value and "too large" in panel.status.value
    assert "diverged" in panel.board.value
    assert panel.ax_loss.get_yscale() == "log"


def test_train_panel_stop_ends_the_run_cleanly():
    panel = train_live("y=2x", "StepLR", num_epochs=50)
    original = panel._update_lines

    def stop_soon(history):
        original(history)
        if history.num_steps >= 16:
            panel.stop()
    panel._update_lines = stop_soon
    run = panel.train(blocking=True)
    assert run.history.stopped and run.history.num_steps < 50 * 8
    assert "stopped" in panel.status.value and not panel.train_button.disabled


def test_train_panel_onecycle_on_mnist_uses_batches_for_total_steps():
    panel = train_live("MNIST CNN", "OneCycleLR", num_epochs=1, max_lr=0.2)
    run = panel.train(blocking=True)
    h = run.history
    assert h.num_steps == 55 and max(h.lr) == pytest.approx(0.2, rel=0.01) and h.lr[-1] < 1e-4
    assert h.final("val_acc") > 0.5


def test_train_panel_invalid_and_failing_runs_are_shown(monkeypatch):
    panel = train_live("y=2x", "CyclicLR", base_lr=0.5, max_lr=0.1)
    assert panel.train(blocking=True) is None
    assert "base_lr (0.5) must be below max_lr" in panel.status.value
    import lrcourse.train as T

    monkeypatch.setattr(T, "fit", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("GPU on fire")))
    panel.controls["base_lr"].value = 0.001
    run = panel.train(blocking=True)
    assert run.error and "GPU on fire" in panel.status.value and "GPU on fire" in panel.board.value


def test_train_panel_threaded_run_finishes():
    panel = train_live("y=2x", "StepLR", num_epochs=3)
    assert panel.train(blocking=False) is None
    panel._thread.join(30)
    assert len(panel.runs) == 1 and panel.runs[0].history.num_steps == 24


def test_train_panel_bad_arguments():
    with pytest.raises(ValueError, match="problem must be"):
        TrainPanel("cifar")
    with pytest.raises(ValueError, match="no scheduler"):
        TrainPanel("y=2x", "Nope")


def test_auto_train_retrains_on_every_move_with_plain_sgd():
    panel = train_live("y=2x (x=1..4)", "fixed", lr=0.05, num_epochs=30, auto_train=True)
    assert len(panel.runs) == 1 and panel.runs[0].history.lr.tolist() == [0.05] * 30
    first = panel.runs[0].history.loss[-1]
    panel.controls["lr"].value = 0.15  # above 2/L'' = 1/mean(x^2) = 1/7.5 for x = 1..4: diverges
    assert len(panel.runs) == 1, "auto_train replaces the run"
    h = panel.runs[0].history
    assert h.lr[0] == pytest.approx(0.15) and h.loss[-1] > first
    assert "MNIST CNN" not in panel.problem.options
    panel.scheduler.value = "StepLR"
    assert panel.runs[0].settings["name"] == "StepLR"
    with pytest.raises(ValueError, match="auto_train"):
        train_live("MNIST CNN", auto_train=True)


# ---------------------------------------------------------------- gradient descent explorer
from lrcourse.toy import gradient_descent_1d, stability_limit  # noqa: E402
from lrcourse.widgets import explore_gradient_descent  # noqa: E402


def test_gradient_descent_explorer_follows_the_slider():
    ex = explore_gradient_descent(lr=0.01, num_steps=10)
    expected = gradient_descent_1d([1, 2, 3, 4], [2, 4, 6, 8], 0.01, 0.0, 10)
    np.testing.assert_allclose(ex.path.get_xdata(), expected["w"])
    np.testing.assert_allclose(ex.loss_line.get_ydata(), np.clip(expected["loss"], 1e-16, 1e16))
    assert "too small" in ex.message.value
    for lr, regime in ((1 / 15, "just right"), (0.12, "oscillating"), (0.14, "diverging")):
        ex.controls["lr"].value = lr
        assert regime in ex.message.value
    # the limit line sits at 2/L and the marker at the current lr
    assert ex.ax_lr.lines[1].get_xdata()[0] == pytest.approx(stability_limit([1, 2, 3, 4]))
    assert ex.marker.get_xdata()[0] == pytest.approx(0.14, abs=1e-3)
    ex2 = explore_gradient_descent(x=(1, 2, 3, 4, 5, 6), lr=0.01)
    assert ex2.limit == pytest.approx(2 / (2 * np.mean(np.arange(1, 7) ** 2)))


def test_plateau_explorer_marks_and_explains_each_reduction():
    ex = explore_schedule("ReduceLROnPlateau", num_epochs=40)
    fired = [t for t in explorer_curve("ReduceLROnPlateau", num_epochs=40)["trace"] if t["reduced"]]
    assert fired, "the default curve has at least one reduction"
    assert list(ex.reductions.get_xdata()) == [t["epoch"] - 1 for t in fired]
    assert all(html_escape(t["why"]) in ex.message.value for t in fired)
    ex.controls["patience"].value = 20
    assert "No reduction fires" in ex.message.value and len(ex.reductions.get_xdata()) == 0


from lrcourse.widgets import html_escape  # noqa: E402


# ---------------------------------------------------------------- shoot-out panel
from lrcourse.data import MNISTData, Split, load_mnist  # noqa: E402
from lrcourse.models import MnistCNN  # noqa: E402
from lrcourse.shootout import Contestant, shootout  # noqa: E402
from lrcourse.widgets import ShootoutPanel, shootout_panel  # noqa: E402


def _tiny_result(num_epochs=2, seeds=(0, 1)):
    full = load_mnist("cpu", source="sample", verbose=False)
    data = MNISTData(Split(full.train.x[:192], full.train.y[:192]), Split(full.val.x[:64], full.val.y[:64]),
                     Split(full.test.x[:64], full.test.y[:64]), "tiny", None)
    sgd = lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)  # noqa: E731
    return shootout([Contestant("fixed", sgd)], data, seeds=seeds, num_epochs=num_epochs, target_acc=0.3,
                    model_fn=lambda: MnistCNN(width=4), verbose=False)


@pytest.mark.parametrize("name, move", [("StepLR", ("gamma", 0.25)), ("OneCycleLR", ("max_lr", 0.2)),
                                        ("CyclicLR", ("mode", "triangular2")),
                                        ("ReduceLROnPlateau", ("patience", 0))])
def test_shootout_panel_races_the_curve_the_explorer_shows(name, move):
    result = _tiny_result()
    panel = shootout_panel(result, name)
    ex = panel.explorer
    # the budget is the shoot-out's, and locked
    assert ex.controls["num_epochs"].value == 2 and ex.controls["num_epochs"].disabled
    assert ex.controls["steps_per_epoch"].value == 3 and ex.controls["steps_per_epoch"].disabled
    if name == "OneCycleLR":  # every batch of the budget, locked
        assert ex.controls["total_steps"].value == 6 and ex.controls["total_steps"].disabled
    key, value = move
    ex.controls[key].value = value
    shown = np.asarray(ex.line.get_ydata(), dtype=float)
    row = panel.add(blocking=True)
    label = row["label"]
    assert label == f"yours 1: {name}" and panel.added == [label]
    assert [c.label for c in result.contestants] == ["fixed", label]
    assert len(result.histories[label]) == 2 and panel.progress.value == 2
    if name != "ReduceLROnPlateau":  # its curve in the explorer is driven by a made-up validation loss
        for h in result.histories[label]:  # the rate each step trained with is the curve shown
            np.testing.assert_allclose(h.lr, shown)
    # the same start as every contestant of that seed
    first = [h.steps["loss"][0] for h in result.histories[label]]
    assert first == [h.steps["loss"][0] for h in result.histories["fixed"]]
    assert label in panel.board.value and panel.board.value.count("<tr") == 3
    assert "test accuracy" in panel.status.value
    ticks = [t.get_text() for t in panel.live.axes[0].get_yticklabels()]
    assert sorted(ticks) == sorted(["fixed", label])


def test_shootout_panel_uses_adam_when_chosen_and_numbers_each_entry():
    result = _tiny_result(num_epochs=1, seeds=(0,))
    panel = ShootoutPanel(result, "fixed", lr=0.01, optimizer="adam")
    c = panel.contestant()
    opt = c.make_optimizer(torch.nn.Linear(1, 1).parameters())
    assert isinstance(opt, torch.optim.Adam) and opt.param_groups[0]["lr"] == 0.01 and c.make_scheduler is None
    panel.add(blocking=True)
    panel.explorer.common["optimizer"].value = "sgd"
    panel.add(blocking=True)
    assert panel.added == ["yours 1: fixed", "yours 2: fixed"]
    assert "SGD(momentum=0.9)(lr=0.01)" in panel.board.value and "Adam(lr=0.01)" in panel.board.value


def test_shootout_panel_explains_an_invalid_schedule_and_adds_nothing():
    result = _tiny_result(num_epochs=1, seeds=(0,))
    panel = shootout_panel(result, "CyclicLR", base_lr=0.5, max_lr=0.1)
    assert panel.add(blocking=True) is None
    assert "Not a valid schedule" in panel.status.value and "base_lr" in panel.status.value
    assert len(result.contestants) == 1 and not panel.add_button.disabled


def test_shootout_panel_reports_a_failing_run_without_raising():
    result = _tiny_result(num_epochs=1, seeds=(0,))
    panel = shootout_panel(result, "StepLR")

    def broken(opt):
        raise RuntimeError("boom")
    panel.contestant = lambda: Contestant("broken", lambda p: torch.optim.SGD(p, lr=0.1), broken)
    panel.settings_of["broken"] = "broken"
    assert panel.add(blocking=True) is None
    assert "failed" in panel.status.value and "boom" in panel.status.value
    assert "broken" not in result.histories and not panel.add_button.disabled


def test_shootout_panel_keeps_total_steps_locked_when_the_scheduler_changes():
    panel = shootout_panel(_tiny_result(num_epochs=1, seeds=(0,)), "StepLR")
    panel.explorer.scheduler.value = "OneCycleLR"
    w = panel.explorer.controls["total_steps"]
    assert w.disabled and w.value == 3
    assert panel.explorer.controls["max_lr"].disabled is False
