"""lrcourse.checks.pitfalls_workflow: notebook 07's exhibit 6, resuming a run.

Every exhibit's broken form fails its check with a specific hint, the fix passes.
"""
import torch
from helpers import assert_fails, assert_passes

from lrcourse.checks import check


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
                 "everything but the scheduler")
    assert_fails("07.fix_resume", (_saver(everything), _loader(("model", "scheduler"))), "optimizer.state_dict()")
    assert_fails("07.fix_resume", (_saver(everything), _loader(("optimizer", "scheduler"))), "model.state_dict()")
    assert_passes("07.fix_resume", (_saver(everything), _loader(everything)))
    result = check("07.fix_resume", (..., ...))
    assert not result.passed and "Replace the ..." in result.message
