# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: jupyter,tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Debug eight learning-rate scheduler mistakes
#
# **What you'll learn**
# - to recognise eight scheduler bugs that people hit in real projects, each by its symptom: a
#   warning, an error, or a wrong LR curve next to the right one;
# - the order of the calls in a training loop, which rate `get_lr()` and `get_last_lr()` report,
#   and when torch's "`lr_scheduler.step()` before `optimizer.step()`" warning is harmless;
# - the units of `T_max` and `total_steps`, and how gradient accumulation changes them;
# - how to resume a schedule with its `state_dict`, keep per-group rates under `OneCycleLR`, and
#   start a warmup that trains from its first step;
# - to watch the rates your own loop really uses with one added line, `lrcourse.audit.watch`.
#
# **Time**: about 45 minutes to read and fix. The cell before the solutions prints how long the
# code took to run on your machine.
#
# This notebook is a bug zoo. Every exhibit comes from public issues where people hit it, linked
# in its section. Each numbered section is laid out the same way:
# 1. a short broken snippet, written the way tutorials and real projects write it;
# 2. its symptom, which you run and see: a warning, an error, or its LR curve against the right one;
# 3. the self-check run on the broken snippet: it fails, and its hint says what is wrong;
# 4. a cell for your fix, checked by the same self-check.
#
# The checks run your code on tiny problems (y = 2x on a few points, or a one-weight optimizer),
# so each takes a fraction of a second. Fixes are in the collapsed cells under **Solutions**.
# Choosing a rate by its test score, a mistake of method rather than code, is in notebook 08.

# %% tags=["exhibit"]
import os
import tempfile
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.lr_scheduler import (CosineAnnealingLR, LambdaLR, LinearLR, OneCycleLR, ReduceLROnPlateau,
                                      SequentialLR, StepLR)

from lrcourse import setup_notebook
from lrcourse.checks import check
from lrcourse.curves import lr_curve
from lrcourse.data import linear_data, noisy_linear_data
from lrcourse.device import describe_device
from lrcourse.models import linear_model
from lrcourse.plots import new_axes, plot_lr_curve

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# Most exhibits train y = 2x on x = 1, 2, 3, 4, in 2 batches of 2 points; sections 3 and 4 use 20
# batches per epoch of a noisy y = 2x. These problems are tiny, so they stay on the CPU.
# `run_loop` runs a training loop and records the rate that each `optimizer.step()` really used,
# with a step pre-hook on the optimizer (`register_step_pre_hook`, a torch call), and the
# warnings torch raised.

# %% tags=["exhibit"]
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
    return np.array(used), [f"torch warns: {str(w.message).split('  ')[0]}" for w in caught]


# %% [markdown]
# ## 1. A loop that never trains, and `get_lr()`
#
# This loop is published in tutorials as "how to use a scheduler". It computes the loss, steps
# the scheduler and prints the rate with `scheduler.get_lr()`. It never calls `loss.backward()`
# or `optimizer.step()`. The two right-hand columns are added here to compare.

# %% tags=["exhibit", "nbval-check-output"]
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
# **Where people hit it:** [pytorch/pytorch#31871](https://github.com/pytorch/pytorch/issues/31871)
# printed `get_lr()` with `StepLR(step_size=5, gamma=0.5)` and saw 0.025 where the optimizer held
# 0.05; the maintainers' answer is `get_last_lr()` or `optimizer.param_groups[0]["lr"]`. The
# official tutorials made the same switch in [pytorch/tutorials#1099](https://github.com/pytorch/tutorials/pull/1099).
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
# ## 2. `scheduler.step()` before `optimizer.step()`, and when that warning is harmless
#
# Before PyTorch 1.1.0 the scheduler was expected to be called before the optimizer's update; since
# 1.1.0 it is called after it ([How to adjust learning rate](https://docs.pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate)).
# Old code and old tutorials still step it first, here at the start of each epoch, with
# `StepLR(step_size=1, gamma=0.5)`:

# %% tags=["exhibit", "nbval-check-output"]
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
# **The same warning from a loop in the right order.** With mixed precision, `scaler.step(optimizer)`
# *skips* `optimizer.step()` when the scaled gradients overflow, and halves the scale. In fp16 on
# a GPU that happens in the first steps, while the scaler finds its scale. The loop below is in
# the right order, yet torch warns. On the CPU we force the overflows with a huge `init_scale`,
# and warm up over 8 steps with `LinearLR`:

# %% tags=["nbval-check-output", "pitfall"]
def amp_loop(model, optimizer, scheduler, batches, num_epochs):
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 127)  # overflows at first, like fp16
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            scaler.scale(F.mse_loss(model(x), y)).backward()
            scaler.step(optimizer)  # skips optimizer.step() if the gradients overflowed
            scaler.update()
            scheduler.step()  # after it: the right order


def warmup_8(opt):
    return LinearLR(opt, start_factor=0.1, total_iters=8)


used, caught = run_loop(amp_loop, warmup_8)
print(f"scheduler steps: 8, optimizer steps that ran: {len(used)}, at rates {np.round(used, 5).tolist()}")
print("the warmup's rates:", np.round(lr_curve(warmup_8, 8, lr=0.02), 5).tolist())
print(*caught, sep="\n")

# %% [markdown]
# The scaler skipped 5 of the 8 optimizer steps (steps 1-4 and 6), so most warmup rates were never used and
# the warning is literally true. It is also harmless here in the usual sense: in a real run the
# scaler skips a handful of steps out of thousands, and the schedule ends a handful of steps
# early. Read the warning as "the optimizer did not step", and check *why* before moving calls
# around. If the skipped steps matter (a warmup of a few steps), step the scheduler only when
# the scale did not drop, as the Hugging Face trainer does.
#
# **Where people hit it:** [pytorch/pytorch#44511](https://github.com/pytorch/pytorch/issues/44511)
# ("LR scheduler throws warning when using `scaler.step` instead of `optimizer.step`", still open)
# and [huggingface/transformers#11106](https://github.com/huggingface/transformers/issues/11106),
# fixed in [PR #11144](https://github.com/huggingface/transformers/pull/11144) by skipping
# `lr_scheduler.step()` when the scale changed.
#
# **Fix it.** Write `train(model, optimizer, scheduler, batches, num_epochs)` that runs
# `zero_grad`, the loss, `backward` and `optimizer.step()` for every batch, and calls
# `scheduler.step()` once per epoch, after that epoch's optimizer steps.

# %% tags=["exercise"]
fixed_step_order = ...  # your code here

check("07.fix_step_order", fixed_step_order)

# %% [markdown]
# ## 3. Per batch or per epoch: the units of `total_steps` and `T_max`
#
# A scheduler counts calls of `scheduler.step()`, whatever you call them. `OneCycleLR` and
# `CyclicLR` are stepped after every **batch** (notebook 05). This loop sizes
# `OneCycleLR` right, with `epochs` and `steps_per_epoch`, then steps it once per epoch, like
# `StepLR`. Here are 5 epochs of 20 batches:

# %% tags=["exhibit", "nbval-check-output"]
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

# %% tags=["exhibit", "nbval-check-output"]
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
# The same error ends any run that calls `scheduler.step()` more often than `total_steps`, whatever
# the reason: here, epochs counted as steps; elsewhere, a `total_steps` written in as a fixed
# number.
#
# **Where people hit it:** [CodefyUI/CodefyUI#244](https://github.com/CodefyUI/CodefyUI/issues/244),
# a `OneCycleLR` sized in batches but stepped once per epoch, so "the LR never anneals", with no
# error and no warning: the first mistake above. [vLAR-group/GrowSP#11](https://github.com/vLAR-group/GrowSP/issues/11)
# is the error without a unit mix-up: a `total_steps` hard-coded to 60000 ran out on a user's own
# dataset, sometimes after 260 epochs, sometimes after 280, in a run of 400 ("Tried to step 60002
# times. The specified number of total steps is 60000"); the maintainers' answer is to compute it
# from the batches per epoch of your data.
#
# The check knows both mistakes. Here it runs the first one:

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_onecycle_steps", one_cycle_per_epoch, expect_pass=False)

# %% [markdown]
# **Fix it (a).** Write `train(model, optimizer, batches, num_epochs)` that builds
# `OneCycleLR(optimizer, max_lr=0.1, ...)` for the whole run and steps it after every batch's
# `optimizer.step()`.

# %% tags=["exercise"]
fixed_onecycle_steps = ...  # your code here

check("07.fix_onecycle_steps", fixed_onecycle_steps)

# %% [markdown]
# **The same units, the other way round.** A cosine over the run, `T_max=num_epochs`, moved into
# the batch loop to make it smooth. The function gets the run's size and returns the scheduler,
# which the loop steps after every batch:

