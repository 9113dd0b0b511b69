"""Hooks of :func:`~lrcourse.train.fit`: what runs around its loop without being written into it.

A :class:`Hook` is called at fixed points of the loop (the start, after
each step, around each validation, after each epoch, the end). ``fit``
builds its own from its arguments: a :class:`ProgressBar`, a
:class:`Callback` for ``callback=``, and :class:`ScheduleFree` for an
optimizer with ``train()`` and ``eval()`` methods. A hook stops training
cleanly by setting ``history.stopped = True``.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .data import Split
from .history import History

__all__ = ["Hook", "ProgressBar", "Callback", "ScheduleFree", "has_train_eval"]


class Hook:
    r"""Called by :func:`~lrcourse.train.fit` at fixed points of its loop; override the ones you need.

    Each method gets the :class:`~lrcourse.history.History` being recorded.
    ``before_validation`` and ``after_validation`` run only when there is
    validation data.

    Example:
        >>> class StopAfter(Hook):
        ...     def on_step_end(self, history):
        ...         history.stopped = history.num_steps >= 2
        >>> from lrcourse.data import linear_data
        >>> from lrcourse.models import linear_model
        >>> from lrcourse.train import fit
        >>> model = linear_model()
        >>> h = fit(model, linear_data("cpu"), torch.optim.SGD(model.parameters(), lr=0.01), num_epochs=5,
        ...         progress=False, hooks=[StopAfter()], verbose=False)
        >>> h.num_steps, h.state
        (2, 'stopped')
    """

    def on_train_begin(self, history: History) -> None: ...

    def on_step_end(self, history: History) -> None: ...

    def before_validation(self, history: History) -> None: ...

    def after_validation(self, history: History) -> None: ...

    def on_epoch_end(self, history: History) -> None: ...

    def on_train_end(self, history: History) -> None: ...


class ProgressBar(Hook):
    r"""A tqdm bar over every batch of ``num_epochs`` epochs, with the loss, the rate and the validation accuracy.

    Example:
        >>> bar = ProgressBar(num_epochs=2, steps_per_epoch=5, desc="demo")
        >>> bar.bar.total
        10
        >>> bar.on_train_end(History())
    """

    def __init__(self, num_epochs: int, steps_per_epoch: int, desc: str = "training"):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=num_epochs * steps_per_epoch, desc=desc, unit="batch", leave=True)
        self.steps_per_epoch = steps_per_epoch

    def on_step_end(self, history: History) -> None:
        self.bar.update(1)
        if history.num_steps % 10 == 1 or self.steps_per_epoch < 10:
            self.bar.set_postfix(loss=f"{history.steps['loss'][-1]:.4g}", lr=f"{history.steps['lr'][-1][0]:.3g}",
                                 refresh=False)

    def on_epoch_end(self, history: History) -> None:
        shown = {"loss": f"{history.final('train_loss'):.4g}"}
        if history.final("val_acc") is not None:
            shown["val_acc"] = f"{history.final('val_acc'):.3f}"
        self.bar.set_postfix(shown)

    def on_train_end(self, history: History) -> None:
        self.bar.close()


class Callback(Hook):
    r"""``fn(history)`` after every epoch and every ``every`` steps (``0``: only at epoch ends).

    Example:
        >>> seen = []
        >>> hook = Callback(lambda h: seen.append(h.num_steps), every=2)
        >>> h = History()
        >>> for _ in range(4):
        ...     h.record_step(1, [{"lr": 0.1}], 1.0)
        ...     hook.on_step_end(h)
        >>> seen
        [2, 4]
    """

    def __init__(self, fn: Callable[[History], None], every: int = 0):
        self.fn, self.every = fn, every

    def on_step_end(self, history: History) -> None:
        if self.every and history.num_steps % self.every == 0:
            self.fn(history)

    def on_epoch_end(self, history: History) -> None:
        self.fn(history)


def has_train_eval(optimizer) -> bool:
    """A schedule-free optimizer: it has its own ``train()`` and ``eval()`` methods.

    Example:
        >>> has_train_eval(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
        False
    """
    return callable(getattr(optimizer, "train", None)) and callable(getattr(optimizer, "eval", None))


class ScheduleFree(Hook):
    r"""``optimizer.train()`` to train, ``optimizer.eval()`` to validate and at the end, as schedule-free needs.

    A schedule-free optimizer (``schedulefree.AdamWScheduleFree``) trains at
    one set of weights and is evaluated at their average. After each
    ``optimizer.eval()``, batch-norm running statistics are recomputed at the
    evaluation weights on up to ``num_batches`` training batches in their
    stored order (train mode, no gradients, no random numbers drawn), as the
    ``schedulefree`` README recommends.

    Args:
        optimizer: has ``train()`` and ``eval()`` (see :func:`has_train_eval`).
        model (nn.Module): the model it trains.
        train (Split): the training split, for the batch-norm statistics.
        batch_size (int, optional): as in :func:`~lrcourse.train.fit`.
        num_batches (int): batches for the batch-norm statistics. Default: ``50``.

    Example:
        >>> import schedulefree
        >>> from lrcourse.models import linear_model
        >>> model = linear_model()
        >>> opt = schedulefree.SGDScheduleFree(model.parameters(), lr=0.1)
        >>> hook = ScheduleFree(opt, model, Split(torch.zeros(4, 1), torch.zeros(4, 1)), 2)
        >>> hook.on_train_begin(History()); opt.param_groups[0]["train_mode"]
        True
        >>> hook.on_train_end(History()); opt.param_groups[0]["train_mode"]
        False
    """

    def __init__(self, optimizer, model: nn.Module, train: Split, batch_size: int | None, num_batches: int = 50):
        self.optimizer, self.model, self.train = optimizer, model, train
        self.batch_size, self.num_batches = batch_size, num_batches

    def on_train_begin(self, history: History) -> None:
        self.optimizer.train()

    def before_validation(self, history: History) -> None:
        self.evaluation_weights()

    def after_validation(self, history: History) -> None:
        self.optimizer.train()

    def on_train_end(self, history: History) -> None:
        self.evaluation_weights()

    @torch.no_grad()
    def evaluation_weights(self) -> None:
        """``optimizer.eval()``, then batch-norm statistics recomputed at the evaluation weights."""
        self.optimizer.eval()
        norms = [m for m in self.model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return
        was_training = self.model.training
        self.model.train()
        for i, (xb, _) in enumerate(self.train.batches(self.batch_size)):
            if i >= self.num_batches:
                break
            self.model(xb)
        self.model.train(was_training)
