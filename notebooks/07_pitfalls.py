# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: jupyter,tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Debug eight learning-rate scheduler mistakes
#
# **What you'll learn**
# - to recognise eight common scheduler bugs by their symptom: a warning, an error, or a wrong
#   LR curve;
# - the order of the calls in a training loop, and which rate `get_lr()` and `get_last_lr()` report;
# - the units of `T_max` and `total_steps`, and what per-batch schedulers need;
# - how to save and resume a schedule with its `state_dict`;
# - why the test set never chooses anything, not even the rate.
#
# **Time**: about 45 minutes to read and fix. The cell before the solutions prints how long the
# code took to run on your machine.
#
# This notebook is a bug zoo. Each numbered section is one exhibit, always laid out the same way:
# 1. a short broken snippet, written the way tutorials and real projects write it;
# 2. its symptom, which you run and see: a warning, an error, or its LR curve against the right one;
# 3. the self-check run on the broken snippet: it fails, and its hint says what is wrong;
# 4. a cell for your fix, checked by the same self-check.
#
# The checks run your code on tiny problems (y = 2x on a few points, or a one-weight optimizer),
# so each takes a fraction of a second. Fixes are in the collapsed cells under **Solutions**.

# %%
import os
import tempfile
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.lr_scheduler import (CosineAnnealingLR, CyclicLR, LinearLR, OneCycleLR, ReduceLROnPlateau,
                                      SequentialLR, StepLR)

from lrcourse import setup_notebook
from lrcourse.checks import check
from lrcourse.data import linear_data, noisy_linear_data
from lrcourse.device import describe_device
from lrcourse.models import MnistCNN, linear_model
from lrcourse.plots import new_axes, plot_lr_curve
from lrcourse.curves import lr_curve
from lrcourse.train import evaluate, fit

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# Exhibits 1, 2 and 7 train y = 2x on x = 1, 2, 3, 4, in 2 batches of 2 points. Exhibits 3 and 6 use
# 20 batches per epoch of a noisy y = 2x. These problems are tiny, so they stay on the CPU.
# `run_loop` runs a training loop and records the rate that each `optimizer.step()` really used,
# with a step pre-hook on the optimizer (`register_step_pre_hook`, a torch call), and the
# warnings torch raised.

# %%
batches = list(linear_data("cpu").batches(2))  # y = 2x, 2 batches per epoch
wide_batches = list(noisy_linear_data(320, device="cpu").batches(16))  # 20 batches per epoch


