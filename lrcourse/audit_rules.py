"""What :mod:`lrcourse.audit` concludes from a recorded run: the rules that name each pitfall.

:func:`diagnose` reads a :class:`Trace` (the rates each optimizer step used, the order of the
``optimizer.step()`` and ``scheduler.step()`` calls, the ``get_lr()`` calls, what the optimizer
and scheduler held when the watch began) and returns :class:`Finding`\\ s, one per pitfall of
:data:`~lrcourse.pitfalls.PITFALLS` it sees. The rules are pure functions of the trace, so
they are tested on hand-written traces as well as on real loops (``tests/test_audit.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, CyclicLR, OneCycleLR

from .pitfalls import PITFALLS, Pitfall

__all__ = ["Trace", "Finding", "AuditReport", "diagnose", "schedule_length", "shared_peak"]


@dataclass
class Trace:
    r"""What a watched run did, as :func:`~lrcourse.audit.watch` records it.

    Args:
        rates (list of list of float): each optimizer step's rate, one per parameter group.
        events (list of str): ``"o"`` for an ``optimizer.step()``, ``"s"`` for a ``scheduler.step()``.
        get_lr_calls (list of tuple): ``(returned, held)`` for each ``get_lr()`` called outside ``step()``.
        jumps (list of tuple): ``(step, before, after)`` where a rate changed with no watched ``step()``.
        scheduler (str or None): the scheduler's class name. Default: ``None``.
        length (tuple or None): ``(name, value)`` of its size, for example ``("T_max", 10)``.
        last_epoch (int): the scheduler's ``last_epoch`` now. Default: 0.
        start_epoch (int): its ``last_epoch`` when the watch began. Default: 0.
        optimizer_had_state (bool): the optimizer had stepped (or was loaded) before the watch.
        held_vs_scheduler (tuple or None): ``(held, scheduler_last)`` when they differed at the watch.
        shared_peak (float or None): the one peak that several identical parameter groups share.
        plateau (bool): the scheduler watches a metric (``ReduceLROnPlateau``).
        steps_per_epoch (int or None): optimizer steps per epoch, if given.
        num_epochs (int or None): epochs of the run, if given.
        predicted (str or None): a prediction made during the run (an overrun to come).
        intended_changes (bool or None): whether the intended curve changes over the run.
        saved (bool): the scheduler's ``state_dict()`` was read: a checkpoint, so the run may go on elsewhere.
        continuous_start (bool): the scheduler, when built, kept the rate the optimizer held (known only
            when the audit saw the optimizer before the scheduler was built): a new schedule taking
            over, such as a cooldown branched from a checkpoint, not a schedule starting again.

    Example:
        >>> Trace(rates=[[0.1], [0.1]], events=["o", "o"]).scheduler is None
        True
    """

    rates: list = field(default_factory=list)
    events: list = field(default_factory=list)
    get_lr_calls: list = field(default_factory=list)
    jumps: list = field(default_factory=list)
    scheduler: str | None = None
    length: tuple | None = None
    last_epoch: int = 0
    start_epoch: int = 0
    optimizer_had_state: bool = False
    held_vs_scheduler: tuple | None = None
    shared_peak: float | None = None
    plateau: bool = False
    steps_per_epoch: int | None = None
    num_epochs: int | None = None
    predicted: str | None = None
    intended_changes: bool | None = None
    saved: bool = False
    continuous_start: bool = False


@dataclass(frozen=True)
class Finding:
    r"""A pitfall seen in a run, with what this run showed of it.

    Example:
        >>> Finding(PITFALLS["warmup_zero"], "the first step ran at 0").pitfall.section
        8
    """

    pitfall: Pitfall
    seen: str

    def to_text(self, fixes: bool = True) -> str:
        r"""The finding in a few lines: the pitfall, what was seen, the symptom, the fix, the links.

        Example:
            >>> print(Finding(PITFALLS["warmup_zero"], "x").to_text().splitlines()[0])
            [warmup_zero] a warmup whose first step runs at rate 0 (notebook 07, section 8)
        """
        p = self.pitfall
        lines = [f"[{p.key}] {p.title} (notebook 07, section {p.section})", f"  seen:    {self.seen}",
                 f"  symptom: {p.symptom}"]
        if fixes:
            lines.append(f"  fix:     {p.fix}")
        lines.append("  see:     " + ", ".join(p.links))
        return "\n".join(lines)


@dataclass(frozen=True)
class AuditReport:
    r"""The audit's verdict on a run: the findings, and what was counted.

    Example:
        >>> print(AuditReport([], optimizer_steps=4, scheduler_steps=4))
        Schedule audit: 4 optimizer steps, 4 scheduler.step() calls. No pitfall found.
    """

    findings: list
    optimizer_steps: int
    scheduler_steps: int

    @property
    def names(self) -> set:
        r"""The keys of the pitfalls found, for example ``{"step_order"}``.

        Example:
            >>> AuditReport([], 1, 1).names
            set()
        """
        return {f.pitfall.key for f in self.findings}

    def to_text(self, fixes: bool = True) -> str:
        r"""The report as text; ``fixes=False`` leaves the fixes out (the symptom is the hint).

        Example:
            >>> AuditReport([], 0, 0).to_text(fixes=False)[:14]
            'Schedule audit'
        """
        head = f"Schedule audit: {self.optimizer_steps} optimizer steps, {self.scheduler_steps} scheduler.step() calls."
        if not self.findings:
            return head + " No pitfall found."
        return "\n".join([f"{head} {len(self.findings)} pitfall{'s' if len(self.findings) > 1 else ''} found:"]
                         + [f.to_text(fixes) for f in self.findings])

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _order_rules(t: Trace, n_o: int, n_s: int) -> list[tuple[str, str]]:
    """step_order and extra_scheduler_steps, from the order of the calls."""
    if not n_s or not n_o:
        return []
    gaps, since = [], 0  # the scheduler steps that came with no optimizer step since the last one
    k = 0
    for e in t.events:
        if e == "o":
            since += 1
        else:
            if since == 0:
                gaps.append(k)
            since, k = 0, k + 1
    if t.events[0] == "s" and t.events[-1] == "o":
        return [("step_order", f"the first scheduler.step() came before any optimizer.step(), and the run ends on "
                               f"optimizer.step(): the first optimizer step used {_fmt(t.rates[0][0])}, a rate the "
                               "scheduler had already stepped to")]
    if not gaps:
        return []
    late = [g for g in gaps if g >= n_s // 2]  # accumulation skips all through the run, a scaler mostly early
    if n_s >= 1.5 * n_o and len(late) >= 0.4 * (n_s - n_s // 2):
        return [("extra_scheduler_steps", f"scheduler.step() ran {n_s} times for {n_o} optimizer steps, about "
                                    f"{n_s / n_o:.3g} per optimizer step, all through the run: the schedule runs "
                                    f"{n_s / n_o:.3g} times too fast (stepped per micro-batch?)")]
    return [("extra_scheduler_steps", f"{len(gaps)} of the {n_s} scheduler steps came with no optimizer step since the "
                                "previous one: the optimizer skipped those steps (GradScaler after an overflow?), "
                                f"so the schedule ran {len(gaps)} steps ahead of it")]


def _units_rules(t: Trace, n_o: int, names: set) -> list[tuple[str, str]]:
    if t.length is None or "extra_scheduler_steps" in names:
        return []
    name, size = t.length
    calls = t.last_epoch
    if t.predicted:
        return [("units", t.predicted)]
    if calls > size + 1:
        return [("units", f"{name}={size}, but scheduler.step() has run {calls} times: past {name} the rate "
                          "climbs back up (or OneCycleLR raises)")]
    total = (t.steps_per_epoch * t.num_epochs) if t.steps_per_epoch and t.num_epochs else None
    done = total is None or n_o >= total
    if done and n_o > 1 and not t.saved and calls - t.start_epoch <= size / 2 and calls < size:
        return [("units", f"{name}={size}, but the run stepped the scheduler {calls - t.start_epoch} times in "
                          f"{n_o} optimizer steps: it walked {calls} of the {size} steps of its curve")]
    return []


def diagnose(t: Trace) -> list[Finding]:
    r"""The pitfalls of :data:`~lrcourse.pitfalls.PITFALLS` that a recorded run shows.

    Args:
        t (Trace): what the run did.

    Returns:
        list of Finding: in the order of notebook 07's sections.

    Example:
        >>> t = Trace(rates=[[0.0], [0.05]], events=["o", "s", "o", "s"], scheduler="LambdaLR", last_epoch=2)
        >>> [f.pitfall.key for f in diagnose(t)]
        ['warmup_zero']
    """
    n_o, n_s = len(t.rates), t.events.count("s")
    found = []
    if t.scheduler is not None and n_o == 0 and n_s > 0:
        found.append(("never_changed", f"scheduler.step() ran {n_s} times, optimizer.step() never: no update used "
                                       "any rate, and the weights never moved"))
    elif t.scheduler is not None and not t.plateau and n_o >= 2 and not t.jumps:
        constant = all(math.isclose(r, t.rates[0][g], rel_tol=1e-12) for row in t.rates for g, r in enumerate(row))
        if constant and (n_s == 0 or t.intended_changes):
            found.append(("never_changed", f"all {n_o} optimizer steps ran at {_fmt(t.rates[0][0])}, with a "
                                           f"{t.scheduler} attached; scheduler.step() ran {n_s} times"))
    if t.get_lr_calls:
        differ = [(r, h) for r, h in t.get_lr_calls if not math.isclose(r, h, rel_tol=1e-9)]
        seen = f"get_lr() was called {len(t.get_lr_calls)} times outside scheduler.step()"
        if differ:
            seen += (f"; {len(differ)} times it returned a rate the optimizer did not hold "
                     f"({_fmt(differ[0][0])} where it held {_fmt(differ[0][1])})")
        found.append(("get_lr", seen))
    found += _order_rules(t, n_o, n_s)
    fresh = t.optimizer_had_state and t.start_epoch == 0 and not t.continuous_start
    restarted = fresh or t.held_vs_scheduler is not None or t.jumps
    found += [] if restarted else _units_rules(t, n_o, {k for k, _ in found})
    if fresh and t.scheduler is not None and not t.plateau:
        found.append(("restarted", "the optimizer had already stepped (its state was loaded or kept) but the "
                                   "scheduler starts at last_epoch = 0: its schedule starts again"))
    elif t.held_vs_scheduler is not None:
        held, last = t.held_vs_scheduler
        found.append(("restarted", f"when the watch began the optimizer held lr {_fmt(held)} but the scheduler last "
                                   f"set {_fmt(last)}: the optimizer's state was loaded without the scheduler's"))
    if t.jumps:
        step, before, after = t.jumps[0]
        found.append(("restarted", f"before optimizer step {step} the rate changed from {_fmt(before)} to "
                                   f"{_fmt(after)} with no scheduler.step() of the watched scheduler: another "
                                   f"scheduler built on this optimizer, or a rate set by hand ({len(t.jumps)} such "
                                   "changes)"))
    if t.shared_peak is not None:
        found.append(("one_max_lr", f"the {t.scheduler}'s parameter groups are identical but for their parameters "
                                    f"and all peak at {_fmt(t.shared_peak)}: if they were built with different "
                                    "rates, one max_lr overwrote them"))
    if n_o and any(r == 0 for r in t.rates[0]):
        found.append(("warmup_zero", "the first optimizer step ran at rate 0: it moved no weight"))
    order = list(PITFALLS)
    merged: dict[str, list[str]] = {}
    for key, seen in found:
        merged.setdefault(key, []).append(seen)
    return [Finding(PITFALLS[k], "; ".join(merged[k])) for k in sorted(merged, key=order.index)]


#: the keys a scheduler owns in a param group (so two groups may differ there and still be "identical")
_SCHEDULER_KEYS = {"params", "lr", "initial_lr", "max_lr", "min_lr", "momentum", "betas", "base_momentum",
                   "max_momentum", "param_names"}


def schedule_length(scheduler):
    r"""``(name, value)`` of a schedule's size in steps: ``total_steps`` of OneCycleLR, ``T_max`` of a cosine; else ``None``.

    Example:
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> schedule_length(torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10))
        ('T_max', 10)
    """
    if isinstance(scheduler, OneCycleLR):
        return ("total_steps", int(scheduler.total_steps))
    if isinstance(scheduler, CosineAnnealingLR):
        return ("T_max", int(scheduler.T_max))
    return None


def shared_peak(optimizer, scheduler):
    r"""The one peak that several parameter groups, identical but for their parameters, share under
    OneCycleLR or CyclicLR; else ``None``.

    Example:
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> shared_peak(opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)) is None
        True
    """
    groups = optimizer.param_groups
    if len(groups) < 2:
        return None
    if isinstance(scheduler, OneCycleLR):
        peaks = [float(g["max_lr"]) for g in groups]
    elif isinstance(scheduler, CyclicLR):
        peaks = [float(p) for p in scheduler.max_lrs]
    else:
        return None
    rest = [{k: v for k, v in g.items() if k not in _SCHEDULER_KEYS} for g in groups]
    same = all(r == rest[0] for r in rest) and all(math.isclose(p, peaks[0]) for p in peaks)
    return peaks[0] if same else None
