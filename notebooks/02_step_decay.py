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
# # Decay the learning rate in steps with StepLR and MultiStepLR
#
# **What you'll learn**
# - how `StepLR` multiplies the rate by `gamma` every `step_size` epochs, and how to read the rate back;
# - **why decay helps**: with minibatch noise a fixed rate stalls at a noise floor that grows with
#   the rate, and each cut of `StepLR` lowers it; without noise there is nothing to fix;
# - how `MultiStepLR` drops the rate at the epochs you choose;
# - the drop of the MNIST CNN's training loss right after a cut, over 8 paired seeds with a CI;
# - two mistakes to avoid: calling `scheduler.step()` first, and reading the rate with `get_lr()`.
#
# **Time**: about 25 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.optim.lr_scheduler import MultiStepLR, StepLR

from lrcourse import setup_notebook
from lrcourse.data import linear_data
from lrcourse.device import describe_device
from lrcourse.models import MnistCNN, linear_model
from lrcourse.plots import PALETTE, new_axes, plot_lr_curve
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
# Here is a classic example, a snippet that circulates in PyTorch tutorials: SGD with `lr=0.1`
# and `StepLR(step_size=10, gamma=0.9)`, stepped for 30 epochs, printing the rate after each
# epoch. The original prints all 30 lines; this version prints every 5th epoch and the epochs
# around each cut. Following the course's convention (notebook 00), a rate read after
# `scheduler.step()` at the end of epoch N is labelled as the rate for epoch N + 1:

# %% tags=["nbval-check-output"]
model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, step_size=10, gamma=0.9)

for epoch in range(1, 31):
    optimizer.step()  # a real loop computes the loss and calls loss.backward() first
    scheduler.step()
    if epoch % 5 == 0 or epoch % 10 in (9, 1):  # every 5th epoch, and around each cut
        print(f"after epoch {epoch:2d}: lr for epoch {epoch + 1:2d} = {scheduler.get_last_lr()[0]:.5f}")

# %% [markdown]
# Epochs 1 to 10 use 0.1; after epoch 10 the rate for epoch 11 is 0.09000, after epoch 20 the
# rate for epoch 21 is 0.08100, and after epoch 30 the rate for epoch 31 is 0.07290: each value
# is `gamma=0.9` times the one before.
#
# `get_last_lr()` returns "the most recent learning rates computed by this scheduler", one per
# parameter group ([PyTorch docs](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LRScheduler.html#torch.optim.lr_scheduler.LRScheduler.get_last_lr)).
# `lr_curve` steps the same scheduler and returns the rate each epoch uses (element 0 is epoch 1):

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
# ## 2. Why decay helps: gradient noise
#
# ### Without noise there is nothing for decay to fix
#
# Start with the y = 2x example from notebook 01: one weight `w`, starting at 0, fitted to y = 2x
# on x = 1, 2, 3, 4 with the mean squared error. Each epoch is one full-batch step: forward, loss,
# `zero_grad`, `backward`, `optimizer.step()`, then `scheduler.step()`. Each line prints the rate
# that epoch uses, read from `optimizer.param_groups[0]["lr"]` before `optimizer.step()`, the loss
# before the update, and `w` after it. First the classic SGD with `lr=0.1` and
# `StepLR(step_size=5, gamma=0.5)` for 15 epochs:

# %% tags=["nbval-check-output"]
def train_y2x(step_size, num_epochs, lr=0.1, gamma=0.5, show=True):
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
        if show:
            print(f"epoch {epoch:2d}: lr = {lr_now:.4f}, loss = {loss.item():.6f}, "
                  f"w = {model.weight.item():.4f}")
    return losses, lrs


losses_5, lrs_5 = train_y2x(step_size=5, num_epochs=15)

