"""The checks of notebook 06_lr_finder (its "Exercises" section), and the curve the notebook imports.

``06.read_steep`` (fastai's 'steep' suggestion read off :data:`FINDER_EXERCISE_CURVE`),
``06.why_minimum_over_10`` (a multiple choice) and ``06.finder_new_model`` (a range test run right).
Tested in ``tests/checks/test_finder.py``. Importing :mod:`lrcourse.checks` registers them.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..finder import LRFinder
from ..suggest import suggest_lr
from .core import exercise

__all__ = ["FINDER_EXERCISE_CURVE"]

#: the range-test curve of exercise 06.read_steep: 25 rates, 4 per decade, and the smoothed losses
FINDER_EXERCISE_CURVE = {
    "lr": [float(f"{1e-5 * 10 ** (k / 4):.3g}") for k in range(25)],
    "loss": [2.30, 2.30, 2.29, 2.29, 2.27, 2.24, 2.18, 2.07, 1.89, 1.63, 1.30, 1.02, 0.85, 0.75, 0.69, 0.66,
             0.67, 0.68, 0.72, 0.77, 0.85, 0.97, 1.16, 1.43, 1.84],
}


def _on_curve(value: float, rates) -> bool:
    return any(math.isclose(value, r, rel_tol=1e-3) for r in rates)


@exercise("06.read_steep", "the rate the 'steep' rule suggests for FINDER_EXERCISE_CURVE, read from the whole curve "
                           "(no points skipped): where the loss falls fastest against log(lr). fastai's forward "
                           "difference (np.diff: the left end of the steepest segment) and the central difference "
                           "(np.gradient) are both accepted.")
def _read_steep(answer):
    lrs, losses = np.array(FINDER_EXERCISE_CURVE["lr"]), np.array(FINDER_EXERCISE_CURVE["loss"])
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool) and 0 <= answer < len(lrs):
        return False, (f"{answer} looks like an index into the curve. Give the rate itself: "
                       f"FINDER_EXERCISE_CURVE['lr'][{answer}].")
    value = float(answer)
    forward = suggest_lr(lrs, losses, "steep", skip_start=0, skip_end=0)  # fastai's steep
    central = lrs[np.argmin(np.gradient(losses, np.log10(lrs)))]
    if math.isclose(value, forward, rel_tol=1e-3):
        return True, (f"lr = {forward:g}, fastai's 'steep': the segment from {forward:g} to the next rate falls "
                      f"fastest, {(np.diff(losses) / np.diff(np.log10(lrs))).min():.2f} per decade. The central "
                      f"difference (np.gradient) picks {central:g}, one point to the right: both are accepted.")
    if math.isclose(value, central, rel_tol=1e-3):
        return True, (f"lr = {central:g}, the central difference (np.gradient, {np.gradient(losses, np.log10(lrs)).min():.2f} "
                      f"per decade). fastai's 'steep' uses forward differences and returns the left end of the "
                      f"steepest segment, {forward:g}: both are accepted.")
    lowest = lrs[np.argmin(losses)]
    named = {
        lowest: "That is the rate of the lowest loss. 'steep' asks where the loss falls fastest, not where it "
                "is lowest: the most negative slope.",
        lowest / 10: "That is the 'minimum' suggestion (the rate of the lowest loss / 10). 'steep' asks where "
                     "the loss falls fastest: the most negative slope.",
        lrs[np.argmin(np.gradient(losses, lrs))]: "You took the slope against lr itself. The finder measures it "
                                                 "against log(lr), the axis of the plot: "
                                                 "np.diff(losses) / np.diff(np.log(lrs)).",
        lrs[np.argmin(np.diff(losses) / np.diff(lrs))]: "You took the slope against lr itself. The finder "
                                                        "measures it against log(lr), the axis of the plot: "
                                                        "np.diff(losses) / np.diff(np.log(lrs)).",
        lrs[np.argmax(np.gradient(losses, np.log10(lrs)))]: "That is where the loss rises fastest (the largest "
                                                            "slope). Take the most negative one: np.argmin.",
    }
    for rate, hint in named.items():
        if math.isclose(value, rate, rel_tol=1e-3):
            return False, hint
    if any(math.isclose(value, v, rel_tol=1e-6) for v in losses) and not _on_curve(value, lrs):
        return False, f"{value:g} is a loss. Give the rate at which the loss falls fastest."
    if not _on_curve(value, lrs):
        return False, (f"{value:g} is not one of the curve's rates. The answer is one of FINDER_EXERCISE_CURVE['lr']: "
                       "the one where np.diff(losses) / np.diff(np.log(lrs)) is most negative.")
    return False, ("That rate is on the curve, but the loss does not fall fastest there. Compute "
                   "np.diff(losses) / np.diff(np.log(lrs)) and take the rate at its most negative value.")


#: the choices of exercise 06.why_minimum_over_10, and the hint each wrong one gets
_WHY_MINIMUM = {
    "A": "The losses are not scaled: each is the ordinary loss of one mini-batch. The division is about the rate.",
    "B": None,
    "C": ("OneCycleLR's default div_factor is 25, not 10, and the range test knows nothing about the schedule you "
          "use afterwards."),
    "D": ("The lag is real (section 5), but its size depends on beta and on how fast the sweep moves: it is no "
          "fixed factor of 10. On y = 2x, with no smoothing at all, the minimum still sat right at 2/L."),
}


@exercise("06.why_minimum_over_10", "the letter (A, B, C or D) of the reason why the 'minimum' method divides the "
                                    "rate of the lowest loss by 10.")
def _why_minimum_over_10(answer):
    if not isinstance(answer, str) or answer.strip().upper() not in _WHY_MINIMUM:
        return False, f"Give one letter as a string, for example \"A\" (you gave {answer!r})."
    hint = _WHY_MINIMUM[answer.strip().upper()]
    if hint is None:
        return True, ("At the lowest point the loss has stopped falling because the rate is at the edge of "
                      "stability (on y = 2x: the first rate past 2/L). A tenth of it is back on the falling part "
                      "of the curve, a safe distance from divergence.")
    return False, hint


def _exercise_mlp():
    """The model of exercise 06.finder_new_model, built as the task says, without touching torch's random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))


