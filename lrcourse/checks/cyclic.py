"""The checks of notebook 05_cyclic (its "Exercises" section).

``05.onecycle_config`` (OneCycleLR sized in batches) and ``05.warmup_cosine``
(LinearLR then CosineAnnealingLR in a SequentialLR).
Tested in ``tests/checks/test_cyclic.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

from ..curves import lr_curve
from .core import exercise, require_answer
from .harness import curve_of

__all__: list[str] = []


@exercise("05.onecycle_config", "a function opt -> OneCycleLR with max_lr=0.1 for 5 epochs of 100 batches, "
                                "stepped after every batch.")
def _onecycle_config(answer):
    sched = require_answer(answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01, momentum=0.9)))
    total = getattr(sched, "total_steps", None)
    if type(sched).__name__ != "OneCycleLR":
        return False, f"Use OneCycleLR (you returned {type(sched).__name__})."
    if total != 500:
        return False, (f"total_steps is {total}; OneCycleLR is stepped per batch, so it needs "
                       "epochs x steps_per_epoch = 5 x 100 = 500 steps.")
    lrs = curve_of(answer, 500, lr=0.01)  # stepping 499 times must work
    if not math.isclose(lrs.max(), 0.1, rel_tol=0.01):
        return False, f"The peak rate is {lrs.max():.3g}; it should be max_lr = 0.1."
    return True, f"500 steps, peak {lrs.max():.3g} at step {int(lrs.argmax())}, final {lrs[-1]:.2e}."


@exercise("05.warmup_cosine", "a function opt -> SequentialLR: LinearLR from 0.1x to 1x over 5 epochs, then "
                              "CosineAnnealingLR down to 0 over the remaining 45 epochs (50 in all).")
def _warmup_cosine(answer):
    def reference(opt):
        return SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=5),
                                  CosineAnnealingLR(opt, T_max=45)], milestones=[5])

    lrs = curve_of(answer, 50, lr=0.1)
    expected = lr_curve(reference, 50, lr=0.1)
    sched = answer(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    if not isinstance(sched, SequentialLR):
        return False, f"Chain the two with SequentialLR (you returned {type(sched).__name__})."
    if np.allclose(lrs, expected, rtol=1e-9, atol=1e-12):
        return True, "Warmup 0.01 -> 0.1 in 5 epochs, then a cosine down to 0 by epoch 50."
    worst = int(np.argmax(np.abs(lrs - expected)))
    return False, (f"At epoch {worst} your rate is {lrs[worst]:.4g}, the target is {expected[worst]:.4g}. "
                   "Check start_factor and total_iters of LinearLR, T_max of the cosine and milestones=[5].")
