"""The GPU path without a GPU: training never copies a batch between devices.

Data tensors live on the training device (lrcourse.data.Split), so on CUDA
there is no per-batch host-to-device copy. Recording every Tensor.to/.cuda/.cpu
call shows it on the CPU too: the only tensor moved per pass over the data is
the shuffled order (one index vector per epoch), never a batch.
"""
import pytest
import torch

from lrcourse.data import Split
from lrcourse.finder import LRFinder
from lrcourse.models import MnistCNN
from lrcourse.train import fit


@pytest.fixture
def copies(monkeypatch):
    calls = []
    for name in ("to", "cuda", "cpu"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, **kwargs):
            calls.append(tuple(self.shape))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    return calls


def _digits(n):
    g = torch.Generator().manual_seed(0)
    return Split(torch.randn(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g))


def _copies_during(fn, copies):
    before = len(copies)
    fn()
    return copies[before:]


BATCH = 16  # 64 samples: 4 batches per pass


def _assert_no_batch_copied(moved, passes):
    assert not [s for s in moved if s and s[0] == BATCH], f"batches were copied: {moved}"
    assert moved.count((64,)) == passes, "one shuffled order per pass over the data"


def test_fit_copies_no_batch(copies):
    def run(num_epochs):
        torch.manual_seed(0)
        model = MnistCNN(width=4)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        return lambda: fit(model, _digits(64), opt, num_epochs=num_epochs, batch_size=BATCH, progress=False)

    _assert_no_batch_copied(_copies_during(run(3), copies), passes=3)


def test_range_test_copies_no_batch(copies):
    def run(num_iter):
        torch.manual_seed(0)
        model = MnistCNN(width=4)
        finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=0.01))
        return lambda: finder.range_test(_digits(64), start_lr=1e-5, end_lr=1e-3, num_iter=num_iter,
                                         batch_size=BATCH, verbose=False)

    _assert_no_batch_copied(_copies_during(run(20), copies), passes=5)
