"""The learning-rate range test (L. Smith, 2015): sweep the rate up, watch the loss, pick a rate.

:class:`LRFinder` raises the rate after every mini-batch, from ``start_lr`` to
``end_lr`` on an exponential or a linear scale, records the loss, stops when
the loss blows up, and then puts the model, the optimizer and any attached
scheduler back exactly as they were. :func:`suggest_lr` reads a rate off a
recorded curve with one of fastai's four rules (``steep``, ``minimum``,
``valley``, ``slide``); it is a pure function, so a widget can re-read a stored
curve with other settings without re-running. :meth:`LRFinder.suggest_max_lr`
is the course's one rule for ``OneCycleLR``'s ``max_lr``.
"""
from __future__ import annotations

import copy
import math
from typing import Callable, Iterable, Iterator

import numpy as np
import torch
from torch import nn

from .audit import paused
from .data import MNISTData, Split
from .suggest import METHODS, SmoothedLoss, check_sweep, smooth_losses, suggest_lr, suggest_max_lr, sweep_lrs
from .models import default_loss
from .train import evaluate

__all__ = ["LRFinder", "batches_forever"]


def batches_forever(data, batch_size: int, generator: torch.Generator) -> Iterator:
    r"""Mini-batches from a Split (reshuffled each pass) or any re-iterable of (x, y), wrapping around.

    The range test draws its batches this way, so a sweep longer than one
    epoch goes on into the next pass.

    Example:
        >>> split = Split(torch.arange(3.0).unsqueeze(1), torch.arange(3))
        >>> it = batches_forever(split, 2, torch.Generator().manual_seed(0))
        >>> [len(next(it)[0]) for _ in range(4)]
        [2, 1, 2, 1]
    """
    while True:
        count = 0
        source = data.batches(batch_size, shuffle=True, generator=generator) if isinstance(data, Split) else data
        for batch in source:
            count += 1
            yield batch
        if count == 0:
            raise ValueError("The training data yields no batches: give the range test a non-empty "
                             "Split, (x, y) pair or DataLoader.")


def _as_data(data, name: str):
    if isinstance(data, MNISTData):
        return data.train if name == "train_data" else data.val
    if isinstance(data, Split):
        if len(data) == 0:
            raise ValueError(f"{name} is empty: the range test needs at least one batch.")
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
        return _as_data(Split(data[0], data[1]), name)
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, torch.Tensor)):
        return data
    raise ValueError(f"{name} must be a Split, an MNISTData, an (x, y) pair of tensors or a DataLoader, "
                     f"got {type(data).__name__}.")


