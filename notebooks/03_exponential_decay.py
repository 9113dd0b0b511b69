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
# # Decay the learning rate smoothly: exponential, time-based and polynomial
#
# **What you'll learn**
# - how `ExponentialLR` multiplies the rate by `gamma` every epoch, and why `gamma=0.1` freezes
#   training: the sum of the rates, Σlr, is the budget a schedule can spend;
# - the Robbins–Monro conditions (Σlr = ∞, Σlr² < ∞) and the schedules that meet them;
# - time-based decay `lr0 / (1 + k·t)` (`LambdaLR` and lrcourse's `TimeBasedLR`), `MultiplicativeLR`
#   and `PolynomialLR`;
# - how two decay shapes compare on the MNIST CNN at the same budget, over paired seeds.
#
# **Time**: about 30 minutes to read and play. The cell before the solutions prints how long
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
from lrcourse.compare import compare_runs, plot_paired
from lrcourse.curves import lr_curve
from lrcourse.device import describe_device
from lrcourse.models import MnistCNN
from lrcourse.plots import PALETTE, new_axes, plot_lr_curve
from lrcourse.schedules import TimeBasedLR
from lrcourse.shootout import Contestant, shootout
from lrcourse.train import evaluate

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# ## 1. `ExponentialLR`: multiply the rate by `gamma` every epoch
#
# Each `scheduler.step()` of
# [`ExponentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ExponentialLR.html)
# multiplies the rate by `gamma`. Epoch 1 trains at `initial_lr`, epoch `e` at
# `initial_lr · gamma^(e - 1)`.
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
    return record, model


def print_record(record):
    print("epoch  lr        train loss  weights moved  val acc")
    for epoch, (lr, loss, moved, acc) in enumerate(zip(*record.values()), start=1):
        print(f"{epoch:>5}  {lr:<8.2g}  {loss:>10.4f}  {moved:>13.2e}  {acc:>7.3f}")


gamma_01, model_01 = train_with_exponential_decay(gamma=0.1)
print_record(gamma_01)
moved = np.array(gamma_01["weight_change"])
print("\nthe weights moved this many times less than in the epoch before, epochs 2-10:")
print("  ".join(f"{r:.1f}x" for r in moved[:-1] / moved[1:]))

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
# Now read the table above. In epoch 10 the rate is `0.01 · 0.1^9 = 1e-11`. From epoch 2 on, the
# weights move less in every epoch. From epoch 3 to epoch 7 they move about 10 times less each
# epoch, in step with the rate, which falls 10 times per epoch: the ratios printed under the table
# for those epochs run from 8.9x to 12.2x. By epoch 4 the rate is already 1e-05, and from there
# on the training loss hardly changes (it stays between 0.0925 and 0.0937): learning has stopped.
#
# From epoch 8 on, at rates of 1e-09 and below, the ratios jump to 27.1x, 31.4x and 35.1x. That
# is not the rate: it is float32 rounding. The weights are float32 numbers, spaced about
# $10^{-7}$ times their size apart, so a step much smaller than that gap rounds back to the same
# weight. Adam's step is about `lr` per weight; add a step of each size to every weight of the
# trained model and count how many weights actually change:

# %%
weights = parameters_to_vector(model_01.parameters()).detach()  # float32
print(f"median |weight|: {weights.abs().median():.3f}")
for step in (1e-5, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11):
    changed = (weights + step != weights).float().mean().item()
    print(f"add {step:.0e} to every weight: {100 * changed:5.1f}% of the weights change")

# %% [markdown]
# A step of 1e-05 or 1e-07 changes every weight (100.0%). At 1e-09 only 41.3% of the weights
# change: those nearest 0, where float32's gaps are smallest (the median weight is 0.039 in size).
# At 1e-10 it is 2.7%, at 1e-11 0.4%. So in epochs 8-10 most of Adam's steps round away, and the
# "weights moved" column falls faster than the rate: there it measures float32 rounding, not the
# rate.
#
# The same run with `gamma=0.9`, from the same weights and with the same data order:

# %%
gamma_09, _ = train_with_exponential_decay(gamma=0.9)
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
# `gamma=0.1` the loss goes flat after a few epochs.
#
# **The budget.** A step moves the weights by about `lr` times something of the size of the
# gradient (for Adam, by about `lr` per weight), so the sum of the rates over the run, Σlr, is
# the budget that sets the scale of how far training can take the weights. Sum the rates each run
# used:

# %% tags=["nbval-check-output"]
for label, record in [("gamma=0.1", gamma_01), ("gamma=0.9", gamma_09)]:
    lrs = np.array(record["lr"])
    print(f"ExponentialLR({label}): sum of the 10 rates = {lrs.sum():.4f}, "
          f"{100 * lrs[0] / lrs.sum():.0f}% of it in epoch 1")
print(f"fixed lr=0.01 for comparison: {0.01 * 10:.4f}")
print(f"the most gamma=0.1 can ever spend, however long it runs: 0.01 / (1 - 0.1) = {0.01 / 0.9:.4f}")

# %% [markdown]
# `gamma=0.1` spent 0.0111 in its 10 epochs, 90% of it in epoch 1, and it can never spend more
# than 0.0111, however long it runs. `gamma=0.9` spent 0.0651, almost six times as much, and a
# fixed `lr=0.01` would spend 0.1. That is why `gamma=0.1` freezes: after epoch 1 it has almost
# nothing left to spend. Its training loss stalls near 0.093 from epoch 4 on, while the
# `gamma=0.9` run keeps spending and its training loss goes on down to 0.0015.
#
# **Why the validation accuracy still moves at lr ≈ 1e-9.** The CNN has `BatchNorm2d` layers.
# In train mode, every forward pass updates their running mean and variance (the statistics
# used at evaluation), whatever the rate, even with no optimizer step at all. Take the
# `gamma=0.1` model after its 10 epochs and run one more epoch of forward passes in train mode,
# with no gradients and no optimizer, so the rate is exactly 0:

# %%
bn = next(m for m in model_01.modules() if isinstance(m, torch.nn.BatchNorm2d))
weights_before = parameters_to_vector(model_01.parameters()).detach().clone()
mean_before = bn.running_mean.clone()
val_before = evaluate(model_01, mnist.val)
model_01.train()
with torch.no_grad():  # no gradients, no optimizer.step(): nothing learns
    for xb, _ in mnist.train.batches(64, shuffle=True, generator=torch.Generator().manual_seed(1)):
        model_01(xb)
val_after = evaluate(model_01, mnist.val)
print(f"weights moved:                  {(parameters_to_vector(model_01.parameters()) - weights_before).norm():.1e}")
print(f"first BatchNorm's running_mean: {(bn.running_mean - mean_before).norm():.1e}")
print(f"val loss {val_before[0]:.4f} -> {val_after[0]:.4f}, val acc {val_before[1]:.3f} -> {val_after[1]:.3f}")

# %% [markdown]
# The weights did not move at all (0.0e+00), but the running mean of the first BatchNorm layer
# moved by 1.2e-02, and the validation loss changed from 0.2632 to 0.2643 (accuracy 0.940 to
# 0.938: one validation digit). So the statistics alone can move the accuracy by a digit, and the
# `gamma=0.1` run's wobble between 0.938 and 0.940 in the late epochs, at rates down to 1e-11,
# need not be learning: each epoch re-estimates the BatchNorm statistics from its own batches.
# (To freeze them too, put the BatchNorm layers in eval mode.)

# %% [markdown]
# ## 2. Σlr, Robbins–Monro, and the schedules that never freeze
#
# Exponential decay has a finite budget: `lr0 · (1 + gamma + gamma² + ...) = lr0 / (1 - gamma)`,
# however many epochs you add. Robbins and Monro
# ([1951](https://doi.org/10.1214/aoms/1177729586)) gave the classic conditions for stochastic
# gradient steps to converge: **Σlr = ∞**, so the steps can still carry the weights as far as
# needed, and **Σlr² < ∞**, so the noise they add, which grows like `lr²`, stays bounded.
# `lr0 / t` meets both. d2l's chapter
# [Learning Rate Scheduling](https://d2l.ai/chapter_optimization/lr-scheduler.html) uses
# `lr0 · (t + 1)^(-1/2)`, which keeps Σlr = ∞ but decays more slowly, so Σlr² grows too, as
# slowly as `log t`. Exponential decay meets only the second condition. Compute the sums with
# `lr_curve` for a long run:

# %% tags=["nbval-check-output"]
long_run = {
    "fixed": lambda opt: LambdaLR(opt, lambda t: 1.0),
    "ExponentialLR(gamma=0.9)": lambda opt: ExponentialLR(opt, gamma=0.9),
    "lr0 / (t + 1)": lambda opt: LambdaLR(opt, lambda t: 1 / (t + 1)),
    "lr0 / sqrt(t + 1) (d2l)": lambda opt: LambdaLR(opt, lambda t: (t + 1) ** -0.5),
}
checkpoints = (10, 100, 1000, 10000)
sums = {label: np.cumsum(lr_curve(build, max(checkpoints), lr=0.1)) for label, build in long_run.items()}
squares = {label: np.cumsum(lr_curve(build, max(checkpoints), lr=0.1) ** 2) for label, build in long_run.items()}
print(f"{'Σlr after t steps, lr0 = 0.1':<28}" + "".join(f"{t:>9}" for t in checkpoints) + "   Σlr² at 10000")
for label in long_run:
    print(f"{label:<28}" + "".join(f"{sums[label][t - 1]:>9.3g}" for t in checkpoints)
          + f"   {squares[label][-1]:.3g}")

# %%
fig, ax = new_axes(figsize=(6.4, 3.4))
for (label, cumulative), color in zip(sums.items(), PALETTE):
    ax.plot(np.arange(1, len(cumulative) + 1), cumulative, label=label, color=color)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("step t")
ax.set_ylabel("Σlr up to t")
ax.set_title("the budget spent so far")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# The exponential curve flattens at `0.1 / (1 - 0.9) = 1`: after about 50 steps it has spent
# its budget, and more steps add nothing. `1/t` grows like `log t`, `1/sqrt(t)` like `sqrt(t)`:
# neither ever stops. In practice you train for a fixed number of epochs, so an infinite budget
# is not the point. The point is to check that the budget of a schedule fits the run: a
# 10-epoch schedule that has spent its Σlr by epoch 3 wastes the last 7 epochs.

# %% [markdown]
# ## 3. Time-based, multiplicative and polynomial decay
#
# **Time-based decay** divides the initial rate by `1 + k·t`: `lr_t = lr0 / (1 + k·t)`.
# Torch has no class for it, but
# [`LambdaLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LambdaLR.html)
# sets the rate to `initial_lr · lr_lambda(t)`, so `lambda t: 1 / (1 + k * t)` gives it.
# lrcourse's `TimeBasedLR(optimizer, k)` is the same formula as a scheduler class.
# Here `t` counts the `scheduler.step()` calls so far, one per epoch: epoch 1 trains at `t = 0`,
# epoch `e` at `t = e - 1`. Compute both curves with `lr_curve` (element 0 is epoch 1) and
# compare them:

# %% tags=["nbval-check-output"]
k = 0.1
with_lambda = lr_curve(lambda opt: LambdaLR(opt, lr_lambda=lambda t: 1 / (1 + k * t)), num_steps=50, lr=0.1)
with_class = lr_curve(lambda opt: TimeBasedLR(opt, k=k), num_steps=50, lr=0.1)
print("epoch  LambdaLR  TimeBasedLR")
for epoch in (1, 2, 6, 11, 21, 31, 50):
    print(f"{epoch:>5}  {with_lambda[epoch - 1]:<8.4f}  {with_class[epoch - 1]:.4f}")
print(f"largest difference over 50 epochs: {np.abs(with_lambda - with_class).max():.1e}")

