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
# # Cycle, anneal and warm up the learning rate
#
# **What you'll learn**
# - how `CyclicLR` and `OneCycleLR` move the rate (and the momentum) up and down, batch by batch,
#   and the two traps they hide: a silent momentum overwrite and the "Tried to step" error;
# - cosine annealing, warm restarts (SGDR), linear warmup and warmup–stable–decay, built from
#   torch's schedulers with `SequentialLR`;
# - what "Ranger" really is: an optimizer, not a schedule;
# - how one cycle and a fixed rate compare on the MNIST CNN with the same small budget.
#
# **Time**: about 40 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.optim.lr_scheduler import (ConstantLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR,
                                      LambdaLR, LinearLR, OneCycleLR, SequentialLR)

from lrcourse import setup_notebook
from lrcourse.device import describe_device
from lrcourse.models import MnistCNN
from lrcourse.plots import new_axes, plot_lr_curve, plot_runs
from lrcourse.curves import lr_curve, momentum_curve
from lrcourse.train import fit

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# ## 1. `CyclicLR`: a rate that goes up and down
#
# [`CyclicLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CyclicLR.html)
# comes from L. Smith's [Cyclical Learning Rates](https://arxiv.org/abs/1506.01186) (2015). The rate
# climbs from `base_lr` to `max_lr` in `step_size_up` steps, falls back in `step_size_down` steps
# (by default the same number), and starts again. You step it after every **batch**, so both
# step sizes count batches. The `mode` sets the height of each cycle:
# - `triangular`: every cycle reaches `max_lr`;
# - `triangular2`: the height above `base_lr` halves after each cycle;
# - `exp_range`: the height is multiplied by `gamma` at every step.
#
# Here each cycle is 30 batches up and 70 down, 100 in all. The table prints the rate at the
# top of each cycle:

# %% tags=["nbval-check-output"]
num_steps = 400
cyclic = {
    mode: lr_curve(lambda opt, mode=mode: CyclicLR(opt, base_lr=0.001, max_lr=0.1, step_size_up=30,
                                                    step_size_down=70, mode=mode, gamma=0.995), num_steps)
    for mode in ("triangular", "triangular2", "exp_range")
}
peaks = [30, 130, 230, 330]  # the top of each cycle: 30 batches up, then every 100
print(f"{'mode':<12}" + "".join(f"{'batch ' + str(p):>11}" for p in peaks))
for mode, lrs in cyclic.items():
    print(f"{mode:<12}" + "".join(f"{lrs[p]:>11.4f}" for p in peaks))

# %%
fig, axes = new_axes(3, 1, figsize=(8.0, 5.0), sharex=True)
for ax, (mode, lrs) in zip(axes, cyclic.items()):
    plot_lr_curve(lrs, ax=ax, xlabel="batch", label=f"mode={mode!r}")
    ax.legend(loc="upper right")
axes[0].set_title("CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=30, step_size_down=70)")
plt.show()

# %% [markdown]
# ### Momentum cycles the other way
#
# By default `CyclicLR` also cycles the momentum (`cycle_momentum=True`), between
# `base_momentum=0.8` and `max_momentum=0.9`, in the opposite direction: when the rate is at its
# top, the momentum is at its bottom. `momentum_curve` reads it from the optimizer at each step:

# %% tags=["nbval-check-output"]
def triangular(opt):
    return CyclicLR(opt, base_lr=0.001, max_lr=0.1, step_size_up=30, step_size_down=70)


lrs, momentum = lr_curve(triangular, 200), momentum_curve(triangular, 200)
for batch in (0, 15, 30, 65, 100):
    print(f"batch {batch:>3}: lr = {lrs[batch]:.4f}, momentum = {momentum[batch]:.3f}")

# %%
fig, (ax_lr, ax_mom) = new_axes(2, 1, figsize=(8.0, 3.4), sharex=True)
plot_lr_curve(lrs, ax=ax_lr, xlabel="batch")
ax_mom.plot(momentum, color="#D55E00")
ax_mom.set_ylabel("momentum")
ax_mom.set_xlabel("batch")
ax_lr.set_title("CyclicLR: the rate (top) and the momentum it sets (bottom)")
plt.show()

# %% [markdown]
# ### The silent momentum overwrite
#
# That default has a side effect. Build `CyclicLR` on plain SGD, with `momentum=0`, and look at
# the optimizer's momentum before and after:

# %% tags=["nbval-check-output"]
model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0)
print("momentum before CyclicLR:", optimizer.param_groups[0]["momentum"])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scheduler = CyclicLR(optimizer, base_lr=0.001, max_lr=0.1, step_size_up=30, step_size_down=70)
print("momentum after CyclicLR: ", optimizer.param_groups[0]["momentum"])
print("warnings raised:", len(caught))
for batch in range(1, 4):
    optimizer.step()
    scheduler.step()
    print(f"after batch {batch}: momentum = {optimizer.param_groups[0]['momentum']:.3f}")

# %% [markdown]
# You asked for plain SGD, and got SGD with momentum 0.9 that then cycles, with no warning
# (this is torch 2.15's behaviour, printed above). Your run trains differently from the one you
# wrote down. If you want plain SGD, say so with `cycle_momentum=False`:

# %% tags=["nbval-check-output"]
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0)
scheduler = CyclicLR(optimizer, base_lr=0.001, max_lr=0.1, step_size_up=30, cycle_momentum=False)
print("momentum with cycle_momentum=False:", optimizer.param_groups[0]["momentum"])

# %% [markdown]
# With Adam there is no `momentum` entry. `CyclicLR` cycles `beta1`, the first value of
# `betas`, instead. A short cycle of 4 batches up shows it:

# %% tags=["nbval-check-output"]
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
scheduler = CyclicLR(optimizer, base_lr=0.001, max_lr=0.1, step_size_up=4)
for batch in range(6):
    group = optimizer.param_groups[0]
    print(f"batch {batch}: lr = {group['lr']:.4f}, betas = ({group['betas'][0]:.3f}, {group['betas'][1]})")
    optimizer.step()
    scheduler.step()

beta1 = momentum_curve(triangular, 200, optimizer="adam")
print("Adam's beta1 follows the same curve as SGD's momentum:", np.allclose(beta1, momentum))

# %% [markdown]
# `beta1` moves from 0.9 down to 0.8 while the rate climbs, and `beta2` stays 0.999. Adam's
# default `beta1` is 0.9, so the cycle starts where Adam would have been anyway.

# %% [markdown]
# ## 2. `OneCycleLR`: one climb, one long descent
#
# [`OneCycleLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html)
# is the "1cycle" policy of Smith and Topin's
# [Super-Convergence](https://arxiv.org/abs/1708.07120) (2017). One cycle covers the whole run,
# and you step it after every **batch**. Its arguments:
# - `max_lr`: the top of the cycle;
# - it starts at `initial_lr = max_lr / div_factor` (default 25) and ends at
#   `min_lr = initial_lr / final_div_factor` (default 1e4);
# - `pct_start`: the fraction of the steps spent climbing (default 0.3);
# - `anneal_strategy`: `"cos"` (default) or `"linear"` curves;
# - `three_phase=True`: climb, come back down to `initial_lr` in as many steps, then fall to `min_lr`.
#
# The optimizer's own `lr` is ignored: `OneCycleLR` overwrites it. Four variants, each with
# `max_lr=0.1` and 300 steps:

# %% tags=["nbval-check-output"]
variants = {
    "default (cos, pct_start=0.3)": dict(),
    "anneal_strategy='linear'": dict(anneal_strategy="linear"),
    "pct_start=0.1, div_factor=10": dict(pct_start=0.1, div_factor=10),
    "three_phase=True": dict(three_phase=True),
}
one_cycle = {label: lr_curve(lambda opt, kw=kw: OneCycleLR(opt, max_lr=0.1, total_steps=300, **kw), 300)
             for label, kw in variants.items()}
print(f"{'variant':<30}{'first lr':>10}{'peak':>8}{'at step':>9}{'last lr':>10}")
for label, lrs in one_cycle.items():
    print(f"{label:<30}{lrs[0]:>10.4f}{lrs.max():>8.3f}{lrs.argmax():>9}{lrs[-1]:>10.1e}")

# %%
fig, (ax_lr, ax_mom) = new_axes(2, 1, figsize=(8.0, 4.6), sharex=True)
for label, lrs in one_cycle.items():
    plot_lr_curve(lrs, ax=ax_lr, xlabel="batch", label=label)
