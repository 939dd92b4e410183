"""Unit tests for d2lmini.optim: fit_least_squares, sgd and fit_sgd.

Truth: np.linalg.lstsq (including its minimum-norm answer for rank-deficient
problems), the gradient-descent update written out in NumPy, and the half-MSE
recomputed by hand.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
import torch
from conftest import forbid_reading_values, gen, half_matmul_on_cpu, numpy_least_squares, without_matmul

import d2lmini


def half_mse(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> float:
    r = X @ w + b - y
    return 0.5 * float(np.mean(r * r))


def easy_data(n: int = 1000, seed: int = 0, noise: float = 0.01, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=g, dtype=torch.float64)
    y = X @ torch.tensor([2.0, -3.4], dtype=torch.float64) + 4.2 + noise * torch.randn(n, generator=g, dtype=torch.float64)
    return X.to(dtype), y.to(dtype)


# ---------------------------------------------------------------- fit_least_squares


@pytest.mark.parametrize("n, d", [(50, 1), (200, 3), (12, 5), (6, 5)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fit_least_squares_matches_numpy(n, d, dtype):
    rng = np.random.default_rng(n + d)
    Xn = rng.normal(size=(n, d))
    yn = Xn @ rng.normal(size=d) + 0.7 + rng.normal(size=n)
    X, y = torch.tensor(Xn, dtype=dtype), torch.tensor(yn, dtype=dtype)
    w, b = d2lmini.fit_least_squares(X, y)
    assert w.shape == (d,) and b.shape == ()
    assert w.dtype == dtype and b.dtype == dtype
    w_np, b_np, rank = numpy_least_squares(X.double().numpy(), y.double().numpy())
    assert rank == d + 1
    tol = 1e-4 if dtype == torch.float32 else 1e-10
    np.testing.assert_allclose(w.double().numpy(), w_np, rtol=tol, atol=tol)
    assert float(b) == pytest.approx(b_np, rel=tol, abs=tol)


def test_fit_least_squares_recovers_exact_parameters_without_noise():
    X = torch.tensor([[0.0], [1.0], [2.0], [5.0]], dtype=torch.float64)
    w, b = d2lmini.fit_least_squares(X, 3.0 * X[:, 0] - 2.0)
    assert float(w[0]) == pytest.approx(3.0, abs=1e-12)
    assert float(b) == pytest.approx(-2.0, abs=1e-12)


def test_fit_least_squares_residual_is_orthogonal_to_the_columns():
    X, y = easy_data(300, seed=4, noise=1.0, dtype=torch.float64)
    w, b = d2lmini.fit_least_squares(X, y)
    r = (X @ w + b - y).numpy()
    A = np.column_stack([X.numpy(), np.ones(len(X))])
    np.testing.assert_allclose(A.T @ r, 0.0, atol=1e-9)  # the normal equations hold


def test_fit_least_squares_duplicated_column_warns_and_returns_minimum_norm_solution():
    rng = np.random.default_rng(3)
    X2 = rng.normal(size=(40, 2))
    yn = X2 @ np.array([1.5, -0.5]) + 2.0 + 0.1 * rng.normal(size=40)
    X3 = np.column_stack([X2, X2[:, 0]])  # third column repeats the first
    X, y = torch.tensor(X3), torch.tensor(yn)
    with pytest.warns(d2lmini.RankDeficientWarning, match=r"rank 3 but 4 columns") as record:
        w, b = d2lmini.fit_least_squares(X, y)
    assert record[0].filename == __file__  # stacklevel points at the caller
    assert issubclass(d2lmini.RankDeficientWarning, UserWarning)
    w_np, b_np, rank = numpy_least_squares(X3, yn)
    assert rank == 3
    np.testing.assert_allclose(w.numpy(), w_np, atol=1e-10)
    assert float(b) == pytest.approx(b_np, abs=1e-10)
    # the minimum-norm answer splits the duplicated weight equally
    assert float(w[0]) == pytest.approx(float(w[2]), abs=1e-10)
    # and predicts exactly what the full-rank fit without the duplicate predicts
    w_full, b_full = d2lmini.fit_least_squares(torch.tensor(X2), y)
    np.testing.assert_allclose((X @ w + b).numpy(), (torch.tensor(X2) @ w_full + b_full).numpy(), atol=1e-10)
    assert float(w[0] + w[2]) == pytest.approx(float(w_full[0]), abs=1e-10)


def test_fit_least_squares_constant_column_is_rank_deficient():
    # a constant feature duplicates the bias column
    X = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    with pytest.warns(d2lmini.RankDeficientWarning, match=r"rank 2 but 3 columns"):
        d2lmini.fit_least_squares(X, torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))


def test_fit_least_squares_underdetermined_interpolates():
    rng = np.random.default_rng(8)
    Xn, yn = rng.normal(size=(3, 5)), rng.normal(size=3)
    with pytest.warns(d2lmini.RankDeficientWarning, match=r"rank 3 but 6 columns"):
        w, b = d2lmini.fit_least_squares(torch.tensor(Xn), torch.tensor(yn))
    np.testing.assert_allclose((torch.tensor(Xn) @ w + b).numpy(), yn, atol=1e-10)
    w_np, b_np, _ = numpy_least_squares(Xn, yn)
    np.testing.assert_allclose(np.append(w.numpy(), float(b)), np.append(w_np, b_np), atol=1e-10)


X6, Y6 = torch.ones(6, 2), torch.ones(6)


@pytest.mark.parametrize(
    "X, y, exc, match",
    [
        (Y6, Y6, ValueError, r"X must be a 2-D matrix"),
        (X6, X6, ValueError, r"y must be a 1-D vector"),
        (X6, torch.ones(5), ValueError, r"X and y must have the same number of examples, got 6 and 5"),
        (torch.full((6, 2), float("nan")), Y6, ValueError, r"X must be finite"),
        (X6, torch.full((6,), float("inf")), ValueError, r"y must be finite"),
        (X6.int(), Y6, TypeError, r"X must hold floating-point"),
        (X6, Y6.bool(), TypeError, r"y must hold floating-point"),
        ("X", Y6, TypeError, r"X must be a tensor"),
        (torch.ones(0, 2), torch.ones(0), ValueError, r"X and y must hold at least one example"),
    ],
)
def test_fit_least_squares_rejects_bad_input(X, y, exc, match):
    with pytest.raises(exc, match=match):
        d2lmini.fit_least_squares(X, y)


# ---------------------------------------------------------------- sgd


def test_sgd_step_is_p_minus_lr_grad_and_zeros_gradients():
    a = np.array([0.5, -1.0, 2.0])
    w0 = np.array([1.0, 2.0, -3.0])
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(0.25, dtype=torch.float64, requires_grad=True)
    loss = (torch.tensor(a) * w).sum() + (w**2).sum() + 3 * b**2  # grad_w = a + 2 w, grad_b = 6 b
    loss.backward()
    d2lmini.sgd([w, b], lr=0.1)
    np.testing.assert_allclose(w.detach().numpy(), w0 - 0.1 * (a + 2 * w0), rtol=1e-12)
    assert b.item() == pytest.approx(0.25 - 0.1 * 6 * 0.25)
    assert torch.equal(w.grad, torch.zeros(3, dtype=torch.float64))
    assert torch.equal(b.grad, torch.zeros((), dtype=torch.float64))
    assert w.is_leaf and w.requires_grad  # still a trainable leaf


def test_sgd_accepts_any_iterable_and_integer_lr():
    w = torch.tensor([1.0], requires_grad=True)
    (2 * w).sum().backward()
    d2lmini.sgd((p for p in [w]), lr=1)
    assert w.item() == pytest.approx(-1.0)


def make_param(value=1.0, with_grad=True):
    p = torch.tensor([value], requires_grad=True)
    if with_grad:
        (p * 3).sum().backward()
    return p


@pytest.mark.parametrize(
    "lr, exc, match",
    [
        (0.0, ValueError, r"lr must be positive"),
        (-0.1, ValueError, r"lr must be positive"),
        (float("nan"), ValueError, r"lr must be finite"),
        (float("inf"), ValueError, r"lr must be finite"),
        ("0.1", TypeError, r"lr must be a real number"),
        (True, TypeError, r"lr must be a real number"),
        (None, TypeError, r"lr must be a real number"),
    ],
)
def test_sgd_rejects_bad_lr_without_touching_params(lr, exc, match):
    p = make_param()
    with pytest.raises(exc, match=match):
        d2lmini.sgd([p], lr)
    assert p.item() == 1.0 and p.grad.item() == 3.0


def test_sgd_rejects_non_tensor_param():
    with pytest.raises(TypeError, match=r"params\[1\] must be a tensor, got float"):
        d2lmini.sgd([make_param(), 1.0], 0.1)


def test_sgd_rejects_param_without_grad_before_updating_any():
    p, q = make_param(), make_param(with_grad=False)
    with pytest.raises(ValueError, match=r"params\[1\] has no gradient"):
        d2lmini.sgd([p, q], 0.1)
    assert p.item() == 1.0  # nothing was updated half-way


def test_sgd_rejects_a_bare_tensor():
    p = make_param()
    with pytest.raises(TypeError, match=r"params must be an iterable of tensors"):
        d2lmini.sgd(p, 0.1)
    assert p.item() == 1.0


# ---------------------------------------------------------------- fit_sgd


def test_fit_sgd_converges_to_least_squares_on_easy_data():
    X, y = easy_data(1000)
    result = d2lmini.fit_sgd(X, y, lr=0.03, batch_size=10, num_epochs=3, generator=gen(1))
    w_np, b_np, _ = numpy_least_squares(X.double().numpy(), y.double().numpy())
    np.testing.assert_allclose(result.w.double().numpy(), w_np, atol=0.01)
    assert float(result.b) == pytest.approx(b_np, abs=0.01)
    assert result.diverged is False
    assert result.epoch_losses[-1] < result.epoch_losses[0]
    assert result.w.dtype == torch.float32 and result.b.shape == ()


def test_fit_sgd_same_seed_same_result_different_seed_different_result():
    X, y = easy_data(200)
    kw = {"lr": 0.05, "batch_size": 16, "num_epochs": 2, "track_path": True}
    a = d2lmini.fit_sgd(X, y, generator=gen(9), **kw)
    b = d2lmini.fit_sgd(X, y, generator=gen(9), **kw)
    c = d2lmini.fit_sgd(X, y, generator=gen(10), **kw)
    for field in ("w", "b", "epoch_losses", "step_losses", "path"):
        assert torch.equal(getattr(a, field), getattr(b, field)), field
    assert not torch.equal(a.path, c.path)


@pytest.mark.parametrize("n, batch_size, num_epochs", [(100, 10, 3), (101, 10, 2), (7, 20, 4), (50, 1, 1), (13, 5, 2)])
def test_fit_sgd_loss_lengths_and_path_shape(n, batch_size, num_epochs):
    X, y = easy_data(n)
    result = d2lmini.fit_sgd(X, y, lr=0.01, batch_size=batch_size, num_epochs=num_epochs, generator=gen(), track_path=True)
    steps = num_epochs * math.ceil(n / batch_size)
    assert result.step_losses.shape == (steps,)
    assert result.epoch_losses.shape == (num_epochs,)
    assert result.path.shape == (steps + 1, 3)
    assert torch.equal(result.path[-1], torch.cat([result.w, result.b.reshape(1)]))
    assert torch.isfinite(result.step_losses).all() and torch.isfinite(result.epoch_losses).all()


def test_fit_sgd_path_is_none_unless_tracked():
    X, y = easy_data(20)
    assert d2lmini.fit_sgd(X, y, lr=0.1, batch_size=5, num_epochs=1, generator=gen()).path is None


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fit_sgd_last_epoch_loss_is_half_mse_at_returned_params(dtype):
    X, y = easy_data(120, noise=0.5, dtype=dtype)
    result = d2lmini.fit_sgd(X, y, lr=0.05, batch_size=7, num_epochs=4, generator=gen(2))
    assert result.epoch_losses.dtype == dtype
    by_hand = half_mse(X.double().numpy(), y.double().numpy(), result.w.double().numpy(), float(result.b))
    assert float(result.epoch_losses[-1]) == pytest.approx(by_hand, rel=1e-5 if dtype == torch.float32 else 1e-12)


def test_fit_sgd_full_batch_is_gradient_descent_step_by_step():
    # with batch_size >= n every step is one full gradient step, so the whole run can be replayed in NumPy
    X, y = easy_data(30, seed=5, noise=0.3, dtype=torch.float64)
    lr, epochs = 0.2, 6
    result = d2lmini.fit_sgd(X, y, lr=lr, batch_size=1000, num_epochs=epochs, generator=gen(3), track_path=True)
    Xn, yn, path = X.numpy(), y.numpy(), result.path.numpy()
    assert path.shape == (epochs + 1, 3)
    assert path[0, 2] == 0.0  # bias starts at zero
    assert np.all(np.abs(path[0, :2]) < 0.05)  # weights start near zero (N(0, 0.01^2))
    for k in range(epochs):
        w, b = path[k, :2], path[k, 2]
        r = Xn @ w + b - yn
        np.testing.assert_allclose(path[k + 1, :2], w - lr * Xn.T @ r / len(yn), rtol=1e-10, atol=1e-12)
        assert path[k + 1, 2] == pytest.approx(b - lr * r.mean(), rel=1e-10, abs=1e-12)
        # a step loss is measured before its update, an epoch loss after the epoch
        assert float(result.step_losses[k]) == pytest.approx(half_mse(Xn, yn, w, b), rel=1e-10)
        assert float(result.epoch_losses[k]) == pytest.approx(half_mse(Xn, yn, path[k + 1, :2], path[k + 1, 2]), rel=1e-10)


def test_fit_sgd_noise_free_minibatch_sgd_reaches_the_true_parameters():
    X, y = easy_data(200, noise=0.0, dtype=torch.float64)
    result = d2lmini.fit_sgd(X, y, lr=0.05, batch_size=1, num_epochs=5, generator=gen(4))
    np.testing.assert_allclose(result.w.numpy(), [2.0, -3.4], atol=1e-6)
    assert float(result.b) == pytest.approx(4.2, abs=1e-6)


def test_fit_sgd_huge_lr_diverges_with_warning_and_finite_params():
    X, y = easy_data(1000)
    with pytest.warns(RuntimeWarning, match=r"diverged.*lr=1000000\.0") as record:
        result = d2lmini.fit_sgd(X, y, lr=1e6, batch_size=10, num_epochs=3, generator=gen(), track_path=True)
    assert record[0].filename == __file__
    assert result.diverged is True
    assert torch.isfinite(result.w).all() and torch.isfinite(result.b)
    assert not math.isfinite(float(result.epoch_losses[-1]))
    # it blew up in the first epoch, so the last finite parameters are the initial ones
    assert len(result.epoch_losses) == 1
    assert torch.equal(torch.cat([result.w, result.b.reshape(1)]), result.path[0])


def test_fit_sgd_divergence_in_a_later_epoch_returns_the_last_finite_epoch():
    # x in {-1, 1} with mean 0: the Hessian is the identity, so with lr = 11 and full batches
    # every step multiplies the error by -10 and the float32 loss overflows after about 19 epochs
    X = torch.tensor([[-1.0], [1.0]] * 5)
    y = 3 * X[:, 0] + 1
    with pytest.warns(RuntimeWarning, match=r"diverged in epoch"):
        result = d2lmini.fit_sgd(X, y, lr=11.0, batch_size=10, num_epochs=60, generator=gen(), track_path=True)
    epochs_run = len(result.epoch_losses)
    assert result.diverged and 1 < epochs_run < 60
    assert torch.isfinite(result.epoch_losses[:-1]).all()
    assert not torch.isfinite(result.epoch_losses[-1])
    assert len(result.step_losses) == epochs_run  # one full-batch step per epoch, stopped at the divergence
    # one step per epoch: the params after epoch k sit in path[k]; the last finite epoch is epochs_run - 1
    assert torch.equal(result.w, result.path[epochs_run - 1, :1])
    assert torch.equal(result.b, result.path[epochs_run - 1, 1])
    assert torch.isfinite(result.w).all() and torch.isfinite(result.b)


def test_fit_sgd_batch_larger_than_data_and_lists_are_fine():
    result = d2lmini.fit_sgd([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], lr=0.1, batch_size=50, num_epochs=2, generator=gen())
    assert result.step_losses.shape == (2,) and result.w.shape == (1,)


def test_sgd_result_is_frozen():
    result = d2lmini.fit_sgd(*easy_data(10), lr=0.1, batch_size=5, num_epochs=1, generator=gen())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.w = torch.zeros(2)


def test_fit_sgd_hyperparameters_are_keyword_only():
    X, y = easy_data(10)
    with pytest.raises(TypeError, match=r"takes 2 positional arguments but 5 were given"):
        d2lmini.fit_sgd(X, y, 0.1, 5, 1)


XS, YS = easy_data(12)
GOOD_SGD = {"X": XS, "y": YS, "lr": 0.1, "batch_size": 4, "num_epochs": 2}


@pytest.mark.parametrize(
    "change, exc, match",
    [
        ({"X": YS}, ValueError, r"X must be a 2-D matrix"),
        ({"y": XS}, ValueError, r"y must be a 1-D vector"),
        ({"y": YS[:11]}, ValueError, r"X and y must have the same number of examples, got 12 and 11"),
        ({"X": torch.full((12, 2), float("nan"))}, ValueError, r"X must be finite"),
        ({"y": torch.full((12,), float("-inf"))}, ValueError, r"y must be finite"),
        ({"X": XS.long()}, TypeError, r"X must hold floating-point"),
        ({"y": YS > 0}, TypeError, r"y must hold floating-point"),
        ({"X": torch.ones(0, 2), "y": torch.ones(0)}, ValueError, r"X and y must hold at least one example"),
        ({"lr": 0.0}, ValueError, r"lr must be positive"),
        ({"lr": -0.5}, ValueError, r"lr must be positive"),
        ({"lr": float("nan")}, ValueError, r"lr must be finite"),
        ({"lr": float("inf")}, ValueError, r"lr must be finite"),
        ({"lr": "0.1"}, TypeError, r"lr must be a real number"),
        ({"lr": True}, TypeError, r"lr must be a real number"),
        ({"batch_size": 0}, ValueError, r"batch_size must be at least 1"),
        ({"batch_size": -2}, ValueError, r"batch_size must be at least 1"),
        ({"batch_size": 2.5}, TypeError, r"batch_size must be an integer"),
        ({"batch_size": 4.0}, TypeError, r"batch_size must be an integer"),
        ({"batch_size": True}, TypeError, r"batch_size must be an integer"),
        ({"num_epochs": 0}, ValueError, r"num_epochs must be at least 1"),
        ({"num_epochs": -1}, ValueError, r"num_epochs must be at least 1"),
        ({"num_epochs": 1.0}, TypeError, r"num_epochs must be an integer"),
        ({"num_epochs": False}, TypeError, r"num_epochs must be an integer"),
        ({"generator": 42}, TypeError, r"generator must be a torch.Generator"),
        ({"generator": np.random.default_rng(0)}, TypeError, r"generator must be a torch.Generator"),
        ({"track_path": "yes"}, TypeError, r"^track_path must be True or False, got "),
        ({"track_path": 1}, TypeError, r"^track_path must be True or False, got "),
        ({"track_path": 0}, TypeError, r"^track_path must be True or False, got "),
        ({"track_path": None}, TypeError, r"^track_path must be True or False, got "),
        ({"track_path": torch.tensor(True)}, TypeError, r"^track_path must be True or False, got "),
    ],
)
def test_fit_sgd_rejects_bad_input(change, exc, match):
    kwargs = {**GOOD_SGD, **change}
    X, y = kwargs.pop("X"), kwargs.pop("y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a bad input is an error, never a "diverged" warning
        with pytest.raises(exc, match=match):
            d2lmini.fit_sgd(X, y, **kwargs)


# ---------------------------------------------------------------- issue 11: rank at the data's precision


def lstsq_rank_warning(X: torch.Tensor, y: torch.Tensor) -> tuple[bool, torch.Tensor, torch.Tensor]:
    """Fit; return whether a RankDeficientWarning came (and the fit). Any other warning fails the test."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w, b = d2lmini.fit_least_squares(X, y)
    others = [f"{c.category.__name__}: {c.message}" for c in caught if not issubclass(c.category, d2lmini.RankDeficientWarning)]
    assert others == []
    return len(caught) > 0, w, b


