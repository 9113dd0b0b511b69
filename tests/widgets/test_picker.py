"""The schedule picker: a traits model and the controls that show it, joined both ways."""
import pytest
import torch

from lrcourse.widgets import ScheduleExplorer, ShootoutPanel, TrainPanel
from lrcourse.widgets.picker import ScheduleModel, SchedulePicker


def test_controls_and_model_follow_each_other():
    model = ScheduleModel("StepLR", {"gamma": 0.25}, lr=0.05)
    picker = SchedulePicker(model)
    assert picker.controls["gamma"].value == 0.25 and picker.controls["lr"].value == 0.05
    picker.controls["step_size"].value = 4  # a learner's drag
    assert model.params == {"step_size": 4, "gamma": 0.25}
    model.params = {"step_size": 7, "gamma": 0.5}  # code that moves the model
    assert picker.controls["step_size"].value == 7
    model.lr, model.optimizer = 0.2, "adam"
    assert picker.controls["lr"].value == 0.2 and picker.controls["optimizer"].value == "adam"


def test_a_new_scheduler_brings_its_own_controls_at_its_defaults():
    model = ScheduleModel("StepLR")
    picker = SchedulePicker(model)
    old = picker.controls["gamma"]
    picker.controls["name"].value = "CosineAnnealingLR"
    assert model.name == "CosineAnnealingLR" and model.params == {"T_max": 30, "eta_min": 1e-4}
    assert list(picker.params) == ["T_max", "eta_min"] and picker.children[1].children == tuple(picker.params.values())
    assert old.comm is None  # the old scheduler's controls are closed


def test_the_run_length_is_the_runs_when_the_panel_sets_it():
    model = ScheduleModel("OneCycleLR", length_from_run=True)
    picker = SchedulePicker(model, skip_length=True)
    assert "total_steps" not in picker.controls and model.recipe(2, 5).params["total_steps"] == 10
    assert ScheduleModel("OneCycleLR", {"total_steps": 40}).recipe(2, 5).params["total_steps"] == 40


def test_bad_values_fail_in_the_model():
    with pytest.raises(ValueError, match="no scheduler 'Nope'"):
        ScheduleModel("Nope")
    with pytest.raises(ValueError, match="gamma must be"):
        ScheduleModel("StepLR", {"gamma": 5.0})
    with pytest.raises(Exception, match="no scheduler 'Nope'"):
        ScheduleModel("StepLR").name = "Nope"


def test_panels_share_the_picker_and_the_shootout_reads_the_explorers_model():
    from helpers import descendants, tiny_shootout

    ex, panel = ScheduleExplorer("StepLR"), TrainPanel("y=2x", "StepLR")
    for p in (ex, panel):
        assert isinstance(p.picker, SchedulePicker) and p.picker in descendants(p)
        p.set(gamma=0.3)
        assert p.model.params["gamma"] == 0.3 == p.settings()["params"]["gamma"]
    shoot = ShootoutPanel(tiny_shootout(num_epochs=1, seeds=(0,)), "StepLR")
    assert shoot.model is shoot.explorer.model
    shoot.explorer.model.lr = 0.02  # linked: the next contestant races at the explorer's rate
    opt = shoot.contestant().make_optimizer([torch.zeros(1, requires_grad=True)])
    assert opt.param_groups[0]["lr"] == 0.02
