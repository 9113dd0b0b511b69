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
# # Let the validation loss decide: ReduceLROnPlateau
#
# **What you'll learn**
# - how `ReduceLROnPlateau` decides when to cut the rate: "better", `threshold`, `patience`, `cooldown`;
# - how to use it on the MNIST CNN, watching a validation split and never the test set;
# - the API points that differ from other schedulers: `step(metric)`, `mode="max"`,
#   `get_last_lr()`, and why it cannot go inside `SequentialLR`;
# - why an adaptive optimizer such as Adam is not an adaptive schedule: its global `lr` still matters.
#
# **Time**: about 25 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.optim.lr_scheduler import ExponentialLR, LinearLR, ReduceLROnPlateau, SequentialLR

from lrcourse import setup_notebook
from lrcourse.device import describe_device
from lrcourse.models import MnistCNN
from lrcourse.plots import PALETTE, new_axes, plot_runs
from lrcourse.curves import plateau_trace
from lrcourse.train import fit

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# ## 1. How `ReduceLROnPlateau` decides
#
# The schedulers of notebooks 02 and 03 fix the rate of every epoch in advance.
# [`ReduceLROnPlateau`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html)
# waits and watches a number you give it, usually the validation loss. When that number has
# not improved for more than `patience` epochs, it multiplies the rate by `factor`.
#
# You call `scheduler.step(val_loss)` once per epoch, after validation. Here it is on a given
# list of validation losses, so you can follow every decision. No model is needed: the
# scheduler only sees the numbers.

# %% tags=["nbval-check-output"]
val_losses = [0.90, 0.72, 0.65, 0.64, 0.645, 0.643, 0.60, 0.598, 0.601, 0.597, 0.599, 0.596]
settings = dict(factor=0.5, patience=2, threshold=0.01, threshold_mode="rel", cooldown=2)

optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
scheduler = ReduceLROnPlateau(optimizer, **settings)
for epoch, val_loss in enumerate(val_losses, start=1):
    optimizer.step()  # a real loop trains here, then computes val_loss
    scheduler.step(val_loss)
    print(f"epoch {epoch:>2}: val loss {val_loss:.3f}, lr for the next epoch = "
          f"{optimizer.param_groups[0]['lr']:.3f}")

# %% [markdown]
# The rate halves once, after epoch 10. Why there, and not after the small bumps at epochs 5
# and 6? `plateau_trace` steps the same real scheduler on the same list and reads its state
# after each step (`best`, `num_bad_epochs`, `cooldown_counter`) to say what torch decided:

# %% tags=["nbval-check-output"]
for t in plateau_trace(val_losses, lr=0.1, **settings):
    print(t["why"])

# %% [markdown]
# Three rules are at work.
# - **Better** means better than the best value so far *by more than the threshold*. The
#   [PyTorch docs](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html)
#   give the bar in `mode="min"`: `best * (1 - threshold)` with `threshold_mode="rel"`, and
#   `best - threshold` with `threshold_mode="abs"`. In `mode="max"` it is `best * (1 + threshold)`
#   or `best + threshold`. So at epoch 8, 0.598 is lower than the best 0.6, but not below
#   `0.6 · 0.99 = 0.594`: it counts as a bad epoch.
# - **Patience**: the rate drops when the count of bad epochs in a row goes *above* `patience`.
#   With `patience=2` that is the third bad epoch (epoch 10). Epochs 5 and 6 were two bad
#   epochs, then epoch 7 was better and reset the count.
# - **Cooldown**: after a drop, `cooldown=2` epochs are not counted at all (epochs 11 and 12).
#
# `rel` and `abs` give different bars. A relative threshold of 0.01 asks for 1% of the best
# value, so the bar shrinks as the loss falls. An absolute threshold of 0.01 always asks for
# 0.01. Here are both, with everything else the same:

# %% tags=["nbval-check-output"]
traces = {}
for mode in ("rel", "abs"):
    traces[mode] = plateau_trace(val_losses, lr=0.1, **{**settings, "threshold_mode": mode})
    reduced = [t["epoch"] for t in traces[mode] if t["reduced"]]
    print(f"threshold_mode={mode!r}: the rate drops after epochs {reduced}")
    print("   ", traces[mode][3]["why"])

# %% [markdown]
# With `abs`, epoch 4 (0.64 after a best of 0.65) does not count as better, because it needs
# to be below 0.64. So the count of bad epochs starts one epoch earlier, and the rate drops
# twice instead of once. The figure shows the loss, where each drop fires, and the rate:

# %%
epochs = np.arange(1, len(val_losses) + 1)
fig, (ax_loss, ax_lr) = new_axes(2, 1, figsize=(6.4, 4.8), sharex=True)
ax_loss.plot(epochs, val_losses, marker="o", ms=3, color="gray")
for mode, marker, color in [("rel", "v", PALETTE[0]), ("abs", "x", PALETTE[1])]:
    fired = [t["epoch"] for t in traces[mode] if t["reduced"]]
    ax_loss.scatter(fired, [val_losses[e - 1] for e in fired], marker=marker, s=90, color=color,
                    label=f"drop fires ({mode})", zorder=3)
    ax_lr.step(epochs, [t["lr"] for t in traces[mode]], where="mid", color=color, label=mode)
ax_loss.set_ylabel("val loss")
ax_loss.legend()
ax_lr.set_ylabel("lr in the epoch")
ax_lr.set_xlabel("epoch")
ax_lr.legend(title="threshold_mode")
plt.show()

# %% [markdown]
# Now try it yourself. The explorer drives the real `ReduceLROnPlateau` on a longer given
# validation curve (it falls, then flattens and wobbles). The lower panel marks each epoch where a
# reduction fires, and the message above the plot explains each one. Try `patience` 0 and 5, switch
# `threshold_mode` to `abs`, and raise `cooldown` or `min_lr`.

# %%
from lrcourse.widgets import explore_schedule

explore_schedule("ReduceLROnPlateau", num_epochs=40)

# %% [markdown]
# ## 2. On the MNIST CNN: a fixed rate vs `ReduceLROnPlateau`
#
# Now the number comes from a real model. `fit` calls `scheduler.step(val_loss)` once per
# epoch, with the loss on `mnist.val`. That split is carved out of the training digits, not out
# of the test set. Tuning anything on the test set, the rate included, would make the test score
# look better than it is.
#
# Two runs, SGD with momentum 0.9 and `lr=0.1`, for 8 epochs. Both start from the same weights
# (`torch.manual_seed(0)` before each model) and see the batches in the same order (a generator
# seeded the same way). The plateau run uses `patience=1`, so that a drop can fire within this
# short budget.

# %%
num_epochs = 8
runs = {
    "fixed lr=0.1": lambda opt: None,
    "ReduceLROnPlateau": lambda opt: ReduceLROnPlateau(opt, factor=0.5, patience=1, threshold=0.01),
}
histories = []
for label, build in runs.items():
    torch.manual_seed(0)  # the same initial weights
    model = MnistCNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    histories.append(fit(model, mnist, optimizer, build(optimizer), num_epochs=num_epochs,
                         generator=torch.Generator().manual_seed(0),  # the same data order
                         progress=False, label=label))

fixed, plateau = histories
lr_in_epoch = dict(zip(plateau.steps["epoch"], plateau.lr))  # the rate each epoch trained with
print("epoch  val loss  lr in the epoch   (ReduceLROnPlateau run)")
for epoch, val_loss in zip(plateau.epochs["epoch"], plateau.epochs["val_loss"]):
    print(f"{epoch:>5}  {val_loss:>8.4f}  {lr_in_epoch[epoch]:.4g}")
drops = [e for e in range(2, num_epochs + 1) if lr_in_epoch[e] < lr_in_epoch[e - 1]]
print(f"the rate was lower than before in epochs {drops}")
print(f"\n{'run':<18}  final val loss  final val acc")
for h in histories:
    print(f"{h.label:<18}  {h.final('val_loss'):>14.4f}  {h.final('val_acc'):>13.3f}")

# %%
axes = plot_runs(histories, x="epoch")
plt.show()

# %% [markdown]
# Until the first drop the two runs have the same weights, batches and rate, so their curves lie
# on top of each other in the figure. Read the table: each drop comes after the validation loss failed to beat its best by 1% for two
# epochs in a row (`patience=1`). After that, the lower panel shows the plateau run training with
# a smaller rate. What the smaller rate did to the validation loss and accuracy is in the
# tables and the upper panels. On this small sample, with one seed and 8 epochs, treat any gap
# between the two runs as a hint, not a ranking.
#
# If the drop list is empty on your data (on full MNIST the loss may keep improving), the two
# runs are the same: `ReduceLROnPlateau` only acts when progress stalls.

# %% [markdown]
# ## 3. Four API points
#
# **`step()` needs the metric.** Every other scheduler is stepped with `scheduler.step()`.
# `ReduceLROnPlateau.step` has a required argument, and forgetting it is a `TypeError`:

# %% tags=["nbval-check-output"]
optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
scheduler = ReduceLROnPlateau(optimizer, patience=1)
try:
    scheduler.step()
