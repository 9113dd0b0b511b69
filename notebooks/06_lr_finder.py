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
# # Find a learning rate with the range test
#
# **What you'll learn**
# - the learning-rate range test of L. Smith (2015): raise the rate after every batch, watch the
#   loss, and read a rate off the curve;
# - how to write it yourself in a few lines, and what `lrcourse.finder.LRFinder` adds: smoothing,
#   an early stop, and the model and optimizer put back exactly as they were;
# - on y = 2x, where the divergence limit 2/L is known, where the curve bottoms out and where each
#   of fastai's four suggestion rules (`steep`, `minimum`, `valley`, `slide`) lands;
# - on the MNIST CNN: exponential against linear sweeps, the course's rule for `OneCycleLR`'s
#   `max_lr` (`finder.suggest_max_lr()`), checked on validation at 10× less and 10× more;
# - why the smoothed curve lags behind the raw one, what the libraries call the smoothing, and how
#   much each rule moves from seed to seed.
#
# **Time**: about 40 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import copy
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from torch.optim.lr_scheduler import OneCycleLR

from lrcourse import setup_notebook
from lrcourse.device import describe_device
from lrcourse.finder import LRFinder, sweep_lrs
from lrcourse.models import MnistCNN, linear_model
from lrcourse.plots import PALETTE, new_axes, plot_finder
from lrcourse.train import fit

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# ## 1. The idea: sweep the rate, watch the loss
#
# L. Smith's [Cyclical Learning Rates for Training Neural Networks](https://arxiv.org/abs/1506.01186)
# (2015; revised 2017, WACV) needs two bounds for the cycle, and §3.3, "How can one estimate reasonable minimum
# and maximum boundary values?", finds them with an **LR range test**: train for a few epochs while
# the rate rises linearly from a low to a high value, and plot the accuracy against the rate. The
# rate where the accuracy starts to rise is the lower bound; the rate where it slows, becomes
# ragged or falls is the upper bound.
#
# The version most libraries use today (fastai's `lr_find`, torch-lr-finder, and `LRFinder` here)
# follows the **training loss** instead, raises the rate **exponentially**, once per mini-batch,
# for about 100 batches, and stops when the loss blows up. Read the curve from left to right:
# 1. **flat**: the rate is too small to move the weights much in one batch, and the loss stays
#    where it started;
# 2. **falling**: the rate is large enough to learn; the steeper the fall, the faster the learning;
# 3. **bottom**: the loss stops falling. The rate is close to the largest the model tolerates;
# 4. **blow-up**: past that, each step overshoots by more than the last (the diverging regime of
#    notebook 01), and the loss explodes.
#
# Every point continues from the weights the previous points left, so the curve mixes two things:
# the rate, and the training done so far. Keep that in mind for section 4.
#
# `sweep_lrs` gives the rates a test uses. Both sweeps below start at 1e-7 and end at 10 in 100
# batches:

# %% tags=["nbval-check-output"]
exp_lrs = sweep_lrs(1e-7, 10, 100, "exp")
lin_lrs = sweep_lrs(1e-7, 10, 100, "linear")
print(f"{'batch':>5} {'exponential':>12} {'linear':>12}")
for i in (0, 1, 2, 25, 50, 75, 98, 99):
    print(f"{i:>5} {exp_lrs[i]:>12.3g} {lin_lrs[i]:>12.3g}")
print(f"every exponential step multiplies the rate by {exp_lrs[1] / exp_lrs[0]:.4f}")
print(f"batches below lr = 0.01: exponential {np.sum(exp_lrs < 0.01)}, linear {np.sum(lin_lrs < 0.01)}")

# %% [markdown]
# The exponential sweep multiplies the rate by the same factor at every batch, so it gives each
# decade of rates the same number of batches (100 batches over 8 decades: about 12 each). The
# linear sweep adds the same amount at every batch: from its second batch on it is at 0.1 or more,
# and it spends a single batch below 0.01.

# %%
fig, ax = new_axes(figsize=(6.4, 2.6))
ax.plot(exp_lrs, label="exponential (step_mode='exp')")
ax.plot(lin_lrs, label="linear (step_mode='linear')")
ax.set_yscale("log")
ax.set_xlabel("batch")
ax.set_ylabel("learning rate")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# ## 2. Build it by hand
#
# The whole test fits in one function: exponential rates, one per batch; a training step at each
# rate; the loss recorded; a stop when the loss blows up; and, at the end, the model and the
# optimizer loaded back from copies taken before the first step. Without that last part, the
# sweep would leave the model at the blown-up weights of its last batches.

# %%
def range_test_by_hand(model, optimizer, data, start_lr=1e-7, end_lr=10, num_iter=100, seed=0):
    """Raise the rate after every batch, record the losses, then put everything back."""
    saved_model = copy.deepcopy(model.state_dict())  # weights and batch-norm statistics
    saved_optimizer = copy.deepcopy(optimizer.state_dict())  # lr, momentum buffers
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_iter) / (num_iter - 1))
    order = torch.Generator().manual_seed(seed)

    def batches():  # shuffled mini-batches of 64, pass after pass
        while True:
            yield from data.batches(64, shuffle=True, generator=order)

    loss_fn, losses = nn.CrossEntropyLoss(), []
    model.train()
    for lr, (xb, yb) in zip(lrs, batches()):
        for group in optimizer.param_groups:
            group["lr"] = float(lr)
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]) or losses[-1] > 4 * min(losses):  # blown up
            break
    model.load_state_dict(saved_model)
    optimizer.load_state_dict(saved_optimizer)
    return lrs[:len(losses)], np.array(losses)