ax_lr.legend(fontsize="small")
ax_lr.set_title("OneCycleLR(max_lr=0.1, total_steps=300)")
for label in ("default (cos, pct_start=0.3)", "three_phase=True"):
    curve = momentum_curve(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=300, **variants[label]), 300)
    ax_mom.plot(curve, label=label)
ax_mom.set_ylabel("momentum")
ax_mom.set_xlabel("batch")
ax_mom.legend(fontsize="small")
plt.show()

# %% [markdown]
# Read the table and the figure. Every variant peaks at 0.1. The default starts at
# 0.1 / 25 = 0.004, peaks at step 89 (30% of 300) and ends near 4e-07. `three_phase=True` peaks
# at the same step, comes back to 0.004, then drops to the same end. Like `CyclicLR`, the
# momentum (lower panel) moves against the rate, between `base_momentum=0.85` and
# `max_momentum=0.95`. And it overwrites a plain SGD's momentum just as `CyclicLR` does:

# %% tags=["nbval-check-output"]
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)  # momentum=0 by default
scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=300)
print("SGD(momentum=0) after OneCycleLR: momentum =", optimizer.param_groups[0]["momentum"])

# %% [markdown]
# Pass `cycle_momentum=False` to keep your optimizer's momentum.
#
# ### `total_steps` counts batches
#
# Because you step `OneCycleLR` per batch, it needs the number of batches in the whole run.
# Pass it directly, or pass `epochs` and `steps_per_epoch` and let torch multiply. With a data
# loader, `steps_per_epoch` is `len(train_loader)`. Both give the same schedule:

# %% tags=["nbval-check-output"]
num_epochs, steps_per_epoch = 5, 100
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
direct = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs * steps_per_epoch)
split = OneCycleLR(optimizer, max_lr=0.1, epochs=num_epochs, steps_per_epoch=steps_per_epoch)
print("total_steps =", direct.total_steps, "and", split.total_steps)
same = np.array_equal(
    lr_curve(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=num_epochs * steps_per_epoch), 500),
    lr_curve(lambda opt: OneCycleLR(opt, max_lr=0.1, epochs=num_epochs, steps_per_epoch=steps_per_epoch), 500))
print("the same 500 rates:", same)

# %% [markdown]
# ### "Tried to step N times"
#
# A common mistake is `total_steps=num_epochs`, copied from an epoch-based scheduler, while the
# loop steps after every batch. `OneCycleLR` then raises a `ValueError` a few batches into the run:

# %% tags=["nbval-check-output"]
def run(scheduler_for, num_epochs=5, steps_per_epoch=100):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scheduler = scheduler_for(optimizer)
    for epoch in range(1, num_epochs + 1):
        for batch in range(1, steps_per_epoch + 1):
            optimizer.step()
            try:
                scheduler.step()
            except ValueError as err:
                print(f"epoch {epoch}, batch {batch}: ValueError: {str(err).strip()}")
                return
    print(f"finished all {num_epochs * steps_per_epoch} batches, last lr = {optimizer.param_groups[0]['lr']:.1e}")


run(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=5))  # wrong: 5 epochs, not 5 batches
run(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=5 * 100))  # right: every batch of the run

# %% [markdown]
# Five calls to `scheduler.step()` are allowed; the sixth raises. The message gives you both
# numbers: how often you stepped and the `total_steps` you set. The fix is
# `total_steps = num_epochs * steps_per_epoch` (or `epochs=` and `steps_per_epoch=`), and one
# `scheduler.step()` per batch. If you resume or extend a run, build a new `OneCycleLR` for the
# new number of steps.

# %% [markdown]
# ## 3. Cosine annealing and warm restarts
#
# [`CosineAnnealingLR(T_max, eta_min)`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html)
# follows half a cosine from the initial rate down to `eta_min` in `T_max` calls to
# `scheduler.step()`. `T_max` counts **steps of the scheduler**, not epochs: if you step it per
# batch, `T_max` is in batches.
#
# Take 10 epochs of 20 batches and `T_max=10`, and step it once per epoch, as intended. Then the
# same `T_max=10`, stepped per batch by mistake. Then stepped per batch with `T_max=200`, the
# number of batches. All three are plotted against the batch:

# %% tags=["nbval-check-output"]
num_epochs, steps_per_epoch = 10, 20
total_steps = num_epochs * steps_per_epoch


