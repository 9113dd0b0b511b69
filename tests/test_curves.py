"""lrcourse.curves: every curve is torch's own values, read from the real schedulers, and bad input is explained."""
import warnings

import numpy as np
import pytest
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, StepLR

from lrcourse.curves import (explorer_curve, lr_curve, momentum_curve, plateau_trace, schedule_curves,
                             stepping_curves)
from lrcourse.schedules import make_scheduler, scheduler_names
from lrcourse.curves import validation_curve

from helpers import CASES

METRICS = [1.0 / (1 + i) if i < 10 else 0.1 for i in range(40)]


def _naive(case, n, name):
    """Step a real optimizer (with a gradient) and the scheduler, the way training does."""
    p = torch.nn.Parameter(torch.zeros(1))
    p.grad = torch.zeros(1)
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = case(opt) if callable(case) else make_scheduler(name, opt, **case)
    out = []
    for i in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if i < n - 1:
            sched.step(METRICS[i]) if name == "ReduceLROnPlateau" else sched.step()
    return np.array(out)


def test_cases_cover_every_scheduler():
    assert set(CASES) == set(scheduler_names())


@pytest.mark.parametrize("name", sorted(CASES))
def test_lr_curve_is_torchs_value(name):
    case = CASES[name]
    kw = {"metrics": METRICS} if name == "ReduceLROnPlateau" else {}
    if callable(case):
        got = lr_curve(case, 40, lr=0.1, **kw)
    else:
        got = lr_curve(name, 40, lr=0.1, **kw, **case)
    expected = _naive(case, 40, name)
    assert got.shape == (40,)
    np.testing.assert_array_equal(got, expected)  # bit for bit
    if name not in ("ConstantLR",):
        assert len(set(got.tolist())) > 1, "the schedule must actually change the rate"


def test_lr_curve_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lr_curve("StepLR", 100, step_size=3, gamma=0.5)


def test_classic_steplr_table():
    # the tutorial prints get_last_lr() after the k-th scheduler.step(): value k of the curve
    lrs = lr_curve("StepLR", 31, lr=0.1, step_size=10, gamma=0.9)
    assert [f"{v:.5f}" for v in lrs[[1, 9, 10, 20, 30]]] == ["0.10000", "0.10000", "0.09000", "0.08100", "0.07290"]


def test_momentum_curve_cycles_inverse_to_lr():
    c = schedule_curves("OneCycleLR", 100, max_lr=1.0, total_steps=100)
    top = int(np.argmax(c["lr"]))
    assert c["momentum"][top] == pytest.approx(0.85) and c["momentum"][0] == pytest.approx(0.95)
    beta1 = momentum_curve("OneCycleLR", 100, optimizer="adam", max_lr=1.0, total_steps=100)
    assert beta1.min() == pytest.approx(0.85)


def test_onecycle_stepped_too_often_is_explained():
    with pytest.raises(ValueError, match=r"OneCycleLR failed at step \d+ of 20: Tried to step"):
        lr_curve("OneCycleLR", 20, max_lr=0.1, total_steps=10)


def test_plateau_needs_metrics():
    with pytest.raises(ValueError, match="pass metrics"):
        lr_curve("ReduceLROnPlateau", 10)
    with pytest.raises(ValueError, match="does not use metrics"):
        lr_curve("StepLR", 3, metrics=[1, 2, 3], step_size=1)


def test_plateau_trace_explains_torchs_own_decisions():
    losses = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.9, 0.89]
    params = dict(patience=1, factor=0.5, threshold=0.05, cooldown=1)
    trace = plateau_trace(losses, **params)
    # the rates it reports are exactly those of the real scheduler
    np.testing.assert_array_equal([t["lr"] for t in trace], lr_curve("ReduceLROnPlateau", 8, metrics=losses, **params))
    assert [t["epoch"] for t in trace if t["reduced"]] == [4, 7]
    assert "2 bad epochs > patience 1, so lr 0.1 -> 0.05" in trace[3]["why"]
    assert "cooldown holds" in trace[4]["why"]
    assert "needs < 0.855" in trace[2]["why"]  # rel threshold: 0.9 * (1 - 0.05)
    acc = plateau_trace([0.5, 0.6, 0.6, 0.6], mode="max", patience=1, threshold=0.0)
    assert acc[3]["reduced"] and "needs > 0.6" in acc[3]["why"]
    with pytest.raises(ValueError, match="metrics is empty"):
        plateau_trace([])


