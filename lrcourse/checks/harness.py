"""The shared machinery for checking a learner's scheduler or training-loop code.

A check that gets code, not a number, runs it on a tiny synthetic problem
(y = 2x on 8 points, or a one-parameter optimizer) and compares what torch
did with what a correct version does: the rate each ``optimizer.step()``
used (read by a step pre-hook), the momentum, the weights. The checkers of
notebooks 02-05 use :func:`curve_of`; those of 07_pitfalls use the rest.
Tested in ``tests/checks/test_harness.py``.
"""
from __future__ import annotations

import contextlib
import io
import math
import warnings

import numpy as np
import torch

from ..curves import lr_curve
from ..models import linear_model
from ..optim import momentum_of, probe_optimizer
from .core import require_answer

__all__ = ["curve_of", "need_function", "probe_batches", "quietly", "record_steps", "run_loop",
           "loop_problem", "reference_loop", "as_rates", "fmt", "first_difference",
           "first_epoch_at"]


def curve_of(answer, num_steps: int, lr: float) -> np.ndarray:
    r"""The rates of the scheduler that the learner's ``answer(opt)`` builds, one per step.

    A function that returns ``...`` raises :class:`~lrcourse.checks.core.Unanswered`.

    Args:
        answer (callable): the learner's function ``opt -> scheduler``.
        num_steps (int): how many rates to read.
        lr (float): the optimizer's initial rate.

    Example:
        >>> from torch.optim.lr_scheduler import StepLR
        >>> curve_of(lambda opt: StepLR(opt, step_size=2, gamma=0.5), 4, lr=0.1).tolist()
        [0.1, 0.1, 0.05, 0.05]
    """
    if not callable(answer):
        raise TypeError("give a function opt -> scheduler, for example lambda opt: StepLR(opt, ...)")

    def factory(opt):
        return require_answer(answer(opt))
    return lr_curve(factory, num_steps, lr=lr)


def need_function(answer, signature: str) -> None:
    r"""Raise a ``TypeError`` that names ``signature`` unless ``answer`` is callable.

    Args:
        answer: the learner's answer.
        signature (str): the function the exercise asks for, for example ``"train(optimizer, val_losses)"``.

    Example:
        >>> need_function(3, "train(optimizer, val_losses)")
        Traceback (most recent call last):
        ...
        TypeError: give a function train(optimizer, val_losses)
    """
    if not callable(answer):
        raise TypeError(f"give a function {signature}")


