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
# # Cycle, anneal and warm up the learning rate
#
# **What you'll learn**
# - how `CyclicLR` and `OneCycleLR` move the rate (and the momentum) up and down, batch by batch,
#   and the two traps they hide: a silent momentum overwrite and the "Tried to step" error;
# - cosine annealing, warm restarts (SGDR), linear warmup and warmup–stable–decay, built from
#   torch's schedulers with `SequentialLR`;
# - warmup–stable–decay: one constant-rate run, short cooldowns branched from it, each against a
#   cosine planned for its length; when warmup matters, shown with and without it over paired seeds;
# - what "Ranger" really is (an optimizer), and how much of its loss on a short run comes from RAdam's
#   rectification, measured with RAdam alone;
# - how one cycle and a fixed rate compare on the MNIST CNN, over paired seeds.
#
# **Time**: about 40 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import copy
import math
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
from lrcourse.plots import new_axes, plot_lr_curve
from lrcourse.curves import lr_curve, momentum_curve
from lrcourse.train import evaluate

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
    print(f"batch {batch:>3}: lr = {lrs[batch]:.4f}, momentum = {momentum[batch]:.3f}, "
          f"lr/(1 - momentum) = {lrs[batch] / (1 - momentum[batch]):.3f} (with momentum fixed at 0.9: "
          f"{lrs[batch] / (1 - 0.9):.3f})")

# %%
fig, (ax_lr, ax_mom) = new_axes(2, 1, figsize=(8.0, 3.4), sharex=True)
plot_lr_curve(lrs, ax=ax_lr, xlabel="batch")
ax_mom.plot(momentum, color="#D55E00")
ax_mom.set_ylabel("momentum")
ax_mom.set_xlabel("batch")
ax_lr.set_title("CyclicLR: the rate (top) and the momentum it sets (bottom)")
plt.show()

# %% [markdown]
# Why move the momentum against the rate? With momentum β, a steady gradient is added up over
# about 1/(1 − β) steps, so the effective step is about lr/(1 − β). L. Smith,
# [A disciplined approach to neural network hyper-parameters](https://arxiv.org/abs/1803.09820)
# (2018), finds that raising the rate and lowering the momentum together keeps training stable:
# at the top of the cycle the printed effective step is 0.1/(1 − 0.8) = 0.500 instead of
# 0.1/(1 − 0.9) = 1.000 with a fixed momentum of 0.9: half the size where the rate is largest,
# while at the bottom of the cycle (momentum back at 0.9) both are 0.010.
#
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
# (printed above, with the torch of the setup cell). Your run trains differently from the one you
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
#   `min_lr = initial_lr / final_div_factor` (default `final_div_factor=1e4`);
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
# 0.1 / 25 = 0.004 and peaks at step 89: torch ends the climb at step
# `pct_start * total_steps - 1` = 0.3 × 300 − 1 (in `OneCycleLR.__init__`, the first phase has
# `end_step = float(pct_start * self.total_steps) - 1`), because steps count from 0. Its last
# rate, at step 299, is $0.004 / 10^4$ = 4.0e-07. `three_phase=True` peaks
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
            used = optimizer.param_groups[0]["lr"]  # the rate this batch trains with
            optimizer.step()
            try:
                scheduler.step()
            except ValueError as err:
                print(f"epoch {epoch}, batch {batch}: ValueError: {str(err).strip()}")
                return
    print(f"finished all {num_epochs * steps_per_epoch} batches: the last batch used lr = {used:.1e}; "
          f"after the final step() the optimizer holds {optimizer.param_groups[0]['lr']:.1e}, "
          "the rate for a batch that never comes")


run(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=5))  # wrong: 5 epochs, not 5 batches
run(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=5 * 100))  # right: every batch of the run

# %% [markdown]
# Five calls to `scheduler.step()` are allowed; the sixth raises. In the right run the last batch
# trained at 4.0e-07, the end of the cycle. The final `step()` after it moves the schedule one past
# its last step (step 500 of steps 0 to 499; torch raises only past `total_steps`), where the
# cosine formula has turned back up a little: that 2.4e-06 is never used. The message gives you both
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
# 0.0976, near the top. Stepped per epoch, it falls in stairs, one step per epoch. Per batch with
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
    jumps = np.flatnonzero(np.diff(lrs) > 0) + 1  # curve indices; index i is the rate of epoch i + 1
    print(f"{label}: the rate jumps back to {lrs[jumps[0]]:.1f} in epochs {(jumps + 1).tolist()}")

