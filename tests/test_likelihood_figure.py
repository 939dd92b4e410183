"""d2lmini.likelihood_figure: residuals under N(0, sigma^2) and the NLL as one weight moves.

Truth: NumPy's least squares for the weights, and the Gaussian negative log-likelihood
written out by hand, ``log(2 pi sigma^2) / 2 + mean(r^2) / (2 sigma^2)``, with the
residuals computed in NumPy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import numpy_least_squares

import d2lmini
from d2lmini.likelihood_figure import (
    CURVE_POINTS,
    OFFSETS,
    draw_likelihood_slice,
    likelihood_explorer,
    likelihood_slice,
)


@pytest.fixture(scope="module")
def data():
    generator = torch.Generator().manual_seed(0)
    return d2lmini.synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 200, noise=0.5, generator=generator)


def _numpy_truth(X, y, column, w):
    Xn, yn = X.numpy().astype(np.float64), y.numpy().astype(np.float64)
    A = np.column_stack([Xn, np.ones(len(Xn))])
    coef = np.linalg.lstsq(A, yn, rcond=None)[0]
    moved = coef.copy()
    moved[column] = w
    return coef, yn - A @ moved


def _mean_nll(r, sigma):
    return 0.5 * math.log(2 * math.pi * sigma**2) + np.mean(r**2) / (2 * sigma**2)


@pytest.mark.parametrize("column, w, sigma", [(0, 2.5, 0.5), (0, 1.0, 0.1), (1, -3.0, 2.0)])
def test_slice_agrees_with_the_formula_and_numpy(data, column, w, sigma):
    X, y = data
    s = likelihood_slice(X, y, w, sigma, column=column)
    coef, r = _numpy_truth(X, y, column, w)
    np.testing.assert_allclose(s.residuals.numpy(), r, rtol=0, atol=1e-9)
    assert s.nll == pytest.approx(_mean_nll(r, sigma), rel=1e-10)
    assert s.spread == pytest.approx(math.sqrt(np.mean(r**2)), rel=1e-10)
    assert s.least_squares == pytest.approx(coef[column], abs=1e-9)
    assert s.minimiser == pytest.approx(coef[column], abs=1e-7)
    _, r_best = _numpy_truth(X, y, column, coef[column])
    assert s.lowest_nll == pytest.approx(_mean_nll(r_best, sigma), rel=1e-9)
    # the curve, point by point
    for k in (0, CURVE_POINTS // 3, CURVE_POINTS - 1):
        wk = float(s.curve_weights[k])
        assert float(s.curve_nll[k]) == pytest.approx(_mean_nll(_numpy_truth(X, y, column, wk)[1], sigma), rel=1e-10)
    assert float(s.curve_weights[0]) == pytest.approx(coef[column] - 1.5)
    assert float(s.curve_weights[-1]) == pytest.approx(coef[column] + 1.5)


def test_the_minimiser_does_not_move_with_sigma(data):
    X, y = data
    minimisers = [likelihood_slice(X, y, 2.0, sigma).minimiser for sigma in (0.01, 0.3, 1.0, 30.0)]
    w_np, _, _ = numpy_least_squares(X, y)
    assert minimisers == pytest.approx([w_np[0]] * 4, abs=1e-7)


def test_the_best_sigma_for_the_least_squares_line_is_the_residuals_spread(data):
    X, y = data
    best = likelihood_slice(X, y, 2.0, 1.0)
    sigma_hat = likelihood_slice(X, y, best.least_squares, 1.0).spread
    at = [likelihood_slice(X, y, best.least_squares, sigma_hat * f).lowest_nll for f in (0.9, 1.0, 1.1)]
    assert at[1] < at[0] and at[1] < at[2]


def test_alt_text_holds_the_values_and_both_weights(data):
    X, y = data
    s = likelihood_slice(X, y, 2.5, 0.35)
    assert s.alt.startswith("w = 2.5, sigma = 0.35: the residuals of this line have root-mean-square "
                            f"{s.spread:.2f}, against the density N(0, 0.35²)")
    assert f"mean negative log-likelihood {s.nll:.2f} per example" in s.alt
    assert f"Its minimiser, w = {s.minimiser:.3f}" in s.alt
    assert f"is the least-squares weight {s.least_squares:.3f}." in s.alt


def test_draw_makes_one_frame_and_pins_a_point_above_the_axis(data):
    X, y = data
    s = likelihood_slice(X, y, 3.5, 0.25)
    frame = draw_likelihood_slice(s)
    assert frame.size == (440, 300) and frame.alt == s.alt
    low = draw_likelihood_slice(s, nll_range=(0.0, 2.0))  # the point is far above 2: drawn at the top
    assert low.png != frame.png and low.alt == s.alt


def test_figure_grid_centres_on_the_least_squares_weight(data):
    X, y = data
    fig = likelihood_explorer(X, y, sigmas=[0.5, 1.0])
    centre = round(numpy_least_squares(X, y)[0][0], 1)
    assert fig.knobs[0].values == tuple(pytest.approx(centre + o) for o in OFFSETS)
    assert len(fig.frames) == len(OFFSETS) * 2
    assert fig.shown().alt.startswith(f"w = {centre:g}, sigma = 0.5:")  # the middle of each grid


def test_live_figure_redraws_when_a_slider_moves(data):
    X, y = data
    fig = likelihood_explorer(X, y, weights=[1.5, 2.0, 2.5], sigmas=[0.5, 1.0], live=True)
    before = fig.shown()
    fig.sliders[1].value = 0.35  # between the grid's values: offered live
    after = fig.shown()
    assert after.png != before.png and "sigma = 0.35" in after.alt
    fig.sliders[0].value = 1.7
    assert fig.shown().alt.startswith("w = 1.7, sigma = 0.35")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"sigma": 0.0}, ValueError, "sigma must be positive"),
        ({"sigma": -1.0}, ValueError, "sigma"),
        ({"sigma": math.inf}, TypeError, "sigma"),
        ({"w": math.nan}, TypeError, "w must"),
        ({"w": "2"}, TypeError, "w must"),
        ({"column": 5}, ValueError, "column"),
        ({"span": (3.0, 1.0)}, ValueError, "span"),
        ({"span": 3.0}, TypeError, "span"),
    ],
)
def test_slice_refuses_bad_input_naming_it(data, kwargs, error, match):
    X, y = data
    args = {"w": 2.0, "sigma": 0.5, **kwargs}
    with pytest.raises(error, match=match):
        likelihood_slice(X, y, **args)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"sigmas": [0.0, 0.5]}, ValueError, "sigmas must be positive"),
        ({"sigmas": [0.5, 0.25]}, ValueError, "sigmas"),
        ({"weights": [2.0, 2.0]}, ValueError, "weights"),
        ({"weights": [k / 10 for k in range(9)], "sigmas": [1 + k / 10 for k in range(9)]}, ValueError, "frames"),
        ({"live": "yes"}, TypeError, "live"),
    ],
)
def test_figure_refuses_bad_input_naming_it(data, kwargs, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        likelihood_explorer(X, y, **kwargs)


def test_bad_data_is_refused_naming_it():
    with pytest.raises(ValueError, match="same number of examples"):
        likelihood_slice(torch.ones(3, 1), torch.ones(4), 1.0, 1.0)
    with pytest.raises(TypeError, match="y must hold floating-point"):
        likelihood_slice(torch.ones(3, 1), torch.ones(3, dtype=torch.int64), 1.0, 1.0)