def cosine(T_max):
    return lambda opt: CosineAnnealingLR(opt, T_max=T_max, eta_min=0.001)


cosines = {
    "T_max=10, stepped per epoch": np.repeat(lr_curve(cosine(10), num_epochs), steps_per_epoch),
    "T_max=10, stepped per batch": lr_curve(cosine(10), total_steps),
    "T_max=200, stepped per batch": lr_curve(cosine(total_steps), total_steps),
}
print(f"{'':<30}" + "".join(f"{'batch ' + str(b):>11}" for b in (10, 20, 100, 199)))
for label, lrs in cosines.items():
    print(f"{label:<30}" + "".join(f"{lrs[b]:>11.4f}" for b in (10, 20, 100, 199)))

# %%
fig, ax = new_axes(figsize=(8.0, 3.2))
for label, lrs in cosines.items():
    plot_lr_curve(lrs, ax=ax, xlabel="batch", label=label, lw=1.2)
ax.set_title("CosineAnnealingLR(T_max, eta_min=0.001): the same T_max, stepped two ways")
ax.legend(fontsize="small", loc="upper right")
plt.show()

# %% [markdown]
# Stepped per batch with `T_max=10`, the rate reaches `eta_min` after 10 batches and then climbs
# back: torch's cosine keeps going past `T_max`. It swings every 20 batches and ends the run at
# 0.0976, near the top. Stepped per epoch, it falls smoothly, in stairs. Per batch with
# `T_max=200` gives the same descent without the stairs. Note that the per-epoch curve uses
# 0.0034 in its last epoch, not `eta_min`: it would reach 0.001 only in an eleventh epoch.
#
# ### Warm restarts: `CosineAnnealingWarmRestarts`
#
# Loshchilov and Hutter's [SGDR: Stochastic Gradient Descent with Warm Restarts](https://arxiv.org/abs/1608.03983)
# (2016) restarts the cosine: the rate jumps back to its initial value and anneals again.
# In [`CosineAnnealingWarmRestarts`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.html)
# the first cosine lasts `T_0` steps, each later one `T_mult` times longer than the one before,
# and every cosine ends near `eta_min`. With `T_0=10` over 70 epochs:

# %% tags=["nbval-check-output"]
restarts = {f"T_0=10, T_mult={m}": lr_curve(lambda opt, m=m: CosineAnnealingWarmRestarts(
    opt, T_0=10, T_mult=m, eta_min=0.001), 70) for m in (1, 2)}
for label, lrs in restarts.items():
    jumps = np.flatnonzero(np.diff(lrs) > 0) + 1
    print(f"{label}: the rate jumps back to {lrs[jumps[0]]:.1f} at epochs {jumps.tolist()}")

# %%
fig, ax = new_axes(figsize=(8.0, 3.0))
for label, lrs in restarts.items():
    plot_lr_curve(lrs, ax=ax, xlabel="epoch", label=label, marker="o", ms=2)
ax.set_title("CosineAnnealingWarmRestarts(T_0=10, eta_min=0.001)")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# With `T_mult=1` every cosine lasts 10 epochs. With `T_mult=2` they last 10, 20, then 40
# epochs, so the restarts come at epochs 10 and 30. Plan `num_epochs` to end at the bottom of a
# cosine: here 70 = 10 + 20 + 40. The docs also show how to step it with a fractional epoch,
# `scheduler.step(epoch + batch / steps_per_epoch)`, for a smooth curve within each epoch.

# %% [markdown]
# ## 4. Warmup, and warmup–stable–decay
#
# Warmup starts training with a small rate and raises it over the first epochs (or batches).
# [`SequentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html)
# chains schedulers: it hands over from one to the next at each `milestone`. Two common chains:
# - **warmup then cosine**: `LinearLR` from `start_factor · lr` up to `lr`, then `CosineAnnealingLR`;
# - **warmup–stable–decay (WSD)**: a warmup, a long flat stretch (`LambdaLR` with a constant
#   factor 1.0), then a short decay to 0 (`LinearLR` from 1.0 down to `end_factor=0.0`).
#
# Over 100 epochs, with 10 epochs of warmup and, for WSD, 30 epochs of decay:

# %% tags=["nbval-check-output"]
def warmup_cosine(opt):
    return SequentialLR(opt, [LinearLR(opt, start_factor=0.01, total_iters=10),
                              CosineAnnealingLR(opt, T_max=90)], milestones=[10])


def warmup_stable_decay(opt):
    return SequentialLR(opt, [LinearLR(opt, start_factor=0.01, total_iters=10),
                              LambdaLR(opt, lambda t: 1.0),
                              LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=30)],
                        milestones=[10, 70])


warm = {"warmup then cosine": lr_curve(warmup_cosine, 101), "warmup-stable-decay": lr_curve(warmup_stable_decay, 101)}
print(f"{'epoch':<22}" + "".join(f"{e:>8}" for e in (0, 5, 10, 40, 70, 85, 100)))
for label, lrs in warm.items():
    print(f"{label:<22}" + "".join(f"{lrs[e]:>8.4f}" for e in (0, 5, 10, 40, 70, 85, 100)))
wsd = warm["warmup-stable-decay"]
print("WSD is flat at 0.1 from epoch 10 to 70:", np.allclose(wsd[10:71], 0.1))
print("WSD decay matches 0.1 * (1 - t/30):", np.allclose(wsd[70:], 0.1 * (1 - np.arange(31) / 30)))

# %%
fig, ax = new_axes(figsize=(8.0, 3.0))
for label, lrs in warm.items():
    plot_lr_curve(lrs, ax=ax, xlabel="epoch", label=label)
for epoch in (10, 70):
    ax.axvline(epoch, color="#999999", lw=0.8, ls=":")
ax.set_title("SequentialLR: LinearLR warmup, then cosine or stable + linear decay")
ax.legend(loc="lower center")
plt.show()

# %% [markdown]
# The printed checks confirm the WSD curve: 0.001 → 0.1 in 10 epochs, flat until epoch 70, then a
# straight line to 0 at epoch 100. Each scheduler inside `SequentialLR` counts its own steps
# from the milestone, so the decay's `total_iters=30` is the length of the decay, not an epoch
# number.
#
# **Why warm up?** Goyal et al., [Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour](https://arxiv.org/abs/1706.02677)
# (2017), scale the rate with the batch size (multiply the batch size by k, multiply the rate by
# k). They report that this rule breaks down early in training, when the network changes
# rapidly, and that a *gradual warmup*, raising the rate from the small-batch value to the
# large one over the first 5 epochs, fixed it in their ImageNet experiments: ResNet-50 trained
# with minibatches of 8k images matched the accuracy of the small-minibatch baseline. The paper
# is about large-batch SGD (8k images per batch); this course trains with batches of 64.
# Section 7 shows warmup then cosine in the explorer.

# %% [markdown]
# ## 5. "Ranger" is an optimizer, not a schedule
#
# Some tutorials list "Ranger" among learning-rate schedulers. It is an **optimizer**: L. Wright's
# [Ranger](https://github.com/lessw2020/Ranger-Deep-Learning-Optimizer) (2019) combines two ideas:
# - **RAdam**, from Liu et al., [On the Variance of the Adaptive Learning Rate and Beyond](https://arxiv.org/abs/1908.03265)
#   (2019): Adam with a correction ("rectification") of its adaptive step. In the first steps
#   the adaptive rate is estimated from few gradients, so its variance is large; the paper argues
#   that this is why Adam often needs warmup. Torch has it as `torch.optim.RAdam`.
# - **Lookahead**, from Zhang et al., [Lookahead Optimizer: k steps forward, 1 step back](https://arxiv.org/abs/1907.08610)
#   (2019): an inner optimizer takes `k` steps ("fast weights"), then the "slow weights" move a
#   fraction `alpha` of the way towards them, and the fast weights start again from there.
#
# The Ranger README recommends pairing it with a flat then cosine schedule. Build both: the
# `pytorch-optimizer` package's `Lookahead` wraps torch's `RAdam`. It is a `torch.optim.Optimizer`
# and shares the inner optimizer's `param_groups`, so a torch scheduler can drive it:

# %% tags=["nbval-check-output"]
from pytorch_optimizer import Lookahead

optimizer = Lookahead(torch.optim.RAdam(model.parameters(), lr=0.003), k=6, alpha=0.5)
print("a torch.optim.Optimizer:", isinstance(optimizer, torch.optim.Optimizer))
print("same param_groups as the inner RAdam:", optimizer.param_groups is optimizer.optimizer.param_groups)