def test_fit_least_squares_float32_area_in_two_units_is_rank_deficient():
    # chapter 03's motivating case: the area in m^2 and the same area in ft^2, both stored in float32
    X, price = d2lmini.house_data(1000, generator=gen(0))
    area = X[:, 0]
    factor = 10.7639
    two_units = torch.stack([area, area * factor], dim=1)
    assert two_units.dtype == torch.float32
    with pytest.warns(d2lmini.RankDeficientWarning, match=r"rank 2 but 3 columns at the precision of torch.float32"):
        w, b = d2lmini.fit_least_squares(two_units, price)
    # truth: fit on the area alone in float64, then the minimum-norm split of its slope s over
    # w1 + factor * w2 = s, which is s / (1 + factor^2) * (1, factor); not weights in the thousands
    (s, intercept), *_ = np.linalg.lstsq(
        np.column_stack([area.double().numpy(), np.ones(1000)]), price.double().numpy(), rcond=None
    )
    np.testing.assert_allclose(w.double().numpy(), s / (1 + factor**2) * np.array([1.0, factor]), rtol=1e-4)
    assert float(b) == pytest.approx(intercept, rel=1e-4)


@pytest.mark.parametrize("standardize", [False, True])
def test_fit_least_squares_catches_every_float32_rounded_duplicate(standardize):
    # 300 random designs whose second column is the first times a random factor, rounded to
    # float32 (and optionally standardised in float32): every one is rank-deficient
    rng = np.random.default_rng(11)
    missed = []
    for trial in range(300):
        n = int(rng.integers(3, 2000))
        factor = float(np.exp(3 * rng.normal()))
        first = torch.tensor(rng.uniform(40, 200, n), dtype=torch.float32)
        columns = [first, first * factor]
        if rng.random() < 0.5:  # sometimes an independent third column
            columns.append(torch.tensor(rng.uniform(0, 60, n), dtype=torch.float32))
        X = torch.stack(columns, dim=1)
        if standardize:
            X = (X - X.mean(0)) / X.std(0)
        y = torch.tensor(rng.normal(size=n), dtype=torch.float32)
        warned, _, _ = lstsq_rank_warning(X, y)
        if not warned:
            missed.append((trial, n, factor))
    assert missed == []


