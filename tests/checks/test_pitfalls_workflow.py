"""lrcourse.checks.pitfalls_workflow: notebook 07's exhibits 7-8, resuming a run and tuning on the test set.

Every exhibit's broken form fails its check with a specific hint, the fix passes.
"""
import torch
from helpers import assert_fails, assert_passes
from torch.optim.lr_scheduler import ReduceLROnPlateau

from lrcourse.checks import check
from lrcourse.models import MnistCNN
from lrcourse.train import evaluate, fit


# --------------------------------------------------------------------------- 7. resume
def _saver(keys):
    def save_checkpoint(path, model, optimizer, scheduler):
        objects = {"model": model, "optimizer": optimizer, "scheduler": scheduler}
        torch.save({k: objects[k].state_dict() for k in keys}, path)
    return save_checkpoint


def _loader(keys):
    def load_checkpoint(path, model, optimizer, scheduler):
        checkpoint = torch.load(path)
        objects = {"model": model, "optimizer": optimizer, "scheduler": scheduler}
        for k in keys:
            objects[k].load_state_dict(checkpoint[k])
    return load_checkpoint


def test_resume():
    no_scheduler = ("model", "optimizer")
    everything = ("model", "optimizer", "scheduler")
    assert_fails("07.fix_resume", (_saver(no_scheduler), _loader(no_scheduler)), "last_epoch is 0",
                 "scheduler.state_dict()")
    assert_fails("07.fix_resume", (_saver(everything), _loader(("model", "scheduler"))), "optimizer.state_dict()")
    assert_fails("07.fix_resume", (_saver(everything), _loader(("optimizer", "scheduler"))), "model.state_dict()")
    assert_passes("07.fix_resume", (_saver(everything), _loader(everything)))
    result = check("07.fix_resume", (..., ...))
    assert not result.passed and "Replace the ..." in result.message


# --------------------------------------------------------------------------- 8. the test set
def _picker(split):
    def pick_lr(data, candidates):
        scores = {}
        for lr in candidates:
            torch.manual_seed(0)
            model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
            # data.train only: fit(model, data) would also evaluate on data.val after each epoch
            fit(model, data.train, torch.optim.SGD(model.parameters(), lr=lr), num_epochs=1, progress=False)
            scores[lr] = evaluate(model, getattr(data, split))[1]
        return max(scores, key=scores.get)
    return pick_lr


def plateau_on_test(data, candidates):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    opt = torch.optim.SGD(model.parameters(), lr=candidates[0])
    fit(model, data, opt, ReduceLROnPlateau(opt), num_epochs=1, val_data=data.test, progress=False)
    return candidates[0]


def test_test_leak():
    assert_fails("07.fix_test_leak", _picker("test"), "read data.test")
    assert_fails("07.fix_test_leak", plateau_on_test, "read data.test")
    assert_fails("07.fix_test_leak", _picker("train"), "never read data.val")
    assert_passes("07.fix_test_leak", _picker("val"))


def test_test_leak_with_the_mnist_cnn():
    def pick_lr(data, candidates):
        scores = {}
        for lr in candidates:
            torch.manual_seed(0)
            model = MnistCNN()
            fit(model, data, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9), num_epochs=1,
                progress=False)
            scores[lr] = evaluate(model, data.val)[1]
        return max(scores, key=scores.get)

    state = torch.random.get_rng_state()
    assert_passes("07.fix_test_leak", pick_lr)
    assert torch.equal(state, torch.random.get_rng_state()), "the check leaves the global RNG as it was"