def flat_then_cosine(opt, total_steps, pct_flat=0.75):
    flat = int(pct_flat * total_steps)
    return SequentialLR(opt, [ConstantLR(opt, factor=1.0, total_iters=flat),
                              CosineAnnealingLR(opt, T_max=total_steps - flat)], milestones=[flat])


lrs = lr_curve(lambda opt: flat_then_cosine(opt, total_steps=200), 201, lr=0.003)
print(f"flat then cosine over 200 steps: lr = {lrs[0]:.4f} at step 0, {lrs[150]:.4f} at 150, "
      f"{lrs[175]:.5f} at 175, {lrs[200]:.4f} at 200")

# %% [markdown]
# Now train the MNIST CNN for 3 epochs three times, from the same initial weights and with the
# same data order: Ranger (Lookahead + RAdam) with flat then cosine, stepped per batch; plain
# Adam at a fixed rate; and Adam with the same flat then cosine, to separate the optimizer from
# the schedule. All use `lr=0.003`.

# %%
num_epochs = 3
total_steps = num_epochs * mnist.train.num_batches(64)
runs = {
    "Ranger + flat then cosine": lambda p: Lookahead(torch.optim.RAdam(p, lr=0.003), k=6, alpha=0.5),
    "Adam, fixed lr": lambda p: torch.optim.Adam(p, lr=0.003),
    "Adam + flat then cosine": lambda p: torch.optim.Adam(p, lr=0.003),
}
ranger_runs = []
for label, make_optimizer in runs.items():
    torch.manual_seed(0)  # the same initial weights
    model = MnistCNN()
    optimizer = make_optimizer(model.parameters())
    scheduler = None if "fixed" in label else flat_then_cosine(optimizer, total_steps)
    ranger_runs.append(fit(model, mnist, optimizer, scheduler, num_epochs=num_epochs, step_per="batch",
                           generator=torch.Generator().manual_seed(0),  # the same data order
                           progress=False, label=label))

print(f"{'run':<27}  final train loss  final val acc")
for h in ranger_runs:
    print(f"{h.label:<27}  {h.final('train_loss'):>16.4f}  {h.final('val_acc'):>13.3f}")

# %%
_, axes = new_axes(3, 1, figsize=(7.2, 5.0), sharex=True)
plot_runs(ranger_runs, axes=axes)
plt.show()

# %% [markdown]
# Compare the final numbers printed above. When this notebook was written, Ranger ended behind
# both Adam runs, with a clearly higher training loss. That is one seed, 3 epochs and a small
# sample (or full MNIST, if you have it), with settings nobody tuned for Ranger: it says nothing
# about Ranger in general, only that it was no free win on this problem and budget.
#
# What this section shows for sure is the plumbing: Ranger is an optimizer you can build from
# `RAdam` and `Lookahead`, and any torch schedule, here flat then cosine, works on top of it. To
# judge whether it helps on your problem, compare it against Adam with the *same* schedule, over
# several seeds (notebook 08 does that kind of comparison). Try this: rerun with `alpha=1.0`. Then
# the slow weights jump all the way to the fast ones, so Lookahead does nothing and you train with
# plain `RAdam`: the gap you see then tells you how much of the difference came from Lookahead.

# %% [markdown]
# ## 6. Super-convergence? One cycle against a fixed rate
#
# Smith and Topin ([Super-Convergence](https://arxiv.org/abs/1708.07120), 2017) report that, with
# one cycle and a large maximum rate, some networks train to good accuracy in far fewer iterations
# than with the usual schedules. They call this super-convergence. Try a small version: 2 epochs
# of SGD with momentum 0.9, from the same initial weights and the same data order, with:
# - a fixed rate of 0.05;
# - `OneCycleLR(max_lr=0.2)`, stepped per batch (it also cycles the momentum);
# - a fixed rate of 0.2, the one-cycle peak, to see what the high rate does on its own.