except TypeError as error:
    print("TypeError:", error)

# %% [markdown]
# **`mode="max"` for a metric that should go up**, such as the validation accuracy. In the
# default `mode="min"`, a rising accuracy looks like getting worse, and the rate would drop while
# the model improves. Here the same rising accuracies go to both modes:

# %% tags=["nbval-check-output"]
accuracies = [0.90, 0.93, 0.95, 0.96, 0.965, 0.97]
for mode in ("min", "max"):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = ReduceLROnPlateau(optimizer, mode=mode, factor=0.5, patience=1)
    lrs = []
    for acc in accuracies:
        optimizer.step()
        scheduler.step(acc)
        lrs.append(optimizer.param_groups[0]["lr"])
    print(f"mode={mode!r}: lr after each epoch {lrs}")

# %% [markdown]
# With `fit`, pass `monitor="val_acc"` to step the scheduler with the validation accuracy.
#
# **Reading the rate back.** In torch 2.15, `get_last_lr()` works for `ReduceLROnPlateau` too,
# and agrees with `optimizer.param_groups[0]["lr"]`:

# %% tags=["nbval-check-output"]
optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
for epoch, val_loss in enumerate([1.0, 1.1, 1.2], start=1):
    optimizer.step()
    scheduler.step(val_loss)
    print(f"epoch {epoch}: param_groups lr = {optimizer.param_groups[0]['lr']:.3f}, "
          f"get_last_lr() = {scheduler.get_last_lr()}")

# %% [markdown]
# **It cannot go inside `SequentialLR`.** A common wish is "warm up, then reduce on plateau".
# [`SequentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html)
# calls each scheduler's `step()` with no argument, and `ReduceLROnPlateau` needs the metric.
# Torch 2.15 refuses it when you build the chain:

# %% tags=["nbval-check-output"]
optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
plateau_scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
try:
    SequentialLR(optimizer, schedulers=[warmup, plateau_scheduler], milestones=[3])
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# Instead, keep both schedulers and step them yourself: `warmup.step()` during the warmup
# epochs, then `plateau_scheduler.step(val_loss)` afterwards.

# %% [markdown]
# ## 4. Adaptive optimizers are not adaptive schedules
#
# Adam ([Kingma & Ba, 2014](https://arxiv.org/abs/1412.6980)) gives each parameter its own step
# size: it divides a running mean of the gradient by the square root of a running mean of its
# square. The paper notes that each step's size is roughly bounded by the stepsize `α`, which
# is torch's `lr`. You can see both in one step. Give Adam three weights whose gradients differ
# by a factor of 1000, and take one step at two global rates:

# %% tags=["nbval-check-output"]
grads = [0.001, 0.1, 1.0]  # very different gradient sizes
for lr in (1e-3, 1e-2):
    w = torch.zeros(3, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=lr)
    w.grad = torch.tensor(grads)
    optimizer.step()
    change = "  ".join(f"{v:+.6f}" for v in w.detach().tolist())  # w started at 0
    print(f"Adam lr={lr:g}: gradients {grads} -> weight changes {change}")

# %% [markdown]
# In this first step every weight moves by about `lr`, whatever the size of its gradient: that
# is the per-parameter rescaling. Multiply `lr` by 10 and every step grows by 10. So Adam adapts
# *how the step is shared* between parameters, but the global `lr` still sets its size, and
# nothing in Adam lowers `lr` when the validation loss stalls. That is the scheduler's job.
#
# On the MNIST CNN: Adam at four global rates, 3 epochs each, then Adam at `lr=1e-2` with an
# `ExponentialLR(gamma=0.5)` schedule at the same budget. Same initial weights and data order
# in every run.

# %%
def train_adam(lr, schedule=None, label="", num_epochs=3):
    torch.manual_seed(0)  # the same initial weights
    model = MnistCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = schedule(optimizer) if schedule else None
    return fit(model, mnist, optimizer, scheduler, num_epochs=num_epochs,
               generator=torch.Generator().manual_seed(0), progress=False, label=label)


adam_runs = [train_adam(lr, label=f"Adam lr={lr:g}") for lr in (1e-4, 1e-3, 1e-2, 1e-1)]
adam_runs.append(train_adam(1e-2, lambda opt: ExponentialLR(opt, gamma=0.5),
                            label="Adam lr=0.01 + ExponentialLR(0.5)"))
print(f"{'run (3 epochs)':<34}  final val loss  final val acc")
for h in adam_runs:
    print(f"{h.label:<34}  {h.final('val_loss'):>14.4f}  {h.final('val_acc'):>13.3f}")