def test_fit_least_squares_well_conditioned_float32_designs_do_not_warn():
    rng = np.random.default_rng(12)
    for _ in range(100):
        d = int(rng.integers(1, 8))
        n = int(rng.integers(d + 2, 3000))
        X = torch.tensor(rng.normal(size=(n, d)) * rng.uniform(0.1, 100, size=d) + rng.normal(size=d), dtype=torch.float32)
        y = torch.tensor(rng.normal(size=n), dtype=torch.float32)
        warned, w, _ = lstsq_rank_warning(X, y)
        assert not warned, (n, d)
        w_np, _, rank = numpy_least_squares(X.double().numpy(), y.double().numpy())
        assert rank == d + 1
        np.testing.assert_allclose(w.double().numpy(), w_np, rtol=1e-4, atol=1e-5)
    # the course's housing data and chapter 08's nearly (but resolvably) dependent copy
    for n in (100, 1000):
        X, price = d2lmini.house_data(n, generator=gen(n))
        assert not lstsq_rank_warning(X, price)[0]
    x = torch.randn(100, 1, generator=gen(4))
    nearly = torch.cat([x, x], dim=1) + 0.001 * torch.randn(100, 2, generator=gen(5))
    assert not lstsq_rank_warning(nearly, 3 * x[:, 0] + 1)[0]


