"""Live widgets: one call per notebook cell, each a panel that displays, nests and tests like any widget.

Every panel is an ``ipywidgets.VBox`` (:class:`~lrcourse.widgets.base.Panel`)
holding its controls, a message line and its live ipympl figure
(:class:`~lrcourse.widgets.figure.LiveFigure`), laid out to fit one screen, with the
same small public surface: ``controls``, ``settings()``, ``set(**values)``,
``curve``, ``lines``, ``figure`` and ``redraw_now()``. The work behind each
slider is a pure function elsewhere in lrcourse
(:func:`~lrcourse.curves.explorer_curve`, :func:`~lrcourse.curves.stepping_curves`,
:mod:`lrcourse.toy`, :class:`~lrcourse.finder.LRFinder`), and every
scheduler's controls come from its spec in :data:`~lrcourse.specs.SPECS`.

Modules: :mod:`~lrcourse.widgets.base` (what every panel is built from),
:mod:`~lrcourse.widgets.figure` (the live figure, and how a frame is drawn and sent fast),
:mod:`~lrcourse.widgets.png` (its frames' fast PNG encoder),
:mod:`~lrcourse.widgets.picker` (a schedule as a traits model, and the controls that show it),
:mod:`~lrcourse.widgets.explorer`, :mod:`~lrcourse.widgets.toy_explorers`,
:mod:`~lrcourse.widgets.finder_explorer`, :mod:`~lrcourse.widgets.train_panel`,
:mod:`~lrcourse.widgets.shootout_panel` and :mod:`~lrcourse.widgets.stepping`.

Example:
    >>> from lrcourse.widgets import explore_schedule
    >>> ex = explore_schedule("StepLR", step_size=2, gamma=0.5, num_epochs=4, steps_per_epoch=1)
    >>> ex.curve["lr"].tolist()
    [0.1, 0.1, 0.05, 0.05]
"""
from ..curves import explorer_curve  # notebook 05 imports it from here
from .base import Panel
from .explorer import ScheduleExplorer, explore_schedule
from .figure import LiveFigure
from .finder_explorer import FinderExplorer, explore_finder
from .picker import ScheduleModel, SchedulePicker
from .shootout_panel import ShootoutPanel, shootout_panel
from .stepping import SteppingExplorer, explore_stepping
from .toy_explorers import GradientDescentExplorer, explore_gradient_descent
from .train_panel import PROBLEMS, Run, TrainPanel, train_live

__all__ = [
    "explore_schedule", "explore_gradient_descent", "explore_finder", "explore_stepping", "train_live",
    "shootout_panel", "Panel", "LiveFigure", "ScheduleExplorer", "GradientDescentExplorer", "FinderExplorer",
    "SteppingExplorer", "TrainPanel", "ShootoutPanel", "ScheduleModel", "SchedulePicker", "Run", "PROBLEMS",
    "explorer_curve",
]
