"""lrcourse.shootout: the fair protocol of notebook 08 (tune on validation, race on other seeds,
rank by validation, test sealed) and its scoreboard of paired differences."""

import numpy as np
import pytest
import torch

from lrcourse.data import MNISTData, Split, load_mnist
from lrcourse.models import MnistCNN
from lrcourse.results import Runs
from lrcourse.shootout import Contestant, ShootoutResult, scoreboard, shootout
from lrcourse.tuning import Tunable, tune_then_race


def _tiny_mnist(log=None):
    full = load_mnist("cpu", source="sample", verbose=False)
    test = Split(full.test.x[:128], full.test.y[:128])
    if log is not None:  # a test split that records every read
        class Watched(Split):
            def __getattribute__(self, attr):
                if attr in ("x", "y", "batches", "to"):
                    log.append(attr)
                return object.__getattribute__(self, attr)
        test = Watched(test.x, test.y)
        log.clear()
    return MNISTData(Split(full.train.x[:256], full.train.y[:256]), Split(full.val.x[:64], full.val.y[:64]),
                     test, "tiny", None)


def _sgd(lr):
    return Contestant("", lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9))


def test_a_tuning_run_never_reads_the_test_split():
    log = []
    data = _tiny_mnist(log)
    r = ShootoutResult(data, (0,), 1, 64, 0.5, model_fn=lambda: MnistCNN(width=4))
    history, scores, _ = r.run_one(Contestant("SGD", _sgd(0.05).make_optimizer), seed=0, test=False)
    assert log == [] and scores is None and history.final("val_acc") is not None
    _, (loss, acc), _ = r.run_one(Contestant("SGD", _sgd(0.05).make_optimizer), seed=0)  # a race run reads it, once
    assert log and loss > 0 and 0 <= acc <= 1


def test_a_race_records_each_runs_test_loss_and_compares_it():
    from lrcourse.compare import compare_runs
    from lrcourse.train import evaluate

    data = _tiny_mnist()
    kept = []
    model_fn = lambda: kept.append(MnistCNN(width=4)) or kept[-1]
    r = shootout([_sgd(0.05), Contestant("slow", _sgd(0.001).make_optimizer)], data, seeds=(0, 1), num_epochs=1,
                 verbose=False, model_fn=model_fn)
    trained = [m for m in kept if next(m.parameters()).grad is not None]
    assert r.runs[""].test_losses == [evaluate(m, data.test)[0] for m in trained[:2]]
    c = compare_runs(r, "", "slow", "test_loss")
    assert c.metric == "test loss" and not c.higher_is_better and c.resolution is None
    assert list(c.diffs) == [b - a for a, b in zip(r.runs[""].test_losses, r.runs["slow"].test_losses)]


def test_tuning_keeps_the_best_validation_rate_and_never_a_runaway_one():
    r = tune_then_race([Tunable("SGD", _sgd, (1e6, 0.01))], _tiny_mnist(), tune_seeds=(0,), race_seeds=(1,),
                       num_epochs=1, model_fn=lambda: MnistCNN(width=4), verbose=False)
    chosen, scores = r.tuning["SGD"]
    assert chosen == 0.01 and scores[1e6][0] < scores[0.01][0]  # -inf when fit stopped on a NaN loss


def test_a_pick_at_the_edge_of_its_grid_is_said_aloud(capsys):
    r = tune_then_race([Tunable("SGD", _sgd, (1e6, 0.01))], _tiny_mnist(), tune_seeds=(0,), race_seeds=(1,),
                       num_epochs=1, model_fn=lambda: MnistCNN(width=4))
    out = capsys.readouterr().out
    assert r.tuning["SGD"][0] == 0.01 and "SGD's pick is the bottom of its grid" in out and "past 0.01" in out


