"""Watch a training loop's schedule: the rate each optimizer step really used, held against the intended one.

One added line in your own loop::

    audit = watch(optimizer, scheduler, steps_per_epoch=len(loader), num_epochs=num_epochs)
    ...  # your loop, unchanged
    print(audit.report())  # the pitfalls of notebook 07 it saw, each with symptom, fix and links
    audit.plot()           # intended curve vs the rates the optimizer used

or ``with watch(optimizer, scheduler) as audit: ...``, which stops watching at the end of the
block. It records through torch's public hooks (``Optimizer.register_step_pre_hook`` and
``register_step_post_hook``) and by wrapping the scheduler's ``step()`` and ``get_lr()`` (a
subclass of the scheduler's own class, put back by :meth:`ScheduleAudit.close`). It never
changes a rate or a weight. The rules that name the pitfalls are in :mod:`lrcourse.audit_rules`,
the table of pitfalls in :mod:`lrcourse.pitfalls`. Tested in ``tests/test_audit.py``.
"""
from __future__ import annotations

import copy
import math
import warnings
import weakref
from contextlib import contextmanager

import numpy as np
import torch
from torch.optim.lr_scheduler import CyclicLR, LRScheduler, OneCycleLR, ReduceLROnPlateau

from .audit_rules import AuditReport, Trace, diagnose, schedule_length, shared_peak
from .pitfalls import PITFALLS

__all__ = ["watch", "paused", "ScheduleAudit", "AuditWarning"]

#: the audits watching each optimizer now (weakly keyed: an optimizer that is gone takes its entry along)
_ACTIVE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

class AuditWarning(UserWarning):
    """Raised as a warning when the audit predicts that torch is about to stop the run."""


def _rates(optimizer) -> list[float]:
    return [float(g["lr"]) for g in optimizer.param_groups]


def _check_inputs(optimizer, scheduler, steps_per_epoch, num_epochs) -> list:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"watch() needs the torch.optim.Optimizer your loop steps, got {type(optimizer).__name__}: "
                        "call watch(optimizer, scheduler), with the optimizer first.")
    schedulers = [] if scheduler is None else list(scheduler) if isinstance(scheduler, (list, tuple)) else [scheduler]
    for s in schedulers:
        if not isinstance(s, (LRScheduler, ReduceLROnPlateau)):
            raise TypeError(f"watch() reads torch.optim.lr_scheduler schedulers, got {type(s).__name__}: pass the "
                            "scheduler your loop steps (or a list of them), or None to watch the optimizer alone.")
        if s.optimizer is not optimizer:
            raise ValueError(f"this {type(s).__name__} drives another optimizer than the one given to watch(): "
                             "pass the optimizer the scheduler was built with.")
    for name, value in (("steps_per_epoch", steps_per_epoch), ("num_epochs", num_epochs)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive int (optimizer steps per epoch / epochs of the run) or "
                             f"None, got {value!r}.")
    return schedulers