# %%
fig, ax = new_axes(figsize=(8.0, 3.0))
for label, lrs in restarts.items():
    plot_lr_curve(lrs, ax=ax, x=np.arange(1, len(lrs) + 1), xlabel="epoch", label=label, marker="o", ms=2)
ax.set_title("CosineAnnealingWarmRestarts(T_0=10, eta_min=0.001)")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# With `T_mult=1` every cosine lasts 10 epochs, so a restart opens epochs 11, 21, ..., 61. With
# `T_mult=2` they last 10, 20, then 40 epochs (epochs 1 to 10, 11 to 30 and 31 to 70), so the
# restarts come in epochs 11 and 31. Plan `num_epochs` to end at the bottom of a cosine: here
# 70 = 10 + 20 + 40. The docs also show how to step it with a fractional epoch,
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
# WSD comes from language-model training: MiniCPM (Hu et al.,
# [MiniCPM](https://arxiv.org/abs/2404.06395), 2024) decays over about 10% of the run, and Hägele
# et al. ([Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations](https://arxiv.org/abs/2405.18392),
# 2024) find that a cooldown of 10–20% of the steps, best with a 1 − sqrt shape, matches a cosine
# planned for the same length. Over 100 epochs, with 10 epochs of warmup and, for WSD, the last
# 20 epochs of decay:

# %% tags=["nbval-check-output"]
def warmup_cosine(opt):
    return SequentialLR(opt, [LinearLR(opt, start_factor=0.01, total_iters=10),
                              CosineAnnealingLR(opt, T_max=90)], milestones=[10])


def warmup_stable_decay(opt):
    return SequentialLR(opt, [LinearLR(opt, start_factor=0.01, total_iters=10),
                              LambdaLR(opt, lambda t: 1.0),
                              LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=20)],
                        milestones=[10, 80])


warm = {"warmup then cosine": lr_curve(warmup_cosine, 101), "warmup-stable-decay": lr_curve(warmup_stable_decay, 101)}
print(f"{'curve index':<22}" + "".join(f"{e:>8}" for e in (0, 5, 10, 40, 80, 90, 100)))
for label, lrs in warm.items():
    print(f"{label:<22}" + "".join(f"{lrs[e]:>8.4f}" for e in (0, 5, 10, 40, 80, 90, 100)))
wsd = warm["warmup-stable-decay"]
print("WSD is flat at 0.1 from index 10 to 80:", np.allclose(wsd[10:81], 0.1))
print("WSD decay matches 0.1 * (1 - t/20):", np.allclose(wsd[80:], 0.1 * (1 - np.arange(21) / 20)))

# %%
fig, ax = new_axes(figsize=(8.0, 3.0))
for label, lrs in warm.items():
    plot_lr_curve(lrs, ax=ax, xlabel="scheduler steps (epochs)", label=label)
for epoch in (10, 80):
    ax.axvline(epoch, color="#999999", lw=0.8, ls=":")
ax.set_title("SequentialLR: LinearLR warmup, then cosine or stable + linear decay")
ax.legend(loc="lower center")
plt.show()

# %% [markdown]
# Index i of these curves is the rate after i calls to `scheduler.step()`, so epoch e uses index
# e − 1. The printed checks confirm the WSD curve: 0.001 → 0.1 in 10 steps, flat until index 80,
# then a straight line to 0 at index 100. Each scheduler inside `SequentialLR` counts its own
# steps from the milestone, so the decay's `total_iters=20` is the length of the decay, not an
# epoch number. (On older torch releases, building a `SequentialLR` printed a `UserWarning` that
# "the epoch parameter in `scheduler.step()` was not necessary and is being deprecated": torch's
# own internal call triggered it, not your code, and it is harmless.)
#
# ### WSD's point, live: one run serves every budget
#
# A cosine must know the run's length in advance. WSD does not: keep a constant-rate run going,
# and whenever you want a finished model, branch off a short cooldown. Here, on the MNIST CNN
# with SGD(lr=0.05, momentum=0.9), per batch: one constant-rate run, and from it cooldowns of 20%
# of the budget for budgets of 1 and 2 epochs (55 and 110 steps), linear and 1 − sqrt. At each
# branch point the model and the optimizer (momentum buffers included) are copied, and the
# constant run goes on untouched. Each branch is compared with a cosine run planned for its
# budget, from the same initial weights and on the same batches, over 3 seeds.

# %%
import torch.nn.functional as F

