"""Notebook 07's bug zoo: every exhibit's broken form fails its check with a specific hint, the fix passes.

The broken and fixed forms are written here the way a learner writes them in the notebook; the
checks run them on tiny synthetic problems, so each check takes well under a second.
"""
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.optim.lr_scheduler import (CosineAnnealingLR, CyclicLR, LinearLR, OneCycleLR, ReduceLROnPlateau,
                                      SequentialLR)

from lrcourse.checks import check, mystery_curves
from lrcourse.train import evaluate, fit


@pytest.fixture(autouse=True, scope="module")
def _warm_up():
    """torch imports parts of itself at the first optimizer.step() (seconds): not the checks' cost."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = CosineAnnealingLR(opt, T_max=2)
    opt.step()
    scheduler.step()


def _timed_check(exercise_id, answer):
    start = time.perf_counter()
    result = check(exercise_id, answer)
    assert time.perf_counter() - start < 2.0, f"{exercise_id} is too slow for a notebook check"
    return result


def assert_fails(exercise_id, answer, *words):
    result = _timed_check(exercise_id, answer)
    assert not result.passed, f"{exercise_id} passed a broken form: {result.message}"
    for word in words:
        assert word in result.message, f"{exercise_id}: the hint {result.message!r} does not mention {word!r}"
    return result


def assert_passes(exercise_id, answer):
    result = _timed_check(exercise_id, answer)
    assert result.passed, f"{exercise_id} rejected a correct form: {result.message}"
    return result


# --------------------------------------------------------------------------- 1. the silent loop
def silent_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            loss = F.mse_loss(model(x), y)  # computed, never used
        scheduler.step()
        reported.append(scheduler.get_lr()[0])
    return reported


def get_lr_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()
        reported.append(scheduler.get_lr()[0])
    return reported


def no_zero_grad_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()
        reported.append(scheduler.get_last_lr()[0])
    return reported


def fixed_silent_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()
        reported.append(scheduler.get_last_lr()[0])
    return reported


def test_silent_loop():
    assert_fails("07.fix_silent_loop", silent_loop, "optimizer.step() was never called", "get_last_lr")
    assert_fails("07.fix_silent_loop", get_lr_loop, "get_lr() computes the NEXT")
    assert_fails("07.fix_silent_loop", no_zero_grad_loop, "zero_grad")
    assert_passes("07.fix_silent_loop", fixed_silent_loop)


# --------------------------------------------------------------------------- 2. step order
def scheduler_first(model, optimizer, scheduler, batches, num_epochs):
    for epoch in range(num_epochs):
        scheduler.step()
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()


def per_batch(model, optimizer, scheduler, batches, num_epochs):
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()


def fixed_step_order(model, optimizer, scheduler, batches, num_epochs):
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()


def test_step_order():
    assert_fails("07.fix_step_order", scheduler_first, "skipped", "Detected call")
    assert_fails("07.fix_step_order", per_batch, "inside an epoch")
    assert_passes("07.fix_step_order", fixed_step_order)


# --------------------------------------------------------------------------- 3. OneCycleLR per epoch
def _one_cycle_loop(make_scheduler, per):
    def train(model, optimizer, batches, num_epochs):
        scheduler = make_scheduler(optimizer, num_epochs, len(batches))
        for epoch in range(num_epochs):
            for x, y in batches:
                optimizer.zero_grad()
                F.mse_loss(model(x), y).backward()
                optimizer.step()
                if per == "batch":
                    scheduler.step()
            if per == "epoch":
                scheduler.step()
    return train


def test_onecycle_steps():
    right_size = lambda opt, e, b: OneCycleLR(opt, max_lr=0.1, epochs=e, steps_per_epoch=b)  # noqa: E731
    epochs_only = lambda opt, e, b: OneCycleLR(opt, max_lr=0.1, total_steps=e)  # noqa: E731
    too_long = lambda opt, e, b: OneCycleLR(opt, max_lr=0.1, total_steps=10 * e * b)  # noqa: E731
    assert_fails("07.fix_onecycle_steps", _one_cycle_loop(right_size, "epoch"), "once per epoch")
    assert_fails("07.fix_onecycle_steps", _one_cycle_loop(epochs_only, "batch"), "Tried to step")
    assert_fails("07.fix_onecycle_steps", _one_cycle_loop(too_long, "batch"), "total_steps")
    assert_passes("07.fix_onecycle_steps", _one_cycle_loop(right_size, "batch"))
    assert_passes("07.fix_onecycle_steps", _one_cycle_loop(
        lambda opt, e, b: OneCycleLR(opt, max_lr=0.1, total_steps=e * b), "batch"))


# --------------------------------------------------------------------------- 4. CyclicLR's momentum
def test_cyclic_momentum():
    assert_fails("07.fix_cyclic_momentum",
                 lambda opt: CyclicLR(opt, base_lr=0.001, max_lr=0.1, step_size_up=4), "cycle_momentum=False")
    assert_fails("07.fix_cyclic_momentum",
                 lambda opt: CyclicLR(opt, base_lr=0.001, max_lr=0.05, step_size_up=4, cycle_momentum=False),
                 "the rate goes")
    assert_passes("07.fix_cyclic_momentum",
                  lambda opt: CyclicLR(opt, base_lr=0.001, max_lr=0.1, step_size_up=4, cycle_momentum=False))


# --------------------------------------------------------------------------- 5. ReduceLROnPlateau
def plateau_without_metric(optimizer, val_losses):
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    for epoch, val_loss in enumerate(val_losses):
        optimizer.step()
        if epoch < 3:
            warmup.step()
        else:
            plateau.step()


def plateau_in_sequential(optimizer, val_losses):
    scheduler = SequentialLR(optimizer, [LinearLR(optimizer, start_factor=0.1, total_iters=3),
                                         ReduceLROnPlateau(optimizer, factor=0.5, patience=1)], milestones=[3])
    for val_loss in val_losses:
        optimizer.step()
        scheduler.step()


def fixed_plateau(optimizer, val_losses):
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    for epoch, val_loss in enumerate(val_losses):
        optimizer.step()
        if epoch < 3:
            warmup.step()
        else:
            plateau.step(val_loss)


def fixed_plateau_both_every_epoch(optimizer, val_losses):
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    for val_loss in val_losses:
        optimizer.step()
        warmup.step()
        plateau.step(val_loss)


def test_plateau_metric():
    assert_fails("07.fix_plateau_metric", plateau_without_metric, "plateau.step(val_loss)")
    assert_fails("07.fix_plateau_metric", plateau_in_sequential, "SequentialLR cannot hold")
    assert_passes("07.fix_plateau_metric", fixed_plateau)
    assert_passes("07.fix_plateau_metric", fixed_plateau_both_every_epoch)


# --------------------------------------------------------------------------- 6. cosine units
def test_cosine_units():
    assert_fails("07.fix_cosine_units", lambda opt, num_epochs, steps_per_epoch: CosineAnnealingLR(
        opt, T_max=num_epochs), "climbs back", "T_max counts batches")
    assert_fails("07.fix_cosine_units", lambda opt, num_epochs, steps_per_epoch: CosineAnnealingLR(
        opt, T_max=200), "3 epochs of 7")  # right for 10 x 20 only: hard-coded
    assert_passes("07.fix_cosine_units", lambda opt, num_epochs, steps_per_epoch: CosineAnnealingLR(
        opt, T_max=num_epochs * steps_per_epoch))


# --------------------------------------------------------------------------- 7. resume
def _saver(keys):
    def save_checkpoint(path, model, optimizer, scheduler):
        objects = {"model": model, "optimizer": optimizer, "scheduler": scheduler}
        torch.save({k: objects[k].state_dict() for k in keys}, path)
    return save_checkpoint


def _loader(keys):
    def load_checkpoint(path, model, optimizer, scheduler):
        checkpoint = torch.load(path)
        objects = {"model": model, "optimizer": optimizer, "scheduler": scheduler}
        for k in keys:
            objects[k].load_state_dict(checkpoint[k])
    return load_checkpoint


def test_resume():
    no_scheduler = ("model", "optimizer")
    everything = ("model", "optimizer", "scheduler")
    assert_fails("07.fix_resume", (_saver(no_scheduler), _loader(no_scheduler)), "last_epoch is 0",
                 "scheduler.state_dict()")
    assert_fails("07.fix_resume", (_saver(everything), _loader(("model", "scheduler"))), "optimizer.state_dict()")
    assert_fails("07.fix_resume", (_saver(everything), _loader(("optimizer", "scheduler"))), "model.state_dict()")
    assert_passes("07.fix_resume", (_saver(everything), _loader(everything)))
    assert not check("07.fix_resume", (..., ...)).passed


# --------------------------------------------------------------------------- 8. the test set
def _picker(split):
    def pick_lr(data, candidates):
        scores = {}
        for lr in candidates:
            torch.manual_seed(0)
            model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
            # data.train only: fit(model, data) would also evaluate on data.val after each epoch
            fit(model, data.train, torch.optim.SGD(model.parameters(), lr=lr), num_epochs=1, progress=False)
            scores[lr] = evaluate(model, getattr(data, split))[1]
        return max(scores, key=scores.get)
    return pick_lr


def plateau_on_test(data, candidates):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    opt = torch.optim.SGD(model.parameters(), lr=candidates[0])
    fit(model, data, opt, ReduceLROnPlateau(opt), num_epochs=1, val_data=data.test, progress=False)
    return candidates[0]


def test_test_leak():
    assert_fails("07.fix_test_leak", _picker("test"), "read data.test")
    assert_fails("07.fix_test_leak", plateau_on_test, "read data.test")
    assert_fails("07.fix_test_leak", _picker("train"), "never read data.val")
    assert_passes("07.fix_test_leak", _picker("val"))


def test_test_leak_with_the_mnist_cnn():
    from lrcourse.models import MnistCNN

    def pick_lr(data, candidates):
        scores = {}
        for lr in candidates:
            torch.manual_seed(0)
            model = MnistCNN()
            fit(model, data, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9), num_epochs=1,
                progress=False)
            scores[lr] = evaluate(model, data.val)[1]
        return max(scores, key=scores.get)

    state = torch.random.get_rng_state()
    result = check("07.fix_test_leak", pick_lr)  # not timed: the CNN's speed is not the check's
    assert result.passed, result.message
    assert torch.equal(state, torch.random.get_rng_state()), "the check leaves the global RNG as it was"


# --------------------------------------------------------------------------- exercises
def test_spot_wrong_curves():
    curves = mystery_curves()
    assert set(curves) == set("ABCDEF") and all(len(c) == 100 for c in curves.values())
    assert np.isclose(curves["B"][5], 0.0, atol=1e-12) and np.isclose(curves["B"][10], 0.1)  # climbs back
    assert curves["D"][0] < 0.1 and curves["D"][-1] == 0.0  # first rate skipped
    assert curves["E"].max() < 0.02  # never near its peak
    assert_passes("07.spot_wrong_curves", {"B", "D", "E"})
    assert_passes("07.spot_wrong_curves", "bde")
    result = assert_fails("07.spot_wrong_curves", {"B", "D"}, "never comes near its peak", "1 wrong curve missing")
    assert "E" not in result.message.replace("E:", "")  # the hint describes the curve, not its letter
    assert_fails("07.spot_wrong_curves", "ABDE", "A is right")
    assert_fails("07.spot_wrong_curves", "BDEZ", "no curve Z")


def buggy_train(model, optimizer, batches, num_epochs):
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs)
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            scheduler.step()
            optimizer.step()
        reported.append(scheduler.get_lr()[0])
    return reported


def _clean(total="run", order="after", cycle_momentum=False, read="get_last_lr"):
    def train(model, optimizer, batches, num_epochs):
        total_steps = num_epochs * len(batches) if total == "run" else num_epochs
        scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=total_steps, cycle_momentum=cycle_momentum)
        reported = []
        for epoch in range(num_epochs):
            for x, y in batches:
                optimizer.zero_grad()
                F.mse_loss(model(x), y).backward()
                if order == "before":
                    scheduler.step()
                optimizer.step()
                if order == "after":
                    scheduler.step()
            reported.append(getattr(scheduler, read)()[0])
        return reported
    return train


def test_clean_loop():
    assert_fails("07.clean_loop", buggy_train, "Tried to step")
    assert_fails("07.clean_loop", _clean(order="before"), "not before")
    assert_fails("07.clean_loop", _clean(cycle_momentum=True), "cycle_momentum=False")
    assert_fails("07.clean_loop", _clean(read="get_lr"), "get_last_lr")  # OneCycleLR's get_lr() is right, but warns
    assert_passes("07.clean_loop", _clean())


def test_every_07_exercise_is_tested():
    from lrcourse.checks import exercises

    tested = {"07.fix_silent_loop", "07.fix_step_order", "07.fix_onecycle_steps", "07.fix_cyclic_momentum",
              "07.fix_plateau_metric", "07.fix_cosine_units", "07.fix_resume", "07.fix_test_leak",
              "07.spot_wrong_curves", "07.clean_loop"}
    assert {k for k in exercises() if k.startswith("07.")} == tested


@pytest.mark.parametrize("exercise_id", ["07.fix_silent_loop", "07.fix_resume", "07.fix_test_leak",
                                         "07.spot_wrong_curves", "07.clean_loop"])
def test_unanswered_is_a_hint(exercise_id):
    result = check(exercise_id, ...)
    assert not result.passed and "Replace the ..." in result.message


# --------------------------------------------------------------------------- the stepping explorer
def test_stepping_curves_are_torchs():
    from lrcourse.curves import lr_curve
    from lrcourse.widgets import stepping_curves

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


def test_stepping_explorer_redraws_with_its_first_slider():
    from lrcourse.widgets import explore_stepping

    ex = explore_stepping("CosineAnnealingLR", num_epochs=10, steps_per_epoch=20)
    first = next(iter(ex.controls))
    assert first == "steps_per_epoch"  # the slider the browser test moves
    before = ex.wrong_line.get_xdata().copy()  # in epochs: the swings crowd in as batches per epoch grow
    ex.controls[first].value = 23
    after = ex.wrong_line.get_xdata()
    assert len(after) == 230 and not np.array_equal(before[:200], after[:200])
    assert np.isclose(after[-1], 229 / 23)
    ex.controls["scheduler"].value = "OneCycleLR"
    assert np.isclose(ex.right_line.get_ydata().max(), 0.1)
    assert "wrong: max" in ex.message.value
