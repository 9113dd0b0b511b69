"""fit: steps every scheduler the way it needs, records a History, stops cleanly on divergence."""
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.optim import lr_scheduler as S

from lrcourse.data import load_mnist, linear_data, noisy_linear_data
from lrcourse.device import pick_device, seed_everything
from lrcourse.models import MnistCNN, linear_model
from lrcourse.train import History, evaluate, fit, histories_table, scheduler_interval
from test_schedules import CASES, _ticker
from lrcourse.schedules import make_scheduler


def _sgd(model, lr=0.05):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fit_works_with_every_scheduler(name):
    data = noisy_linear_data(64, device="cpu")
    val = noisy_linear_data(32, seed=1, device="cpu")
    model = linear_model()
    opt = _sgd(model)
    case = CASES[name]
    sched = case(opt) if callable(case) else make_scheduler(name, opt, **case)
    h = fit(model, data, opt, sched, num_epochs=3, batch_size=16, val_data=val, progress=False)
    assert not h.diverged and h.num_steps == 12 and len(h.epochs["epoch"]) == 3
    lrs = h.lr
    if scheduler_interval(sched) == "batch":
        assert len(set(lrs[:4].tolist())) > 1, "per-batch schedulers change the rate within an epoch"
    else:
        assert len(set(lrs[:4].tolist())) == 1, "per-epoch schedulers hold the rate within an epoch"


def test_intervals():
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    assert scheduler_interval(S.CyclicLR(opt, 0.01, 0.1)) == "batch"
    assert scheduler_interval(S.StepLR(opt, 2)) == "epoch"
    assert scheduler_interval(S.StepLR(opt, 2), step_per="batch") == "batch"
    assert scheduler_interval(S.ReduceLROnPlateau(opt)) == "plateau"
    with pytest.raises(ValueError, match="once per epoch"):
        scheduler_interval(S.ReduceLROnPlateau(opt), step_per="batch")


def test_steplr_tutorial_example_on_y_equals_2x():
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = S.StepLR(opt, step_size=5, gamma=0.5)
    h = fit(model, linear_data("cpu"), opt, sched, num_epochs=15, batch_size=None, progress=False)
    assert h.lr.tolist() == [0.1] * 5 + [0.05] * 5 + [0.025] * 5
    assert sched.get_last_lr() == [0.0125]


def test_plateau_steps_on_validation_loss():
    data = noisy_linear_data(64, device="cpu")
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=1e-6)  # so slow that validation loss plateaus
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.5)
    seen = []
    real_step = sched.step
    sched.step = lambda m: (seen.append(m), real_step(m))
    h = fit(model, data, opt, sched, num_epochs=3, val_data=noisy_linear_data(16, seed=2, device="cpu"),
            progress=False)
    assert seen == h.epochs["val_loss"]
    assert h.lr[-1] < 1e-6


def test_divergence_stops_cleanly_with_one_line(capsys):
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)  # far above 2/L for x = 1..4
    h = fit(model, linear_data("cpu"), opt, num_epochs=500, batch_size=None, progress=False)
    out = capsys.readouterr().out.strip()
    assert h.diverged and not math.isfinite(h.loss[-1])
    assert len(out.splitlines()) == 1 and "Diverged" in out and "lr=1" in out
    assert h.num_steps < 500


def test_history_records_every_group_and_momentum():
    model = nn.Sequential(nn.Linear(1, 4), nn.Linear(4, 1))
    opt = torch.optim.SGD([{"params": model[0].parameters()},
                           {"params": model[1].parameters(), "lr": 0.001}], lr=0.01, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=[0.01, 0.001], total_steps=8)
    h = fit(model, noisy_linear_data(32, device="cpu"), opt, sched, num_epochs=2, batch_size=8,
            progress=False)
    assert len(h.steps["lr"][0]) == 2
    assert all(b == pytest.approx(a / 10) for a, b in h.steps["lr"])
    assert h.steps["momentum"][0] == pytest.approx(0.95) and min(h.steps["momentum"]) < 0.95
    adam = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    h = fit(model, noisy_linear_data(32, device="cpu"), adam, num_epochs=1, progress=False)
    assert h.steps["momentum"] == [0.8]


def test_cpu_training_is_bit_reproducible():
    data = load_mnist("cpu", source="sample", verbose=False)
    runs = []
    for _ in range(2):
        gen = seed_everything(3)
        model = MnistCNN(width=8)
        opt = _sgd(model)
        h = fit(model, data, opt, num_epochs=1, generator=gen, progress=False)
        runs.append((h.steps["loss"], [p.detach().clone() for p in model.parameters()]))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(a, b) for a, b in zip(runs[0][1], runs[1][1]))


def test_mnist_cnn_learns_on_the_sample():
    data = load_mnist("cpu", source="sample", verbose=False)
    gen = seed_everything(0)
    model = MnistCNN()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=0.2, total_steps=3 * data.train.num_batches(64))
    h = fit(model, data, opt, sched, num_epochs=3, generator=gen, progress=False)
    assert h.final("val_acc") > 0.9
    _, test_acc = evaluate(model, data.test)
    assert test_acc > 0.9