def run_loop(loop, make_scheduler=None, batches=batches, num_epochs=4, lr=0.02, momentum=0.0):
    """Run loop(model, optimizer, [scheduler,] batches, num_epochs); return the rates used and the warnings."""
    model = linear_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    used = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: used.append(opt.param_groups[0]["lr"]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if make_scheduler is None:  # the loop builds its own scheduler
            loop(model, optimizer, batches, num_epochs)
        else:
            loop(model, optimizer, make_scheduler(optimizer), batches, num_epochs)
    return np.array(used), [f"{w.category.__name__}: {str(w.message).split('  ')[0]}" for w in caught]


# %% [markdown]
# ## 1. A loop that never trains, and `get_lr()`
#
# This loop is published in tutorials as "how to use a scheduler". It computes the loss, steps
# the scheduler and prints the rate with `scheduler.get_lr()`. It never calls `loss.backward()`
# or `optimizer.step()`. The two right-hand columns are added here to compare.

# %% tags=["nbval-check-output"]
def silent_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            loss = F.mse_loss(model(x), y)  # computed, never used
        scheduler.step()
        reported.append(scheduler.get_lr()[0])
        print(f"epoch {epoch + 1}: loss = {loss.item():.4f}, get_lr() = {reported[-1]:.4g} | "
              f"get_last_lr() = {scheduler.get_last_lr()[0]:.4g}, w = {model.weight.item():.1f}")
    return reported


used, caught = run_loop(silent_loop, lambda opt: StepLR(opt, step_size=2, gamma=0.5))
print(f"optimizer.step() calls: {len(used)}")
for message in sorted(set(caught)):
    print(f"{caught.count(message)} x {message}")

# %% [markdown]
# Two symptoms:
# - The loss is the same, 50.0000, every epoch, and `w` stays 0.0: without `loss.backward()`
#   there are no gradients, and without `optimizer.step()` nothing follows them. Torch says so
#   once: "Detected call of `lr_scheduler.step()` before `optimizer.step()`".
# - `get_lr()` says 0.005 after epoch 2 and 0.0025 after epoch 4, while `get_last_lr()`, the
#   rate the optimizer holds, says 0.01 and 0.005. `get_lr()` is the formula `scheduler.step()`
#   uses to compute the *next* rate; called again at a `StepLR` drop, it applies `gamma` a second
#   time. Torch warns at every call (4 times here). You saw this in notebook 02.
#
# The check runs the loop on y = 2x and compares it with a correct one:

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_silent_loop", silent_loop, expect_pass=False)

# %% [markdown]
# **Fix it.** Write `train(model, optimizer, scheduler, batches, num_epochs)`: for every batch,
# `optimizer.zero_grad()`, the MSE loss, `loss.backward()`, `optimizer.step()`; then
# `scheduler.step()` once per epoch; return the rate you report after each epoch, read with
# `scheduler.get_last_lr()[0]`.

# %% tags=["exercise"]
fixed_silent_loop = ...  # your code here

check("07.fix_silent_loop", fixed_silent_loop)

# %% [markdown]
# ## 2. `scheduler.step()` before `optimizer.step()`
#
# Before PyTorch 1.1 the scheduler was expected to be called before the optimizer's update; since
# 1.1 it is called after it ([How to adjust learning rate](https://docs.pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate)).
# Old code and old tutorials still step it first, here at the start of each epoch, with
# `StepLR(step_size=1, gamma=0.5)`:

# %% tags=["nbval-check-output"]
def scheduler_first(model, optimizer, scheduler, batches, num_epochs):
    for epoch in range(num_epochs):
        scheduler.step()  # at the start of the epoch
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()


def halve_every_epoch(opt):
    return StepLR(opt, step_size=1, gamma=0.5)


used, caught = run_loop(scheduler_first, halve_every_epoch)
print("the schedule, epoch by epoch (lr_curve):", lr_curve(halve_every_epoch, 4, lr=0.02).tolist())
print("the rate each epoch used:              ", used[::2].tolist())
print(*caught, sep="\n")

# %% [markdown]
# The schedule starts at 0.02, but the first epoch already ran at 0.01: its first rate is never
# used, and every later rate comes one epoch early. Torch warns once, at the first
# `scheduler.step()`. Notebook 02 showed the same with one batch per epoch.

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_step_order", scheduler_first, expect_pass=False)

# %% [markdown]
# **Fix it.** Write `train(model, optimizer, scheduler, batches, num_epochs)` that runs
# `zero_grad`, the loss, `backward` and `optimizer.step()` for every batch, and calls
# `scheduler.step()` once per epoch, after that epoch's optimizer steps.

# %% tags=["exercise"]
fixed_step_order = ...  # your code here

check("07.fix_step_order", fixed_step_order)

# %% [markdown]
# ## 3. `OneCycleLR` stepped once per epoch, or sized in epochs
#
# `OneCycleLR` and `CyclicLR` are stepped after every **batch** (notebook 05). This loop sizes
# `OneCycleLR` right, with `epochs` and `steps_per_epoch`, then steps it once per epoch, like
# `StepLR`. Here are 5 epochs of 20 batches:

# %% tags=["nbval-check-output"]
def one_cycle_per_epoch(model, optimizer, batches, num_epochs):
    scheduler = OneCycleLR(optimizer, max_lr=0.1, epochs=num_epochs, steps_per_epoch=len(batches))
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()  # once per epoch, like StepLR


used_per_epoch, _ = run_loop(one_cycle_per_epoch, batches=wide_batches, num_epochs=5, momentum=0.9)
intended = lr_curve(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=100), 100)
print(f"stepped per epoch: peak {used_per_epoch.max():.4f}, last batch {used_per_epoch[-1]:.4f}")
print(f"stepped per batch: peak {intended.max():.4f}, last batch {intended[-1]:.1e}")

