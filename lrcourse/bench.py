"""``lrcourse bench``: which measurements run, and the report that prints them.

Targets are ratios against a reference measured in the same process, on the
same data and threads, so they hold on any machine. They are reported, not
asserted by timing tests. The measurements themselves live in
:mod:`lrcourse.benchmarks`; each is one :class:`Measurement` of
:data:`MEASUREMENTS` here: its key in ``--json``, how it runs (``--quick`` or
not), and the lines of its section in the report. A new measurement is a
function there and an entry here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import torch

from .benchmarks import curve_speed, epoch_memory, finder_cost, throughput, widget_latency
from .audit_bench import audit_overhead, format_audit

__all__ = ["Measurement", "MEASUREMENTS", "run_all", "format_report"]


def _ok(good: bool) -> str:
    return "ok" if good else "BELOW TARGET"


@dataclass(frozen=True)
class Measurement:
    r"""One section of ``lrcourse bench``.

    Args:
        key (str): its key in the results (``lrcourse bench --json``).
        run (callable): ``run(threads, quick)`` measures and returns a dict.
        report (callable): ``report(result)`` returns the section's lines, its title first.

    Example:
        >>> [m.key for m in MEASUREMENTS]
        ['throughput', 'lr_curve', 'widget', 'memory', 'finder', 'audit']
    """

    key: str
    run: Callable[[int, bool], dict]
    report: Callable[[dict], list]


def _throughput_lines(t: dict) -> list:
    return [f"Training throughput, batch {t['batch_size']}, {t['threads']} threads, "
            f"{t['images']} {t['source']} images on {t['device']}",
            f"   course MnistCNN on index-batched tensors : {t['course_img_per_s']:9,.0f} images/s",
            f"   examples Net + DataLoader(ToTensor, Normalize): {t['reference_img_per_s']:6,.0f} images/s",
            f"   ratio {t['ratio']:.1f}x   (target >= {t['target_ratio']:.0f}x: {_ok(t['ratio'] >= t['target_ratio'])})"]


def _curve_lines(c: dict) -> list:
    return [f"lr_curve vs naive stepping, {c['scheduler']}, {c['num_steps']:,} steps",
            f"   lr_curve {c['lr_curve_ms']:.1f} ms   naive {c['naive_ms']:.1f} ms   "
            f"ratio {c['ratio']:.1f}x   identical values: {c['identical']}",
            f"   (target <= {c['target_ms']:.0f} ms: {_ok(c['lr_curve_ms'] <= c['target_ms'])})"]


def _widget_lines(w: dict) -> list:
    return [f"Slider change to redrawn figure (in the kernel), {w['num_steps']:,}-step OneCycleLR curve",
            f"   live explorer (set_data + draw_idle) {w['live_ms']:.1f} ms   naive interact + plt.plot "
            f"{w['naive_ms']:.1f} ms   ratio {w['ratio']:.1f}x",
            f"   (target median <= {w['target_ms']:.0f} ms: {_ok(w['live_ms'] <= w['target_ms'])})"]


def _memory_lines(m: dict) -> list:
    return [f"Peak memory of one training epoch ({m['train_images']:,} images, fresh process)",
            f"   {m['peak_rss_mb']:.0f} MB resident at peak, {m['rss_before_mb']:.0f} MB just before the epoch "
            f"(torch, data and model loaded)"]


def _finder_lines(f: dict) -> list:
    return [f"LR range test vs plain training, {f['num_iter']} iterations of batch {f['batch_size']} "
            f"on {f['device']}",
            f"   range test {f['finder_s'] * 1000:.0f} ms (save, sweep, restore)   plain steps "
            f"{f['plain_s'] * 1000:.0f} ms   ratio {f['ratio']:.2f}x",
            f"   (target <= {f['target_ratio']:.2f}x: {_ok(f['ratio'] <= f['target_ratio'])})"]


#: every measurement of ``lrcourse bench``, in the order of the report
MEASUREMENTS = (
    Measurement("throughput", lambda threads, quick: throughput(threads, repeat=1 if quick else 3,
                                                                num_images=640 if quick else 3500),
                _throughput_lines),
    Measurement("lr_curve", lambda threads, quick: curve_speed(repeat=2 if quick else 5), _curve_lines),
    Measurement("widget", lambda threads, quick: widget_latency(repeat=5 if quick else 21), _widget_lines),
    Measurement("memory", lambda threads, quick: epoch_memory(threads), _memory_lines),
    Measurement("finder", lambda threads, quick: finder_cost(threads, repeat=1 if quick else 5), _finder_lines),
    Measurement("audit", lambda threads, quick: audit_overhead(threads, repeat=1 if quick else 5,
                                                               num_images=640 if quick else 3500), format_audit),
)


def run_all(threads: int = 2, quick: bool = False) -> dict:
    r"""Every benchmark, as one dict (what ``lrcourse bench --json`` prints).

    Example:
        >>> print(format_report(run_all(quick=True)))  # doctest: +SKIP
    """
    results = {
        "machine": {"cpu_count": os.cpu_count(), "torch": torch.__version__,
                    "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
    }
    for m in MEASUREMENTS:
        results[m.key] = m.run(threads, quick)
    if torch.cuda.is_available():
        results["throughput_cuda"] = throughput(threads, repeat=1 if quick else 3, device="cuda")
        results["memory_cuda"] = epoch_memory(threads, device="cuda")
        results["finder_cuda"] = finder_cost(threads, repeat=1 if quick else 5, device="cuda")
    return results


def format_report(r: dict) -> str:
    """The human-readable report of :func:`run_all`: one numbered section per measurement it holds.

    Example:
        >>> format_report(run_all())  # doctest: +SKIP
    """
    machine = r["machine"]
    lines = [f"lrcourse bench  (torch {machine['torch']}, {machine['cpu_count']} CPUs"
             + (f", GPU {machine['cuda']}" if machine["cuda"] else ", no GPU") + ")"]
    number = 0
    for m in MEASUREMENTS:
        if m.key in r:
            number += 1
            title, *rest = m.report(r[m.key])
            lines += ["", f"{number}. {title}", *rest]
    if "notebooks" in r:
        lines += ["", "Notebook run times (fresh kernel, executed from the .py source; target <= 90 s each)"]
        lines += [f"   {n['notebook']:<24} {n['seconds']:6.1f} s" for n in r["notebooks"]]
    if "throughput_cuda" in r:
        g, gm = r["throughput_cuda"], r["memory_cuda"]
        lines += ["", f"{number + 1}. On the GPU ({machine['cuda']})",
                  f"   course MnistCNN {g['course_img_per_s']:,.0f} images/s vs reference "
                  f"{g['reference_img_per_s']:,.0f} images/s (ratio {g['ratio']:.1f}x)",
                  f"   peak CUDA memory of one epoch: {gm.get('cuda_peak_mb', 0):.0f} MB"]
        if "finder_cuda" in r:
            fc = r["finder_cuda"]
            lines.append(f"   LR range test vs plain training, {fc['num_iter']} iterations: ratio {fc['ratio']:.2f}x")
    return "\n".join(lines)
