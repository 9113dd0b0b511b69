"""lrcourse.schedules: our schedules keep torch's contract, the registry builds torch's own objects, bad input is explained.

The curves read from them (lr_curve and friends) are tested in tests/test_curves.py.
"""
import pickle

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as S

from lrcourse.curves import lr_curve
from lrcourse.schedules import TimeBasedLR, WallClockLR, make_scheduler


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
