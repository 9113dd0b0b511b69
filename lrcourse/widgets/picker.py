"""The schedule picker: a traits model of one schedule, and the controls that show it.

Following ipywidgets' "separating concerns" pattern, :class:`ScheduleModel`
(a ``traitlets.HasTraits``) holds what a schedule is: the scheduler's
``name``, its ``params``, the initial ``lr`` and the ``optimizer``.
:class:`SchedulePicker` is its view, an ``ipywidgets.VBox`` of controls built
from the scheduler's spec and joined to the model with ``link`` and
``observe``. The schedule explorer and the train-live panel show a picker; the
shoot-out panel reads the explorer's model. The model turns into a run with
:meth:`ScheduleModel.recipe`.
"""
from __future__ import annotations

import contextlib

import ipywidgets as W
import traitlets

from ..optim import check_optimizer
from ..recipe import LR, Recipe, recipe
from ..specs import EXPLORER_NAMES, SPECS, spec_params
from .base import STYLE, control_layout, optimizer_dropdown, param_controls

__all__ = ["ScheduleModel", "SchedulePicker"]


class ScheduleModel(traitlets.HasTraits):
    r"""One schedule: the scheduler's ``name`` and ``params``, the initial ``lr`` and the ``optimizer``.

    Changing ``name`` puts ``params`` back to that scheduler's defaults.

    Example:
        >>> m = ScheduleModel(name="StepLR", params={"gamma": 0.25})
        >>> m.params, m.recipe(3, 10).num_steps
        ({'step_size': 10, 'gamma': 0.25}, 3)
        >>> m.name = "ExponentialLR"
        >>> m.params
        {'gamma': 0.9}
    """

    name = traitlets.Unicode("StepLR")
    params = traitlets.Dict()
    lr = traitlets.Float(0.1)
    optimizer = traitlets.Unicode("sgd_momentum")
    #: the run-length argument (OneCycleLR's ``total_steps``) is every step of the run, whatever ``params`` say
    length_from_run = traitlets.Bool(False)

    def __init__(self, name: str = "StepLR", params: dict | None = None, lr: float = 0.1,
                 optimizer: str = "sgd_momentum", length_from_run: bool = False):
        check_optimizer(optimizer)
        LR.check(lr)
        super().__init__(name=name, lr=lr, optimizer=optimizer, length_from_run=length_from_run)
        self.params = spec_params(name, params)  # after the name, whose change resets them

    @traitlets.validate("name")
    def _known(self, proposal):
        if proposal["value"] not in SPECS:
            raise ValueError(f"There is no scheduler {proposal['value']!r}. Choose one of: {', '.join(SPECS)}.")
        return proposal["value"]

    @traitlets.observe("name")
    def _defaults(self, change):
        self.params = spec_params(change["new"])

    def recipe(self, num_epochs: int, steps_per_epoch: int, **params) -> Recipe:
        """The run this schedule describes over ``num_epochs`` of ``steps_per_epoch`` (``params`` over its own)."""
        values = {**self.params, **params}
        if self.length_from_run:
            values.pop(SPECS[self.name].length_param, None)
        return recipe(self.name, values, self.lr, self.optimizer, num_epochs, steps_per_epoch)


class SchedulePicker(W.VBox):
    r"""The controls of a :class:`ScheduleModel`: a scheduler dropdown, one control per argument, lr and optimizer.

    Args:
        model (ScheduleModel): the schedule shown; the controls and the model follow each other.
        lr_range (tuple): the initial-lr slider's ends, as powers of ten. Default: those of
            :data:`~lrcourse.recipe.LR` (``(-5, 1)``).
        skip_length (bool): no control for the spec's run-length argument
            (OneCycleLR's ``total_steps``), which the panel sets from the run. Default: ``False``.
        hold (callable, optional): a context manager within which the panel
            redraws once at the end; a new scheduler's controls are built inside it.

    Attributes:
        controls (dict): ``name``, the scheduler's arguments, ``lr`` and ``optimizer``.
        params (dict): the scheduler's argument controls only.

    Example:
        >>> picker = SchedulePicker(ScheduleModel("StepLR"))
        >>> picker.controls["gamma"].value = 0.2
        >>> picker.model.params["gamma"]
        0.2
        >>> picker.model.name = "ExponentialLR"
        >>> list(picker.params)
        ['gamma']
    """

    def __init__(self, model: ScheduleModel, lr_range=(LR.lo, LR.hi), skip_length: bool = False, hold=None):
        super().__init__()
        self.model = model
        self._skip_length = skip_length
        self._hold = hold or contextlib.nullcontext
        self._name = W.Dropdown(options=EXPLORER_NAMES, value=model.name, description="scheduler", style=STYLE,
                                layout=control_layout())
        self._lr = W.FloatLogSlider(value=model.lr, base=10, min=lr_range[0], max=lr_range[1], step=0.1,
                                    description="initial lr", readout_format=".2e", style=STYLE,
                                    layout=control_layout())
        self._optimizer = optimizer_dropdown(model.optimizer)
        for key, control in (("name", self._name), ("lr", self._lr), ("optimizer", self._optimizer)):
            W.link((model, key), (control, "value"))
        self.params: dict = {}
        self._built_for = ""
        self._param_box = W.VBox()
        self._writing = False
        model.observe(self._on_name, "name")
        model.observe(self._on_params, "params")
        self._build(model.params)
        self.children = [self._name, self._param_box, self._lr, self._optimizer]

    @property
    def controls(self) -> dict:
        """Every control by name: ``name``, the scheduler's arguments, ``lr``, ``optimizer``."""
        return {"name": self._name, **self.params, "lr": self._lr, "optimizer": self._optimizer}

    def _build(self, values: dict):
        old = list(self.params.values())
        skip = (SPECS[self.model.name].length_param,) if self._skip_length else ()
        self.params = param_controls(self.model.name, {k: v for k, v in values.items() if k not in skip}, skip)
        for w in self.params.values():
            w.observe(self._write, "value")
        self._built_for = self.model.name
        self._param_box.children = list(self.params.values())
        for w in old:
            w.close()
        self._write()

    def _on_name(self, change):
        with self._hold():
            self._build(self.model.params)

    def _write(self, change=None):
        """A control moved: the model's params follow."""
        self._writing = True
        try:
            self.model.params = {**self.model.params, **{k: w.value for k, w in self.params.items()}}
        finally:
            self._writing = False

    def _on_params(self, change):
        if self._writing or self._built_for != self.model.name:  # a new scheduler's controls are not built yet
            return
        for key, value in change["new"].items():  # the model moved (not a control): the controls follow
            if key in self.params:
                self.params[key].value = value