def test_fit_least_squares_judges_rank_at_the_precision_of_the_dtype():
    # the second column differs from 3x the first by 1e-9 relative: real information in float64,
    # below the rounding of float32
    rng = np.random.default_rng(13)
    first = rng.uniform(1, 2, 500)
    second = 3 * first * (1 + 1e-9 * rng.normal(size=500))
    X64 = torch.tensor(np.column_stack([first, second]))
    y64 = torch.tensor(rng.normal(size=500))
    assert not lstsq_rank_warning(X64, y64)[0]
    warned, w, _ = lstsq_rank_warning(X64.float(), y64.float())
    assert warned
    assert w.dtype == torch.float32 and torch.isfinite(w).all() and float(w.abs().max()) < 10


# ---------------------------------------------------------------- issue 14: sgd is a cheap per-step helper
# (issue 11 had sgd refuse a non-finite gradient; that check read the gradients' values, a host-device
# synchronisation per step on a GPU, and was dropped: fit_sgd, the entry point, detects divergence)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_sgd_refuses_a_non_finite_gradient_on_the_cpu_and_moves_nothing(bad):
    p, q = make_param(1.0), make_param(2.0)
    q.grad = torch.tensor([bad])
    with pytest.raises(ValueError, match=r"^params\[1\]\.grad holds 1 NaN or infinite values .*no parameter was updated$"):
        d2lmini.sgd([p, q], 0.1)
    assert (p.item(), q.item()) == (1.0, 2.0)  # p's finite step was not taken either


