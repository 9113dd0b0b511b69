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
# # Decay the learning rate in steps with StepLR and MultiStepLR
#
# **What you'll learn**
# - how `StepLR` multiplies the rate by `gamma` every `step_size` epochs, and how to read the rate back;
# - what a step schedule does to training on y = 2x, where every number can be printed;
# - how `MultiStepLR` drops the rate at the epochs you choose;
# - how a step schedule compares with a fixed rate on the MNIST CNN, at the same budget;
# - two mistakes to avoid: calling `scheduler.step()` first, and reading the rate with `get_lr()`.
#
# **Time**: about 25 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import time
import warnings

import matplotlib.pyplot as plt
import torch
from torch.optim.lr_scheduler import MultiStepLR, StepLR

from lrcourse import setup_notebook
from lrcourse.data import linear_data
from lrcourse.device import describe_device
from lrcourse.models import MnistCNN, linear_model
from lrcourse.plots import PALETTE, new_axes, plot_lr_curve, plot_runs
from lrcourse.curves import lr_curve
from lrcourse.train import fit

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# ## 1. StepLR: multiply the rate by gamma every step_size epochs
#
# [`StepLR(optimizer, step_size, gamma)`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html)
# multiplies the rate of every parameter group by `gamma` once every `step_size` calls of
# `scheduler.step()`. You call `scheduler.step()` once per epoch, after `optimizer.step()`.
#
# Here is the classic example: SGD with `lr=0.1`, and `StepLR(step_size=10, gamma=0.9)` for 30 epochs.

# %% tags=["nbval-check-output"]
model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, step_size=10, gamma=0.9)

for epoch in range(1, 31):
    optimizer.step()  # a real loop computes the loss and calls loss.backward() first
    scheduler.step()
    print(f"Epoch {epoch}: Learning Rate = {scheduler.get_last_lr()[0]:.5f}")

# %% [markdown]
# The table shows 0.10000 for epochs 1 to 9, 0.09000 from epoch 10, 0.08100 from epoch 20 and
# 0.07290 at epoch 30: each value is 0.9 times the one before.
#
# `get_last_lr()` returns "the most recent learning rates computed by this scheduler", one per
# parameter group ([PyTorch docs](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LRScheduler.html#torch.optim.lr_scheduler.LRScheduler.get_last_lr)).
# The loop prints it after `scheduler.step()`, so each line is the rate the *next* epoch will use.
# `lr_curve` steps the same scheduler and returns the rate each epoch uses:

# %% tags=["nbval-check-output"]
lrs = lr_curve(lambda opt: StepLR(opt, step_size=10, gamma=0.9), num_steps=30, lr=0.1)
epochs = range(1, 31)
for epoch in (1, 10, 11, 20, 21, 30):
    print(f"epoch {epoch} uses lr = {lrs[epoch - 1]:.5f}")

# %%
plot_lr_curve(lrs, x=epochs, xlabel="epoch", label="StepLR(step_size=10, gamma=0.9)",
              drawstyle="steps-post")
plt.show()

# %% [markdown]
# Epochs 1 to 10 run at 0.1 and epoch 11 is the first at 0.09: the rate is a staircase with steps
# of `step_size` epochs.

# %% [markdown]
# ## 2. Train y = 2x with a step schedule
#
# The smallest model there is: one weight `w`, starting at 0, fitted to y = 2x on x = 1, 2, 3, 4
# with the mean squared error. Each epoch is one full-batch step: forward, loss, `zero_grad`,
# `backward`, `optimizer.step()`, then `scheduler.step()`. Each line prints the rate that epoch
# uses, read from `optimizer.param_groups[0]["lr"]` before `optimizer.step()`, the loss before
# the update, and `w` after it.
#
# First, SGD with `lr=0.1` and `StepLR(step_size=5, gamma=0.5)` for 15 epochs:

# %% tags=["nbval-check-output"]
def train_y2x(step_size, num_epochs, lr=0.1, gamma=0.5):
    data = linear_data(device)
    model = linear_model().to(device)  # y = w·x, with w = 0 to start
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = StepLR(optimizer, step_size=step_size, gamma=gamma)
    losses, lrs = [], []
    for epoch in range(1, num_epochs + 1):
        lr_now = optimizer.param_groups[0]["lr"]
        loss = torch.nn.functional.mse_loss(model(data.x), data.y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        lrs.append(lr_now)
        print(f"epoch {epoch:2d}: lr = {lr_now:.4f}, loss = {loss.item():.6f}, "
              f"w = {model.weight.item():.4f}")
    return losses, lrs


losses_5, lrs_5 = train_y2x(step_size=5, num_epochs=15)

# %% [markdown]
# Then the same with `StepLR(step_size=3, gamma=0.5)` for 10 epochs:

# %% tags=["nbval-check-output"]
losses_3, lrs_3 = train_y2x(step_size=3, num_epochs=10)

# %%
fig, (ax_loss, ax_lr) = new_axes(2, 1, sharex=True)
for losses, lrs, label, color in ((losses_5, lrs_5, "StepLR(step_size=5, gamma=0.5)", PALETTE[0]),
                                  (losses_3, lrs_3, "StepLR(step_size=3, gamma=0.5)", PALETTE[1])):
    epochs = range(1, len(losses) + 1)
    ax_loss.semilogy(epochs, losses, marker="o", label=label, color=color)
    plot_lr_curve(lrs, ax=ax_lr, x=epochs, xlabel="epoch", color=color, marker="o", drawstyle="steps-post")
ax_loss.set_ylabel("loss (log scale)")
ax_loss.legend()
plt.show()

# %% [markdown]
# What the tables and the plot show:
# - While the rate is 0.1, `w` jumps from one side of 2 to the other (3.0000, 1.5000, 2.2500, ...)
#   and the loss falls by a factor of 4 per epoch (30.000000, 7.500000, 1.875000, ...).
# - At 0.05, `w` comes to 2 from one side and the loss falls by a factor of about 16 per epoch
#   (0.029297, 0.001831, 0.000114 in the first table).
# - At 0.025, the loss falls by a factor of less than 3 per epoch (0.000114, 0.000045, 0.000017
#   in the second table). On the log scale of the plot, its slope flattens.
# - With `step_size=3` the rate drops to 0.05 at epoch 4, so its loss is the lower one from epoch
#   5 to epoch 8. Its second drop, to 0.025 at epoch 7, slows it down: at epoch 10 its loss is
#   0.000007, against 0.000000 (below 0.0000005) with `step_size=5`.
#
# On this problem, the first cut sped up the descent and the second one slowed it: a step
# schedule is only as good as where its steps fall.

# %% [markdown]
# ## 3. MultiStepLR: drop the rate at the epochs you choose
#
# [`MultiStepLR(optimizer, milestones, gamma)`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiStepLR.html)
# multiplies the rate by `gamma` when the epoch count reaches each milestone. The gaps between
# milestones can differ, which `StepLR` cannot do. Below, `MultiStepLR(milestones=[30, 80],
# gamma=0.1)` over 100 epochs, next to `StepLR(step_size=30, gamma=0.1)`. Epochs are counted
# from 0 here, as torch counts them (`scheduler.last_epoch`).

# %% tags=["nbval-check-output"]
multi = lr_curve(lambda opt: MultiStepLR(opt, milestones=[30, 80], gamma=0.1), num_steps=100, lr=0.1)
steps = lr_curve(lambda opt: StepLR(opt, step_size=30, gamma=0.1), num_steps=100, lr=0.1)
for epoch in (0, 29, 30, 59, 60, 79, 80, 90, 99):
    print(f"epoch {epoch:2d}: MultiStepLR lr = {multi[epoch]:.4g} | StepLR lr = {steps[epoch]:.4g}")

# %%
ax = None
for lrs, label in ((multi, "MultiStepLR(milestones=[30, 80], gamma=0.1)"),
                   (steps, "StepLR(step_size=30, gamma=0.1)")):
    line = plot_lr_curve(lrs, ax=ax, log=True, xlabel="epoch", label=label, drawstyle="steps-post")
    ax = line.axes
plt.show()

# %% [markdown]
# Both start at 0.1 and drop to 0.01 at epoch 30. `StepLR` keeps dropping every 30 epochs, at
# 60 and 90. `MultiStepLR` holds 0.01 until epoch 80, then drops to 0.001 and stays there.

# %% [markdown]
# ## 4. Explore StepLR and MultiStepLR
#
# Move `step_size` and `gamma` and watch the staircase change. To compare two schedules, click
# **pin this curve**: the current curve stays, dashed, while you move the sliders or pick
# `MultiStepLR` in the **scheduler** dropdown. **reset** removes the pins.

# %%
from lrcourse.widgets import explore_schedule

explore_schedule("StepLR", step_size=10, gamma=0.9, num_epochs=30)

# %% [markdown]
# Try this: set `gamma` to 0.5, pin the curve, then set `step_size` to 5. Which curve ends lower,
# and what rate does it end at? The message under the controls gives the last value.
#
# This second explorer starts on `MultiStepLR`; drag the two ends of `milestones` to move the drops.

# %%
explore_schedule("MultiStepLR", milestones=(30, 80), gamma=0.1, num_epochs=100, log=True)

# %% [markdown]
# ## 5. A fixed rate or StepLR on the MNIST CNN
#
# Now the compact MNIST CNN, trained with `fit` for the same number of epochs twice: once at a
# fixed `lr=0.05` (SGD with momentum 0.9), once with `StepLR(step_size=2, gamma=0.5)` on top.
# Both runs start from the same weights (`torch.manual_seed(0)` before building each model) and
# see the batches in the same order (the same generator, seeded again before each run), so the
# schedule is the only difference.

# %%
num_epochs = 6
runs = []
for use_step_lr in (False, True):
    torch.manual_seed(0)  # same initial weights
    model = MnistCNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5) if use_step_lr else None
    label = "StepLR(step_size=2, gamma=0.5)" if use_step_lr else "fixed lr=0.05"
    runs.append(fit(model, mnist, optimizer, scheduler, num_epochs=num_epochs,
                    generator=generator.manual_seed(0), label=label))  # same batch order