# %% tags=["exhibit", "nbval-check-output"]
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
#
# **Where people hit it:** the same swings come from a `T_max` in the right unit that is too short.
# [deepcam-cn/FaceQuality#10](https://github.com/deepcam-cn/FaceQuality/issues/10) asks why
# `T_max` is hard-coded to 10 epochs' worth of batches, `10 * len(train_loader)`, in a run of 100
# epochs: "this would make the LR varies in a cyclical way".

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_cosine_units", cosine_for, expect_pass=False)

# %% [markdown]
# **Watch the units.** Both bugs of this section, as `steps_per_epoch` changes. The solid
# line is stepped right, the dashed one wrong. Move `steps_per_epoch`: the wrong cosine swings
# once per 2 × `num_epochs` batches, so more batches per epoch means more swings; the wrong one
# cycle (pick `OneCycleLR` in the dropdown) gets a smaller share of its cycle, and a lower peak.

# %%
from lrcourse.widgets import explore_stepping

explore_stepping("CosineAnnealingLR", num_epochs=10, steps_per_epoch=20)

# %% [markdown]
# **Fix it (b).** Write `cosine_for(optimizer, num_epochs, steps_per_epoch)` that returns a
# `CosineAnnealingLR`, stepped after every batch, going from the initial rate down to 0 over the
# whole run. The check tries `num_epochs=10, steps_per_epoch=20` and `num_epochs=3, steps_per_epoch=7`.

# %% tags=["exercise"]
fixed_cosine_units = ...  # your code here

check("07.fix_cosine_units", fixed_cosine_units)

# %% [markdown]
# ## 4. Gradient accumulation: one scheduler step per micro-batch
#
# With gradient accumulation, the gradients of several small batches (micro-batches) are added
# before one `optimizer.step()`: here 2 micro-batches per step. The cosine is sized right, in
# optimizer steps, but the loop steps it after every micro-batch, as it did before accumulation
# was added. Five epochs of 20 micro-batches make 50 optimizer steps:

# %% tags=["exhibit", "nbval-check-output"]
def accumulate(model, optimizer, scheduler, batches, num_epochs, accum_steps=2):
    for epoch in range(num_epochs):
        for i, (x, y) in enumerate(batches):
            (F.mse_loss(model(x), y) / accum_steps).backward()
            if (i + 1) % accum_steps == 0:
                optimizer.step()
                optimizer.zero_grad()
            scheduler.step()  # after every micro-batch


def cosine_over_50(opt):
    return CosineAnnealingLR(opt, T_max=50)  # 5 epochs x 20 micro-batches / 2


used_accumulated, caught = run_loop(accumulate, cosine_over_50, batches=wide_batches, num_epochs=5, lr=0.1)
intended = lr_curve(cosine_over_50, 50, lr=0.1)
n_steps = len(used_accumulated)
for step in (25, 26, n_steps):  # optimizer steps, counted from 1
    print(f"optimizer step {step} of {n_steps}: lr {used_accumulated[step - 1]:.4f} (intended {intended[step - 1]:.4f})")
print(*caught, sep="\n")

# %%
fig, ax = new_axes(figsize=(7.0, 2.6))
plot_lr_curve(intended, ax=ax, x=np.arange(1, 51), xlabel="optimizer step", label="stepped per optimizer step")
plot_lr_curve(used_accumulated, ax=ax, x=np.arange(1, 51), xlabel="optimizer step",
              label="stepped per micro-batch (the bug)")
ax.set_title("CosineAnnealingLR(T_max=50) with 2 micro-batches per optimizer step", fontsize="small")
plt.show()

# %% [markdown]
# The schedule runs twice as fast as the optimizer: half way through the run, at steps 25 and 26,
# the rate is already down to 0.0001, where the cosine meant 0.0531 and 0.0500, and by the last
# step it has climbed back to 0.0999, almost the initial `lr=0.1`, where it meant 0.0001. With
# `accum_steps = k` it runs k times too fast. Torch warns once, at the very first micro-batch,
# because the scheduler stepped before any optimizer step.
#
# **Where people hit it:** [huggingface/accelerate#963](https://github.com/huggingface/accelerate/issues/963)
# ("Scheduler always steps when training with gradient accumulation"), fixed in
# [PR #999](https://github.com/huggingface/accelerate/pull/999), which steps the wrapped scheduler
# only every `gradient_accumulation_steps` calls.

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_accumulation", accumulate, expect_pass=False)

# %% [markdown]
# **Fix it.** Write `train(model, optimizer, scheduler, batches, num_epochs, accum_steps=2)` that
# adds the gradients of `accum_steps` micro-batches (each loss divided by `accum_steps`), then
# calls `optimizer.step()`, `optimizer.zero_grad()` and `scheduler.step()`, once per optimizer step.

