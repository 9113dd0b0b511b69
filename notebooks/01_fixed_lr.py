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
# # See what the learning rate does: too small, just right, oscillating, diverging
#
# **What you'll learn**
# - why gradient descent on y = 2x converges only when lr < 2/L, and how to compute L from the data;
# - the four regimes of a fixed rate (too small, just right, oscillating, diverging), on plots
#   and on a slider;
# - that `torch.optim.SGD` on `nn.Linear(1, 1)` diverges where the formula says, with and
#   without a bias;
# - where PyTorch keeps the rate (`optimizer.param_groups`) and how to give one layer its own rate;
# - what too small and too large a rate look like on the MNIST CNN, with SGD and Adam.
#
# **Time**: about 30 minutes to read and play. The cell before the solutions prints how long
# the code took to run on your machine.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from lrcourse import setup_notebook
from lrcourse.device import describe_device, seed_everything

start = time.perf_counter()
device, mnist, generator = setup_notebook(seed=0)

# %% [markdown]
# ## 1. Gradient descent on y = 2x, by hand
#
# The tutorials' y = 2x example: four points x = 1, 2, 3, 4 with targets y = 2x.
# The model y_hat = w·x has one weight, w. Its loss, the mean squared error
#
# $$\text{loss}(w) = \text{mean}\big((w x - y)^2\big),$$
#
# is a parabola in w, with its minimum at w* = 2. Its slope is
# dloss/dw = 2·mean(x·(w·x − y)). Gradient descent takes a step downhill, of size lr times
# the slope: w ← w − lr·dloss/dw. Here is that loop, by hand, in NumPy:

# %% tags=["nbval-check-output"]
x = np.arange(1.0, 5.0)  # 1, 2, 3, 4
y = 2 * x
lr, w = 0.02, 0.0
ws = [w]
for _ in range(20):
    grad = 2 * np.mean(x * (w * x - y))  # dloss/dw
    w = w - lr * grad
    ws.append(w)

print("w after steps 0-5:", np.round(ws[:6], 4))
print(f"w after 20 steps: {ws[-1]:.4f}")

# %% [markdown]
# `lrcourse.toy.gradient_descent_1d` runs the same loop; the plots and the slider below use it.
# It gives the same numbers, bit for bit:

# %% tags=["nbval-check-output"]
from lrcourse.toy import gradient_descent_1d

path = gradient_descent_1d(x, y, lr=0.02, w0=0.0, num_steps=20)
print("w after steps 0-5:", np.round(path["w"][:6], 4))
print("identical to the hand loop at every step:", np.array_equal(path["w"], ws))

# %% [markdown]
# ### The stability limit: lr < 2/L
#
# Because y = w*·x, the slope is dloss/dw = 2·mean(x²)·(w − w*) = L·(w − w*), where
# L = 2·mean(x²) is the curvature d²loss/dw² of the parabola. Put that into the update and
# subtract w* from both sides:
#
# $$w_{t+1} - w^* = (1 - \text{lr}\cdot L)\,(w_t - w^*).$$
#
# Each step multiplies the distance to w* by the same factor, 1 − lr·L. The distance shrinks
# only when |1 − lr·L| < 1, that is when **0 < lr < 2/L**. At lr = 1/L the factor is 0, and a
# single step lands on w*. Compute L from the data:

# %% tags=["nbval-check-output"]
from lrcourse.toy import curvature, gd_regime, stability_limit

L = 2 * np.mean(x ** 2)
print(f"L = 2·mean(x²) = {L:g}")
print(f"1/L = {1 / L:.4f}  (one step lands on w* = 2)")
print(f"2/L = {2 / L:.4f}  (the largest stable lr)")
print("lrcourse agrees:", curvature(x) == L, stability_limit(x) == 2 / L)

# %% [markdown]
# Four rates, one per regime. `gd_regime` names the regime from the factor 1 − lr·L:

# %% tags=["nbval-check-output"]
lrs = [0.01, 1 / L, 0.12, 0.14]
for lr in lrs:
    print(f"lr = {lr:.4f}: factor 1 - lr·L = {1 - lr * L:+.2f} -> {gd_regime(lr, x)}")

# %% [markdown]
# Ten steps from w = 0 at each rate. The top row shows the iterates on the parabola, the
# bottom row the weight after each step (the dashed line is w* = 2):