# %%
fig, ax = new_axes(figsize=(7.0, 2.6))
epochs = np.arange(100) / 20
plot_lr_curve(intended, ax=ax, x=epochs, xlabel="epoch", label="stepped per batch (intended)")
plot_lr_curve(used_per_epoch, ax=ax, x=epochs, xlabel="epoch", label="stepped per epoch (the bug)")
ax.set_title("OneCycleLR(max_lr=0.1, epochs=5, steps_per_epoch=20)", fontsize="small")
plt.show()

# %% [markdown]
# The rate never leaves the bottom of the cycle: stepped 5 times out of 100, it peaks at 0.0084,
# not 0.1, and no warning says so. The opposite mix fails loudly. Step per batch but size the
# schedule in epochs, `total_steps=num_epochs`, and the sixth batch raises the error you met in
# notebook 05:

# %% tags=["nbval-check-output"]
def one_cycle_sized_in_epochs(model, optimizer, batches, num_epochs):
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs)  # counts epochs
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()  # per batch


try:
    run_loop(one_cycle_sized_in_epochs, batches=wide_batches, num_epochs=5, momentum=0.9)
except ValueError as err:
    print(f"ValueError: {err}")

# %% [markdown]
# The check knows both mistakes. Here it runs the first one:

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_onecycle_steps", one_cycle_per_epoch, expect_pass=False)

# %% [markdown]
# **Fix it.** Write `train(model, optimizer, batches, num_epochs)` that builds
# `OneCycleLR(optimizer, max_lr=0.1, ...)` for the whole run and steps it after every batch's
# `optimizer.step()`.

# %% tags=["exercise"]
fixed_onecycle_steps = ...  # your code here

check("07.fix_onecycle_steps", fixed_onecycle_steps)

# %% [markdown]
# ## 4. `CyclicLR` switches the momentum on
#
# You build plain SGD, `momentum=0`, and put `CyclicLR` on it. Notebook 05 showed what happens;
# here it is again, step by step:

# %% tags=["nbval-check-output"]
def cyclic_for(optimizer):
    return CyclicLR(optimizer, base_lr=0.001, max_lr=0.1, step_size_up=4)


optimizer = torch.optim.SGD(linear_model().parameters(), lr=0.001, momentum=0)
print("momentum of the SGD you built:", optimizer.param_groups[0]["momentum"])
scheduler = cyclic_for(optimizer)
for step in range(9):
    group = optimizer.param_groups[0]
    print(f"step {step}: lr = {group['lr']:.4f}, momentum = {group['momentum']:.3f}")
    optimizer.step()
    scheduler.step()

# %% [markdown]
# No warning, no error: from the moment `CyclicLR` is built, your "plain SGD" runs with momentum,
# 0.9 at the start, 0.8 when the rate peaks at step 4. `CyclicLR` cycles the momentum by default
# (`cycle_momentum=True`, between `base_momentum=0.8` and `max_momentum=0.9`); so does `OneCycleLR`.

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_cyclic_momentum", cyclic_for, expect_pass=False)

# %% [markdown]
# **Fix it.** Write a function that takes an optimizer and returns
# `CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=4)` that leaves the momentum of an SGD built
# with `momentum=0` at 0.

# %% tags=["exercise"]
fixed_cyclic_momentum = ...  # your code here

check("07.fix_cyclic_momentum", fixed_cyclic_momentum)

# %% [markdown]
# ## 5. `ReduceLROnPlateau` without its metric
#
# `ReduceLROnPlateau` (notebook 04) is the one scheduler whose `step()` takes an argument: the
# validation metric it watches. Two ways to forget it, both with a warmup of 3 epochs first. The
# validation losses are given, and `optimizer.step()` stands for an epoch of training:

# %% tags=["nbval-check-output"]
from lrcourse.checks import PLATEAU_PITFALL_LOSSES as val_losses


def plateau_in_sequential(optimizer, val_losses):
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    scheduler = SequentialLR(optimizer, [warmup, plateau], milestones=[3])
    for val_loss in val_losses:
        optimizer.step()  # one epoch of training
        scheduler.step()


def plateau_without_metric(optimizer, val_losses):
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    for epoch, val_loss in enumerate(val_losses):
        optimizer.step()  # one epoch of training
        if epoch < 3:
            warmup.step()
        else:
            plateau.step()  # which metric?


