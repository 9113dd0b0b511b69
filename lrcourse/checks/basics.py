"""The checks of notebooks 00_start_here and 01_fixed_lr (their "Exercises" sections).

00: ``00.cosine_at_20``, ``00.read_lr`` (reading a schedule's rate), ``00.first_below`` (predict the
first epoch below a rate, then verify).
01: ``01.stability_limit``, ``01.last_layer_lr``, ``01.momentum_limit`` (the stability limit of
plain gradient descent, parameter groups and a scheduler's rate per group predicted, the heavy-ball
limit predicted then verified with torch).
Tested in ``tests/checks/test_basics.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np

from ..curves import lr_curve
from .core import exercise
from .harness import first_epoch_at, fmt

__all__: list[str] = []


# --------------------------------------------------------------------------- 00_start_here
@exercise("00.cosine_at_20", "the learning rate that epoch 20 uses with CosineAnnealingLR(T_max=40) "
                             "starting from lr=0.1, found with lr_curve (a number; epoch 1 is the first).")
def _cosine_at_20(answer):
    value = float(answer)
    expected = lr_curve("CosineAnnealingLR", 40, lr=0.1, T_max=40)  # element k is epoch k + 1
    if math.isclose(value, expected[19], rel_tol=1e-6):
        return True, (f"Epoch 20 uses {value:.6g}, lr_curve(...)[19]: element 0 is epoch 1, the initial "
                      "rate, and 19 scheduler steps come before epoch 20.")
    if math.isclose(value, expected[20], rel_tol=1e-6):
        return False, ("That is the rate of epoch 21, lr_curve(...)[20], the middle of the cosine. "
                       "Element 0 of the curve is epoch 1, so epoch 20 is element 19.")
    if math.isclose(value, expected[18], rel_tol=1e-6):
        return False, "That is the rate of epoch 19. Element 0 of the curve is epoch 1, so epoch 20 is element 19."
    return False, (f"{value:g} is not it. Call lr_curve with a function that builds CosineAnnealingLR(opt, "
                   "T_max=40), num_steps of at least 20, and read the element of epoch 20 (element 0 is epoch 1).")


@exercise("00.read_lr", "the learning rate for epoch 13 (after 12 steps) of ExponentialLR(gamma=0.9) "
                        "starting from lr=0.1, read from optimizer.param_groups[0]['lr'].")
def _read_lr(answer):
    expected = 0.1 * 0.9 ** 12
    value = float(answer)
    if math.isclose(value, expected, rel_tol=1e-6):
        return True, f"After 12 steps (epochs 1-12) the rate for epoch 13 is 0.1 x 0.9^12 = {value:.6f}."
    for k in (11, 13):
        if math.isclose(value, 0.1 * 0.9 ** k, rel_tol=1e-6):
            return False, (f"That is the rate after {k} steps. Call scheduler.step() exactly 12 times "
                           "(once per epoch, after optimizer.step()) before you read it.")
    if math.isclose(value, 0.1, rel_tol=1e-6):
        return False, "That is the starting rate: did you call scheduler.step() in your loop?"
    return False, f"{value:g} is not it. Step the scheduler 12 times and read param_groups[0]['lr']."


def _first_below_curve() -> np.ndarray:
    return lr_curve("StepLR", 40, lr=0.1, step_size=4, gamma=0.5)  # element k is epoch k + 1


@exercise("00.first_below", "predict, without running code, the first epoch (epoch 1 is the first) whose rate "
                            "is below 0.02 with SGD(lr=0.1) and StepLR(step_size=4, gamma=0.5), stepped once per "
                            "epoch; an int.")
def _first_below(answer):
    return first_epoch_at(answer, _first_below_curve(), 0.02, strict=True,
                          why="Count the halvings: one after every 4 epochs, starting from 0.1.")


# --------------------------------------------------------------------------- 01_fixed_lr
@exercise("01.stability_limit", "the stability limit of plain gradient descent on y = 2x when the data "
                                "are x = 1, 2, ..., 6: every rate below it converges (a number).")
def _stability_limit(answer):
    x = np.arange(1, 7)
    limit = 2 / (2 * np.mean(x ** 2))
    value = float(answer)
    if math.isclose(value, limit, rel_tol=0.01):
        return True, (f"2 / L with L = 2·mean(x²) = {2 * np.mean(x ** 2):.4g}: every 0 < lr < {limit:.4f} "
                      "converges, and at exactly 2 / L w oscillates forever.")
    if math.isclose(value, 2 / np.mean(x ** 2), rel_tol=0.01):
        return False, "You used 2 / mean(x²). The curvature of the mean squared error is 2·mean(x²)."
    if math.isclose(value, 2 / 15, rel_tol=0.01):
        return False, "That is the limit for x = 1..4. Compute the curvature for x = 1..6."
    if math.isclose(value, limit / 2, rel_tol=0.01):
        return False, "That is 1 / L, the rate that lands in one step. The limit is twice as far."
    side = "above" if value > limit else "below"
    return False, (f"{value:g} is {side} the limit. The loss is a parabola with curvature "
                   "L = 2·mean(x²); gradient descent converges when lr < 2 / L.")


@exercise("01.last_layer_lr", "a triple (model, optimizer, predicted): SGD with lr=0.01 for every layer except "
                              "the last one (model[-1]), which gets lr=0.001, using parameter groups; and your "
                              "prediction [body, last layer] of each group's rate in epoch 4 under "
                              "StepLR(step_size=2, gamma=0.1), stepped once per epoch.")
def _last_layer_lr(answer):
    if not (isinstance(answer, (tuple, list)) and len(answer) == 3):
        return False, ("Give a triple: answer = (model, optimizer, predicted), with the model you built, the SGD "
                       "optimizer over its parameter groups, and your two predicted rates [body, last layer].")
    model, opt, predicted = answer
    if not hasattr(opt, "param_groups"):
        return False, f"The second item must be a torch optimizer, got {type(opt).__name__}."
    groups = opt.param_groups
    last = {id(p) for p in model[-1].parameters()}
    rest = {id(p) for p in model.parameters()} - last
    by_group = [({id(p) for p in g["params"]}, g["lr"]) for g in groups]
    if len(groups) < 2:
        return False, ("Your optimizer has one parameter group. Pass a list of dicts, e.g. "
                       "[{'params': ...}, {'params': model[-1].parameters(), 'lr': 0.001}].")
    for params, lr in by_group:
        if params & last and not math.isclose(lr, 0.001):
            return False, f"The last layer's group has lr={lr:g}; it should be 0.001."
        if params & rest and not math.isclose(lr, 0.01):
            return False, f"The other layers' group has lr={lr:g}; it should be 0.01."
    covered = set().union(*(p for p, _ in by_group))
    if covered != last | rest:
        return False, "Some of the model's parameters are in no group: every layer must be trained."
    return _group_rates_predicted(predicted)


def _group_rates_predicted(predicted) -> tuple[bool, str]:
    """Step StepLR(2, 0.1) three times on one stand-in parameter per group (0.01, 0.001) and compare."""
    import torch

    probe = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.01, 0.001)])
    sched = torch.optim.lr_scheduler.StepLR(probe, step_size=2, gamma=0.1)
    for _ in range(3):  # epochs 1-3: epoch 4 uses the rates after 3 steps
        probe.step()
        sched.step()
    actual = [g["lr"] for g in probe.param_groups]
    try:
        given = [float(v) for v in predicted]
    except (TypeError, ValueError):
        return False, f"The groups are right. Give your prediction as two numbers [body, last layer], not {predicted!r}."
    if len(given) != 2:
        return False, f"The groups are right. Predict one rate per group: two numbers, not {len(given)}."
    if all(math.isclose(g, a, rel_tol=1e-6) for g, a in zip(given, actual)):
        return True, (f"Two groups, 0.01 and 0.001, and torch agrees with your prediction: in epoch 4 StepLR has "
                      f"cut each group's own rate once, to {actual[0]:g} and {actual[1]:g}.")
    if math.isclose(given[0], given[1], rel_tol=1e-6):
        return False, ("The groups are right. Your two predicted rates are equal, but a scheduler multiplies EACH "
                       "group's own rate by gamma: the 10x gap between the groups stays.")
    ratio = given[0] / 0.01 if given[0] else 0.0
    for drops, hint in ((0, "no drop yet"), (2, "two drops")):
        if math.isclose(ratio, 0.1 ** drops, rel_tol=1e-6):
            return False, (f"The groups are right, but your prediction has {hint} by epoch 4. StepLR(step_size=2) "
                           "drops after every 2 scheduler steps, and epoch 4 comes after 3.")
    return False, (f"The groups are right, but your prediction {fmt(given)} is not what StepLR gives in "
                   "epoch 4. Each group's rate is multiplied by gamma after every 2 scheduler steps.")



def _momentum_run_converges(lr: float, momentum: float, x, num_steps: int = 400) -> bool:
    """torch.optim.SGD(momentum) on y = 2x from w = 0: did |w - 2| shrink?"""
    import torch

    xs = torch.tensor(x, dtype=torch.float64).view(-1, 1)
    w = torch.zeros(1, 1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, momentum=momentum)
    for _ in range(num_steps):
        opt.zero_grad()
        torch.nn.functional.mse_loss(xs @ w, 2 * xs).backward()
        opt.step()
    err = abs(w.item() - 2)
    return math.isfinite(err) and err < 1


@exercise("01.momentum_limit", "predict the rate where torch.optim.SGD with momentum 0.5 stops converging on "
                               "y = 2x with x = 1, 2, ..., 6 (a number); the check runs SGD on both sides of it.")
def _momentum_limit(answer):
    x = np.arange(1.0, 7.0)
    curv = 2 * np.mean(x ** 2)
    value = float(answer)
    if not (math.isfinite(value) and value > 0):
        return False, f"Give a positive rate, got {value:g}."
    below, above = _momentum_run_converges(0.97 * value, 0.5, x), _momentum_run_converges(1.03 * value, 0.5, x)
    ran = (f"SGD(momentum=0.5) at 0.97x your rate {'converges' if below else 'does not converge'}, "
           f"at 1.03x it {'converges' if above else 'does not converge'}")
    if below and not above:
        return True, (f"{ran}: the switch is at your {value:.4f} = 2(1 + β)/L with L = {curv:.4g}, "
                      f"1.5 times plain SGD's 2/L = {2 / curv:.4f}.")
    if math.isclose(value, 2 / curv, rel_tol=0.01):
        return False, f"{ran}. 2/L is the limit without momentum; section 3 derived how β moves it."
    if math.isclose(value, 2 * 1.5 / 15, rel_tol=0.01):
        return False, f"{ran}. That is the limit for x = 1..4; compute L = 2·mean(x²) for x = 1..6."
    if math.isclose(value, 2 * 1.9 / curv, rel_tol=0.01):
        return False, f"{ran}. That is the limit for β = 0.9; here β = 0.5."
    if math.isclose(value, 2 / ((1 - 0.5) * curv), rel_tol=0.01):
        return False, f"{ran}. You divided by 1 - β; the eigenvalue condition gives 2(1 + β)/L."
    side = "beyond" if not below else "short of"
    return False, (f"{ran}, so your rate is {side} the switch. The eigenvalue at -1 gives "
                   "lr·L = 2(1 + β), with L = 2·mean(x²).")
