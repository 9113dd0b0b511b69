"""The checks of notebooks 00_start_here and 01_fixed_lr (their "Exercises" sections).

00: ``00.cosine_at_20``, ``00.read_lr`` (reading a schedule's rate).
01: ``01.largest_stable_lr``, ``01.last_layer_lr`` (a fixed rate, parameter groups).
Tested in ``tests/checks/test_basics.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np

from ..curves import lr_curve
from .core import exercise

__all__: list[str] = []


# --------------------------------------------------------------------------- 00_start_here
@exercise("00.cosine_at_20", "the learning rate at epoch 20 of CosineAnnealingLR(T_max=40) starting "
                             "from lr=0.1, found with lr_curve (a number).")
def _cosine_at_20(answer):
    value = float(answer)
    expected = lr_curve("CosineAnnealingLR", 41, lr=0.1, T_max=40)
    if math.isclose(value, expected[20], rel_tol=1e-6):
        return True, (f"Halfway through T_max the cosine is at its middle: {value:.6g}. "
                      "lr_curve(...)[20] is the rate the 21st optimizer.step() uses.")
    for k in (19, 21):
        if math.isclose(value, expected[k], rel_tol=1e-6):
            return False, f"That is the rate at epoch {k}. Index the curve at 20 (it starts at epoch 0)."
    return False, (f"{value:g} is not it. Call lr_curve with a function that builds CosineAnnealingLR(opt, "
                   "T_max=40), num_steps of at least 21, and read element 20.")


@exercise("00.read_lr", "the learning rate after 12 epochs of ExponentialLR(gamma=0.9) starting "
                        "from lr=0.1, read from optimizer.param_groups[0]['lr'].")
def _read_lr(answer):
    expected = 0.1 * 0.9 ** 12
    value = float(answer)
    if math.isclose(value, expected, rel_tol=1e-6):
        return True, f"After 12 steps the rate is 0.1 x 0.9^12 = {value:.6f}."
    for k in (11, 13):
        if math.isclose(value, 0.1 * 0.9 ** k, rel_tol=1e-6):
            return False, (f"That is the rate after {k} steps. Call scheduler.step() exactly 12 times "
                           "(once per epoch, after optimizer.step()) before you read it.")
    if math.isclose(value, 0.1, rel_tol=1e-6):
        return False, "That is the starting rate: did you call scheduler.step() in your loop?"
    return False, f"{value:g} is not it. Step the scheduler 12 times and read param_groups[0]['lr']."


# --------------------------------------------------------------------------- 01_fixed_lr
@exercise("01.largest_stable_lr", "the largest learning rate for which plain gradient descent on y = 2x "
                                  "converges when the data are x = 1, 2, ..., 6 (a number).")
def _largest_stable_lr(answer):
    x = np.arange(1, 7)
    limit = 2 / (2 * np.mean(x ** 2))
    value = float(answer)
    if math.isclose(value, limit, rel_tol=0.01):
        return True, f"2 / L with L = 2·mean(x²) = {2 * np.mean(x ** 2):.4g}, so lr < {limit:.4f}."
    if math.isclose(value, 2 / np.mean(x ** 2), rel_tol=0.01):
        return False, "You used 2 / mean(x²). The curvature of the mean squared error is 2·mean(x²)."
    if math.isclose(value, 2 / 15, rel_tol=0.01):
        return False, "That is the limit for x = 1..4. Compute the curvature for x = 1..6."
    side = "above" if value > limit else "below"
    return False, (f"{value:g} is {side} the limit. The loss is a parabola with curvature "
                   "L = 2·mean(x²); gradient descent converges when lr < 2 / L.")


@exercise("01.last_layer_lr", "a (model, optimizer) pair: SGD with lr=0.01 for every layer except the "
                              "last one (model[-1]), which gets lr=0.001, using parameter groups.")
def _last_layer_lr(answer):
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return False, ("Give a pair: answer = (model, optimizer), with the model you built and the SGD "
                       "optimizer over its parameter groups.")
    model, opt = answer
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
    return True, "Two groups: 0.01 for the body, 0.001 for the last layer (see optimizer.param_groups)."
