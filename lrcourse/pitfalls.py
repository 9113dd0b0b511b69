"""The schedule pitfalls that :mod:`lrcourse.audit` names, each with its symptom, its fix and where people hit it.

One table, :data:`PITFALLS`, keyed by a short name. Its links are the public issues that
notebook 07_pitfalls cites for each bug (a test holds the two together), so the audit's
report and the notebook send a learner to the same threads.
Tested in ``tests/test_audit.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Pitfall", "PITFALLS"]


@dataclass(frozen=True)
class Pitfall:
    r"""One way a training loop gets its schedule wrong.

    Args:
        key (str): the short name the audit reports it under.
        title (str): what goes wrong, in one line.
        symptom (str): what a learner sees.
        fix (str): what to change.
        links (tuple of str): public issues or docs where people hit it (07 cites them).
        section (int): the section of notebook 07_pitfalls that shows it.

    Example:
        >>> PITFALLS["warmup_zero"].section
        8
    """

    key: str
    title: str
    symptom: str
    fix: str
    links: tuple[str, ...]
    section: int


_GH = "https://github.com/"
#: the pitfalls :func:`~lrcourse.audit.watch` names, in the order of notebook 07's sections
PITFALLS: dict[str, Pitfall] = {p.key: p for p in (
    Pitfall("never_changed", "a schedule is attached, but the rate the optimizer used never changed",
            "the loss curve looks like a fixed-rate run; scheduler.step() never reached an optimizer step",
            "call optimizer.step() for every batch and scheduler.step() after it, as often as the schedule counts",
            ("https://docs.pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
             _GH + "CodefyUI/CodefyUI/issues/244"), 1),
    Pitfall("get_lr", "get_lr() read instead of get_last_lr()",
            "the printed rate differs from the one the optimizer holds (at a StepLR drop, gamma is applied twice), "
            "and torch warns at every call",
            "read scheduler.get_last_lr() or optimizer.param_groups[i]['lr']",
            (_GH + "pytorch/pytorch/issues/31871", _GH + "pytorch/tutorials/pull/1099"), 1),
    Pitfall("step_order", "scheduler.step() called before optimizer.step()",
            "the schedule's first rate is never used and every later rate comes one step early; torch warns once",
            "call scheduler.step() after the optimizer.step() calls it counts",
            ("https://docs.pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",), 2),
    Pitfall("units", "a schedule sized in one unit and stepped in another (T_max / total_steps vs step() calls)",
            "the rate stays near its start, or swings up and down, or OneCycleLR raises 'Tried to step N times'",
            "count T_max / total_steps in calls of scheduler.step(): num_epochs * steps_per_epoch when it steps "
            "after every batch, num_epochs when it steps once per epoch",
            (_GH + "CodefyUI/CodefyUI/issues/244", _GH + "vLAR-group/GrowSP/issues/11",
             _GH + "deepcam-cn/FaceQuality/issues/10"), 3),
    Pitfall("extra_scheduler_steps", "the scheduler stepped when the optimizer did not: per micro-batch under gradient "
                               "accumulation, or while the optimizer skipped steps (AMP's GradScaler)",
            "the schedule runs ahead of the optimizer (k times too fast with k micro-batches per step); "
            "torch warns that lr_scheduler.step() came before optimizer.step()",
            "step the scheduler only when the optimizer stepped: once per accumulated step; under AMP, skip it "
            "when the scaler's scale dropped (harmless when a handful of steps out of thousands are skipped)",
            (_GH + "huggingface/accelerate/issues/963", _GH + "huggingface/accelerate/pull/999",
             _GH + "pytorch/pytorch/issues/44511", _GH + "huggingface/transformers/issues/11106"), 4),
    Pitfall("restarted", "a scheduler re-created mid-run, or resumed without its state",
            "the schedule restarts from its first step, or the rate jumps without a scheduler.step()",
            "save scheduler.state_dict() in the checkpoint and restore it with scheduler.load_state_dict(); "
            "build the scheduler once per run",
            (_GH + "pytorch/pytorch/issues/160626", _GH + "victoresque/pytorch-template/issues/68"), 6),
    Pitfall("one_max_lr", "one max_lr for several parameter groups",
            "every group follows the same curve: the lower rate of a group (a pretrained backbone) is lost",
            "give one peak per group: a list for max_lr (and base_lr for CyclicLR)",
            (_GH + "shariqfarooq123/AdaBins/issues/44", _GH + "flairNLP/flair/pull/2641"), 7),
    Pitfall("warmup_zero", "a warmup whose first step runs at rate 0",
            "the first optimizer step computes a gradient and moves nothing (Adam only fills its moments)",
            "start the warmup above 0, for example a factor (step + 1) / warmup_steps, capped at 1",
            (_GH + "huggingface/transformers/issues/34754", _GH + "google-research/bert/issues/1293"), 8),
)}