torch.manual_seed(0)
model = MnistCNN().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
hand_lrs, hand_losses = range_test_by_hand(model, optimizer, mnist.train)
print(f"by hand: stopped after {len(hand_losses)} batches, at lr = {hand_lrs[-1]:.3g}, "
      f"loss {hand_losses[-1]:.3f} (lowest so far {hand_losses.min():.3f})")

# %% [markdown]
# Now the same test with `LRFinder`. It takes the model, the optimizer and (optionally) the loss,
# and `range_test` runs the sweep: the same rates, and the same batches, because both use a
# generator seeded with 0 for the order. It prints how the test ended:

# %%
finder = LRFinder(model, optimizer)
finder.range_test(mnist.train, start_lr=1e-7, end_lr=10, num_iter=100)
raw = np.array(finder.history["raw_loss"])
print("the same losses as by hand, batch for batch:", np.array_equal(raw[:len(hand_losses)], hand_losses))
print(f"lowest raw loss {raw.min():.3f}, at lr = {finder.history['lr'][raw.argmin()]:.2g}")

# %% [markdown]
# Up to where the hand-made test stopped, the two recorded the same losses. The hand-made test
# stopped at the first batch whose loss was more than 4 times the lowest so far (1.724 against
# 4 × 0.294): one bad batch is enough. `LRFinder` applies that test to a **smoothed** loss
# (section 5), so a single bad batch does not end it, and it went on to lr = 3.94. In the plot the
# faint line is the raw loss of each batch and the solid one the smoothed loss; the loss axis is
# cut at 3.5, so the last raw losses of the blow-up run off the top:

# %%
fig, ax = new_axes(figsize=(6.4, 3.0))
finder.plot(ax=ax, suggestions=(), skip_start=0, skip_end=0)
ax.plot(hand_lrs, hand_losses, ".", color=PALETTE[1], ms=4, label="by hand (raw)")
ax.set_ylim(0, 3.5)
ax.legend(fontsize="small", loc="lower left")
ax.set_title("MNIST CNN, SGD(momentum=0.9), batch 64")
plt.show()

# %% [markdown]
# ## 3. y = 2x, where the answer is known
#
# Notebook 01 derived the limit for y = 2x on x = 1, 2, 3, 4: each full-batch step multiplies the
# distance to w* = 2 by 1 − lr·L, with L = 2·mean(x²), so gradient descent converges only when
# lr < 2/L. Here is a curve where the answer is known:

# %% tags=["nbval-check-output"]
from lrcourse.data import linear_data
from lrcourse.toy import curvature, stability_limit

data = linear_data(device)  # x = 1..4, y = 2x: all four points in one batch
L = curvature(data.x.cpu())
limit = stability_limit(data.x.cpu())
print(f"L = {L:g}, 2/L = {limit:.4f} (the limit), 1/L = {1 / L:.4f} (one step lands on w* = 2)")

# %% [markdown]
# Two settings differ from the defaults, and both come from the problem: `beta=0` (no smoothing:
# a full batch of four exact points has no noise to average out, and smoothing would only make the
# curve lag, section 5), and a fast sweep, `num_iter=30` from 1e-3 to 1 (in a slow one, w reaches
# exactly 2.0 in float32 before the rate gets to 2/L, and a distance of 0 stays 0 at any rate). On
# a fresh `linear_model()` (one weight, w = 0, no bias):

# %% tags=["nbval-check-output"]
model_2x = linear_model()
finder_2x = LRFinder(model_2x, torch.optim.SGD(model_2x.parameters(), lr=0.01))
finder_2x.range_test(data, start_lr=1e-3, end_lr=1, num_iter=30, beta=0)

# %% [markdown]
# To see what happens past the stop, run the same sweep with the early stop switched off
# (`diverge_th=1e12`), and compare, at each rate, the factor 1 − lr·L of notebook 01 with what
# the loss did over that step. The loss is proportional to (w − w*)², so one step multiplies it by
# (1 − lr·L)²:

# %% tags=["nbval-check-output"]
model_far = linear_model()
far = LRFinder(model_far, torch.optim.SGD(model_far.parameters(), lr=0.01))
far.range_test(data, start_lr=1e-3, end_lr=1, num_iter=30, beta=0, diverge_th=1e12, verbose=False)
far_lrs, far_losses = np.array(far.history["lr"]), np.array(far.history["raw_loss"])
print(f"{'lr':>7} {'1 - lr·L':>9} {'(1 - lr·L)²':>12} {'loss':>9} {'next loss / loss':>17}")
for i in range(16, 29):
    factor = 1 - far_lrs[i] * L
    print(f"{far_lrs[i]:>7.4f} {factor:>+9.2f} {factor ** 2:>12.3g} {far_losses[i]:>9.2g} "
          f"{far_losses[i + 1] / far_losses[i]:>17.3g}" + ("   <- past 2/L" if far_lrs[i] > limit else ""))

