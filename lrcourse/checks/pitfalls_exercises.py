"""The checks of notebook 07_pitfalls' "Exercises" section, and the curves the notebook imports.

``07.spot_wrong_curves`` (which of :func:`mystery_curves` come from a scheduler stepped the
wrong way) and ``07.clean_loop`` (buggy_train with all its bugs fixed).
Tested in ``tests/checks/test_pitfalls_exercises.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR

from ..curves import lr_curve
from .core import exercise
from .harness import as_rates, fmt, loop_problem, need_function, run_loop

__all__ = ["mystery_curves"]


def mystery_curves(num_epochs: int = 5, steps_per_epoch: int = 20, lr: float = 0.1) -> dict:
    r"""The six LR curves of exercise ``07.spot_wrong_curves``, one value per batch, by letter.

    Each is torch's rate for a run of ``num_epochs`` epochs of
    ``steps_per_epoch`` batches, built with ``OneCycleLR``,
    ``CosineAnnealingLR`` or ``StepLR``; some are stepped the wrong way.

    Example:
        >>> curves = mystery_curves()
        >>> sorted(curves), len(curves["A"])
        (['A', 'B', 'C', 'D', 'E', 'F'], 100)
    """
    n = num_epochs * steps_per_epoch

    def per_epoch(lrs):
        return np.repeat(lrs, steps_per_epoch)

    def one_cycle(opt):
        return OneCycleLR(opt, max_lr=lr, total_steps=n)
    return {
        "A": lr_curve(one_cycle, n, lr=lr),
        "B": lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=num_epochs), n, lr=lr),
        "C": per_epoch(lr_curve(lambda opt: StepLR(opt, step_size=2, gamma=0.5), num_epochs, lr=lr)),
        "D": per_epoch(lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=num_epochs), num_epochs + 1, lr=lr)[1:]),
        "E": per_epoch(lr_curve(one_cycle, num_epochs, lr=lr)),
        "F": lr_curve(lambda opt: CosineAnnealingLR(opt, T_max=n), n, lr=lr),
    }


#: why each curve of :func:`mystery_curves` is right or wrong
_MYSTERY = {
    "A": (False, "A is right: OneCycleLR(total_steps=100) stepped after every batch climbs to 0.1 and falls to "
                 "almost 0 at the last batch"),
    "B": (True, "one of the curves you left out falls to 0 and climbs back up, again and again"),
    "C": (False, "C is right: StepLR(step_size=2, gamma=0.5) stepped once per epoch halves the rate at epochs 2 "
                 "and 4, as intended"),
    "D": (True, "one of the curves you left out never uses the initial rate 0.1, and trains its last epoch at 0"),
    "E": (True, "one of the curves you left out never comes near its peak"),
    "F": (False, "F is right: CosineAnnealingLR(T_max=100) stepped after every batch falls once, smoothly, "
                 "over the whole run"),
}


@exercise("07.spot_wrong_curves", "the letters of the curves in mystery_curves() that come from a scheduler "
                                  "stepped the wrong way, e.g. {'A', 'C'} or 'AC'.")
def _spot_wrong_curves(answer):
    letters = {c.upper() for c in (answer if isinstance(answer, str) else "".join(map(str, answer)))
               if c.isalpha()}
    unknown = letters - set(_MYSTERY)
    if unknown:
        return False, f"There is no curve {', '.join(sorted(unknown))}: the curves are A to F."
    wrong = {k for k, (bad, _) in _MYSTERY.items() if bad}
    if letters == wrong:
        return True, ("B: CosineAnnealingLR(T_max=5) stepped per batch. D: scheduler.step() before "
                      "optimizer.step(), so the first rate is skipped. E: OneCycleLR sized for 100 batches but "
                      "stepped once per epoch.")
    hints = [_MYSTERY[k][1] for k in sorted(letters - wrong)]
    missed = [_MYSTERY[k][1] for k in sorted(wrong - letters)]
    if missed:
        hints.append(missed[0][0].upper() + missed[0][1:] + f" ({len(missed)} wrong curve"
                     f"{'s' if len(missed) > 1 else ''} missing)")
    return False, ". ".join(hints) + "."


def _clean_loop_reference(model, optimizer, batches, num_epochs):
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs * len(batches), cycle_momentum=False)
    reported = []
    for _ in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()
        reported.append(scheduler.get_last_lr()[0])
    return reported


@exercise("07.clean_loop", "a function train(model, optimizer, batches, num_epochs) with none of buggy_train's "
                           "bugs: OneCycleLR(max_lr=0.1) over every batch of the run, stepped after each "
                           "optimizer.step(), the optimizer's momentum (0) left alone, and the rate after each epoch "
                           "returned from get_last_lr().")
def _clean_loop(answer):
    need_function(answer, "train(model, optimizer, batches, num_epochs)")
    num_epochs, num_batches, lr = 3, 4, 0.01
    n = num_epochs * num_batches
    run = run_loop(answer, None, num_epochs, num_batches, lr, with_scheduler=False)
    ref = run_loop(_clean_loop_reference, None, num_epochs, num_batches, lr, with_scheduler=False)
    err = run["error"]
    if isinstance(err, ValueError) and "Tried to step" in str(err):
        return False, (f"OneCycleLR raised '{str(err).strip()}': your loop called scheduler.step() more often "
                       "than the cycle was sized for.")
    if run["lr"] and not math.isclose(run["lr"][0], ref["lr"][0], rel_tol=1e-9):
        return False, (f"The first batch used lr={run['lr'][0]:.4g}; one cycle starts at max_lr / 25 = "
                       f"{ref['lr'][0]:.4g}: its first rate was skipped.")
    if any(m != 0 for m in run["momentum"]):
        return False, (f"The optimizer was built with momentum=0, but its steps ran with momentum up to "
                       f"{max(run['momentum']):g}: OneCycleLR cycles it by default.")
    problem = loop_problem(run, ref, num_epochs, num_batches, check_weight=False)
    if problem:
        return False, problem
    if not np.allclose(run["lr"], ref["lr"], rtol=1e-9):
        used = np.array(run["lr"])
        return False, (f"The rate peaks at {used.max():.3g} at batch {int(used.argmax())}; one cycle over "
                       f"{n} batches peaks at 0.1 at batch {int(np.argmax(ref['lr']))}.")
    problem = loop_problem(run, ref, num_epochs, num_batches)
    if problem:
        return False, problem
    reported = as_rates(run["returned"])
    if reported is None or len(reported) != num_epochs:
        return False, f"Return the rate after each epoch: {num_epochs} numbers from scheduler.get_last_lr()[0]."
    if run["warnings"]:
        return False, (f"torch warned: '{run['warnings'][0].split('.')[0]}'. A clean loop runs without "
                       "warnings.")
    if not np.allclose(reported, ref["returned"], rtol=1e-9):
        return False, (f"You report {fmt(reported)}; the optimizer held {fmt(ref['returned'])} after each "
                       "epoch: get_lr() computes the next rate.")
    return True, (f"One cycle over all {n} batches, momentum left at 0, and the reported rates "
                  f"{fmt(reported)} are the ones the optimizer holds.")



def _accumulated_rates(accum_steps: int = 4, num_epochs: int = 3, num_micro: int = 20, lr: float = 0.1):
    """The rates the optimizer used when a cosine sized in optimizer steps is stepped per micro-batch (audited)."""
    import warnings

    from ..audit import watch
    from ..audit_exhibits import train_loop

    n = num_epochs * num_micro // accum_steps
    model = torch.nn.Linear(1, 1, bias=False)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    sched = CosineAnnealingLR(opt, T_max=n)
    x = torch.linspace(-1, 1, 2 * num_micro).view(-1, 1)
    with watch(opt, sched) as audit, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's warning about the order: the bug this exercise is about
        train_loop(model, opt, sched, [(xb, 2 * xb) for xb in x.chunk(num_micro)], num_epochs,
                   accum_steps=accum_steps)
    return audit.rates[:, 0], n


@exercise("07.predict_accumulated_rate", "a number: the rate of the last optimizer step when CosineAnnealingLR("
                                         "T_max=15) from lr=0.1 is stepped after every micro-batch of 3 epochs of 20 "
                                         "micro-batches, with accum_steps=4 (15 optimizer steps).")
def _predict_accumulated_rate(answer):
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.floating)):
        raise TypeError("give a number: the rate of the last optimizer step, for example 0.05")
    rates, n = _accumulated_rates()
    truth = float(rates[-1])
    if math.isclose(answer, truth, rel_tol=2e-3):
        return True, (f"The last of the {n} optimizer steps ran at {truth:.4f}, almost the initial 0.1, where the "
                      f"cosine meant {0.05 * (1 + math.cos(math.pi * (n - 1) / n)):.4f}: 4 scheduler steps per "
                      "optimizer step took the cosine past its end and most of the way back up.")
    calls = [t for t in range(0, 8 * n) if math.isclose(answer, 0.05 * (1 + math.cos(math.pi * t / n)), rel_tol=2e-3)]
    if (n - 1) in calls:
        return False, (f"{answer:.4g} is the cosine after {n - 1} scheduler steps: the rate the schedule meant for "
                       "the last optimizer step. How many times has this loop called scheduler.step() by then?")
    if calls:
        return False, (f"{answer:.4g} is the cosine after {calls[0]} (or {calls[1] if len(calls) > 1 else '-'}) "
                       "calls of scheduler.step(). Count the micro-batches that come before the last "
                       "optimizer.step(), each followed by one scheduler.step().")
    return False, (f"{answer:.4g} is not a rate this cosine takes after a whole number of steps: "
                   "lr = 0.1 / 2 * (1 + cos(pi * t / 15)) after t calls of scheduler.step().")
