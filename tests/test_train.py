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
from lrcourse.train import History, evaluate, fit, scheduler_step_per
from helpers import CASES
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
    if scheduler_step_per(sched) == "batch":
        assert len(set(lrs[:4].tolist())) > 1, "per-batch schedulers change the rate within an epoch"
    else:
        assert len(set(lrs[:4].tolist())) == 1, "per-epoch schedulers hold the rate within an epoch"


def test_intervals():
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    assert scheduler_step_per(S.CyclicLR(opt, 0.01, 0.1)) == "batch"
    assert scheduler_step_per(S.StepLR(opt, 2)) == "epoch"
    assert scheduler_step_per(S.StepLR(opt, 2), step_per="batch") == "batch"
    assert scheduler_step_per(S.ReduceLROnPlateau(opt)) == "plateau"
    with pytest.raises(ValueError, match="once per epoch"):
        scheduler_step_per(S.ReduceLROnPlateau(opt), step_per="batch")


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


@pytest.mark.slow  # three epochs of the full-width CNN on 3,500 images
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
        history.stopped = history.num_steps >= 3

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


def test_unknown_step_per_is_an_error_even_without_a_scheduler():
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match=r"step_per must be None .*'batch' or 'epoch', got 'minute'.*step_per='epoch'"):
        fit(model, linear_data("cpu"), opt, step_per="minute", progress=False)
    assert not any(p.grad is not None for p in model.parameters()), "refused before training a single step"


def test_plateau_without_validation_data_is_a_clear_error():
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match=r"validation split: pass val_data=.*never the test set"):
        fit(model, noisy_linear_data(64, device="cpu"), opt, S.ReduceLROnPlateau(opt), progress=False)
    with pytest.raises(ValueError, match=r"monitor='val_acc' needs class labels.*monitor='val_loss'"):
        fit(model, noisy_linear_data(64, device="cpu"), opt, S.ReduceLROnPlateau(opt, mode="max"),
            val_data=noisy_linear_data(16, seed=2, device="cpu"), monitor="val_acc", progress=False)


def test_fit_rejects_empty_data_and_foreign_scheduler():
    model = linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match="empty"):
        fit(model, (torch.zeros(0, 1), torch.zeros(0, 1)), opt, progress=False)
    other = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="different optimizer"):
        fit(model, linear_data("cpu"), opt, S.StepLR(other, 1), progress=False)


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


# ---------------------------------------------------------------- schedule-free hook and shoot-out
import schedulefree  # noqa: E402

from lrcourse.data import MNISTData, Split  # noqa: E402
from lrcourse.results import reach_target  # noqa: E402
from lrcourse.shootout import Contestant, shootout  # noqa: E402


class _TrainEvalSGD(torch.optim.SGD):
    """SGD with schedule-free style train()/eval() methods that record when they are called."""

    def __init__(self, *args, log, **kwargs):
        super().__init__(*args, **kwargs)
        self.log = log

    def train(self):
        self.log.append("train")

    def eval(self):
        self.log.append("eval")


def test_fit_calls_train_and_eval_of_a_schedule_free_optimizer():
    log = []
    model = linear_model()
    opt = _TrainEvalSGD(model.parameters(), lr=0.01, log=log)
    fit(model, noisy_linear_data(32, device="cpu"), opt, num_epochs=3, batch_size=8,
        val_data=noisy_linear_data(8, seed=1, device="cpu"), progress=False)
    # train before training; eval before each validation, train after it; eval at the end
    assert log == ["train", "eval", "train", "eval", "train", "eval", "train", "eval"]
    log.clear()
    fit(model, noisy_linear_data(32, device="cpu"), opt, num_epochs=2, batch_size=8, progress=False)
    assert log == ["train", "eval"]  # no validation data: only the start and the end