# %%
fig, ax = new_axes(figsize=(6.4, 3.2))
ax.plot(far_lrs, far_losses, "--", color="#999999", label="no early stop (diverge_th=1e12)")
found_2x = finder_2x.suggestions(skip_start=0, skip_end=0)
plot_finder(finder_2x.history["lr"], finder_2x.history["loss"], ax=ax, suggestions=found_2x,
            skip_start=0, skip_end=0, label="loss (beta=0, early stop)")
for x, name in ((limit, "2/L"), (1 / L, "1/L")):
    ax.axvline(x, color="black", ls=":" if name == "1/L" else "--", lw=1)
    ax.text(x, 0.97, f" {name}", transform=ax.get_xaxis_transform(), va="top")
ax.set_yscale("log")
ax.legend(fontsize="x-small", loc="lower left")
ax.set_title("y = 2x, full batch: the range test and the limit 2/L")
plt.show()

# %% tags=["nbval-check-output"]
print(f"{'method':<9} {'suggests':>9} {'× 2/L':>7}")
for method, lr in found_2x.items():
    print(f"{method:<9} {lr:>9.4f} {lr / limit:>7.2f}")
lowest = finder_2x.history["lr"][int(np.argmin(finder_2x.history["loss"]))]
print(f"lowest loss at lr = {lowest:.4f} = {lowest / limit:.2f} × 2/L")

# %% [markdown]
# What the loss did over each step, the last column, is (1 − lr·L)² to about three digits. Below
# 2/L, |1 − lr·L| < 1 and every step shrinks the loss; from the first rate past 2/L, 0.1487
# (factor −1.23), every step makes it larger, and by more each time (1.52, 3.35, 6.72, 12.7, ...),
# which is why the curve turns up so sharply. The loss had fallen to about 1e-7 when the rate
# crossed the limit, so it is still only 0.0011 at lr = 0.49 and reaches 3 at lr = 0.79, about 6
# times the limit (the grey dashed curve). The lowest point sits at the first rate past 2/L
# (1.12 × 2/L): it marks the limit, to within one step of the sweep.
#
# The suggestions, with nothing skipped (the curve is short and clean): **minimum** is a tenth of
# the lowest point, 0.0149; **steep** is where the loss falls fastest against log(lr), 0.0085,
# early, where the loss was still large; **valley**, also 0.0085, lies near the middle of the fall
# from the first rate, so it depends on where the sweep started; **slide** slid its 15-point
# window all the way back to the first rate, 0.0010, on a curve of only 24 points. All four sit
# below 1/L = 0.0667, the rate that reaches w* in one step: the test finds the edge of stability,
# and the rules step back from it by different amounts. Section 6 repeats this over 5 seeds on a
# noisy version of y = 2x.
#
# ### Explore the y = 2x curve
#
# `explore_finder` re-reads the stored curve with other settings, without running the test again.
# Its sliders are in `explorer.controls`; here they start at `skip_start=0, skip_end=0`, as in the
# table, and the loss axis is logarithmic (a checkbox). The dashed lines are 1/L and 2/L. Raise
# **beta**: the smoothed curve lags behind the raw one, and the suggestions move with it. Then raise **skip_end** and watch the minimum method
# lose the lowest point.

# %%
from lrcourse.widgets import explore_finder

explorer = explore_finder(finder_2x, marks={"2/L": limit, "1/L": 1 / L},
                          skip_start=0, skip_end=0,  # the curve is short and clean: skip nothing
                          log_loss=True)  # the loss spans decades
explorer

# %% [markdown]
# ## 4. The MNIST CNN
#
# ### Exponential or linear?
#
# `finder` from section 2 holds the exponential sweep. Now the linear one, on the same model and
# optimizer. They are exactly as they were before the first test (this section checks that
# below), so the linear test starts from the same weights. With the same range, 1e-7 to 10:

# %%
linear = LRFinder(model, optimizer)
linear.range_test(mnist.train, start_lr=1e-7, end_lr=10, num_iter=100, step_mode="linear")
print("rates tried:", np.round(linear.history["lr"], 3))

# %% [markdown]
# Its second batch is already at 0.1 and its third at 0.2: the test blows up within a few
# batches and shows nothing of the flat and falling parts. A linear sweep needs an `end_lr` near
# the blow-up. The exponential test stopped at lr = 3.94, so sweep linearly up to 1:

# %%
linear.range_test(mnist.train, start_lr=1e-7, end_lr=1, num_iter=100, step_mode="linear")
found_exp, found_lin = finder.suggestions(), linear.suggestions()
print(f"{'method':<9} {'exponential':>12} {'linear':>8}")
for method in found_exp:
    print(f"{method:<9} {found_exp[method]:>12.2g} {found_lin[method]:>8.2g}")

