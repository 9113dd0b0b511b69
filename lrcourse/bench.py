"""Speed and memory figures, measured side by side in one run (``lrcourse bench``).

Targets are ratios against a reference measured in the same process, on the
same data and threads, so they hold on any machine. They are reported, not
asserted by timing tests.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

from .audit_bench import audit_overhead, format_audit

__all__ = ["throughput", "curve_speed", "finder_cost", "epoch_memory", "widget_latency", "run_all", "format_report"]


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class _PILDigits(torch.utils.data.Dataset):
    """The examples' input path: a PIL image per sample, then ToTensor and Normalize."""

    def __init__(self, images, labels):
        from torchvision import transforms

        self.images, self.labels = images, labels
        self.transform = transforms.Compose(
            [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image

        img = Image.fromarray(self.images[i].numpy(), mode="L")
        return self.transform(img), int(self.labels[i])


def throughput(threads: int = 2, batch_size: int = 64, num_images: int = 3500,
               repeat: int = 3, device: str = "cpu") -> dict:
    r"""Training images per second: the course CNN on tensors vs the examples Net on a DataLoader.

    Both train on the same MNIST images (the first ``num_images`` of the
    training split) with the same batch size and thread count.

    Example:
        >>> r = throughput(num_images=256, repeat=1)  # doctest: +SKIP
        >>> r["ratio"] > 1  # doctest: +SKIP
        True
    """
    from .data import mnist_arrays, Split, normalize
    from .models import ExamplesNet, MnistCNN

    torch.set_num_threads(threads)
    arrays = mnist_arrays(download=False)
    images, labels = arrays["train"]
    images, labels = images[:num_images], labels[:num_images]
    n = len(labels)
    gen = torch.Generator().manual_seed(0)

    torch.manual_seed(0)
    model = MnistCNN().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    split = Split(normalize(images), labels).to(device)
    loss_fn = torch.nn.CrossEntropyLoss()

    def course_epoch():
        for xb, yb in split.batches(batch_size, shuffle=True, generator=gen):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        if device == "cuda":
            torch.cuda.synchronize()

    torch.manual_seed(0)
    ref = ExamplesNet().to(device)
    ref_opt = torch.optim.Adadelta(ref.parameters(), lr=1.0)  # as in pytorch/examples
    loader = torch.utils.data.DataLoader(_PILDigits(images, labels), batch_size=batch_size,
                                         shuffle=True, generator=gen)

    def reference_epoch():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            ref_opt.zero_grad()
            torch.nn.functional.nll_loss(ref(xb), yb).backward()
            ref_opt.step()
        if device == "cuda":
            torch.cuda.synchronize()

    course_epoch(), reference_epoch()  # warm-up
    t_course = _median_time(course_epoch, repeat)
    t_ref = _median_time(reference_epoch, repeat)
    return {
        "device": device, "threads": threads, "batch_size": batch_size, "images": n,
        "source": arrays["source"],
        "course_img_per_s": n / t_course, "reference_img_per_s": n / t_ref,
        "ratio": t_ref / t_course, "target_ratio": 5.0,
    }


def curve_speed(num_steps: int = 10_000, repeat: int = 5, name: str = "OneCycleLR") -> dict:
    r"""``lr_curve`` vs naive stepping (``optimizer.step()`` then ``scheduler.step()``).

    Example:
        >>> curve_speed(num_steps=100, repeat=1)["identical"]
        True
    """
    from .curves import lr_curve
    from .schedules import make_scheduler

    params = {"max_lr": 1.0, "total_steps": num_steps} if name == "OneCycleLR" else {}

    def fast():
        return lr_curve(name, num_steps, lr=0.1, **params)

    def naive():
        p = torch.nn.Parameter(torch.zeros(1))
        p.grad = torch.zeros(1)
        opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
        sched = make_scheduler(name, opt, **params)
        out = []
        for _ in range(num_steps):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            if len(out) < num_steps:
                sched.step()
        return np.array(out)

    same = bool(np.array_equal(fast(), naive()))
    t_fast = _median_time(fast, repeat)
    t_naive = _median_time(naive, repeat)
    return {"scheduler": name, "num_steps": num_steps, "lr_curve_ms": 1e3 * t_fast,
            "naive_ms": 1e3 * t_naive, "ratio": t_naive / t_fast, "identical": same,
            "target_ms": 25.0}


_MEMORY_CHILD = r"""
import json, sys, torch
import psutil
from lrcourse.memory import peak_rss_mb
from lrcourse.data import load_mnist
from lrcourse.models import MnistCNN
from lrcourse.train import fit
torch.set_num_threads(int(sys.argv[1]))
device = sys.argv[2]
data = load_mnist(device, verbose=False)
model = MnistCNN()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
before = psutil.Process().memory_info().rss / 2**20
if device == "cuda":
    torch.cuda.reset_peak_memory_stats()
fit(model, data, opt, num_epochs=1, progress=False)
out = {"rss_before_mb": before, "peak_rss_mb": peak_rss_mb(), "train_images": len(data.train)}
if device == "cuda":
    out["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
print(json.dumps(out))
"""


def finder_cost(threads: int = 2, num_iter: int = 100, batch_size: int = 64, repeat: int = 3,
                device: str = "cpu") -> dict:
    r"""Cost of an LR range test of ``num_iter`` iterations against ``num_iter`` plain training steps.

    Both use the course MnistCNN with SGD(momentum=0.9) on the same MNIST
    batches. The range test's time includes saving and restoring the model
    and optimizer; its rates stay below divergence so it runs every iteration.

    Example:
        >>> r = finder_cost(num_iter=20, repeat=1)  # doctest: +SKIP
        >>> r["iterations"]  # doctest: +SKIP
        20
    """
    from .data import Split, normalize, mnist_arrays
    from .finder import LRFinder, batches_forever
    from .models import MnistCNN

    torch.set_num_threads(threads)
    arrays = mnist_arrays(download=False)
    images, labels = arrays["train"]
    split = Split(normalize(images), labels).to(device)
    torch.manual_seed(0)
    model = MnistCNN().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    finder = LRFinder(model, opt, loss_fn)

    def plain():
        batches = batches_forever(split, batch_size, torch.Generator().manual_seed(0))  # as the finder's
        for _ in range(num_iter):
            xb, yb = next(batches)
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            opt.step()
        if device == "cuda":
            torch.cuda.synchronize()

    def range_test():
        finder.range_test(split, start_lr=1e-6, end_lr=1e-2, num_iter=num_iter, batch_size=batch_size,
                          verbose=False)
        if device == "cuda":
            torch.cuda.synchronize()

    plain(), range_test()  # warm-up
    t_finder, t_plain = [], []
    for _ in range(repeat):  # interleaved, so drifting machine load hits both alike
        t_plain.append(_median_time(plain, 1))
        t_finder.append(_median_time(range_test, 1))
    t_plain, t_finder = statistics.median(t_plain), statistics.median(t_finder)
    return {"device": device, "threads": threads, "num_iter": num_iter, "batch_size": batch_size,
            "iterations": len(finder.history["lr"]), "plain_s": t_plain, "finder_s": t_finder,
            "ratio": t_finder / t_plain, "target_ratio": 1.15}


def epoch_memory(threads: int = 2, device: str = "cpu") -> dict:
    r"""Peak resident memory of a fresh process that trains the course CNN for one epoch.

    Example:
        >>> epoch_memory()["peak_rss_mb"] > 0  # doctest: +SKIP
        True
    """
    proc = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(threads), device],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"the memory benchmark failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def widget_latency(num_steps: int = 10_000, repeat: int = 21) -> dict:
    r"""Slider change to redrawn figure, in the kernel, for a ``num_steps`` OneCycleLR curve.

    Live: :func:`~lrcourse.widgets.explore_schedule` with its canvas in the
    state JupyterLab puts it in once it shows it, so each change recomputes
    the curve (torch's ``scheduler.step`` loop), updates the lines with
    ``set_data``, draws the frame (only the lines, over the kept axes, when the
    axes stay) and encodes the PNG it sends: ``compute_ms`` and ``frame_ms``
    split that time. Naive: ``ipywidgets.interact`` with a callback that builds
    a new pyplot figure and renders it as the inline backend does. Both compute
    the same curve; every change uses a new value, so nothing is served from a
    cache. The browser's part (messages, decoding) is measured by the browser test.

    Example:
        >>> widget_latency(num_steps=500, repeat=3)["live_ms"] > 0
        True
    """
    import ipywidgets as W
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure

    from .curves import explorer_curve
    from .widgets import explore_schedule

    spe = 100 if num_steps % 100 == 0 else 1
    epochs = num_steps // spe
    ex = explore_schedule("OneCycleLR", num_epochs=epochs, steps_per_epoch=spe)
    ex.figure.attach_front_end()  # as JupyterLab's front end does once it shows the canvas
    ex.redraw_now()  # the first frame, which the browser asks for
    values = np.linspace(0.2, 0.5, repeat + 1)

    def live(i):
        ex.set(pct_start=float(values[i]))  # recomputes, draws and encodes the frame it sends

    def compute(i):
        explorer_curve("OneCycleLR", {"pct_start": float(values[i]), "total_steps": num_steps},
                       num_epochs=epochs, steps_per_epoch=spe)

    def naive_plot(pct_start):
        c = explorer_curve("OneCycleLR", {"pct_start": pct_start, "total_steps": num_steps},
                           num_epochs=epochs, steps_per_epoch=spe)
        fig, (ax, ax_mom) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 3.8))
        ax.plot(c["lr"])
        ax_mom.plot(c["momentum"])
        print_figure(fig, "png", bbox_inches="tight")  # what the inline backend displays
        plt.close(fig)

    def naive(i):
        ui.children[0].value = float(values[i])

    def timed(change) -> float:
        times = []
        for i in range(repeat):
            start = time.perf_counter()
            change(i)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    t_live = timed(live)
    t_compute = timed(compute)
    t_frame = timed(lambda i: ex.redraw_now())
    with contextlib.redirect_stdout(io.StringIO()):  # interact's output area, outside a kernel
        ui = W.interactive(naive_plot, pct_start=W.FloatSlider(value=0.3, min=0.05, max=0.95, step=0.001))
        t_naive = timed(naive)
    return {"num_steps": num_steps, "live_ms": 1e3 * t_live, "naive_ms": 1e3 * t_naive,
            "ratio": t_naive / t_live, "target_ms": 50.0, "compute_ms": 1e3 * t_compute,
            "frame_ms": 1e3 * t_frame}


