"""lrcourse.checks.pitfalls: notebook 07's exhibits where a scheduler is built or stepped wrong.

The exhibits are read from the notebook itself (the cells tagged ``exhibit`` in
notebooks/07_pitfalls.py, executed in order with strict checks), never retyped here:
every broken form must fail its check and every fix must pass. The variants below are
extra wrong answers a learner might write, each with the hint it must get.
"""
import os
from pathlib import Path

import jupytext
import pytest
import torch.nn.functional as F
from helpers import assert_fails, assert_passes
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearLR, OneCycleLR, ReduceLROnPlateau

from lrcourse.checks.core import STRICT_ENV

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "07_pitfalls.py"


def exhibit_cells(path=NOTEBOOK):
    """The source of every code cell tagged ``exhibit``, in notebook order."""
    cells = jupytext.read(path).cells
    return [c.source for c in cells if c.cell_type == "code" and "exhibit" in c.metadata.get("tags", [])]


@pytest.fixture(scope="module")
def exhibits():
    """The namespace left by running the notebook's exhibit cells with strict checks."""
    import matplotlib

    matplotlib.use("Agg")
    old = os.environ.get(STRICT_ENV)
    os.environ[STRICT_ENV] = "1"  # a broken form that passes, or a fix that fails, raises
    namespace: dict = {}
    try:
        for source in exhibit_cells():
            exec(compile(source, str(NOTEBOOK), "exec"), namespace)
    finally:
        if old is None:
            os.environ.pop(STRICT_ENV)
        else:
            os.environ[STRICT_ENV] = old
    return namespace


def test_the_notebook_has_nine_exhibit_checks_each_with_its_fix():
    sources = "\n".join(exhibit_cells())
    broken = [line for line in sources.splitlines() if "expect_pass=False" in line]
    ids = {line.split('"')[1] for line in broken}
    assert len(ids) == len(broken) == 9
    for exercise_id in ids:
        assert sources.count(f'check("{exercise_id}", fixed_') == 1, exercise_id


def test_every_exhibit_fails_and_every_fix_passes(exhibits):
    assert callable(exhibits["silent_loop"]) and callable(exhibits["fixed_silent_loop"])


def test_exhibit_hints(exhibits):
    ns = exhibits
    assert_fails("07.fix_silent_loop", ns["silent_loop"], "optimizer.step() was never called", "get_lr() call")
    assert_fails("07.fix_step_order", ns["scheduler_first"], "skipped", "Detected call")
    assert_fails("07.fix_onecycle_steps", ns["one_cycle_per_epoch"], "once per epoch")
    assert_fails("07.fix_onecycle_steps", ns["one_cycle_sized_in_epochs"], "Tried to step")
    assert_fails("07.fix_cosine_units", ns["cosine_for"], "climbs back", "steps it 200 times")
    assert_fails("07.fix_accumulation", ns["accumulate"], "12 times for 6 optimizer steps", "2x too fast")
    assert_fails("07.fix_plateau_metric", ns["plateau_in_sequential"], "SequentialLR cannot hold")
    assert_fails("07.fix_plateau_metric", ns["plateau_without_metric"], "needs the number it watches")
    assert_fails("07.fix_resume", (ns["save_checkpoint"], ns["load_checkpoint"]), "last_epoch is 0")
    assert_fails("07.fix_group_rates", ns["one_cycle_for"], "Both groups peak at 0.01", "lost, silently")
    assert_fails("07.fix_warmup_zero", ns["warmup_for"], "lr = 0", "step = 0")


# --------------------------------------------------------------------------- 1. the silent loop
def get_lr_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()
        reported.append(scheduler.get_lr()[0])
    return reported


def no_zero_grad_loop(model, optimizer, scheduler, batches, num_epochs):
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()
        reported.append(scheduler.get_last_lr()[0])
    return reported


def test_silent_loop_variants(exhibits):
    assert_fails("07.fix_silent_loop", get_lr_loop, "get_lr() computes the NEXT")
    assert_fails("07.fix_silent_loop", no_zero_grad_loop, "zero_grad")
    assert_passes("07.fix_silent_loop", exhibits["fixed_silent_loop"])


# --------------------------------------------------------------------------- 2. step order
def per_batch(model, optimizer, scheduler, batches, num_epochs):
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()


def test_step_order_variants(exhibits):
    assert_fails("07.fix_step_order", per_batch, "inside an epoch")
    assert_passes("07.fix_step_order", exhibits["fixed_step_order"])


# --------------------------------------------------------------------------- 3. OneCycleLR per epoch
def _one_cycle_loop(make_scheduler, per):
    def train(model, optimizer, batches, num_epochs):
        scheduler = make_scheduler(optimizer, num_epochs, len(batches))
        for epoch in range(num_epochs):
            for x, y in batches:
                optimizer.zero_grad()
                F.mse_loss(model(x), y).backward()
                optimizer.step()
                if per == "batch":
                    scheduler.step()
            if per == "epoch":
                scheduler.step()
    return train