print("validation losses:", val_losses)
for broken in (plateau_in_sequential, plateau_without_metric):
    optimizer = torch.optim.SGD(linear_model().parameters(), lr=0.1)
    try:
        broken(optimizer, val_losses)
    except (ValueError, TypeError) as err:
        print(f"{broken.__name__}: {type(err).__name__}: {err}")

# %% [markdown]
# `SequentialLR` refuses `ReduceLROnPlateau` when you build it, because it would have to call its
# `step()` without a metric. Called on its own without a metric, `plateau.step()` raises a
# `TypeError` at the first epoch after the warmup.

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_plateau_metric", plateau_in_sequential, expect_pass=False)

# %% [markdown]
# **Fix it.** Write `train(optimizer, val_losses)`: for each epoch's validation loss, call
# `optimizer.step()`, then step a `LinearLR` warmup (`start_factor=0.1, total_iters=3`) for the
# first 3 epochs, and `ReduceLROnPlateau(factor=0.5, patience=1)` with that loss after them.

# %% tags=["exercise"]
fixed_plateau_metric = ...  # your code here

check("07.fix_plateau_metric", fixed_plateau_metric)

# %% [markdown]
# ## 6. `CosineAnnealingLR` with `T_max` in epochs, stepped per batch
#
# A cosine over the run, `T_max=num_epochs`, moved into the batch loop to make it smooth. The
# function gets the run's size and returns the scheduler, which the loop steps after every batch:

# %% tags=["nbval-check-output"]
def cosine_for(optimizer, num_epochs, steps_per_epoch):
    return CosineAnnealingLR(optimizer, T_max=num_epochs)  # stepped per batch


num_epochs, steps_per_epoch = 10, 20
n = num_epochs * steps_per_epoch
wrong = lr_curve(lambda opt: cosine_for(opt, num_epochs, steps_per_epoch), n)
right = lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=n), n)
for b in (0, 10, 20, 100, 199):
    print(f"batch {b:>3}: T_max=10 gives {wrong[b]:.4f}, T_max=200 gives {right[b]:.4f}")

# %%
fig, ax = new_axes(figsize=(7.0, 2.6))
epochs = np.arange(n) / steps_per_epoch
plot_lr_curve(right, ax=ax, x=epochs, xlabel="epoch", label="T_max=200 (batches)")
plot_lr_curve(wrong, ax=ax, x=epochs, xlabel="epoch", label="T_max=10 (epochs), the bug", lw=1)
ax.set_title("CosineAnnealingLR stepped after every batch, 10 epochs of 20", fontsize="small")
plt.show()

# %% [markdown]
# With `T_max=10`, the rate reaches 0 after 10 batches, is back at 0.1 after 20 and keeps swinging:
# in every epoch it falls from 0.1 to 0 and climbs back, ten times over. Notebook 05 showed the
# same curve. `T_max` counts calls of `scheduler.step()`, whatever you call them.

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_cosine_units", cosine_for, expect_pass=False)

# %% [markdown]
# **Watch the units.** Both bugs of sections 3 and 6, as `steps_per_epoch` changes. The solid
# line is stepped right, the dashed one wrong. Move `steps_per_epoch`: the wrong cosine swings
# once per 2 × `num_epochs` batches, so more batches per epoch means more swings; the wrong one
# cycle (pick `OneCycleLR` in the dropdown) gets a smaller share of its cycle, and a lower peak.

# %%
from lrcourse.widgets import explore_stepping

explore_stepping("CosineAnnealingLR", num_epochs=10, steps_per_epoch=20)

# %% [markdown]
# **Fix it.** Write `cosine_for(optimizer, num_epochs, steps_per_epoch)` that returns a
# `CosineAnnealingLR`, stepped after every batch, going from the initial rate down to 0 over the
# whole run. The check tries 10 epochs of 20 batches and 3 of 7.

# %% tags=["exercise"]
fixed_cosine_units = ...  # your code here

check("07.fix_cosine_units", fixed_cosine_units)

# %% [markdown]
# ## 7. Resuming without the scheduler's state
#
# Training stops after epoch 5 of 10 (a crash, a time limit). The checkpoint holds the model
# and the optimizer, following a common recipe, but not the scheduler. After the restart
# everything is built again and the checkpoint loaded:

# %% tags=["nbval-check-output"]
def save_checkpoint(path, model, optimizer, scheduler):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])


