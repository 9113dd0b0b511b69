"""lrcourse.checks.finder: the exercises of 06_lr_finder. Right answers pass, wrong ones get the hint that fits them."""
import numpy as np
import pytest
import torch
from torch import nn

from lrcourse.checks import FINDER_EXERCISE_CURVE, check
from lrcourse.data import Split
from lrcourse.finder import LRFinder
from lrcourse.suggest import suggest_lr

LRS = np.array(FINDER_EXERCISE_CURVE["lr"])
LOSSES = np.array(FINDER_EXERCISE_CURVE["loss"])


# --------------------------------------------------------------------------- 06.read_steep
def test_exercise_curve_is_a_range_test_curve():
    assert len(LRS) == len(LOSSES) == 25
    assert np.all(np.diff(LRS) > 0)
    assert LOSSES[0] > LOSSES.min() < LOSSES[-1]  # flat start, a bottom, a blow-up


def test_read_steep_passes_with_fastais_forward_and_the_central_difference():
    forward = suggest_lr(LRS, LOSSES, "steep", skip_start=0, skip_end=0)
    assert forward == LRS[np.argmin(np.diff(LOSSES) / np.diff(np.log(LRS)))]
    central = LRS[np.argmin(np.gradient(LOSSES, np.log10(LRS)))]
    assert forward != central
    for answer in (forward, float(central), np.float32(forward), LRS[np.argmin(np.diff(LOSSES))]):
        result = check("06.read_steep", answer)
        assert result.passed, result.message


@pytest.mark.parametrize("answer, hint", [
    (LRS[np.argmin(LOSSES)], "rate of the lowest loss"),
    (LRS[np.argmin(LOSSES)] / 10, "'minimum' suggestion"),
    (LRS[np.argmin(np.gradient(LOSSES, LRS))], "against lr itself"),
    (LRS[np.argmin(np.diff(LOSSES) / np.diff(LRS))], "against lr itself"),
    (LRS[np.argmax(np.gradient(LOSSES, np.log10(LRS)))], "rises fastest"),
    (10, "looks like an index"),
    (1.3, "is a loss"),
    (0.5, "not one of the curve's rates"),
    (1e-3, "does not fall fastest there"),
])
def test_read_steep_wrong_answers_get_their_hint(answer, hint):
    result = check("06.read_steep", answer)
    assert not result.passed
    assert hint in result.message


def test_read_steep_distinct_mistakes_are_distinct_rates():
    rates = [LRS[np.argmin(LOSSES)], LRS[np.argmin(LOSSES)] / 10, LRS[np.argmin(np.gradient(LOSSES, LRS))],
             LRS[np.argmin(np.diff(LOSSES) / np.diff(LRS))], LRS[np.argmax(np.gradient(LOSSES, np.log10(LRS)))],
             suggest_lr(LRS, LOSSES, "steep", skip_start=0, skip_end=0),
             LRS[np.argmin(np.gradient(LOSSES, np.log10(LRS)))]]
    assert len({round(float(r), 10) for r in rates}) == len(rates)


def test_read_steep_unanswered_gives_the_task():
    result = check("06.read_steep", ...)
    assert not result.passed and "Replace the ..." in result.message


# --------------------------------------------------------------------------- 06.why_minimum_over_10
@pytest.mark.parametrize("answer", ["B", "b", " B "])
def test_why_minimum_right_letter_passes(answer):
    assert check("06.why_minimum_over_10", answer).passed


@pytest.mark.parametrize("answer, hint", [
    ("A", "not scaled"),
    ("C", "div_factor is 25"),
    ("d", "no fixed factor of 10"),
    ("E", "one letter"),
    (2, "one letter"),
    ("AB", "one letter"),
])
def test_why_minimum_wrong_letters_get_their_hint(answer, hint):
    result = check("06.why_minimum_over_10", answer)
    assert not result.passed
    assert hint in result.message


# --------------------------------------------------------------------------- 06.finder_new_model
def _digits(n=256, seed=0):
    """MNIST-shaped data that a small model can learn: a bright square per class, plus noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 10
    x = 0.3 * torch.randn(n, 1, 28, 28, generator=g)
    for k in range(10):
        x[y == k, 0, 2 * k:2 * k + 6, 2 * k:2 * k + 6] += 2.0
    return Split(x, y)


def _mlp(seed=1, hidden=100):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def _finder(model=None, optimizer=None, run=True, **range_test):
    model = model if model is not None else _mlp()
    optimizer = optimizer if optimizer is not None else torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    finder = LRFinder(model, optimizer)
    if run:
        finder.range_test(_digits(), verbose=False, **range_test)
    return finder


@pytest.fixture(scope="module")
def solved():
    return _finder()


def test_finder_new_model_passes(solved):
    result = check("06.finder_new_model", solved)
    assert result.passed, result.message
    assert "exactly as built" in result.message


def test_finder_new_model_leaves_torch_random_state_alone(solved):
    state = torch.random.get_rng_state()
    check("06.finder_new_model", solved)
    assert torch.equal(state, torch.random.get_rng_state())


def test_finder_new_model_wants_the_finder():
    result = check("06.finder_new_model", _mlp())
    assert not result.passed and "LRFinder itself" in result.message


def test_finder_new_model_wants_a_finished_test():
    result = check("06.finder_new_model", _finder(run=False))
    assert not result.passed and "no curve yet" in result.message


def test_finder_new_model_wants_the_model_of_the_task():
    result = check("06.finder_new_model", _finder(model=_mlp(hidden=50)))
    assert not result.passed and "not the model of the task" in result.message


def test_finder_new_model_wants_the_seeded_weights():
    result = check("06.finder_new_model", _finder(model=_mlp(seed=2)))
    assert not result.passed and "torch.manual_seed(1)" in result.message


def test_finder_new_model_notices_a_model_trained_before():
    model = _mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = _digits().x[:64], _digits().y[:64]
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
    result = check("06.finder_new_model", _finder(model, optimizer))
    assert not result.passed and "trained before" in result.message


def test_finder_new_model_wants_sgd_with_momentum():
    model = _mlp()
    result = check("06.finder_new_model", _finder(model, torch.optim.Adam(model.parameters(), lr=0.01)))
    assert not result.passed and "momentum=0.9" in result.message


def test_finder_new_model_wants_a_fresh_optimizer():
    model = _mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0, momentum=0.9)
    nn.functional.cross_entropy(model(_digits().x[:64]), _digits().y[:64]).backward()
    optimizer.step()  # lr 0: the weights stay, but momentum buffers appear
    optimizer.param_groups[0]["lr"] = 0.01
    result = check("06.finder_new_model", _finder(model, optimizer))
    assert not result.passed and "momentum buffers" in result.message


def test_finder_new_model_wants_lr_001():
    model = _mlp()
    result = check("06.finder_new_model", _finder(model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)))
    assert not result.passed and "lr=0.01" in result.message


@pytest.mark.parametrize("range_test, hint", [
    (dict(step_mode="linear", end_lr=1), "default sweep"),
    (dict(start_lr=1e-3, end_lr=1), "default sweep"),
    (dict(num_iter=10), "too few"),
])
def test_finder_new_model_wants_the_default_sweep(range_test, hint):
    result = check("06.finder_new_model", _finder(**range_test))
    assert not result.passed and hint in result.message
