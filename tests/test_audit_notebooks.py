"""The schedule audit over a notebook's loops: every scheduler a cell builds is watched, curves are not."""
import pytest

from lrcourse.audit_notebooks import format_loops, notebook_loops

NOTEBOOK = '''# %%
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR, StepLR

from lrcourse.curves import lr_curve


def loop(scheduler_first=False, steps=6):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    for _ in range(steps):
        if scheduler_first:
            scheduler.step()
        optimizer.step()
        if not scheduler_first:
            scheduler.step()


# %%
loop()  # right
lr_curve(lambda opt: StepLR(opt, step_size=2), 50)  # a drawn curve: not a loop
optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
chained = SequentialLR(optimizer, [LinearLR(optimizer, 0.1, total_iters=2), CosineAnnealingLR(optimizer, 8)],
                       milestones=[2])
for _ in range(10):
    optimizer.step()
    chained.step()

# %% tags=["pitfall"]
loop(scheduler_first=True)  # shown on purpose

# %%
loop(scheduler_first=True)  # the same bug, untagged: the audit must call it a false alarm
'''


@pytest.mark.slow
def test_every_loop_is_audited_and_only_an_untagged_finding_is_a_false_alarm(tmp_path):
    (tmp_path / "99_loops.py").write_text(NOTEBOOK)
    rows = notebook_loops(["99_loops"], folder=tmp_path)
    by_cell = [(r["cell"], r["schedulers"], r["named"], r["expected"]) for r in rows]
    assert by_cell == [(1, ["StepLR"], [], False),
                       (1, ["SequentialLR"], [], False),
                       (2, ["StepLR"], ["step_order"], True),
                       (3, ["StepLR"], ["step_order"], False)]
    report = format_loops(rows)
    assert "4 loops, 1 false alarms, 1 pitfalls shown on purpose" in report and "FALSE ALARM" in report
