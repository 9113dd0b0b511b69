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
# # Decay the learning rate smoothly: exponential, time-based and polynomial
#
# **What you'll learn**
# - how `ExponentialLR` multiplies the rate by `gamma` every epoch, and what `gamma=0.1` does to training;
# - time-based decay `lr0 / (1 + k·t)`, written with `LambdaLR` and with lrcourse's `TimeBasedLR`,
#   next to `MultiplicativeLR` and `PolynomialLR`;
# - a wall-clock schedule ("halve the rate every N minutes"), when it helps and why it is rarely reproducible;
# - how these decays compare on the MNIST CNN with the same budget.
#
# **Time**: about 25 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector
from torch.optim.lr_scheduler import ExponentialLR, LambdaLR, MultiplicativeLR, PolynomialLR

from lrcourse import setup_notebook
from lrcourse.device import describe_device
from lrcourse.models import MnistCNN
from lrcourse.plots import PALETTE, new_axes, plot_lr_curve, plot_runs
from lrcourse.curves import lr_curve
from lrcourse.schedules import TimeBasedLR, WallClockLR
from lrcourse.train import evaluate, fit

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# ## 1. `ExponentialLR`: multiply the rate by `gamma` every epoch
#
# Each `scheduler.step()` of
# [`ExponentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ExponentialLR.html)
# multiplies the rate by `gamma`. After `t` steps the rate is `initial_lr · gamma^t`.
#
# The classic example trains the MNIST CNN with `Adam(lr=0.01)` and `ExponentialLR(gamma=0.1)`
# for 10 epochs. Here is that loop, written out. At the start of each epoch it reads the rate
# from `optimizer.param_groups[0]["lr"]`. After the epoch it calls `scheduler.step()` once. It
# also records the mean training loss of the epoch, and how far the weights moved during the
# epoch (the length of the change of all parameters, as one vector).
#
# Each run seeds torch before it builds the model, and draws the data order from its own
# generator seeded the same way. So two runs with different `gamma` start from the same weights
# and see the batches in the same order: only the schedule differs.

# %%
def train_with_exponential_decay(gamma, num_epochs=10):
    torch.manual_seed(0)  # the same initial weights for every gamma
    model = MnistCNN().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    scheduler = ExponentialLR(optimizer, gamma=gamma)
    order = torch.Generator().manual_seed(0)  # the same data order for every gamma
    record = {"lr": [], "train_loss": [], "weight_change": [], "val_acc": []}
    for epoch in range(1, num_epochs + 1):
        record["lr"].append(optimizer.param_groups[0]["lr"])  # the rate this epoch uses
        before = parameters_to_vector(model.parameters()).detach().clone()
        model.train()
        total = 0.0
        for xb, yb in mnist.train.batches(64, shuffle=True, generator=order):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        scheduler.step()  # once per epoch, after the optimizer's steps
        moved = parameters_to_vector(model.parameters()).detach() - before
        record["train_loss"].append(total / len(mnist.train))
        record["weight_change"].append(moved.norm().item())
        record["val_acc"].append(evaluate(model, mnist.val)[1])
    return record


def print_record(record):
    print("epoch  lr        train loss  weights moved  val acc")
    for epoch, (lr, loss, moved, acc) in enumerate(zip(*record.values()), start=1):
        print(f"{epoch:>5}  {lr:<8.2g}  {loss:>10.4f}  {moved:>13.2e}  {acc:>7.3f}")


gamma_01 = train_with_exponential_decay(gamma=0.1)
print_record(gamma_01)

# %% [markdown]
# Plot the rate against the epoch. On a linear axis (left) the rate looks like zero from the
# third epoch on. On a log axis (right) exponential decay is a straight line: the rate
# drops by the same factor, 10, every epoch.

# %%
epochs = np.arange(1, 11)
fig, (ax_lin, ax_log) = new_axes(1, 2, figsize=(9.6, 3.0))
plot_lr_curve(gamma_01["lr"], ax=ax_lin, x=epochs, xlabel="epoch", marker="o")
plot_lr_curve(gamma_01["lr"], ax=ax_log, x=epochs, xlabel="epoch", marker="o", log=True)
ax_lin.set_title("ExponentialLR(gamma=0.1), linear axis")
ax_log.set_title("the same rates, log axis")
plt.show()

