"""What every panel is built from: the live figure, controls from specs, messages and background work."""
import threading

import ipywidgets as W
import pytest
from IPython.core.formatters import DisplayFormatter

from lrcourse.specs import SPECS
from lrcourse.widgets import (FinderExplorer, GradientDescentExplorer, Panel, ScheduleExplorer, ShootoutPanel,
                              SteppingExplorer, TrainPanel, explore_schedule, explore_stepping)
from lrcourse.widgets.base import COLUMN_PX, Worker, button, make_control, message_html


def test_every_panel_is_a_vbox_that_holds_its_canvas_beside_or_under_its_controls():
    import numpy as np
    from helpers import descendants, stored_finder

    lrs = np.logspace(-4, 0, 30)
    panels = [explore_schedule("StepLR"), GradientDescentExplorer([1, 2], [2, 4]),
              FinderExplorer(stored_finder(lrs, (np.log10(lrs) + 2) ** 2)), explore_stepping(),
              TrainPanel("y=2x")]
    for panel in panels:
        assert isinstance(panel, W.VBox) and isinstance(panel, Panel)
        inside = descendants(panel)
        assert panel.figure.canvas in inside, type(panel).__name__
        assert all(w in inside for w in panel.controls.values()), type(panel).__name__
        bundle, _ = DisplayFormatter().format(panel)  # what display(panel) sends
        assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    for cls in (ScheduleExplorer, ShootoutPanel, SteppingExplorer):
        assert issubclass(cls, W.VBox)
    box = W.VBox([panels[0], panels[3]])  # panels nest like any widget
    assert box.children[0] is panels[0]


def test_set_moves_several_controls_and_redraws_once(monkeypatch):
    ex = explore_schedule("StepLR")
    calls = []
    original = ScheduleExplorer.update
    monkeypatch.setattr(ScheduleExplorer, "update", lambda self: (calls.append(1), original(self)))
    ex.set(gamma=0.3, step_size=4, lr=0.2, num_epochs=12)
    assert calls == [1]
    assert ex.settings()["params"] == {"step_size": 4, "gamma": 0.3} and len(ex.curve["lr"]) == 120
    with pytest.raises(ValueError, match="no control"):
        ex.set(nope=1)
    with pytest.raises(ValueError, match="no scheduler"):
        ex.set(name="Nope")


def test_message_html_escapes_and_colours():
    assert "&lt;b&gt;" in message_html("<b>") and "#B00020" in message_html("x", error=True)


def test_a_control_for_every_kind_of_param_as_wide_as_the_column():
    kinds = {p.kind: make_control(p) for spec in SPECS.values() for p in spec.params}
    assert set(kinds) == {"int", "float", "log", "choice", "bool", "range"}
    assert isinstance(kinds["log"], W.FloatLogSlider) and isinstance(kinds["range"], W.IntRangeSlider)
    assert {w.layout.width for w in kinds.values()} == {f"{COLUMN_PX}px"}
    assert button("Train", "play").layout.width == "auto"  # as wide as its label


def test_worker_runs_one_job_at_a_time_and_waits():
    gate = threading.Event()
    worker = Worker()
    assert worker.start(gate.wait, blocking=False) and worker.busy
    assert not worker.start(lambda: None, blocking=False), "a second job while one runs"
    assert not worker.wait(0.01)
    gate.set()
    assert worker.wait(5) and not worker.busy
    done = []
    assert worker.start(lambda: done.append(1))  # outside a kernel: here, at once
    assert done == [1]