for run in runs:
    print(run.label)
    e = run.epochs
    for epoch, train_loss, val_loss, val_acc in zip(e["epoch"], e["train_loss"], e["val_loss"], e["val_acc"]):
        print(f"  epoch {epoch}: train loss {train_loss:.3f}, val loss {val_loss:.3f}, "
              f"val accuracy {val_acc:.3f}")

# %%
plot_runs(runs)
plt.show()

# %% [markdown]
# The bottom panel shows the rate of each run at every batch: flat at 0.05, or halved every
# 2 epochs. The top panel shows the training loss (faint: every batch; dots: the epoch mean) and
# the validation loss (dashed); the middle one the validation accuracy after each epoch.
#
# For the first 2 epochs the rates are equal, and so are the two runs, number for number. After
# that, in the run stored with this notebook (the offline sample, on a CPU), the fixed rate
# ends with the lower training loss, the StepLR run ends with a slightly lower validation loss,
# and the validation accuracies stay close, with neither run ahead at every epoch. On this data
# and over this short budget, the step schedule makes no clear difference to the accuracy. Your
# numbers may differ on the full MNIST or on a GPU.

# %% [markdown]
# ## 6. Two pitfalls
#
# **Calling `scheduler.step()` before `optimizer.step()`.** Since PyTorch 1.1 the scheduler is
# stepped after the optimizer. The other order skips the first rate of the schedule, and torch
# warns about it. The code reads the rate just before each `optimizer.step()`, with
# `StepLR(step_size=1, gamma=0.5)`:

# %% tags=["nbval-check-output"]
def rates_used(scheduler_first, num_epochs=4):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    used = []
    for epoch in range(num_epochs):
        if scheduler_first:
            scheduler.step()  # wrong: before optimizer.step()
        used.append(optimizer.param_groups[0]["lr"])  # the rate this optimizer.step() uses
        optimizer.step()
        if not scheduler_first:
            scheduler.step()  # right: after optimizer.step()
    return used


print("optimizer.step(), then scheduler.step():", rates_used(scheduler_first=False))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("scheduler.step(), then optimizer.step():", rates_used(scheduler_first=True))
for w in caught:
    print(f"{w.category.__name__}: {w.message}")

