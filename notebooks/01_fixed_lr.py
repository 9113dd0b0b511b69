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
# # See what the learning rate does: too small, just right, oscillating, diverging
#
# **What you'll learn**
# - why gradient descent on y = 2x converges exactly when 0 < lr < 2/L, and how to compute L
#   from the data;
# - the five exact regimes of a fixed rate (monotone, one step, oscillating, oscillating forever,
#   diverging), on plots and on a slider;
# - why momentum β moves the limit to 2(1 + β)/L, from the eigenvalues of a 2x2 recurrence,
#   confirmed by a sweep;
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
# The smallest regression there is, and a favourite of PyTorch introductions: four points
# x = 1, 2, 3, 4 with targets y = 2x.
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
# exactly when |1 − lr·L| < 1, that is when **0 < lr < 2/L**. So 2/L is the *supremum* of the
# rates that converge, not one of them: at lr = 2/L the factor is exactly −1, and w jumps
# between the same two points forever. At lr = 1/L the factor is 0, and a single step lands
# on w*. Compute L from the data:

# %% tags=["nbval-check-output"]
from lrcourse.toy import curvature, gd_regime, stability_limit

L = 2 * np.mean(x ** 2)
print(f"L = 2·mean(x²) = {L:g}")
print(f"1/L = {1 / L:.4f}  (one step lands on w* = 2)")
print(f"2/L = {2 / L:.4f}  (the stability limit: every lr below it converges, at it w oscillates forever)")
print("lrcourse agrees:", curvature(x) == L, stability_limit(x) == 2 / L)

# %% [markdown]
# The factor 1 − lr·L splits the rates into five exact regimes:
#
# | rate | factor 1 − lr·L | what w does |
# |---|---|---|
# | 0 < lr < 1/L | between 0 and 1 | approaches w* from one side (monotone): too small |
# | lr = 1/L | 0 | lands on w* in one step |
# | 1/L < lr < 2/L | between −1 and 0 | jumps over w* at every step, and converges |
# | lr = 2/L | −1 | jumps between two points forever |
# | lr > 2/L | below −1 | jumps farther at every step: diverges |
#
# One rate per regime. `gd_regime` names the regime from lr·L, with no other cut-off:

# %% tags=["nbval-check-output"]
lrs = [0.01, 1 / L, 0.12, 2 / L, 0.14]
for lr in lrs:
    print(f"lr = {lr:.4f}: factor 1 - lr·L = {1 - lr * L:+.2f} -> {gd_regime(lr, x)}")

# %% [markdown]
# Ten steps from w = 0 at each rate. The top row shows the iterates on the parabola, the
# bottom row the weight after each step (the dashed line is w* = 2):

# %%
from lrcourse.plots import PALETTE, new_axes

fig, axes = new_axes(2, 5, figsize=(14, 5.4))
for lr, ax_w, ax_step in zip(lrs, axes[0], axes[1]):
    path = gradient_descent_1d(x, y, lr, num_steps=10)
    span = np.linspace(min(path["w"].min(), 0) - 0.5, max(path["w"].max(), 4) + 0.5, 200)
    ax_w.plot(span, [np.mean((v * x - y) ** 2) for v in span], color="#999999")
    ax_w.plot(path["w"], path["loss"], "o-", color=PALETTE[0], ms=4)
    ax_w.set_title(f"lr = {lr:.4f}:\n{gd_regime(lr, x)}", fontsize="medium")
    ax_w.set_xlabel("w")
    ax_step.plot(path["w"], "o-", color=PALETTE[1], ms=4)
    ax_step.axhline(2, color="#999999", ls="--")
    ax_step.set_xlabel("step")
axes[0, 0].set_ylabel("loss")
axes[1, 0].set_ylabel("w")
plt.show()