def test_sgd_refuses_a_step_that_overflows_on_the_cpu():
    p = make_param(1.0)
    p.grad = torch.tensor([3e38])  # finite, but 10 * 3e38 is beyond float32
    with pytest.raises(ValueError, match=r"^lr \* params\[0\]\.grad overflows torch\.float32 \(lr=10\.0\)"):
        d2lmini.sgd([p], 10.0)
    assert p.item() == 1.0


def test_sgd_reads_no_values_off_the_cpu(monkeypatch):
    # "meta" tensors stand in for a GPU: sgd must not read a value there (the host would wait for the device).
    p = torch.zeros(2, device="meta", requires_grad=True)
    p.grad = torch.ones(2, device="meta")
    forbid_reading_values(monkeypatch)
    d2lmini.sgd([p], 0.5)
    monkeypatch.undo()
    assert p.shape == (2,) and p.device.type == "meta"


@pytest.mark.parametrize("params, got", [(None, "NoneType"), (5, "int"), ("wb", "str"), (2.5, "float")])
def test_sgd_names_params_when_it_is_not_an_iterable_of_tensors(params, got):
    with pytest.raises(TypeError, match=rf"^params must be an iterable of tensors such as \[w, b\], got {got}$"):
        d2lmini.sgd(params, 0.1)