# %% tags=["exercise"]
fixed_accumulation = ...  # your code here

check("07.fix_accumulation", fixed_accumulation)

# %% [markdown]
# ## 5. `ReduceLROnPlateau` without its metric
#
# `ReduceLROnPlateau` (notebook 04) is the one scheduler whose `step()` takes an argument: the
# validation metric it watches. Two ways to forget it, both with a warmup of 3 epochs first. The
# validation losses are given, and `optimizer.step()` stands for an epoch of training:

# %% tags=["exhibit", "nbval-check-output"]
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
#
# **Where people hit it:** [pytorch/pytorch#68978](https://github.com/pytorch/pytorch/issues/68978)
# ("SequentialLR cannot be used with ReduceLROnPlateau due to .step() not allowing for optional
# arguments", open since 2021) and [Lightning-AI/pytorch-lightning#10759](https://github.com/Lightning-AI/pytorch-lightning/issues/10759),
# a warmup `ConstantLR` and a plateau inside `SequentialLR`, failing because no metric reaches it.

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
# ## 6. Resuming without the scheduler's state
#
# A 10-epoch run stops after epoch 5 (a crash, a time limit). The checkpoint holds the model
# and the optimizer, following a common recipe, but not the scheduler. After the restart
# everything is built again and the checkpoint loaded:

# %% tags=["exhibit", "nbval-check-output"]
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
#
# The tempting patch is to tell the new scheduler where it was, with `last_epoch`. In the restart
# above, the scheduler is built with the optimizer, before the checkpoint is loaded, so it meets an
# optimizer that no scheduler has touched yet. Here is one, a plain new `SGD`, first as it is built,
# then after loading the optimizer's state saved after epoch 5:

# %% tags=["nbval-check-output", "pitfall"]
fresh = torch.optim.SGD(linear_model().parameters(), lr=0.02, momentum=0.9)
print("'initial_lr' in the fresh optimizer's param group:", "initial_lr" in fresh.param_groups[0])
try:
    CosineAnnealingLR(fresh, T_max=10, last_epoch=4)  # "we stopped after epoch 5"
except KeyError as err:
    print(f"KeyError: {err.args[0]}")

model, optimizer, scheduler = make_run()
train_epochs(model, optimizer, scheduler, 5, [])
saved = optimizer.state_dict()  # what save_checkpoint stores of the optimizer
loaded = torch.optim.SGD(linear_model().parameters(), lr=0.02, momentum=0.9)
loaded.load_state_dict(saved)
print("'initial_lr' after loaded.load_state_dict(saved):", "initial_lr" in loaded.param_groups[0])
patched = CosineAnnealingLR(loaded, T_max=10, last_epoch=4)
print(f"built with last_epoch=4: last_epoch = {patched.last_epoch}, lr = {loaded.param_groups[0]['lr']:.4f}")

# %% [markdown]
# On the fresh optimizer torch raises a `KeyError`: `last_epoch >= 0` means "resuming", and torch
# then looks for the `initial_lr` that a scheduler writes into each parameter group when it is
# first built with the default `last_epoch=-1`. Its message names two causes, and the first is the
# way the patch can work: the optimizer's `state_dict` carries `initial_lr`, so once it is loaded,
# the same call runs; building the scheduler steps it once, to `last_epoch = 5`, and the rate
# stays at the loaded 0.01. So the patch runs only after the optimizer's state is loaded, needs the
# count right (4, for a stop after epoch 5), and restores the count only: anything else the
# scheduler keeps starts fresh.
#
# The fix is the scheduler's own `state_dict()`, saved next to the model's and the optimizer's: it
# holds every attribute of the scheduler but its optimizer (torch's docstring of
# `LRScheduler.state_dict`), the count included, whatever order you build things in. One catch:
# `LambdaLR` and `MultiplicativeLR` save their functions only if they are callable objects, not
# lambdas or plain functions; rebuild those with the same function before loading.
#
# **Where people hit it:** [pytorch/pytorch#160626](https://github.com/pytorch/pytorch/issues/160626)
# (a `KeyError` for `initial_lr`, from `MultiplicativeLR(..., last_epoch=1)` on a fresh optimizer)
# and [victoresque/pytorch-template#68](https://github.com/victoresque/pytorch-template/issues/68)
# ("when resuming from a checkpoint, the lr_scheduler will init from scratch").

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
# ## 7. One `max_lr` for every parameter group
#
# Fine-tuning often gives the pretrained backbone a smaller rate than the new head, with two
# parameter groups. Then `OneCycleLR` is added with the peak everyone quotes, one number:

# %% tags=["exhibit", "nbval-check-output"]
def one_cycle_for(optimizer, total_steps):
    return OneCycleLR(optimizer, max_lr=0.01, total_steps=total_steps)


def fine_tuning_optimizer():
    backbone, head = torch.nn.Linear(4, 4), torch.nn.Linear(4, 1)
    return torch.optim.SGD([{"params": backbone.parameters(), "lr": 0.001},  # 10x lower
                            {"params": head.parameters(), "lr": 0.01}], momentum=0.9)


optimizer = fine_tuning_optimizer()
print("built with:", [group["lr"] for group in optimizer.param_groups])
scheduler = one_cycle_for(optimizer, total_steps=100)
group_rates = []
for step in range(100):
    group_rates.append([group["lr"] for group in optimizer.param_groups])
    optimizer.step()
    scheduler.step()
group_rates = np.array(group_rates)
print("peak of each group:", group_rates.max(axis=0).round(5).tolist())

# %%
fig, ax = new_axes(figsize=(7.0, 2.6))
plot_lr_curve(group_rates[:, 1], ax=ax, xlabel="step", label="head (built at 0.01)")
plot_lr_curve(group_rates[:, 0], ax=ax, xlabel="step", label="backbone (built at 0.001)", ls="--")
ax.set_title("OneCycleLR(max_lr=0.01): both groups on one curve", fontsize="small")
plt.show()

# %% [markdown]
# Both groups peak at 0.01: the two curves lie on top of each other. `OneCycleLR` (and `CyclicLR`,
# with `base_lr` and `max_lr`) overwrite every group's rate with their own, and a single number
# is copied to every group. The backbone now trains 10 times faster than you built it, and
# nothing warns.
#
# **Where people hit it:** [shariqfarooq123/AdaBins#44](https://github.com/shariqfarooq123/AdaBins/issues/44)
# ("the learning rate is the same for both encoder and decoder" because `OneCycleLR` got a single
# number) and [flairNLP/flair#2641](https://github.com/flairNLP/flair/pull/2641), whose trainer
# overwrote group-specific rates under `OneCycleLR` until it passed one per group.

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_group_rates", one_cycle_for, expect_pass=False)

# %% [markdown]
# **Fix it.** Write `one_cycle_for(optimizer, total_steps)` that returns a `OneCycleLR` whose
# peak for each parameter group is that group's own rate.

# %% tags=["exercise"]
fixed_group_rates = ...  # your code here

check("07.fix_group_rates", fixed_group_rates)

# %% [markdown]
# ## 8. A warmup whose first step runs at rate 0
#
# A linear warmup written as a `LambdaLR`, the way many libraries write it: the factor is
# `step / warmup_steps`, capped at 1.

# %% tags=["exhibit", "nbval-check-output"]
def warmup_for(optimizer, warmup_steps):
    return LambdaLR(optimizer, lambda step: min(1.0, step / warmup_steps))


def train_per_batch(model, optimizer, scheduler, batches, num_epochs):
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()


used, _ = run_loop(train_per_batch, lambda opt: warmup_for(opt, 4), num_epochs=3)
print("the rate of each optimizer step:", np.round(used, 4).tolist())
model = linear_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
scheduler = warmup_for(optimizer, 4)
x, y = batches[0]
F.mse_loss(model(x), y).backward()
optimizer.step()
print(f"after the first step: w = {model.weight.item():.4f} (it started at 0.0)")
try:
    LinearLR(optimizer, start_factor=0.0, total_iters=4)
except ValueError as err:
    print(f"LinearLR(start_factor=0.0): ValueError: {err}")

# %% [markdown]
# `LambdaLR` counts from step 0, so the first optimizer step runs at `0 / 4 = 0`: it computes a
# gradient and moves nothing (with Adam, it fills the moment estimates and moves nothing). One
# step of a long run is cheap, but it is a wasted step, and with a warmup of a few steps it is a
# real share of it. (`LinearLR` cannot start at 0 at all: it refuses `start_factor=0.0` with the
# `ValueError` printed above, because each
# of its steps multiplies the current rate by the new factor divided by the previous one, so after
# a start at 0 its first step would divide by 0; see `LinearLR.get_lr` in torch's `lr_scheduler.py`.)
#
# **Where people hit it:** [huggingface/transformers#34754](https://github.com/huggingface/transformers/issues/34754)
# ("warmup LR schedulers start from LR=0": "the effective LR is 0 for the first step,
# unnecessarily wasting compute") and [google-research/bert#1293](https://github.com/google-research/bert/issues/1293)
# ("the first global step is zero, and the learning rate is zero too").

