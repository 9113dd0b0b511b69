"""The live figure: ipympl's canvas, named lines, and frames drawn fast but exactly as a whole draw would."""
import threading

import numpy as np
import pytest

from helpers import full_draw_pixels, stored_finder, tiny_shootout
from lrcourse.widgets import (LiveFigure, explore_finder, explore_gradient_descent, explore_schedule,
                              explore_stepping, shootout_panel, train_live)


def _frame(figure):
    """Render a frame as the browser would get it, and return its pixels (a copy)."""
    figure.render()
    return np.asarray(figure.canvas.get_renderer().buffer_rgba()).copy()


def test_live_figure_uses_ipympl_without_switching_pyplot():
    import matplotlib
    from ipympl.backend_nbagg import Canvas

    before = matplotlib.get_backend()
    live = LiveFigure()
    assert isinstance(live.canvas, Canvas)  # the browser shows it with ipympl's front end
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
    assert live.render()[:8] == b"\x89PNG\r\n\x1a\n"  # what bench times: a whole redraw, synchronously
    assert live.png()[:8] == "iVBORw0K"  # base64 of the PNG signature


def test_only_the_lines_are_drawn_while_the_axes_stay():
    ex = explore_schedule("OneCycleLR")
    live = ex.figure
    _frame(live)
    full = live.full_frames
    for pct in (0.25, 0.35, 0.4):  # the curve moves, the axes' limits stay
        ex.set(pct_start=pct)
        assert np.array_equal(_frame(live), full_draw_pixels(live)), pct
    assert live.full_frames == full, "the axes were drawn again though nothing but the lines changed"
    ex.set(max_lr=0.5)  # the limits change: everything is drawn again
    assert np.array_equal(_frame(live), full_draw_pixels(live))
    assert live.full_frames == full + 1


# panels and moves that change more than the named lines: limits, scales, visibility, labels,
# legends, texts and artists cleared and drawn anew
MOVES = [
    (lambda: explore_schedule("OneCycleLR"), [dict(cycle_momentum=False), dict(log=True), dict(x_axis="batches"),
                                              dict(name="StepLR"), dict(gamma=0.3), dict(name="ReduceLROnPlateau"),
                                              dict(patience=1)]),
    (lambda: explore_stepping(), [dict(steps_per_epoch=5), dict(num_epochs=20), dict(scheduler="OneCycleLR")]),
    (lambda: explore_gradient_descent(), [dict(lr=0.14), dict(num_steps=5), dict(w0=1.0)]),
    (lambda: explore_finder(stored_finder(np.logspace(-4, 0, 40), (np.linspace(-2, 2, 40)) ** 2)),
     [dict(beta=0.5), dict(log_loss=True), dict(skip_end=2)]),
    (lambda: train_live("y=2x (x=1..4)", "fixed", num_epochs=5, auto_train=True), [dict(lr=0.05), dict(lr=0.2)]),
]


@pytest.mark.parametrize("build, moves", MOVES, ids=["explorer", "stepping", "gradient descent", "finder", "train"])
def test_every_frame_equals_a_whole_draw(build, moves):
    panel = build()
    _frame(panel.figure)
    for move in moves:
        panel.set(**move)
        assert np.array_equal(_frame(panel.figure), full_draw_pixels(panel.figure)), move


def test_pins_and_the_leaderboard_draw_as_a_whole_draw():
    ex = explore_schedule("StepLR")
    _frame(ex.figure)
    ex.pin()
    ex.set(gamma=0.2)
    assert np.array_equal(_frame(ex.figure), full_draw_pixels(ex.figure))
    ex.reset()
    assert np.array_equal(_frame(ex.figure), full_draw_pixels(ex.figure))
    panel = shootout_panel(tiny_shootout(num_epochs=1, seeds=(0,)), "StepLR")
    _frame(panel.figure)
    panel.add(blocking=True)
    assert np.array_equal(_frame(panel.figure), full_draw_pixels(panel.figure))


def test_a_shown_figure_sends_each_frame_at_once_unless_told_not_to():
    ex = explore_schedule("StepLR")
    live = ex.figure
    ex.set(gamma=0.3)
    assert live.frames == 0, "no browser shows it: nothing is drawn until one asks"
    live.attach_front_end()
    ex.set(gamma=0.4)
    assert live.frames == 1 and live.attached
    thread = threading.Thread(target=lambda: ex.set(gamma=0.5))  # as in an ipykernel subshell
    thread.start()
    thread.join()
    assert live.frames == 2
    live.redraw(send=False)  # a training's small steps: the browser asks when it is free
    assert live.frames == 2
    live.canvas.draw()  # the browser's request: drawn as a frame, from the latest data
    assert live.frames == 3


def test_a_shown_panel_keeps_its_figures_and_their_size_in_the_saved_widget_state():
    """What JupyterLab shows from a saved notebook before anything runs (the browser test opens them)."""
    from IPython.core.formatters import DisplayFormatter

    panel = shootout_panel(tiny_shootout(num_epochs=1, seeds=(0,)), "StepLR")
    bundle, _ = DisplayFormatter().format(panel)  # what display(panel) sends, headless as in nbclient
    for figure in (panel.figure, panel.explorer.figure):  # the explorer inside keeps its own
        state = figure.canvas.get_state()
        assert state["_data_url"].startswith("data:image/png;base64,iVBORw0K")
        assert list(state["_size"]) == pytest.approx(list(figure.fig.bbox.size))
    assert panel.figure.canvas.get_state()["_data_url"].endswith(bundle["image/png"])
    before = panel.explorer.figure.canvas.get_state()["_data_url"]
    panel.set(lr=0.2)  # a later cell moves it: with no browser, the saved image follows
    assert panel.explorer.figure.canvas.get_state()["_data_url"] != before


def test_a_savefig_between_frames_leaves_no_stale_axes():
    ex = explore_schedule("OneCycleLR")
    note = ex.figure.axes[0].text(0.5, 0.5, "a note", transform=ex.figure.axes[0].transAxes, zorder=1)
    _frame(ex.figure)
    note.set_color("red")  # drawn with the axes, it changes ...
    ex.figure.png()  # ... and savefig draws it before the next frame does
    ex.set(pct_start=0.4)  # the axes stay
    assert np.array_equal(_frame(ex.figure), full_draw_pixels(ex.figure))
