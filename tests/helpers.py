"""Builders shared by the tests: scheduler cases, and MNIST files in IDX format.

Tests import from here, never from another test file or from conftest.
"""
import numpy as np
from torch.optim import lr_scheduler as S

from lrcourse.mnist_files import idx_bytes
from lrcourse.schedules import WallClockLR


#: arguments for every scheduler by name (factories for the ones that wrap others)
CASES = {
    "LambdaLR": lambda o: S.LambdaLR(o, lambda t: 1 / (1 + 0.1 * t)),
    "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, lambda t: 0.95),
    "StepLR": dict(step_size=7, gamma=0.5),
    "MultiStepLR": dict(milestones=[10, 25], gamma=0.1),
    "ConstantLR": dict(factor=0.5, total_iters=5),
    "LinearLR": dict(start_factor=0.1, total_iters=10),
    "ExponentialLR": dict(gamma=0.95),
    "PolynomialLR": dict(total_iters=30, power=2.0),
    "CosineAnnealingLR": dict(T_max=20, eta_min=0.001),
    "CosineAnnealingWarmRestarts": dict(T_0=5, T_mult=2),
    "CyclicLR": dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="triangular2"),
    "OneCycleLR": dict(max_lr=1.0, total_steps=40),
    "SequentialLR": lambda o: S.SequentialLR(
        o, [S.LinearLR(o, 0.1, total_iters=5), S.CosineAnnealingLR(o, T_max=35)], milestones=[5]),
    "ChainedScheduler": lambda o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=4), S.ExponentialLR(o, gamma=0.9)]),
    "ReduceLROnPlateau": dict(factor=0.5, patience=2),
    "TimeBasedLR": dict(k=0.1),
    "WallClockLR": lambda o: WallClockLR(o, period=1, unit="seconds", clock=ticker()),
}


def ticker(dt=0.25):
    t = [-dt]

    def clock():
        t[0] += dt
        return t[0]
    return clock


def make_idx_files(n_train=200, n_test=50, seed=0) -> dict:
    """The four MNIST files in IDX format (bytes by file name), from random pixels."""
    rng = np.random.default_rng(seed)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        out[f"{prefix}-images-idx3-ubyte"] = idx_bytes(rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        out[f"{prefix}-labels-idx1-ubyte"] = idx_bytes((np.arange(n) % 10).astype(np.uint8))
    return out


# --------------------------------------------------------------------------- lrcourse.checks
def assert_fails(exercise_id, answer, *words):
    """Check ``answer`` for ``exercise_id``: it must fail, with a hint that holds each of ``words``."""
    from lrcourse.checks import FAIL, check

    result = check(exercise_id, answer)
    assert not result.passed, f"{exercise_id} passed a broken form: {result.message}"
    assert str(result).startswith(f"{FAIL} {exercise_id}: Not yet."), str(result)
    for word in words:
        assert word in result.message, f"{exercise_id}: the hint {result.message!r} does not mention {word!r}"
    return result


def assert_passes(exercise_id, answer):
    """Check ``answer`` for ``exercise_id``: it must pass."""
    from lrcourse.checks import PASS, check

    result = check(exercise_id, answer)
    assert result.passed, f"{exercise_id} rejected a correct form: {result.message}"
    assert str(result).startswith(f"{PASS} {exercise_id}: Correct."), str(result)
    return result


# --------------------------------------------------------------------------- lrcourse.widgets
def tiny_shootout(num_epochs=2, seeds=(0, 1)):
    """A finished shoot-out on 192 sample images (3 batches of 64): one contestant, ``fixed``, SGD momentum 0.9."""
    import torch

    from lrcourse.data import MNISTData, Split, load_mnist
    from lrcourse.models import MnistCNN
    from lrcourse.shootout import Contestant, shootout

    full = load_mnist("cpu", source="sample", verbose=False)
    data = MNISTData(Split(full.train.x[:192], full.train.y[:192]), Split(full.val.x[:64], full.val.y[:64]),
                     Split(full.test.x[:64], full.test.y[:64]), "tiny", None)

    def sgd(params):
        return torch.optim.SGD(params, lr=0.05, momentum=0.9)
    return shootout([Contestant("fixed", sgd)], data, seeds=seeds, num_epochs=num_epochs, target_acc=0.3,
                    model_fn=lambda: MnistCNN(width=4), verbose=False)


def stored_finder(lrs, raw_losses):
    """An LRFinder on a linear model whose history is the given curve, as if ``range_test`` had recorded it.

    ``range_test`` is replaced by ``None``, so anything that tries to run the test again fails.
    """
    import torch

    from lrcourse.finder import LRFinder
    from lrcourse.models import linear_model

    model = linear_model()
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.1))
    raw = [float(v) for v in raw_losses]
    finder.history = {"lr": [float(v) for v in lrs], "loss": raw, "raw_loss": raw}
    finder.range_test = None
    return finder


def descendants(widget):
    """Every widget inside ``widget`` (its children, theirs, and so on), in display order."""
    out = []
    for child in getattr(widget, "children", ()):
        out += [child, *descendants(child)]
    return out


def full_draw_pixels(figure):
    """The pixels of a whole matplotlib draw of a panel's figure, drawn from scratch (a copy)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.fig.canvas
    FigureCanvasAgg.draw(canvas)
    return np.asarray(canvas.get_renderer().buffer_rgba()).copy()