def test_stop_request_ends_cleanly(capsys):
    def stop_after_three(history):
        history.stop_requested = history.num_steps >= 3

    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    h = fit(model, noisy_linear_data(64, device="cpu"), opt, num_epochs=5, batch_size=8,
            callback=stop_after_three, callback_every=1, progress=False)
    assert h.stopped and not h.diverged and h.num_steps == 3
    assert "Stopped" in capsys.readouterr().out


def test_progress_bar_can_be_shown(capsys):
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    fit(model, noisy_linear_data(64, device="cpu"), opt, num_epochs=2, batch_size=16, label="demo")
    err = capsys.readouterr().err
    assert "demo" in err and "8/8" in err


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_epochs=0), "num_epochs must be an integer >= 1"),
    (dict(monitor="acc"), "monitor must be"),
    (dict(step_per="minute"), "step_per must be"),
])
def test_fit_bad_arguments(kwargs, match):
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    sched = S.StepLR(opt, 1)
    with pytest.raises(ValueError, match=match):
        fit(model, linear_data("cpu"), opt, sched, progress=False, **kwargs)


def test_fit_rejects_empty_data_and_foreign_scheduler():
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match="empty"):
        fit(model, (torch.zeros(0, 1), torch.zeros(0, 1)), opt, progress=False)
    other = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="different optimizer"):
        fit(model, linear_data("cpu"), opt, S.StepLR(other, 1), progress=False)


def test_histories_table():
    h = History(label="a")
    h.epochs.update(epoch=[1], train_loss=[1.0], val_loss=[0.9], val_acc=[0.5], time=[2.0])
    assert histories_table([h]) == [{"label": "a", "epochs": 1, "steps": 0, "train_loss": 1.0, "val_loss": 0.9,
                                     "val_acc": 0.5, "time_s": 2.0, "state": "ok"}]


def test_pick_device_here_and_forced(monkeypatch):
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device().type in (expected, "mps")
    monkeypatch.setenv("LRCOURSE_DEVICE", "cpu")
    assert pick_device().type == "cpu"
    with pytest.raises(ValueError, match="Unknown device"):
        pick_device("tpu9")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            pick_device("cuda")


# ---------------------------------------------------------------- y = 2x by hand
from lrcourse.train import curvature, gd_regime, gradient_descent_1d, stability_limit  # noqa: E402


def test_curvature_and_limit_of_the_tutorial_data():
    assert curvature([1, 2, 3, 4]) == 15.0
    assert stability_limit([1, 2, 3, 4]) == pytest.approx(2 / 15)
    with pytest.raises(ValueError, match="empty"):
        curvature([])


def test_gradient_descent_matches_torch_sgd():
    x, y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]
    path = gradient_descent_1d(x, y, lr=0.05, w0=0.5, num_steps=10)
    model = linear_model(0.5).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    xs = torch.tensor(x, dtype=torch.float64).view(-1, 1)
    ws = [0.5]
    for _ in range(10):
        opt.zero_grad()
        nn.functional.mse_loss(model(xs), 2 * xs).backward()
        opt.step()
        ws.append(model.weight.item())
    np.testing.assert_allclose(path["w"], ws, rtol=1e-12)


@pytest.mark.parametrize("lr, regime, converges", [
    (0.01, "too small", True), (1 / 15, "just right", True), (0.12, "oscillating", True), (0.14, "diverging", False),
])
def test_regimes_match_what_gradient_descent_does(lr, regime, converges):
    x = [1, 2, 3, 4]
    assert gd_regime(lr, x) == regime
    path = gradient_descent_1d(x, [2, 4, 6, 8], lr, num_steps=200)
    assert (path["loss"][-1] < path["loss"][0]) == converges
    if regime == "oscillating":
        assert np.all(np.diff(np.sign(path["w"][1:20] - 2)) != 0), "it overshoots at every step"


def test_divergence_in_torch_starts_at_the_derived_limit():
    limit = stability_limit([1, 2, 3, 4])
    for lr, expect in ((limit * 0.98, False), (limit * 1.02, True)):
        model = linear_model()
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        h = fit(model, linear_data("cpu"), opt, num_epochs=400, batch_size=None, progress=False, verbose=False)
        grew = h.diverged or h.loss[-1] > h.loss[0]
        assert grew == expect


def test_gradient_descent_bad_input():
    with pytest.raises(ValueError, match="lr must be"):
        gradient_descent_1d([1], [2], lr=0)
    with pytest.raises(ValueError, match="num_steps"):
        gradient_descent_1d([1], [2], lr=0.1, num_steps=0)
    with pytest.raises(ValueError, match="same length"):
        gradient_descent_1d([1, 2], [2], lr=0.1)
    path = gradient_descent_1d([1, 2, 3, 4], [2, 4, 6, 8], lr=10.0, num_steps=400)
    assert np.isinf(path["loss"][-1]), "divergence is reported as inf, not an exception"
