"""The shoot-out panel races the curve its explorer shows, with a locked budget, on lrcourse.tables' leaderboard."""
import numpy as np
import pytest
import torch

from helpers import descendants, tiny_shootout
from lrcourse.shootout import Contestant
from lrcourse.tables import leaderboard_html
from lrcourse.widgets import ShootoutPanel, shootout_panel


@pytest.mark.parametrize("name, move", [("StepLR", ("gamma", 0.25)), ("OneCycleLR", ("max_lr", 0.2)),
                                        ("CyclicLR", ("mode", "triangular2")),
                                        ("ReduceLROnPlateau", ("patience", 0))])
def test_shootout_panel_races_the_curve_the_explorer_shows(name, move):
    result = tiny_shootout()
    panel = shootout_panel(result, name)
    ex = panel.explorer
    # the budget is the shoot-out's, and locked
    s = panel.settings()
    assert s["num_epochs"] == 2 and panel.controls["num_epochs"].disabled
    assert s["steps_per_epoch"] == 3 and panel.controls["steps_per_epoch"].disabled
    if name == "OneCycleLR":  # every batch of the budget, locked
        assert s["params"]["total_steps"] == 6 and panel.controls["total_steps"].disabled
    key, value = move
    panel.set(**{key: value})
    shown = ex.lines["lr"][1]
    row = panel.add(blocking=True)
    label = row.label
    assert label == f"yours 1: {name}" and panel.added == [label]
    assert [c.label for c in result.contestants] == ["fixed", label]
    assert len(result.histories[label]) == 2 and panel.progress.value == 2
    if name != "ReduceLROnPlateau":  # its curve in the explorer is driven by a made-up validation loss
        for h in result.histories[label]:  # the rate each step trained with is the curve shown
            np.testing.assert_allclose(h.lr, shown)
    # the same start as every contestant of that seed
    first = [h.steps["loss"][0] for h in result.histories[label]]
    assert first == [h.steps["loss"][0] for h in result.histories["fixed"]]
    assert panel.board.value.startswith(leaderboard_html(result.leaderboard(), result.target_acc, [label]))
    assert label in panel.board.value and panel.board.value.count("<tr") == 3
    assert "test accuracy" in panel.message.value
    ticks = [t.get_text() for t in panel.figure.axes[0].get_yticklabels()]
    assert sorted(ticks) == sorted(["fixed", label])


def test_shootout_panel_uses_the_optimizer_chosen_and_numbers_each_entry():
    result = tiny_shootout(num_epochs=1, seeds=(0,))
    panel = ShootoutPanel(result, "fixed", lr=0.01, optimizer="adam")
    c = panel.contestant()
    opt = c.make_optimizer(torch.nn.Linear(1, 1).parameters())
    assert isinstance(opt, torch.optim.Adam) and opt.param_groups[0]["lr"] == 0.01
    sched = c.make_scheduler(opt)  # "fixed" is its spec's LambdaLR of 1, like any other schedule
    opt.step()
    sched.step()
    assert isinstance(sched, torch.optim.lr_scheduler.LambdaLR) and opt.param_groups[0]["lr"] == 0.01
    panel.add(blocking=True)
    panel.set(optimizer="sgd_momentum")
    panel.add(blocking=True)
    assert panel.added == ["yours 1: fixed", "yours 2: fixed"]
    assert "SGD(lr=0.01, momentum=0.9)" in panel.board.value and "Adam(lr=0.01)" in panel.board.value
    assert ShootoutPanel(result, "StepLR").settings()["optimizer"] == "sgd_momentum"


def test_shootout_panel_explains_an_invalid_schedule_and_adds_nothing():
    result = tiny_shootout(num_epochs=1, seeds=(0,))
    panel = shootout_panel(result, "CyclicLR", base_lr=0.5, max_lr=0.1)
    assert panel.add(blocking=True) is None
    assert "Not a valid schedule" in panel.message.value and "base_lr" in panel.message.value
    assert len(result.contestants) == 1 and not panel.buttons["add"].disabled


def test_shootout_panel_reports_a_failing_run_without_raising():
    result = tiny_shootout(num_epochs=1, seeds=(0,))
    panel = shootout_panel(result, "StepLR")

    def broken(opt):
        raise RuntimeError("boom")
    panel.contestant = lambda: Contestant("broken", lambda p: torch.optim.SGD(p, lr=0.1), broken)
    panel.settings_of["broken"] = "broken"
    assert panel.add(blocking=True) is None
    assert "failed" in panel.message.value and "boom" in panel.message.value
    assert "broken" not in result.histories and not panel.buttons["add"].disabled


def test_shootout_panel_keeps_total_steps_locked_when_the_scheduler_changes():
    panel = shootout_panel(tiny_shootout(num_epochs=1, seeds=(0,)), "StepLR")
    panel.set(name="OneCycleLR")
    w = panel.controls["total_steps"]
    assert w.disabled and w.value == 3
    assert panel.controls["max_lr"].disabled is False
    with pytest.raises(ValueError, match="locked"):
        panel.set(num_epochs=4)


def test_shootout_panel_races_in_the_background_and_waits():
    result = tiny_shootout(num_epochs=1, seeds=(0,))
    panel = shootout_panel(result, "StepLR")
    assert panel.add(blocking=False) is None
    assert panel.wait(60) and not panel.busy
    assert panel.added == ["yours 1: StepLR"] and "yours 1: StepLR" in panel.board.value
    inside = descendants(panel)
    assert panel.explorer in panel.children and panel.figure.canvas in inside
    assert inside.index(panel.explorer.figure.canvas) < inside.index(panel.figure.canvas)  # the leaderboard under