# %% [markdown]
# - **Too small, monotone** (lr = 0.01, factor +0.85): w creeps towards 2 from below and is
#   still short of it after 10 steps.
# - **Just right** (lr = 1/L = 0.0667, factor 0): one step lands on w* = 2.
# - **Oscillating** (lr = 0.12, factor −0.80): each step jumps over w*, to the other side of the
#   parabola, and the jumps shrink.
# - **Oscillating forever** (lr = 2/L = 0.1333, factor −1): w jumps between 0 and 4, and the
#   loss stays where it started.
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
# `nn.MSELoss` is the same mean squared error. The loop is the standard PyTorch training loop:
# `zero_grad`, the loss, `backward`, `optimizer.step()`. It runs on the device printed at the top.

# %% tags=["nbval-check-output"]
from lrcourse.data import linear_data
from lrcourse.models import linear_model

data = linear_data(device)  # x = 1..4 as a (4, 1) tensor, y = 2x
loss_fn = nn.MSELoss()


def train_linear(model, lr, num_steps, momentum=0.0):
    """Full-batch SGD on y = 2x; returns the loss before each step."""
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
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
# of the derived limit 2/L = 0.1333. (The grid has no point at exactly 2/L; there the loss would
# stay at its first value forever, neither falling nor growing.)
#
# ### Aside: `nn.Linear(1, 1)` with a bias
#
# Most introductions write `nn.Linear(1, 1)` with its bias, which `linear_model(init=None)` gives you
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
# derived limit, here 0.115 and 0.120 around 2/λ_max = 0.1198. The classic `SGD(lr=0.1)` on this
# data is below both limits, which is why it converges. In the plot below, a log axis has
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
# ## 3. Momentum moves the limit to 2(1 + β)/L
#
# From notebook 02 on, the SGD runs on the MNIST CNN use `SGD(momentum=0.9)` (`OneCycleLR` in 05
# cycles it; the other MNIST runs use Adam, AdamW, RAdam, Ranger or schedule-free optimizers; section 4 below uses plain SGD and Adam), so for SGD the
# limit that matters is the one *with* momentum. `torch.optim.SGD` with momentum β keeps a velocity v:
# v ← β·v + dloss/dw, then w ← w − lr·v. Eliminate v and write e_t = w_t − w* for the distance
# to the minimum: this is Polyak's heavy ball,
#
# $$e_{t+1} = (1 + \beta - \text{lr}\cdot L)\,e_t - \beta\,e_{t-1}.$$
#
# Each step now depends on the last *two* distances, so it is a 2x2 linear recurrence on the
# pair (e_t, e_{t−1}):
#
# $$\begin{pmatrix} e_{t+1} \\ e_t \end{pmatrix} = \underbrace{\begin{pmatrix} 1 + \beta - \text{lr}\,L & -\beta \\ 1 & 0 \end{pmatrix}}_{M} \begin{pmatrix} e_t \\ e_{t-1} \end{pmatrix}.$$
#
# It converges exactly when both eigenvalues z of M lie inside the unit circle. They solve
# z² − (1 + β − lr·L)·z + β = 0, so their product is β and their sum 1 + β − lr·L.
# - If they are complex, both have |z| = √β < 1: w spirals in, whatever the rate.
# - If they are real, both lie in (−1, 1) exactly when the quadratic is positive at z = 1 and at
#   z = −1: at z = 1 it is lr·L > 0, always true; at z = −1 it is 2(1 + β) − lr·L > 0.
#
# So gradient descent with momentum converges exactly when **0 < lr < 2(1 + β)/L**. With β = 0
# this is 2/L again; at the limit itself one eigenvalue is exactly −1, and w oscillates forever.
# Here are the eigenvalues of M for β = 0.9 at a few rates; the largest |z| is the factor by
# which the distance shrinks per step, in the long run:

# %% tags=["nbval-check-output"]
from lrcourse.toy import heavy_ball_limit

