"""lrcourse.checks.pitfalls_exercises: the exercises of notebook 07, and the curves the notebook imports."""
import numpy as np
import pytest
import torch.nn.functional as F
from helpers import assert_fails, assert_passes
from torch.optim.lr_scheduler import OneCycleLR

from lrcourse.checks import check, exercises, mystery_curves


def test_spot_wrong_curves():
    curves = mystery_curves()
    assert set(curves) == set("ABCDEF") and all(len(c) == 100 for c in curves.values())
    assert np.isclose(curves["B"][5], 0.0, atol=1e-12) and np.isclose(curves["B"][10], 0.1)  # climbs back
    assert curves["D"][0] < 0.1 and curves["D"][-1] == 0.0  # first rate skipped
    assert curves["E"].max() < 0.02  # never near its peak
    assert_passes("07.spot_wrong_curves", {"B", "D", "E"})
    assert_passes("07.spot_wrong_curves", "bde")
    result = assert_fails("07.spot_wrong_curves", {"B", "D"}, "never comes near its peak", "1 wrong curve missing")
    assert "E" not in result.message.replace("E:", "")  # the hint describes the curve, not its letter
    assert_fails("07.spot_wrong_curves", "ABDE", "A is right")
    assert_fails("07.spot_wrong_curves", "BDEZ", "no curve Z")


def buggy_train(model, optimizer, batches, num_epochs):
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs)
    reported = []
    for epoch in range(num_epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            scheduler.step()
            optimizer.step()
        reported.append(scheduler.get_lr()[0])
    return reported


def _clean(total="run", order="after", cycle_momentum=False, read="get_last_lr"):
    def train(model, optimizer, batches, num_epochs):
        total_steps = num_epochs * len(batches) if total == "run" else num_epochs
        scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=total_steps, cycle_momentum=cycle_momentum)
        reported = []
        for epoch in range(num_epochs):
            for x, y in batches:
                optimizer.zero_grad()
                F.mse_loss(model(x), y).backward()
                if order == "before":
                    scheduler.step()
                optimizer.step()
                if order == "after":
                    scheduler.step()
            reported.append(getattr(scheduler, read)()[0])
        return reported
    return train


def test_clean_loop():
    assert_fails("07.clean_loop", buggy_train, "Tried to step")
    assert_fails("07.clean_loop", _clean(order="before"), "first rate was skipped")
    assert_fails("07.clean_loop", _clean(cycle_momentum=True), "cycles it by default")
    assert_fails("07.clean_loop", _clean(read="get_lr"), "get_last_lr")  # OneCycleLR's get_lr() is right, but warns
    assert_passes("07.clean_loop", _clean())


def test_every_07_exercise_is_tested():
    tested = {"07.fix_silent_loop", "07.fix_step_order", "07.fix_onecycle_steps", "07.fix_cosine_units",
              "07.fix_accumulation", "07.fix_plateau_metric", "07.fix_resume", "07.fix_group_rates",
              "07.fix_warmup_zero", "07.spot_wrong_curves", "07.clean_loop", "07.predict_accumulated_rate"}
    assert {k for k in exercises() if k.startswith("07.")} == tested


@pytest.mark.parametrize("exercise_id", ["07.fix_silent_loop", "07.fix_resume", "07.fix_accumulation",
                                         "07.spot_wrong_curves", "07.clean_loop", "07.predict_accumulated_rate"])
def test_unanswered_is_a_hint(exercise_id):
    result = check(exercise_id, ...)
    assert not result.passed and "Replace the ..." in result.message


def test_predict_accumulated_rate():
    import math

    assert_passes("07.predict_accumulated_rate", 0.1 / 2 * (1 + math.cos(math.pi * 59 / 15)))
    assert_fails("07.predict_accumulated_rate", 0.1 / 2 * (1 + math.cos(math.pi * 14 / 15)), "meant for")
    assert_fails("07.predict_accumulated_rate", 0.1 / 2 * (1 + math.cos(math.pi * 20 / 15)), "after 10 (or 20) calls")
    assert_fails("07.predict_accumulated_rate", 0.03, "not a rate this cosine takes")