# %%
from lrcourse.plots import PALETTE, new_axes

fig, axes = new_axes(2, 4, figsize=(12, 5.4))
for lr, ax_w, ax_step in zip(lrs, axes[0], axes[1]):
    path = gradient_descent_1d(x, y, lr, num_steps=10)
    span = np.linspace(min(path["w"].min(), 0) - 0.5, max(path["w"].max(), 4) + 0.5, 200)
    ax_w.plot(span, [np.mean((v * x - y) ** 2) for v in span], color="#999999")
    ax_w.plot(path["w"], path["loss"], "o-", color=PALETTE[0], ms=4)
    ax_w.set_title(f"lr = {lr:.4f}: {gd_regime(lr, x)}", fontsize="medium")
    ax_w.set_xlabel("w")
    ax_step.plot(path["w"], "o-", color=PALETTE[1], ms=4)
    ax_step.axhline(2, color="#999999", ls="--")
    ax_step.set_xlabel("step")
axes[0, 0].set_ylabel("loss")
axes[1, 0].set_ylabel("w")
plt.show()

# %% [markdown]
# - **Too small** (lr = 0.01, factor +0.85): w creeps towards 2 and is still short of it after
#   10 steps.
# - **Just right** (lr = 1/L = 0.0667, factor 0): one step lands on w* = 2.
# - **Oscillating** (lr = 0.12, factor −0.80): each step jumps over w*, to the other side of the
#   parabola, and the jumps shrink.
# - **Diverging** (lr = 0.14, factor −1.10): each jump is longer than the last, and the loss
#   grows.
#
# ### Move the rate yourself
#
# The slider sets lr. The left panel is the parabola with the iterates, the middle one the loss
# at each step (log scale), and the right one the loss after `num_steps` for every lr, with the
# limit 2/L dashed. The line under the sliders names the regime and the factor 1 − lr·L.
#
# Try this: move lr just below the dashed line, then just above it. Then change the starting w:
# the regime does not depend on where you start.

# %%
from lrcourse.widgets import explore_gradient_descent

explore_gradient_descent(lr=0.049)

# %% [markdown]
# ## 2. The same problem with `nn.Linear` and `torch.optim.SGD`
#
# PyTorch makes the same steps. `linear_model()` is `nn.Linear(1, 1, bias=False)` with its
# weight set to 0: one weight and no bias, so the derivation above applies exactly.
# `nn.MSELoss` is the same mean squared error. The loop is the one every tutorial writes:
# `zero_grad`, the loss, `backward`, `optimizer.step()`. It runs on the device printed at the top.

# %% tags=["nbval-check-output"]
from lrcourse.data import linear_data
from lrcourse.models import linear_model

data = linear_data(device)  # x = 1..4 as a (4, 1) tensor, y = 2x
loss_fn = nn.MSELoss()


