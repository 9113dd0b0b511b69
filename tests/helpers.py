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
