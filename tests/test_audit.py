"""lrcourse.audit: what watch() records, the pitfalls it names, what it must never do (change a rate or a weight)."""
import re
import traceback
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, OneCycleLR, StepLR

from lrcourse.audit import AuditWarning, watch
from lrcourse.audit_bench import coverage, false_alarms, transformers_warmup
from lrcourse.audit_exhibits import EXHIBITS, train_loop
from lrcourse.audit_rules import Trace, diagnose
from lrcourse.checks.harness import probe_batches
from lrcourse.models import linear_model
from lrcourse.pitfalls import PITFALLS

matplotlib.use("Agg")
NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "07_pitfalls.py"


def _sgd(lr=0.1, momentum=0.0):
    model = linear_model(0.0)
    return model, torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


@pytest.mark.parametrize("exhibit", EXHIBITS, ids=lambda e: e.name)
def test_each_broken_exhibit_is_named_and_its_fix_is_not(exhibit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        broken, fixed = exhibit.run(False).report(), exhibit.run(True).report()
    assert set(exhibit.pitfalls) <= broken.names, broken
    assert fixed.names == set(), fixed


def test_coverage_counts_every_pitfall_of_the_table():
    c = coverage()
    assert c["of"] == len(PITFALLS) == 8
    assert c["named"] >= 7, c["missed"]


@pytest.mark.parametrize("make, step_per", [
    (lambda o: StepLR(o, step_size=2, gamma=0.5), None),
    (lambda o: OneCycleLR(o, max_lr=0.05, total_steps=6), None),
    (lambda o: CosineAnnealingLR(o, T_max=6), "batch"),
    (lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0), None),
    (lambda o: [torch.optim.lr_scheduler.LinearLR(o, 0.1, total_iters=2),
                torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0)], None),
], ids=["StepLR", "OneCycleLR", "cosine per batch", "plateau", "warmup + plateau"])
def test_no_false_alarm_on_fit(make, step_per):
    from lrcourse.data import linear_data
    from lrcourse.train import fit

    model, opt = _sgd(0.01)
    sched = make(opt)
    with watch(opt, sched, steps_per_epoch=2, num_epochs=3) as audit:
        fit(model, linear_data("cpu"), opt, sched, 3, batch_size=2, val_data=linear_data("cpu"), step_per=step_per,
            progress=False, verbose=False)
    assert len(audit.rates) == 6 and audit.report().names == set()


@pytest.mark.slow
def test_no_false_alarm_on_fit_and_shootout_runs():
    rows = false_alarms(num_images=64, num_epochs=2)
    assert len(rows) == 20 and all(r["steps"] == 2 for r in rows)
    assert [r for r in rows if r["named"]] == []


def test_transformers_cosine_warmup_is_named_for_its_zero_first_step():
    hf = transformers_warmup()
    assert hf["first_rate"] == 0.0 and hf["named"] == ["warmup_zero"]


def _run(audited: bool):
    torch.manual_seed(0)
    backbone, head = torch.nn.Linear(3, 3), torch.nn.Linear(3, 1)
    opt = torch.optim.SGD([{"params": backbone.parameters(), "lr": 0.01},
                           {"params": head.parameters(), "lr": 0.1}], momentum=0.9)
    sched = OneCycleLR(opt, max_lr=[0.01, 0.1], total_steps=12)
    audit = watch(opt, sched, steps_per_epoch=4, num_epochs=3) if audited else None
    x = torch.randn(8, 3)
    rates = []
    for _ in range(12):
        opt.zero_grad()
        head(torch.relu(backbone(x))).pow(2).mean().backward()
        rates.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    if audit is not None:
        audit.report(), audit.plot(), audit.close()
    return [p.detach().clone() for p in [*backbone.parameters(), *head.parameters()]], rates, audit


def test_the_audit_changes_no_rate_and_no_weight():
    plain_w, plain_rates, _ = _run(False)
    audited_w, audited_rates, audit = _run(True)
    assert plain_rates == audited_rates
    assert all(torch.equal(a, b) for a, b in zip(plain_w, audited_w))
    assert audit.rates.tolist() == plain_rates  # and it recorded what the optimizer used


def _raised_from(err: BaseException) -> str:
    return traceback.extract_tb(err.__traceback__)[-1].filename


@pytest.mark.parametrize("args, kwargs, error, words", [
    ((torch.nn.Linear(1, 1),), {}, TypeError, "needs the torch.optim.Optimizer"),
    ((None, None), {}, TypeError, "with the optimizer first"),
    (("opt", "cosine"), {}, TypeError, "schedulers, got str"),
    (("opt",), {"steps_per_epoch": 0}, ValueError, "steps_per_epoch must be a positive int"),
    (("opt",), {"num_epochs": 2.5}, ValueError, "num_epochs must be a positive int"),
    (("opt",), {"step_per": "batches"}, ValueError, "step_per must be"),
])
def test_bad_input_gets_a_clear_error_from_the_audit_not_from_torch(args, kwargs, error, words):
    _, opt = _sgd()
    args = tuple(opt if a == "opt" else a for a in args)
    with pytest.raises(error, match=words) as info:
        watch(*args, **kwargs)
    assert _raised_from(info.value).endswith("audit.py")