# %% [markdown]
# The two agree. With `k = 0.1` the rate halves after 10 epochs (0.0500 in epoch 11), then falls
# ever more slowly: the next halving, to 0.0250, takes until epoch 31.
#
# Two torch schedulers complete the family:
# - [`MultiplicativeLR(optimizer, lr_lambda)`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiplicativeLR.html)
#   multiplies the *current* rate by `lr_lambda(t)` at each step. A constant factor only
#   reproduces `ExponentialLR`; its use is a factor that changes with `t`. Here: hold the rate
#   for 10 epochs, then multiply it by 0.9 every epoch, which `ExponentialLR` alone cannot do.
# - [`PolynomialLR(optimizer, total_iters, power)`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.PolynomialLR.html)
#   gives `lr0 · (1 - t / total_iters)^power`. It reaches exactly 0 at `total_iters` and stays
#   there. `power=1` is a straight line down to zero.
#
# The table adds the budget of each curve over the 50 epochs, Σlr:

# %% tags=["nbval-check-output"]
num_epochs = 50
curves = {
    "ExponentialLR(gamma=0.9)": lr_curve(lambda opt: ExponentialLR(opt, gamma=0.9), num_epochs),
    "TimeBasedLR(k=0.1)": lr_curve(lambda opt: TimeBasedLR(opt, k=0.1), num_epochs),
    "MultiplicativeLR(1 until t=10, then 0.9)": lr_curve(
        lambda opt: MultiplicativeLR(opt, lr_lambda=lambda t: 1.0 if t < 10 else 0.9), num_epochs),
    "PolynomialLR(total_iters=40, power=1)": lr_curve(
        lambda opt: PolynomialLR(opt, total_iters=40, power=1.0), num_epochs),
    "PolynomialLR(total_iters=40, power=2)": lr_curve(
        lambda opt: PolynomialLR(opt, total_iters=40, power=2.0), num_epochs),
}
shown = (1, 11, 12, 21, 31, 41)  # epochs; epoch e trains at t = e - 1
print(f"{'lr in epoch':<41}" + "".join(f"{e:>8}" for e in shown) + "  Σlr (50 epochs)")
for label, lrs in curves.items():
    print(f"{label:<41}" + "".join(f"{lrs[e - 1]:>8.2g}" for e in shown) + f"  {lrs.sum():>15.3f}")

# %%
fig, (ax_lin, ax_log) = new_axes(1, 2, figsize=(10.0, 4.2))
for (label, lrs), color in zip(curves.items(), PALETTE):
    ax_lin.plot(range(1, num_epochs + 1), lrs, label=label, color=color)
    ax_log.plot(range(1, num_epochs + 1), np.where(lrs > 0, lrs, np.nan), color=color)  # a log axis cannot show 0
ax_log.set_yscale("log")
ax_lin.set_title("all from lr0 = 0.1, linear axis")
ax_log.set_title("log axis (0 cannot be drawn)")
for ax in (ax_lin, ax_log):
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
fig.legend(*ax_lin.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize="small")
plt.show()

# %% [markdown]
# What the table and the figure show:
# - **exponential** is a straight line on the log axis: the same factor, 0.9, every epoch, with
#   no end date;
# - **time-based** cuts less than `ExponentialLR(0.9)` at every epoch: its biggest relative cut
#   is the first one (0.1 to 0.0909, 9%), and each later cut is smaller, because the factor
#   `(1 + k·t) / (1 + k·(t + 1))` creeps towards 1. So it stays above the exponential curve at
#   every printed epoch, with a long, nearly flat tail (0.02 in epoch 41);
# - **multiplicative** with this `lr_lambda` holds 0.1 for epochs 1 to 10, then falls by 0.9 per
#   epoch: the exponential curve, 9 epochs later (0.031 in epoch 21, where `ExponentialLR(0.9)`
#   had 0.031 in epoch 12);
# - **polynomial** lands on 0 at `total_iters`: `power=2` falls faster at first, `power=1` is a
#   straight line on the linear axis.
#
# The last column matters most. These five curves spend budgets from 0.995 (`ExponentialLR(0.9)`)
# to 2.050 (the linear decay) over the same 50 epochs, so two of them trained side by side would
# differ in budget, not only in shape. To compare shapes, match Σlr first (section 5 does).

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
# The **scheduler** dropdown switches to any other scheduler, including `MultiplicativeLR`.