def test_tuning_averages_its_seeds_and_picks_the_lowest_mean_validation_loss():
    data = _tiny_mnist()
    r = tune_then_race([Tunable("SGD", _sgd, (1e-4, 0.01, 0.05))], data, tune_seeds=(0, 4), race_seeds=(1,),
                       num_epochs=1, model_fn=lambda: MnistCNN(width=4), verbose=False)
    chosen, scores = r.tuning["SGD"]
    assert chosen == min(scores, key=lambda lr: scores[lr][1])
    one = ShootoutResult(data, (0, 4), 1, 64, 0.5, model_fn=lambda: MnistCNN(width=4))
    losses = [one.run_one(Contestant("", _sgd(0.01).make_optimizer), seed=s, test=False)[0].final("val_loss")
              for s in (0, 4)]
    assert scores[0.01][1] == pytest.approx(np.mean(losses))  # the mean over both tuning seeds


def test_tune_then_race_ranks_by_validation_with_the_test_sealed():
    data = _tiny_mnist()
    entries = [Tunable("slow", _sgd, (1e-5, 1e-4)), Tunable("fast", _sgd, (0.01, 0.05))]
    r = tune_then_race(entries, data, tune_seeds=(0,), race_seeds=(1, 2, 3), num_epochs=1,
                       model_fn=lambda: MnistCNN(width=4), verbose=False)
    assert r.seeds == (1, 2, 3) and r.rank_by == "val_acc" and r.sealed
    assert set(r.tuning) == {"slow", "fast"} and r.tuning["fast"][0] in (0.01, 0.05)
    rows = r.leaderboard()
    assert [row.label for row in rows] == ["fast", "slow"]
    assert rows[0].acc_mean >= rows[1].acc_mean
    for row in rows:  # sealed: the rows show the final validation accuracies, never the test ones
        assert row.split == "val" and row.accs == tuple(h.final("val_acc") for h in r.runs[row.label].histories)
    assert len(r.test_acc["fast"]) == 3  # measured, read once at the end
    r.rank_by = "test_acc"
    with pytest.raises(ValueError, match="val_acc"):
        r.leaderboard()  # a sealed race cannot be ranked by its test split


def test_the_race_seeds_exclude_the_tuning_seed():
    with pytest.raises(ValueError, match="tuning seed"):
        tune_then_race([Tunable("a", _sgd, (0.01,))], _tiny_mnist(), tune_seeds=(1,), race_seeds=(1, 2))


def test_scoreboard_calls_a_tie_a_tie():
    r = ShootoutResult(None, (1, 2, 3, 4, 5), 1, 64, 0.9)
    c = np.array([96.2, 96.6, 95.9, 96.4, 96.1])
    for label, accs in (("C", c), ("B", c + [0.6, 0.5, 0.7, -0.6, 0.6]), ("A", c + 1.0 + [0.1, -0.1, 0.0, 0.1, -0.1])):
        r.runs[label] = Runs(Contestant(label, None), test_accs=list(accs / 100))
    lines = scoreboard(r, "C", "test_acc").splitlines()
    assert lines[0].split()[0] == "contestant"
    a, b, base = lines[1:]
    assert a.startswith("A") and a.endswith("ahead") and "5/5" in a and "0.06" in a
    assert b.startswith("B") and b.endswith("tie (CI covers 0)") and "4/5" in b and "0.38" in b
    assert base.startswith("C") and base.endswith("(the baseline)")


def test_a_near_tie_goes_to_the_smaller_rate():
    data = _tiny_mnist()
    kwargs = dict(tune_seeds=(0,), race_seeds=(1,), num_epochs=1, model_fn=lambda: MnistCNN(width=4), verbose=False)
    plain = tune_then_race([Tunable("SGD", _sgd, (1e-4, 0.05))], data, **kwargs).tuning["SGD"]
    scores = plain[1]
    ratio = scores[1e-4][1] / scores[0.05][1]
    assert plain[0] == 0.05 and 1 < ratio < 2  # the larger rate wins outright ...
    tied = tune_then_race([Tunable("SGD", _sgd, (1e-4, 0.05))], data, near_tie=ratio - 0.999, **kwargs)
    assert tied.tuning["SGD"][0] == 1e-4  # ... and loses a near-tie as wide as its lead
    with pytest.raises(ValueError, match="near_tie"):
        tune_then_race([Tunable("SGD", _sgd, (0.01,))], data, near_tie=2, **kwargs)