class LRFinder:
    r"""The learning-rate range test, with the model and optimizer restored afterwards.

    Args:
        model (nn.Module): the model to probe.
        optimizer (Optimizer): an optimizer over ``model``'s parameters; its
            rate is overwritten during the sweep and restored after.
        criterion (callable, optional): the loss. Default: cross-entropy for
            integer targets, mean squared error otherwise.
        device (str or torch.device, optional): where to run; the model is moved
            there and each batch too. Default: ``None`` (the data's device for a
            Split, otherwise the model's).
        scheduler (optional): a scheduler attached to ``optimizer``; its state
            is saved and restored with the optimizer's. Default: ``None``.

    After :meth:`range_test`, ``history`` holds ``"lr"``, ``"loss"``
    (smoothed) and ``"raw_loss"``, one entry per iteration; with validation
    data it also holds ``"train_loss"``.

    Example:
        >>> from lrcourse.data import linear_data
        >>> from lrcourse.models import linear_model
        >>> model = linear_model()
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.01)
        >>> finder = LRFinder(model, opt)
        >>> finder.range_test(linear_data("cpu"), start_lr=1e-4, end_lr=1, num_iter=40, verbose=False)
        >>> len(finder.history["lr"]) <= 40, model.weight.item(), opt.param_groups[0]["lr"]
        (True, 0.0, 0.01)
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, criterion: Callable | None = None,
                 device=None, *, scheduler=None):
        if not isinstance(model, nn.Module):
            raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise ValueError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}.")
        if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
            raise ValueError("scheduler must be attached to the optimizer given to LRFinder.")
        self.model, self.optimizer, self.criterion = model, optimizer, criterion
        self.device = torch.device(device) if device is not None else None
        self.scheduler = scheduler
        self.history: dict[str, list[float]] = {"lr": [], "loss": [], "raw_loss": []}
        self.message = ""
        self.settings: dict = {}
        self._loss = criterion

    # ------------------------------------------------------------------ state
    def _snapshot(self) -> dict:
        return {
            "model": copy.deepcopy(self.model.state_dict()),
            "training": {name: m.training for name, m in self.model.named_modules()},
            "optimizer": copy.deepcopy(self.optimizer.state_dict()),
            "scheduler": copy.deepcopy(self.scheduler.state_dict()) if self.scheduler is not None else None,
        }

    def _restore(self, saved: dict) -> None:
        self.model.load_state_dict(saved["model"])
        for name, m in self.model.named_modules():
            m.training = saved["training"][name]
        self.optimizer.load_state_dict(saved["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(saved["scheduler"])

    # ------------------------------------------------------------------ the test
    def range_test(self, train_data, val_data=None, start_lr: float = 1e-7, end_lr: float = 10,
                   num_iter: int = 100, step_mode: str = "exp", beta: float = 0.98,
                   diverge_th: float = 4, *, batch_size: int = 64, seed: int = 0,
                   verbose: bool = True) -> None:
        r"""Sweep the rate from ``start_lr`` to ``end_lr``, one rate per mini-batch.

        Iteration ``i`` sets every parameter group's rate to ``sweep_lrs(...)[i]``,
        computes the loss on the next training batch, records it against that rate,
        and takes one optimizer step. The data wraps around (reshuffled) when
        ``num_iter`` exceeds one pass. The test stops early when the smoothed
        loss exceeds ``diverge_th`` times its best value, or becomes NaN or inf;
        that last point is kept, so the plot shows the blow-up. Afterwards the
        model's parameters and buffers, the optimizer's state (momentum buffers
        included) and the attached scheduler are restored bit for bit, also when
        the test stopped early or was interrupted.

        Args:
            train_data: a :class:`~lrcourse.data.Split`, an ``(x, y)`` pair, an
                :class:`~lrcourse.data.MNISTData` (its ``train`` split) or any
                re-iterable of ``(x, y)`` batches, such as a DataLoader.
            val_data (optional): held-out data; when given, the recorded loss is
                the validation loss after each step. Use a validation split,
                never the test set. Default: ``None``.
            start_lr (float): the first rate. Default: ``1e-7``.
            end_lr (float): the last rate. Default: ``10``.
            num_iter (int): iterations, one rate each. Default: ``100``.
            step_mode (str): ``"exp"`` or ``"linear"``, see :func:`sweep_lrs`. Default: ``"exp"``.
            beta (float): the weight on the past of :func:`smooth_losses` (fastai's
                and Lightning's ``beta``; torch-lr-finder's ``smooth_f`` is ``1 - beta``).
                Default: ``0.98``.
            diverge_th (float): stop when the smoothed loss exceeds this multiple
                of its best. Default: ``4``.
            batch_size (int): batch size when ``train_data`` is a Split. Default: ``64``.
            seed (int): seeds the order of the batches, so two tests see the same
                data and torch's global random state is left alone. Default: ``0``.
            verbose (bool): print one line on how the test ended. Default: ``True``.

        Example:
            >>> from lrcourse.data import noisy_linear_data
            >>> from lrcourse.models import linear_model
            >>> model = linear_model()
            >>> finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01))
            >>> finder.range_test(noisy_linear_data(device="cpu"), start_lr=1e-3, end_lr=100, num_iter=50)
            ... # doctest: +ELLIPSIS
            Stopped at iteration ... x its best ... Model and optimizer restored.
        """
        check_sweep(start_lr, end_lr, num_iter, step_mode)
        smoother = SmoothedLoss(beta)  # checks beta
        if isinstance(diverge_th, bool) or not isinstance(diverge_th, (int, float)) or not diverge_th > 1:
            raise ValueError(f"diverge_th must be a number > 1 (stop when the loss exceeds diverge_th x its "
                             f"best), got {diverge_th!r}.")
        train, val, device = self._place(train_data, val_data)
        self.history = {"lr": [], "loss": [], "raw_loss": []}
        if val is not None:
            self.history["train_loss"] = []
        self.settings = dict(start_lr=start_lr, end_lr=end_lr, num_iter=num_iter, step_mode=step_mode,
                             beta=beta, diverge_th=diverge_th, validation=val is not None)
        batches = batches_forever(train, batch_size, torch.Generator().manual_seed(seed))
        saved, self._loss = self._snapshot(), self.criterion
        try:  # a schedule audit watching this optimizer records nothing of the sweep, a detour it then undoes
            self.model.train()
            with paused(self.optimizer):
                self.message = self._sweep(sweep_lrs(start_lr, end_lr, num_iter, step_mode), batches, val, device,
                                           smoother, diverge_th)
        finally:
            self._restore(saved)
        if verbose:
            print(self.message + " Model and optimizer restored.")

    def _place(self, train_data, val_data):
        """The training and validation data as the sweep reads them, the device, and the model moved there."""
        train = _as_data(train_data, "train_data")
        val = _as_data(val_data, "val_data") if val_data is not None else None
        if val is not None and not isinstance(val, Split):
            raise ValueError("val_data must be a Split, an (x, y) pair or an MNISTData (its val split).")
        device = self.device or (train.device if isinstance(train, Split) else
                                 next(self.model.parameters()).device)
        self.model.to(device)
        if val is not None and val.device != device:
            val = val.to(device)
        return train, val, device

    def _sweep(self, lrs, batches, val, device, smoother: SmoothedLoss, diverge_th: float) -> str:
        """One training step at each rate, recorded in ``history``, up to a blow-up; returns how it ended."""
        history, best = self.history, math.inf
        for i, lr in enumerate(lrs):
            raw = self._step(float(lr), next(batches), val, device)
            smoothed = smoother.add(raw)
            history["lr"].append(float(lr))
            history["raw_loss"].append(raw)
            history["loss"].append(smoothed)
            if not math.isfinite(smoothed):
                return f"Stopped at iteration {i + 1} of {len(lrs)}: the loss became {smoothed} at lr={lr:.3g}."
            best = min(best, smoothed)
            if smoothed > diverge_th * best:
                return (f"Stopped at iteration {i + 1} of {len(lrs)}: the smoothed loss {smoothed:.4g} passed "
                        f"{diverge_th:g} x its best ({best:.4g}) at lr={lr:.3g}.")
        return f"The range test ran all {len(lrs)} iterations, up to lr={lrs[-1]:.3g}."

    def _step(self, lr: float, batch, val, device) -> float:
        """One optimizer step at rate ``lr`` on ``batch``; returns the loss recorded against ``lr``."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        xb, yb = batch
        if xb.device != device:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
        if self._loss is None:  # no criterion given: the default for these targets
            self._loss = default_loss(yb)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self._loss(self.model(xb), yb)
        loss.backward()
        self.optimizer.step()
        raw = loss.item()
        if val is None:
            return raw
        self.history["train_loss"].append(raw)
        return evaluate(self.model, val, self._loss)[0]

    # ------------------------------------------------------------------ results
    def _require_history(self) -> None:
        if not self.history["lr"]:
            raise ValueError("No curve yet: call range_test(...) first.")

    def smoothed(self, beta: float | None = None) -> np.ndarray:
        r"""The recorded raw losses smoothed again with another ``beta`` (no re-run).

        Args:
            beta (float, optional): :math:`\beta`, the weight on the past; ``None``
                returns the stored smoothed losses. Default: ``None``.

        Example:
            >>> f = LRFinder(torch.nn.Linear(1, 1), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1))
            >>> f.history = {"lr": [1, 2], "loss": [1, 1], "raw_loss": [1.0, 3.0]}
            >>> f.smoothed(0).tolist()
            [1.0, 3.0]
        """
        self._require_history()
        if beta is None:
            return np.asarray(self.history["loss"], dtype=float)
        return smooth_losses(self.history["raw_loss"], beta)

    def suggest(self, method: str = "valley", skip_start: int = 10, skip_end: int = 5,
                beta: float | None = None, **options) -> float:
        r"""A rate read off the recorded curve with :func:`suggest_lr` (see there for the formulas).

        Args:
            method (str): ``"steep"``, ``"minimum"``, ``"valley"`` or ``"slide"`` (fastai's rules). Default: ``"valley"``.
            skip_start (int): points dropped at the start. Default: ``10``.
            skip_end (int): points dropped at the end. Default: ``5``.
            beta (float, optional): re-smooth the raw losses first. Default: ``None``.

        Example:
            >>> f = LRFinder(torch.nn.Linear(1, 1), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1))
            >>> lrs = np.logspace(-4, 0, 41).tolist()
            >>> f.history = {"lr": lrs, "loss": [(np.log10(x) + 2) ** 2 for x in lrs], "raw_loss": []}
            >>> round(f.suggest("minimum", skip_start=0, skip_end=0), 6)
            0.001
        """
        return suggest_lr(self.history["lr"], self.smoothed(beta), method, skip_start, skip_end, **options)

    def suggest_max_lr(self, beta: float = 0.9, skip_start: int = 10, skip_end: int = 5) -> float:
        r"""The course's rule for ``OneCycleLR``'s ``max_lr``: :func:`~lrcourse.suggest.suggest_max_lr`.

        A tenth of the rate of the lowest loss, read off the raw losses re-smoothed
        with the light ``beta`` (default 0.9), not off the lagging default curve.

        Example:
            >>> f = LRFinder(torch.nn.Linear(1, 1), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1))
            >>> lrs = np.logspace(-4, 0, 41).tolist()
            >>> f.history = {"lr": lrs, "loss": [], "raw_loss": [(np.log10(x) + 2) ** 2 for x in lrs]}
            >>> round(f.suggest_max_lr(beta=0.0, skip_start=0, skip_end=0), 6)
            0.001
        """
        self._require_history()
        return suggest_max_lr(self.history["lr"], self.history["raw_loss"], beta, skip_start, skip_end)

    def suggestions(self, methods=METHODS, skip_start: int = 10, skip_end: int = 5,
                    beta: float | None = None) -> dict[str, float | str]:
        r"""Every method's suggestion; a method that cannot answer gives its reason instead.

        Example:
            >>> f = LRFinder(torch.nn.Linear(1, 1), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1))
            >>> f.history = {"lr": [1, 2, 3, 4, 5, 6], "loss": [1.0] * 6, "raw_loss": []}
            >>> f.suggestions(["minimum"], skip_start=0, skip_end=0)["minimum"][:30]
            "'minimum' cannot read a rate o"
        """
        out: dict[str, float | str] = {}
        for method in methods:
            try:
                out[method] = self.suggest(method, skip_start, skip_end, beta)
            except ValueError as err:
                out[method] = str(err)
        return out

    def plot(self, ax=None, suggestions=METHODS, skip_start: int = 10, skip_end: int = 5,
             beta: float | None = None, show_raw: bool = True, log_lr: bool = True):
        r"""Loss against rate on a log axis, with each suggestion marked.

        Args:
            ax (Axes, optional): where to draw. Default: a new figure.
            suggestions (sequence of str): methods to mark; ``()`` for none. Default: all four.
            skip_start (int): points hidden at the start. Default: ``10``.
            skip_end (int): points hidden at the end. Default: ``5``.
            beta (float, optional): re-smooth the raw losses first. Default: ``None``.
            show_raw (bool): draw the raw losses faintly too. Default: ``True``.
            log_lr (bool): log-scale rate axis. Default: ``True``.

        Returns:
            dict: the suggestions, as from :meth:`suggestions`.

        Example:
            >>> f = LRFinder(torch.nn.Linear(1, 1), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1))
            >>> lrs = np.logspace(-4, 0, 50).tolist()
            >>> f.history = {"lr": lrs, "loss": [(np.log10(x) + 2) ** 2 for x in lrs], "raw_loss": []}
            >>> sorted(f.plot(skip_start=0, skip_end=0))
            ['minimum', 'slide', 'steep', 'valley']
        """
        from .plots import plot_finder

        self._require_history()
        found = self.suggestions(suggestions, skip_start, skip_end, beta)
        raw = self.history["raw_loss"] if show_raw and self.history["raw_loss"] else None
        plot_finder(self.history["lr"], self.smoothed(beta), ax=ax, raw_losses=raw, suggestions=found,
                    skip_start=skip_start, skip_end=skip_end, log_lr=log_lr)
        return found