def train_linear(model, lr, num_steps):
    """Full-batch SGD on y = 2x; returns the loss before each step."""
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_steps):
        optimizer.zero_grad()
        loss = loss_fn(model(data.x), data.y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


model = linear_model()
train_linear(model, lr=0.02, num_steps=20)
print(f"torch.optim.SGD: w = {model.weight.item():.4f} after 20 steps")
print(f"by hand:         w = {ws[-1]:.4f} after 20 steps")

# %% [markdown]
# Now sweep lr across 2/L. Each run starts from w = 0 and takes 100 full-batch steps. A run
# diverges when its loss at the last step is larger than at the first:

# %% tags=["nbval-check-output"]
sweep_lrs = np.linspace(0.10, 0.16, 13)
no_bias, diverges = [], []
print("    lr   loss at step 1   loss at step 100")
for lr in sweep_lrs:
    losses = train_linear(linear_model(), float(lr), num_steps=100)
    no_bias.append(losses[-1])
    diverges.append(not losses[-1] < losses[0])
    verdict = "DIVERGES" if diverges[-1] else "converges"
    print(f"{lr:.3f}   {losses[0]:14.3g}   {losses[-1]:16.3g}   {verdict}")

print(f"\nsmallest lr that diverges: {sweep_lrs[diverges.index(True)]:.3f}")
print(f"derived limit 2/L:         {2 / L:.4f}")

# %% [markdown]
# The last rate that converges, 0.130, and the first that diverges, 0.135, sit on either side
# of the derived limit 2/L = 0.1333.
#
# ### Aside: `nn.Linear(1, 1)` with a bias
#
# The tutorials use `nn.Linear(1, 1)` with its bias, which `linear_model(init=None)` gives you
# (torch's random start). Now the loss is a bowl in two parameters, w and b. Its curvature is a
# 2x2 matrix, the Hessian:
#
# $$H = \begin{pmatrix} 2\,\text{mean}(x^2) & 2\,\text{mean}(x) \\ 2\,\text{mean}(x) & 2 \end{pmatrix}.$$
#
# Along each eigenvector of H, a gradient step multiplies the distance to the minimum by
# 1 − lr·λ, with λ that direction's eigenvalue. The direction with the largest eigenvalue breaks
# first, so the limit is lr < 2/λ_max:

# %% tags=["nbval-check-output"]
H = np.array([[2 * np.mean(x ** 2), 2 * np.mean(x)],
              [2 * np.mean(x), 2.0]])
eigenvalues = np.linalg.eigvalsh(H)
print("H =", H.tolist())
print("eigenvalues:", np.round(eigenvalues, 4))
print(f"2/λ_max = {2 / eigenvalues.max():.4f}   (2/L without the bias was {2 / L:.4f})")

# %% [markdown]
# The same sweep with the biased model. Every run starts from the same random weight and bias
# (`torch.manual_seed(0)`) and takes 200 steps, because the flat direction (the small
# eigenvalue) is slow:

# %% tags=["nbval-check-output"]
with_bias, diverges = [], []
print("    lr   loss at step 1   loss at step 200")
for lr in sweep_lrs:
    torch.manual_seed(0)  # the same starting w and b for every lr
    losses = train_linear(linear_model(init=None), float(lr), num_steps=200)
    with_bias.append(losses[-1])
    diverges.append(not losses[-1] < losses[0])  # a nan loss counts as diverging
    verdict = "DIVERGES" if diverges[-1] else "converges"
    print(f"{lr:.3f}   {losses[0]:14.3g}   {losses[-1]:16.3g}   {verdict}")

print(f"\nsmallest lr that diverges: {sweep_lrs[diverges.index(True)]:.3f}")
print(f"derived limit 2/λ_max:     {2 / eigenvalues.max():.4f}")

# %% [markdown]
# Again the switch from converging to diverging happens between the two grid points around the
# derived limit, here 0.115 and 0.120 around 2/λ_max = 0.1198. The tutorials' `SGD(lr=0.1)` is
# below both limits, which is why it converges on this data. In the plot below, a log axis has
# no room for a loss of exactly 0, `inf` or `nan`, so the runs that printed those are missing:

# %%
fig, ax = new_axes(figsize=(7, 3.4))
ax.plot(sweep_lrs, no_bias, "o-", color=PALETTE[0], label="no bias: linear_model()")
ax.plot(sweep_lrs, with_bias, "s-", color=PALETTE[1], label="with bias: linear_model(init=None)")
ax.axvline(2 / L, color=PALETTE[0], ls="--", lw=1)
ax.axvline(2 / eigenvalues.max(), color=PALETTE[1], ls="--", lw=1)
ax.text(2 / L, 0.95, " 2/L", color=PALETTE[0], transform=ax.get_xaxis_transform(), va="top")
ax.text(2 / eigenvalues.max(), 0.95, "2/λ_max ", color=PALETTE[1], ha="right",
        transform=ax.get_xaxis_transform(), va="top")
ax.set_yscale("log")
ax.set_xlabel("lr")
ax.set_ylabel("loss at the last step")
ax.legend(loc="lower right", fontsize="small")
plt.show()

# %% [markdown]
# ## 3. The MNIST CNN with a fixed rate
#
# For the CNN there is no L to compute by hand, so you try rates and watch the loss. First
# `SGD(lr=0.01)` against `Adam(lr=0.01)`, 3 epochs each. For a fair comparison
# both runs start from the same weights and see the batches in the same order:
# `seed_everything(0)` seeds torch before the model is built and returns the generator that
# orders the batches. The rate lives in `optimizer.param_groups[0]["lr"]`.

# %%
from lrcourse.models import MnistCNN
from lrcourse.plots import plot_runs
from lrcourse.train import fit


def run(optimizer_class, label, num_epochs=3, **optimizer_args):
    """Train a fresh MnistCNN, from the same start and data order every time."""
    generator = seed_everything(0)  # same initial weights, same batch order
    model = MnistCNN()
    optimizer = optimizer_class(model.parameters(), **optimizer_args)
    print(f"{label}: optimizer.param_groups[0]['lr'] = {optimizer.param_groups[0]['lr']}")
    return fit(model, mnist, optimizer, num_epochs=num_epochs, generator=generator,
               progress=False, label=label)


sgd = run(torch.optim.SGD, "SGD lr=0.01", lr=0.01)
adam = run(torch.optim.Adam, "Adam lr=0.01", lr=0.01)
for h in (sgd, adam):
    print(f"{h.label}: final val loss {h.final('val_loss'):.3f}, "
          f"val accuracy {h.final('val_acc'):.3f}")
plot_runs([sgd, adam])
plt.show()

# %% [markdown]
# The same number, 0.01, is a different step for each optimizer: SGD moves each weight by
# lr times its gradient, while Adam divides each gradient by a running estimate of its size
# first ([Kingma & Ba, 2014](https://arxiv.org/abs/1412.6980)). Compare the two curves above, and
# the printed final values, to see which one learned faster in 3 epochs on this data.
#
# ### One rate per parameter group
#
# `param_groups` is a list because an optimizer can hold several groups of parameters, each
# with its own rate. Pass a list of dicts instead of `model.parameters()`. A group that sets no
# `lr` takes the default given after the list. Here the last layer, `model[-1]`, gets a rate
# ten times larger than the rest:

# %% tags=["nbval-check-output"]
model = MnistCNN()
body = [p for layer in list(model)[:-1] for p in layer.parameters()]  # every layer but the last
optimizer = torch.optim.SGD([
    {"params": body},                                # takes the default lr below
    {"params": model[-1].parameters(), "lr": 0.1},  # the last nn.Linear
], lr=0.01, momentum=0.9)

for i, group in enumerate(optimizer.param_groups):
    print(f"group {i}: lr = {group['lr']}, momentum = {group['momentum']}, "
          f"{len(group['params'])} tensors")

# %% [markdown]
# ### Too small and too large, on MNIST
#
# Three rates of SGD, 2 epochs each from the same start: lr = 1e-4, lr = 0.05, and lr = 20
# with momentum 0.9. The loss axis is logarithmic when the losses span more than a factor of 100,
# and so is the rate axis here, to show all three rates.

# %%
runs = [
    run(torch.optim.SGD, "SGD lr=1e-4", num_epochs=2, lr=1e-4),
    run(torch.optim.SGD, "SGD lr=0.05", num_epochs=2, lr=0.05),
    run(torch.optim.SGD, "SGD lr=20, momentum=0.9", num_epochs=2, lr=20, momentum=0.9),
]
for h in runs:
    print(f"{h.label}: first batch loss {h.loss[0]:.3g}, largest batch loss {h.loss.max():.3g}, "
          f"final val accuracy {h.final('val_acc'):.3f}, diverged={h.diverged}")
axes = plot_runs(runs)
axes[0].get_legend().remove()  # the legend goes below the figure, where it hides no curve
axes[0].figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2,
                      fontsize="x-small")