# %%
num_epochs = 2
total_steps = num_epochs * mnist.train.num_batches(64)
settings = {
    "fixed lr=0.05": (0.05, None),
    "OneCycleLR(max_lr=0.2)": (0.05, lambda opt: OneCycleLR(opt, max_lr=0.2, total_steps=total_steps)),
    "fixed lr=0.2": (0.2, None),
}
cycle_runs = []
for label, (lr, make_scheduler) in settings.items():
    torch.manual_seed(0)  # the same initial weights
    model = MnistCNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    cycle_runs.append(fit(model, mnist, optimizer, scheduler, num_epochs=num_epochs,
                          generator=torch.Generator().manual_seed(0),  # the same data order
                          progress=False, label=label))

print(f"{'run':<24}  final val loss  final val acc")
for h in cycle_runs:
    print(f"{h.label:<24}  {h.final('val_loss'):>14.4f}  {h.final('val_acc'):>13.3f}")

# %%
_, axes = new_axes(3, 1, figsize=(7.2, 5.0), sharex=True)
plot_runs(cycle_runs, axes=axes)
plt.show()

# %% [markdown]
# Read the printed numbers, not just the figure. They come from one seed and a small sample, so
# treat a gap of a point or so as noise. When this notebook was written, one cycle and the fixed
# rate of 0.05 ended close together, and the fixed rate of 0.2 ended well behind both. So on this
# data and budget the numbers do **not** show super-convergence: one cycle did not beat a sensible
# fixed rate. What they do show is that one cycle spent part of the run at 0.2 and still ended level
# with the 0.05 run, while keeping 0.2 to the end hurt. A single short run cannot settle more than
# that; notebook 08 compares schedules over several seeds.

# %% [markdown]
# ## 7. The explorer: every scheduler of this notebook
#
# `explore_schedule` plots the rate the real torch scheduler produces, and re-plots it as you
# move the sliders. It opens on `OneCycleLR`: move `max_lr`, `pct_start` or `div_factor` and
# watch the curve; the lower panel shows the momentum (switch the optimizer to Adam to see
# `beta1`). The **scheduler** dropdown holds every scheduler of this notebook:
# - `CyclicLR`: `base_lr`, `max_lr`, `step_size_up`, `step_size_down` (in batches), `mode`,
#   `gamma` (for `exp_range`) and the momentum cycle;
# - `OneCycleLR`: the arguments of section 2; `total_steps` follows `num_epochs × steps_per_epoch`;
# - `CosineAnnealingLR` (`T_max`, `eta_min`) and `CosineAnnealingWarmRestarts` (`T_0`, `T_mult`,
#   `eta_min`), stepped per epoch;
# - `SequentialLR`: warmup then cosine, a `LinearLR` warmup of `warmup_epochs` from `start_factor`,
#   then `CosineAnnealingLR` down to `eta_min` for the rest of the run.
#
# **Compare three schedules in one plot.** Leave the other settings at their starting values:
# 1. select `CyclicLR` in the dropdown and click **pin this curve**;
# 2. select `OneCycleLR` and click **pin this curve**;
# 3. select `SequentialLR`.
#
# The two pinned curves stay, dashed, under the warmup then cosine curve. **reset** removes them.

# %%
from lrcourse.widgets import explore_schedule

explore_schedule("OneCycleLR")

# %% [markdown]
# In a saved copy the explorer is a still image, so here is the same comparison drawn with
# `lr_curve`: the explorer's starting values, 30 epochs of 10 batches, `lr=0.1`. `CyclicLR` and
# `OneCycleLR` step per batch; warmup then cosine steps per epoch, so its rate is held for the 10
# batches of each epoch. The last line checks it against the curves the explorer draws.

# %% tags=["nbval-check-output"]
from lrcourse.widgets import explorer_curve

num_epochs, steps_per_epoch = 30, 10
total_steps = num_epochs * steps_per_epoch
compare = {
    "CyclicLR (triangular)": lr_curve(lambda opt: CyclicLR(
        opt, base_lr=0.001, max_lr=0.1, step_size_up=50, step_size_down=50), total_steps),
    "OneCycleLR": lr_curve(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=total_steps), total_steps),
    "warmup then cosine": np.repeat(lr_curve(lambda opt: SequentialLR(opt, [
        LinearLR(opt, start_factor=0.1, total_iters=5),
        CosineAnnealingLR(opt, T_max=num_epochs - 5, eta_min=1e-4)], milestones=[5]), num_epochs), steps_per_epoch),
}
same = all(np.allclose(compare[label], explorer_curve(name)["lr"])
           for label, name in zip(compare, ["CyclicLR", "OneCycleLR", "SequentialLR"]))
