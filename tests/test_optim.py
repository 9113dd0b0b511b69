"""lrcourse.optim: one name per optimizer, built as torch's own class, and labelled as a learner would write it."""
import pytest
import torch

from lrcourse.optim import MOMENTUM, OPTIMIZERS, check_optimizer, make_optimizer, optimizer_label


def _params():
    return [torch.nn.Parameter(torch.zeros(2))]


@pytest.mark.parametrize("name, cls, momentum", [
    ("sgd", torch.optim.SGD, 0.0),
    ("sgd_momentum", torch.optim.SGD, MOMENTUM),
    ("adam", torch.optim.Adam, None),
])
def test_each_name_builds_torchs_optimizer_with_its_momentum(name, cls, momentum):
    opt = make_optimizer(name, _params(), lr=0.03)
    assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.03
    if momentum is not None:
        assert opt.param_groups[0]["momentum"] == momentum
    else:
        assert opt.param_groups[0]["betas"] == torch.optim.Adam(_params()).defaults["betas"]  # torch's default


def test_the_vocabulary_is_exactly_what_make_optimizer_builds():
    assert set(OPTIMIZERS) == {"sgd", "sgd_momentum", "adam"}
    for name in OPTIMIZERS:
        assert check_optimizer(name) == name and make_optimizer(name, _params(), 0.1) is not None
    assert str(MOMENTUM) in OPTIMIZERS["sgd_momentum"], "the printed meaning states the momentum used"


def test_the_label_is_the_code_a_learner_would_write():
    assert optimizer_label("sgd_momentum", 0.05) == f"SGD(lr=0.05, momentum={MOMENTUM})"
    assert optimizer_label("sgd", 0.1) == "SGD(lr=0.1)"
    assert optimizer_label("adam", 1e-3) == "Adam(lr=0.001)"
    assert optimizer_label("sgd") == "SGD"


@pytest.mark.parametrize("call", [
    lambda: make_optimizer("momentum", _params(), 0.1),
    lambda: optimizer_label("SGD"),
    lambda: check_optimizer("rmsprop"),
])
def test_an_unknown_name_lists_the_known_ones(call):
    with pytest.raises(ValueError, match="optimizer must be one of 'sgd', 'sgd_momentum', 'adam', got '"):
        call()