def test_a_scheduler_of_another_optimizer_is_refused():
    _, opt = _sgd()
    _, other = _sgd()
    with pytest.raises(ValueError, match="drives another optimizer") as info:
        watch(opt, StepLR(other, 1))
    assert _raised_from(info.value).endswith("audit.py")


def test_close_gives_the_scheduler_back_and_state_dict_stays_torchs(tmp_path):
    _, opt = _sgd()
    sched = StepLR(opt, step_size=1, gamma=0.5)
    with watch(opt, sched) as audit:
        opt.step()
        sched.step()
        state = sched.state_dict()
        torch.save(state, tmp_path / "s.pt")  # a checkpoint taken while watching
        assert isinstance(sched, StepLR) and type(sched) is not StepLR
    assert type(sched) is StepLR and not opt._optimizer_step_pre_hooks
    assert set(state) == set(StepLR(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1), 1).state_dict())
    opt.step()
    sched.step()
    assert len(audit.rates) == 1  # closed: nothing more recorded


def test_get_lr_is_counted_only_when_the_loop_calls_it():
    _, opt = _sgd()
    sched = StepLR(opt, step_size=2, gamma=0.5)
    with warnings.catch_warnings(), watch(opt, sched) as audit:
        warnings.simplefilter("ignore")
        for _ in range(4):
            opt.step()
            sched.step()
        assert audit.trace.get_lr_calls == []
        sched.get_lr()
    assert audit.report().names == {"get_lr"}
    assert "get_lr() was called 1 times" in str(audit.report())


def test_an_overrun_of_onecycle_is_predicted_before_torch_raises():
    model, opt = _sgd(momentum=0.9)
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=5)  # 5 epochs, stepped per batch
    with pytest.warns(AuditWarning, match="Tried to step") as caught, watch(opt, sched, steps_per_epoch=8,
                                                                           num_epochs=5) as audit:
        with pytest.raises(ValueError, match="Tried to step"):
            train_loop(model, opt, sched, probe_batches(8), 5)
    assert len(caught) == 1
    assert audit.trace.predicted and "units" in audit.report().names


def test_a_scheduler_recreated_mid_run_is_named():
    model, opt = _sgd()
    sched = CosineAnnealingLR(opt, T_max=8)
    with watch(opt, sched, steps_per_epoch=2, num_epochs=4) as audit:
        train_loop(model, opt, sched, probe_batches(2), 2, per="epoch")
        again = CosineAnnealingLR(opt, T_max=8)  # built again, as a loop that builds it inside the epoch loop
        train_loop(model, opt, again, probe_batches(2), 2, per="epoch")
    assert "restarted" in audit.report().names


def test_a_rate_that_never_changes_under_a_schedule_is_named():
    model, opt = _sgd()
    sched = StepLR(opt, step_size=1, gamma=0.5)
    with watch(opt, sched, steps_per_epoch=2, num_epochs=3) as audit:
        for x, y in probe_batches(2) * 3:  # scheduler.step() forgotten
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    assert audit.report().names == {"never_changed"}


def test_identical_groups_under_one_peak_are_named_but_weight_decay_groups_are_not():
    def groups(decay):
        return [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.01, "weight_decay": d} for d in decay]
    same = torch.optim.SGD(groups([0.0, 0.0]), lr=0.01)
    decay = torch.optim.SGD(groups([0.01, 0.0]), lr=0.01)
    assert watch(same, OneCycleLR(same, 0.01, total_steps=4)).trace.shared_peak == 0.01
    assert watch(decay, OneCycleLR(decay, 0.01, total_steps=4)).trace.shared_peak is None


def test_a_warmup_that_starts_above_zero_is_not_named():
    model, opt = _sgd()
    sched = LambdaLR(opt, lambda s: min(1.0, (s + 1) / 4))
    with watch(opt, sched) as audit:
        train_loop(model, opt, sched, probe_batches(2), 3)
    assert audit.report().names == set()


@pytest.mark.parametrize("events, expected", [
    ("so" * 4, "step_order"),  # the scheduler first, the run ends on the optimizer
    ("s" + "os" * 4, None),  # one skipped optimizer step at the start, right order
    ("sos" * 4, "extra_scheduler_steps"),  # two scheduler steps per optimizer step, all through
    ("ssss" + "os" * 6, "extra_scheduler_steps"),  # a scaler that skipped the first 4 steps
    ("os" * 5, None),
])
def test_the_order_rules_on_written_traces(events, expected):
    n_o = events.count("o")
    t = Trace(rates=[[0.1 / (i + 1)] for i in range(n_o)], events=list(events), scheduler="StepLR",
              last_epoch=events.count("s"))
    names = {f.pitfall.key for f in diagnose(t)}
    if expected is None:
        assert names <= {"extra_scheduler_steps"} and ("extra_scheduler_steps" in names) == events.startswith("so")
    else:
        assert expected in names