beta = 0.9
limit_hb = 2 * (1 + beta) / L
print(f"2(1 + β)/L = {limit_hb:.4f} for β = {beta}  (heavy_ball_limit agrees: "
      f"{heavy_ball_limit(x, beta) == limit_hb}); plain SGD's 2/L = {2 / L:.4f}")
for lr in (0.01, 2 / L, 0.25, limit_hb, 0.26):
    M = np.array([[1 + beta - lr * L, -beta], [1.0, 0.0]])
    z = np.linalg.eigvals(M)
    print(f"lr = {lr:.4f}: eigenvalues {np.round(z, 3)}, largest |z| = {np.abs(z).max():.3f}")

# %% [markdown]
# At lr = 2/L = 0.1333, where plain gradient descent oscillates forever, the eigenvalues are
# complex with |z| = √0.9 = 0.949: momentum still converges. The largest |z| reaches 1 at
# 2(1 + β)/L = 0.2533 and passes it just above.
#
# **The sweep.** Run 300 steps from w = 0 at every rate on a grid, with β = 0 and β = 0.9, and
# record the final distance |w − w*|. `gradient_descent_1d(..., momentum=β)` makes the same update
# as `torch.optim.SGD(momentum=β)`. A run converged if the distance shrank from its start, 2:

# %% tags=["nbval-check-output"]
grid = np.round(np.arange(0.005, 0.3001, 0.005), 4)
final = {}
for b in (0.0, beta):
    final[b] = np.array([abs(gradient_descent_1d(x, y, float(lr), num_steps=300, momentum=b)["w"][-1] - 2)
                         for lr in grid])
    converged = final[b] < 2  # nan (an overflow) counts as not converged
    print(f"β = {b}: last rate that converges {grid[converged].max():.3f}, "
          f"first that does not {grid[~converged].min():.3f}; derived limit {heavy_ball_limit(x, b):.4f}")

# %% [markdown]
# For β = 0 the switch falls between 0.130 and 0.135, around 2/L = 0.1333; for β = 0.9 between
# 0.250 and 0.255, around 2(1 + β)/L = 0.2533. The same check with `torch.optim.SGD` itself, on
# either side of the momentum limit:

# %% tags=["nbval-check-output"]
for lr in (0.98 * limit_hb, 1.02 * limit_hb):
    model = linear_model()
    losses = train_linear(model, lr, num_steps=300, momentum=beta)
    print(f"SGD(lr={lr:.4f}, momentum={beta}): |w - w*| after 300 steps = "
          f"{abs(model.weight.item() - 2):.3g}")

# %%
fig, ax = new_axes(figsize=(7, 3.4))
for b, color in ((0.0, PALETTE[0]), (beta, PALETTE[1])):
    shown = np.clip(np.nan_to_num(final[b], nan=1e12, posinf=1e12), 1e-16, 1e12)
    ax.semilogy(grid, shown, "o-", ms=3, color=color, label=f"momentum β = {b}")
    ax.axvline(heavy_ball_limit(x, b), color=color, ls="--", lw=1)
ax.text(2 / L, 0.95, " 2/L", color=PALETTE[0], transform=ax.get_xaxis_transform(), va="top")
ax.text(limit_hb, 0.95, "2(1+β)/L ", color=PALETTE[1], ha="right", transform=ax.get_xaxis_transform(),
        va="top")
ax.set_xlabel("lr")
ax.set_ylabel("|w − w*| after 300 steps")
ax.legend(loc="center left", fontsize="small")
plt.show()

# %% [markdown]
# The plot shows the final distance jumping up by many orders of magnitude at each dashed line
# (distances are clipped to `1e-16` below and `1e12` above). Left of its line, each curve is small.
#
# **Is momentum also faster?** Below 2/L both converge, so compare the two final distances rate
# by rate:

# %% tags=["nbval-check-output"]
below = grid < 2 / L  # the rates where both converge
momentum_nearer = final[beta][below] < final[0.0][below]
print(f"β = 0 ends nearer to w* at {(~momentum_nearer).sum()} of {below.sum()} grid rates below 2/L; "
      f"β = {beta} at lr = {grid[below][momentum_nearer]}")
