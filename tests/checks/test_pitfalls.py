"""lrcourse.checks.pitfalls: notebook 07's exhibits 1-6, where a scheduler is stepped wrong.

Every exhibit's broken form fails its check with a specific hint, the fix passes. The broken
and fixed forms are written here the way a learner writes them in the notebook; the checks
run them on tiny synthetic problems.
"""
import torch.nn.functional as F
from helpers import assert_fails, assert_passes
from torch.optim.lr_scheduler import CosineAnnealingLR, CyclicLR, LinearLR, OneCycleLR, ReduceLROnPlateau, SequentialLR


# --------------------------------------------------------------------------- 1. the silent loop
def silent_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            loss = F.mse_loss(model(x), y)  # noqa: F841 (the bug: computed, never used)
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