# %% [markdown]
# In the right order the first step uses 0.1. In the wrong order the first `optimizer.step()`
# already uses 0.05: the 0.1 is never used, and every later rate comes one epoch early.
#
# **Reading the rate with `get_lr()`.** The
# [PyTorch docs](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LRScheduler.html)
# say that `get_lr()` computes the *next* learning rate (`scheduler.step()` calls it), and that
# to inspect the most recent rate you should use `get_last_lr()` instead. Here is
# `StepLR(step_size=3, gamma=0.5)`, with three readings after each epoch:

# %% tags=["nbval-check-output"]
optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
scheduler = StepLR(optimizer, step_size=3, gamma=0.5)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for epoch in range(1, 5):
        optimizer.step()
        scheduler.step()
        print(f"after epoch {epoch}: param_groups[0]['lr'] = {optimizer.param_groups[0]['lr']:.4g}, "
              f"get_last_lr() = {scheduler.get_last_lr()[0]:.4g}, get_lr() = {scheduler.get_lr()[0]:.4g}")
print(f"{caught[0].category.__name__} ({len(caught)} times): {caught[0].message}")

# %% [markdown]
# In every row, `get_last_lr()` equals `optimizer.param_groups[0]["lr"]`. After epoch 3, where
# the step falls, `get_lr()` says 0.025: it multiplies the current 0.05 by `gamma` a second time,
# while the optimizer holds 0.05. Torch warned once per call of `get_lr()`, 4 times. Read the
# rate with `get_last_lr()` or from `optimizer.param_groups`.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell. Each answer is a function that
# takes an optimizer and returns a scheduler, for example `lambda opt: StepLR(opt, ...)`; the
# check steps it with `lr=0.1`.
#
# **Exercise 1.** Write a schedule whose rate halves every 5 epochs: 0.1 for epochs 0-4, 0.05 for
# epochs 5-9, and so on.

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
halve_every_5 = ...  # your code here

check("02.halve_every_5", halve_every_5)

# %% [markdown]
# **Exercise 2.** Write a schedule that keeps `lr=0.1` until epoch 30, then uses 0.01 until
# epoch 80, then 0.001.

# %% tags=["exercise"]
drop_at_30_and_80 = ...  # your code here

check("02.milestones", drop_at_30_and_80)

# %% [markdown]
# ## Summary
#
# - `StepLR(optimizer, step_size, gamma)` multiplies the rate by `gamma` every `step_size` epochs;
#   `MultiStepLR(optimizer, milestones, gamma)` does it at the epochs in `milestones`.
# - Call `scheduler.step()` once per epoch, after `optimizer.step()`. The other order skips the
#   first rate, and torch warns.
# - Read the rate with `scheduler.get_last_lr()` or `optimizer.param_groups[0]["lr"]`, not with
#   `get_lr()`.
# - Where the steps fall matters: on y = 2x, one cut sped up the descent and the next slowed it.
#
# **Read more**: PyTorch's [`StepLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html),
# [`MultiStepLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiStepLR.html),
# [`LRScheduler.get_last_lr`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LRScheduler.html)
# and [How to adjust learning rate](https://docs.pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate).
# Step schedules trained classic image models: He et al.,
# [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385) (2016), divide
# the rate by 10 at two fixed points of training on CIFAR-10; Goyal et al.,
# [Accurate, Large Minibatch SGD](https://arxiv.org/abs/1706.02677) (2017), divide it by 10 at
# epochs 30, 60 and 80 on ImageNet.
#
# Next: **03_exponential_decay**, which lowers the rate a little every epoch instead of in steps.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check.

# %% tags=["solution"] jupyter={"source_hidden": true}
halve_every_5 = lambda opt: StepLR(opt, step_size=5, gamma=0.5)

check("02.halve_every_5", halve_every_5)

# %% tags=["solution"] jupyter={"source_hidden": true}
drop_at_30_and_80 = lambda opt: MultiStepLR(opt, milestones=[30, 80], gamma=0.1)

check("02.milestones", drop_at_30_and_80)