for lr in (0.125, 0.130):
    i = np.argmin(abs(grid - lr))
    print(f"lr = {lr:.3f}: |1 - lr·L| = {abs(1 - lr * L):.3f}, √β = {np.sqrt(beta):.3f}; |w - w*| = "
          f"{final[0.0][i]:.2g} for β = 0, {final[beta][i]:.2g} for β = {beta}")
print(f"|1 - lr·L| < √β exactly for {(1 - np.sqrt(beta)) / L:.4f} < lr < {(1 + np.sqrt(beta)) / L:.4f}")

# %% [markdown]
# The eigenvalues explain it. For β = 0.9 they are complex when
# $(1 - \sqrt{\beta})^2 < \text{lr}\cdot L < (1 + \sqrt{\beta})^2$, which holds at every grid rate up
# to 0.250, and then both have $|z| = \sqrt{\beta} = 0.949$ whatever the rate: their product is β,
# so the larger |z| is never below √β. Plain gradient descent shrinks the distance by
# $|1 - \text{lr}\cdot L|$ per step, which beats √β exactly when
# $(1 - \sqrt{\beta})/L < \text{lr} < (1 + \sqrt{\beta})/L$, here 0.0034 < lr < 0.1299. So β = 0
# ends nearer to w* at 25 of 26 grid rates below 2/L, every one up to 0.125 (there 8.9e-16
# against 3.7e-7), and β = 0.9 only at 0.130, the one grid rate between $(1 + \sqrt{\beta})/L$ and
# 2/L: there $|1 - \text{lr}\cdot L| = 0.950$ is just above √β, and the distances are 4.2e-7 for
# β = 0 and 2.8e-7 for β = 0.9. On one well-conditioned weight, momentum buys a larger stable
# range; it is faster only where plain gradient descent's factor is close to ±1: in the sliver
# just below 2/L, where w nearly oscillates forever, and, off this grid, at rates below 0.0034,
# where w crawls.
#
# **The condition number.** Here there is one weight, so the curvature is the single number L,
# and its condition number κ = λ_max/λ_min is 1: the rate 1/L is perfect in the only direction
# there is. With several weights, κ is the ratio of the largest to the smallest eigenvalue of
# the Hessian. The rate must stay below 2/λ_max for the sharpest direction, so along the flattest
# one each step shrinks the distance by a factor of at least 1 − 2/κ: a large κ makes plain
# gradient descent slow, and that is where momentum pays off (its best factor is about
# 1 − 2/√κ; [Goh, 2017](https://distill.pub/2017/momentum/)). For `nn.Linear(1, 1)` with its bias,
# in section 2:

# %% tags=["nbval-check-output"]
print(f"κ = λ_max / λ_min = {eigenvalues.max():.4f} / {eigenvalues.min():.4f} = "
      f"{eigenvalues.max() / eigenvalues.min():.1f}")

# %% [markdown]
# ## 4. The MNIST CNN with a fixed rate
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
# first ([Kingma & Ba, 2014](https://arxiv.org/abs/1412.6980)). On the offline sample, after
# 3 epochs, Adam at 0.01 reached a validation loss of 0.218 and a validation accuracy of 0.958,
# SGD at 0.01 0.351 and 0.896. In the plot Adam's first batch losses jump above SGD's, then its
# epoch-mean training and validation losses stay below SGD's at every epoch: here the same number
# is a much larger effective step for Adam. This is one seed each, so it
# shows what the number means to each optimizer, not a ranking of the two.
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
# Three rates of plain SGD (no momentum), 2 epochs each from the same start: lr = 1e-4,
# lr = 0.05 and lr = 20. Only the rate differs. The loss axis is logarithmic when the losses span
# more than a factor of 100, and so is the rate axis here, to show all three rates. The loss axis
# stops at `loss_top = 10`, so that the two runs that stay finite keep the figure; an arrow marks
# the step where a run leaves the chart, and the printout gives its largest loss.

