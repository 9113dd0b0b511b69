"""The schedule explorer, headless: move controls with set(), and the plotted data is torch's own curve."""
import html

import numpy as np
import pytest

import lrcourse.widgets.explorer as explorer_module
from lrcourse.curves import explorer_curve, lr_curve, validation_curve
from lrcourse.optim import OPTIMIZERS
from lrcourse.specs import EXPLORER_NAMES, SPECS, build_scheduler, schedule_steps
from lrcourse.widgets import ScheduleExplorer, explore_schedule


def _plotted(ex):
    return ex.lines["lr"][1]


def _expected(ex):
    """The rate at every batch, from torch directly (lr_curve), not through the explorer's code."""
    s = ex.settings()
    name, params = s["name"], s["params"]
    spe, epochs = s["steps_per_epoch"], s["num_epochs"]
    n = schedule_steps(name, epochs, spe)
    metrics = validation_curve(epochs) if SPECS[name].on_metric else None
    lrs = lr_curve(lambda opt: build_scheduler(name, opt, params, n), n, lr=s["lr"], metrics=metrics)
    return lrs if SPECS[name].step_per == "batch" else np.repeat(lrs, spe)


def _axes(ex):
    return ex.figure.axes  # [rate, momentum or validation loss]


#: one slider move per scheduler: (control, new value)
MOVES = {
    "fixed": ("lr", 0.05), "StepLR": ("gamma", 0.3), "MultiStepLR": ("milestones", (5, 12)),
    "ConstantLR": ("factor", 0.25), "LinearLR": ("total_iters", 20), "ExponentialLR": ("gamma", 0.8),
    "PolynomialLR": ("power", 2.0), "CosineAnnealingLR": ("T_max", 10), "CosineAnnealingWarmRestarts": ("T_mult", 1),
    "CyclicLR": ("mode", "triangular2"), "OneCycleLR": ("pct_start", 0.5),
    "LambdaLR": ("lr_lambda", "inverse time: 1/(1 + 0.1 t)"),
    "MultiplicativeLR": ("lr_lambda", "x 0.9 every step"), "SequentialLR": ("warmup_epochs", 10),
    "ReduceLROnPlateau": ("patience", 1), "TimeBasedLR": ("k", 0.5), "WallClockLR": ("period", 2.0),
}


def test_moves_cover_every_explorer_scheduler():
    assert set(MOVES) == set(EXPLORER_NAMES)
    import torch.optim.lr_scheduler as S
    torch_classes = {n for n in dir(S) if n.endswith("LR") or n == "ReduceLROnPlateau"}
    missing = torch_classes - set(EXPLORER_NAMES) - {"LRScheduler", "_LRScheduler", "ChainedScheduler"}
    assert not missing, f"explorer lacks {missing}"


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_plotted_curve_is_lr_curve_for_every_scheduler(name):
    ex = explore_schedule(name, num_epochs=24, steps_per_epoch=5)
    np.testing.assert_array_equal(_plotted(ex), _expected(ex))
    before = _plotted(ex).copy()
    key, value = MOVES[name]
    ex.set(**{key: value})
    after = _plotted(ex)
    assert not np.array_equal(before, after), f"moving {key} must change the curve"
    np.testing.assert_array_equal(after, _expected(ex))
    np.testing.assert_array_equal(ex.curve["lr"], after)
    assert "Not a valid" not in ex.message.value
    ex.set(lr=0.01, num_epochs=12)  # the common controls too
    np.testing.assert_array_equal(_plotted(ex), _expected(ex))
    assert len(_plotted(ex)) == 12 * 5


def test_moving_a_control_widget_redraws_as_set_does():
    ex = explore_schedule("StepLR")
    ex.controls["gamma"].value = 0.2  # what a learner's drag does
    np.testing.assert_array_equal(_plotted(ex), explorer_curve("StepLR", {"gamma": 0.2})["lr"])


def test_x_axis_in_epochs_or_batches_and_log_scale():
    ex = explore_schedule("StepLR", num_epochs=10, steps_per_epoch=4)
    assert ex.lines["lr"][0][0] == 1 and ex.lines["lr"][0][-1] == pytest.approx(1 + 39 / 4)  # epoch 1 first
    ex.set(x_axis="batches")
    assert ex.lines["lr"][0][0] == 1 and ex.lines["lr"][0][-1] == 40
    ex.set(log=True)
    assert _axes(ex)[0].get_yscale() == "log"