# %% tags=["exhibit", "nbval-check-output"]
check("07.fix_warmup_zero", warmup_for, expect_pass=False)

# %% [markdown]
# **Fix it.** Write `warmup_for(optimizer, warmup_steps)` that returns a `LambdaLR` whose rate
# climbs linearly to the initial rate over `warmup_steps` steps, then stays there, and whose
# first step already trains.

# %% tags=["exercise"]
fixed_warmup_zero = ...  # your code here

check("07.fix_warmup_zero", fixed_warmup_zero)

# %% [markdown]
# ## 9. Watch your own loop: `lrcourse.audit`
#
# Five of these exhibits raise nothing; the others warn, in a log few people read, or raise.
# `lrcourse.audit.watch` turns this notebook into a checker for your own loop, with one added line:
# `audit = watch(optimizer, scheduler, steps_per_epoch=..., num_epochs=...)` before the loop, then
# `print(audit.report())` and `audit.plot()` after it. It records the rate of every
# `optimizer.step()` with the optimizer's public hooks (`register_step_pre_hook` and
# `register_step_post_hook`), every `scheduler.step()` and `get_lr()` call, and the steps the
# optimizer skipped; it never changes a rate or a weight. Then it names the pitfalls of this
# notebook that the record shows, each with its symptom, its fix and the issues linked above.
#
# Here it watches each broken exhibit of this notebook and its fix: the same loops on the same tiny
# problems, kept in `lrcourse.audit_exhibits`.

# %% tags=["nbval-check-output", "pitfall"]
from lrcourse.audit import watch
from lrcourse.audit_exhibits import audit_exhibits
from lrcourse.pitfalls import PITFALLS

rows = audit_exhibits()
for row in rows:
    print(f"section {row['section']}, {row['exhibit']:<52} broken: {', '.join(row['broken']):<24} "
          f"fixed: {', '.join(row['fixed']) or 'nothing'}")
named = {key for row in rows for key in row["broken"]}
print(f"pitfalls named on the broken loops: {len(named)} of {len(PITFALLS)}; "
      f"findings on the fixes: {sum(len(row['fixed']) for row in rows)}")

# %% [markdown]
# The audit names 8 of 8 pitfalls on the broken loops and nothing on their fixes. The names are
# the keys of `lrcourse.pitfalls.PITFALLS`, the table its report reads symptoms, fixes and links
# from. Section 5 is not in the table: `ReduceLROnPlateau` without its metric stops with torch's
# own error before anything trains.
#
# **On a schedule from a library.** Hugging Face's `get_cosine_schedule_with_warmup` is a
# `LambdaLR` whose warmup factor is `step / num_warmup_steps`: the warmup of section 8. Here it is
# with `AdamW`, stepped after every batch as its documentation says, and watched with one added
# line (`transformers` is not part of this course, so `transformers_cosine_with_warmup` rebuilds it
# as the same `LambdaLR` when it is not installed):

# %%
from lrcourse.audit_bench import transformers_cosine_with_warmup

model = linear_model()
optimizer = torch.optim.AdamW(model.parameters(), lr=0.02)
scheduler = transformers_cosine_with_warmup(optimizer, num_warmup_steps=4, num_training_steps=8)
with watch(optimizer, scheduler, steps_per_epoch=2, num_epochs=4) as audit:  # the one added line
    train_per_batch(model, optimizer, scheduler, batches, num_epochs=4)
print(audit.report())
audit.plot()
plt.show()

# %% [markdown]
# The loop is right, so the intended curve and the rates used lie on top of each other, and the
# report still names one pitfall: the schedule itself starts at 0. Is it harmful? The first step
# computes a gradient, fills Adam's moment estimates and moves no weight. In a run of thousands of
# steps that is one wasted step, harmless; with a warmup of a few steps, as here, it is a real
# share of the warmup. Either way you now know it happens.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Six LR curves, A to F, each a run of 5 epochs of 20 batches starting from
# `lr=0.1`, built with `OneCycleLR`, `CosineAnnealingLR` or `StepLR`. Some come from a scheduler
# stepped the wrong way. Which ones? Answer with their letters, for example `{"A", "C"}`.

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
# **Exercise 2.** `buggy_train` has three of the zoo's bugs in one loop, and one from notebook 05
# (`OneCycleLR` and `CyclicLR` cycle the momentum unless told `cycle_momentum=False`). It is meant
# to train with one cycle up to `max_lr=0.1` over every batch of the run, leave the momentum of
# the SGD it is given alone, and return the rate after each epoch. Running it ends in an error:

# %% tags=["nbval-check-output", "pitfall"]
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
# **Exercise 3 (predict, then verify).** Section 4's `accumulate`, now with `accum_steps=4`: 3 epochs
# of 20 micro-batches make 15 optimizer steps, and `CosineAnnealingLR(T_max=15)` from `lr=0.1` is
# sized for them, but stepped after every micro-batch. Before you run anything, predict the rate
# of the last optimizer step, from the cosine after $t$ calls of `scheduler.step()`,
# $\eta_t = \frac{\eta_0}{2}\left(1 + \cos\frac{\pi t}{T_{max}}\right)$. Then verify it: run the loop
# with `wide_batches` under `watch` and read `audit.rates[-1]`.

# %% tags=["exercise"]
predicted_rate = ...  # your code here

check("07.predict_accumulated_rate", predicted_rate)

# %% [markdown]
# ## Summary
#
# | # | the bug | the symptom | the fix | where people hit it |
# |---|---|---|---|---|
# | 1 | no `loss.backward()` / `optimizer.step()`; the rate read with `get_lr()` | the loss never moves; a warning; `get_lr()` applies `gamma` twice | the full loop; `get_last_lr()` | [pytorch#31871](https://github.com/pytorch/pytorch/issues/31871) |
# | 2 | `scheduler.step()` before `optimizer.step()` | a warning; the first rate is skipped (with AMP, the same warning from skipped steps: harmless) | step the scheduler after the optimizer | [pytorch#44511](https://github.com/pytorch/pytorch/issues/44511), [transformers#11106](https://github.com/huggingface/transformers/issues/11106) |
# | 3 | `OneCycleLR`/`CosineAnnealingLR` sized in one unit, stepped in another (or sized too short) | the rate stays near its start, swings, or "Tried to step N times" | count `total_steps`/`T_max` in calls of `step()`: `num_epochs * len(batches)` per batch | stepped per epoch: [CodefyUI#244](https://github.com/CodefyUI/CodefyUI/issues/244); sized too short: [GrowSP#11](https://github.com/vLAR-group/GrowSP/issues/11) (a hard-coded `total_steps`), [FaceQuality#10](https://github.com/deepcam-cn/FaceQuality/issues/10) (a `T_max` of 10 epochs' batches) |
# | 4 | the scheduler stepped per micro-batch under gradient accumulation | a warning; the schedule runs k times too fast | step it with the optimizer | [accelerate#963](https://github.com/huggingface/accelerate/issues/963), [PR #999](https://github.com/huggingface/accelerate/pull/999) |
# | 5 | `ReduceLROnPlateau` without a metric, or in `SequentialLR` | `TypeError`; `ValueError` | `plateau.step(val_loss)`, warmup stepped by hand | [pytorch#68978](https://github.com/pytorch/pytorch/issues/68978), [lightning#10759](https://github.com/Lightning-AI/pytorch-lightning/issues/10759) |
# | 6 | a checkpoint without the scheduler; `last_epoch=k` on a fresh optimizer | silent: the schedule restarts; `KeyError: param 'initial_lr' is not specified in param_groups[0] when resuming scheduler with last_epoch >= 0.` | save and load `scheduler.state_dict()` | [pytorch#160626](https://github.com/pytorch/pytorch/issues/160626), [pytorch-template#68](https://github.com/victoresque/pytorch-template/issues/68) |
# | 7 | one `max_lr` for several parameter groups | silent: every group peaks at the same rate | `max_lr=[g["lr"] for g in optimizer.param_groups]` | [AdaBins#44](https://github.com/shariqfarooq123/AdaBins/issues/44), [flair#2641](https://github.com/flairNLP/flair/pull/2641) |
# | 8 | a `LambdaLR` warmup `step / warmup_steps` | silent: the first step runs at rate 0 | `(step + 1) / warmup_steps`, capped at 1 | [transformers#34754](https://github.com/huggingface/transformers/issues/34754), [bert#1293](https://github.com/google-research/bert/issues/1293) |
#
# Several of these raise nothing. The habit that catches them: plot the rate your loop really used
# (`optimizer.register_step_pre_hook`, or `lr_curve`) against the one you meant, for every
# parameter group, before training for hours.
#
# **On your own loop**, `lrcourse.audit` does it for you (section 9). Add one line before the loop
# and read the report after it:
#
# ```python
# from lrcourse.audit import watch
#
# with watch(optimizer, scheduler, steps_per_epoch=len(train_loader), num_epochs=num_epochs) as audit:
#     ...  # your training loop, unchanged
# print(audit.report())  # each pitfall it saw: what it saw, the symptom, the fix, the issues
# audit.plot()           # the intended curve against the rates the optimizer used, per group
# ```
#
# With gradient accumulation, `steps_per_epoch` counts optimizer steps. Give it the list of
# schedulers if you step several; give it nothing else than torch's optimizers and schedulers, or
# it says what it needs. It warns during the run when it can predict that `OneCycleLR` will stop it
# with "Tried to step". It cannot know what you meant: one `max_lr` over parameter groups that
# differ only in their parameters is reported as a question, and a schedule you chose to stop
# early is reported as one sized in another unit.
#
# **Read more**
# - PyTorch: [How to adjust learning rate](https://docs.pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate)
#   (the `torch.optim.lr_scheduler` docs),
#   [`LRScheduler.get_last_lr`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LRScheduler.html),
#   [`OneCycleLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html),
#   [`CosineAnnealingLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html),
#   [`ReduceLROnPlateau`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html),
#   [`SequentialLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html),
#   [`LambdaLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LambdaLR.html)
#   (what its `state_dict` saves),
#   [`Optimizer.register_step_pre_hook`](https://docs.pytorch.org/docs/stable/generated/torch.optim.Optimizer.register_step_pre_hook.html),
#   [Automatic mixed precision: `GradScaler`](https://docs.pytorch.org/docs/stable/amp.html#gradient-scaling).
# - PyTorch tutorial: [Saving and loading a general checkpoint](https://docs.pytorch.org/tutorials/recipes/recipes/saving_and_loading_a_general_checkpoint.html).
# - L. Smith and N. Topin, [Super-Convergence](https://arxiv.org/abs/1708.07120) (2017), the one-cycle
#   schedule; P. Goyal et al., [Accurate, Large Minibatch SGD](https://arxiv.org/abs/1706.02677) (2017),
#   gradual warmup.
#
# Next: **08_capstone**, a fair schedule shoot-out: rates tuned on validation, a race on other
# seeds, and the test set read once, at the end.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check. The first nine fix the exhibits.

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
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

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
def fixed_step_order(model, optimizer, scheduler, batches, num_epochs):
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()  # after the epoch's optimizer steps