# %%
explore_schedule("PolynomialLR", total_iters=40, power=2.0, num_epochs=50)

# %% [markdown]
# ## 5. The MNIST CNN: two decay shapes at the same budget
#
# A fair comparison of shapes holds the budget fixed. Take a linear decay,
# `PolynomialLR(total_iters=4, power=1)`, over 4 epochs from `lr=0.05`, and find the `gamma`
# whose `ExponentialLR` spends the same Σlr: exponential falls fast early and ends higher, linear
# falls steadily to a low last epoch. Both use SGD with momentum 0.9.

# %% tags=["nbval-check-output"]
num_epochs, lr0 = 4, 0.05
linear = lr_curve(lambda opt: PolynomialLR(opt, total_iters=num_epochs, power=1.0), num_epochs, lr=lr0)
gammas = np.arange(0.50, 0.99, 0.001)
budgets = np.array([lr_curve(lambda opt: ExponentialLR(opt, gamma=g), num_epochs, lr=lr0).sum() for g in gammas])
matched_gamma = float(gammas[np.argmin(np.abs(budgets - linear.sum()))])
schedules = {
    "linear": lambda opt: PolynomialLR(opt, total_iters=num_epochs, power=1.0),
    f"ExponentialLR({matched_gamma:.3f})": lambda opt: ExponentialLR(opt, gamma=matched_gamma),
}
spent = {}
print(f"{'lr in epoch':<21}" + "".join(f"{e:>8}" for e in range(1, num_epochs + 1)) + "     Σlr")
for label, build in schedules.items():
    lrs = lr_curve(build, num_epochs, lr=lr0)
    spent[label] = lrs.sum()
    print(f"{label:<21}" + "".join(f"{lr:>8.4f}" for lr in lrs) + f"  {spent[label]:.4f}")

# %% [markdown]
# `shootout` trains each contestant once per seed, on 8 seeds (the count is explained below the
# results). For each seed, both start from the same weights and see the batches in the same
# order, so the differences are paired. The schedules watch nothing, so every metric is a fair
# judge; the two below are the final training loss, where a lower last rate should show first
# (notebook 02's noise floor), and the test loss. On 1,000 test digits the accuracy moves in
# steps of one digit (0.1 pp), and a gap between two shapes at one budget can be smaller than
# that step; the loss moves continuously, so it is the finer judge of the two on the test set.

# %%
sgd = lambda params: torch.optim.SGD(params, lr=lr0, momentum=0.9)
result = shootout([Contestant(label, sgd, build) for label, build in schedules.items()],
                  mnist, seeds=tuple(range(8)), num_epochs=num_epochs, verbose=False)
linear_label, exp_label = schedules
shape_loss = compare_runs(result, linear_label, exp_label, metric="train_loss")
shape_test = compare_runs(result, linear_label, exp_label, metric="test_loss")
print(f"two shapes at the same budget (Σlr {spent[linear_label]:.3f} and {spent[exp_label]:.3f}):")
print(" ", shape_loss.summary())
print(" ", shape_test.summary())
print("\nfinal training loss, mean of the seeds: "
      + ", ".join(f"{label} {np.mean([h.final('train_loss') for h in runs]):.4f}"
                  for label, runs in result.histories.items()))
print("test accuracy, mean of the seeds: "
      + ", ".join(f"{label} {100 * np.mean(accs):.2f}%" for label, accs in result.test_acc.items()))
print("epoch-1 training loss, every run: "
      + ", ".join(f"{h.epochs['train_loss'][0]:.2f}" for runs in result.histories.values() for h in runs))

# %%
fig, axes = new_axes(1, 2, figsize=(10.0, 2.2))
for comparison, ax in zip((shape_loss, shape_test), axes.flat):
    plot_paired(comparison, ax=ax)
fig.suptitle(f"paired differences, {len(result.seeds)} seeds, the same budget", fontsize="medium")
plt.show()