# %% [markdown]
# Now read the table above. In epoch 10 the rate is `0.01 · 0.1^9 = 1e-11`. The weights move
# less in every epoch, by a factor of 10 or more, like the rate. By epoch 4 the rate is already
# 1e-05, and from there on the training loss hardly changes: learning has stopped.
#
# The same run with `gamma=0.9`, from the same weights and with the same data order:

# %%
gamma_09 = train_with_exponential_decay(gamma=0.9)
print_record(gamma_09)

# %% [markdown]
# The learning rates do not depend on the data, so this table is the same on every machine.
# It prints the recorded rates next to the formula `0.01 · gamma^(epoch - 1)`:

# %% tags=["nbval-check-output"]
print("epoch  gamma=0.1  formula    gamma=0.9  formula")
for epoch, lr_01, lr_09 in zip(epochs, gamma_01["lr"], gamma_09["lr"]):
    print(f"{epoch:>5}  {lr_01:<9.3g}  {0.01 * 0.1 ** (epoch - 1):<9.3g}  "
          f"{lr_09:<9.3g}  {0.01 * 0.9 ** (epoch - 1):.3g}")

# %%
fig, axes = new_axes(2, 2, figsize=(9.6, 5.6), sharex=True)
for record, label, color in [(gamma_01, "gamma=0.1", PALETTE[0]), (gamma_09, "gamma=0.9", PALETTE[1])]:
    for ax, key in zip(axes.flat, ["lr", "train_loss", "weight_change", "val_acc"]):
        ax.plot(epochs, record[key], marker="o", ms=3, label=label, color=color)
for ax, title in zip(axes.flat, ["learning rate", "training loss (epoch mean)",
                                 "how far the weights moved in the epoch", "validation accuracy"]):
    ax.set_title(title, fontsize="medium")
for ax in axes.flat[:3]:
    ax.set_yscale("log")
for ax in axes[1]:
    ax.set_xlabel("epoch")
axes[0, 0].legend()
plt.show()

# %% [markdown]
# Both runs share their first epoch, so they start at the same point. With `gamma=0.9` the
# rate falls slowly, the weights keep moving, and the training loss keeps going down. With
# `gamma=0.1` the loss and the validation accuracy go flat after a few epochs. On this data,
# compare the two runs' final accuracy in the tables above.
#
# The lesson: `gamma` is applied every epoch, so its effect compounds. `gamma=0.1` every epoch
# divides the rate by a billion in 9 epochs. Choose `gamma` from the rate you want at the end:
# `gamma = (final_lr / initial_lr)^(1 / num_epochs)`. Exercise 1 asks you to do that.

# %% [markdown]
# ## 2. Time-based, multiplicative and polynomial decay
#
# **Time-based decay** divides the initial rate by `1 + k·t`:
# `lr_t = lr0 / (1 + k·t)`. This is the `decay` argument of the old Keras optimizers. Keras 2's
# `SGD(lr, decay=...)` computed `lr * (1. / (1. + decay * iterations))`, counting every batch
# ([source](https://github.com/keras-team/keras/blob/2.3.1/keras/optimizers.py)). Keras now
# offers it as [`InverseTimeDecay`](https://keras.io/api/optimizers/learning_rate_schedules/inverse_time_decay/).
#
# Torch has no class for it, but
# [`LambdaLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LambdaLR.html)
# sets the rate to `initial_lr · lr_lambda(t)`, so `lambda t: 1 / (1 + k * t)` gives it.
# lrcourse's `TimeBasedLR(optimizer, k)` is the same formula as a scheduler class.
# Here `t` counts epochs, because you step these schedulers once per epoch. Compute both
# curves with `lr_curve` and compare them:

# %% tags=["nbval-check-output"]
k = 0.1
with_lambda = lr_curve(lambda opt: LambdaLR(opt, lr_lambda=lambda t: 1 / (1 + k * t)), num_steps=50, lr=0.1)
with_class = lr_curve(lambda opt: TimeBasedLR(opt, k=k), num_steps=50, lr=0.1)
print("epoch t  LambdaLR  TimeBasedLR")
for t in (0, 1, 5, 10, 20, 49):
    print(f"{t:>7}  {with_lambda[t]:<8.4f}  {with_class[t]:.4f}")
print(f"largest difference over 50 epochs: {np.abs(with_lambda - with_class).max():.1e}")

# %% [markdown]
# The two agree. With `k = 0.1` the rate halves after 10 epochs, then falls ever more slowly:
# the next halving takes until epoch 30.
#
# Two torch schedulers complete the family:
# - [`MultiplicativeLR(optimizer, lr_lambda)`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiplicativeLR.html)
#   multiplies the *current* rate by `lr_lambda(t)` at each step. With a constant factor,
#   `lambda t: 0.95`, it is `ExponentialLR(gamma=0.95)`.
# - [`PolynomialLR(optimizer, total_iters, power)`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.PolynomialLR.html)
#   gives `lr0 · (1 - t / total_iters)^power`. It reaches exactly 0 at `total_iters` and stays
#   there. `power=1` is a straight line down to zero.

# %% tags=["nbval-check-output"]
multiplicative = lr_curve(lambda opt: MultiplicativeLR(opt, lr_lambda=lambda t: 0.95), num_steps=50, lr=0.1)
exponential = lr_curve(lambda opt: ExponentialLR(opt, gamma=0.95), num_steps=50, lr=0.1)
print(f"MultiplicativeLR(0.95) vs ExponentialLR(0.95), largest difference: "
      f"{np.abs(multiplicative - exponential).max():.1e}")

num_epochs = 50
curves = {
    "ExponentialLR(gamma=0.9)": lr_curve(lambda opt: ExponentialLR(opt, gamma=0.9), num_epochs),
    "TimeBasedLR(k=0.1)": lr_curve(lambda opt: TimeBasedLR(opt, k=0.1), num_epochs),
    "MultiplicativeLR(lambda t: 0.95)": multiplicative,
    "PolynomialLR(total_iters=40, power=1)": lr_curve(
        lambda opt: PolynomialLR(opt, total_iters=40, power=1.0), num_epochs),
    "PolynomialLR(total_iters=40, power=2)": lr_curve(
        lambda opt: PolynomialLR(opt, total_iters=40, power=2.0), num_epochs),
}
print(f"\n{'lr after t epochs, t =':<38}" + "".join(f"{t:>9}" for t in (0, 10, 20, 30, 40)))
for label, lrs in curves.items():
    print(f"{label:<38}" + "".join(f"{lrs[t]:>9.2g}" for t in (0, 10, 20, 30, 40)))

# %%
fig, (ax_lin, ax_log) = new_axes(1, 2, figsize=(10.0, 4.2))
for (label, lrs), color in zip(curves.items(), PALETTE):
    ax_lin.plot(lrs, label=label, color=color)
    ax_log.plot(np.where(lrs > 0, lrs, np.nan), color=color)  # a log axis cannot show 0
ax_log.set_yscale("log")
ax_lin.set_title("all from lr0 = 0.1, linear axis")
ax_log.set_title("log axis (0 cannot be drawn)")
for ax in (ax_lin, ax_log):
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
fig.legend(*ax_lin.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize="small")
plt.show()

# %% [markdown]
# The table and the figure show the three shapes:
# - **exponential** (and multiplicative with a constant factor) is a straight line on the log
#   axis: the same factor every epoch, with no end date;
# - **time-based** falls fastest at the start and then flattens out: at epoch 40 it is still
#   above the other curves;
# - **polynomial** is built to land on 0 at `total_iters`: `power=2` falls faster at first,
#   `power=1` is a straight line on the linear axis.