# %%
fig, (ax_exp, ax_lin) = new_axes(1, 2, figsize=(9.6, 3.2))
finder.plot(ax=ax_exp)
linear.plot(ax=ax_lin, log_lr=False)
ax_exp.set_title("exponential, 1e-7 to 10")
ax_lin.set_title("linear, 1e-7 to 1")
plt.show()

# %% [markdown]
# Compare the two columns. The linear sweep spends 99 of its 100 batches at 0.01 or more, so by
# the time it reaches 0.5 the network has trained for about 50 batches at rates of 0.01 to 0.5,
# and it tolerates more than a fresh one would: its curve measures the rate and all that training
# together, and its steep pick comes out at 0.28 against 0.0085. The exponential sweep
# gives each decade the same few batches, so it separates the rates better in a 100-batch test;
# Smith's linear test ran for several epochs instead. That is why `range_test` defaults to
# `step_mode="exp"`.
#
# ### One rule for `OneCycleLR`'s `max_lr`
#
# For `OneCycleLR` the rate you pick becomes `max_lr`, the peak of the cycle (notebook 05). Smith
# and Topin ([Super-Convergence](https://arxiv.org/abs/1708.07120), 2017) take the peak from the
# upper end of the range where the loss still falls. This course uses ONE rule for it, in
# `lrcourse` so that notebook 08 uses the same: **`finder.suggest_max_lr()`**, fastai's
# `minimum` rule (a tenth of the rate of the lowest loss) read off the raw losses re-smoothed with
# a light β = 0.9 instead of the default 0.98, whose lag (section 5) drags the lowest point to
# where the raw loss is already ragged. Section 6 shows that it is also the steadiest rule from
# seed to seed on this network.

# %%
max_lr = finder.suggest_max_lr()
print(f"suggest_max_lr(): {max_lr:.2g}  (minimum at beta = 0.98: {found_exp['minimum']:.2g})")

# %% [markdown]
# Don't trust it blindly; test it: 2 epochs of one cycle at that `max_lr`, at 10× less and at 10×
# more, over 5 paired seeds (`shootout`: for each seed the same initial weights and data order).
# The choice is made on the validation split, `mnist.val`, as notebook 08 teaches: the leaderboard
# ranks by validation accuracy and keeps the test accuracies sealed, and the comparisons read the
# training and validation losses and the validation accuracy, never the test accuracy.

# %%
from lrcourse.compare import compare_runs, plot_paired
from lrcourse.shootout import Contestant, shootout

num_epochs = 2
total_steps = num_epochs * mnist.train.num_batches(64)


def one_cycle_at(peak):
    return Contestant(f"max_lr={peak:.2g}", lambda p: torch.optim.SGD(p, lr=peak, momentum=0.9),
                      lambda opt: OneCycleLR(opt, max_lr=peak, total_steps=total_steps))


peaks = {"/10": max_lr / 10, "rule": max_lr, "x10": max_lr * 10}
check_runs = shootout([one_cycle_at(p) for p in peaks.values()], mnist, seeds=range(5), num_epochs=num_epochs,
                      verbose=False)
check_runs.rank_by, check_runs.sealed = "val_acc", True  # decide on validation; test accuracies stay hidden
print(check_runs.table())
low, rule, high = (f"max_lr={p:.2g}" for p in peaks.values())
comparisons = [compare_runs(check_runs, rule, other, metric) for other in (low, high)
               for metric in ("train_loss", "val_loss", "val_acc")]
for c in comparisons:
    print(c.summary())

# %%
_, axes = new_axes(1, 2, figsize=(9.6, 2.8))
plot_paired(comparisons[4], ax=axes[0])  # 10x more: validation loss
plot_paired(comparisons[5], ax=axes[1])  # 10x more: validation accuracy
plt.show()

# %% [markdown]
# The rule gave `max_lr` = 0.0066 (on the offline sample; the lagging β = 0.98 minimum said 0.16).
# Over 5 paired seeds, 10× less was clearly worse: −5.48 pp in final validation accuracy (CI
# −6.20 to −4.76 pp) and +0.404 in validation loss, both CIs excluding 0. 10× more, 0.066, was
# better: +3.24 pp in validation accuracy (CI +2.51 to +3.97 pp, resolution 0.2 pp, ahead on
# 5 of 5 seeds) and −0.040 in training loss (CI −0.051 to −0.029). Its validation loss was lower on
# average too, −0.025, but within noise: the difference lies between −0.053 and +0.003 with 95%
# confidence. So at this budget of 2 epochs the validation data choose 10× the rule, `max_lr` =
# 0.066, the rate where the range test's raw loss was lowest (section 2); it has both the highest
# mean validation accuracy and the lowest mean validation loss, the score notebook 08 tunes by.
# The rule lands on the safe side of the decade, and short runs scored on validation, as here,
# settle the multiple: the range test finds the decade. The test accuracies stay sealed; notebook
# 08 reads the test set once, at the end, after every choice is made.
#
# ### Were the weights really restored?
#
# A range test is often run in the middle of a project, on a model that has trained, with an
# optimizer full of momentum buffers and a scheduler attached. Train one epoch of one cycle at the
# rule's `max_lr`, copy everything, run a range test on it (it blows up), and compare every tensor.