# %%
runs = [
    run(torch.optim.SGD, "SGD lr=1e-4", num_epochs=2, lr=1e-4),
    run(torch.optim.SGD, "SGD lr=0.05", num_epochs=2, lr=0.05),
    run(torch.optim.SGD, "SGD lr=20", num_epochs=2, lr=20),
]
for h in runs:
    print(f"{h.label}: first batch loss {h.loss[0]:.3g}, largest batch loss {h.loss.max():.3g}, "
          f"final val accuracy {h.final('val_acc'):.3f}, diverged={h.diverged}")
axes = plot_runs(runs)
loss_top = 10  # the loss axis stops here: a run above it has left the chart
axes[0].set_ylim(top=loss_top)
for h in runs:
    if h.loss.max() > loss_top:
        step = int(np.argmax(h.loss > loss_top))  # the first batch above the top
        print(f"{h.label}: batch loss above {loss_top} from step {step + 1}, off the chart")
        axes[0].annotate(f"{h.label} leaves the chart", xy=(step, loss_top), xytext=(0.35, 0.9),
                         textcoords="axes fraction", fontsize="x-small", arrowprops={"arrowstyle": "->"})
axes[0].get_legend().remove()  # the legend goes below the figure, where it hides no curve
axes[0].figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2,
                      fontsize="x-small")
axes[2].set_yscale("log")
plt.show()

# %% [markdown]
# What the three runs show, on the offline sample (one seed, 2 epochs each):
# - **lr = 1e-4 is too small**: its largest batch loss, 2.43, is barely above its first, 2.31,
#   the loss barely moves on the log axis, and the final validation accuracy is only 0.280.
# - **lr = 0.05** brings the loss down within the first epoch and ends at a validation accuracy
#   of 0.884.
# - **lr = 20 is far too large**: a batch loss reaches 1.51e+17, and the validation accuracy ends
#   at 0.100, chance for ten digits.
#
# `fit` stops a run at once when its loss becomes `inf` or `nan`, with a one-line message, and
# the history says `diverged=True`. Look at the printed `diverged` values above: a run whose
# loss stays finite, however large, is trained to the end. The y = 2x model at `lr=1.0`
# (factor $1 - \text{lr}\cdot L = 1 - 15 = -14$ per step) does overflow:

# %% tags=["nbval-check-output"]
model = linear_model()
history = fit(model, data, torch.optim.SGD(model.parameters(), lr=1.0), num_epochs=100,
              batch_size=None, progress=False)
print("diverged:", history.diverged, "| steps taken:", history.num_steps)

# %% [markdown]
# ## 5. Train live
#
# `train_live` trains y = 2x with `torch.optim.SGD`: `nn.Linear(1, 1)` without a bias, w = 0 at
# the start, the four points in one batch, no scheduler. With `auto_train=True` it retrains at
# once each time you move a control.
#
# Try this: move **initial lr** across 2/L = 0.1333. Below it the loss curve falls; above it
# the loss curve climbs. Then switch the optimizer to SGD with momentum 0.9: section 3 derived its
# limit, 2(1 + β)/L = 0.2533. For Adam neither limit applies, because it rescales each gradient.

# %%
from lrcourse.widgets import train_live

train_live("y=2x (x=1..4)", "fixed", lr=0.1, num_epochs=30, auto_train=True)

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a `check(...)` call that says ✅ when your answer is right, or gives
# a hint. Replace each `...` with your answer and run the cell.
#
# **Exercise 1.** Keep y = 2x, but use six points, x = 1, 2, ..., 6. Compute the stability limit
# of plain gradient descent from the data: the rate below which every rate converges (at the
# limit itself, w oscillates forever).

# %%
from lrcourse.checks import check

# %% tags=["exercise"]
answer = ...  # your code here

check("01.stability_limit", answer)

