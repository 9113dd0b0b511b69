"""lrcourse.hooks: what runs around fit's loop, called at fixed points, and a clean stop on request."""
import torch

from lrcourse.data import noisy_linear_data
from lrcourse.history import History
from lrcourse.hooks import Callback, Hook
from lrcourse.models import linear_model
from lrcourse.train import fit


class Recorder(Hook):
    def __init__(self, stop_at=None):
        self.events, self.stop_at = [], stop_at

    def on_train_begin(self, history):
        self.events.append("begin")

    def on_step_end(self, history):
        self.events.append(f"step {history.num_steps}")
        if history.num_steps == self.stop_at:
            history.stopped = True

    def before_validation(self, history):
        self.events.append("before validation")

    def after_validation(self, history):
        self.events.append(f"after validation {len(history.epochs['epoch'])}")  # the epoch is not recorded yet

    def on_epoch_end(self, history):
        self.events.append(f"epoch {history.epochs['epoch'][-1]}")

    def on_train_end(self, history):
        self.events.append("end")


def _fit(hook, val=True, **kwargs):
    model = linear_model()
    return fit(model, noisy_linear_data(16, device="cpu"), torch.optim.SGD(model.parameters(), lr=0.01),
               num_epochs=2, batch_size=8, val_data=noisy_linear_data(8, seed=1, device="cpu") if val else None,
               progress=False, hooks=[hook], verbose=False, **kwargs)


def test_a_hook_is_called_at_each_point_of_the_loop_in_order():
    hook = Recorder()
    _fit(hook)
    assert hook.events == ["begin", "step 1", "step 2", "before validation", "after validation 0", "epoch 1",
                           "step 3", "step 4", "before validation", "after validation 1", "epoch 2", "end"]
    hook = Recorder()
    _fit(hook, val=False)  # no validation data: nothing around a validation
    assert "before validation" not in hook.events and hook.events[-2:] == ["epoch 2", "end"]


def test_a_hook_stops_training_cleanly_with_one_flag():
    hook = Recorder(stop_at=3)
    h = _fit(hook)
    assert h.stopped and h.state == "stopped" and h.num_steps == 3 and len(h.epochs["epoch"]) == 1
    assert h.message == "Stopped by request at epoch 2, step 3." and hook.events[-1] == "end"


def test_fit_calls_its_callback_after_the_progress_and_before_your_hooks():
    order = []

    class Mine(Hook):
        def on_epoch_end(self, history):
            order.append("mine")

    model = linear_model()
    fit(model, noisy_linear_data(16, device="cpu"), torch.optim.SGD(model.parameters(), lr=0.01), num_epochs=1,
        batch_size=8, progress=False, callback=lambda h: order.append("callback"), hooks=[Mine()])
    assert order == ["callback", "mine"]


def test_a_callback_runs_every_few_steps_and_at_every_epoch_end():
    seen = []
    hook = Callback(lambda h: seen.append((h.num_steps, len(h.epochs["epoch"]))), every=3)
    h = History()
    for step in range(1, 5):
        h.record_step(1, [{"lr": 0.1}], 1.0)
        hook.on_step_end(h)
    h.record_epoch(1, 1.0, None, None, 0.1)
    hook.on_epoch_end(h)
    assert seen == [(3, 0), (4, 1)]
