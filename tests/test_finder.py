"""lrcourse.finder: the LR range test: the rates it uses, early stop, exact restore, its plot, bad input.

The sweep, the smoothing and the suggestion rules are pure functions, tested in tests/test_suggest.py.
"""
import math

import numpy as np
import pytest
import torch
from torch import nn

from lrcourse.data import Split, linear_data, noisy_linear_data
from lrcourse.finder import LRFinder
from lrcourse.suggest import METHODS, smooth_losses, sweep_lrs
from lrcourse.models import linear_model


def _tiny_classifier(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def _tiny_data(n=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    return Split(x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long())


def _snapshot(model, optimizer, scheduler=None):
    state = {k: v.clone() for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    opt_state = {i: {k: (v.clone() if torch.is_tensor(v) else v) for k, v in s.items()}
                 for i, s in opt["state"].items()}
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt["param_groups"]]
    return state, opt_state, groups, (scheduler.state_dict() if scheduler else None), model.training


def _assert_same(before, after):
    (m0, s0, g0, sch0, t0), (m1, s1, g1, sch1, t1) = before, after
    assert m0.keys() == m1.keys()
    for k in m0:  # bit for bit, buffers (BatchNorm running stats) included
        assert torch.equal(m0[k], m1[k]), f"{k} changed"
    assert s0.keys() == s1.keys()
    for i in s0:
        for k in s0[i]:
            v0, v1 = s0[i][k], s1[i][k]
            assert torch.equal(v0, v1) if torch.is_tensor(v0) else v0 == v1, f"optimizer state {i}.{k} changed"
    assert g0 == g1 and sch0 == sch1 and t0 == t1


def _warmed_up(opt_name="sgd"):
    """A model and an optimizer with momentum buffers, plus a scheduler that has stepped."""
    model, data = _tiny_classifier(), _tiny_data()
    if opt_name == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for xb, yb in data.batches(16):
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
        sched.step()
    return model, opt, sched, data


# --------------------------------------------------------------------------- the rates
@pytest.mark.parametrize("mode", ["exp", "linear"])
def test_rates_are_exactly_the_documented_sequence(mode):
    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01))
    finder.range_test(linear_data("cpu"), start_lr=1e-5, end_lr=0.01, num_iter=30, step_mode=mode,
                      verbose=False)
    i = np.arange(30) / 29
    expected = 1e-5 * (0.01 / 1e-5) ** i if mode == "exp" else 1e-5 + (0.01 - 1e-5) * i
    assert finder.history["lr"] == pytest.approx(expected, rel=1e-12)
    assert finder.history["lr"][0] == pytest.approx(1e-5) and finder.history["lr"][-1] == pytest.approx(0.01)


def test_each_rate_is_the_one_the_optimizer_used():
    x = torch.tensor([[1.0], [2.0]])
    data = Split(x, 2 * x)
    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.5))
    finder.range_test(data, start_lr=0.01, end_lr=0.05, num_iter=5, beta=0.0, batch_size=None,
                      verbose=False)
    w, losses = 0.0, []  # y = 2x, full batch: loss (2 - w)^2 * 2.5, gradient -5 (2 - w)
    for lr in sweep_lrs(0.01, 0.05, 5):
        losses.append(2.5 * (2 - w) ** 2)
        w += lr * 5 * (2 - w)
    assert finder.history["raw_loss"] == pytest.approx(losses, rel=1e-5)


def test_history_keeps_raw_and_smoothed_losses():
    model, opt, _, data = _warmed_up()
    finder = LRFinder(model, opt)
    finder.range_test(data, start_lr=1e-4, end_lr=1e-2, num_iter=12, beta=0.7, batch_size=16, verbose=False)
    h = finder.history
    assert set(h) == {"lr", "loss", "raw_loss"} and len(h["lr"]) == len(h["loss"]) == len(h["raw_loss"]) == 12
    assert h["loss"] == pytest.approx(smooth_losses(h["raw_loss"], 0.7).tolist())
    assert finder.smoothed(0.0).tolist() == pytest.approx(h["raw_loss"])