def test_the_plot_draws_the_intended_curve_against_the_rates_used():
    model, opt = _sgd()
    sched = CosineAnnealingLR(opt, T_max=4)  # sized in epochs, stepped per batch
    with watch(opt, sched, steps_per_epoch=8, num_epochs=4) as audit:
        train_loop(model, opt, sched, probe_batches(8), 4)
    ax = audit.plot()
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["intended", "used"]
    intended, used = (np.asarray(line.get_ydata()) for line in ax.get_lines())
    assert len(intended) == len(used) == 32
    assert np.allclose(intended[::8], [0.1, 0.1 * (1 + np.cos(np.pi / 4)) / 2, 0.05, 0.1 * (1 + np.cos(3 * np.pi / 4)) / 2])
    assert "units" in ax.get_title()


def test_every_link_of_the_table_is_cited_by_notebook_07():
    text = NOTEBOOK.read_text()
    cited = set(re.findall(r"\((https?://[^)\s]+)\)", text))
    missing = [link for p in PITFALLS.values() for link in p.links if link not in cited]
    assert not missing, missing


def test_the_steps_a_scaler_skipped_are_counted():
    amp = next(e for e in EXHIBITS if e.name.startswith("AMP"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        broken, fixed = amp.run(False), amp.run(True)
    assert broken.skipped_steps == broken.trace.events.count("s") - len(broken.rates) > 0
    assert fixed.skipped_steps == 0 and len(fixed.rates) == len(broken.rates)


def _steps(model, opt, n):
    for x, y in probe_batches(n):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def test_a_cooldown_that_takes_over_the_held_rate_is_no_restart_but_a_schedule_that_jumps_is():
    def branch(start_factor):
        model, opt = _sgd(0.05, momentum=0.9)
        _steps(model, opt, 4)  # the optimizer has stepped: momentum buffers
        held = [g["lr"] for g in opt.param_groups]
        cooldown = torch.optim.lr_scheduler.LinearLR(opt, start_factor=start_factor, end_factor=0.0, total_iters=4)
        with watch(opt, cooldown, held_before=held) as audit:
            train_loop(model, opt, cooldown, probe_batches(2), 2)
        return audit.report().names

    assert "restarted" not in branch(1.0)  # WSD: the cooldown starts at the rate the run held
    assert "restarted" in branch(0.1)  # the rate jumped when the scheduler was built


def test_a_rate_set_by_hand_before_the_scheduler_takes_over_is_a_warmup_not_a_restart():
    model, opt = _sgd(0.1 / 3)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    with watch(opt, plateau) as audit:
        for epoch, loss in enumerate([2.0, 1.0, 0.9, 0.95, 0.96], start=1):
            _steps(model, opt, 1)
            if epoch < 3:
                for g in opt.param_groups:
                    g["lr"] = 0.1 * (epoch + 1) / 3  # the warmup, by hand
            else:
                plateau.step(loss)
        assert "restarted" not in audit.report().names
        for g in opt.param_groups:
            g["lr"] = 1.0  # by hand, after the scheduler took over
        _steps(model, opt, 1)
    assert "restarted" in audit.report().names


def test_a_range_test_on_a_watched_optimizer_is_not_part_of_the_loop():
    from lrcourse.audit import paused
    from lrcourse.data import Split
    from lrcourse.finder import LRFinder

    model, opt = _sgd(0.1, momentum=0.9)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    x = torch.linspace(-1, 1, 64).view(-1, 1)
    with watch(opt, sched) as audit:
        train_loop(model, opt, sched, probe_batches(2), 2, per="epoch")
        LRFinder(model, opt, torch.nn.MSELoss(), scheduler=sched).range_test(Split(x, 2 * x), num_iter=20,
                                                                              verbose=False)
        train_loop(model, opt, sched, probe_batches(2), 2, per="epoch")
        with paused(opt):
            opt.step()  # not recorded either
    assert len(audit.rates) == 8 and audit.report().names == set()


def test_a_schedule_checkpointed_half_way_is_not_called_sized_in_another_unit():
    def half_run(checkpoint):
        model, opt = _sgd()
        sched = CosineAnnealingLR(opt, T_max=10)
        with watch(opt, sched) as audit:
            train_loop(model, opt, sched, probe_batches(2), 3, per="epoch")
            if checkpoint:
                sched.state_dict()  # saved: the run goes on elsewhere
        return audit.report().names

    assert "units" in half_run(False) and "units" not in half_run(True)