# %% [markdown]
# **How many seeds.** A paired comparison resolves when the CI's half-width,
# $t_{0.975,\,n-1} \cdot s / \sqrt{n}$ for $n$ seeds whose differences have the standard deviation
# $s$, is smaller than the mean difference. Seeds 0, 1 and 2 were a pilot: this comparison first
# ran on them alone. The rule: take the fewest seeds whose half-width, at the pilot's $s$, is at
# most half the pilot's mean difference, so that the CI would still exclude 0 if the true
# difference were only half what the pilot saw, and run at least that many (`seeds_needed` in
# `lrcourse.compare`). The cell prints the rule on the pilot, for both numbers, and the same
# half-widths at the $s$ of all the seeds:

# %%
from lrcourse.compare import seed_rule

print("final training loss:")
print(seed_rule(shape_loss))
print("\ntest loss:")
print(seed_rule(shape_test))

# %% [markdown]
# On the pilot the rule gives 5 seeds for the training loss and 8 for the test loss, whose
# difference is smaller against its noise; this notebook runs 8, the larger. For the training loss
# the pilot's noise held up: over all 8 seeds the SD of its differences is 0.0010 and the
# half-width 0.0008, about a quarter of the mean difference. For the test loss it did not: over
# all 8 seeds the mean difference shrank from the pilot's +0.0022 to +0.0014 and the SD grew from
# 0.0013 to 0.0020, so its CI above covers 0.
#
# What the cells above show, on the offline sample (3,500 training digits, 1,000 test digits),
# 8 paired seeds, 4 epochs of SGD with momentum from `lr=0.05`:
# - **The budget is the same** (Σlr 0.1250 for linear, 0.1249 for `ExponentialLR(0.691)`), and so
#   is epoch 1 (both train at `lr=0.05`, and the epoch-1 training losses of each seed's two runs
#   are equal). The runs are calm: every epoch-1 training loss lies between 0.64 and 1.15, below
#   the $\ln 10 \approx 2.30$ of a guess.
# - **The final training loss is higher with the exponential shape** on every seed (better on
#   0 of 8): +0.00333 on average (95% CI +0.00251 to +0.00414), so the CI excludes 0. The means of
#   the seeds are 0.0603 for linear and 0.0636 for exponential. At the same Σlr the exponential
#   decay spends more early and ends at a higher last rate (0.0165 against 0.0125 in epoch 4):
#   that is the direction the noise floor of notebook 02 predicts, a higher last rate, a higher
#   loss. These runs do not separate the last rate from the rest of the two paths.
# - **On the test set the shapes are within noise**: the test loss is
#   +0.0014 with the exponential shape (95% CI -0.0003 to +0.0030), better on only 1 of 8 seeds but
#   with a CI that covers 0. So with 95% confidence the exponential shape raised the test loss by at
#   most 0.0030, or lowered it by at most 0.0003. The mean test accuracies, 95.16% and 95.28%, are
#   about one test digit apart.
#
# So at a matched budget the shape of the decay still shows, in the training loss the schedule
# was built to lower; on new digits, their test losses differ by less than 0.0030 with 95% confidence.

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
# **Exercise 2 (predict, then verify).** `LambdaLR(opt, lambda t: 1 / (1 + 0.05 * t))` is
# time-based decay with `k = 0.05`. From `lr=0.1`, which is the first epoch (epoch 1 being the
# first) that trains at half the initial rate, 0.05, or less? Predict it from the formula before
# you run anything, then verify with `lr_curve`.

# %% tags=["exercise"]
first_half_epoch = ...  # your code here

check("03.time_based_lambda", first_half_epoch)

# %% [markdown]
# **Exercise 3 (predict, then verify).** A fixed rate of 0.05 for 10 epochs spends a budget of
# Σlr = 0.5. `ExponentialLR` starts at `lr=0.1`, twice as high. First predict, without running
# anything: is the `gamma` that spends the same 0.5 over the 10 epochs above or below 0.9, and
# will its last epoch train above or below 0.05? Then find that `gamma` (epoch 1 trains at 0.1,
# epoch 10 at `0.1 · gamma^9`). Answer with a dict
# `{"gamma_is": "above" or "below", "last_rate_is": "above" or "below", "gamma": ...}`: the check
# tests both predictions and the `gamma`.