class ScheduleAudit:
    r"""The watch on one optimizer and its scheduler(s); made by :func:`watch`.

    Attributes:
        trace (Trace): what the run did so far.

    Example:
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        >>> with watch(opt, sched) as audit:
        ...     for _ in range(3):
        ...         opt.step()
        ...         sched.step()
        >>> audit.rates.ravel().tolist()
        [0.1, 0.05, 0.025]
    """

    def __init__(self, optimizer, schedulers: list, steps_per_epoch=None, num_epochs=None, step_per=None,
                 held_before=None):
        self.optimizer, self.schedulers = optimizer, schedulers
        self.step_per = step_per
        main = schedulers[-1] if schedulers else None
        held = _rates(optimizer)
        last = [float(x) for x in main.get_last_lr()] if main is not None else held
        self.trace = Trace(
            scheduler=type(main).__name__ if main is not None else None, length=schedule_length(main),
            last_epoch=getattr(main, "last_epoch", 0), start_epoch=getattr(main, "last_epoch", 0),
            optimizer_had_state=bool(optimizer.state), plateau=isinstance(main, ReduceLROnPlateau),
            held_vs_scheduler=None if np.allclose(held, last, rtol=1e-9) else (held[0], last[0]),
            shared_peak=shared_peak(optimizer, main), steps_per_epoch=steps_per_epoch, num_epochs=num_epochs,
            continuous_start=held_before is not None and np.allclose(held_before, held, rtol=1e-9))
        self._snapshot = self._copy_for_intended(main)
        self._expected = held  # the rates the last watched step left in the optimizer
        self._in_step = 0
        self._paused = 0
        self._stepped = set()  # the schedulers stepped since the last optimizer step
        self._n_o = self._s_after_first_o = 0
        self._handles = [optimizer.register_step_pre_hook(self._pre_hook),
                         optimizer.register_step_post_hook(self._post_hook)]
        self._classes = [(s, type(s)) for s in schedulers]
        for s in schedulers:
            s.__class__ = self._audited_class(type(s))
        _ACTIVE.setdefault(optimizer, []).append(self)

    # ------------------------------------------------------------------ recording
    def _pre_hook(self, optimizer, args, kwargs):
        if self._paused:
            return
        now = _rates(optimizer)
        changed = any(abs(a - b) > 1e-12 * abs(b) for a, b in zip(now, self._expected))
        if self.schedulers and changed:  # with no scheduler watched, the rates are the loop's own
            if "s" in self.trace.events:  # before the first watched step, a rate set by hand is a warmup
                self.trace.jumps.append((len(self.trace.rates) + 1, self._expected[0], now[0]))
            self._expected = now
        self.trace.rates.append(now)

    def _post_hook(self, optimizer, args, kwargs):
        if self._paused:
            return
        self.trace.events.append("o")
        self._stepped = set()
        self._n_o += 1

    def _audited_class(self, cls):
        audit = self

        def step(sched, *args, **kwargs):
            if audit._paused:
                return cls.step(sched, *args, **kwargs)
            audit._in_step += 1
            try:
                return cls.step(sched, *args, **kwargs)
            finally:
                audit._in_step -= 1
                if audit._in_step == 0:
                    audit._after_scheduler_step(sched)

        def get_lr(sched, *args, **kwargs):
            out = cls.get_lr(sched, *args, **kwargs)
            if audit._in_step == 0:
                audit.trace.get_lr_calls.append((float(out[0]), float(sched.optimizer.param_groups[0]["lr"])))
            return out
        def state_dict(sched):  # a checkpoint: the schedule may go on in another run
            audit.trace.saved = True
            return cls.state_dict(sched)
        return type(cls.__name__, (cls,), {"step": step, "get_lr": get_lr, "state_dict": state_dict,
                                           "__module__": cls.__module__})

    def _after_scheduler_step(self, sched):
        t = self.trace
        if not self._stepped or id(sched) in self._stepped:  # several schedulers stepped together: one "s"
            t.events.append("s")
            self._stepped = set()
            self._s_after_first_o += self._n_o > 0
        self._stepped.add(id(sched))
        t.last_epoch = getattr(self.schedulers[-1], "last_epoch", 0)
        self._expected = _rates(self.optimizer)
        if t.predicted or t.length is None or not isinstance(sched, OneCycleLR) or not (t.steps_per_epoch and
                                                                                      t.num_epochs):
            return
        n_o, s_after = self._n_o, self._s_after_first_o  # counted as they come: O(1) per step
        if not n_o or not s_after:
            return
        predicted = round(s_after / n_o * t.steps_per_epoch * t.num_epochs) + t.start_epoch
        name, size = t.length
        if predicted > size:
            t.predicted = (f"{name}={size}, but at this pace ({s_after} scheduler steps in {n_o} optimizer steps) "
                           f"the run will call scheduler.step() about {predicted} times: OneCycleLR will raise "
                           f"'Tried to step' after its {size}th step")
            warnings.warn(f"lrcourse.audit: {t.predicted}. {PITFALLS['units'].fix}.", AuditWarning, stacklevel=3)

    # ------------------------------------------------------------------ the intended curve
    def _copy_for_intended(self, main):
        if main is None or isinstance(main, ReduceLROnPlateau):
            return None
        dummy = torch.optim.SGD([{**{k: v for k, v in g.items() if k != "params"},
                                  "params": [torch.nn.Parameter(torch.zeros(1))]}
                                 for g in self.optimizer.param_groups])
        try:
            return copy.deepcopy(main, memo={id(self.optimizer): dummy})
        except Exception:  # a scheduler that cannot be copied: the plot shows only the rates used
            return None

    def intended(self) -> np.ndarray | None:
        r"""The schedule's rates over the run, one row per optimizer step, if stepped in its intended unit.

        The unit is ``step_per`` if given; else the one the schedule's size matches
        (``T_max`` or ``total_steps`` equal to ``num_epochs`` means per epoch, to
        ``num_epochs * steps_per_epoch`` per batch); else per batch for OneCycleLR and
        CyclicLR and when the loop stepped it about once per optimizer step, per epoch
        otherwise. ``None`` for ReduceLROnPlateau, or per epoch without ``steps_per_epoch``.

        Example:
            >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            >>> audit = watch(opt, torch.optim.lr_scheduler.StepLR(opt, 1, 0.5), steps_per_epoch=2, num_epochs=2)
            >>> audit.intended().ravel().tolist()
            [0.1, 0.1, 0.05, 0.05]
        """
        if self._snapshot is None:
            return None
        t, spe, ne = self.trace, self.trace.steps_per_epoch, self.trace.num_epochs
        n = max(len(t.rates), spe * ne if spe and ne else 0)
        unit = self.step_per
        if unit is None and t.length is not None and spe and ne:
            unit = {ne * spe: "batch", ne: "epoch"}.get(t.length[1]) or {ne * spe - 1: "batch"}.get(t.length[1])
        if unit is None:
            n_o, n_s = t.events.count("o"), t.events.count("s")
            per_batch = isinstance(self._snapshot, (OneCycleLR, CyclicLR)) or (n_o and n_s >= 0.5 * n_o) or not spe
            unit = "batch" if per_batch else "epoch"
        if unit == "epoch" and not spe:
            return None
        sched, rows = copy.deepcopy(self._snapshot), []
        num = n if unit == "batch" else math.ceil(n / spe)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(num):
                rows.append(_rates(sched.optimizer))
                if i < num - 1:
                    try:
                        sched.step()
                    except ValueError:  # OneCycleLR past total_steps: the intended curve ends there
                        break
        rows = np.array(rows)
        return rows if unit == "batch" else np.repeat(rows, spe, axis=0)[:n]

    # ------------------------------------------------------------------ results
    @property
    def rates(self) -> np.ndarray:
        r"""The rate each optimizer step used so far: one row per step, one column per parameter group.

        Example:
            >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            >>> audit = watch(opt)
            >>> opt.step(); audit.rates.tolist()
            [[0.1]]
        """
        return np.array(self.trace.rates, dtype=float).reshape(len(self.trace.rates), len(self.optimizer.param_groups))

    @property
    def skipped_steps(self) -> int:
        r"""How many ``scheduler.step()`` calls came with no ``optimizer.step()`` since the one before.

        Example:
            >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            >>> sched = torch.optim.lr_scheduler.StepLR(opt, 1)
            >>> audit = watch(opt, sched)
            >>> with warnings.catch_warnings(action="ignore"):
            ...     sched.step(); opt.step(); sched.step()
            >>> audit.skipped_steps
            1
        """
        return sum(1 for i, e in enumerate(self.trace.events)
                   if e == "s" and (i == 0 or self.trace.events[i - 1] == "s"))

    def report(self) -> AuditReport:
        r"""The pitfalls seen so far, each with what this run showed, its symptom, its fix and links.

        Example:
            >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            >>> audit = watch(opt, torch.optim.lr_scheduler.StepLR(opt, 1, 0.5))
            >>> opt.step(); print(audit.report())
            Schedule audit: 1 optimizer steps, 0 scheduler.step() calls. No pitfall found.
        """
        t = self.trace
        if t.scheduler is not None and not t.plateau and t.intended_changes is None:
            curve = self.intended()
            t.intended_changes = None if curve is None else bool(np.ptp(curve, axis=0).max() > 0)
        findings = diagnose(t)
        t.intended_changes = None  # recomputed at the next report, as the run grows
        return AuditReport(findings, optimizer_steps=len(t.rates), scheduler_steps=t.events.count("s"))

    def plot(self, ax=None):
        r"""The intended curve (dashed) against the rates the optimizer used, per parameter group, on one axis.

        Args:
            ax (Axes, optional): where to draw. Default: a new figure.

        Example:
            >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            >>> audit = watch(opt)
            >>> opt.step(); ax = audit.plot()
        """
        from .plots import new_axes, plot_lr_curve

        if ax is None:
            _, ax = new_axes(figsize=(7.0, 2.6))
        used, intended = self.rates, self.intended()
        for g in range(used.shape[1]):
            suffix = f", group {g}" if used.shape[1] > 1 else ""
            if intended is not None:
                plot_lr_curve(intended[:, g], ax=ax, x=np.arange(1, len(intended) + 1), xlabel="optimizer step",
                              label="intended" + suffix, ls="--", lw=3, alpha=0.5)
            plot_lr_curve(used[:, g], ax=ax, x=np.arange(1, len(used) + 1), xlabel="optimizer step",
                          label="used" + suffix, marker="." if len(used) <= 50 else None)
        names = sorted(self.report().names, key=list(PITFALLS).index)
        ax.set_title("schedule audit: " + (", ".join(names) if names else "no pitfall found"), fontsize="small")
        return ax

    def close(self) -> None:
        r"""Stop watching: remove the hooks and give each scheduler its own class back. The record stays.

        Example:
            >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            >>> sched = torch.optim.lr_scheduler.StepLR(opt, 1)
            >>> watch(opt, sched).close(); type(sched).__name__, type(sched).__module__
            ('StepLR', 'torch.optim.lr_scheduler')
        """
        for h in self._handles:
            h.remove()
        self._handles = []
        if self in _ACTIVE.get(self.optimizer, []):
            _ACTIVE[self.optimizer].remove(self)
        for s, cls in self._classes:
            s.__class__ = cls
        self._classes = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def watch(optimizer, scheduler=None, *, steps_per_epoch: int | None = None, num_epochs: int | None = None,
          step_per: str | None = None, held_before=None) -> ScheduleAudit:
    r"""Start watching the rates ``optimizer`` really uses under ``scheduler``: one line before your loop.

    Args:
        optimizer (torch.optim.Optimizer): the optimizer your loop steps.
        scheduler (LRScheduler, list of them, or None): the scheduler(s) stepping it. Default: ``None``.
        steps_per_epoch (int, optional): optimizer steps per epoch (with gradient accumulation,
            batches / accumulation steps). Lets the audit draw a per-epoch schedule and predict an
            overrun. Default: ``None``.
        num_epochs (int, optional): epochs of the run. Default: ``None``.
        step_per (str, optional): ``"batch"`` or ``"epoch"``: how you mean to step the scheduler,
            for the intended curve. Default: guessed from the schedule's size and class.
        held_before (list of float, optional): the rates the optimizer held just before the scheduler
            was built, if known: a scheduler that kept them, on an optimizer that had stepped, takes
            over (a cooldown branched from a checkpoint) rather than starts again. Default: ``None``.

    Returns:
        ScheduleAudit: call ``report()`` and ``plot()``; use it as a context manager, or ``close()`` it.

    Example:
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(1.0, step / 4))
        >>> with watch(opt, sched) as audit:
        ...     for _ in range(6):
        ...         opt.step()
        ...         sched.step()
        >>> audit.report().names
        {'warmup_zero'}
    """
    schedulers = _check_inputs(optimizer, scheduler, steps_per_epoch, num_epochs)
    if step_per not in (None, "batch", "epoch"):
        raise ValueError(f"step_per must be None, 'batch' or 'epoch', got {step_per!r}.")
    from .audit_notebooks import release

    release(schedulers)  # watched here, so not by the notebooks' automatic audit as well
    return ScheduleAudit(optimizer, schedulers, steps_per_epoch, num_epochs, step_per, held_before)


@contextmanager
def paused(optimizer):
    r"""Inside the block, the audits watching ``optimizer`` record nothing: for a detour that is not the loop.

    :meth:`lrcourse.finder.LRFinder.range_test` runs its sweep inside it: the sweep sets
    the rate by hand, then puts the optimizer and scheduler back as they were.

    Example:
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> audit = watch(opt)
        >>> with paused(opt):
        ...     opt.step()
        >>> opt.step(); len(audit.rates)
        1
    """
    audits = list(_ACTIVE.get(optimizer, []))
    for a in audits:
        a._paused += 1
    try:
        yield
    finally:
        for a in audits:
            a._paused -= 1