# %% [markdown]
# Then the same with `StepLR(step_size=3, gamma=0.5)` for 10 epochs, and a fixed rate of
# $1/L = 1/15$ (notebook 01: $L = 2\,\mathrm{mean}(x^2) = 15$) for 3 epochs (`gamma=1` never
# changes the rate):

# %% tags=["nbval-check-output"]
losses_3, lrs_3 = train_y2x(step_size=3, num_epochs=10)
print("fixed lr = 1/L:")
losses_1L, _ = train_y2x(step_size=1, num_epochs=3, lr=1 / 15, gamma=1.0)

# %% [markdown]
# A cut changes the path: with `step_size=3`, epochs 1-3 at `lr=0.1` overshoot and oscillate
# around w = 2 (3.0000, 1.5000, 2.2500: each step multiplies the distance to 2 by
# $1 - 0.1 \cdot 15 = -0.5$), and the first cut, to `lr=0.05` in epoch 4, turns that into a
# monotone approach from above (2.0625, 2.0156, 2.0039: a factor of $1 - 0.05 \cdot 15 = +0.25$).
# The second cut, to `lr=0.025` in epoch 7, slows the descent: at epoch 10 the loss is 0.000007,
# against 0.000000 (zero at 6 decimals) with `step_size=5`. And the best fixed rate, $1/L$, needs
# no schedule at all: its first step lands on w = 2.0000 and the loss is 0 from epoch 2 on.
# Without noise, every gradient points exactly at the minimum, so a good fixed rate already gets
# there, and decay has nothing to fix.
#
# ### With minibatch noise, a fixed rate stalls at a noise floor
#
# Real training sees a different minibatch at every step, and each minibatch's gradient is the
# true gradient plus noise. `noisy_linear_data` gives y = 2x + noise: 256 points with x uniform in
# [−1, 1] and Gaussian noise of standard deviation 0.5. Minibatch SGD takes random batches of 16
# (16 steps per epoch). The loop, once, written out with torch; it records the *excess loss*, the
# loss over all 256 points minus the lowest loss any w can reach (that of the least-squares w):

# %%
from lrcourse.data import noisy_linear_data

noisy = noisy_linear_data(256, noise=0.5, seed=0, device="cpu")
w_best = float((noisy.x * noisy.y).sum() / (noisy.x ** 2).sum())  # least squares
mean_x2 = float((noisy.x ** 2).mean())  # loss(w) - loss(w_best) = mean(x²)·(w - w_best)²

model = torch.nn.Linear(1, 1, bias=False)
torch.nn.init.zeros_(model.weight)
optimizer = torch.optim.SGD(model.parameters(), lr=0.4)
batches = torch.Generator().manual_seed(0)
excess = []
for step in range(20 * 16):  # 20 epochs of 16 minibatches
    idx = torch.randint(256, (16,), generator=batches)  # a random minibatch
    loss = torch.nn.functional.mse_loss(model(noisy.x[idx]), noisy.y[idx])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    excess.append(mean_x2 * (model.weight.item() - w_best) ** 2)

# %% [markdown]
# `lrcourse.toy.noisy_sgd_run(make_scheduler, lr, seed, num_epochs)` runs this same loop, with a
# scheduler stepped once per epoch, and returns the excess loss of every step. It gives the same
# numbers; then a sweep of fixed rates, each over 10 seeds (the seed sets the minibatches). The
# floor of a run is its mean excess loss over epochs 11-20, the second half of its 20 epochs; the
# table prints the mean over the seeds and the range from the lowest seed to the highest:

# %% tags=["nbval-check-output"]
from lrcourse.toy import noisy_sgd_run

print("noisy_sgd_run matches the loop above:",
      np.allclose(noisy_sgd_run(lr=0.4, seed=0, num_epochs=20)["excess"], excess))

seeds = tuple(range(10))
rates = (0.05, 0.1, 0.2, 0.4, 0.8)
fixed_runs = {lr: [noisy_sgd_run(lr=lr, seed=s, num_epochs=20) for s in seeds] for lr in rates}