def test_fit_leaves_schedulefree_in_eval_mode_and_training_matches_a_manual_loop():
    data, val = noisy_linear_data(32, device="cpu"), noisy_linear_data(8, seed=1, device="cpu")
    torch.manual_seed(0)
    model = linear_model()
    opt = schedulefree.AdamWScheduleFree(model.parameters(), lr=0.01, warmup_steps=4)
    fit(model, data, opt, num_epochs=2, batch_size=8, val_data=val, generator=torch.Generator().manual_seed(0),
        progress=False)
    assert opt.param_groups[0]["train_mode"] is False  # the model holds the evaluation weights
    # the same training by hand, with the package's documented calls
    torch.manual_seed(0)
    manual = linear_model()
    opt2 = schedulefree.AdamWScheduleFree(manual.parameters(), lr=0.01, warmup_steps=4)
    gen = torch.Generator().manual_seed(0)
    for _ in range(2):
        manual.train()
        opt2.train()
        for xb, yb in data.batches(8, shuffle=True, generator=gen):
            opt2.zero_grad()
            nn.functional.mse_loss(manual(xb), yb).backward()
            opt2.step()
        opt2.eval()
    for p, q in zip(model.parameters(), manual.parameters()):
        torch.testing.assert_close(p, q)


def test_schedule_free_batchnorm_statistics_are_recomputed_at_the_evaluation_weights():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    opt = schedulefree.AdamWScheduleFree(model.parameters(), lr=0.05)
    seen = []  # (module in train mode, optimizer in train mode, grad enabled) at each forward
    model[1].register_forward_hook(lambda m, i, o: seen.append(
        (m.training, opt.param_groups[0]["train_mode"], torch.is_grad_enabled())))
    fit(model, noisy_linear_data(64, device="cpu"), opt, num_epochs=1, batch_size=16, progress=False)
    training = [s for s in seen if s[1]]
    refresh = [s for s in seen if not s[1]]
    assert len(training) == 4 and all(s == (True, True, True) for s in training)
    assert len(refresh) == 4 and all(s == (True, False, False) for s in refresh)  # no gradients
    assert not model.training


def _tiny_mnist():
    full = load_mnist("cpu", source="sample", verbose=False)
    return MNISTData(Split(full.train.x[:256], full.train.y[:256]), Split(full.val.x[:64], full.val.y[:64]),
                     Split(full.test.x[:128], full.test.y[:128]), "tiny", None)


def _sgd_factory(lr=0.05):
    return lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9)


def _small_model():
    return MnistCNN(width=4)


def test_shootout_gives_every_contestant_the_same_start_and_data_order():
    data = _tiny_mnist()
    contestants = [Contestant("fixed", _sgd_factory()),
                   Contestant("step", _sgd_factory(), lambda opt: S.StepLR(opt, step_size=1, gamma=0.5)),
                   Contestant("one cycle", _sgd_factory(), lambda opt: S.OneCycleLR(opt, 0.1, total_steps=8)),
                   Contestant("schedule-free", lambda p: schedulefree.AdamWScheduleFree(p, lr=0.0025))]
    r = shootout(contestants, data, seeds=(0, 1), num_epochs=2, target_acc=0.2, model_fn=_small_model,
                 verbose=False)
    for i, seed in enumerate((0, 1)):
        # the first batch's loss depends only on the weights and the batch: the same for all
        # contestants whose first step uses the same weights (one cycle starts at a lower rate, but
        # the loss is computed before the first step)
        first = {c.label: r.histories[c.label][i].steps["loss"][0] for c in contestants}
        assert len(set(first.values())) == 1, first
    assert r.histories["fixed"][0].steps["loss"][0] != r.histories["fixed"][1].steps["loss"][0]
    assert set(r.initial_states) == {0, 1}
    # every run: 2 epochs of 4 batches; histories per seed
    assert all(len(hs) == 2 and hs[0].num_steps == 8 for hs in r.histories.values())
    assert r.histories["step"][0].lr.tolist() == [0.05] * 4 + [0.025] * 4


def test_shootout_is_reproducible_and_add_reuses_the_initial_weights():
    data = _tiny_mnist()
    r = shootout([Contestant("a", _sgd_factory())], data, seeds=(0, 1), num_epochs=1, model_fn=_small_model,
                 verbose=False)
    row = r.add(Contestant("a again", _sgd_factory()))
    assert r.test_acc["a again"] == r.test_acc["a"]
    assert [h.steps["loss"] for h in r.histories["a again"]] == [h.steps["loss"] for h in r.histories["a"]]
    assert row.label == "a again" and len(r.contestants) == 2 and row.accs == tuple(r.test_acc["a"])