# ---------------------------------------------------------------- issue 11: divergence vs a large loss


@pytest.mark.skipif(not half_matmul_on_cpu(), reason="this torch has no float16 matrix product on the CPU")
def test_fit_sgd_float16_labels_around_400_do_not_diverge():
    # 0.5 * 400^2 = 80000 exceeds float16's largest number (65504), but the parameters and residuals fit
    g = gen(0)
    X = torch.randn(64, 1, generator=g).half()
    y = torch.full((64,), 400.0, dtype=torch.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = d2lmini.fit_sgd(X, y, lr=1e-4, batch_size=8, num_epochs=2, generator=gen(1), track_path=True)
    assert result.diverged is False
    assert result.w.dtype == torch.float16 and result.epoch_losses.dtype == torch.float32
    assert torch.isfinite(result.epoch_losses).all() and torch.isfinite(result.step_losses).all()
    # the recorded loss is the half-MSE of the returned parameters, computed here in float64
    by_hand = half_mse(X.double().numpy(), y.double().numpy(), result.w.double().numpy(), float(result.b))
    assert by_hand > 65504
    # (fit_sgd's residuals are float16 numbers, rounded to about 5e-4 relative)
    assert float(result.epoch_losses[-1]) == pytest.approx(by_hand, rel=2e-3)
    # and the first step loss is the loss at the starting point
    start = result.path[0].double().numpy()
    assert float(result.step_losses[0]) == pytest.approx(
        half_mse(X[result_order_first_batch(X, 8)].double().numpy(), y[:8].double().numpy(), start[:1], start[1]),
        rel=2e-3,
    )


def result_order_first_batch(X: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The rows of fit_sgd's first minibatch with generator gen(1): the initial weights draw first, then the shuffle."""
    g = gen(1)
    torch.randn(X.shape[1], generator=g)
    return torch.randperm(X.shape[0], generator=g)[:batch_size]


def test_fit_sgd_records_a_float32_loss_whose_sum_of_squares_would_overflow():
    # residuals of 1e18 on 1000 examples: the sum of squares (1e39) overflows float32, the mean (1e36) does not
    X = torch.zeros(1000, 1)
    y = torch.full((1000,), 1e18)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = d2lmini.fit_sgd(X, y, lr=1e-30, batch_size=1000, num_epochs=2, generator=gen())
    assert result.diverged is False
    np.testing.assert_allclose(result.epoch_losses.numpy(), [0.5e36, 0.5e36], rtol=1e-6)


@pytest.mark.skipif(not half_matmul_on_cpu(), reason="this torch has no float16 matrix product on the CPU")
def test_fit_sgd_parameter_overflow_is_a_divergence():
    X, y = easy_data(100)
    with pytest.warns(RuntimeWarning, match=r"diverged in epoch 1: .*float16.* with lr=1000000\.0") as record:
        result = d2lmini.fit_sgd(X.half(), y.half(), lr=1e6, batch_size=10, num_epochs=3, generator=gen(), track_path=True)
    assert len(record) == 1
    assert result.diverged is True and len(result.epoch_losses) == 1
    assert torch.equal(torch.cat([result.w, result.b.reshape(1)]), result.path[0])  # the last finite parameters


def test_fit_sgd_refuses_labels_beyond_the_dtype_of_x():
    X = torch.ones(4, 1, dtype=torch.float16)
    with pytest.raises(ValueError, match=r"y holds values as large as 1e\+05 in magnitude, beyond the range of torch.float16"):
        d2lmini.fit_sgd(X, torch.full((4,), 1e5), lr=0.1, batch_size=2, num_epochs=1)


def test_fit_sgd_refuses_data_whose_loss_is_beyond_float32_from_the_start():
    with pytest.raises(ValueError, match=r"X and y are too large for torch.float32: the loss at the starting weights is 5e\+39"):
        d2lmini.fit_sgd(torch.zeros(3, 1), torch.full((3,), 1e20), lr=0.1, batch_size=1, num_epochs=1)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (torch.ones(4, 1), {"num_epochs": 10**12}, (
            r"num_epochs=1,000,000,000,000 would need 4,000,000,000,000 numbers "
            r"for the step losses \(4 steps per epoch\), more than the 100,000,000 allowed; lower num_epochs or raise batch_size"
        )),
        (torch.ones(4, 1), {"num_epochs": 10**8}, r"num_epochs=100,000,000 would need 400,000,000 numbers"),
        (torch.ones(4, 200), {"num_epochs": 200_000, "track_path": True}, r"num_epochs=200,000 would need 160,800,201 numbers for the path"),
    ],
)
def test_fit_sgd_checks_sizes_before_allocating(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        d2lmini.fit_sgd(X, torch.ones(X.shape[0]), lr=0.1, batch_size=1, **{"num_epochs": 1, **kwargs})


def test_fit_sgd_track_path_accepts_numpy_bools():
    assert d2lmini.fit_sgd(XS, YS, lr=0.1, batch_size=4, num_epochs=1, track_path=np.bool_(True)).path is not None


def test_fit_sgd_refuses_a_dtype_torch_cannot_multiply_before_training(monkeypatch):
    X, y = easy_data(20)
    without_matmul(monkeypatch)
    with pytest.raises(TypeError, match=r"^X has dtype torch.float16, .* convert it with X\.float\(\)$"):
        d2lmini.fit_sgd(X.half(), y.half(), lr=0.1, batch_size=4, num_epochs=1)