def floor(run, first_epoch, last_epoch):
    """Mean excess loss over epochs first_epoch..last_epoch (epoch 1 is the first)."""
    spe = run["steps_per_epoch"]
    return run["excess"][(first_epoch - 1) * spe:last_epoch * spe].mean()


floors = {lr: np.array([floor(r, 11, 20) for r in runs]) for lr, runs in fixed_runs.items()}
print(f"   lr   floor (epochs 11-20), mean of {len(seeds)} seeds and range   mean/lr")
for lr, f in floors.items():
    print(f"{lr:5.2f}   {f.mean():.5f}   ({f.min():.5f} to {f.max():.5f})          {f.mean() / lr:.4f}")

# %%
fig, ax = new_axes(figsize=(7, 3.4))
for (lr, runs), color in zip(fixed_runs.items(), PALETTE):
    per_epoch = np.mean([r["excess"].reshape(20, -1).mean(axis=1) for r in runs], axis=0)
    ax.semilogy(range(1, 21), per_epoch, "o-", ms=3, color=color, label=f"fixed lr = {lr}")
ax.set_xlabel("epoch")
ax.set_ylabel(f"excess loss (mean of {len(seeds)} seeds)")
ax.legend(fontsize="small", ncols=2)
plt.show()

# %% [markdown]
# Every fixed rate drops fast and then stops dropping: the excess loss settles on a floor and
# jitters around it, because each step follows a noisy gradient. The table shows the floor
# growing with the rate: a mean of 0.00030 at lr = 0.05, 0.00061 at 0.1, 0.00122 at 0.2,
# 0.00266 at 0.4 and 0.00639 at 0.8. It is roughly proportional to the rate: mean/lr stays
# between 0.0061 and 0.0080. A larger rate gets down fast, to a higher floor; a smaller one gets
# down slowly, to a lower floor.
#
# ### Each StepLR cut lowers the floor
#
# So start large and cut: `StepLR(step_size=10, gamma=0.25)` from lr = 0.8 runs epochs 1-10 at
# 0.8, 11-20 at 0.2 and 21-30 at 0.05, on the same 10 seeds. Each stage's floor is measured over
# its last 5 epochs, once the loss has had time to settle:

# %% tags=["nbval-check-output"]
step_runs = [noisy_sgd_run(lambda opt: StepLR(opt, step_size=10, gamma=0.25), lr=0.8, seed=s,
                           num_epochs=30) for s in seeds]
for first, last in ((6, 10), (16, 20), (26, 30)):
    lr_used = step_runs[0]["lr"][(first - 1) * step_runs[0]["steps_per_epoch"]]
    stage = np.array([floor(r, first, last) for r in step_runs])
    fixed = floors[round(lr_used, 2)]
    print(f"epochs {first:2d}-{last:2d} at lr = {lr_used:.2f}: StepLR floor {stage.mean():.5f} "
          f"({stage.min():.5f} to {stage.max():.5f}); fixed lr = {lr_used:.2f} floor {fixed.mean():.5f} "
          f"({fixed.min():.5f} to {fixed.max():.5f})")

# %%
fig, (ax_loss, ax_lr) = new_axes(2, 1, sharex=True, figsize=(7, 4.6))
fixed_08 = [noisy_sgd_run(lr=0.8, seed=s, num_epochs=30) for s in seeds]
for runs, label, color in ((fixed_08, "fixed lr = 0.8", PALETTE[1]),
                           (step_runs, "StepLR(step_size=10, gamma=0.25)", PALETTE[0])):
    per_epoch = np.mean([r["excess"].reshape(30, -1).mean(axis=1) for r in runs], axis=0)
    ax_loss.semilogy(range(1, 31), per_epoch, "o-", ms=3, color=color, label=label)
    plot_lr_curve(runs[0]["lr"][::runs[0]["steps_per_epoch"]], ax=ax_lr, x=range(1, 31), xlabel="epoch",
                  color=color, drawstyle="steps-post")
