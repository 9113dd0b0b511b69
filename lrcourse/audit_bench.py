"""How well :mod:`lrcourse.audit` does, measured: coverage, false alarms, transformers' warmup, overhead.

``python -m lrcourse.audit_bench`` prints all four; ``lrcourse bench`` adds the overhead
(:func:`audit_overhead`). Coverage counts the pitfalls of :data:`~lrcourse.pitfalls.PITFALLS`
that the audit names on notebook 07's broken exhibits (:mod:`lrcourse.audit_exhibits`); false
alarms are findings on their fixes, on :func:`~lrcourse.train.fit` and
:func:`~lrcourse.shootout.shootout` runs with the course's schedules, and on a warmup + cosine
``LambdaLR`` whose warmup starts above 0. Counts, not timed asserts; the tests hold the counts.
"""
from __future__ import annotations

import math
import statistics
import time
import warnings
from dataclasses import replace
from functools import partial

import torch
from torch.optim import lr_scheduler as S

from .audit import watch
from .audit_exhibits import audit_exhibits
from .pitfalls import PITFALLS

__all__ = ["transformers_cosine_with_warmup", "coverage", "false_alarms", "transformers_warmup", "audit_overhead",
           "format_audit", "main"]


def _hf_cosine_lambda(current_step, *, num_warmup_steps, num_training_steps, num_cycles):
    # transformers.optimization._get_cosine_schedule_with_warmup_lr_lambda, line for line
    if current_step < num_warmup_steps:
        return float(current_step) / float(max(1, num_warmup_steps))
    progress = float(current_step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


def transformers_cosine_with_warmup(optimizer, num_warmup_steps: int, num_training_steps: int,
                                    num_cycles: float = 0.5):
    r"""``transformers.get_cosine_schedule_with_warmup``, rebuilt as the same ``LambdaLR`` (transformers is not installed here).

    Example:
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> transformers_cosine_with_warmup(opt, 4, 20).get_last_lr()
        [0.0]
    """
    try:
        from transformers import get_cosine_schedule_with_warmup
    except ImportError:
        return S.LambdaLR(optimizer, partial(_hf_cosine_lambda, num_warmup_steps=num_warmup_steps,
                                             num_training_steps=num_training_steps, num_cycles=num_cycles))
    return get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, num_cycles)


def coverage() -> dict:
    r"""The pitfalls the audit names on 07's broken exhibits, and what it names on their fixes.

    Example:
        >>> c = coverage()
        >>> c["named"], c["of"]
        (8, 8)
    """
    rows = audit_exhibits()
    named = {k for r in rows for k in r["broken"] if k in r["expected"]}
    return {"rows": rows, "named": len(named), "of": len(PITFALLS), "missed": sorted(set(PITFALLS) - named)}