def probe_batches(num_batches: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    r"""y = 2x on 8 points in [-1, 1], split into ``num_batches`` batches (stable for any lr <= 0.5).

    Args:
        num_batches (int): how many ``(x, y)`` batches to split the 8 points into.

    Example:
        >>> [tuple(x.shape) for x, y in probe_batches(2)]
        [(4, 1), (4, 1)]
    """
    x = torch.linspace(-1, 1, 8).view(-1, 1)
    return [(xb, 2 * xb) for xb in x.chunk(num_batches)]


def quietly(fn, *args) -> tuple:
    r"""Run the learner's ``fn(*args)``: returns (result, warnings, error); prints are swallowed.

    ``ValueError``, ``TypeError``, ``RuntimeError`` and ``KeyError`` are
    returned as the error (the mistakes a check explains); others propagate.

    Example:
        >>> quietly(int, "12")
        (12, [], None)
        >>> quietly(int, "x")[2]
        ValueError("invalid literal for int() with base 10: 'x'")
    """
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        try:
            out, error = fn(*args), None
        except (ValueError, TypeError, RuntimeError, KeyError) as err:
            out, error = None, err
    return out, [str(w.message) for w in caught], error


def record_steps(optimizer) -> dict:
    r"""The lr and momentum that each ``optimizer.step()`` of ``optimizer`` uses, as it runs.

    Registers a step pre-hook; the returned lists grow with every step.

    Example:
        >>> opt = probe_optimizer("sgd", 0.1)
        >>> seen = record_steps(opt)
        >>> opt.step()
        >>> seen
        {'lr': [0.1], 'momentum': [0.0]}
    """
    seen = {"lr": [], "momentum": []}

    def hook(opt, args, kwargs):
        group = opt.param_groups[0]
        seen["lr"].append(group["lr"])
        seen["momentum"].append(momentum_of(group))
    optimizer.register_step_pre_hook(hook)
    return seen


def run_loop(fn, make_scheduler, num_epochs: int, num_batches: int, lr: float, momentum: float = 0.0,
             with_scheduler: bool = True) -> dict:
    r"""Run a training-loop function on y = 2x: what it returned, what torch did, what it warned.

    Args:
        fn (callable): the learner's ``train(model, optimizer, scheduler, batches, num_epochs)``, or
            ``train(model, optimizer, batches, num_epochs)`` with ``with_scheduler=False``.
        make_scheduler (callable or None): ``optimizer -> scheduler``, handed to ``fn``.
        num_epochs (int): passed to ``fn``.
        num_batches (int): the batches of :func:`probe_batches` passed to ``fn``.
        lr (float): the SGD optimizer's rate.
        momentum (float): its momentum. Default: 0.
        with_scheduler (bool): whether ``fn`` takes a scheduler. Default: ``True``.

    Returns:
        dict: ``returned``, ``warnings``, ``error``, ``lr`` and ``momentum`` (per optimizer step),
        ``weight`` (after training) and ``scheduler``.

    Example:
        >>> run = run_loop(lambda *args: None, None, num_epochs=1, num_batches=2, lr=0.1)
        >>> run["lr"], run["weight"]
        ([], 0.0)
    """
    model = linear_model(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    seen = record_steps(optimizer)
    batches = probe_batches(num_batches)
    args = (model, optimizer, scheduler, batches, num_epochs) if with_scheduler else \
        (model, optimizer, batches, num_epochs)
    out, warned, error = quietly(fn, *args)
    return {"returned": out, "warnings": warned, "error": error, "lr": seen["lr"],
            "momentum": seen["momentum"], "weight": model.weight.item(), "scheduler": scheduler}


def loop_problem(run: dict, reference: dict, num_epochs: int, num_batches: int,
                 check_weight: bool = True) -> str | None:
    r"""The first thing that is wrong with a training loop's updates, as a hint, or ``None``.

    Args:
        run (dict): what :func:`run_loop` saw the learner's loop do.
        reference (dict): what :func:`reference_loop` does (may add ``weight_no_zero_grad``).
        num_epochs (int): the epochs of both runs.
        num_batches (int): the batches per epoch of both runs.
        check_weight (bool): also compare the final weight. Default: ``True``.

    Example:
        >>> run = run_loop(lambda *args: None, None, num_epochs=1, num_batches=2, lr=0.1)
        >>> loop_problem(run, reference_loop(None, 1, 2, 0.1), 1, 2)[:37]
        'optimizer.step() was never called, so'
    """
    n = num_epochs * num_batches
    if run["error"] is not None:
        err = run["error"]
        return f"Running your function raised {type(err).__name__}: {err}"
    if not run["lr"]:
        return ("optimizer.step() was never called, so the weights never moved and the loss never "
                "changed: a loss that is computed and never used updates nothing.")
    if run["weight"] == 0.0:
        return (f"optimizer.step() ran {len(run['lr'])} times but the weight never moved: it had no gradients "
                "to follow.")
    if len(run["lr"]) != n:
        return (f"optimizer.step() ran {len(run['lr'])} times; {num_epochs} epochs of {num_batches} batches "
                f"need {n}: once per batch.")
    if check_weight and not math.isclose(run["weight"], reference["weight"], rel_tol=1e-5, abs_tol=1e-9):
        if "weight_no_zero_grad" in reference and \
                math.isclose(run["weight"], reference["weight_no_zero_grad"], rel_tol=1e-5):
            return ("The gradients pile up from batch to batch: call optimizer.zero_grad() before "
                    "each loss.backward().")
        return (f"After training, w = {run['weight']:.5g}; a correct loop gets {reference['weight']:.5g}. "
                "For every batch: zero_grad, the MSE loss of model(x) against y, backward, optimizer.step().")
    return None


def reference_loop(make_scheduler, num_epochs: int, num_batches: int, lr: float, momentum: float = 0.0,
                   per: str = "epoch", zero_grad: bool = True) -> dict:
    r"""What a correct loop does on the probe problem (the check's own ground truth).

    Args:
        make_scheduler (callable or None): ``optimizer -> scheduler``.
        num_epochs (int): epochs of :func:`probe_batches`.
        num_batches (int): batches per epoch.
        lr (float): the SGD optimizer's rate.
        momentum (float): its momentum. Default: 0.
        per (str): step the scheduler per ``"epoch"`` or per ``"batch"``. Default: ``"epoch"``.
        zero_grad (bool): zero the gradients before each backward. Default: ``True``.

    Returns:
        dict: ``lr`` and ``momentum`` per optimizer step, the final ``weight``, and the rate
        the optimizer holds after each epoch (``after_epoch``).

    Example:
        >>> from torch.optim.lr_scheduler import StepLR
        >>> ref = reference_loop(lambda opt: StepLR(opt, step_size=1, gamma=0.5), 2, 2, lr=0.1)
        >>> ref["lr"], ref["after_epoch"]
        ([0.1, 0.1, 0.05, 0.05], [0.05, 0.025])
    """
    model = linear_model(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    seen = record_steps(optimizer)
    after_epoch = []
    for _ in range(num_epochs):
        for x, y in probe_batches(num_batches):
            if zero_grad:
                optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            if scheduler is not None and per == "batch":
                scheduler.step()
        if scheduler is not None and per == "epoch":
            scheduler.step()
        after_epoch.append(optimizer.param_groups[0]["lr"])
    return {"lr": seen["lr"], "momentum": seen["momentum"], "weight": model.weight.item(),
            "after_epoch": after_epoch}


def as_rates(values) -> list[float] | None:
    r"""A list of rates, also from get_last_lr()'s one-element lists; ``None`` if it is not one.

    Example:
        >>> as_rates([[0.1], [0.05]])
        [0.1, 0.05]
        >>> as_rates("0.1") is None
        True
    """
    if values is None or isinstance(values, (str, bytes)):
        return None
    try:
        return [float(v[0]) if isinstance(v, (list, tuple)) else float(v) for v in values]
    except (TypeError, ValueError, IndexError):
        return None


def fmt(values) -> str:
    r"""Rates in a hint: ``[0.1, 0.05]``, 4 significant digits each.

    Example:
        >>> fmt([0.1, 0.05, 1 / 3])
        '[0.1, 0.05, 0.3333]'
    """
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"



def first_epoch_at(answer, lrs: np.ndarray, threshold: float, *, strict: bool, why: str) -> tuple[bool, str]:
    r"""Check a predicted epoch: the first (epoch 1 being the first) whose rate is below ``threshold``.

    Shared by the exercises that ask when a schedule first crosses a rate. The
    hint says whether the answer is one epoch early (the rate changes at the
    END of an epoch, with its ``scheduler.step()``), too early or too late.

    Args:
        answer: the learner's epoch, an int.
        lrs (array): the rate of each epoch (element ``k`` is epoch ``k + 1``).
        threshold (float): the rate to get below.
        strict (bool): ``rate < threshold`` if true, else ``rate <= threshold``.
        why (str): one sentence that says how to count, added to every wrong answer.

    Example:
        >>> lrs = np.array([0.1, 0.1, 0.05, 0.05])
        >>> first_epoch_at(3, lrs, 0.06, strict=True, why="")[0], first_epoch_at(2, lrs, 0.06, strict=True, why="")[1][:10]
        (True, 'Off by one')
    """
    answer = require_answer(answer)
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return False, f"Give an int, the epoch (you gave {answer!r})."
    value = int(answer)
    crossed = lrs < threshold if strict else lrs <= threshold * (1 + 1e-12)
    first = int(np.argmax(crossed)) + 1
    below = "below" if strict else "at or below"
    if value == first:
        return True, (f"Epoch {first}: lr_curve gives {lrs[first - 2]:.4g} in epoch {first - 1} and "
                      f"{lrs[first - 1]:.4g} in epoch {first}, after {first - 1} scheduler steps.")
    if value < 1 or value > len(lrs):
        return False, f"Give an epoch from 1 on (epoch 1 is the first), got {value}."
    if value == first - 1:
        return False, (f"Off by one: epoch {value} still uses {lrs[value - 1]:.4g}: the rate changes at the END of "
                       f"epoch {value}, with its scheduler.step(), so epoch e trains after e - 1 steps. {why}")
    if not crossed[value - 1]:
        return False, f"Epoch {value} uses {lrs[value - 1]:.4g}, not {below} {threshold:g}. {why}"
    return False, f"Epoch {value - 1} already uses a rate {below} {threshold:g}, so epoch {value} is not the first. {why}"

def first_difference(given, expected, unit: str = "epoch", first: int = 1, rtol: float = 1e-9) -> str:
    r"""Where a sequence answer first differs from the expected one, for a hint: one place, not the whole answer.

    Args:
        given (sequence of float): what the learner's answer produced (rates, one per epoch or step).
        expected (sequence of float): what a correct answer produces.
        unit (str): what one element is, as the hint names it. Default: ``"epoch"``.
        first (int): the number of element 0 (epochs count from 1). Default: ``1``.
        rtol (float): relative tolerance of ``math.isclose``. Default: ``1e-9``.

    Returns:
        str: for example ``"in epoch 6 your rate is 0.1, where it should be 0.05"``, or
        ``""`` when the sequences agree.

    Example:
        >>> first_difference([0.1, 0.1, 0.1], [0.1, 0.1, 0.05])
        'in epoch 3 your rate is 0.1, where it should be 0.05'
        >>> first_difference([1.0, 2.0], [1.0, 2.0])
        ''
    """
    for i, (g, e) in enumerate(zip(given, expected)):
        if not math.isclose(float(g), float(e), rel_tol=rtol, abs_tol=0.0):
            return f"in {unit} {i + first} your rate is {float(g):.4g}, where it should be {float(e):.4g}"
    if len(given) != len(expected):
        return f"your answer has {len(given)} values, where it should have {len(expected)}"
    return ""