# %%
torch.manual_seed(0)
model = MnistCNN()
optimizer = torch.optim.SGD(model.parameters(), lr=max_lr, momentum=0.9)
scheduler = OneCycleLR(optimizer, max_lr=max_lr, total_steps=mnist.train.num_batches(64))  # one epoch
fit(model, mnist, optimizer, scheduler, num_epochs=1, progress=False)
weights_before = copy.deepcopy(model.state_dict())
optimizer_before = copy.deepcopy(optimizer.state_dict())
scheduler_before = copy.deepcopy(scheduler.state_dict())

probe = LRFinder(model, optimizer, scheduler=scheduler)
probe.range_test(mnist.train, num_iter=50)

weights_after, optimizer_after = model.state_dict(), optimizer.state_dict()
same_weights = [torch.equal(weights_before[k], weights_after[k]) for k in weights_before]
buffers_before = [s["momentum_buffer"] for s in optimizer_before["state"].values()]
buffers_after = [s["momentum_buffer"] for s in optimizer_after["state"].values()]
same_buffers = [torch.equal(a, b) for a, b in zip(buffers_before, buffers_after)]
print(f"model.state_dict(): {sum(same_weights)} of {len(same_weights)} tensors equal (weights, "
      "batch-norm statistics)")
print(f"momentum buffers:   {sum(same_buffers)} of {len(same_buffers)} equal")
print("lr and momentum:   ", optimizer_before["param_groups"][0]["lr"] == optimizer.param_groups[0]["lr"],
      optimizer_before["param_groups"][0]["momentum"] == optimizer.param_groups[0]["momentum"])
print("scheduler state:   ", scheduler_before == scheduler.state_dict())

# %% [markdown]
# `torch.equal` asks for the same shape and the same values, bit for bit. The sweep ended as
# printed above, and yet the model, its batch-norm statistics, the momentum buffers, the rate and
# the scheduler are back exactly where they were: you can go on training as if the test had never
# run.

# %% [markdown]
# ## 5. Smoothing, and why the smoothed curve lags
#
# A raw loss from one batch of 64 is noisy, so `LRFinder` smooths it with an exponential moving
# average, corrected for its start at 0 (as in Adam):
#
# $$m_i = \beta\, m_{i-1} + (1 - \beta)\, \text{loss}_i, \qquad \text{smoothed}_i = \frac{m_i}{1 - \beta^{i+1}},$$
#
# with `beta` = 0.98 by default, fastai's value. β is the weight on the PAST. Such an average
# follows a trend about β/(1 − β) points late: 49 points at β = 0.98, 9 at β = 0.9. On a sweep of
# 100 points that is a lot. The same stored curve, re-smoothed with other values of β
# (`finder.suggestions(beta=...)`, no new test):

# %%
print(f"{'beta':>5} {'lag':>4} {'lowest at':>10} {'steep':>7} {'minimum':>8} {'valley':>8} {'slide':>8}")
for beta in (0.98, 0.9, 0.5, 0.0):
    lowest = finder.history["lr"][int(np.argmin(finder.smoothed(beta)))]
    found = finder.suggestions(beta=beta)
    print(f"{beta:>5} {beta / (1 - beta):>4.0f} {lowest:>10.2g} "
          + " ".join(f"{found[m]:>{w}.2g}" for m, w in (("steep", 7), ("minimum", 8), ("valley", 8),
                                                        ("slide", 8))))

# %%
fig, ax = new_axes(figsize=(6.4, 3.2))
lrs = np.array(finder.history["lr"])
ax.plot(lrs, finder.history["raw_loss"], color="#999999", lw=0.8, label="raw loss")
for beta, color in ((0.98, PALETTE[0]), (0.9, PALETTE[1])):
    smoothed = finder.smoothed(beta)
    ax.plot(lrs, smoothed, color=color, label=f"smoothed, β = {beta}")
    ax.plot(lrs[np.argmin(smoothed)], smoothed.min(), "o", color=color, markeredgecolor="black")
ax.set_xscale("log")
ax.set_ylim(0, 4)
ax.set_xlabel("learning rate (log scale)")
ax.set_ylabel("loss")
ax.legend(fontsize="small")
ax.set_title("the same test, smoothed twice; dots: the lowest smoothed loss")
plt.show()