def test_the_test_split_is_read_once_per_run_after_training():
    data = _tiny_mnist()
    calls = []

    class CountingSplit(Split):
        def batches(self, *args, **kwargs):
            calls.append(len(r_holder) and r_holder[0])
            return super().batches(*args, **kwargs)

    r_holder = []
    data.test = CountingSplit(data.test.x, data.test.y)

    def on_run(label, seed, history):  # called after the test evaluation of that run
        r_holder[:] = [f"{label} {seed}"]

    shootout([Contestant("a", _sgd_factory()), Contestant("b", _sgd_factory(0.01))], data, seeds=(0, 1, 2),
             num_epochs=1, model_fn=_small_model, verbose=False, on_run=on_run)
    assert len(calls) == 6  # one evaluation per run, none during training or validation
    assert calls == [0, "a 0", "a 1", "a 2", "b 0", "b 1"]  # each before its run's on_run, after training


def test_leaderboard_rows_mean_std_and_target():
    data = _tiny_mnist()
    r = shootout([Contestant("slow", _sgd_factory(1e-4)), Contestant("fast", _sgd_factory(0.05))], data,
                 seeds=(0, 1, 2), num_epochs=2, target_acc=0.3, model_fn=_small_model, verbose=False)
    rows = r.leaderboard()
    means = [row.acc_mean for row in rows]
    assert means == sorted(means, reverse=True) and all(row.split == "test" for row in rows)
    for row in rows:
        runs = r.runs[row.label]
        accs = np.array(runs.test_accs)
        assert row.acc_mean == pytest.approx(accs.mean())
        assert row.acc_std == pytest.approx(accs.std(ddof=1))
        reached = [reach_target(h, 0.3) for h in runs.histories]
        epochs = [e for e, _ in reached if e is not None]
        assert row.reached == len(epochs)
        assert row.epochs_to_target == (pytest.approx(np.mean(epochs)) if epochs else None)
        assert row.wall_time_s == pytest.approx(np.mean(runs.wall_times))
    text = r.table()
    assert "slow" in text and "fast" in text and "reached 30%" in text


def test_reach_target_when_never_reached():
    h = History()
    h.epochs.update(epoch=[1, 2], val_acc=[0.5, 0.6], time=[1.0, 1.0])
    assert reach_target(h, 0.6) == (2, 2.0)
    assert reach_target(h, 0.7) == (None, None)


def test_shootout_bad_input_is_explained():
    data = _tiny_mnist()
    a = Contestant("a", _sgd_factory())
    with pytest.raises(ValueError, match="unique"):
        shootout([a, a], data, verbose=False)
    with pytest.raises(ValueError, match="Contestant"):
        shootout([("a", _sgd_factory())], data, verbose=False)
    with pytest.raises(ValueError, match="at least one seed"):
        shootout([a], data, seeds=(), verbose=False)
    with pytest.raises(ValueError, match="num_epochs"):
        shootout([a], data, num_epochs=0, verbose=False)
    with pytest.raises(ValueError, match="test"):
        shootout([a], data.train, verbose=False)
    # a contestant that fails names itself and the seed: OneCycleLR with too few total_steps
    bad = Contestant("too short", _sgd_factory(), lambda opt: S.OneCycleLR(opt, 0.1, total_steps=2))
    with pytest.raises(ValueError, match="'too short' failed with seed 0"):
        shootout([bad], data, num_epochs=1, model_fn=_small_model, verbose=False)


def test_shootout_prints_one_line_per_contestant(capsys):
    shootout([Contestant("a", _sgd_factory())], _tiny_mnist(), seeds=(0,), num_epochs=1, model_fn=_small_model)
    out = capsys.readouterr().out
    assert "a: 1 runs in" in out and "1 runs (1 contestants x 1 seeds, 1 epochs each)" in out