def test_the_epoch_axis_agrees_with_the_printed_rates():
    """StepLR(step_size=3): epochs 1-3 use the initial rate, and the first drop is where epoch 4 starts."""
    ex = explore_schedule("StepLR", step_size=3, gamma=0.5, num_epochs=9, steps_per_epoch=5)
    x, lr = ex.lines["lr"]
    per_epoch = lr_curve("StepLR", 9, lr=0.1, step_size=3, gamma=0.5)  # element e - 1 is epoch e
    first_drop = np.flatnonzero(lr < lr[0])[0]
    assert x[first_drop] == 4 == 1 + np.flatnonzero(per_epoch < per_epoch[0])[0]


def test_axes_rescale_when_values_change():
    ex = explore_schedule("StepLR", lr=0.1)
    top = _axes(ex)[0].get_ylim()[1]
    ex.set(lr=5.0)
    assert _axes(ex)[0].get_ylim()[1] > 5 > top


def test_the_optimizer_toggle_speaks_the_course_vocabulary():
    ex = explore_schedule("OneCycleLR", num_epochs=5, steps_per_epoch=20)
    assert ex.settings()["optimizer"] == "sgd_momentum"
    assert list(ex.controls["optimizer"].options) == [(label, key) for key, label in OPTIMIZERS.items()]
    with pytest.raises(ValueError, match="optimizer must be one of"):
        explore_schedule("StepLR", optimizer="momentum")


def test_momentum_shown_where_the_scheduler_cycles_it():
    ex = explore_schedule("OneCycleLR", num_epochs=5, steps_per_epoch=20)
    top, lower = _axes(ex)
    mom = ex.lines["momentum"][1]
    assert lower.get_visible() and mom.max() == pytest.approx(0.95) and mom.min() == pytest.approx(0.85)
    ex.set(optimizer="adam")
    assert lower.get_ylabel() == "beta1"
    ex.set(cycle_momentum=False)
    assert not lower.get_visible()
    ex.set(name="StepLR")
    assert not lower.get_visible() and len(ex.lines["momentum"][1]) == 0


def test_plateau_shows_its_validation_curve():
    ex = explore_schedule("ReduceLROnPlateau", num_epochs=40)
    np.testing.assert_array_equal(ex.lines["val_loss"][1], validation_curve(40))
    assert _plotted(ex).min() < _plotted(ex).max(), "the rate is reduced at least once"


def test_plateau_explorer_marks_and_explains_each_reduction():
    ex = explore_schedule("ReduceLROnPlateau", num_epochs=40)
    fired = [t for t in explorer_curve("ReduceLROnPlateau", num_epochs=40)["trace"] if t["reduced"]]
    assert fired, "the default curve has at least one reduction"
    assert list(ex.lines["reductions"][0]) == [t["epoch"] for t in fired]  # where that epoch starts
    assert all(html.escape(t["why"]) in ex.message.value for t in fired)
    ex.set(patience=20)
    assert "No reduction fires" in ex.message.value and len(ex.lines["reductions"][0]) == 0


def test_onecycle_total_steps_follows_epochs_and_too_small_is_explained():
    ex = explore_schedule("OneCycleLR", num_epochs=10, steps_per_epoch=10)
    assert ex.settings()["params"]["total_steps"] == 100
    ex.set(num_epochs=20)
    assert ex.settings()["params"]["total_steps"] == 200
    good = _plotted(ex).copy()
    ex.set(total_steps=50)
    assert "Not a valid schedule" in ex.message.value and "Tried to step" in ex.message.value
    np.testing.assert_array_equal(_plotted(ex), good)  # the last good curve stays
    ex.set(total_steps=200)
    assert "Not a valid" not in ex.message.value
    ex.set(num_epochs=5, total_steps=30)  # an explicit total_steps wins over following the epochs
    assert ex.settings()["params"]["total_steps"] == 30


def test_cyclic_base_above_max_is_a_readable_message_and_recovers():
    ex = explore_schedule("CyclicLR")
    ex.set(base_lr=0.5)
    assert "base_lr (0.5) must be below max_lr" in ex.message.value
    ex.set(base_lr=0.001)
    assert "Not a valid" not in ex.message.value


def test_unexpected_errors_are_shown_not_swallowed(monkeypatch):
    ex = explore_schedule("StepLR")

    def boom(*a, **k):
        raise RuntimeError("kaboom")
    monkeypatch.setattr(explorer_module, "explorer_curve", boom)
    ex.set(gamma=0.2)
    assert "RuntimeError" in ex.message.value and "kaboom" in ex.message.value


