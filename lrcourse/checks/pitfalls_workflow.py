"""The check of notebook 07_pitfalls' section 6: a mistake around the training loop, not in it.

``07.fix_resume`` (a checkpoint that resumes the schedule exactly). The other exhibits are in
:mod:`lrcourse.checks.pitfalls`; choosing on the test split moved to notebook 08
(:mod:`lrcourse.checks.capstone`). Tested in ``tests/checks/test_pitfalls_workflow.py``.
Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math
import os
import tempfile

import numpy as np
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR

from ..models import linear_model
from .core import Unanswered, exercise
from .harness import fmt, probe_batches, quietly, record_steps

__all__: list[str] = []


# --------------------------------------------------------------------------- 7. resume
def _train_epochs(model, optimizer, scheduler, num_epochs: int):
    for _ in range(num_epochs):
        for x, y in probe_batches(2):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()


def _resume_setup():
    model = linear_model(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, optimizer, CosineAnnealingLR(optimizer, T_max=6)


@exercise("07.fix_resume", "a pair (save_checkpoint, load_checkpoint) of functions f(path, model, optimizer, "
                           "scheduler): the first saves a checkpoint to path with torch.save, the second loads it "
                           "into a freshly built model, optimizer and scheduler, so that training resumes exactly "
                           "where it stopped.")
def _fix_resume(answer):
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2 and all(callable(f) for f in answer)):
        if isinstance(answer, (tuple, list)) and any(f is ... for f in answer):
            raise Unanswered
        raise TypeError("give the pair (save_checkpoint, load_checkpoint), two functions f(path, model, "
                        "optimizer, scheduler)")
    save, load = answer
    # the uninterrupted run: 6 epochs
    model, optimizer, scheduler = _resume_setup()
    seen = record_steps(optimizer)
    _train_epochs(model, optimizer, scheduler, 6)
    expected, expected_w = seen["lr"][::2], model.weight.item()
    # 3 epochs, save, then a fresh start that loads the checkpoint and trains 3 more
    model, optimizer, scheduler = _resume_setup()
    first = record_steps(optimizer)
    _train_epochs(model, optimizer, scheduler, 3)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.pt")
        _, _, error = quietly(save, path, model, optimizer, scheduler)
        if error is not None:
            return False, f"save_checkpoint raised {type(error).__name__}: {error}"
        if not os.path.exists(path):
            return False, "save_checkpoint wrote nothing to path: torch.save({...}, path)."
        model, optimizer, scheduler = _resume_setup()
        _, _, error = quietly(load, path, model, optimizer, scheduler)
        if error is not None:
            return False, f"load_checkpoint raised {type(error).__name__}: {error}"
    second = record_steps(optimizer)
    lr_after_load, epoch_after_load = optimizer.param_groups[0]["lr"], scheduler.last_epoch
    has_momentum = bool(optimizer.state)
    w_after_load = model.weight.item()
    _train_epochs(model, optimizer, scheduler, 3)
    resumed = first["lr"][::2] + second["lr"][::2]
    if np.allclose(resumed, expected, rtol=1e-9) and math.isclose(model.weight.item(), expected_w, rel_tol=1e-6):
        return True, (f"The resumed run uses the same rates as the uninterrupted one, {fmt(resumed)}, "
                      f"and ends at the same weight, w = {expected_w:.5f}.")
    if w_after_load == 0.0:
        return False, ("After loading, the model has its initial weight again: save model.state_dict() and "
                       "load it with model.load_state_dict(checkpoint['model']).")
    if epoch_after_load != 3:
        return False, (f"After loading, scheduler.last_epoch is {epoch_after_load}, not 3: the schedule's clock "
                       f"restarted. In the check's 6-epoch cosine run, stopped after epoch 3, epochs 4-6 ran at "
                       f"{fmt(resumed[3:])} instead of {fmt(expected[3:])}: the checkpoint brought back "
                       "everything but the scheduler's count.")
    if not has_momentum or not math.isclose(lr_after_load, expected[3], rel_tol=1e-9):
        return False, (f"After loading, the optimizer holds lr={lr_after_load:.4g} (the uninterrupted run had "
                       f"{expected[3]:.4g}){'' if has_momentum else ' and no momentum buffers'}: save "
                       "optimizer.state_dict() and restore it with optimizer.load_state_dict().")
    return False, (f"The resumed run used {fmt(resumed)} and ended at w = {model.weight.item():.5g}; without the "
                   f"interruption: {fmt(expected)} and w = {expected_w:.5g}. Save and load the model's, the "
                   "optimizer's and the scheduler's state_dict().")