from lrcourse.compare import paired_difference, plot_paired
from lrcourse.finder import batches_forever

steps_per_epoch = mnist.train.num_batches(64)
budgets = (steps_per_epoch, 2 * steps_per_epoch)  # 55 and 110 steps
seeds = (0, 1, 2)
cooldowns = {"linear": lambda t: 1 - t, "1-sqrt": lambda t: 1 - math.sqrt(t)}


def train_steps(model, optimizer, scheduler, batches):
    model.train()
    for xb, yb in batches:
        optimizer.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()


def sgd(model):
    return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def fresh(init):
    model = MnistCNN().to(device)
    model.load_state_dict(init)
    return model


results = {}  # label -> [(final training loss, test accuracy) per seed]
for seed in seeds:
    order = batches_forever(mnist.train, 64, torch.Generator().manual_seed(seed))
    batches = [next(order) for _ in range(budgets[-1])]  # the same batches for every run of this seed
    torch.manual_seed(seed)
    init = MnistCNN().to(device).state_dict()
    for budget in budgets:  # a cosine planned for each budget
        model = fresh(init)
        optimizer = sgd(model)
        train_steps(model, optimizer, CosineAnnealingLR(optimizer, T_max=budget), batches[:budget])
        results.setdefault(f"cosine, {budget} steps", []).append((evaluate(model, mnist.train)[0],
                                                                  evaluate(model, mnist.test)[1]))
    model = fresh(init)  # ONE constant-rate run ...
    optimizer = sgd(model)
    done = 0
    for budget in budgets:
        branch_at = budget - budget // 5  # ... branched 20% before each budget
        train_steps(model, optimizer, None, batches[done:branch_at])
        done = branch_at
        for shape, factor in cooldowns.items():
            branch = copy.deepcopy(model)
            branch_optimizer = sgd(branch)
            branch_optimizer.load_state_dict(copy.deepcopy(optimizer.state_dict()))  # momentum buffers too
            n = budget - branch_at
            cooldown = LambdaLR(branch_optimizer, lambda k, f=factor, n=n: f(k / n))
            train_steps(branch, branch_optimizer, cooldown, batches[branch_at:budget])
            results.setdefault(f"WSD {shape}, {budget} steps", []).append((evaluate(branch, mnist.train)[0],
                                                                           evaluate(branch, mnist.test)[1]))

wsd_comparisons = []
for budget in budgets:
    cosine = np.array(results[f"cosine, {budget} steps"])
    for shape in cooldowns:
        branch = np.array(results[f"WSD {shape}, {budget} steps"])
        for column, metric, unit, resolution, higher in ((0, "final training loss", "", None, False),
                                                         (1, "test accuracy", "pp", 0.1, True)):
            scale = 100 if unit == "pp" else 1
            c = paired_difference(cosine[:, column] * scale, branch[:, column] * scale, seeds,
                                  label_a=f"cosine {budget}", label_b=f"WSD {shape} {budget}", metric=metric,
                                  unit=unit, resolution=resolution, higher_is_better=higher)
            wsd_comparisons.append(c)
            print(c.summary())

# %%
_, axes = new_axes(1, 2, figsize=(9.6, 2.8))
plot_paired(wsd_comparisons[6], ax=axes[0])  # 1-sqrt at 110 steps: training loss
plot_paired(wsd_comparisons[7], ax=axes[1])  # and test accuracy
plt.show()

# %% [markdown]
# The printed lines are the evidence (offline sample, 3 paired seeds). Against a cosine planned
# for the same budget, every branch reached a LOWER final training loss on average, by 0.039 to
# 0.053, with the 95% CI excluding 0 for three of the four branches (linear at 55 steps: CI −0.126
# to +0.020, within noise). Its test accuracy was higher by +1.03 to +1.30 pp on average, but every
# CI covers 0: within noise. The widest, linear at 55 steps, puts the difference between −2.14 and
# +4.74 pp with 95% confidence, so these seeds cannot rule out a test-accuracy cost of about 2 pp.
# So each short cooldown, taken from ONE constant-rate run, reached a training loss at least as low
# as a cosine that had to know its length in advance; one run served both budgets. Linear and
# 1 − sqrt differ from the cosine by about as much (−0.053 and −0.050 at 55 steps, −0.042 and
# −0.039 at 110): these runs do not tell the two shapes apart. This matches the papers' claim on a
# tiny scale; the budgets (1 and 2 epochs) are short, so take it as a demonstration, not a benchmark.
#
# ### Why warm up, and when it matters
#
# Goyal et al., [Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour](https://arxiv.org/abs/1706.02677)
# (2017), scale the rate with the batch size (the linear scaling rule: multiply the batch size by
# k, multiply the rate by k). The rule breaks down early in training, when the network changes
# rapidly, and a *gradual warmup* over the first 5 epochs fixed it for ResNet-50 with batches of
# 8k images. Warmup matters when the rate is large for the early network: large batches with a
# scaled-up rate, and Adam, whose early steps rest on second-moment estimates from a handful of
# gradients (section 5).
#
# Here is the pair on the MNIST CNN, where the rate is large: SGD with momentum 0.9 at `lr=0.2`,
# 4 times the `lr=0.05` of the runs above (what the linear rule would give a batch of 256), for 2
# epochs. One run starts at the full rate; the other warms up with
# `LinearLR(start_factor=0.01, total_iters=steps_per_epoch)`, stepped per batch, so its rate climbs
# through epoch 1 and epoch 2 trains at the full 0.2. Over 3 paired seeds: for each seed both runs start from the same weights
# and see the same batches.