# %% [markdown]
# ## 3. A wall-clock schedule: halve the rate every N minutes
#
# Sometimes your budget is time, not epochs: a 90-minute workshop slot, or a shared GPU
# reservation that ends at six. Then "halve the rate every 10 minutes" is a natural rule: it
# spreads the decay over the time you have, whatever the number of epochs.
#
# Torch has no such scheduler. `lrcourse.schedules.WallClockLR(optimizer, period, factor=0.5)`
# keeps torch's scheduler contract (`step()`, `get_last_lr()`, `state_dict()`) and reads a clock
# at every `step()`. You can pass your own clock. Here it is a list you advance by hand, so
# the notebook does not have to wait. It halves the rate every 2 simulated minutes:

# %% tags=["nbval-check-output"]
now = [0.0]  # a fake clock in seconds, advanced by hand
optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
scheduler = WallClockLR(optimizer, period=2, factor=0.5, clock=lambda: now[0])
for minute in range(1, 9):
    now[0] += 60  # one simulated minute of training
    optimizer.step()
    scheduler.step()
    print(f"after {minute} min: lr = {optimizer.param_groups[0]['lr']:.5f}")

# %% [markdown]
# The price: the rate at a given epoch depends on how long the epochs before it took. Run the
# same code on two machines, a laptop that needs 60 s per epoch and a GPU that needs 6 s:

# %% tags=["nbval-check-output"]
def wall_clock_lrs(seconds_per_epoch, num_epochs=30, period=2):
    now = [0.0]
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = WallClockLR(optimizer, period=period, factor=0.5, clock=lambda: now[0])
    lrs = []
    for epoch in range(num_epochs):
        lrs.append(optimizer.param_groups[0]["lr"])
        now[0] += seconds_per_epoch  # the epoch takes this long on this machine
        optimizer.step()
        scheduler.step()
    return np.array(lrs)


laptop, gpu = wall_clock_lrs(60), wall_clock_lrs(6)
print("epoch  laptop (60 s/epoch)  GPU (6 s/epoch)")
for epoch in (1, 2, 3, 10, 20, 21, 30):
    print(f"{epoch:>5}  {laptop[epoch - 1]:<19.3g}  {gpu[epoch - 1]:.3g}")

# %%
fig, ax = new_axes()
plot_lr_curve(laptop, ax=ax, x=np.arange(1, 31), xlabel="epoch", log=True, marker="o", ms=3,
              label="laptop, 60 s per epoch")
plot_lr_curve(gpu, ax=ax, x=np.arange(1, 31), xlabel="epoch", log=True, marker="o", ms=3,
              label="GPU, 6 s per epoch")
ax.set_title("WallClockLR(period=2 minutes, factor=0.5): same code, two machines")
plt.show()

# %% [markdown]
# Same code, same data, same seed, and two different schedules. The laptop halves the rate
# every 2 epochs and ends at 6.1e-06. The GPU halves it once, at epoch 21. Anything that
# changes the time per epoch, such as another program on the machine, changes the schedule too.
# So a wall-clock schedule fits a fixed time budget, but a run that uses one cannot be
# repeated exactly. When you need to compare runs, turn the budget into a number of epochs
# (measure one epoch first) and use an epoch-based schedule.
#
# If you do use it, save it with your checkpoints. `state_dict()` holds the elapsed time, so a
# resumed run continues the schedule instead of starting it again. The scheduler from the first
# demo above has run for 8 simulated minutes. Resume it on a "new process", whose clock
# reads something else entirely, and run 2 more minutes:

# %% tags=["nbval-check-output"]
state = scheduler.state_dict()
print(f"elapsed time in state_dict: {state['elapsed']:.0f} s")

later = [5000.0]  # the new process's clock
resumed_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
resumed = WallClockLR(resumed_opt, period=2, factor=0.5, clock=lambda: later[0])
resumed_opt.load_state_dict(optimizer.state_dict())
resumed.load_state_dict(state)
fresh_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
fresh = WallClockLR(fresh_opt, period=2, factor=0.5, clock=lambda: later[0])