def run_all(threads: int = 2, quick: bool = False) -> dict:
    r"""Every benchmark, as one dict (what ``lrcourse bench --json`` prints).

    Example:
        >>> print(format_report(run_all(quick=True)))  # doctest: +SKIP
    """
    results = {
        "machine": {"cpu_count": os.cpu_count(), "torch": torch.__version__,
                    "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
        "throughput": throughput(threads, repeat=1 if quick else 3,
                                 num_images=640 if quick else 3500),
        "lr_curve": curve_speed(repeat=2 if quick else 5),
        "widget": widget_latency(repeat=5 if quick else 21),
        "memory": epoch_memory(threads),
        "finder": finder_cost(threads, repeat=1 if quick else 5),
        "audit": audit_overhead(threads, repeat=1 if quick else 5, num_images=640 if quick else 3500),
    }
    if torch.cuda.is_available():
        results["throughput_cuda"] = throughput(threads, repeat=1 if quick else 3, device="cuda")
        results["memory_cuda"] = epoch_memory(threads, device="cuda")
        results["finder_cuda"] = finder_cost(threads, repeat=1 if quick else 5, device="cuda")
    return results


def format_report(r: dict) -> str:
    """The human-readable report of :func:`run_all`.

    Example:
        >>> format_report(run_all())  # doctest: +SKIP
    """
    t, c, m, w = r["throughput"], r["lr_curve"], r["memory"], r["widget"]
    ok = lambda good: "ok" if good else "BELOW TARGET"  # noqa: E731
    lines = [
        f"lrcourse bench  (torch {r['machine']['torch']}, {r['machine']['cpu_count']} CPUs"
        + (f", GPU {r['machine']['cuda']}" if r["machine"]["cuda"] else ", no GPU") + ")",
        "",
        f"1. Training throughput, batch {t['batch_size']}, {t['threads']} threads, "
        f"{t['images']} {t['source']} images on {t['device']}",
        f"   course MnistCNN on index-batched tensors : {t['course_img_per_s']:9,.0f} images/s",
        f"   examples Net + DataLoader(ToTensor, Normalize): {t['reference_img_per_s']:6,.0f} images/s",
        f"   ratio {t['ratio']:.1f}x   (target >= {t['target_ratio']:.0f}x: {ok(t['ratio'] >= t['target_ratio'])})",
        "",
        f"2. lr_curve vs naive stepping, {c['scheduler']}, {c['num_steps']:,} steps",
        f"   lr_curve {c['lr_curve_ms']:.1f} ms   naive {c['naive_ms']:.1f} ms   "
        f"ratio {c['ratio']:.1f}x   identical values: {c['identical']}",
        f"   (target <= {c['target_ms']:.0f} ms: {ok(c['lr_curve_ms'] <= c['target_ms'])})",
        "",
        f"3. Slider change to redrawn figure (in the kernel), {w['num_steps']:,}-step OneCycleLR curve",
        f"   live explorer (set_data + draw_idle) {w['live_ms']:.1f} ms   naive interact + plt.plot "
        f"{w['naive_ms']:.1f} ms   ratio {w['ratio']:.1f}x",
        f"   (target median <= {w['target_ms']:.0f} ms: {ok(w['live_ms'] <= w['target_ms'])})",
        "",
        f"4. Peak memory of one training epoch ({m['train_images']:,} images, fresh process)",
        f"   {m['peak_rss_mb']:.0f} MB resident at peak, {m['rss_before_mb']:.0f} MB just before the epoch "
        f"(torch, data and model loaded)",
    ]
    if "finder" in r:
        f = r["finder"]
        lines += ["", f"5. LR range test vs plain training, {f['num_iter']} iterations of batch {f['batch_size']} "
                  f"on {f['device']}",
                  f"   range test {f['finder_s'] * 1000:.0f} ms (save, sweep, restore)   plain steps "
                  f"{f['plain_s'] * 1000:.0f} ms   ratio {f['ratio']:.2f}x",
                  f"   (target <= {f['target_ratio']:.2f}x: {ok(f['ratio'] <= f['target_ratio'])})"]
    if "audit" in r:
        lines += ["", "7. " + "\n".join(format_audit(r["audit"]))]
    if "notebooks" in r:
        lines += ["", "Notebook run times (fresh kernel, executed from the .py source; target <= 90 s each)"]
        lines += [f"   {n['notebook']:<24} {n['seconds']:6.1f} s" for n in r["notebooks"]]
    if "throughput_cuda" in r:
        g, gm = r["throughput_cuda"], r["memory_cuda"]
        lines += ["", f"6. On the GPU ({r['machine']['cuda']})",
                  f"   course MnistCNN {g['course_img_per_s']:,.0f} images/s vs reference "
                  f"{g['reference_img_per_s']:,.0f} images/s (ratio {g['ratio']:.1f}x)",
                  f"   peak CUDA memory of one epoch: {gm.get('cuda_peak_mb', 0):.0f} MB"]
        if "finder_cuda" in r:
            fc = r["finder_cuda"]
            lines.append(f"   LR range test vs plain training, {fc['num_iter']} iterations: ratio {fc['ratio']:.2f}x")
    return "\n".join(lines)
