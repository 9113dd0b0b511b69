"""What every panel is built from: the live figure, controls from specs, messages and background work."""
import threading

import ipywidgets as W
import pytest
from IPython.core.formatters import DisplayFormatter

from lrcourse.specs import SPECS
from lrcourse.widgets import (FinderExplorer, GradientDescentExplorer, LiveFigure, Panel, ScheduleExplorer,
                              ShootoutPanel, SteppingExplorer, TrainPanel, explore_schedule, explore_stepping)
from lrcourse.widgets.base import Worker, make_control, message_html


def test_live_figure_uses_ipympl_without_switching_pyplot():
    import matplotlib

    before = matplotlib.get_backend()
    live = LiveFigure()
    assert type(live.canvas).__module__ == "ipympl.backend_nbagg"
    assert matplotlib.get_backend() == before


def test_live_figure_names_its_lines_and_reads_them_back():
    live = LiveFigure(2)
    line = live.add_line("a", 1, [0, 1, 2], [3, 4, 5])
    assert line.axes is live.axes[1] and live.lines["a"][1].tolist() == [3, 4, 5]
    live.add_line("a", 0, [0], [1])  # the same name replaces the line
    assert len(live.axes[1].lines) == 0 and live.lines["a"][1].tolist() == [1]
    live.remove_line("a")
    live.remove_line("not there")
    assert live.lines == {}
    live.attach_front_end()
    live.render()  # what bench times: a whole redraw, synchronously
    assert live.png()[:8] == "iVBORw0K"  # base64 of the PNG signature


def test_every_panel_is_a_vbox_whose_children_include_its_canvas():
    import numpy as np
    from helpers import stored_finder

    lrs = np.logspace(-4, 0, 30)
    panels = [explore_schedule("StepLR"), GradientDescentExplorer([1, 2], [2, 4]),
              FinderExplorer(stored_finder(lrs, (np.log10(lrs) + 2) ** 2)), explore_stepping(),
              TrainPanel("y=2x")]
    for panel in panels:
        assert isinstance(panel, W.VBox) and isinstance(panel, Panel)
        assert panel.figure.canvas in panel.children, type(panel).__name__
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


def test_a_control_for_every_kind_of_param():
    kinds = {p.kind: make_control(p) for spec in SPECS.values() for p in spec.params}
    assert set(kinds) == {"int", "float", "log", "choice", "bool", "range"}
    assert isinstance(kinds["log"], W.FloatLogSlider) and isinstance(kinds["range"], W.IntRangeSlider)


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