later[0] += 120
for opt, sched in [(resumed_opt, resumed), (fresh_opt, fresh)]:
    opt.step()
    sched.step()
print(f"2 min later, resumed from the state_dict: lr = {resumed_opt.param_groups[0]['lr']:.5f}")
print(f"2 min later, started afresh:              lr = {fresh_opt.param_groups[0]['lr']:.5f}")

# %% [markdown]
# The resumed scheduler counts 10 minutes in all and sets the fifth halving. The fresh one
# counts 2 minutes, so it has halved the rate only once.

# %% [markdown]
# ## 4. Sliders: `gamma`, `k`, `power` and `total_iters`
#
# Each explorer plots the rate that the real torch scheduler (or `TimeBasedLR`) produces, and
# re-plots it when you move a slider. Tick **log-scale lr** to switch the y axis. For
# exponential decay it turns the curve into a straight line, and shows the tiny rates that a
# linear axis draws as zero. **pin this curve** keeps the current curve, dashed, so you can
# compare it with the next one.
#
# Start with `ExponentialLR`. Move `gamma` from 0.9 down to 0.5 and watch how fast the
# line falls on the log axis.

# %%
from lrcourse.widgets import explore_schedule

explore_schedule("ExponentialLR", gamma=0.9, num_epochs=50, log=True)

# %% [markdown]
# Time-based decay. The `k` slider is logarithmic. Pin `k = 0.1`, then try `k = 1`: the first
# epochs fall much faster, and the tail is flat in both.

# %%
explore_schedule("TimeBasedLR", k=0.1, num_epochs=50)

# %% [markdown]
# Polynomial decay. `total_iters` is the epoch where the rate reaches 0, and `power` bends the
# curve: below 1 it stays high longer, above 1 it drops early. Try `power = 0.5` and `power = 3`.
# The **scheduler** dropdown switches to any other scheduler, including `MultiplicativeLR` and
# `WallClockLR` (whose `minutes_per_epoch` slider plays the machine's speed).

# %%
explore_schedule("PolynomialLR", total_iters=40, power=2.0, num_epochs=50)

# %% [markdown]
# ## 5. The MNIST CNN: the decays compared with the same budget
#
# Now train the CNN four times: with a fixed rate, `ExponentialLR`, `TimeBasedLR` and
# `PolynomialLR`. Every run has the same budget (6 epochs), the same optimizer
# (SGD with momentum 0.9, `lr=0.05`), the same initial weights and the same data order.
# `fit` steps each of these schedulers once per epoch. First, the rates each run will use:

# %% tags=["nbval-check-output"]
num_epochs = 6
schedules = {
    "fixed": lambda opt: None,
    "ExponentialLR(gamma=0.75)": lambda opt: ExponentialLR(opt, gamma=0.75),
    "TimeBasedLR(k=0.5)": lambda opt: TimeBasedLR(opt, k=0.5),
    "PolynomialLR(total_iters=6, power=2)": lambda opt: PolynomialLR(opt, total_iters=num_epochs, power=2.0),
}
print(f"{'lr in epoch':<37}" + "".join(f"{e:>8}" for e in range(1, num_epochs + 1)))
for label, build in schedules.items():
    lrs = [0.05] * num_epochs if label == "fixed" else lr_curve(build, num_epochs, lr=0.05)
    print(f"{label:<37}" + "".join(f"{lr:>8.4f}" for lr in lrs))

# %%
histories = []
for label, build in schedules.items():
    torch.manual_seed(0)  # the same initial weights
    model = MnistCNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(model, mnist, optimizer, build(optimizer), num_epochs=num_epochs,
                  generator=torch.Generator().manual_seed(0),  # the same data order
                  progress=False, label=label)
    histories.append(history)

print(f"{'schedule':<37}  final train loss  final val acc")
for h in histories:
    print(f"{h.label:<37}  {h.final('train_loss'):>16.4f}  {h.final('val_acc'):>13.3f}")
accs = [h.final("val_acc") for h in histories]
print(f"spread between the best and the worst val acc: {100 * (max(accs) - min(accs)):.1f} percentage points")

