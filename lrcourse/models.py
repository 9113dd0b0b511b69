"""The course's models: a compact MNIST CNN and the one-weight y = 2x regression, and the loss each trains with."""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["MnistCNN", "ExamplesNet", "linear_model", "default_loss"]


class MnistCNN(nn.Sequential):
    r"""A compact CNN for MNIST that trains fast on a 2-core CPU.

    Two strided convolutions (no pooling) with batch norm, then one linear
    layer: ``1x28x28 -> width x14x14 -> 2·width x7x7 -> 10``. Strides instead
    of pooling keep the compute about 10x below the PyTorch-examples ``Net``
    (see :class:`ExamplesNet`), and batch norm lets it take large learning
    rates, which the schedules in this course need.

    Args:
        width (int): channels of the first convolution; the second has twice
            as many. Default: ``32``.

    Example:
        >>> model = MnistCNN()
        >>> model(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
        >>> type(model[-1]).__name__, len(model[:-1])
        ('Linear', 7)
    """

    def __init__(self, width: int = 32):
        if not isinstance(width, int) or width < 1:
            raise ValueError(f"width must be a positive int, got {width!r}.")
        super().__init__(
            nn.Conv2d(1, width, 5, stride=2, padding=2, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, 10),
        )

    def __getitem__(self, idx):
        """``model[i]`` is a layer; ``model[:-1]`` is a plain ``nn.Sequential`` of those layers."""
        if isinstance(idx, slice):
            return nn.Sequential(*list(self)[idx])
        return super().__getitem__(idx)


class ExamplesNet(nn.Module):
    r"""The ``Net`` of pytorch/examples' ``mnist/main.py`` (conv 32, conv 64, fc 128).

    Kept only as the reference that ``lrcourse bench`` measures
    :class:`MnistCNN` against.

    Example:
        >>> ExamplesNet()(torch.zeros(1, 1, 28, 28)).shape
        torch.Size([1, 10])
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = torch.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = self.dropout2(x)
        return torch.log_softmax(self.fc2(x), dim=1)


def linear_model(init: float | None = 0.0) -> nn.Linear:
    r"""``nn.Linear(1, 1)`` for y = 2x, with its weight set to ``init`` and no bias.

    Starting every run from the same weight makes runs at different learning
    rates comparable, and dropping the bias leaves a single weight, so the
    loss is a parabola in that weight.

    Args:
        init (float, optional): the starting weight; ``None`` keeps torch's
            random initialization and the bias. Default: ``0.0``.

    Example:
        >>> linear_model(0.5).weight.item()
        0.5
    """
    if init is None:
        return nn.Linear(1, 1)
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(float(init))
    return model


def default_loss(targets: torch.Tensor) -> nn.Module:
    r"""The loss used when none is given: cross-entropy for integer class labels, mean squared error otherwise.

    Args:
        targets (Tensor): the targets (a batch, or a whole split's ``y``).

    Example:
        >>> default_loss(torch.tensor([3, 1])), default_loss(torch.tensor([0.5]))
        (CrossEntropyLoss(), MSELoss())
    """
    return nn.MSELoss() if torch.is_floating_point(targets) else nn.CrossEntropyLoss()
