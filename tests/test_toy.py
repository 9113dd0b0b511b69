"""lrcourse.toy: y = w·x by hand, its exact regimes, the heavy-ball limit and the noise floor of SGD."""
import numpy as np
import pytest
import torch
from torch import nn
from torch.optim.lr_scheduler import StepLR

from lrcourse.data import linear_data
from lrcourse.models import linear_model
from lrcourse.toy import (curvature, gd_regime, gradient_descent_1d, heavy_ball_limit, noisy_sgd_run,
                          stability_limit)
from lrcourse.train import fit

X, Y = [1, 2, 3, 4], [2, 4, 6, 8]


def test_curvature_and_limit_of_the_tutorial_data():
    assert curvature(X) == 15.0
    assert stability_limit(X) == pytest.approx(2 / 15)
    with pytest.raises(ValueError, match="empty"):
        curvature([])


def test_gradient_descent_matches_torch_sgd():
    x, y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]
    path = gradient_descent_1d(x, y, lr=0.05, w0=0.5, num_steps=10)
    model = linear_model(0.5).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    xs = torch.tensor(x, dtype=torch.float64).view(-1, 1)
    ws = [0.5]
    for _ in range(10):
        opt.zero_grad()
        nn.functional.mse_loss(model(xs), 2 * xs).backward()
        opt.step()
        ws.append(model.weight.item())
    np.testing.assert_allclose(path["w"], ws, rtol=1e-12)


def test_gradient_descent_with_momentum_matches_torch_sgd_momentum():
    path = gradient_descent_1d(X, Y, lr=0.1, num_steps=15, momentum=0.9)
    model = linear_model(0.0).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    xs = torch.arange(1.0, 5.0, dtype=torch.float64).view(-1, 1)
    ws = [0.0]
    for _ in range(15):
        opt.zero_grad()
        nn.functional.mse_loss(model(xs), 2 * xs).backward()
        opt.step()
        ws.append(model.weight.item())
    np.testing.assert_allclose(path["w"], ws, rtol=1e-10)


@pytest.mark.parametrize("lr, regime", [
    (0.01, "too small (monotone)"), (0.06, "too small (monotone)"), (1 / 15, "just right"), (0.07, "oscillating"), (0.12, "oscillating"),
    (2 / 15, "oscillating forever"), (0.134, "diverging"), (0.14, "diverging"),
])
def test_regimes_are_exact_and_match_what_gradient_descent_does(lr, regime):
    assert gd_regime(lr, X) == regime
    w = gradient_descent_1d(X, Y, lr, num_steps=400)["w"]
    err = np.abs(w - 2)
    if regime == "too small (monotone)":
        assert np.all(w[1:5] < 2) and np.all(np.diff(err[:5]) < 0), "one side, closer at every step"
    elif regime == "just right":
        assert err[1] == pytest.approx(0, abs=1e-12)
    elif regime == "oscillating":
        assert np.all(np.diff(np.sign(w[1:5] - 2)) != 0), "it overshoots at every step"
        assert err[-1] < 1e-6
    elif regime == "oscillating forever":
        assert err[-1] == pytest.approx(2, rel=1e-6) and err[-2] == pytest.approx(2, rel=1e-6)
        assert w[-1] != pytest.approx(w[-2])
    else:
        assert err[-1] > err[0]


def test_regime_bad_rate():
    with pytest.raises(ValueError, match="lr must be"):
        gd_regime(0, X)


def test_heavy_ball_limit_is_where_momentum_runs_stop_converging():
    assert heavy_ball_limit(X, 0.0) == stability_limit(X)
    for beta in (0.0, 0.5, 0.9):
        limit = heavy_ball_limit(X, beta)
        assert limit == pytest.approx(2 * (1 + beta) / 15)
        below = gradient_descent_1d(X, Y, limit * 0.97, num_steps=3000, momentum=beta)["w"]
        above = gradient_descent_1d(X, Y, limit * 1.03, num_steps=3000, momentum=beta)["w"]
        assert abs(below[-1] - 2) < 1e-3 and not abs(above[-1] - 2) < 1
    with pytest.raises(ValueError, match="momentum"):
        heavy_ball_limit(X, 1.0)


def test_divergence_in_torch_starts_at_the_derived_limit():
    limit = stability_limit(X)
    for lr, expect in ((limit * 0.98, False), (limit * 1.02, True)):
        model = linear_model()
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        h = fit(model, linear_data("cpu"), opt, num_epochs=400, batch_size=None, progress=False, verbose=False)
        grew = h.diverged or h.loss[-1] > h.loss[0]
        assert grew == expect


def test_gradient_descent_bad_input():
    with pytest.raises(ValueError, match="lr must be"):
        gradient_descent_1d([1], [2], lr=0)
    with pytest.raises(ValueError, match="num_steps"):
        gradient_descent_1d([1], [2], lr=0.1, num_steps=0)
    with pytest.raises(ValueError, match="same length"):
        gradient_descent_1d([1, 2], [2], lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        gradient_descent_1d([1], [2], lr=0.1, momentum=-0.1)
    path = gradient_descent_1d(X, Y, lr=10.0, num_steps=400)
    assert np.isinf(path["loss"][-1]), "divergence is reported as inf, not an exception"


def test_noisy_sgd_floor_grows_with_the_rate_and_a_cut_lowers_it():
    def floor(run):
        return run["excess"][-5 * run["steps_per_epoch"]:].mean()

    small = [floor(noisy_sgd_run(lr=0.1, seed=s, num_epochs=15)) for s in (0, 1)]
    large = [floor(noisy_sgd_run(lr=0.4, seed=s, num_epochs=15)) for s in (0, 1)]
    assert np.mean(large) > 2 * np.mean(small)
    cut = noisy_sgd_run(lambda opt: StepLR(opt, step_size=10, gamma=0.25), lr=0.4, seed=0, num_epochs=15)
    spe = cut["steps_per_epoch"]
    assert cut["lr"][0] == 0.4 and cut["lr"][10 * spe] == pytest.approx(0.1)
    assert floor(cut) < 0.6 * np.mean(large)


def test_noisy_sgd_is_reproducible_per_seed():
    a, b = noisy_sgd_run(lr=0.2, seed=3, num_epochs=2), noisy_sgd_run(lr=0.2, seed=3, num_epochs=2)
    np.testing.assert_array_equal(a["excess"], b["excess"])
    assert not np.array_equal(a["excess"], noisy_sgd_run(lr=0.2, seed=4, num_epochs=2)["excess"])
