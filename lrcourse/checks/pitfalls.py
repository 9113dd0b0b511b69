"""The checks of notebook 07_pitfalls' exhibits where a scheduler is built or stepped wrong.

1 ``07.fix_silent_loop``, 2 ``07.fix_step_order``, 3 ``07.fix_onecycle_steps`` and
``07.fix_cosine_units`` (units), 4 ``07.fix_accumulation``, 5 ``07.fix_plateau_metric`` (and
the losses the notebook imports, :data:`PLATEAU_PITFALL_LOSSES`), 7 ``07.fix_group_rates``,
8 ``07.fix_warmup_zero``. Each runs the learner's fix on a tiny problem with
:mod:`lrcourse.checks.harness`. Section 6 (resume) is in :mod:`lrcourse.checks.pitfalls_workflow`,
the exercises in :mod:`lrcourse.checks.pitfalls_exercises`.
Tested in ``tests/checks/test_pitfalls.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, OneCycleLR, ReduceLROnPlateau, StepLR

from ..curves import lr_curve
from ..optim import probe_optimizer
from .core import exercise, require_answer
from .harness import (as_rates, curve_of, fmt, loop_problem, need_function, quietly, record_steps,
                      reference_loop, run_loop)

__all__ = ["PLATEAU_PITFALL_LOSSES"]


# --------------------------------------------------------------------------- 1. the silent loop
@exercise("07.fix_silent_loop", "a function train(model, optimizer, scheduler, batches, num_epochs) that, for "
                                "every batch, calls optimizer.zero_grad(), computes the MSE loss, calls "
                                "loss.backward() and optimizer.step(); steps the scheduler once per epoch; and "
                                "returns the rate it reports after each epoch, read with get_last_lr().")
def _fix_silent_loop(answer):
    need_function(answer, "train(model, optimizer, scheduler, batches, num_epochs)")

    def make(opt):
        return StepLR(opt, step_size=2, gamma=0.5)

    num_epochs, num_batches, lr = 4, 2, 0.1
    run = run_loop(answer, make, num_epochs, num_batches, lr)
    reference = reference_loop(make, num_epochs, num_batches, lr)
    reference["weight_no_zero_grad"] = reference_loop(make, num_epochs, num_batches, lr, zero_grad=False)["weight"]
    problem = loop_problem(run, reference, num_epochs, num_batches)
    if problem:
        if any("get_last_lr" in w for w in run["warnings"]):
            problem += (" And torch warned at every get_lr() call: the rate you report is not the one the "
                        "optimizer holds.")
        return False, problem
    if run["scheduler"].last_epoch != num_epochs:
        return False, (f"scheduler.step() ran {run['scheduler'].last_epoch} times in {num_epochs} epochs; "
                       "StepLR counts epochs: step it once per epoch, after the batches.")
    if run["lr"] != reference["lr"]:
        return False, (f"The optimizer steps used the rates {fmt(run['lr'])}, expected {fmt(reference['lr'])}: "
                       "call scheduler.step() after the epoch's optimizer.step() calls.")
    reported = as_rates(run["returned"])
    if reported is None or len(reported) != num_epochs:
        return False, (f"Return the rate you report after each epoch ({num_epochs} numbers), e.g. "
                       "reported.append(scheduler.get_last_lr()[0]). You returned "
                       f"{type(run['returned']).__name__}.")
    used_per_epoch = reference["lr"][::num_batches]
    if np.allclose(reported, reference["after_epoch"], rtol=1e-12):
        return True, (f"The weight moves (w = {run['weight']:.4f}) and the rates you report, "
                      f"{fmt(reported)}, are the ones the optimizer holds: get_last_lr().")
    if np.allclose(reported, used_per_epoch, rtol=1e-12):
        return True, (f"The weight moves (w = {run['weight']:.4f}) and you report the rate each epoch "
                      f"used, {fmt(reported)}.")
    if any("get_last_lr" in w for w in run["warnings"]):
        return False, (f"You report {fmt(reported)}, but the optimizer held {fmt(reference['after_epoch'])}. "
                       "get_lr() computes the NEXT step's rate (torch warned: use get_last_lr()); at a "
                       "StepLR drop it applies gamma twice. Read scheduler.get_last_lr()[0].")
    return False, (f"You report {fmt(reported)}, but the optimizer held {fmt(reference['after_epoch'])} after "
                   "each epoch. Read scheduler.get_last_lr()[0] after scheduler.step().")


# --------------------------------------------------------------------------- 2. step order
@exercise("07.fix_step_order", "a function train(model, optimizer, scheduler, batches, num_epochs) that runs "
                               "zero_grad, loss, backward and optimizer.step() for every batch, and calls "
                               "scheduler.step() once per epoch, after that epoch's optimizer steps.")
def _fix_step_order(answer):
    need_function(answer, "train(model, optimizer, scheduler, batches, num_epochs)")

    def make(opt):
        return StepLR(opt, step_size=1, gamma=0.5)

    num_epochs, num_batches, lr = 3, 2, 0.1
    run = run_loop(answer, make, num_epochs, num_batches, lr)
    reference = reference_loop(make, num_epochs, num_batches, lr)
    order_warned = any("before `optimizer.step()`" in w for w in run["warnings"])
    if run["lr"] and not math.isclose(run["lr"][0], lr) and order_warned:
        return False, (f"In the check's run (StepLR(step_size=1, gamma=0.5) from lr={lr:g}), your first "
                       f"optimizer.step() used lr={run['lr'][0]:.4g}, not the initial {lr:g}: "
                       "scheduler.step() ran before it, so the schedule's first rate was skipped, and torch "
                       "warned 'Detected call of `lr_scheduler.step()` before `optimizer.step()`'.")
    problem = loop_problem(run, reference, num_epochs, num_batches, check_weight=False)
    if problem:
        return False, problem
    used = run["lr"]
    if used != reference["lr"]:
        within = any(used[e * num_batches] != used[e * num_batches + b]
                     for e in range(num_epochs) for b in range(1, num_batches))
        if within:
            return False, (f"The rate changes inside an epoch ({fmt(used)}): you step StepLR after every "
                           "batch, but its step_size counts epochs. Step it once, after the batch loop.")
        return False, (f"The optimizer steps used {fmt(used)}, expected {fmt(reference['lr'])}: step the "
                       "scheduler once per epoch, after optimizer.step().")
    problem = loop_problem(run, reference, num_epochs, num_batches)
    if problem:
        return False, problem
    return True, (f"The first epoch runs at {used[0]:g}, and each later epoch halves it: {fmt(used[::num_batches])}. "
                  "No warning from torch.")


# --------------------------------------------------------------------------- 3. OneCycleLR per epoch
@exercise("07.fix_onecycle_steps", "a function train(model, optimizer, batches, num_epochs) that builds "
                                   "OneCycleLR(optimizer, max_lr=0.1, ...) for the whole run and steps it "
                                   "after every batch's optimizer.step().")
def _fix_onecycle_steps(answer):
    need_function(answer, "train(model, optimizer, batches, num_epochs)")
    num_epochs, num_batches, lr = 3, 8, 0.01
    n = num_epochs * num_batches
    run = run_loop(answer, None, num_epochs, num_batches, lr, momentum=0.9, with_scheduler=False)
    reference = reference_loop(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=n), num_epochs,
                                num_batches, lr, momentum=0.9, per="batch")
    err = run["error"]
    if isinstance(err, ValueError) and "Tried to step" in str(err):
        return False, (f"OneCycleLR raised '{str(err).strip()}': in the check's run of {num_epochs} epochs of "
                       f"{num_batches} batches, your loop called scheduler.step() more often than the cycle was "
                       "sized for.")
    problem = loop_problem(run, reference, num_epochs, num_batches, check_weight=False)
    if problem:
        return False, problem
    used, expected = np.array(run["lr"]), np.array(reference["lr"])
    if np.allclose(used, expected, rtol=1e-9):
        problem = loop_problem(run, reference, num_epochs, num_batches)
        if problem:
            return False, problem
        return True, (f"The rate climbs from {used[0]:.3g} to {used.max():.3g} at batch {int(used.argmax())} and "
                      f"falls to {used[-1]:.2g} at the last of the {n} batches: one cycle over the whole run.")
    per_epoch = used.reshape(num_epochs, num_batches)
    if np.all(per_epoch == per_epoch[:, :1]) and not np.all(used == used[0]):
        return False, (f"The rate changes only between epochs ({fmt(per_epoch[:, 0])}) and peaks at "
                       f"{used.max():.3g}, not 0.1: you step OneCycleLR once per epoch, so it walks only "
                       f"{num_epochs} of its {n} steps.")
    if np.all(used == used[0]):
        return False, f"The rate stays at {used[0]:.3g} for all {n} batches: no schedule reached the optimizer."
    if not math.isclose(used[0], expected[0], rel_tol=1e-6):
        return False, (f"The first batch used {used[0]:.3g}; one cycle starts at max_lr / 25 = {expected[0]:.3g}: "
                       "its first rate was skipped.")
    if not math.isclose(used.max(), 0.1, rel_tol=1e-3):
        return False, (f"The peak rate is {used.max():.3g} at batch {int(used.argmax())}; with max_lr=0.1 over "
                       f"{n} batches it is 0.1 at batch {int(expected.argmax())}: how many steps is your cycle "
                       "sized for?")
    worst = int(np.argmax(np.abs(used - expected)))
    return False, (f"At batch {worst} your rate is {used[worst]:.4g}, one cycle over the {n} batches (default "
                   f"settings) gives {expected[worst]:.4g}.")


# --------------------------------------------------------------------------- 4. gradient accumulation
def _accumulate_reference(model, optimizer, scheduler, batches, num_epochs, accum_steps=2):
    for _ in range(num_epochs):
        for i, (x, y) in enumerate(batches):
            (F.mse_loss(model(x), y) / accum_steps).backward()
            if (i + 1) % accum_steps == 0:
                optimizer.step()
                optimizer.zero_grad()
                scheduler.step()


@exercise("07.fix_accumulation", "a function train(model, optimizer, scheduler, batches, num_epochs, accum_steps=2) "
                                 "that adds the gradients of accum_steps batches (each loss divided by accum_steps), "
                                 "then calls optimizer.step(), optimizer.zero_grad() and scheduler.step(): one "
                                 "scheduler step per optimizer step.")
def _fix_accumulation(answer):
    need_function(answer, "train(model, optimizer, scheduler, batches, num_epochs, accum_steps=2)")
    num_epochs, num_batches, lr = 3, 4, 0.1
    n = num_epochs * num_batches // 2  # optimizer steps

    def make(opt):
        return CosineAnnealingLR(opt, T_max=n)
    run = run_loop(answer, make, num_epochs, num_batches, lr)
    ref = run_loop(_accumulate_reference, make, num_epochs, num_batches, lr)
    if run["error"] is not None:
        return False, f"Running your function raised {type(run['error']).__name__}: {run['error']}"
    calls = run["scheduler"].last_epoch
    if len(run["lr"]) != n:
        return False, (f"optimizer.step() ran {len(run['lr'])} times for {num_epochs} epochs of {num_batches} "
                       f"batches with accum_steps=2; it should run {n} times: once every 2 batches.")
    if calls != n:
        return False, (f"scheduler.step() ran {calls} times for {n} optimizer steps: the schedule runs "
                       f"{calls / n:g}x too fast (the rates used were {fmt(run['lr'])}, not {fmt(ref['lr'])}).")
    if not np.allclose(run["lr"], ref["lr"], rtol=1e-9):
        return False, f"The optimizer steps used {fmt(run['lr'])}, expected {fmt(ref['lr'])}."
    if not math.isclose(run["weight"], ref["weight"], rel_tol=1e-6):
        return False, (f"The rates are right, but w = {run['weight']:.5g}, expected {ref['weight']:.5g}: add "
                       "loss / accum_steps for each batch, and zero the gradients only after optimizer.step().")
    return True, (f"{n} optimizer steps and {n} scheduler steps: the cosine sized in optimizer steps ends where "
                  f"it should, at {run['lr'][-1]:.3g} on the last step.")


# --------------------------------------------------------------------------- 5. ReduceLROnPlateau
#: the validation losses of exhibit 07.fix_plateau_metric: falling during the warmup, then flattening
PLATEAU_PITFALL_LOSSES = [2.0, 1.5, 1.2, 1.0, 0.9, 0.95, 0.97, 0.85, 0.9, 0.92, 0.93, 0.94]


def _warmup_then_plateau(optimizer, val_losses):
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    for epoch, val_loss in enumerate(val_losses):
        optimizer.step()  # one epoch of training
        if epoch < 3:
            warmup.step()
        else:
            plateau.step(val_loss)


@exercise("07.fix_plateau_metric", "a function train(optimizer, val_losses) that, for each epoch's validation "
                                   "loss, calls optimizer.step() (the epoch's training) and then steps a LinearLR "
                                   "warmup (start_factor=0.1, total_iters=3) for the first 3 epochs, and "
                                   "ReduceLROnPlateau(factor=0.5, patience=1) with that loss after them.")
def _fix_plateau_metric(answer):
    need_function(answer, "train(optimizer, val_losses)")
    losses = PLATEAU_PITFALL_LOSSES
    opt = probe_optimizer("sgd", 0.1)
    seen = record_steps(opt)
    _, _, error = quietly(answer, opt, list(losses))
    ref_opt = probe_optimizer("sgd", 0.1)
    expected = record_steps(ref_opt)["lr"]
    _warmup_then_plateau(ref_opt, losses)
    if isinstance(error, TypeError) and "metrics" in str(error):
        return False, ("ReduceLROnPlateau.step() needs the number it watches: torch raised "
                       f"'{error}' at the first epoch after the warmup.")
    if isinstance(error, ValueError) and "ReduceLROnPlateau" in str(error):
        return False, ("SequentialLR cannot hold ReduceLROnPlateau, because it steps its schedulers without a "
                       "metric (torch raised a ValueError when it was built).")
    if error is not None:
        return False, f"Running your function raised {type(error).__name__}: {error}"
    used = seen["lr"]
    if len(used) != len(losses):
        return False, (f"optimizer.step() ran {len(used)} times for {len(losses)} epochs: call it once per "
                       "epoch, before stepping the schedule.")
    if np.allclose(used, expected, rtol=1e-9):
        drops = [e for e in range(1, len(used)) if used[e] < used[e - 1]]
        return True, (f"Warmup {fmt(used[:4])}, then the plateau halves the rate from epochs {drops} on "
                      "(0-based), when the validation loss stopped improving.")
    epoch = next(e for e in range(len(used)) if not math.isclose(used[e], expected[e], rel_tol=1e-9))
    where = "during the warmup: LinearLR(start_factor=0.1, total_iters=3), stepped for epochs 0-2" if epoch < 4 \
        else "after the warmup: ReduceLROnPlateau(factor=0.5, patience=1), stepped with each epoch's val loss"
    return False, (f"At epoch {epoch} (0-based) your rate is {used[epoch]:.4g}, the target is "
                   f"{expected[epoch]:.4g}: {where}.")


# --------------------------------------------------------------------------- 6. cosine units
@exercise("07.fix_cosine_units", "a function cosine_for(optimizer, num_epochs, steps_per_epoch) that returns a "
                                 "CosineAnnealingLR stepped after every batch, going from the initial rate down "
                                 "to 0 over the whole run.")
def _fix_cosine_units(answer):
    need_function(answer, "cosine_for(optimizer, num_epochs, steps_per_epoch)")
    for num_epochs, steps_per_epoch in ((10, 20), (3, 7)):
        n = num_epochs * steps_per_epoch
        lrs = curve_of(lambda opt: answer(opt, num_epochs, steps_per_epoch), n, lr=0.1)
        expected = lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=n), n, lr=0.1)
        if np.allclose(lrs, expected, rtol=1e-9, atol=1e-12):
            continue
        low = int(lrs.argmin())
        if low < n - 2 and lrs[-1] > lrs[low] + 1e-9:
            return False, (f"With {num_epochs} epochs of {steps_per_epoch} batches your rate bottoms out at batch "
                           f"{low} and climbs back to {lrs[-1]:.3g} by the last batch: the cosine keeps going past "
                           f"T_max, and this run steps it {n} times.")
        worst = int(np.argmax(np.abs(lrs - expected)))
        return False, (f"With {num_epochs} epochs of {steps_per_epoch} batches, at batch {worst} your rate is "
                       f"{lrs[worst]:.4g}; a cosine from the initial rate to 0 over the {n} batches gives "
                       f"{expected[worst]:.4g}.")
    return True, ("T_max = num_epochs * steps_per_epoch: the cosine falls once over the whole run, "
                  "for 10 x 20 and for 3 x 7 batches.")



# --------------------------------------------------------------------------- 7. per-group rates
@exercise("07.fix_group_rates", "a function one_cycle_for(optimizer, total_steps) that returns a OneCycleLR whose "
                                "peak for each parameter group is that group's own lr (a list for max_lr).")
def _fix_group_rates(answer):
    need_function(answer, "one_cycle_for(optimizer, total_steps)")
    lrs, n = (0.001, 0.01), 20
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    opt = torch.optim.SGD(groups, lr=lrs[1], momentum=0.9)
    sched, _, error = quietly(answer, opt, n)
    if error is not None:
        return False, f"Building your scheduler raised {type(error).__name__}: {error}"
    require_answer(sched)
    peaks = [0.0, 0.0]
    for _ in range(n):
        peaks = [max(p, g["lr"]) for p, g in zip(peaks, opt.param_groups)]
        opt.step()
        sched.step()
    ratio = peaks[1] / peaks[0] if peaks[0] else math.inf
    if not isinstance(sched, OneCycleLR):
        return False, f"Return a OneCycleLR (you returned {type(sched).__name__})."
    if math.isclose(ratio, 1.0, rel_tol=1e-6):
        return False, (f"Both groups peak at {peaks[0]:.3g}: a single number for max_lr is used for every group, "
                       f"so the backbone's rate (built at {lrs[0]:g}, 10x below the head's) is lost, silently.")
    if not all(math.isclose(p, lr, rel_tol=1e-6) for p, lr in zip(peaks, lrs)):
        return False, f"The groups peak at {fmt(peaks)}; their own rates are {fmt(lrs)}."
    return True, f"Each group peaks at its own rate, {fmt(peaks)}: the 10x ratio of fine-tuning survives."


# --------------------------------------------------------------------------- 8. warmup from zero
@exercise("07.fix_warmup_zero", "a function warmup_for(optimizer, warmup_steps) that returns a LambdaLR whose rate "
                                "climbs linearly to the initial lr over warmup_steps steps, then stays there, and "
                                "whose first step already trains (a rate above 0).")
def _fix_warmup_zero(answer):
    need_function(answer, "warmup_for(optimizer, warmup_steps)")
    lr, k = 0.1, 5
    curve = curve_of(lambda opt: answer(opt, k), 2 * k, lr=lr)
    if curve[0] <= 0:
        return False, (f"The first step runs at lr = {curve[0]:g}: it computes a gradient and moves nothing "
                       f"(with Adam, it only fills the moments). LambdaLR calls your function with step = 0 "
                       "for the first optimizer step.")
    if np.any(curve > lr * (1 + 1e-9)):
        return False, f"The rates {fmt(curve)} pass the initial {lr:g}."
    if np.any(np.diff(curve[:k + 1]) < -1e-12):
        return False, f"The rates {fmt(curve)} should rise to {lr:g}, never fall."
    if not np.allclose(curve[k:], lr, rtol=1e-9):
        return False, (f"After {k} warmup steps the rates are {fmt(curve[k:])}; they should be the initial "
                       f"{lr:g}.")
    return True, f"Warmup {fmt(curve[:k + 1])}: every step trains, and the rate reaches {lr:g} after {k} steps."