# %%
from lrcourse.compare import compare_runs
from lrcourse.shootout import Contestant, shootout

sgd_large = lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.9)
warmup_race = shootout([
    Contestant("no warmup", sgd_large),
    Contestant("warmup", sgd_large, lambda opt: LinearLR(opt, start_factor=0.01, total_iters=steps_per_epoch),
               step_per="batch"),
], mnist, seeds=seeds, num_epochs=2, verbose=False)
for label, histories in warmup_race.histories.items():
    epoch_1, epoch_2 = np.mean([h.epochs["train_loss"] for h in histories], axis=0)
    print(f"{label:<10} mean training loss over the seeds: epoch 1 {epoch_1:.2f}, epoch 2 {epoch_2:.2f}")
warmup_comparisons = [compare_runs(warmup_race, "no warmup", "warmup", metric) for metric in ("train_loss", "test_acc")]
for c in warmup_comparisons:
    print(c.summary())

# %%
_, axes = new_axes(1, 2, figsize=(9.6, 2.8))
for ax, c in zip(axes, warmup_comparisons):
    plot_paired(c, ax=ax)
plt.show()

# %% [markdown]
# Without warmup, the first epoch at `lr=0.2` went badly: a mean training loss of 2.44 over the
# seeds, against 0.79 with the warmup, and the second epoch did not make it up (0.53 against 0.18).
# Over 3 paired seeds the warmup lowered the final training loss by 0.35 (95% CI −0.55 to −0.15)
# and raised the test accuracy by +10.17 pp (95% CI +1.59 to +18.74 pp): both CIs exclude 0. At
# this rate the first steps did damage that the rest of the run did not repair, and the warmup
# avoided it. These runs show warmup where the rate is large; they say nothing about a calm rate
# such as `lr=0.05`, for which no pair was run here.
#
# What does carry over from Goyal et al. to small runs is the link between rate and batch size.
# Three range tests from the same initial weights, at batch 32, 64 and 128. `suggest_max_lr()` is the
# LR finder's suggestion for `OneCycleLR`'s `max_lr` (a tenth of the rate of the lowest loss;
# notebook 06 introduces the finder and this rule):

# %% tags=["nbval-check-output"]
from lrcourse.finder import LRFinder

torch.manual_seed(0)
model = MnistCNN().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
bs_finders = {}
for batch_size in (32, 64, 128):
    bs_finders[batch_size] = LRFinder(model, optimizer)  # the same model: the finder restores it
    bs_finders[batch_size].range_test(mnist.train, batch_size=batch_size, verbose=False)
    print(f"batch {batch_size:>3}: suggest_max_lr() = {bs_finders[batch_size].suggest_max_lr():.2g}, "
          f"{len(bs_finders[batch_size].history['lr'])} iterations, {batch_size * len(bs_finders[batch_size].history['lr']):,} digits seen")

# %%
fig, ax = new_axes(figsize=(6.4, 3.0))
for batch_size, f in bs_finders.items():
    ax.plot(f.history["lr"], f.smoothed(0.9), label=f"batch {batch_size} (smoothed, β = 0.9)")