def make_run():
    model = linear_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    return model, optimizer, CosineAnnealingLR(optimizer, T_max=10)


def train_epochs(model, optimizer, scheduler, num_epochs, rates):
    for epoch in range(num_epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()


def resumed_run(save, load, stop_after=5, num_epochs=10):
    rates = []
    model, optimizer, scheduler = make_run()
    train_epochs(model, optimizer, scheduler, stop_after, rates)
    with tempfile.TemporaryDirectory() as folder:  # not in the course's folders
        path = os.path.join(folder, "checkpoint.pt")
        save(path, model, optimizer, scheduler)
        model, optimizer, scheduler = make_run()  # the restart: everything built again
        load(path, model, optimizer, scheduler)
    print(f"after loading: scheduler.last_epoch = {scheduler.last_epoch}, lr = {optimizer.param_groups[0]['lr']:.4f}")
    train_epochs(model, optimizer, scheduler, num_epochs - stop_after, rates)
    return rates


uninterrupted = []
train_epochs(*make_run(), 10, uninterrupted)
resumed = resumed_run(save_checkpoint, load_checkpoint)
print("uninterrupted:", np.round(uninterrupted, 4).tolist())
print("resumed:      ", np.round(resumed, 4).tolist())

# %%
fig, ax = new_axes(figsize=(7.0, 2.6))
plot_lr_curve(uninterrupted, ax=ax, x=range(1, 11), xlabel="epoch", label="uninterrupted", marker="o")
plot_lr_curve(resumed, ax=ax, x=range(1, 11), xlabel="epoch", label="stopped after epoch 5, resumed", marker="s")
ax.axvline(5.5, color="grey", ls=":")
ax.set_title("CosineAnnealingLR(T_max=10), resumed without its state_dict", fontsize="small")
plt.show()

# %% [markdown]
# The optimizer's state brought the rate back, 0.01 at epoch 6, but the fresh scheduler's clock
# says epoch 0 (`last_epoch = 0`): it starts its cosine again from there, so the rate falls
# slowly, as at the start of a run, and is still 0.0065 in the last epoch instead of 0.0005.
# No error, no warning: only a run that ends differently.

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_resume", (save_checkpoint, load_checkpoint), expect_pass=False)

# %% [markdown]
# **Fix it.** Give the pair `(save, load)` of two functions `f(path, model, optimizer, scheduler)`:
# the first saves a checkpoint to `path` with `torch.save`, the second loads it into the freshly
# built model, optimizer and scheduler, so that the resumed run matches the uninterrupted one.
# The check stops a 6-epoch cosine run after epoch 3 and compares.

# %% tags=["exercise"]
fixed_resume = ...  # your code here

check("07.fix_resume", fixed_resume)

# %% [markdown]
# ## 8. Tuning on the test set
#
# The test split exists to estimate, once, how the final model does on new data. Anything
# chosen by looking at it, a rate, a number of epochs, the metric `ReduceLROnPlateau` watches,
# makes that estimate optimistic: the choice was made *because* it scored well there. This
# function picks the rate of the MNIST CNN by its test accuracy after one epoch:

# %%
def pick_lr(data, candidates):
    scores = {}
    for lr in candidates:
        torch.manual_seed(0)  # the same initial weights for every candidate
        model = MnistCNN(width=16)  # a narrower CNN: three runs stay fast
        fit(model, data, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9), num_epochs=1,
            generator=torch.Generator().manual_seed(0), progress=False)
        scores[lr] = evaluate(model, data.test)[1]  # the test split chooses
        print(f"lr = {lr}: test accuracy {scores[lr]:.3f}")
    return max(scores, key=scores.get)


best = pick_lr(mnist, [0.01, 0.05, 0.2])
print(f"chosen: lr = {best}; its test accuracy is the highest of the three, by construction")

# %% [markdown]
# Nothing fails and nothing warns: the mistake is in which split the code reads. The chosen
# rate's test accuracy is now the best of three tries, so it no longer estimates how the model
# does on new digits. Passing `val_data=mnist.test` to `fit` so that `ReduceLROnPlateau` watches
# the test loss is the same leak. The check gives your function a tiny MNIST-shaped dataset
# (random pixels, 16/8/8 images) whose `val` and `test` splits record when they are read:

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_test_leak", pick_lr, expect_pass=False)

