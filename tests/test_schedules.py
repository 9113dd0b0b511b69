"""lr_curve returns torch's own values; our schedules keep torch's contract; bad input is explained."""
import pickle
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as S

from lrcourse.curves import lr_curve, momentum_curve, schedule_curves
from lrcourse.schedules import TimeBasedLR, WallClockLR, make_scheduler, scheduler_names

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


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="StepLR", num_steps=10, lr=0.0, step_size=2), "lr must be a finite number > 0"),
    (dict(name="StepLR", num_steps=10, lr=-1.0, step_size=2), "lr must be"),
    (dict(name="StepLR", num_steps=10, step_size=2, gamma=0.0), "gamma must be a finite number > 0"),
    (dict(name="ExponentialLR", num_steps=10, gamma=-0.5), "gamma must be"),
    (dict(name="StepLR", num_steps=10, step_size=0), "step_size must be an integer >= 1"),
    (dict(name="StepLR", num_steps=0, step_size=2), "num_steps must be an integer >= 1"),
    (dict(name="Steplr", num_steps=10), "Unknown scheduler 'Steplr'. Choose one of: "),
    (dict(name="StepLR", num_steps=10, step_size=2, gama=0.5), "StepLR has no argument gama"),
    (dict(name="MultiStepLR", num_steps=10, milestones=[5, 2]), "milestones must be increasing"),
    (dict(name="CyclicLR", num_steps=10, base_lr=0.1, max_lr=-1.0), "max_lr must be"),
])
def test_bad_input_is_a_clear_value_error(kwargs, match):
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=match):
        lr_curve(name, **kwargs)


def test_onecycle_stepped_too_often_is_explained():
    with pytest.raises(ValueError, match=r"OneCycleLR failed at step \d+ of 20: Tried to step"):
        lr_curve("OneCycleLR", 20, max_lr=0.1, total_steps=10)


def test_plateau_needs_metrics():
    with pytest.raises(ValueError, match="pass metrics"):
        lr_curve("ReduceLROnPlateau", 10)
    with pytest.raises(ValueError, match="does not use metrics"):
        lr_curve("StepLR", 3, metrics=[1, 2, 3], step_size=1)


def test_time_based_decay_formula_and_contract():
    lrs = lr_curve("TimeBasedLR", 50, lr=0.5, k=0.2)
    np.testing.assert_allclose(lrs, 0.5 / (1 + 0.2 * np.arange(50)), rtol=0, atol=1e-15)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    s = TimeBasedLR(opt, k=0.2)
    for _ in range(5):
        opt.step(); s.step()
    state = s.state_dict()
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    s2 = TimeBasedLR(opt2, k=0.0)
    s2.load_state_dict(state)
    opt2.step(); s2.step(); opt.step(); s.step()
    assert s2.get_last_lr() == s.get_last_lr() == [pytest.approx(0.5 / 2.2)]
    with pytest.raises(ValueError, match="k must be"):
        TimeBasedLR(opt, k=-1)


def test_wall_clock_halves_every_period_with_a_fake_clock():
    now = [0.0]
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.8)
    s = WallClockLR(opt, period=5, clock=lambda: now[0])  # halve every 5 minutes
    seen = []
    for minute in range(0, 16):
        now[0] = minute * 60.0
        opt.step(); s.step()
        seen.append(s.get_last_lr()[0])
    assert seen[:5] == [0.8] * 5 and seen[5:10] == [0.4] * 5 and seen[10:15] == [0.2] * 5 and seen[15] == 0.1
    # resume: the state holds the elapsed time, not the clock, and pickles
    state = pickle.loads(pickle.dumps(s.state_dict()))
    later = [1000.0]
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.8)
    s2 = WallClockLR(opt2, period=5, clock=lambda: later[0])
    s2.load_state_dict(state)
    later[0] += 5 * 60
    opt2.step(); s2.step()
    assert s2.get_last_lr() == [0.05]  # 15 + 5 = 20 minutes: four halvings
    with pytest.raises(ValueError, match="period must be > 0"):
        WallClockLR(opt, period=0)
    with pytest.raises(ValueError, match="unit must be"):
        WallClockLR(opt, period=1, unit="days")


def test_make_scheduler_returns_the_real_torch_object():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    s = make_scheduler("CosineAnnealingLR", opt, T_max=10)
    assert type(s) is S.CosineAnnealingLR


def test_torch_errors_are_rewrapped_readably():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match=r"LinearLR\(start_factor=2.0\) cannot be built"):
        make_scheduler("LinearLR", opt, start_factor=2.0)


def test_plateau_trace_explains_torchs_own_decisions():
    from lrcourse.curves import plateau_trace

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
