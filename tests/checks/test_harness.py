"""lrcourse.checks.harness: the probe problem and the runs that the checks of learners' code compare."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.optim.lr_scheduler import OneCycleLR, StepLR

from lrcourse.checks.core import Unanswered
from lrcourse.curves import lr_curve
from lrcourse.optim import probe_optimizer
from lrcourse.checks.harness import (as_rates, curve_of, fmt, loop_problem, need_function,
                                     probe_batches, quietly, record_steps, reference_loop, run_loop)


def correct_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for _ in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()
        reported.append(scheduler.get_last_lr()[0])
    return reported


def halving(opt):
    return StepLR(opt, step_size=1, gamma=0.5)


def test_curve_of_reads_the_learners_scheduler():
    assert curve_of(halving, 3, lr=0.1).tolist() == [0.1, 0.05, 0.025]
    with pytest.raises(Unanswered):
        curve_of(lambda opt: ..., 3, lr=0.1)
    with pytest.raises(TypeError, match="opt -> scheduler"):
        curve_of(0.1, 3, lr=0.1)


def test_need_function():
    need_function(len, "f(x)")
    with pytest.raises(TypeError, match="give a function f\\(x\\)"):
        need_function("f", "f(x)")


def test_probe_batches_are_y_equals_2x_on_8_points():
    batches = probe_batches(4)
    assert len(batches) == 4 and all(len(x) == 2 for x, _ in batches)
    x = torch.cat([x for x, _ in batches])
    assert torch.equal(x.view(-1), torch.linspace(-1, 1, 8))
    assert all(torch.equal(y, 2 * x) for x, y in batches)


def test_record_steps_sees_each_steps_rate_and_momentum():
    opt = probe_optimizer("sgd_momentum", 0.1)
    seen = record_steps(opt)
    scheduler = halving(opt)
    for _ in range(3):
        opt.step()
        scheduler.step()
    assert seen == {"lr": [0.1, 0.05, 0.025], "momentum": [0.9, 0.9, 0.9]}


def test_quietly_returns_result_warnings_and_error_and_swallows_prints():
    def noisy(x):
        print("hello")
        import warnings
        warnings.warn("careful")
        return 2 * x
    assert quietly(noisy, 3) == (6, ["careful"], None)
    out, warned, error = quietly(lambda: {}["k"])
    assert out is None and warned == [] and isinstance(error, KeyError)
    with pytest.raises(ZeroDivisionError):  # not a mistake a check explains
        quietly(lambda: 1 / 0)


def test_a_correct_loop_matches_the_reference():
    run = run_loop(correct_loop, halving, num_epochs=2, num_batches=2, lr=0.1)
    ref = reference_loop(halving, num_epochs=2, num_batches=2, lr=0.1)
    assert run["error"] is None and run["warnings"] == []
    assert run["lr"] == ref["lr"] == [0.1, 0.1, 0.05, 0.05]
    assert run["returned"] == ref["after_epoch"] == [0.05, 0.025]
    assert math.isclose(run["weight"], ref["weight"]) and 0 < ref["weight"] < 2
    assert loop_problem(run, ref, 2, 2) is None


def test_reference_loop_per_batch_and_without_zero_grad():
    def one_cycle(opt):
        return OneCycleLR(opt, max_lr=0.1, total_steps=4)
    ref = reference_loop(one_cycle, 2, 2, lr=0.01, momentum=0.9, per="batch")
    assert ref["lr"] == pytest.approx(lr_curve(one_cycle, 4).tolist(), rel=1e-12)  # stepped after every batch
    assert ref["momentum"][0] == 0.95 and ref["momentum"][1] < 0.95  # OneCycleLR cycles it
    piled = reference_loop(None, 2, 2, lr=0.1, zero_grad=False)
    assert piled["lr"] == [0.1] * 4 and piled["weight"] != reference_loop(None, 2, 2, lr=0.1)["weight"]


@pytest.mark.parametrize("loop, hint", [
    (lambda *args: None, "optimizer.step() was never called"),
    (lambda m, opt, s, batches, n: [opt.step() for _ in range(4)], "the weight never moved"),
    (lambda m, opt, s, batches, n: correct_loop(m, opt, s, batches[:1], n), "ran 2 times"),
    (lambda *args: int("x"), "Running your function raised ValueError"),
])
def test_loop_problem_names_the_first_thing_wrong(loop, hint):
    run = run_loop(loop, halving, 2, 2, 0.1)
    assert hint in loop_problem(run, reference_loop(halving, 2, 2, 0.1), 2, 2)


def test_loop_problem_tells_missing_zero_grad_from_other_wrong_weights():
    run = run_loop(correct_loop, halving, 2, 2, 0.1)
    ref = reference_loop(halving, 2, 2, 0.1)
    off = dict(ref, weight=ref["weight"] + 0.1)
    assert "a correct loop gets" in loop_problem(run, off, 2, 2)
    assert "zero_grad" in loop_problem(run, dict(off, weight_no_zero_grad=run["weight"]), 2, 2)
    assert loop_problem(run, off, 2, 2, check_weight=False) is None


@pytest.mark.parametrize("values, rates", [
    ([0.1, 0.05], [0.1, 0.05]),
    ([[0.1], (0.05,)], [0.1, 0.05]),
    (torch.tensor([0.5]), [0.5]),
    (None, None), ("0.1", None), (3, None), ([[]], None), (["a"], None),
])
def test_as_rates(values, rates):
    assert as_rates(values) == rates


def test_fmt():
    assert fmt([0.1, 0.05, 1 / 3, 1e-5]) == "[0.1, 0.05, 0.3333, 1e-05]"
    assert fmt([]) == "[]"


def test_first_difference_names_one_place_not_the_whole_answer():
    from lrcourse.checks.harness import first_difference

    expected = [0.1] * 5 + [0.05] * 5
    given = [0.1] * 10
    assert first_difference(given, expected) == "in epoch 6 your rate is 0.1, where it should be 0.05"
    assert first_difference(given, expected, unit="step", first=0) == "in step 5 your rate is 0.1, where it should be 0.05"
    assert first_difference(expected, expected) == ""
    assert first_difference(expected[:4], expected) == "your answer has 4 values, where it should have 10"