# %% [markdown]
# **Fix it.** Write `pick_lr(data, candidates)` that trains a model at each candidate rate on
# `data.train`, scores it on `data.val`, and returns the best candidate, never reading `data.test`.
# The course's data has a validation split for this: `mnist.val`, 500 digits on the offline sample.

# %% tags=["exercise"]
fixed_test_leak = ...  # your code here

check("07.fix_test_leak", fixed_test_leak)

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Six LR curves, A to F, each a run of 5 epochs of 20 batches starting from
# `lr=0.1`, built with `OneCycleLR`, `CosineAnnealingLR` or `StepLR`. Some come from a scheduler
# stepped the wrong way. Which ones? Answer with their letters, for example `{"A", "C"}`.

# %%
from lrcourse.checks import check

# %% tags=["nbval-check-output"]
from lrcourse.checks import mystery_curves

curves = mystery_curves()
for letter, lrs in curves.items():
    print(f"{letter}: first epoch {lrs[0]:.4f}, peak {lrs.max():.4f}, lowest {lrs.min():.4f}, "
          f"last batch {lrs[-1]:.4f}")

# %%
fig, axes = new_axes(2, 3, figsize=(8.0, 3.6), sharex=True)
for ax, (letter, lrs) in zip(axes.flat, curves.items()):
    plot_lr_curve(lrs, ax=ax, x=np.arange(100) / 20, xlabel="epoch")
    ax.set_title(letter)
    ax.set_ylabel("")
plt.show()

# %% tags=["exercise"]
wrong_curves = ...  # your code here

check("07.spot_wrong_curves", wrong_curves)

# %% [markdown]
# **Exercise 2.** `buggy_train` has four of the zoo's bugs in one loop. It is meant to train
# with one cycle up to `max_lr=0.1` over every batch of the run, leave the momentum of the SGD it
# is given alone, and return the rate after each epoch. Running it ends in an error:

# %% tags=["nbval-check-output"]
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


try:
    run_loop(buggy_train, num_epochs=3)
except ValueError as err:
    print(f"ValueError: {err}")

# %% [markdown]
# Write `train(model, optimizer, batches, num_epochs)` with none of the bugs. The check gives it
# an SGD with `momentum=0` and 3 epochs of 4 batches, and says which bug it finds first.

# %% tags=["exercise"]
clean_loop = ...  # your code here

check("07.clean_loop", clean_loop)

# %% [markdown]
# ## Summary
#
# | # | the bug | the symptom | the fix |
# |---|---|---|---|
# | 1 | no `loss.backward()` / `optimizer.step()`; rate read with `get_lr()` | the loss never moves; a warning; `get_lr()` applies `gamma` twice | the full loop; `get_last_lr()` |
# | 2 | `scheduler.step()` before `optimizer.step()` | a warning; the first rate is skipped | step the scheduler after the optimizer |
# | 3 | `OneCycleLR` stepped per epoch, or `total_steps` in epochs | the rate stays near its start; or "Tried to step N times" | `total_steps = num_epochs * len(batches)`, step per batch |
# | 4 | `CyclicLR` on `SGD(momentum=0)` | silent: momentum 0.8-0.9 | `cycle_momentum=False` |
# | 5 | `ReduceLROnPlateau` without a metric, or in `SequentialLR` | `TypeError`; `ValueError` | `plateau.step(val_loss)`, warmup stepped by hand |
# | 6 | `CosineAnnealingLR(T_max=num_epochs)` stepped per batch | the rate swings up and down | `T_max` in batches |
# | 7 | checkpoint without the scheduler | silent: the schedule's clock restarts | save and load `scheduler.state_dict()` |
# | 8 | choosing on the test split | silent: an optimistic test score | choose on `mnist.val`, report `mnist.test` once |
#
# Half of these raise nothing. The habit that catches them: plot the rate your loop really used
# (`optimizer.register_step_pre_hook`, or `lr_curve`) against the one you meant, before training
# for hours.
#
# **Read more**
# - PyTorch: [How to adjust learning rate](https://docs.pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate)
#   (the `torch.optim.lr_scheduler` docs),
#   [`LRScheduler.get_last_lr`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LRScheduler.html),
#   [`OneCycleLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html),
#   [`CyclicLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CyclicLR.html),
#   [`CosineAnnealingLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html),
#   [`ReduceLROnPlateau`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html),
#   [`SequentialLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html),
#   [`Optimizer.register_step_pre_hook`](https://docs.pytorch.org/docs/stable/generated/torch.optim.Optimizer.register_step_pre_hook.html).
# - PyTorch tutorial: [Saving and loading a general checkpoint](https://docs.pytorch.org/tutorials/recipes/recipes/saving_and_loading_a_general_checkpoint.html).
# - On keeping the test set out of every choice: T. Hastie, R. Tibshirani and J. Friedman,
#   [The Elements of Statistical Learning](https://hastie.su.domains/ElemStatLearn/), section 7.2.
#
# Next: **08_capstone**, a schedule shoot-out at a fixed budget, with each contestant stepped right.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check. The first eight fix the exhibits.