ax_loss.set_ylabel("excess loss")
ax_loss.legend(fontsize="small")
plt.show()

# %% [markdown]
# The loss staircase lines up with the rate staircase: each cut (after epochs 10 and 20) brings
# the loss down to a lower floor within an epoch or two, while the fixed rate of 0.8 stays on its
# own floor for all 30 epochs. In each stage the StepLR runs settle near the floor of a fixed run
# at that stage's rate, inside its range over the seeds: 0.00604 against 0.00639 at 0.8,
# 0.00137 against 0.00122 at 0.2, and 0.00040 against 0.00030 at 0.05. The smallest rate gives
# the least precise estimate: there the 10 seeds' StepLR floors spread from 0.00009 to 0.00172,
# wider than the gap between the two means. This is the job of a decay schedule: a large rate
# while the distance to the minimum is large, a small rate once the noise dominates.

# %% [markdown]
# ## 3. MultiStepLR: drop the rate at the epochs you choose
#
# [`MultiStepLR(optimizer, milestones, gamma)`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiStepLR.html)
# multiplies the rate by `gamma` when the epoch count reaches each milestone. The gaps between
# milestones can differ, which `StepLR` cannot do. Below, `MultiStepLR(milestones=[30, 80],
# gamma=0.1)` over 100 epochs (the example in PyTorch's docs), next to
# `StepLR(step_size=30, gamma=0.1)`. A milestone counts `scheduler.step()` calls: after 30 of
# them, that is from epoch 31 on, the rate is cut.

# %% tags=["nbval-check-output"]
multi = lr_curve(lambda opt: MultiStepLR(opt, milestones=[30, 80], gamma=0.1), num_steps=100, lr=0.1)
steps = lr_curve(lambda opt: StepLR(opt, step_size=30, gamma=0.1), num_steps=100, lr=0.1)
for epoch in (1, 30, 31, 60, 61, 80, 81, 91, 100):
    print(f"epoch {epoch:3d}: MultiStepLR lr = {multi[epoch - 1]:.4g} | StepLR lr = {steps[epoch - 1]:.4g}")

# %%
ax = None
for lrs, label in ((multi, "MultiStepLR(milestones=[30, 80], gamma=0.1)"),
                   (steps, "StepLR(step_size=30, gamma=0.1)")):
    line = plot_lr_curve(lrs, ax=ax, x=range(1, 101), log=True, xlabel="epoch", label=label,
                         drawstyle="steps-post")
    ax = line.axes
plt.show()

# %% [markdown]
# Both use 0.1 for epochs 1-30 and 0.01 from epoch 31. `StepLR` keeps cutting every 30 epochs,
# from epochs 61 and 91. `MultiStepLR` holds 0.01 up to epoch 80, then uses 0.001 from epoch 81
# on.

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
# ## 5. The drop after a cut, on the MNIST CNN
#
# The same effect on a real network: `SGD(lr=0.1, momentum=0.9)` on the MNIST CNN. Two
# contestants, 5 epochs each: the fixed rate, and `StepLR(step_size=4, gamma=0.1)`, which runs
# epochs 1-4 at `lr=0.1` and epoch 5 at `lr=0.01`. `shootout` trains both from the same initial
# weights and with the same batch order for each of 8 seeds, so the runs are *paired*: up to the
# cut the two runs of a seed are identical, and in epoch 5 the schedule is the only difference.
# The runs end right after the cut, so the comparison is made in the epoch where the cut acts.

# %%
from lrcourse.compare import compare_runs, plot_paired
from lrcourse.shootout import Contestant, shootout

mnist_seeds = tuple(range(8))
sgd = lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9)
result = shootout([Contestant("fixed lr=0.1", sgd),
                   Contestant("StepLR(4, 0.1)", sgd, lambda opt: StepLR(opt, step_size=4, gamma=0.1))],
                  mnist, seeds=mnist_seeds, num_epochs=5, verbose=False)