# --------------------------------------------------------------------------- early stop
def test_stops_when_the_smoothed_loss_passes_diverge_th_times_its_best():
    data = noisy_linear_data(device="cpu")
    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01))
    finder.range_test(data, start_lr=1e-4, end_lr=10, num_iter=100, diverge_th=4, verbose=False)
    h = finder.history
    assert len(h["lr"]) < 100, "a sweep to lr=10 on y = 2x must diverge"
    last = h["loss"][-1]
    assert not math.isfinite(last) or last > 4 * min(h["loss"])
    assert all(v <= 4 * min(h["loss"][: i + 1]) for i, v in enumerate(h["loss"][:-1]))
    assert "Stopped at iteration" in finder.message


def test_stops_on_nan():
    model = linear_model()
    calls = []

    def criterion(out, y):
        calls.append(1)
        loss = nn.functional.mse_loss(out, y)
        return loss * float("nan") if len(calls) == 7 else loss

    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01), criterion)
    finder.range_test(linear_data("cpu"), start_lr=1e-4, end_lr=1e-3, num_iter=20, verbose=False)
    assert len(finder.history["lr"]) == 7 and math.isnan(finder.history["raw_loss"][-1])
    assert "nan" in finder.message


# --------------------------------------------------------------------------- restore
@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("end_lr", [1e-2, 1e4], ids=["completed", "diverged"])
def test_model_optimizer_and_scheduler_are_restored_bit_for_bit(opt_name, end_lr):
    model, opt, sched, data = _warmed_up(opt_name)
    before = _snapshot(model, opt, sched)
    finder = LRFinder(model, opt, scheduler=sched)
    finder.range_test(data, start_lr=1e-4, end_lr=end_lr, num_iter=40, batch_size=16, verbose=False)
    stopped_early = len(finder.history["lr"]) < 40
    assert stopped_early == (end_lr > 1), "the large sweep must stop on divergence, the small one run through"
    _assert_same(before, _snapshot(model, opt, sched))
    # training goes on exactly as it would have without the range test
    twin, twin_opt, twin_sched, _ = _warmed_up(opt_name)
    for m, o, s in ((model, opt, sched), (twin, twin_opt, twin_sched)):
        xb, yb = next(data.batches(16))
        o.zero_grad()
        nn.functional.cross_entropy(m(xb), yb).backward()
        o.step()
        s.step()
    _assert_same(_snapshot(twin, twin_opt, twin_sched), _snapshot(model, opt, sched))


def test_restored_after_an_interrupt():
    model, opt, sched, data = _warmed_up()
    before = _snapshot(model, opt, sched)
    calls = []

    def criterion(out, y):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return nn.functional.cross_entropy(out, y)

    with pytest.raises(KeyboardInterrupt):
        LRFinder(model, opt, criterion, scheduler=sched).range_test(data, num_iter=20, batch_size=16)
    _assert_same(before, _snapshot(model, opt, sched))


def test_leaves_the_global_random_state_alone():
    model, opt, _, data = _warmed_up()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    LRFinder(model, opt).range_test(data, num_iter=10, batch_size=16, verbose=False)
    assert torch.equal(torch.rand(3), expected)


# --------------------------------------------------------------------------- validation and data
def test_validation_mode_records_the_validation_loss_after_each_step():
    x = torch.tensor([[1.0], [2.0]])
    train, val = Split(x, 2 * x), Split(torch.tensor([[3.0]]), torch.tensor([[6.0]]))
    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.5))
    finder.range_test(train, val_data=val, start_lr=0.01, end_lr=0.05, num_iter=5, beta=0.0,
                      batch_size=None, verbose=False)
    w, train_losses, val_losses = 0.0, [], []
    for lr in sweep_lrs(0.01, 0.05, 5):
        train_losses.append(2.5 * (2 - w) ** 2)
        w += lr * 5 * (2 - w)
        val_losses.append((3 * w - 6) ** 2)
    assert finder.history["train_loss"] == pytest.approx(train_losses, rel=1e-5)
    assert finder.history["raw_loss"] == pytest.approx(val_losses, rel=1e-5)


