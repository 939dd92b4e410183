"""Unit tests for d2lmini.losses (squared_loss, loss_grid, half_mse), against NumPy, calculus and hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import one_feature_data

import d2lmini

RNG = np.random.default_rng(0)
X_NP = RNG.normal(size=(6, 3))


# ---------------------------------------------------------------- squared_loss


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_squared_loss_matches_formula(dtype):
    a, b = RNG.normal(size=8), RNG.normal(size=8)
    loss = d2lmini.squared_loss(torch.tensor(a, dtype=dtype), torch.tensor(b, dtype=dtype))
    assert loss.shape == (8,) and loss.dtype == dtype
    np.testing.assert_allclose(loss.double().numpy(), 0.5 * (a - b) ** 2, rtol=1e-6)


def test_squared_loss_hand_values():
    loss = d2lmini.squared_loss(torch.tensor([3.0, -1.0, 2.0]), torch.tensor([1.0, 1.0, 2.0]))
    assert loss.tolist() == [2.0, 2.0, 0.0]


def test_squared_loss_accepts_column_predictions_without_broadcasting():
    y_hat = torch.tensor([[1.0], [2.0], [4.0]])  # what nn.Linear returns
    y = torch.tensor([1.0, 1.0, 1.0])
    loss = d2lmini.squared_loss(y_hat, y)
    assert loss.shape == (3,)  # not (3, 3)
    assert loss.tolist() == [0.0, 0.5, 4.5]
    # and the other way round: the result has the shape of y
    loss_col = d2lmini.squared_loss(y, y_hat)
    assert loss_col.shape == (3, 1)
    assert loss_col.flatten().tolist() == [0.0, 0.5, 4.5]


def test_squared_loss_gradient_is_the_residual():
    # the factor one half makes d/dy_hat 0.5 (y_hat - y)^2 = y_hat - y
    y_hat = torch.tensor([0.5, -2.0, 3.0], requires_grad=True)
    y = torch.tensor([1.0, 1.0, 1.0])
    d2lmini.squared_loss(y_hat, y).sum().backward()
    assert y_hat.grad.tolist() == [-0.5, -3.0, 2.0]


def test_squared_loss_accepts_lists():
    assert d2lmini.squared_loss([1.0, 3.0], [1.0, 1.0]).tolist() == [0.0, 2.0]


@pytest.mark.parametrize(
    "y_hat, y, exc, match",
    [
        (torch.ones(3), torch.ones(4), ValueError, r"y_hat and y must have matching shapes, got \(3,\) and \(4,\)"),
        (torch.ones(2, 3), torch.ones(3, 2), ValueError, r"y_hat and y must have matching shapes"),
        (torch.ones(3, 2), torch.ones(3), ValueError, r"y_hat and y must have matching shapes"),
        ([float("nan"), 1.0], torch.ones(2), ValueError, r"y_hat must be finite"),
        (torch.ones(2), [1.0, float("inf")], ValueError, r"y must be finite"),
        (torch.ones(2), torch.ones(2, dtype=torch.int64), TypeError, r"y must hold floating-point"),
        (torch.ones(2, dtype=torch.bool), torch.ones(2), TypeError, r"y_hat must hold floating-point"),
        (None, torch.ones(2), TypeError, r"y_hat must be a tensor"),
        (torch.ones(2), "ab", TypeError, r"y must be a tensor"),
        (torch.ones(2), np.array([1.0 + 1.0j, 1.0]), TypeError, r"^y must hold real numbers"),  # issue 11: no silent cast
    ],
)
def test_squared_loss_rejects_bad_input(y_hat, y, exc, match):
    with pytest.raises(exc, match=match):
        d2lmini.squared_loss(y_hat, y)


# ---------------------------------------------------------------- loss_grid


def test_loss_grid_matches_the_quadratic_expansion_in_data_moments():
    x, y = one_feature_data(40, seed=3)
    xd, yd = x.double().numpy(), y.double().numpy()
    sxx, sx, sxy, sy, syy = (xd * xd).mean(), xd.mean(), (xd * yd).mean(), yd.mean(), (yd * yd).mean()
    ws, bs = torch.linspace(-2, 4, 13), torch.linspace(-3, 3, 11)
    W, B = np.meshgrid(ws.double().numpy(), bs.double().numpy())
    expected = 0.5 * (W**2 * sxx + 2 * W * B * sx + B**2 - 2 * W * sxy - 2 * B * sy + syy)
    grid = d2lmini.loss_grid(x, y, ws, bs)
    assert grid.shape == (11, 13) and grid.dtype == torch.float64  # one row per b, one column per w
    np.testing.assert_allclose(grid.numpy(), expected, rtol=1e-9, atol=1e-9)


def test_loss_grid_is_smallest_at_the_least_squares_line():
    x, y = one_feature_data(30, seed=5)
    slope, intercept = np.polyfit(x.double().numpy(), y.double().numpy(), 1)
    ws = torch.tensor([slope - 0.1, slope, slope + 0.1], dtype=torch.float64)
    bs = torch.tensor([intercept - 0.1, intercept, intercept + 0.1], dtype=torch.float64)
    grid = d2lmini.loss_grid(x, y, ws, bs)
    assert int(grid.argmin()) == 4  # the centre of the 3 x 3 grid
    residual = slope * x.double().numpy() + intercept - y.double().numpy()
    assert math.isclose(float(grid[1, 1]), 0.5 * float(np.mean(residual**2)), rel_tol=1e-9)


def test_loss_grid_is_zero_on_exact_data_and_accepts_a_column():
    x = torch.tensor([0.0, 1.0, 2.0, 3.0])
    y = 2 * x + 1
    grid = d2lmini.loss_grid(x.reshape(-1, 1), y, torch.tensor([2.0, 3.0]), torch.tensor([1.0]))
    assert float(grid[0, 0]) == 0.0
    # slope 3 misses by x at each point: mean of x^2 / 2 = (0 + 1 + 4 + 9) / 4 / 2
    assert math.isclose(float(grid[0, 1]), 14 / 8)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"x": torch.zeros(3), "y": torch.zeros(4)}, ValueError, "same number of examples"),
        ({"x": torch.zeros(3, 2), "y": torch.zeros(3)}, ValueError, "x must be a 1-D vector"),
        ({"w_values": torch.tensor([])}, ValueError, "at least one value"),
        ({"b_values": torch.zeros(2, 2)}, ValueError, "b_values must be a 1-D"),
        ({"x": torch.tensor([1, 2, 3])}, TypeError, "floating-point"),
        ({"y": torch.tensor([1.0, float("nan"), 0.0])}, ValueError, "finite"),
        ({"x": torch.zeros(0), "y": torch.zeros(0)}, ValueError, "at least one example"),
    ],
)
def test_loss_grid_rejects_bad_input(kwargs, error, words):
    args = {"x": torch.zeros(3), "y": torch.zeros(3), "w_values": torch.zeros(2), "b_values": torch.zeros(2)}
    args.update(kwargs)
    with pytest.raises(error, match=words):
        d2lmini.loss_grid(**args)


# ---------------------------------------------------------------- half_mse


def test_half_mse_is_half_the_mean_square_computed_in_float64():
    from d2lmini.losses import half_mse

    r = np.float16(RNG.normal(size=7) * 300).astype(np.float64)  # squares up to ~1e6: beyond float16's 65504
    got = half_mse(torch.tensor(r, dtype=torch.float16))
    assert got.dtype == torch.float64 and got.shape == ()
    assert got.item() == pytest.approx(0.5 * np.mean(r**2), rel=1e-12)
    # the mean of squared_loss, the same quantity per example
    y_hat, y = torch.tensor(X_NP[:, 0]), torch.tensor(X_NP[:, 1])
    assert half_mse(y_hat - y).item() == pytest.approx(d2lmini.squared_loss(y_hat, y).mean().item(), rel=1e-12)


def test_half_mse_of_columns_is_one_loss_per_column():
    """A (n, k) residual (k fits, e.g. the points of an SGD path) gives each column's loss, from float32."""
    from d2lmini.losses import half_mse

    r = np.float32(RNG.normal(size=(5, 3)) * 1e20).astype(np.float64)  # squares ~1e40: beyond float32
    got = half_mse(torch.tensor(r, dtype=torch.float32))
    assert got.dtype == torch.float64 and got.shape == (3,)
    np.testing.assert_allclose(got.numpy(), 0.5 * (r**2).mean(axis=0), rtol=1e-12)


def test_zero_rounding_zeroes_only_what_a_float64_solve_leaves_on_exact_data():
    from d2lmini.losses import zero_rounding

    y = torch.tensor([1.0, -4.0])
    floor = (64 * np.finfo(np.float64).eps * 4.0) ** 2  # about 3.2e-27 for labels up to 4 in size
    assert zero_rounding(0.99 * floor, y) == 0.0 and zero_rounding(1.01 * floor, y) == 1.01 * floor
    # what torch 2.1's LAPACK left on y = 2x (a loss of 1.26e-32) and a real misfit
    assert zero_rounding(1.26e-32, y) == 0.0 and zero_rounding(1e-20, y) == 1e-20