# %% [markdown]
# **Exercise 2 (predict, then verify).** Build `MnistCNN()` and an SGD optimizer with two
# parameter groups: lr = 0.01 for every layer except the last one, `model[-1]`, which gets
# lr = 0.001. Before you attach a scheduler, predict the rate of each group in epoch 4 under
# `StepLR(step_size=2, gamma=0.1)`, stepped once per epoch, as a list `[body, last layer]`.
# Give the check `(model, optimizer, predicted)`: it steps `StepLR` on copies of your groups
# and compares. Then verify it yourself: attach the scheduler, step it three times, and print
# `[g["lr"] for g in optimizer.param_groups]`.

# %% tags=["exercise"]
answer = ...  # your code here

check("01.last_layer_lr", answer)

# %% [markdown]
# **Exercise 3 (predict, then verify).** Same six points, x = 1, ..., 6, but now
# `torch.optim.SGD` with momentum β = 0.5. Predict the rate where it stops converging, with
# pencil and paper from section 3, before you run anything. The check then runs `SGD(momentum=0.5)`
# just below and just above your number and tells you what happened. To watch it yourself,
# sweep `gradient_descent_1d(x6, 2 * x6, lr, num_steps=300, momentum=0.5)` around your number,
# with `x6 = np.arange(1.0, 7.0)`.

# %% tags=["exercise"]
predicted_limit = ...  # your code here

check("01.momentum_limit", predicted_limit)

# %% [markdown]
# ## Summary
#
# - For y_hat = w·x with the mean squared error, the loss is a parabola with curvature
#   L = 2·mean(x²). Each step of gradient descent multiplies the distance to the minimum by
#   1 − lr·L, so it converges exactly when 0 < lr < 2/L; 2/L is the supremum, where w oscillates
#   forever. At lr = 1/L it lands in one step.
# - Five exact regimes: monotone (too small, one-sided), one step at 1/L, oscillating (jumps over
#   the minimum but converges), oscillating forever at 2/L, diverging (each jump longer than the last).
# - With momentum β the update is a 2x2 linear recurrence; its eigenvalues stay inside the unit
#   circle exactly when lr < 2(1 + β)/L: 0.2533 instead of 0.1333 for β = 0.9 on x = 1..4, as the
#   sweep confirmed. From notebook 02 on, the SGD runs on the MNIST CNN use β = 0.9.
# - With several parameters the limit is 2/λ_max, from the largest eigenvalue of the Hessian, and
#   the condition number κ = λ_max/λ_min says how slow the flattest direction is (κ = 1 for one weight).
#   `torch.optim.SGD` on `nn.Linear(1, 1)` switched to diverging between the two grid rates
#   around the derived limit, with and without a bias.
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
# Polyak, [Some methods of speeding up the convergence of iteration methods](https://doi.org/10.1016/0041-5553(64)90137-5)
# (1964), the heavy ball; Goh, [Why Momentum Really Works](https://distill.pub/2017/momentum/) (Distill, 2017);
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

check("01.stability_limit", answer)


# %% tags=["solution"] jupyter={"source_hidden": true}
model = MnistCNN()
body = [p for layer in list(model)[:-1] for p in layer.parameters()]
optimizer = torch.optim.SGD([
    {"params": body},
    {"params": model[-1].parameters(), "lr": 0.001},
], lr=0.01)
# StepLR multiplies each group's own rate by gamma; epoch 4 comes after 3 steps, one drop (at step 2)
predicted = [0.01 * 0.1, 0.001 * 0.1]
answer = (model, optimizer, predicted)

check("01.last_layer_lr", answer)

# %% tags=["solution"] jupyter={"source_hidden": true}
x6 = np.arange(1.0, 7.0)
L6 = 2 * np.mean(x6 ** 2)
predicted_limit = 2 * (1 + 0.5) / L6  # heavy ball: 2(1 + β)/L

check("01.momentum_limit", predicted_limit)
