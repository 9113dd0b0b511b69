"""Stepping right and wrong: a scheduler stepped the right way and a common wrong way, side by side.

Both curves come from :func:`~lrcourse.curves.stepping_curves` (torch's own
rates); the sliders change ``steps_per_epoch`` and ``num_epochs``.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from ..curves import STEPPING, stepping_curves
from ..plots import PALETTE
from .base import STYLE, Panel, control_layout, message_html
from .figure import LiveFigure

__all__ = ["SteppingExplorer", "explore_stepping"]


class SteppingExplorer(Panel):
    r"""Sliders for ``steps_per_epoch`` and ``num_epochs``: a scheduler stepped right and wrong, side by side.

    Both curves come from :func:`~lrcourse.curves.stepping_curves` (torch's
    own rates) and are redrawn in place. Build it with :func:`explore_stepping`.

    Args:
        name (str): ``"CosineAnnealingLR"`` or ``"OneCycleLR"``. Default: ``"CosineAnnealingLR"``.
        num_epochs (int): epochs in the run. Default: ``10``.
        steps_per_epoch (int): batches per epoch. Default: ``20``.
        lr (float): the initial rate (``max_lr`` for OneCycleLR). Default: ``0.1``.

    Attributes:
        controls (dict): ``steps_per_epoch`` (first: the slider the browser test
            moves), ``num_epochs`` and ``scheduler``.
        curve (dict): the last :func:`~lrcourse.curves.stepping_curves` plotted.
        lines (dict): the plotted data, ``right`` and ``wrong``, against epochs.

    Example:
        >>> ex = SteppingExplorer("CosineAnnealingLR")
        >>> ex.set(steps_per_epoch=5)
        >>> len(ex.lines["wrong"][1]) == 5 * ex.settings()["num_epochs"]
        True
    """

    def __init__(self, name: str = "CosineAnnealingLR", num_epochs: int = 10, steps_per_epoch: int = 20,
                 lr: float = 0.1):
        if name not in STEPPING:
            raise ValueError(f"name must be one of {', '.join(STEPPING)}, got {name!r}.")
        super().__init__(LiveFigure(1, figsize=(4.8, 3.4)))
        self.controls = {
            "steps_per_epoch": W.IntSlider(value=steps_per_epoch, min=1, max=100, layout=control_layout(),
                                           description="steps_per_epoch (batches)", style=STYLE),
            "num_epochs": W.IntSlider(value=num_epochs, min=1, max=50, description="num_epochs", style=STYLE,
                                      layout=control_layout()),
            "scheduler": W.Dropdown(options=list(STEPPING), value=name, description="scheduler", style=STYLE,
                                    layout=control_layout()),
        }
        self.lr = lr
        self._curve: dict | None = None
        ax = self.figure.axes[0]
        self._right = self.figure.add_line("right", ax, color=PALETTE[0], lw=2)
        self._wrong = self.figure.add_line("wrong", ax, color=PALETTE[1], lw=1.5, ls="--")
        ax.set_xlabel("epoch")
        ax.set_ylabel("learning rate")
        ax.set_ylim(0, 1.5 * lr)  # both curves stay below lr; the room above holds the legend
        self.watch(*self.controls.values())
        self.arrange(self.controls.values())
        self.update()

    @property
    def curve(self) -> dict | None:
        """The last curves plotted: ``right``, ``wrong`` (one rate per batch) and their ``labels``."""
        return self._curve

    def update(self):
        """Recompute both curves and redraw."""
        c = self.controls
        spe, epochs, name = c["steps_per_epoch"].value, c["num_epochs"].value, c["scheduler"].value
        try:
            curves = stepping_curves(name, epochs, spe, self.lr)
        except Exception as err:  # shown to the learner, never swallowed
            self.message.value = message_html(f"{type(err).__name__}: {err}", error=True)
            return
        self._curve = curves
        ax = self.figure.axes[0]
        x = np.arange(epochs * spe) / spe
        self._right.set_data(x, curves["right"])
        self._wrong.set_data(x, curves["wrong"])
        self._right.set_label("right: " + curves["labels"][0])
        self._wrong.set_label("wrong: " + curves["labels"][1])
        ax.legend(loc="upper right", fontsize="x-small", title=f"{name}, {epochs} epochs of {spe} batches",
                  title_fontsize="x-small")
        ax.set_xlim(0, epochs)
        self.figure.redraw(rescale=False)
        wrong = curves["wrong"]
        self.message.value = message_html(
            f"{name}, {epochs} epochs of {spe} batches. wrong: max {wrong.max():.3g}, last batch at "
            f"{wrong[-1]:.3g}; right: max {curves['right'].max():.3g}, last batch at {curves['right'][-1]:.3g}",
            error=False)


def explore_stepping(name: str = "CosineAnnealingLR", **kwargs) -> SteppingExplorer:
    r"""Right against wrong stepping of CosineAnnealingLR or OneCycleLR, as ``steps_per_epoch`` varies.

    Args:
        name (str): ``"CosineAnnealingLR"`` or ``"OneCycleLR"``; the dropdown switches.
            Default: ``"CosineAnnealingLR"``.
        **kwargs: starting values: ``num_epochs``, ``steps_per_epoch``, ``lr``.

    Example:
        >>> ex = explore_stepping("OneCycleLR", num_epochs=5, steps_per_epoch=4)
        >>> float(ex.lines["right"][1].max())
        0.1
    """
    return SteppingExplorer(name, **kwargs)