# %% tags=["solution", "exhibit", "nbval-check-output"] jupyter={"source_hidden": true}
def fixed_silent_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
        scheduler.step()
        reported.append(scheduler.get_last_lr()[0])
    return reported


check("07.fix_silent_loop", fixed_silent_loop)

# %% tags=["solution", "exhibit", "nbval-check-output"] jupyter={"source_hidden": true}
def fixed_step_order(model, optimizer, scheduler, batches, num_epochs):
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()  # after the epoch's optimizer steps


check("07.fix_step_order", fixed_step_order)

# %% tags=["solution", "exhibit", "nbval-check-output"] jupyter={"source_hidden": true}
def fixed_onecycle_steps(model, optimizer, batches, num_epochs):
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs * len(batches))
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()  # after every batch


check("07.fix_onecycle_steps", fixed_onecycle_steps)

# %% tags=["solution", "exhibit", "nbval-check-output"] jupyter={"source_hidden": true}
def fixed_cyclic_momentum(optimizer):
    return CyclicLR(optimizer, base_lr=0.001, max_lr=0.1, step_size_up=4, cycle_momentum=False)


check("07.fix_cyclic_momentum", fixed_cyclic_momentum)

# %% tags=["solution", "exhibit", "nbval-check-output"] jupyter={"source_hidden": true}
def fixed_plateau_metric(optimizer, val_losses):
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    for epoch, val_loss in enumerate(val_losses):
        optimizer.step()  # one epoch of training
        if epoch < 3:
            warmup.step()
        else:
            plateau.step(val_loss)


check("07.fix_plateau_metric", fixed_plateau_metric)

# %% tags=["solution", "exhibit", "nbval-check-output"] jupyter={"source_hidden": true}
def fixed_cosine_units(optimizer, num_epochs, steps_per_epoch):
    return CosineAnnealingLR(optimizer, T_max=num_epochs * steps_per_epoch)


check("07.fix_cosine_units", fixed_cosine_units)

# %% tags=["solution", "exhibit", "nbval-check-output"] jupyter={"source_hidden": true}
def save_everything(path, model, optimizer, scheduler):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict()}, path)


def load_everything(path, model, optimizer, scheduler):
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])


fixed_resume = (save_everything, load_everything)

check("07.fix_resume", fixed_resume)

# %% tags=["solution", "exhibit", "nbval-check-output"] jupyter={"source_hidden": true}
def fixed_test_leak(data, candidates):
    scores = {}
    for lr in candidates:
        torch.manual_seed(0)
        model = MnistCNN(width=16)
        fit(model, data, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9), num_epochs=1,
            generator=torch.Generator().manual_seed(0), progress=False)
        scores[lr] = evaluate(model, data.val)[1]  # the validation split chooses
    return max(scores, key=scores.get)


check("07.fix_test_leak", fixed_test_leak)

# %% tags=["solution"] jupyter={"source_hidden": true}
wrong_curves = {"B", "D", "E"}

check("07.spot_wrong_curves", wrong_curves)

# %% tags=["solution"] jupyter={"source_hidden": true}
def clean_loop(model, optimizer, batches, num_epochs):
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs * len(batches),
                           cycle_momentum=False)
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()
        reported.append(scheduler.get_last_lr()[0])
    return reported


check("07.clean_loop", clean_loop)
