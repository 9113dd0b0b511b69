"""Scheduler specs: the one source of each scheduler's controls, how it is built and how it steps."""
import subprocess
import sys

import numpy as np
import pytest
import torch

from lrcourse.curves import explorer_curve, lr_curve
from lrcourse.data import Split
from lrcourse.models import linear_model
from lrcourse.schedules import scheduler_names
from lrcourse.specs import (EXPLORER_NAMES, NOT_OFFERED, SPECS, STEP_PER, build_scheduler, default_params,
                            schedule_steps, step_per)
from lrcourse.train import fit, scheduler_step_per


def _optimizer():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)


@pytest.mark.parametrize("name", [n for n in scheduler_names() if n in SPECS])
def test_fit_steps_every_scheduler_as_its_spec_says(name):
    sched = build_scheduler(name, _optimizer(), default_params(name), 300)
    assert scheduler_step_per(sched) == ("plateau" if SPECS[name].on_metric else step_per(name))
    assert scheduler_step_per(sched, step_per=step_per(name)) == scheduler_step_per(sched)  # as a recipe passes it


EPOCHS, BATCHES = 6, 4


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_fit_trains_at_the_rates_the_explorer_draws(name):
    # training and the explorer step the scheduler in two different loops; each batch must get the same rate
    data = Split(torch.zeros(2 * BATCHES, 1), torch.zeros(2 * BATCHES, 1))  # zero data: nothing can diverge
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    params = default_params(name)
    sched = build_scheduler(name, opt, params, schedule_steps(name, EPOCHS, BATCHES))
    h = fit(model, data, opt, sched, EPOCHS, batch_size=2, val_data=data, progress=False)
    assert h.num_steps == EPOCHS * BATCHES and not h.diverged
    if SPECS[name].on_metric:  # the explorer's validation curve is made up; fit's is measured
        per_epoch = lr_curve("ReduceLROnPlateau", EPOCHS, lr=0.1, metrics=h.epochs["val_loss"], **params)
        np.testing.assert_allclose(h.lr, np.repeat(per_epoch, BATCHES), rtol=1e-12)
    else:
        drawn = explorer_curve(name, params, lr=0.1, num_epochs=EPOCHS, steps_per_epoch=BATCHES)["lr"]
        np.testing.assert_allclose(h.lr, drawn, rtol=1e-12)


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
    assert scheduler_step_per(build_scheduler("fixed", _optimizer(), {}, 10)) == step_per("fixed") == "epoch"


def test_a_subclass_steps_as_its_base_and_unknown_classes_per_epoch():
    class MyOneCycle(torch.optim.lr_scheduler.OneCycleLR):
        pass

    class Mine(torch.optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            return self.base_lrs
    opt = _optimizer()
    assert scheduler_step_per(MyOneCycle(opt, 0.1, total_steps=10)) == "batch"
    assert scheduler_step_per(Mine(_optimizer())) == "epoch"
    assert scheduler_step_per(Mine(_optimizer()), step_per="batch") == "batch"


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


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_specs_and_the_core_do_not_import_ipywidgets():
    code = ("import sys, lrcourse, lrcourse.specs, lrcourse.curves, lrcourse.train\n"
            "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'\nprint('clean')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and "clean" in proc.stdout, proc.stderr