# %% [markdown]
# At β = 0.98 the lowest smoothed loss sits at lr = 1.6; at β = 0.9 or less it sits at 0.066,
# where the raw loss is lowest too. Why so far right? The raw loss starts near 2.3 and only
# falls late in the sweep. An average with β = 0.98 still gives the high early losses a large
# weight (about 0.98^k for a loss k points back) when the raw loss reaches its bottom, so the
# average is still coming DOWN, shedding those high early values, while the raw loss is already
# ragged and rising; it bottoms out only 24 times further right. The `minimum` rule divides that
# lowest point by 10, which is how 0.16 came out in section 4; at β = 0.9 it says 0.0066. With
# little smoothing the other rules are decided by single noisy batches instead (steep jumps to
# 0.61 at β = 0.5, slide to 1.3e-05). For a 100-point sweep a lighter β = 0.9 (a lag of about 9
# points) is the better trade: that is the β of `suggest_max_lr()`. Read the raw curve next to the
# suggestions.
#
# **The same idea, three names.** The libraries smooth alike but name and weigh it differently;
# check before you copy a setting from one to another (read in each library's source):
#
# | library | smoothing argument | its meaning | default | first point | suggestion it returns |
# |---|---|---|---|---|---|
# | fastai `lr_find` | `beta` (`AvgSmoothLoss`) | weight on the past | 0.98 | debiased | named tuple of the rules you ask for, `valley` by default |
# | torch-lr-finder `range_test` | `smooth_f` | weight on the NEW loss, β = 1 − `smooth_f` | `0.05` ($\beta = 0.95$) | raw, no debiasing | `plot(suggest_lr=True)` returns `(ax, lr)`: `np.gradient(losses)` against the index, its argmin, after `skip_start=10, skip_end=5` |
# | Lightning `lr_find` | `beta` (`_LRCallback`) | weight on the past | 0.98 | debiased | `lr_finder.suggestion()`: `torch.gradient(losses, spacing=[lrs])` against the LINEAR rate, after `skip_begin=10, skip_end=1` |
# | `lrcourse` `range_test` | `beta` | weight on the past | 0.98 | debiased | `suggest(method)`, fastai's four rules; `suggest_max_lr()` |
#
# torch-lr-finder's index spacing is even on a log axis, so for an exponential sweep it is a
# slope against log(lr), like fastai's `steep`, but central. Lightning's slope against the
# LINEAR rate is the log-slope divided by lr, and lr grows by about 20% per point on its default
# sweep (`num_training=100` points from `min_lr=1e-8` to `max_lr=1`), so the division favours
# drops at small rates: its pick sits at or to the left of a log-slope pick, often several points
# left when the fall is gradual.
#
# ### Explore the MNIST curve
#
# The sliders re-smooth the stored raw losses and re-read every suggestion at once; the line under
# them gives the lag and the four rates. Try this: move **beta** from 0.98 down to 0.9 and watch
# the circle of the minimum rule jump; then raise **skip_end** and see which rules depend on the
# blown-up end of the curve.

# %%
explore_finder(finder)

# %% [markdown]
# ## 6. A lab: every rule over 5 seeds, next to 1/L and 2/L
#
# One sweep is one draw. Run the same sweep with 5 seeds and look at the spread of each rule. First
# on a problem with a known answer: y = 2x with noise (`noisy_linear_data`, 256 points, x uniform
# in [−1, 1]), mini-batches of 16 (so the seed changes the batch order), where `toy.curvature`
# and `toy.stability_limit` give 1/L and 2/L for full-batch gradient descent:

# %% tags=["nbval-check-output"]
from lrcourse.data import noisy_linear_data
from lrcourse.suggest import METHODS

noisy = noisy_linear_data(256, noise=0.1, seed=0, device=device)
L_noisy, limit_noisy = curvature(noisy.x.cpu()), stability_limit(noisy.x.cpu())
print(f"noisy y = 2x: 1/L = {1 / L_noisy:.3f}, 2/L = {limit_noisy:.3f}")


def rule_table(make_finder, seeds, unit=1.0, **sweep):
    """Every rule (and suggest_max_lr) on the same sweep, one seed each; median and range."""
    picks = {m: [] for m in METHODS + ("max_lr rule",)}
    for seed in seeds:
        f = make_finder(seed)
        f.range_test(seed=seed, verbose=False, **sweep)
        for method, lr in f.suggestions().items():
            picks[method].append(lr)
        picks["max_lr rule"].append(f.suggest_max_lr())
    print(f"{'rule':<12} {'median':>8} {'min':>8} {'max':>8} {'max/min':>8}")
    for method, values in picks.items():
        v = np.array(values) / unit
        print(f"{method:<12} {np.median(v):>8.3g} {v.min():>8.3g} {v.max():>8.3g} {v.max() / v.min():>8.1f}")
    return picks


def linear_finder(seed):
    model = linear_model()
    return LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01))


print("in units of 2/L:")
picks_2x = rule_table(linear_finder, range(5), unit=limit_noisy, train_data=noisy, start_lr=1e-3, end_lr=100,
                      batch_size=16)

# %% [markdown]
# Then on the MNIST CNN, seeds 0 to 4 (each seed: its own initial weights and batch order; seed 0 is
# the sweep of section 2). Here no formula gives the answer, so the spread is the lesson:

# %%
def cnn_finder(seed):
    torch.manual_seed(seed)
    model = MnistCNN().to(device)
    return LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))


picks_cnn = rule_table(cnn_finder, range(5), train_data=mnist.train)

# %%
fig, (ax_2x, ax_cnn) = new_axes(1, 2, figsize=(9.6, 3.0))
for ax, picks, unit in ((ax_2x, picks_2x, limit_noisy), (ax_cnn, picks_cnn, 1.0)):
    for row, (method, values) in enumerate(picks.items()):
        ax.plot(np.array(values) / unit, [row] * len(values), "o", alpha=0.6)
    ax.set_yticks(range(len(picks)), list(picks))
    ax.set_xscale("log")