def test_a_factory_takes_no_extra_arguments_and_must_return_a_scheduler():
    with pytest.raises(ValueError, match="inside the factory"):
        lr_curve(lambda opt: StepLR(opt, 2), 5, gamma=0.5)
    with pytest.raises(ValueError, match="must return a scheduler, got int"):
        lr_curve(lambda opt: 3, 5)
    with pytest.raises(ValueError, match="The scheduler factory failed"):
        lr_curve(lambda opt: StepLR(opt, step_size=2, gama=0.5), 5)
    with pytest.raises(ValueError, match="a scheduler name or a callable"):
        lr_curve(3.0, 5)


def test_explorer_curve_holds_a_per_epoch_rate_for_every_batch_of_the_epoch():
    c = explorer_curve("StepLR", {"step_size": 2, "gamma": 0.5}, lr=1.0, num_epochs=5, steps_per_epoch=3)
    per_epoch = lr_curve("StepLR", 5, lr=1.0, step_size=2, gamma=0.5)
    np.testing.assert_array_equal(c["lr"], np.repeat(per_epoch, 3))
    assert len(c["momentum"]) == 15 and "val_loss" not in c


def test_explorer_curve_steps_a_per_batch_schedule_every_batch():
    c = explorer_curve("OneCycleLR", {"max_lr": 0.5, "total_steps": 20}, lr=0.5, num_epochs=4, steps_per_epoch=5)
    expected = lr_curve("OneCycleLR", 20, lr=0.5, max_lr=0.5, total_steps=20)
    np.testing.assert_allclose(c["lr"], expected, rtol=1e-12)
    assert len(set(c["lr"][:5].tolist())) == 5, "the rate moves within the first epoch"
    top = int(np.argmax(c["lr"]))
    assert c["momentum"][top] == pytest.approx(c["momentum"].min())  # cycled inversely


def test_explorer_curve_drives_plateau_with_its_validation_curve_and_explains_it():
    c = explorer_curve("ReduceLROnPlateau", {"patience": 1, "factor": 0.5}, lr=0.1, num_epochs=30,
                       steps_per_epoch=2, seed=3)
    np.testing.assert_array_equal(c["val_loss"], validation_curve(30, 3))
    np.testing.assert_array_equal(c["lr"][::2], [t["lr"] for t in c["trace"]])
    assert any(t["reduced"] for t in c["trace"]) and c["lr"][-1] < 0.1


@pytest.mark.parametrize("key", ["num_epochs", "steps_per_epoch"])
def test_explorer_curve_needs_a_whole_budget(key):
    with pytest.raises(ValueError, match=f"{key} must be an integer >= 1, got 0"):
        explorer_curve("StepLR", **{key: 0})


def test_stepping_curves_are_torchs():
    c = stepping_curves("CosineAnnealingLR", num_epochs=10, steps_per_epoch=20)
    assert np.allclose(c["right"], lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=200), 200))
    assert np.isclose(c["wrong"][10], 0.0, atol=1e-12) and np.isclose(c["wrong"][20], 0.1)  # swings back
    c = stepping_curves("OneCycleLR", num_epochs=5, steps_per_epoch=20)
    assert np.isclose(c["right"].max(), 0.1) and c["wrong"].max() < 0.01  # stepped per epoch: stuck low
    assert np.all(c["wrong"].reshape(5, 20) == c["wrong"].reshape(5, 20)[:, :1])  # constant within an epoch
    with pytest.raises(ValueError, match="name must be one of"):
        stepping_curves("StepLR")
    with pytest.raises(ValueError, match="steps_per_epoch"):
        stepping_curves("OneCycleLR", steps_per_epoch=0)
