"""The run recipe: one spec and its settings become the optimizer, the scheduler and how often it steps."""
import numpy as np
import pytest
import torch

from lrcourse.curves import explorer_curve, lr_curve
from lrcourse.optim import probe_optimizer
from lrcourse.recipe import check_budget, recipe
from lrcourse.specs import EXPLORER_NAMES, SPECS, build_scheduler, default_params, schedule_steps


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_every_spec_becomes_a_recipe_whose_cadence_is_its_spec(name):
    r = recipe(name, num_epochs=12, steps_per_epoch=5)
    assert r.step_per == SPECS[name].step_per and r.on_metric == SPECS[name].on_metric
    assert r.num_steps == schedule_steps(name, 12, 5)
    sched = r.make_scheduler(r.make_optimizer([torch.nn.Parameter(torch.zeros(1))]))
    assert hasattr(sched, "step")


def test_fixed_is_its_spec_lambda_of_one_not_a_special_case():
    r = recipe("fixed", lr=0.03, optimizer="sgd", num_epochs=3, steps_per_epoch=2)
    opt = r.make_optimizer(torch.nn.Linear(1, 1).parameters())
    sched = r.make_scheduler(opt)
    assert isinstance(sched, torch.optim.lr_scheduler.LambdaLR) and r.step_per == "epoch"
    np.testing.assert_array_equal(lr_curve(r.make_scheduler, 5, lr=0.03), np.full(5, 0.03))


def test_the_run_length_follows_the_run_unless_given():
    r = recipe("OneCycleLR", {"max_lr": 0.2}, num_epochs=3, steps_per_epoch=7)
    assert r.params["total_steps"] == 21 == r.num_steps and r.step_per == "batch"
    assert recipe("OneCycleLR", {"total_steps": 50}, num_epochs=3, steps_per_epoch=7).params["total_steps"] == 50
    assert recipe("StepLR", {"gamma": 0.25}).params == {**default_params("StepLR"), "gamma": 0.25}


def test_bad_settings_fail_with_what_to_do():
    with pytest.raises(ValueError, match="no scheduler 'Nope'"):
        recipe("Nope")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        recipe("StepLR", optimizer="momentum")
    with pytest.raises(ValueError, match="num_epochs must be an integer >= 1"):
        recipe("StepLR", num_epochs=0)
    with pytest.raises(ValueError, match="step_size must be an integer from 1 to 50"):
        recipe("StepLR", {"step_size": 0})
    with pytest.raises(ValueError, match="lr must be a number"):
        recipe("StepLR", lr=-1.0)
    with pytest.raises(ValueError, match="max_lr"):
        recipe("CyclicLR", {"base_lr": 0.5, "max_lr": 0.1}).check()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        check_budget(2, 1.5)


def test_the_explorer_curve_is_the_recipe_stepped():
    r = recipe("CosineAnnealingLR", {"T_max": 6}, lr=0.2, num_epochs=6, steps_per_epoch=3)
    c = explorer_curve("CosineAnnealingLR", {"T_max": 6}, lr=0.2, num_epochs=6, steps_per_epoch=3)
    np.testing.assert_array_equal(c["lr"], np.repeat(lr_curve(r.make_scheduler, 6, lr=0.2), 3))
    expected = lr_curve(lambda opt: build_scheduler("CosineAnnealingLR", opt, r.params, 6), 6, lr=0.2)
    np.testing.assert_array_equal(c["lr"][::3], expected)
    assert c["step_per"] == "epoch" and c["epoch"][0] == 1 and c["epoch"][3] == 2


def test_the_probe_optimizer_speaks_the_course_vocabulary():
    assert isinstance(probe_optimizer("adam", 0.01), torch.optim.Adam)
    assert probe_optimizer("sgd_momentum").param_groups[0]["momentum"] == 0.9