def test_onecycle_steps():
    right_size = lambda opt, e, b: OneCycleLR(opt, max_lr=0.1, epochs=e, steps_per_epoch=b)  # noqa: E731
    epochs_only = lambda opt, e, b: OneCycleLR(opt, max_lr=0.1, total_steps=e)  # noqa: E731
    too_long = lambda opt, e, b: OneCycleLR(opt, max_lr=0.1, total_steps=10 * e * b)  # noqa: E731
    assert_fails("07.fix_onecycle_steps", _one_cycle_loop(right_size, "epoch"), "once per epoch")
    assert_fails("07.fix_onecycle_steps", _one_cycle_loop(epochs_only, "batch"), "Tried to step")
    assert_fails("07.fix_onecycle_steps", _one_cycle_loop(too_long, "batch"), "how many steps is your cycle sized for")
    assert_passes("07.fix_onecycle_steps", _one_cycle_loop(right_size, "batch"))
    assert_passes("07.fix_onecycle_steps", _one_cycle_loop(
        lambda opt, e, b: OneCycleLR(opt, max_lr=0.1, total_steps=e * b), "batch"))


# --------------------------------------------------------------------------- 5. ReduceLROnPlateau
def fixed_plateau_both_every_epoch(optimizer, val_losses):
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    for val_loss in val_losses:
        optimizer.step()
        warmup.step()
        plateau.step(val_loss)


def test_plateau_metric_variants(exhibits):
    assert_passes("07.fix_plateau_metric", exhibits["fixed_plateau_metric"])
    assert_passes("07.fix_plateau_metric", fixed_plateau_both_every_epoch)


# --------------------------------------------------------------------------- 6. cosine units
def test_cosine_units():
    assert_fails("07.fix_cosine_units", lambda opt, num_epochs, steps_per_epoch: CosineAnnealingLR(
        opt, T_max=num_epochs), "climbs back", "T_max")
    assert_fails("07.fix_cosine_units", lambda opt, num_epochs, steps_per_epoch: CosineAnnealingLR(
        opt, T_max=200), "3 epochs of 7")  # right for 10 x 20 only: hard-coded
    assert_passes("07.fix_cosine_units", lambda opt, num_epochs, steps_per_epoch: CosineAnnealingLR(
        opt, T_max=num_epochs * steps_per_epoch))


# --------------------------------------------------------------------------- 4. gradient accumulation
def _accumulating(where):
    def train(model, optimizer, scheduler, batches, num_epochs, accum_steps=2):
        for epoch in range(num_epochs):
            for i, (x, y) in enumerate(batches):
                loss = F.mse_loss(model(x), y)
                (loss / accum_steps if where != "no division" else loss).backward()
                if (i + 1) % accum_steps == 0:
                    optimizer.step()
                    optimizer.zero_grad()
                    if where != "per epoch":
                        scheduler.step()
            if where == "per epoch":
                scheduler.step()
    return train


def test_accumulation_variants():
    assert_fails("07.fix_accumulation", _accumulating("per epoch"), "scheduler.step() ran 3 times")
    assert_fails("07.fix_accumulation", _accumulating("no division"), "loss / accum_steps")
    assert_passes("07.fix_accumulation", _accumulating("right"))


# --------------------------------------------------------------------------- 7. per-group rates
def test_group_rates_variants():
    assert_fails("07.fix_group_rates", lambda opt, n: OneCycleLR(opt, max_lr=[0.002, 0.02], total_steps=n),
                 "their own rates")
    assert_fails("07.fix_group_rates", lambda opt, n: CosineAnnealingLR(opt, T_max=n), "Return a OneCycleLR")
    assert_passes("07.fix_group_rates", lambda opt, n: OneCycleLR(opt, max_lr=[0.001, 0.01], total_steps=n))


# --------------------------------------------------------------------------- 8. warmup from zero
def test_warmup_zero_variants():
    assert_fails("07.fix_warmup_zero", lambda opt, k: LambdaLR(opt, lambda s: (s + 1) / k), "pass the initial 0.1")
    assert_fails("07.fix_warmup_zero", lambda opt, k: LambdaLR(opt, lambda s: 1.0 - s / 10), "never fall")
    assert_passes("07.fix_warmup_zero", lambda opt, k: LambdaLR(opt, lambda s: min(1.0, (s + 1) / (k + 1))))
    assert_passes("07.fix_warmup_zero", lambda opt, k: LinearLR(opt, start_factor=1 / k, total_iters=k - 1))