# %% tags=["nbval-check-output"]
print(f"training loss per epoch, mean of {len(mnist_seeds)} seeds (the cut is after epoch 4)")
print("epoch   " + "".join(f"{e:>8d}" for e in range(1, 6)))
for label, runs in result.histories.items():
    mean = np.mean([h.epochs["train_loss"] for h in runs], axis=0)
    print(f"{label:<16}" + "".join(f"{v:8.3f}" for v in mean))

# %%
fig, (ax_loss, ax_lr) = new_axes(2, 1, sharex=True, figsize=(7, 4.6))
for (label, runs), color in zip(result.histories.items(), PALETTE):
    epochs_axis = np.arange(1, len(runs[0].loss) + 1) / runs[0].steps_per_epoch
    for h in runs:
        ax_loss.plot(epochs_axis, h.loss, color=color, alpha=0.15, lw=0.5)
    mean = np.mean([h.epochs["train_loss"] for h in runs], axis=0)
    ax_loss.plot(range(1, 6), mean, "o-", color=color, ms=4, label=f"{label}, epoch mean")
    ax_lr.plot(epochs_axis, runs[0].lr, color=color)
ax_loss.set_yscale("log")
ax_loss.set_ylabel("training loss")
ax_loss.legend(fontsize="small")
ax_lr.set_ylabel("lr")
ax_lr.set_xlabel("epoch")
plt.show()

# %% [markdown]
# The faint lines are the loss of every batch (8 seeds per contestant), the dots the mean
# training loss of each epoch over the seeds. In both contestants the batch loss spikes early in
# epoch 1 before it settles. Up to epoch 4 the two contestants are the same runs: the two rows
# of the table agree (1.726, 0.250, 0.161, 0.116), and the fixed rate's training loss is still
# falling, by less each epoch. Right after the cut, in epoch 5, the epoch-mean training loss of
# the StepLR runs drops to 0.065, against 0.082 at the fixed rate. That is the classic drop after
# a step of the rate, on the offline sample.
#
# The paired differences at the end of epoch 5, over the 8 seeds, for training loss, test
# accuracy (1,000 test digits: a resolution of 0.1 pp) and validation loss:

# %% tags=["nbval-check-output"]
train_cmp = compare_runs(result, "fixed lr=0.1", "StepLR(4, 0.1)", metric="train_loss")
test_cmp = compare_runs(result, "fixed lr=0.1", "StepLR(4, 0.1)", metric="test_acc")
val_cmp = compare_runs(result, "fixed lr=0.1", "StepLR(4, 0.1)", metric="val_loss")
for comparison in (train_cmp, test_cmp, val_cmp):
    print(comparison.summary())
print()
print(test_cmp.table())

# %%
fig, (ax_a, ax_b) = new_axes(1, 2, figsize=(9, 3))
plot_paired(train_cmp, ax=ax_a)
plot_paired(test_cmp, ax=ax_b)
plt.show()

# %% [markdown]
# On the offline sample, at the end of epoch 5 the StepLR runs have the lower training loss on
# 8 of 8 seeds, the lower validation loss on 8 of 8 and the higher test accuracy on 7 of 8, and
# all three 95% CIs exclude 0: training loss −0.0170 (CI −0.0226 to −0.0115), validation loss
# −0.034 (CI −0.050 to −0.018), test accuracy +0.51 pp (CI +0.08 to +0.95 pp). The two loss
# intervals lie far from 0. The accuracy interval's lower end, +0.08 pp, is less than one test
# digit above 0, so 8 seeds show that the cut raised the test accuracy but leave its size open:
# anywhere from under one digit to about nine digits of the 1,000. Seed 4 went the other way
# (−0.60 pp).
#
# **Overfitting.** The final training and validation losses of each contestant, mean of the 8
# seeds, and the gap between them:

# %% tags=["nbval-check-output"]
for label, runs in result.histories.items():
    train = np.mean([h.final("train_loss") for h in runs])
    val = np.mean([h.final("val_loss") for h in runs])
    print(f"{label:<16} training loss {train:.3f}, validation loss {val:.3f}, gap {val - train:.3f}")

# %% [markdown]
# In both runs the validation loss is above the training loss: a generalization gap, of 0.187 at
# the fixed rate and 0.170 with StepLR (means of the 8 seeds). These 5 epochs show no sign that
# the cut made the model overfit.

# %% [markdown]
# ## 6. Two pitfalls
#
# **Calling `scheduler.step()` before `optimizer.step()`.** Since PyTorch 1.1.0 the scheduler is
# stepped after the optimizer. The other order skips the first rate of the schedule, and torch
# says so. The code reads the rate just before each `optimizer.step()`, with
# `StepLR(step_size=1, gamma=0.5)`:

# %% tags=["nbval-check-output", "pitfall"]
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
    print(f"torch says: {w.message}")

# %% [markdown]
# In the right order the first step uses 0.1. In the wrong order the first `optimizer.step()`
# already uses 0.05: the 0.1 is never used, and every later rate comes one epoch early.
#
# **Reading the rate with `get_lr()`.** The
# [PyTorch docs](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LRScheduler.html)
# say that `get_lr()` computes the *next* learning rate (`scheduler.step()` calls it), and that
# to inspect the most recent rate you should use `get_last_lr()` instead. Here is
# `StepLR(step_size=3, gamma=0.5)`, with three readings after each epoch:

# %% tags=["nbval-check-output", "pitfall"]
optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
scheduler = StepLR(optimizer, step_size=3, gamma=0.5)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for epoch in range(1, 5):
        optimizer.step()
        scheduler.step()
        print(f"after epoch {epoch}: param_groups[0]['lr'] = {optimizer.param_groups[0]['lr']:.4g}, "
              f"get_last_lr() = {scheduler.get_last_lr()[0]:.4g}, get_lr() = {scheduler.get_lr()[0]:.4g}")
print(f"torch said this {len(caught)} times: {caught[0].message}")

# %% [markdown]
# In every row, `get_last_lr()` equals `optimizer.param_groups[0]["lr"]`. After epoch 3, where
# the step falls, `get_lr()` says 0.025: it multiplies the current 0.05 by `gamma` a second time,
# while the optimizer holds 0.05. Torch warned once per call of `get_lr()`, 4 times. Read the
# rate with `get_last_lr()` or from `optimizer.param_groups`.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell. Predict first, on paper, then
# run the code that verifies it.
#
# **Exercise 1 (predict, then verify).** `StepLR(step_size=5, gamma=0.5)` from `lr=0.1` halves the
# rate every 5 epochs. Which rate does epoch 12 train with (epoch 1 is the first)? Predict it, then
# verify with `lr_curve` (element 0 is epoch 1).

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
rate_in_epoch_12 = ...  # your code here

check("02.halve_every_5", rate_in_epoch_12)

# %% [markdown]
# **Exercise 2 (predict, then verify).** `MultiStepLR(milestones=[2, 5, 6], gamma=0.5)` from
# `lr=0.1`: predict the rate each of epochs 1 to 8 trains with, as a list of 8 numbers. Two of the
# milestones are neighbours: what happens there? Then verify with `lr_curve`.

# %% tags=["exercise"]
rates_epochs_1_to_8 = ...  # your code here

check("02.milestones", rates_epochs_1_to_8)