ax_2x.axvline(0.5, color="black", ls=":", lw=1)
ax_2x.axvline(1.0, color="black", ls="--", lw=1)
ax_2x.set_xlabel("suggested lr / (2/L)   (dotted: 1/L, dashed: 2/L)")
ax_cnn.set_xlabel("suggested lr, MNIST CNN")
plt.show()

# %% [markdown]
# On noisy y = 2x every rule lands far below 1/L: steep at a median of 0.0033 × 2/L, slide 0.043,
# valley 0.061, minimum 0.159 and the max_lr rule 0.141 (the last two are the same rule at
# β = 0.98 and 0.9). None finds 1/L; each steps back from the edge by its own amount. steep is the
# least steady there (a factor 20.6 between seeds); minimum and slide are the steadiest (1.3),
# then the max_lr rule (1.4) and valley (1.6). On the MNIST CNN the picture changes: valley and
# slide spread over a factor 19.6 and 41.3, minimum at β = 0.98 over 11.2 (its lag decides it),
# steep over 2.1, and the max_lr rule (minimum at β = 0.9) over 1.2, from 0.0055 to 0.0066. No
# rule is the steadiest everywhere. The light-β minimum is the steadiest on the MNIST CNN, the
# network the course trains, and close behind the steadiest on noisy y = 2x (1.4 against 1.3):
# that is why the course uses it for `max_lr`.

# %% [markdown]
# ## 7. Training loss or validation loss?
#
# With `val_data`, the finder records a different loss: after each training step it evaluates
# the model on held-out data. Use the validation split, `mnist.val`, never `mnist.test`: the test
# set must stay unseen until the end, or it stops measuring what it should. The training steps
# are the same as before, and `history["train_loss"]` keeps their losses:

# %%
torch.manual_seed(0)  # the same initial weights as in section 2
model = MnistCNN()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
val_finder = LRFinder(model, optimizer)
val_finder.range_test(mnist.train, val_data=mnist.val)
h = val_finder.history
n = len(h["lr"])
print("the training losses are those of section 2:", np.array_equal(h["train_loss"], raw[:n]))
val_raw, train_raw, val_lrs = np.array(h["raw_loss"]), np.array(h["train_loss"]), np.array(h["lr"])
print(f"lowest val loss {val_raw.min():.3f} at lr = {val_lrs[val_raw.argmin()]:.2g}, "
      f"lowest train loss {train_raw.min():.3f} at lr = {val_lrs[train_raw.argmin()]:.2g}")
print(f"largest loss before lr = 1: val {val_raw[val_lrs < 1].max():.3g}, train {train_raw[val_lrs < 1].max():.3g}")
found_val = val_finder.suggestions()
print(f"{'method':<9} {'train loss':>11} {'val loss':>9} {'train / val':>12}")
for method in found_val:
    print(f"{method:<9} {found_exp[method]:>11.2g} {found_val[method]:>9.2g} "
          f"{found_exp[method] / found_val[method]:>12.3g}")

# %%
fig, ax = new_axes(figsize=(6.4, 3.2))
ax.plot(h["lr"], h["train_loss"], color="#999999", lw=0.8, label="train loss (one batch of 64)")
ax.plot(h["lr"], h["raw_loss"], color=PALETTE[1], label=f"val loss ({len(mnist.val)} images)")
ax.plot(h["lr"], h["loss"], color=PALETTE[1], ls="--", label="val loss, smoothed (β = 0.98)")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("learning rate (log scale)")
ax.set_ylabel("loss")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# The validation loss averages 500 images, so it is far less noisy than the loss of one batch of
# 64: compare the solid orange line with the grey one. It is lowest at a smaller rate than the
# training loss (0.012 against 0.066), and above that it climbs, with bumps, up to 13.5 before
# lr = 1, while the losses of single training batches stay at most 3.52. A step that hurts the
# model as a whole shows on held-out data at once, while the next training batch can still look
# fine. So every suggestion read off the validation curve is smaller, valley's most of all
# (0.00014 against 0.015, about 105 times smaller), then minimum's (0.0055 against 0.16, about
# 28.5 times). The price is an evaluation of the 500 validation images after every training step.
# The dashed line shows that the default smoothing lags here too; a curve this smooth needs less.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1 (predict, then verify).** Here is the smoothed curve of a range test, 4 rates per
# decade. Which rate does the **steep** rule suggest, read from the whole curve (no points
# skipped)? Predict it from the plot first, then compute it: the rate where the slope of the loss
# against log(lr) is most negative. fastai takes forward differences,
# `np.diff(losses) / np.diff(np.log(lrs))`, and returns the LEFT end of the steepest segment; the
# central difference `np.gradient(losses, np.log10(lrs))` may pick the point next to it. The check
# accepts both.

# %%
from lrcourse.checks import FINDER_EXERCISE_CURVE, check

exercise_lrs, exercise_losses = FINDER_EXERCISE_CURVE["lr"], FINDER_EXERCISE_CURVE["loss"]
print("lr:  ", exercise_lrs)
print("loss:", exercise_losses)
fig, ax = new_axes(figsize=(5.6, 2.6))
ax.plot(exercise_lrs, exercise_losses, "o-", ms=3)
ax.set_xscale("log")
ax.set_xlabel("learning rate (log scale)")
ax.set_ylabel("smoothed loss")
plt.show()

