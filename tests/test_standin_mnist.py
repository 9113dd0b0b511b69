"""The course on a full-MNIST folder of another size than the offline sample.

A stand-in "full MNIST" (IDX files written from the sample's real digits, 6,000 train and
1,500 test) sits in LRCOURSE_DATA. Nothing may depend on the sample's sizes: on a CPU the
course cuts full MNIST to the same budget as the sample; with LRCOURSE_DATA_SIZE=full it uses
all of it, and every count that follows from the data (batches per epoch, OneCycleLR's
total_steps, the range test's batches) follows it.
"""
import pytest
import torch

from lrcourse.data import CPU_BUDGET, load_mnist
from lrcourse.finder import LRFinder
from lrcourse.mnist_files import write_standin_mnist
from lrcourse.models import MnistCNN
from lrcourse.train import fit

NUM_TRAIN, NUM_TEST = 6000, 1500


@pytest.fixture
def standin_root(tmp_path, monkeypatch):
    write_standin_mnist(tmp_path, NUM_TRAIN, NUM_TEST)
    monkeypatch.setenv("LRCOURSE_DATA", str(tmp_path))
    monkeypatch.delenv("LRCOURSE_DATA_SIZE", raising=False)
    return tmp_path


def test_on_a_cpu_full_mnist_is_cut_to_the_samples_budget(standin_root, capsys):
    mnist = load_mnist("cpu")
    note = capsys.readouterr().out
    assert mnist.source == "torchvision"
    assert (len(mnist.train), len(mnist.val), len(mnist.test)) == CPU_BUDGET
    train, val, test = CPU_BUDGET
    assert f"{train:,} train / {val:,} val / {test:,} test" in note and "LRCOURSE_DATA_SIZE=full" in note
    assert str(standin_root) not in note  # no machine path in the line a notebook stores
    # a fixed stratified draw: every digit in the proportions of all the training digits, the same each time
    every = load_mnist("cpu", size="full", verbose=False).train.y
    expected = torch.bincount(every, minlength=10) * CPU_BUDGET[0] / len(every)
    assert (torch.bincount(mnist.train.y, minlength=10) - expected).abs().max() <= 1
    again = load_mnist("cpu", size="budget", verbose=False)
    assert torch.equal(again.train.y, mnist.train.y)


def test_full_size_uses_every_digit(standin_root, monkeypatch):
    monkeypatch.setenv("LRCOURSE_DATA_SIZE", "full")
    mnist = load_mnist("cpu", verbose=False)
    assert len(mnist.train) + len(mnist.val) == NUM_TRAIN and len(mnist.test) == NUM_TEST


def test_a_bad_size_is_a_clear_error(standin_root, monkeypatch):
    monkeypatch.setenv("LRCOURSE_DATA_SIZE", "huge")
    with pytest.raises(ValueError, match="'budget' or 'full'"):
        load_mnist("cpu", verbose=False)


@pytest.mark.slow  # a fresh interpreter or the real data: runs in make test
def test_fit_and_the_finder_follow_the_data_present(standin_root):
    mnist = load_mnist("cpu", size="full", verbose=False)
    per_epoch = -(-len(mnist.train) // 64)
    assert per_epoch != -(-CPU_BUDGET[0] // 64)  # another size than the sample's
    torch.manual_seed(0)
    model = MnistCNN(width=4)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    total = 2 * per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=total)
    h = fit(model, mnist, opt, sched, num_epochs=2, batch_size=64, progress=False)
    assert h.num_steps == total and h.state == "ok"
    assert h.lr[-1] < 1e-4  # OneCycleLR ran to its end: total_steps matched the batches
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=1e-3), torch.nn.CrossEntropyLoss())
    finder.range_test(mnist, num_iter=per_epoch + 5, end_lr=1.0)  # longer than one pass: wraps around
    assert len(finder.history["lr"]) > 0