ax.set_xscale("log")
ax.set_ylim(0, 4)
ax.set_xlabel("learning rate (log scale)")
ax.set_ylabel("loss")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# In this one test, the pick grew with the batch: 0.0026 at batch 32, 0.0066 at batch 64 and
# 0.014 at batch 128. That is the direction of the linear scaling rule, but one sweep per batch
# size, from one seed, cannot measure the factor: each test took about 100 iterations, one rate
# each, so batch 128 saw 12,160 digits where batch 32 saw 3,008, and a pick read off one noisy
# curve moves from seed to seed. Goyal et al. give the reason for the direction: a larger batch
# averages more gradients, so each step is less noisy and a larger rate stays stable. Scale the
# rate up with the batch, and warmup earns its place, as the pair above showed for a large rate.

# %% [markdown]
# ## 5. "Ranger" is an optimizer, not a schedule, and what it costs on a short run
#
# Some tutorials list "Ranger" among learning-rate schedulers. It is an **optimizer**: L. Wright's
# [Ranger](https://github.com/lessw2020/Ranger-Deep-Learning-Optimizer) (2019) combines
# **RAdam** (Liu et al., [On the Variance of the Adaptive Learning Rate and Beyond](https://arxiv.org/abs/1908.03265),
# 2019) and **Lookahead** (Zhang et al., [Lookahead Optimizer: k steps forward, 1 step back](https://arxiv.org/abs/1907.08610),
# 2019: every `k` = 6 steps the slow weights move `alpha` = 0.5 of the way to the fast ones). Its
# published settings are `betas=(0.95, 0.999)` and `eps=1e-5`, and fastai pairs it with a flat then
# cosine schedule (`fit_flat_cos`, flat for `pct_start=0.75` of the run). The `pytorch_optimizer`
# package ships it as `Ranger`, with those defaults (plus gradient centralization, `use_gc=True`,
# as in Ranger's later versions); it is a `torch.optim.Optimizer`, so torch's schedulers drive it.
#
# **RAdam's rectification.** Adam's second-moment estimate rests on few gradients at first. RAdam
# measures how many with $\rho_t = \rho_\infty - 2t\beta_2^t/(1 - \beta_2^t)$, where
# $\rho_\infty = 2/(1 - \beta_2) - 1$; $\rho_t$ is about $t$ in the first steps. Once $\rho_t > 4$
# (Liu et al.'s Algorithm 2) the adaptive step's variance is finite, and RAdam takes Adam's step
# times
#
# $$r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\,\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2)\,\rho_t}}.$$
#
# Before that, $r_t$ is not used: the paper takes an un-adapted momentum step, `lr` times the
# bias-corrected mean gradient. Torch's `RAdam` and `pytorch_optimizer`'s `Ranger` draw the line at
# 5 instead of 4 (`rho_t > 5`, `n_sma_threshold=5`), so with β2 = 0.999 their first 5 steps are
# un-adapted and $r_t$ applies from step 6. One weight whose gradient is always +1 shows both
# regimes (Adam's step would be −0.1 every time):

# %% tags=["nbval-check-output"]
from pytorch_optimizer import Ranger


def rho(t, beta2=0.999):
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)


def rectification(t, beta2=0.999):  # r_t, used where rho_t > 5
    rho_inf, rho_t = 2 / (1 - beta2) - 1, rho(t, beta2)
    return np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


w_radam, w_ranger = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
radam, ranger = torch.optim.RAdam([w_radam], lr=0.1), Ranger([w_ranger], lr=0.1, k=100)  # no Lookahead sync yet
print("step  rho_t     r_t  RAdam's change  Ranger's change")
for step in range(1, 8):
    before = w_radam.item(), w_ranger.item()
    for w, opt in ((w_radam, radam), (w_ranger, ranger)):
        w.grad = torch.ones(1)  # +1: a step down the gradient lowers w
        opt.step()
    r_t = f"{rectification(step):.4f}" if rho(step) > 5 else "unused"
    print(f"{step:>4}  {rho(step):5.3f}  {r_t:>6}  {w_radam.item() - before[0]:+14.4f}  {w_ranger.item() - before[1]:+15.4f}")

# %% [markdown]
# Steps 1 to 5 are not Adam's step times $r_t$: torch's RAdam moves the weight by −0.1, a plain
# momentum step. From step 6 both take −0.1 × $r_t$, 0.0258 of Adam's step. In steps 1 to 5,
# `pytorch_optimizer`'s Ranger (4.1.0, the setup cell's version) moves the weight by +0.1, *up* the
# gradient: with its default `degenerated_to_sgd=False` its step size there is `lr` times −1 (then
# bias-corrected), and its update subtracts it (issue [kozistr/pytorch_optimizer#232](https://github.com/kozistr/pytorch_optimizer/issues/232)
# reports Ranger's inverted sign). With `lr=0.003` and the CNN's gradients those 5 steps are small next
# to the 160 that follow, but they are not RAdam's.
#
# How $r_t$ grows over the steps where it is used, with β2 = 0.999 (Ranger's and Adam's default) and
# β2 = 0.99:

# %% tags=["nbval-check-output"]
t = np.arange(6, 4001)  # the rectified steps: rho_t > 5 from step 6, for both betas
r = rectification(t)
for step in (6, 55, 165, 1000, 2000):
    print(f"step {step:>4}: r_t = {r[step - 6]:.2f}")
print(f"mean r_t over steps 6-165: {r[:160].mean():.2f}")
for beta2 in (0.999, 0.99):
    passes = t[np.argmax(rectification(t, beta2) >= 0.9)]
    print(f"beta2 = {beta2}: r_t passes 0.9 at step {passes:,}, in epoch {math.ceil(passes / steps_per_epoch)} "
          f"of {steps_per_epoch} batches")
ranger = Ranger(MnistCNN().parameters())
print("Ranger's defaults: betas", ranger.defaults["betas"], "eps", ranger.defaults["eps"],
      "k", ranger.defaults["k"], "alpha", ranger.defaults["alpha"])

# %%
fig, ax = new_axes(figsize=(6.4, 2.8))
for beta2 in (0.999, 0.99):
    ax.plot(t, rectification(t, beta2), label=f"r_t, β2 = {beta2}")
ax.axvspan(1, 165, color="#E69F00", alpha=0.2, label="this notebook's run (165 steps)")
ax.set_xscale("log")
ax.set_xlabel("step t (from step 6, the first rectified one)")
ax.set_ylabel("rectification r_t")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# $r_t$ is 0.03 at step 6, 0.16 at step 55 and 0.28 at step 165, and passes 0.9 only at step 2,737,
# in epoch 50 of this sample; with β2 = 0.99 it passes 0.9 at step 277, ten times sooner. Over steps
# 6 to 165, the last 160 steps of a 3-epoch run, RAdam's step is on average 0.19 of the Adam step it
# rescales. Ma and
# Yarats ([On the adequacy of untuned warmup for adaptive optimization](https://arxiv.org/abs/1910.04209),
# 2019) show that RAdam behaves like Adam with a warmup of about $2/(1 - \beta_2)$ steps, $2000$ here:
# a 165-step run ends long before such a warmup would. Ranger adds Lookahead, `betas=(0.95, 0.999)`,
# gradient centralization and `eps=1e-5` on top.
#
# To isolate the rectification, three optimizers over 3 paired seeds, each at `lr=0.003` with the
# same flat then cosine schedule (flat for `pct_flat=0.75` of the steps, as in fastai's
# `fit_flat_cos`), stepped per batch, for 3 epochs (165 steps): Adam; torch's `RAdam` with Adam's
# betas and `eps`, which differs from Adam only by the rectification (and its 5 un-adapted first
# steps); and Ranger. RAdam − Adam measures the rectification; Ranger − RAdam measures the rest of
# Ranger, all its other parts together.

# %%
def flat_then_cosine(opt, total_steps, pct_flat=0.75):
    flat = int(pct_flat * total_steps)
    return SequentialLR(opt, [ConstantLR(opt, factor=1.0, total_iters=flat),
                              CosineAnnealingLR(opt, T_max=total_steps - flat)], milestones=[flat])


total_steps = 3 * steps_per_epoch
schedule = lambda opt: flat_then_cosine(opt, total_steps)
ranger_race = shootout([
    Contestant("Adam", lambda p: torch.optim.Adam(p, lr=0.003), schedule, step_per="batch"),
    Contestant("RAdam", lambda p: torch.optim.RAdam(p, lr=0.003), schedule, step_per="batch"),
    Contestant("Ranger", lambda p: Ranger(p, lr=0.003), schedule, step_per="batch"),
], mnist, seeds=seeds, num_epochs=3, verbose=False)
ranger_comparisons = [compare_runs(ranger_race, a, b, metric)
                      for a, b in (("Adam", "Ranger"), ("Adam", "RAdam"), ("RAdam", "Ranger"))
                      for metric in ("train_loss", "test_acc")]
for c in ranger_comparisons:
    print(c.summary())

# %%
_, axes = new_axes(1, 3, figsize=(12.0, 2.8))
for ax, c in zip(axes, ranger_comparisons[::2]):  # the final training loss of each pair
    plot_paired(c, ax=ax)