check("07.fix_step_order", fixed_step_order)

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
def fixed_onecycle_steps(model, optimizer, batches, num_epochs):
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs * len(batches))
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()  # after every batch


check("07.fix_onecycle_steps", fixed_onecycle_steps)

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
def fixed_cosine_units(optimizer, num_epochs, steps_per_epoch):
    return CosineAnnealingLR(optimizer, T_max=num_epochs * steps_per_epoch)


check("07.fix_cosine_units", fixed_cosine_units)

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
def fixed_accumulation(model, optimizer, scheduler, batches, num_epochs, accum_steps=2):
    for epoch in range(num_epochs):
        for i, (x, y) in enumerate(batches):
            (F.mse_loss(model(x), y) / accum_steps).backward()
            if (i + 1) % accum_steps == 0:
                optimizer.step()
                optimizer.zero_grad()
                scheduler.step()  # once per optimizer step


check("07.fix_accumulation", fixed_accumulation)

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
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

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
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

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
def fixed_group_rates(optimizer, total_steps):
    peaks = [group["lr"] for group in optimizer.param_groups]  # one peak per group
    return OneCycleLR(optimizer, max_lr=peaks, total_steps=total_steps)


check("07.fix_group_rates", fixed_group_rates)

# %% tags=["solution", "exhibit"] jupyter={"source_hidden": true}
def fixed_warmup_zero(optimizer, warmup_steps):
    return LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup_steps))


check("07.fix_warmup_zero", fixed_warmup_zero)

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


# %% tags=["solution"] jupyter={"source_hidden": true}
calls = 4 * 15 - 1  # scheduler.step() calls before the last optimizer step: one per micro-batch before it
predicted_rate = 0.1 / 2 * (1 + np.cos(np.pi * calls / 15))

model = linear_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = CosineAnnealingLR(optimizer, T_max=15)
with warnings.catch_warnings(action="ignore"), watch(optimizer, scheduler) as audit:
    accumulate(model, optimizer, scheduler, wide_batches, 3, accum_steps=4)
print(f"predicted {predicted_rate:.4f}, the audit saw {audit.rates[-1, 0]:.4f}")

check("07.predict_accumulated_rate", predicted_rate)