def test_pin_and_reset():
    ex = explore_schedule("StepLR", gamma=0.5)
    ex.pin()
    ex.set(gamma=0.9)
    assert [k for k in ex.lines if k.startswith("pin")] == ["pin 1"] and len(_axes(ex)[0].lines) == 2
    np.testing.assert_array_equal(ex.lines["pin 1"][1], explorer_curve("StepLR", {"gamma": 0.5})["lr"])
    ex.set(x_axis="batches")  # pins follow the x axis
    assert ex.lines["pin 1"][0][-1] == ex.lines["lr"][0][-1]
    ex.set(name="ExponentialLR")
    ex.reset()
    assert "pin 1" not in ex.lines and len(_axes(ex)[0].lines) == 1
    s = ex.settings()
    assert s["name"] == "StepLR" and s["params"]["gamma"] == 0.5 and s["x_axis"] == "epochs"
    np.testing.assert_array_equal(_plotted(ex), _expected(ex))


def test_lock_budget_sets_disables_and_survives_reset_and_scheduler_changes():
    ex = explore_schedule("StepLR", num_epochs=30, steps_per_epoch=10)
    ex.lock_budget(4, 3)
    s = ex.settings()
    assert (s["num_epochs"], s["steps_per_epoch"]) == (4, 3) and len(ex.curve["lr"]) == 12
    assert ex.controls["num_epochs"].disabled and ex.controls["steps_per_epoch"].disabled
    with pytest.raises(ValueError, match="locked"):
        ex.set(num_epochs=5)
    ex.set(name="OneCycleLR")
    assert ex.settings()["params"]["total_steps"] == 12 and ex.controls["total_steps"].disabled
    with pytest.raises(ValueError, match="locked"):
        ex.set(total_steps=50)
    ex.reset()
    assert (ex.settings()["num_epochs"], ex.settings()["steps_per_epoch"]) == (4, 3)
    assert ex.controls["num_epochs"].disabled
    with pytest.raises(ValueError, match="num_epochs must be"):
        ex.lock_budget(0, 3)


def test_explorer_bad_arguments():
    with pytest.raises(ValueError, match="no scheduler 'Nope'"):
        explore_schedule("Nope")
    with pytest.raises(ValueError, match="x_axis"):
        explore_schedule("StepLR", x_axis="minutes")
    with pytest.raises(ValueError, match="has no argument"):
        explore_schedule("StepLR", T_max=3)
    with pytest.raises(ValueError, match="num_epochs must be"):
        explorer_curve("StepLR", num_epochs=0)


def _beyond(p):
    """A value the control of ``p`` cannot hold (a slider would move it to its nearest end)."""
    if p.kind in ("int", "range"):
        return p.lo - 1 if p.kind == "int" else (p.lo - 1, p.hi)
    return {"float": p.hi + 1.0, "log": 10.0 ** p.hi * 10, "choice": "nope", "bool": "yes"}[p.kind]


@pytest.mark.parametrize("name", [n for n in EXPLORER_NAMES if SPECS[n].params])
def test_every_explorer_refuses_a_setting_its_control_cannot_hold(name):
    for p in SPECS[name].params:
        bad = _beyond(p)
        with pytest.raises(ValueError) as err:
            explore_schedule(name, **{p.name: bad})
        message = str(err.value)  # the setting, what it takes, what it got, and an example
        assert f"{name}'s {p.name} must be" in message and f"got {bad!r}" in message, message
        assert f"for example {p.name}={p.default!r}" in message, message
    p = SPECS[name].params[0]
    ex = explore_schedule(name)
    with pytest.raises(ValueError, match=f"{p.name} must be"):
        ex.set(**{p.name: _beyond(p)})  # moving it later is refused the same way
    assert ex.settings()["params"][p.name] == p.default or SPECS[name].length_param == p.name


def test_steplr_step_size_zero_is_refused_with_its_range_and_an_example():
    with pytest.raises(ValueError, match=r"StepLR's step_size must be an integer from 1 to 50 \(epochs\), got 0; "
                                         r"for example step_size=10"):
        explore_schedule("StepLR", step_size=0)
    with pytest.raises(ValueError, match=r"lr must be a number from 1e-05 to 10, got 50"):
        explore_schedule("StepLR", lr=50)
    assert explore_schedule("StepLR", num_epochs=400).settings()["num_epochs"] == 400  # not cut to the slider's 300


def test_the_figure_is_built_once_and_updated_in_place():
    ex = explore_schedule("StepLR")
    fig, line = ex.figure.fig, _axes(ex)[0].lines[0]
    for g in (0.2, 0.4, 0.6):
        ex.set(gamma=g)
    assert ex.figure.fig is fig and _axes(ex)[0].lines[0] is line and len(fig.axes) == 2


def test_redraw_now_draws_the_current_curve():
    ex = ScheduleExplorer("OneCycleLR", num_epochs=10, steps_per_epoch=100)
    ex.figure.attach_front_end()
    ex.set(pct_start=0.4)
    ex.redraw_now()  # what `lrcourse bench` times after each slider move
    assert len(ex.curve["lr"]) == 1000 and ex.curve["lr"].max() == pytest.approx(0.1)