# %% [markdown]
# **Exercise 3 (predict, then verify).** On the noisy y = 2x of section 2, `noisy_sgd_run` with
# `StepLR(step_size=10, gamma=0.5)` from `lr=1.2` for 20 epochs: predict the noise floor after
# the cut, the mean excess loss over epochs 16-20 averaged over seeds 0, 1 and 2, from the floors
# printed in section 2, *before* you run it. The check runs it and tells you how close you were
# (within a factor of 1.5 passes). Then run it yourself:
# `noisy_sgd_run(lambda opt: StepLR(opt, step_size=10, gamma=0.5), lr=1.2, seed=s, num_epochs=20)`.

# %% tags=["exercise"]
predicted_floor = ...  # your code here

check("02.noise_floor", predicted_floor)

# %% [markdown]
# ## Summary
#
# - `StepLR(optimizer, step_size, gamma)` multiplies the rate by `gamma` every `step_size` epochs;
#   `MultiStepLR(optimizer, milestones, gamma)` does it at the epochs in `milestones`.
# - Call `scheduler.step()` once per epoch, after `optimizer.step()`. The other order skips the
#   first rate, and torch warns.
# - Read the rate with `scheduler.get_last_lr()` or `optimizer.param_groups[0]["lr"]`, not with
#   `get_lr()`.
# - Why decay helps: with minibatch noise a fixed rate stalls at a noise floor that grows with the
#   rate (on noisy y = 2x, a mean over 10 seeds from 0.00030 at `lr=0.05` to 0.00639 at `lr=0.8`); each `StepLR` cut
#   lowers the floor, so the loss staircase follows the rate staircase. Without noise (full-batch
#   y = 2x) the best fixed rate, 1/L, converges in one step, and decay has nothing to fix.
# - On the MNIST CNN (offline sample, `SGD(lr=0.1, momentum=0.9)`, 5 epochs), a cut after epoch 4
#   dropped the epoch-5 training loss (mean of 8 seeds) to 0.065 against 0.082 at the fixed rate.
#   Over 8 paired seeds, every difference at the end of epoch 5 has a 95% CI that excludes 0:
#   training loss −0.0170 (CI −0.0226 to −0.0115), validation loss −0.034, test accuracy
#   +0.51 pp (CI +0.08 to +0.95 pp, whose lower end is under one test digit).
#
# **Read more**: PyTorch's [`StepLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html),
# [`MultiStepLR`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiStepLR.html),
# [`LRScheduler.get_last_lr`](https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LRScheduler.html)
# and [How to adjust learning rate](https://docs.pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate).
# The noise floor of SGD and why decreasing step sizes remove it: Bottou, Curtis & Nocedal,
# [Optimization Methods for Large-Scale Machine Learning](https://arxiv.org/abs/1606.04838) (2018),
# section 4. Step schedules trained classic image models: He et al.,
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
# predicted: halved after epochs 5 and 10, so epochs 11-15 train at 0.1 x 0.5 x 0.5
rate_in_epoch_12 = 0.025
lrs = lr_curve(lambda opt: StepLR(opt, step_size=5, gamma=0.5), num_steps=12, lr=0.1)
print(f"lr_curve: epoch 12 trains at {lrs[11]:g}")

check("02.halve_every_5", rate_in_epoch_12)

# %% tags=["solution"] jupyter={"source_hidden": true}
# predicted: each milestone m halves the rate from epoch m + 1 on; 5 and 6 halve it twice in a row
rates_epochs_1_to_8 = [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.0125, 0.0125]
lrs = lr_curve(lambda opt: MultiStepLR(opt, milestones=[2, 5, 6], gamma=0.5), num_steps=8, lr=0.1)
print("lr_curve:", [round(float(v), 6) for v in lrs])

check("02.milestones", rates_epochs_1_to_8)

# %% tags=["solution"] jupyter={"source_hidden": true}
# epochs 11-20 run at 1.2 x 0.5 = 0.6; the floor is roughly proportional to the rate,
# so scale the floor measured at lr = 0.4
predicted_floor = floors[0.4].mean() * 0.6 / 0.4

check("02.noise_floor", predicted_floor)