axes[2].set_yscale("log")
plt.show()

# %% [markdown]
# Read the three curves above; on this data:
# - **lr = 1e-4 is too small**: the accuracy creeps up and is still low at the end, and on the
#   log axis its loss barely moves from the start.
# - **lr = 0.05** brings the loss down within the first epoch.
# - **lr = 20 with momentum is far too large**: the loss jumps orders of magnitude above its start
#   in the first batches, and the accuracy stays near chance (0.1 for ten digits).
#
# `fit` stops a run at once when its loss becomes `inf` or `nan`, with a one-line message, and
# the history says `diverged=True`. Look at the printed `diverged` values above: a run whose
# loss stays finite, however large, is trained to the end. The y = 2x model at lr = 1.0
# (factor 1 − 15 = −14 per step) does overflow:

# %% tags=["nbval-check-output"]
model = linear_model()
history = fit(model, data, torch.optim.SGD(model.parameters(), lr=1.0), num_epochs=100,
              batch_size=None, progress=False)
print("diverged:", history.diverged, "| steps taken:", history.num_steps)

# %% [markdown]
# ## 4. Train live
#
# `train_live` trains y = 2x with `torch.optim.SGD`: `nn.Linear(1, 1)` without a bias, w = 0 at
# the start, the four points in one batch, no scheduler. With `auto_train=True` it retrains at
# once each time you move a control.
#
# Try this: move **initial lr** across 2/L = 0.1333. Below it the loss curve falls; above it
# the loss curve climbs. Then switch the optimizer to momentum or Adam: the limit 2/L was derived
# for plain SGD, so it does not apply to them.