# %% tags=["exercise"]
steep_lr = ...  # your code here

check("06.read_steep", steep_lr)

# %% [markdown]
# **Exercise 2.** The **minimum** method returns the rate of the lowest loss divided by 10. Why
# not that rate itself? Answer with one letter, as a string.
#
# - **A.** Each loss is measured on one mini-batch only, so the losses come out about 10 times
#   too large.
# - **B.** At the lowest point the loss has stopped falling because the rate has reached the edge
#   of stability (on y = 2x, the lowest loss sat at the first rate past 2/L). A rate 10 times lower
#   is back on the falling part of the curve, a safe distance from divergence.
# - **C.** `OneCycleLR` starts at `max_lr / 10`, so the suggestion is ready to use as its
#   starting rate.
# - **D.** It cancels the lag of the smoothing: with `beta=0.98` the smoothed minimum sits
#   exactly 10 times too far to the right.

# %% tags=["exercise"]
why = ...  # your code here

check("06.why_minimum_over_10", why)

# %% [markdown]
# **Exercise 3.** Run the finder on a new model: a small multilayer perceptron,
# `nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))`, built right
# after `torch.manual_seed(1)`, with `torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)`.
# Run `range_test(mnist)` with its default sweep, and give the check the finder. It checks that the
# test ran, that the model and the optimizer are as you built them, and that the suggestion is
# sensible.

# %% tags=["exercise"]
mlp_finder = ...  # your code here

check("06.finder_new_model", mlp_finder)

# %% [markdown]
# ## Summary
#
# - The LR range test trains for about 100 batches while the rate rises, and reads a rate off the
#   loss curve: flat, falling, bottom, blow-up. Smith (2015/2017) introduced it, with a linear
#   sweep and the accuracy, to find the bounds of a cyclical schedule.
# - Written by hand it is one loop: set `param_groups[i]["lr"]`, step, record, stop at the
#   blow-up, and load back copies of `model.state_dict()` and `optimizer.state_dict()`.
#   `LRFinder` does the same, with a smoothed loss for the stop and an exact restore, also of the
#   momentum buffers and an attached scheduler.
# - On y = 2x (full batch, 2/L = 0.133), the lowest loss sat at the first rate past 2/L, 0.149,
#   and every rule stepped back from it, below 1/L = 0.067.
# - `steep`, `minimum`, `valley` and `slide` are fastai's rules and return fastai's picks (tested
#   against fastai's own functions). Over 5 seeds they spread by factors of 2 to 41 on the MNIST
#   CNN; the light-β minimum, `suggest_max_lr()`, moved by a factor 1.2.
# - `beta` is the weight on the past (fastai, Lightning: 0.98); torch-lr-finder's `smooth_f` is
#   the weight on the new loss (0.05). A β = 0.98 average lags about 49 points; for 100-point
#   sweeps use β ≈ 0.9.
# - `OneCycleLR`'s `max_lr`: `finder.suggest_max_lr()`, then short runs at 10× less and more,
#   compared on validation data.
# - A validation-loss sweep uses `mnist.val`, never the test set.
#
# **Read more**
# - L. Smith, [Cyclical Learning Rates for Training Neural Networks](https://arxiv.org/abs/1506.01186)
#   (2015; revised 2017, WACV), §3.3.
# - L. Smith and N. Topin, [Super-Convergence](https://arxiv.org/abs/1708.07120) (2017).
# - fastai's [`lr_find`](https://docs.fast.ai/callback.schedule.html#lr_find) and its suggestion
#   functions (`fastai/callback/schedule.py`); [torch-lr-finder](https://github.com/davidtvs/pytorch-lr-finder);
#   Lightning's [`lr_find`](https://lightning.ai/docs/pytorch/stable/api/lightning.pytorch.tuner.tuning.Tuner.html).
# - PyTorch: [`OneCycleLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html),
#   [`Optimizer.state_dict`](https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.state_dict.html),
#   [saving and loading models](https://pytorch.org/tutorials/beginner/saving_loading_models.html).
#
# Next: **07_pitfalls**, a zoo of scheduler bugs, each with a self-checking fix.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check.

# %% tags=["solution"] jupyter={"source_hidden": true}
lrs, losses = np.array(exercise_lrs), np.array(exercise_losses)
slope = np.diff(losses) / np.diff(np.log(lrs))  # forward differences, as fastai's steep
steep_lr = lrs[np.argmin(slope)]  # the left end of the steepest segment

check("06.read_steep", steep_lr)

# %% tags=["solution"] jupyter={"source_hidden": true}
why = "B"

check("06.why_minimum_over_10", why)

# %% tags=["solution"] jupyter={"source_hidden": true}
torch.manual_seed(1)
mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
mlp_finder = LRFinder(mlp, torch.optim.SGD(mlp.parameters(), lr=0.01, momentum=0.9))
mlp_finder.range_test(mnist, verbose=False)

check("06.finder_new_model", mlp_finder)