def test_data_wraps_around_when_num_iter_exceeds_an_epoch():
    model, opt, _, data = _warmed_up()  # 48 samples: 3 batches of 16
    finder = LRFinder(model, opt)
    finder.range_test(data, start_lr=1e-5, end_lr=1e-4, num_iter=10, batch_size=16, verbose=False)
    assert len(finder.history["lr"]) == 10
    loader = [next(data.batches(16))] * 2  # a re-iterable of batches, like a DataLoader
    finder.range_test(loader, start_lr=1e-5, end_lr=1e-4, num_iter=7, verbose=False)
    assert len(finder.history["lr"]) == 7


def test_same_seed_same_curve():
    model, opt, _, data = _warmed_up()
    runs = []
    for _ in range(2):
        f = LRFinder(model, opt)
        f.range_test(data, num_iter=15, batch_size=16, verbose=False)
        runs.append(f.history["raw_loss"])
    assert runs[0] == runs[1]


# --------------------------------------------------------------------------- suggestions (the rules: tests/test_suggest.py)
LRS = np.logspace(-5, 0, 101)
X = np.log10(LRS)


def test_suggest_needs_a_curve():
    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="range_test"):
        finder.suggest()


def test_plot_marks_every_suggestion():
    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.1))
    finder.history = {"lr": LRS.tolist(), "loss": ((X + 2) ** 2).tolist(), "raw_loss": ((X + 2) ** 2).tolist()}
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    found = finder.plot(ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(found) == set(METHODS)
    assert all(any(t.startswith(m + ":") for t in labels) for m in METHODS)
    assert ax.get_xscale() == "log"
    plt.close(fig)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, match", [
    (dict(start_lr=1.0, end_lr=0.1), "end_lr .* must be larger than start_lr"),
    (dict(start_lr=0.1, end_lr=0.1), "must be larger"),
    (dict(num_iter=4), "num_iter must be an integer >= 5"),
    (dict(start_lr=0.0), "start_lr must be a positive number"),
    (dict(step_mode="geometric"), "step_mode"),
    (dict(diverge_th=1), "diverge_th"),
    (dict(beta=1.5), "beta"),
])
def test_bad_settings_raise_clear_errors(kwargs, match):
    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=match):
        finder.range_test(linear_data("cpu"), **kwargs)


def test_data_without_batches_is_a_clear_error():
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="yields no batches"):
        LRFinder(model, opt).range_test([], verbose=False)
    with pytest.raises(ValueError, match="empty"):
        LRFinder(model, opt).range_test(Split(torch.zeros(0, 1), torch.zeros(0, 1)))
    with pytest.raises(ValueError, match="must be a Split"):
        LRFinder(model, opt).range_test("mnist")
    assert opt.param_groups[0]["lr"] == 0.1


def test_bad_constructor_arguments():
    model = linear_model()
    with pytest.raises(ValueError, match="torch.optim.Optimizer"):
        LRFinder(model, "sgd")
    other = torch.optim.SGD(linear_model().parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(other, 1)
    with pytest.raises(ValueError, match="attached to the optimizer"):
        LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.1), scheduler=sched)


def test_the_explorer_re_reads_the_stored_curve_without_re_running():
    from lrcourse.widgets import explore_finder

    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.1))
    raw = ((X + 2) ** 2 + 0.01).tolist()
    finder.history = {"lr": LRS.tolist(), "loss": raw, "raw_loss": raw}
    finder.range_test = None  # any attempt to re-run would fail
    ex = explore_finder(finder, skip_start=0, skip_end=0, log_loss=True, marks={"limit": 0.5})
    assert ex.ax.get_yscale() == "log"
    ex.controls["beta"].value = 0.0
    assert ex.suggestions["minimum"] == pytest.approx(1e-3)
    ex.controls["beta"].value = 0.9  # the smoothed curve lags: its minimum moves right
    assert ex.suggestions["minimum"] > 1e-3
    ex.controls["skip_end"].value = 50  # the slider's end: half the points; the lowest left is the last
    assert ex.suggestions["minimum"] == pytest.approx(LRS[50] / 10)
    ex.controls["log_loss"].value = False
    assert ex.ax.get_yscale() == "linear"
