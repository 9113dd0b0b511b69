"""Scheduler specs: the one source of each scheduler's controls, how it is built and how it steps."""
import subprocess
import sys

import pytest
import torch

from lrcourse.curves import explorer_curve
from lrcourse.schedules import scheduler_names
from lrcourse.specs import (EXPLORER_NAMES, NOT_OFFERED, SPECS, STEP_PER, build_scheduler, default_params,
                            schedule_steps, step_per)
from lrcourse.train import scheduler_interval


def _optimizer():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)


@pytest.mark.parametrize("name", [n for n in scheduler_names() if n in SPECS])
def test_fit_steps_every_scheduler_as_its_spec_says(name):
    sched = build_scheduler(name, _optimizer(), default_params(name), 300)
    assert scheduler_interval(sched) == ("plateau" if SPECS[name].on_metric else step_per(name))
    assert scheduler_interval(sched, step_per=step_per(name)) == scheduler_interval(sched)  # as a recipe passes it


def test_every_scheduler_is_offered_or_says_why_not():
    for name in scheduler_names():
        assert (name in SPECS) != (name in NOT_OFFERED), name
    assert all(len(reason) > 20 for reason in NOT_OFFERED.values())
    assert set(NOT_OFFERED) <= set(scheduler_names()), "NOT_OFFERED names a scheduler that no longer exists"


def test_the_explorer_offers_every_spec_in_teaching_order():
    assert EXPLORER_NAMES == list(SPECS) and EXPLORER_NAMES[0] == "fixed"
    assert {s.step_per for s in SPECS.values()} == set(STEP_PER)
    assert [name for name, s in SPECS.items() if s.on_metric] == ["ReduceLROnPlateau"]
    assert all(s.name == name for name, s in SPECS.items())
    assert scheduler_interval(build_scheduler("fixed", _optimizer(), {}, 10)) == step_per("fixed") == "epoch"


def test_a_subclass_steps_as_its_base_and_unknown_classes_per_epoch():
    class MyOneCycle(torch.optim.lr_scheduler.OneCycleLR):
        pass

    class Mine(torch.optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            return self.base_lrs
    opt = _optimizer()
    assert scheduler_interval(MyOneCycle(opt, 0.1, total_steps=10)) == "batch"
    assert scheduler_interval(Mine(_optimizer())) == "epoch"
    assert scheduler_interval(Mine(_optimizer()), step_per="batch") == "batch"


def test_defaults_builders_and_steps():
    assert default_params("CosineAnnealingLR") == {"T_max": 30, "eta_min": 1e-4}
    assert schedule_steps("CyclicLR", 4, 5) == 20 and schedule_steps("ReduceLROnPlateau", 4, 5) == 4
    with pytest.raises(ValueError, match="warmup_epochs"):
        build_scheduler("SequentialLR", _optimizer(), {"warmup_epochs": 30, "start_factor": 0.1, "eta_min": 0}, 30)
    with pytest.raises(ValueError, match="no scheduler 'Nope'"):
        step_per("Nope")
    wall = explorer_curve("WallClockLR", {"period": 2.0, "factor": 0.5, "minutes_per_epoch": 1.0},
                          lr=0.8, num_epochs=6, steps_per_epoch=1)["lr"]
    assert wall.tolist() == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]


def test_specs_and_the_core_do_not_import_ipywidgets():
    code = ("import sys, lrcourse, lrcourse.specs, lrcourse.curves, lrcourse.train\n"
            "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'\nprint('clean')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and "clean" in proc.stdout, proc.stderr