# %%
plot_runs(histories, x="epoch")
plt.show()

# %% [markdown]
# The bottom panel shows the four rates, the top panels what they did. Read the table with
# care. It comes from the 3,500-digit training sample (or full MNIST, if you have it), 6 epochs
# and one seed. Look at the spread it prints. When this notebook was written the four runs ended
# close together, with a spread about the size of the ups and downs of a single run's validation
# accuracy from one epoch to the next (middle panel). A gap that small can change order with
# another seed, so this run cannot rank the schedules. Notebook 08 repeats such runs over
# several seeds.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Find the `gamma` for `ExponentialLR` that takes the rate from 0.1 to 0.001
# in 20 epochs. After `t` epochs the rate is `0.1 · gamma^t`. Check your answer with `lr_curve`.

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
gamma = ...  # your code here

check("03.gamma_for_target", gamma)

# %% [markdown]
# **Exercise 2.** Write a function that takes an optimizer and returns a `LambdaLR` with
# time-based decay `lr0 / (1 + 0.05·t)`: the same curve as `TimeBasedLR(optimizer, k=0.05)`.

# %% tags=["exercise"]
time_based = ...  # your code here

check("03.time_based_lambda", time_based)

# %% [markdown]
# ## Summary
#
# - `ExponentialLR(gamma)` multiplies the rate by `gamma` at every step, so its effect
#   compounds: `gamma=0.1` per epoch stopped the CNN's learning within a few epochs. Pick
#   `gamma = (final_lr / initial_lr)^(1 / num_epochs)`, and look at the rate on a log axis.
# - Time-based decay `lr0 / (1 + k·t)` is `LambdaLR(opt, lambda t: 1 / (1 + k * t))`, or
#   `TimeBasedLR(opt, k)`: fast at first, then a long flat tail.
# - `MultiplicativeLR` multiplies the current rate by `lr_lambda(t)`. `PolynomialLR` reaches
#   exactly 0 at `total_iters`.
# - A wall-clock schedule fits a time budget, but the rate at each epoch depends on the
#   machine's speed. Save its `state_dict()` to resume it. Prefer epoch-based schedules when
#   you compare runs.
# - One seed on a small sample cannot rank schedules whose results are this close.
#
# **Read more**
# - PyTorch: [`ExponentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ExponentialLR.html),
#   [`LambdaLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LambdaLR.html),
#   [`MultiplicativeLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiplicativeLR.html),
#   [`PolynomialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.PolynomialLR.html),
#   and [How to adjust learning rate](https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate).
# - Keras: [`InverseTimeDecay`](https://keras.io/api/optimizers/learning_rate_schedules/inverse_time_decay/),
#   the time-based decay of the old `decay` argument.
# - L. Bottou, [Stochastic Gradient Descent Tricks](https://leon.bottou.org/publications/pdf/tricks-2012.pdf)
#   (2012), which recommends a rate of the form `lr0 / (1 + lr0·λ·t)` for SGD on regularized
#   linear models (`λ` is the regularization strength): time-based decay with `k = lr0·λ`.
# - L.-C. Chen et al., [DeepLab](https://arxiv.org/abs/1606.00915) (2016), which trains with the
#   "poly" policy `lr0 · (1 - iter / max_iter)^0.9`, that is `PolynomialLR(power=0.9)` stepped per batch.
#
# Next: **04_adaptive**, a schedule that watches the validation loss.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check.

# %% tags=["solution"] jupyter={"source_hidden": true}
gamma = (0.001 / 0.1) ** (1 / 20)
lrs = lr_curve(lambda opt: ExponentialLR(opt, gamma=gamma), num_steps=21, lr=0.1)
print(f"gamma = {gamma:.4f}, rate after 20 epochs = {lrs[20]:.4g}")

check("03.gamma_for_target", gamma)

# %% tags=["solution"] jupyter={"source_hidden": true}
def time_based(opt):
    return LambdaLR(opt, lr_lambda=lambda t: 1 / (1 + 0.05 * t))


check("03.time_based_lambda", time_based)