@exercise("06.finder_new_model", "an LRFinder after range_test(mnist) with the default exponential sweep, on a new "
                                 "model: nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), "
                                 "nn.Linear(100, 10)) built right after torch.manual_seed(1), with "
                                 "SGD(lr=0.01, momentum=0.9).")
def _finder_new_model(finder):
    if not isinstance(finder, LRFinder):
        return False, (f"Give the check the LRFinder itself (you gave a {type(finder).__name__}): "
                       "finder = LRFinder(model, optimizer), then finder.range_test(mnist).")
    lrs = np.asarray(finder.history["lr"])
    if len(lrs) == 0:
        return False, "The finder has no curve yet: call finder.range_test(mnist) before the check."
    expected = _exercise_mlp().state_dict()
    got = finder.model.state_dict()
    shapes = {k: tuple(v.shape) for k, v in got.items()}
    if shapes != {k: tuple(v.shape) for k, v in expected.items()}:
        return False, ("finder.model is not the model of the task: build nn.Sequential(nn.Flatten(), "
                       "nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)).")
    if not all(torch.equal(got[k].detach().cpu(), v) for k, v in expected.items()):
        return False, ("The model's weights are not those of a fresh model built right after torch.manual_seed(1). "
                       "The finder puts the weights back after its sweep, so either the model was trained before "
                       "the test, or torch.manual_seed(1) was not the call just before building it.")
    optimizer = finder.optimizer
    group = optimizer.param_groups[0]
    if not isinstance(optimizer, torch.optim.SGD) or group.get("momentum") != 0.9:
        return False, (f"Use torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) (you have "
                       f"{type(optimizer).__name__} with momentum {group.get('momentum')}).")
    if optimizer.state:
        return False, ("The optimizer holds state (momentum buffers) from steps taken before the range test. Build a "
                       "fresh optimizer for the new model: the finder leaves it as it found it.")
    if not math.isclose(group["lr"], 0.01):
        return False, f"The optimizer's lr is {group['lr']:g}; build it with lr=0.01 (the finder restores it after)."
    settings = finder.settings
    if settings.get("step_mode") != "exp" or settings["end_lr"] / settings["start_lr"] < 1e4:
        return False, ("Use the default sweep, range_test(mnist): exponential, from 1e-7 to 10. A narrow or "
                       "linear sweep cannot show the whole curve.")
    if len(lrs) < 30:
        return False, (f"The test stopped after {len(lrs)} iterations, too few to read. Use the defaults: 100 "
                       "iterations, beta=0.98, diverge_th=4.")
    suggested = finder.suggest("minimum")
    losses = finder.smoothed()
    at = np.interp(np.log10(suggested), np.log10(lrs), losses)
    if not at < losses[0]:
        return False, ("The 'minimum' suggestion is not on the falling part of this curve. Run the default sweep on "
                       "mnist's training data.")
    return True, ("The test ran, the model's weights and the optimizer are exactly as built (no momentum buffers, "
                  "lr = 0.01), and the 'minimum' suggestion lies where the loss falls. Print "
                  "finder.suggestions() to compare the four methods.")