def _fit_cases(steps_per_epoch: int, num_epochs: int) -> dict:
    n = steps_per_epoch * num_epochs
    warm = max(1, n // 10)
    return {
        "StepLR": (lambda o: S.StepLR(o, step_size=2, gamma=0.5), None),
        "ExponentialLR": (lambda o: S.ExponentialLR(o, gamma=0.9), None),
        "CosineAnnealingLR per epoch": (lambda o: S.CosineAnnealingLR(o, T_max=num_epochs), None),
        "CosineAnnealingLR per batch": (lambda o: S.CosineAnnealingLR(o, T_max=n), "batch"),
        "OneCycleLR": (lambda o: S.OneCycleLR(o, max_lr=0.05, total_steps=n), None),
        "CyclicLR": (lambda o: S.CyclicLR(o, 0.001, 0.05, step_size_up=steps_per_epoch), None),
        "ReduceLROnPlateau": (lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=0), None),
        "LinearLR warmup + cosine (08)": (lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=warm),
                                                                      S.CosineAnnealingLR(o, T_max=n - warm)],
                                                                  milestones=[warm]), "batch"),
        "WSD LambdaLR (08)": (lambda o: S.LambdaLR(o, lambda s: min(0.1 + 0.9 * s / warm, 1.0, (n - s) / max(1, n // 5))),
                              "batch"),
        "warmup + cosine LambdaLR from 0.1": (
            lambda o: S.LambdaLR(o, lambda s: 0.1 + 0.9 * s / warm if s < warm
                                 else 0.5 * (1 + math.cos(math.pi * (s - warm) / (n - warm)))), "batch"),
    }


def false_alarms(num_images: int = 256, num_epochs: int = 3) -> list[dict]:
    r"""Every finding on runs that have no pitfall: ``fit`` and ``shootout`` with the course's schedules.

    ``fit`` trains the CNN on the first ``num_images`` of the offline sample for ``num_epochs``
    with each schedule; ``shootout`` races them all on one seed. Each run is watched from its
    scheduler factory, the one line a learner adds. The fixes of 07's exhibits are in :func:`coverage`.

    Example:
        >>> [r for r in false_alarms(num_images=64, num_epochs=2) if r["named"]]  # doctest: +SKIP
        []
    """
    from .data import Split, load_mnist
    from .models import MnistCNN
    from .shootout import Contestant, shootout
    from .train import fit

    mnist = load_mnist("cpu", source="sample", verbose=False)
    small = replace(mnist, train=Split(mnist.train.x[:num_images], mnist.train.y[:num_images]),
                    val=Split(mnist.val.x[:128], mnist.val.y[:128]), test=Split(mnist.test.x[:128], mnist.test.y[:128]))
    spe = math.ceil(num_images / 64)
    rows, audits = [], []

    def watched(make, o):
        scheduler = make(o)
        audits.append(watch(o, scheduler, steps_per_epoch=spe, num_epochs=num_epochs))
        return scheduler

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for label, (make, step_per) in _fit_cases(spe, num_epochs).items():
            torch.manual_seed(0)
            model = MnistCNN()
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
            fit(model, small, opt, watched(make, opt), num_epochs, step_per=step_per, progress=False, verbose=False)
            report = audits.pop().report()
            rows.append({"run": f"fit: {label}", "named": sorted(report.names), "steps": report.optimizer_steps})
        contestants = [Contestant(label, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
                                  partial(watched, make), step_per=step_per)
                       for label, (make, step_per) in _fit_cases(spe, num_epochs).items()]
        shootout(contestants, small, seeds=(0,), num_epochs=num_epochs, verbose=False)
    reports = [a.report() for a in audits]
    rows += [{"run": f"shootout: {c.label}", "named": sorted(r.names), "steps": r.optimizer_steps}
             for c, r in zip(contestants, reports)]
    return rows


def transformers_warmup(num_warmup_steps: int = 10, num_training_steps: int = 100) -> dict:
    r"""What the audit names on transformers' ``get_cosine_schedule_with_warmup``, stepped per batch.

    Example:
        >>> transformers_warmup()["named"]
        ['warmup_zero']
    """
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=1e-3)
    sched = transformers_cosine_with_warmup(opt, num_warmup_steps, num_training_steps)
    with watch(opt, sched, steps_per_epoch=num_training_steps, num_epochs=1) as audit:
        for _ in range(num_training_steps):
            p.grad = torch.ones(1)
            opt.step()
            sched.step()
    try:
        import transformers  # noqa: F401
        source = "transformers"
    except ImportError:
        source = "its LambdaLR, reproduced (transformers is not installed)"
    return {"source": source, "first_rate": float(audit.rates[0, 0]), "named": sorted(audit.report().names)}


def audit_overhead(threads: int = 2, batch_size: int = 64, num_images: int = 3500, repeat: int = 3) -> dict:
    r"""One MNIST CNN epoch on the CPU with and without the audit watching (OneCycleLR stepped per batch).

    The two epochs alternate ``repeat`` times, so drifting load hits both; the medians are compared.

    Example:
        >>> audit_overhead(num_images=128, repeat=1)["ratio"] > 0  # doctest: +SKIP
        True
    """
    from .data import Split, mnist_arrays, normalize
    from .models import MnistCNN

    torch.set_num_threads(threads)
    images, labels = mnist_arrays(download=False)["train"]
    split = Split(normalize(images[:num_images]), labels[:num_images])
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch(audited: bool):
        torch.manual_seed(0)
        model = MnistCNN()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        sched = S.OneCycleLR(opt, max_lr=0.05, total_steps=split.num_batches(batch_size))
        audit = watch(opt, sched, steps_per_epoch=split.num_batches(batch_size), num_epochs=1) if audited else None
        start = time.perf_counter()
        for xb, yb in split.batches(batch_size, shuffle=True, generator=torch.Generator().manual_seed(0)):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
            sched.step()
        if audit is not None:
            audit.report()
            audit.close()
        return time.perf_counter() - start

    def bare_steps(audited: bool, n: int = 2000):  # what the audit adds to one step, without the model
        p = torch.nn.Parameter(torch.zeros(1))
        p.grad = torch.zeros(1)
        opt = torch.optim.SGD([p], lr=0.05, momentum=0.9)
        sched = S.OneCycleLR(opt, max_lr=0.05, total_steps=n + 1)
        audit = watch(opt, sched, steps_per_epoch=n, num_epochs=1) if audited else None
        start = time.perf_counter()
        for _ in range(n):
            opt.step()
            sched.step()
        elapsed = time.perf_counter() - start
        if audit is not None:
            audit.close()
        return elapsed / n

    epoch(False), epoch(True)  # warm-up
    plain, audited, added = [], [], []
    for _ in range(repeat):
        plain.append(epoch(False))
        audited.append(epoch(True))
        added.append(bare_steps(True) - bare_steps(False))
    t_plain, t_audit = statistics.median(plain), statistics.median(audited)
    per_step = max(0.0, statistics.median(added))
    steps = split.num_batches(batch_size)
    return {"threads": threads, "images": len(split), "plain_s": t_plain, "audited_s": t_audit,
            "overhead": t_audit / t_plain - 1, "added_us_per_step": 1e6 * per_step,
            "hooks_share": per_step * steps / t_plain, "target_overhead": 0.05}


def format_audit(r: dict) -> list[str]:
    r"""The lines ``lrcourse bench`` prints for :func:`audit_overhead`.

    Example:
        >>> format_audit({"images": 10, "threads": 1, "plain_s": 1.0, "audited_s": 1.01, "overhead": 0.01,
        ...               "target_overhead": 0.05})[1]
        '   plain 1000 ms   audited 1010 ms   overhead +1.0%   (target <= 5%: ok)'
    """
    ok = "ok" if r["overhead"] <= r["target_overhead"] else "ABOVE TARGET"
    lines = [f"Schedule audit (lrcourse.audit.watch) on one MNIST CNN epoch, {r['images']:,} images, "
             f"{r['threads']} threads",
             f"   plain {r['plain_s'] * 1000:.0f} ms   audited {r['audited_s'] * 1000:.0f} ms   overhead "
             f"{r['overhead']:+.1%}   (target <= {r['target_overhead']:.0%}: {ok})"]
    if "added_us_per_step" in r:
        lines.append(f"   the hooks alone: {r['added_us_per_step']:.0f} us per step, {r['hooks_share']:.2%} of the epoch")
    return lines


def main(threads: int = 2) -> None:
    r"""Print coverage, false alarms, transformers' warmup and the overhead.

    Example:
        >>> main()  # doctest: +SKIP
    """
    c = coverage()
    print(f"Coverage: the audit names {c['named']} of the {c['of']} pitfalls on 07's broken exhibits"
          + (f" (missed: {', '.join(c['missed'])})" if c["missed"] else ""))
    for r in c["rows"]:
        print(f"   §{r['section']} {r['exhibit']:<52} broken: {', '.join(r['broken']) or '-':<24} "
              f"fixed: {', '.join(r['fixed']) or 'nothing'}")
    rows = false_alarms()
    alarms = [r for r in rows if r["named"]] + [r for r in c["rows"] if r["fixed"]]
    print(f"False alarms: {len(alarms)} in {len(rows) + len(c['rows'])} runs with no pitfall "
          f"({len(c['rows'])} fixed exhibits, {len(rows)} fit and shootout runs)")
    for r in rows:
        print(f"   {r['run']:<52} {r['steps']:>4} optimizer steps, named: {', '.join(r['named']) or 'nothing'}")
    hf = transformers_warmup()
    print(f"transformers' get_cosine_schedule_with_warmup ({hf['source']}): first step at rate "
          f"{hf['first_rate']:g}, named: {', '.join(hf['named']) or 'nothing'}")
    print("\n".join(format_audit(audit_overhead(threads))))


if __name__ == "__main__":
    main()