# %%
fig, (ax_loss, ax_acc) = new_axes(1, 2, figsize=(9.6, 3.6))
for h, color in zip(adam_runs, PALETTE):
    ax_loss.plot(h.epochs["epoch"], h.epochs["val_loss"], marker="o", ms=3, label=h.label, color=color)
    ax_acc.plot(h.epochs["epoch"], h.epochs["val_acc"], marker="o", ms=3, color=color)
ax_loss.set_title("validation loss", fontsize="medium")
ax_acc.set_title("validation accuracy", fontsize="medium")
for ax in (ax_loss, ax_acc):
    ax.set_xlabel("epoch")
    ax.set_xticks(adam_runs[0].epochs["epoch"])
fig.legend(loc="outside lower center", ncols=3, fontsize="small")
plt.show()

# %% [markdown]
# Read the table and the figure. The global rate changes the outcome of the same optimizer on the
# same data: look at how far apart the rows for the four fixed rates end. Adam did not make
# the choice of `lr` go away. The last row is the same Adam with a schedule on top; compare it
# with the `lr=0.01` row. This is one seed, 3 epochs, on a small sample (or full MNIST, if you
# have it), so the order of close rows can change with another seed; notebook 08 repeats such
# runs over several seeds.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Here is a list of validation losses, one per epoch. At which epoch (1-based)
# does `ReduceLROnPlateau(factor=0.5, patience=2, threshold=0.02, threshold_mode="rel")` reduce
# the rate for the first time? Work it out by hand first (what is the bar each loss must beat?),
# then confirm it with the real scheduler or `plateau_trace`.

# %%
from lrcourse.checks import PLATEAU_EXERCISE_LOSSES, check

print(PLATEAU_EXERCISE_LOSSES)

# %% tags=["exercise"]
first_reduction = ...  # your code here

check("04.predict_reduction", first_reduction)

# %% [markdown]
# **Exercise 2.** Write a function that takes an optimizer and returns a `ReduceLROnPlateau` that
# watches the validation *accuracy*: it multiplies the rate by 0.2 after 3 epochs without
# improvement.

# %% tags=["exercise"]
plateau_on_accuracy = ...  # your code here

check("04.mode_max", plateau_on_accuracy)

# %% [markdown]
# ## Summary
#
# - `ReduceLROnPlateau` multiplies the rate by `factor` when the watched metric has not been
#   *better* for more than `patience` epochs in a row. Better means beyond the bar
#   `best * (1 - threshold)` (`rel`) or `best - threshold` (`abs`) in `mode="min"`. `cooldown`
#   skips counting for a few epochs after a drop; `min_lr` is a floor.
# - Step it once per epoch with the metric: `scheduler.step(val_loss)`. Without it, torch
#   raises a `TypeError`. Use `mode="max"` for accuracy.
# - Watch a validation split (here `mnist.val`, cut from the training digits), never the test set.
# - Read the rate with `optimizer.param_groups[0]["lr"]` or `get_last_lr()`; both agree in torch 2.15.
# - `SequentialLR` refuses it. Step a warmup and a plateau scheduler yourself instead.
# - Adam rescales each parameter's step, but its global `lr` still sets the size of the steps.
#   An adaptive optimizer is not an adaptive schedule.
#
# **Read more**
# - PyTorch: [`ReduceLROnPlateau`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html),
#   [`SequentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html),
#   [`Adam`](https://pytorch.org/docs/stable/generated/torch.optim.Adam.html), and
#   [How to adjust learning rate](https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate).
# - D. P. Kingma and J. Ba, [Adam: A Method for Stochastic Optimization](https://arxiv.org/abs/1412.6980) (2014).
#
# Next: **05_cyclic**, schedules that go up as well as down.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check.

# %% tags=["solution"] jupyter={"source_hidden": true}
optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=2, threshold=0.02, threshold_mode="rel")
first_reduction = None
for epoch, val_loss in enumerate(PLATEAU_EXERCISE_LOSSES, start=1):
    before = optimizer.param_groups[0]["lr"]
    optimizer.step()
    scheduler.step(val_loss)
    if first_reduction is None and optimizer.param_groups[0]["lr"] < before:
        first_reduction = epoch
print(f"the first reduction happens at epoch {first_reduction}")

check("04.predict_reduction", first_reduction)

# %% tags=["solution"] jupyter={"source_hidden": true}
def plateau_on_accuracy(opt):
    return ReduceLROnPlateau(opt, mode="max", factor=0.2, patience=3)


check("04.mode_max", plateau_on_accuracy)