# %%
from lrcourse.widgets import train_live

train_live("y=2x (x=1..4)", "fixed", lr=0.1, num_epochs=30, auto_train=True)

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Keep y = 2x, but use six points, x = 1, 2, ..., 6. What is the largest
# learning rate for which plain gradient descent still converges? Compute it from the data.

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
answer = ...  # your code here

check("01.largest_stable_lr", answer)

# %% [markdown]
# **Exercise 2.** Build `MnistCNN()` and an SGD optimizer with two parameter groups:
# lr = 0.01 for every layer except the last one, `model[-1]`, which gets lr = 0.001.
# Give the check the pair `(model, optimizer)`.

# %% tags=["exercise"]
answer = ...  # your code here

check("01.last_layer_lr", answer)

# %% [markdown]
# ## Summary
#
# - For y_hat = w·x with the mean squared error, the loss is a parabola with curvature
#   L = 2·mean(x²). Each step of gradient descent multiplies the distance to the minimum by
#   1 − lr·L, so it converges only when lr < 2/L. At lr = 1/L it lands in one step.
# - Four regimes: too small (slow, one-sided), just right, oscillating (jumps over the minimum
#   but converges), diverging (each jump longer than the last).
# - With several parameters the limit is 2/λ_max, from the largest eigenvalue of the Hessian.
#   `torch.optim.SGD` on `nn.Linear(1, 1)` switched to diverging at the derived limit, with and
#   without a bias.
# - PyTorch keeps the rate in `optimizer.param_groups[i]["lr"]`, one per parameter group; a list
#   of dicts gives a layer its own rate.
# - On the MNIST CNN, on this data, too small a rate learned slowly and far too large a rate sent
#   the loss up and left the accuracy at chance.
#
# **Read more**: PyTorch's [`torch.optim` docs](https://pytorch.org/docs/stable/optim.html), in
# particular [per-parameter options](https://pytorch.org/docs/stable/optim.html#per-parameter-options);
# [`SGD`](https://pytorch.org/docs/stable/generated/torch.optim.SGD.html) and
# [`Adam`](https://pytorch.org/docs/stable/generated/torch.optim.Adam.html);
# the [gradient descent chapter of Dive into Deep Learning](https://d2l.ai/chapter_optimization/gd.html);
# Kingma & Ba, [Adam: A Method for Stochastic Optimization](https://arxiv.org/abs/1412.6980) (2014);
# and Cohen et al., [Gradient Descent on Neural Networks Typically Occurs at the Edge of
# Stability](https://arxiv.org/abs/2103.00065) (2021), on the 2/λ_max limit in neural networks.
#
# Next: **02_step_decay**, dropping the rate at fixed epochs.

# %%
print(f"This notebook's code ran in {time.perf_counter() - start:.0f} s on {describe_device(device)}.")

# %% [markdown]
# ## Solutions
#
# Open a cell to see a solution. Each one runs its check.

# %% tags=["solution"] jupyter={"source_hidden": true}
x6 = np.arange(1.0, 7.0)  # 1, 2, ..., 6
L6 = 2 * np.mean(x6 ** 2)  # the curvature
answer = 2 / L6

check("01.largest_stable_lr", answer)

# %% tags=["solution"] jupyter={"source_hidden": true}
model = MnistCNN()
body = [p for layer in list(model)[:-1] for p in layer.parameters()]
optimizer = torch.optim.SGD([
    {"params": body},
    {"params": model[-1].parameters(), "lr": 0.001},
], lr=0.01)
answer = (model, optimizer)

check("01.last_layer_lr", answer)
