"""The train-live panel: fit's runs, drawn live, on a leaderboard from lrcourse.tables."""
import numpy as np
import pytest

import lrcourse.train as T
from lrcourse.data import load_mnist
from lrcourse.optim import OPTIMIZERS
from lrcourse.tables import RUN_COLUMNS, render_html
from lrcourse.widgets import TrainPanel, train_live


def test_train_panel_runs_and_keeps_a_leaderboard():
    panel = train_live("y=2x", "StepLR", num_epochs=6, step_size=2, gamma=0.5)
    run = panel.train(blocking=True)
    h = run.history
    assert not h.diverged and h.num_steps == 6 * 8
    # the figure shows what fit recorded
    np.testing.assert_array_equal(panel.lines["lr"][1], h.lr)
    np.testing.assert_array_equal(panel.lines["loss"][1], h.loss)
    assert h.lr[0] == 0.1 and h.lr[-1] == pytest.approx(0.1 * 0.5 ** 2)
    assert panel.progress.value == h.num_steps == panel.progress.max
    panel.set(lr=0.01)
    panel.train(blocking=True)
    assert len(panel.runs) == 2 and panel.board.value.count("<tr>") == 3
    assert panel.board.value == render_html([r.history for r in panel.runs], RUN_COLUMNS)
    panel.replot([r.label for r in panel.runs])  # re-plot both, dashed
    assert sorted(k for k in panel.lines if k.endswith(": lr")) == sorted(f"{r.label}: lr" for r in panel.runs)
    assert sum(1 for ln in panel.figure.axes[2].lines if ln.get_linestyle() == "--") == 2
    panel.clear()
    assert panel.runs == [] and "No runs yet" in panel.board.value and panel.lines == {}


def test_plain_sgd_by_default_and_the_course_vocabulary():
    panel = train_live("y=2x", "fixed", num_epochs=1)
    assert panel.settings()["optimizer"] == "sgd"
    assert list(panel.controls["optimizer"].options) == [(label, key) for key, label in OPTIMIZERS.items()]
    assert panel.train(blocking=True).history.steps["momentum"][0] == 0.0
    panel.set(optimizer="sgd_momentum")
    assert panel.train(blocking=True).history.steps["momentum"][0] == 0.9
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train_live("y=2x", optimizer="momentum")


def test_train_panel_shows_divergence_not_an_exception():
    panel = train_live("y=2x", "ExponentialLR", lr=10.0, num_epochs=10)
    run = panel.train(blocking=True)
    assert run.history.diverged
    assert "diverged" in panel.message.value and "too large" in panel.message.value
    assert "diverged" in panel.board.value
    assert panel.figure.axes[0].get_yscale() == "log"


def test_train_panel_stop_ends_the_run_cleanly():
    panel = train_live("y=2x", "StepLR", num_epochs=50)
    # the progress bar moves every few steps; a learner clicking Stop at step 16 does this
    panel.progress.observe(lambda change: change["new"] >= 16 and panel.stop(), "value")
    run = panel.train(blocking=True)
    assert run.history.stopped and 16 <= run.history.num_steps < 50 * 8
    assert "stopped" in panel.message.value and not panel.buttons["train"].disabled
    assert panel.buttons["stop"].disabled


@pytest.mark.slow  # an epoch of the CNN on the whole sample
def test_train_panel_onecycle_on_mnist_uses_batches_for_total_steps():
    panel = train_live("MNIST CNN", "OneCycleLR", num_epochs=1, max_lr=0.2)
    assert "total_steps" not in panel.controls
    run = panel.train(blocking=True)
    h = run.history
    one_epoch = load_mnist("cpu", verbose=False).train.num_batches(64)  # the panel's MNIST batch size
    assert h.num_steps == one_epoch and max(h.lr) == pytest.approx(0.2, rel=0.01) and h.lr[-1] < 1e-4
    assert h.final("val_acc") > 0.5


def test_train_panel_invalid_and_failing_runs_are_shown(monkeypatch):
    panel = train_live("y=2x", "CyclicLR", base_lr=0.5, max_lr=0.1)
    assert panel.train(blocking=True) is None
    assert "base_lr (0.5) must be below max_lr" in panel.message.value

    monkeypatch.setattr(T, "fit", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("GPU on fire")))
    panel.set(base_lr=0.001)
    run = panel.train(blocking=True)
    assert run.error and "GPU on fire" in panel.message.value and "GPU on fire" in panel.board.value


def test_train_panel_threaded_run_finishes():
    panel = train_live("y=2x", "StepLR", num_epochs=3)
    assert panel.train(blocking=False) is None
    assert panel.wait(30) and not panel.busy
    assert len(panel.runs) == 1 and panel.runs[0].history.num_steps == 24


def test_train_panel_bad_arguments():
    with pytest.raises(ValueError, match="problem must be"):
        TrainPanel("cifar")
    with pytest.raises(ValueError, match="no scheduler"):
        TrainPanel("y=2x", "Nope")
    with pytest.raises(ValueError, match="set from the run"):
        TrainPanel("y=2x", "OneCycleLR", total_steps=10)
    with pytest.raises(ValueError, match="has no argument T_max"):
        TrainPanel("y=2x", "StepLR", T_max=3)
    with pytest.raises(ValueError, match="has no control T_max"):
        TrainPanel("y=2x", "StepLR").set(T_max=3)
    with pytest.raises(ValueError, match="set from the run"):
        TrainPanel("y=2x", "StepLR").set(name="OneCycleLR", total_steps=3)


def test_a_new_problem_brings_its_defaults_and_set_can_override_them():
    panel = train_live("y=2x", "StepLR")
    panel.set(problem="MNIST CNN")
    s = panel.settings()
    assert (s["lr"], s["num_epochs"]) == (0.05, 3) and panel.figure.axes[1].get_ylabel() == "val accuracy"
    panel.set(problem="y=2x", lr=0.2)
    assert (panel.settings()["lr"], panel.settings()["num_epochs"]) == (0.2, 20)


def test_auto_train_retrains_on_every_move_with_plain_sgd():
    panel = train_live("y=2x (x=1..4)", "fixed", lr=0.05, num_epochs=30, auto_train=True)
    assert len(panel.runs) == 1 and panel.runs[0].history.lr.tolist() == [0.05] * 30
    first = panel.runs[0].history.loss[-1]
    panel.set(lr=0.15)  # above 2/L'' = 1/mean(x^2) = 1/7.5 for x = 1..4: diverges
    assert len(panel.runs) == 1, "auto_train replaces the run"
    h = panel.runs[0].history
    assert h.lr[0] == pytest.approx(0.15) and h.loss[-1] > first
    assert "MNIST CNN" not in panel.controls["problem"].options
    panel.set(name="StepLR", step_size=5)  # several controls: one new run
    assert len(panel.runs) == 1 and panel.runs[0].settings["name"] == "StepLR"
    assert panel.runs[0].settings["params"]["step_size"] == 5
    panel.controls["gamma"].value = 0.1  # a learner's drag retrains too
    assert panel.runs[0].settings["params"]["gamma"] == 0.1
    with pytest.raises(ValueError, match="auto_train"):
        train_live("MNIST CNN", auto_train=True)