print("the same curves as the explorer's:", same)

# %%
fig, ax = new_axes(figsize=(8.0, 3.2))
for label, lrs in compare.items():
    plot_lr_curve(lrs, ax=ax, x=np.arange(total_steps) / steps_per_epoch, xlabel="epoch", label=label)
ax.set_title("three shapes, the same peak of 0.1 over 30 epochs")
ax.legend(fontsize="small", loc="upper right")
plt.show()

# %% [markdown]
# The triangular cycle goes up and down three times, reaching 0.1 each time. One cycle climbs
# once, for 30% of the run, and ends near zero. Warmup then cosine climbs in 5 epochs, then
# falls for the remaining 25.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Write a function that takes an optimizer and returns a `OneCycleLR` with
# `max_lr=0.1` for a run of 5 epochs of 100 batches, stepped after every batch.

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
one_cycle_for = ...  # your code here

check("05.onecycle_config", one_cycle_for)

# %% [markdown]
# **Exercise 2.** Write a function that takes an optimizer and returns a `SequentialLR`: a
# `LinearLR` warmup from 0.1× to 1× the rate over 5 epochs, then `CosineAnnealingLR` down to 0
# over the remaining 45 epochs (50 epochs in all).

# %% tags=["exercise"]
warmup_then_cosine = ...  # your code here

check("05.warmup_cosine", warmup_then_cosine)

# %% [markdown]
# ## Summary
#
# - `CyclicLR` and `OneCycleLR` are stepped after every batch: their step sizes and `total_steps`
#   count batches. `total_steps = num_epochs * steps_per_epoch`; stepping past it raises
#   "Tried to step N times".
# - Both cycle the momentum by default. On SGD with `momentum=0` they silently switch momentum
#   on; with Adam they cycle `beta1`. Pass `cycle_momentum=False` to keep your optimizer as you built it.
# - `CosineAnnealingLR`'s `T_max` counts scheduler steps. Stepped per batch, use the number of
#   batches, or the cosine climbs back up. `CosineAnnealingWarmRestarts` restarts it (SGDR).
# - `SequentialLR` chains schedulers: warmup then cosine, or warmup–stable–decay from `LinearLR`
#   and `LambdaLR`.
# - "Ranger" is an optimizer (RAdam + Lookahead), not a schedule; its author recommends flat then cosine with it.
# - One seed on a small sample cannot rank schedules whose results are close.
#
# **Read more**
# - PyTorch: [`CyclicLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CyclicLR.html),
#   [`OneCycleLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html),
#   [`CosineAnnealingLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html),
#   [`CosineAnnealingWarmRestarts`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.html),
#   [`SequentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html),
#   [`LinearLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LinearLR.html),
#   [`RAdam`](https://pytorch.org/docs/stable/generated/torch.optim.RAdam.html).
# - L. Smith, [Cyclical Learning Rates for Training Neural Networks](https://arxiv.org/abs/1506.01186) (2015).
# - L. Smith and N. Topin, [Super-Convergence](https://arxiv.org/abs/1708.07120) (2017).
# - I. Loshchilov and F. Hutter, [SGDR: Stochastic Gradient Descent with Warm Restarts](https://arxiv.org/abs/1608.03983) (2016).
# - P. Goyal et al., [Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour](https://arxiv.org/abs/1706.02677) (2017).
# - L. Liu et al., [On the Variance of the Adaptive Learning Rate and Beyond](https://arxiv.org/abs/1908.03265) (2019), RAdam.
# - M. Zhang et al., [Lookahead Optimizer: k steps forward, 1 step back](https://arxiv.org/abs/1907.08610) (2019).
#
# Next: **06_lr_finder**, how to find `max_lr` with a range test.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check.

# %% tags=["solution"] jupyter={"source_hidden": true}
def one_cycle_for(opt):
    return OneCycleLR(opt, max_lr=0.1, total_steps=5 * 100)  # or epochs=5, steps_per_epoch=100


check("05.onecycle_config", one_cycle_for)

# %% tags=["solution"] jupyter={"source_hidden": true}
def warmup_then_cosine(opt):
    return SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=5),
                              CosineAnnealingLR(opt, T_max=45)], milestones=[5])


check("05.warmup_cosine", warmup_then_cosine)