plt.show()

# %% [markdown]
# Over 3 paired seeds Ranger ended with a final training loss 0.23446 higher than Adam (95% CI
# +0.23380 to +0.23511) and a test accuracy 3.93 pp lower (CI −6.05 to −1.82 pp), with the same
# schedule and `lr`. RAdam alone, the rectification, accounts for about half of that: +0.12214
# (CI +0.12120 to +0.12308) in training loss and −1.67 pp (CI −2.38 to −0.95 pp) in test accuracy.
# The other half, +0.1123 (CI +0.1110 to +0.1137) and −2.27 pp (CI −3.68 to −0.85 pp), comes from
# what Ranger adds to RAdam: Lookahead, `beta1=0.95`, gradient centralization, `eps=1e-5` and its
# 5 first steps up the gradient; these runs do not tell those parts apart. All six CIs exclude 0.
# So the rectification explains about half of Ranger's loss here, not all of it.
#
# With β2 = 0.999 the rectification lasts thousands of steps: in a long run r_t is near 1 for most
# of training, and its damped start acts as a warmup. Here the whole run is that start: it ends at step 165, long
# before r_t passes 0.9 at step 2,737. A fair test of Ranger would need runs that long, about 50
# epochs of this sample each, far beyond this notebook's budget. What these runs measure, then, is
# how Ranger's published settings fare on a 165-step budget, not how Ranger fares in the long runs
# it was designed for. (With `betas=(0.95, 0.99)` r_t passes 0.9 at step 277, ten times sooner: try it.)

# %% [markdown]
# ## 6. Super-convergence? One cycle against a fixed rate
#
# Smith and Topin ([Super-Convergence](https://arxiv.org/abs/1708.07120), 2017) report that, with
# one cycle and a large maximum rate, some networks train to good accuracy in far fewer iterations
# than with the usual schedules. A small version, at one budget of 2 epochs, SGD with momentum 0.9,
# over 3 paired seeds: a fixed `lr=0.05` against `OneCycleLR(max_lr=0.2)`, stepped per batch
# (it also cycles the momentum).
#
# That peak is far above the LR finder's suggestion for this model, on purpose (the cell prints by
# how much). `suggest_max_lr()` takes a tenth of the rate of the lowest loss: a cautious step back
# from where the loss turns up. Super-convergence is a claim about a *large* peak: Smith's range test puts
# the top of a cycle where the accuracy "slows, becomes ragged, or starts to fall"
# ([Cyclical Learning Rates](https://arxiv.org/abs/1506.01186), 2015), not a tenth below it. And
# `lr=0.2` is the rate that, held from the first batch, lost to a warmup in section 4: `OneCycleLR`
# starts at $0.2/25 = 0.008$ and climbs for the first `pct_start=0.3` of the run, a warmup of its own.