# %% tags=["exercise"]
budget_answer = ...  # your code here

check("03.match_budget", budget_answer)

# %% [markdown]
# ## Summary
#
# - `ExponentialLR(gamma)` multiplies the rate by `gamma` at every step, so its effect
#   compounds. Its whole budget is `lr0 / (1 - gamma)`: `gamma=0.1` spent 0.0111 in 10 epochs
#   (against 0.0651 for `gamma=0.9`) and froze the CNN. Pick `gamma` from the final rate or the
#   budget you want, and look at the rate on a log axis.
# - Σlr is the budget of a schedule. Robbins–Monro asks for Σlr = ∞ and Σlr² < ∞ (`1/t`);
#   d2l's `1/sqrt(t)` keeps Σlr = ∞; exponential decay has a finite budget.
# - With `BatchNorm`, the validation metrics still move when the rate is ~0: forward passes in
#   train mode update the running statistics.
# - Time-based decay `lr0 / (1 + k·t)` is `LambdaLR(opt, lambda t: 1 / (1 + k * t))`, or
#   `TimeBasedLR(opt, k)`.
# - `MultiplicativeLR` multiplies the current rate by `lr_lambda(t)`: use it for factors that
#   change with `t`. `PolynomialLR` reaches exactly 0 at `total_iters`.
# - Compare shapes at the same budget. On the MNIST CNN (offline sample, 8 paired seeds, 4 epochs),
#   linear and exponential decay at Σlr 0.125 differ in the final training loss: the exponential
#   shape, which ends at the higher rate, ends +0.00333 higher (95% CI +0.00251 to +0.00414, every
#   seed). On the test set the difference is within noise: the test loss moved by less than
#   0.0030, with 95% confidence.
#
# **Read more**
# - PyTorch: [`ExponentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ExponentialLR.html),
#   [`LambdaLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LambdaLR.html),
#   [`MultiplicativeLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiplicativeLR.html),
#   [`PolynomialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.PolynomialLR.html),
#   and [How to adjust learning rate](https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate).
# - H. Robbins and S. Monro, [A Stochastic Approximation Method](https://doi.org/10.1214/aoms/1177729586),
#   Annals of Mathematical Statistics 22 (1951): the conditions Σlr = ∞, Σlr² < ∞.
# - A. Zhang et al., Dive into Deep Learning,
#   [Learning Rate Scheduling](https://d2l.ai/chapter_optimization/lr-scheduler.html)
#   (chapter_optimization/lr-scheduler): the `1/sqrt(t)` schedule and others, as plain functions.
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
# predicted: 1 / (1 + 0.05·t) = 1/2 at t = 20 steps, and epoch e trains at t = e - 1
first_half_epoch = 21
lrs = lr_curve(lambda opt: LambdaLR(opt, lambda t: 1 / (1 + 0.05 * t)), num_steps=25, lr=0.1)
print(f"epoch 20 trains at {lrs[19]:.4f}, epoch 21 at {lrs[20]:.4f}")

check("03.time_based_lambda", first_half_epoch)


# %% tags=["solution"] jupyter={"source_hidden": true}
from scipy.optimize import brentq

# predicted: gamma=0.9 from 0.1 spends 0.1·(1 - 0.9^10) / (1 - 0.9) ≈ 0.65 > 0.5, so gamma is below 0.9;
# a rate that starts at twice the mean and only falls must end below the mean, 0.05
spent = lambda g: lr_curve(lambda opt: ExponentialLR(opt, gamma=g), num_steps=10, lr=0.1).sum()
gamma = brentq(lambda g: spent(g) - 0.5, 0.5, 0.99)  # the gamma whose 10 rates add up to 0.5
last = 0.1 * gamma ** 9
print(f"gamma = {gamma:.4f}: the 10 rates add up to {spent(gamma):.4f}, epoch 10 trains at {last:.4f}")
budget_answer = {"gamma_is": "below", "last_rate_is": "below", "gamma": gamma}

check("03.match_budget", budget_answer)