# %%
print(f"max_lr=0.2 is {0.2 / bs_finders[64].suggest_max_lr():.0f} times suggest_max_lr() at batch 64 (section 4)")
total_steps = 2 * steps_per_epoch
cycle_race = shootout([
    Contestant("fixed lr=0.05", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    Contestant("OneCycleLR(max_lr=0.2)", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
               lambda opt: OneCycleLR(opt, max_lr=0.2, total_steps=total_steps)),
], mnist, seeds=seeds, num_epochs=2, verbose=False)
cycle_comparisons = [compare_runs(cycle_race, "fixed lr=0.05", "OneCycleLR(max_lr=0.2)", metric)
                     for metric in ("train_loss", "test_acc")]
for c in cycle_comparisons:
    print(c.summary())

# %%
_, axes = new_axes(1, 2, figsize=(9.6, 2.8))
for ax, c in zip(axes, cycle_comparisons):
    plot_paired(c, ax=ax)
plt.show()

# %% [markdown]
# One cycle against the fixed rate, over 3 paired seeds on the offline sample: final training loss
# −0.004 (CI −0.063 to +0.056) and test accuracy +0.30 pp (CI −1.64 to +2.24 pp). Both CIs cover 0:
# within noise. At this budget, on this data, one cycle did not beat a sensible fixed rate, so
# the numbers do **not** show super-convergence here. A null result is a bound: with 95% confidence,
# one cycle changed the test accuracy by between −1.64 and +2.24 pp and the final training loss by
# between −0.063 and +0.056, so any gain it has at 2 epochs is smaller than +2.24 pp.

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
# **Exercise 1 (predict, then verify).** Without running it, predict the index i of
# `lr_curve(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=500, pct_start=0.25), 500)` at
# which the rate is highest (i = 0 is the rate of the first batch). Write your prediction as an
# int, run the check; then plot the curve to see it.

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
peak_index = ...  # your code here

check("05.onecycle_peak", peak_index)

# %% [markdown]
# **Exercise 2 (predict, then verify).** `SGD(lr=0.1)` with
# `SequentialLR([LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=45)], milestones=[5])`,
# stepped once per epoch. Predict, with pencil and `math.cos`, the rate used DURING epoch 28
# (epochs count from 1), to 3 significant figures. Then check it against `lr_curve`.

# %% tags=["exercise"]
epoch_28_rate = ...  # your code here

check("05.warmup_cosine_rate", epoch_28_rate)

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
#   and `LambdaLR`. WSD's cooldown takes 10–20% of the steps; branched from one constant-rate
#   run, each cooldown is compared with a cosine planned for its length (section 4).
# - Moving the momentum against the rate keeps the effective step lr/(1 − β) in check (Smith 2018).
# - Warmup matters where the rate is large for the early network: large batches with a linearly
#   scaled rate (Goyal et al.), and Adam's first steps. On the MNIST CNN at `lr=0.2`, a one-epoch
#   warmup raised the test accuracy by +10.17 pp (95% CI +1.59 to +18.74 pp) over 3 paired seeds.
#   The rate a range test suggests grew with the batch size (one test per batch size here).
# - "Ranger" is an optimizer (RAdam + Lookahead), not a schedule. Torch's RAdam takes an un-adapted
#   step until $\rho_t > 5$ (step 6), then Adam's step times $r_t$, which is 0.28 at step 165 with
#   β2 = 0.999: it acts like a warmup of about $2/(1 - \beta_2)$ steps (Ma & Yarats). Against Adam
#   over 165 steps, Ranger's final training loss was higher by +0.23446; RAdam alone accounts for
#   +0.12214 of it, about half.
# - Compare schedules over paired seeds with a CI, and state a null as a bound: one cycle against a
#   fixed rate was within noise at 2 epochs, its test-accuracy gain smaller than +2.24 pp with 95%
#   confidence.
#
# **Read more**
# - PyTorch: [`CyclicLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CyclicLR.html),
#   [`OneCycleLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html),
#   [`CosineAnnealingLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html),
#   [`CosineAnnealingWarmRestarts`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.html),
#   [`SequentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html),
#   [`LinearLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LinearLR.html),
#   [`RAdam`](https://pytorch.org/docs/stable/generated/torch.optim.RAdam.html),
#   [`LambdaLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LambdaLR.html).
# - L. Smith, [A disciplined approach to neural network hyper-parameters: Part 1](https://arxiv.org/abs/1803.09820) (2018).
# - S. Hu et al., [MiniCPM](https://arxiv.org/abs/2404.06395) (2024); A. Hägele et al.,
#   [Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations](https://arxiv.org/abs/2405.18392) (2024).
# - [pytorch_optimizer's `Ranger`](https://pytorch-optimizers.readthedocs.io/); fastai's `fit_flat_cos`.
# - L. Smith, [Cyclical Learning Rates for Training Neural Networks](https://arxiv.org/abs/1506.01186) (2015).
# - L. Smith and N. Topin, [Super-Convergence](https://arxiv.org/abs/1708.07120) (2017).
# - I. Loshchilov and F. Hutter, [SGDR: Stochastic Gradient Descent with Warm Restarts](https://arxiv.org/abs/1608.03983) (2016).
# - P. Goyal et al., [Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour](https://arxiv.org/abs/1706.02677) (2017).
# - L. Liu et al., [On the Variance of the Adaptive Learning Rate and Beyond](https://arxiv.org/abs/1908.03265) (2019), RAdam.
# - J. Ma and D. Yarats, [On the adequacy of untuned warmup for adaptive optimization](https://arxiv.org/abs/1910.04209) (2019).
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
peak_index = int(0.25 * 500) - 1  # torch ends the climb at pct_start * total_steps - 1

check("05.onecycle_peak", peak_index)

# %% tags=["solution"] jupyter={"source_hidden": true}
steps_into_cosine = (28 - 1) - 5  # epoch 28 uses curve index 27; the cosine took over at index 5
epoch_28_rate = 0.1 * (1 + math.cos(math.pi * steps_into_cosine / 45)) / 2

check("05.warmup_cosine_rate", epoch_28_rate)
