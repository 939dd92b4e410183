"""d2lmini.collinearity: a column and an imperfect copy, fitted by fit_least_squares.

Truth: NumPy's own least squares (``numpy.linalg.lstsq``, SVD-based, with the same
relative cutoff), NumPy's singular values and rank, and closed forms (the minimum-norm
split of an exact copy, residuals that scale with the noise).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from conftest import numpy_least_squares

import d2lmini
from d2lmini.collinearity import (
    FT2_PER_M2,
    collinear_fit,
    collinearity_explorer,
    draw_collinear_fit,
)


@pytest.fixture(scope="module")
def houses():
    return d2lmini.house_data(300, generator=torch.Generator().manual_seed(0))


def _numpy_fit(X, y, deviation, noise_scale, column=0, factor=FT2_PER_M2, seed=0):
    """The same experiment written out in NumPy: returns weights, bias, rank and singular values."""
    Xn = X.numpy().astype(np.float64)
    A0 = np.column_stack([Xn, np.ones(len(Xn))])
    coef0 = np.linalg.lstsq(A0, y.numpy().astype(np.float64), rcond=None)[0]
    fitted = A0 @ coef0
    labels = (fitted + noise_scale * (y.numpy().astype(np.float64) - fitted)).astype(np.float32)
    z = torch.randn(len(Xn), generator=torch.Generator().manual_seed(seed), dtype=torch.float64).numpy()
    copy = (Xn[:, column] * factor * (1 + deviation * z)).astype(np.float32)
    design = np.column_stack([X.numpy()[:, : column + 1], copy, X.numpy()[:, column + 1:]]).astype(np.float64)
    A = np.column_stack([design, np.ones(len(Xn))])
    rcond = np.finfo(np.float32).eps * max(A.shape)
    coef, _, rank, singular = np.linalg.lstsq(A, labels.astype(np.float64), rcond=rcond)
    return coef[:-1], coef[-1], rank, singular, design, labels


@pytest.mark.parametrize("deviation, noise_scale", [(0.0, 1.0), (1e-3, 2.0), (0.1, 1.0), (0.01, 0.0)])
def test_weights_rank_and_condition_agree_with_numpy(houses, deviation, noise_scale):
    X, y = houses
    fit = collinear_fit(X, y, deviation, noise_scale)
    weights, bias, rank, singular, design, labels = _numpy_fit(X, y, deviation, noise_scale)
    np.testing.assert_allclose(fit.weights, weights, rtol=1e-4, atol=1e-5)
    assert fit.bias == pytest.approx(bias, rel=1e-4, abs=1e-3)
    assert fit.warned == (rank < 4)
    assert fit.condition == pytest.approx((singular[0] / singular[-1]) ** 2, rel=1e-6)
    assert fit.warn_above == pytest.approx(1 / (np.finfo(np.float32).eps * len(X)) ** 2)
    assert fit.warned == (fit.condition > fit.warn_above)  # the warning is the condition number's verdict
    rmse = math.sqrt(np.mean((design @ weights + bias - labels) ** 2))
    assert fit.rmse == pytest.approx(rmse, rel=1e-4, abs=1e-4)
    assert fit.combined == pytest.approx(weights[0] + FT2_PER_M2 * weights[1], rel=1e-4)


def test_the_warning_is_caught_and_kept_not_passed_on(houses):
    X, y = houses
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning reaching the caller would fail the test
        fit = collinear_fit(X, y, 0.0)
    assert fit.warned
    assert "rank 3 but 4 columns" in fit.warning


def test_an_exact_copy_splits_the_weight_evenly_at_minimum_norm():
    # factor 1 and no deviation: two identical columns; the minimum-norm answer halves the weight
    X = torch.linspace(0, 1, 40).reshape(-1, 1)
    y = 3 * X[:, 0] + 1
    fit = collinear_fit(X, y, 0.0, factor=1.0)
    assert fit.warned
    assert fit.weights[0] == pytest.approx(1.5, abs=1e-5)
    assert fit.weights[1] == pytest.approx(1.5, abs=1e-5)
    assert fit.minimum_norm == pytest.approx((1.5, 1.5), abs=1e-5)
    assert fit.baseline == pytest.approx(3.0, abs=1e-5)


def test_without_noise_a_distinct_copy_gets_no_weight(houses):
    X, y = houses
    fit = collinear_fit(X, y, 0.1, noise_scale=0.0)
    w0, _, _ = numpy_least_squares(X, y)
    assert not fit.warned
    assert fit.weights[0] == pytest.approx(w0[0], abs=1e-4)
    assert fit.weights[1] == pytest.approx(0.0, abs=1e-5)
    assert fit.rmse == pytest.approx(0.0, abs=1e-3)


def test_the_misfit_grows_in_proportion_to_the_noise(houses):
    X, y = houses
    one, three = collinear_fit(X, y, 0.01, 1.0), collinear_fit(X, y, 0.01, 3.0)
    assert three.rmse == pytest.approx(3 * one.rmse, rel=1e-4)
    # and the weights leave the no-noise answer three times as far along the valley
    none = collinear_fit(X, y, 0.01, 0.0)
    assert three.weights[0] - none.weights[0] == pytest.approx(3 * (one.weights[0] - none.weights[0]), rel=1e-3)


def test_the_copy_can_be_another_column(houses):
    X, y = houses
    fit = collinear_fit(X, y, 0.0, column=1, factor=12.0)  # age in years and in months
    weights = _numpy_fit(X, y, 0.0, 1.0, column=1, factor=12.0)[0]
    np.testing.assert_allclose(fit.weights, weights, rtol=1e-4, atol=1e-5)
    assert fit.warned
    assert fit.combined == pytest.approx(fit.baseline, rel=1e-4)


def test_alt_text_names_the_setting_verdict_and_numbers(houses):
    X, y = houses
    fit = collinear_fit(X, y, 0.0, 2.0)
    alt = fit.alt(("m²", "ft²"))
    assert alt.startswith("Relative error of the ft² copy 0, label noise times 2: "
                          "fit_least_squares raises RankDeficientWarning")
    assert f"{fit.condition:.1e}" in alt and f"{fit.warn_above:.1e}" in alt
    assert f"Weights {fit.weights[0]:.3f} on m² and {fit.weights[1]:.3f} on ft²" in alt
    assert f"{fit.rmse:.2f} (root mean square)" in alt
    assert "does not warn" in collinear_fit(X, y, 0.1).alt()


def test_draw_makes_one_frame_with_the_alt_text(houses):
    X, y = houses
    fit = collinear_fit(X, y, 2e-3, 4.0)
    frame = draw_collinear_fit(fit)
    assert frame.size == (440, 330)
    assert frame.alt == fit.alt(("m²", "ft²"))
    # a point outside the view is pinned to its edge, not dropped: the picture still draws
    pinned = draw_collinear_fit(fit, view=((10.0, 11.0), (5.0, 6.0)))
    assert pinned.png != frame.png


def test_figure_draws_the_grid_and_opens_near_the_set_start(houses):
    X, y = houses
    fig = collinearity_explorer(X, y, deviations=[0.0, 2e-3, 0.1], noise_scales=[0.0, 1.0])
    assert set(fig.frames) == {(i, j) for i in range(3) for j in range(2)}
    assert fig.shown().alt.startswith("Relative error of the ft² copy 0.002, label noise times 1:")
    assert [s.value for s in fig.sliders] == [2e-3, 1.0]


def test_live_figure_redraws_when_a_slider_moves(houses):
    X, y = houses
    fig = collinearity_explorer(X, y, deviations=[0.0, 0.1], noise_scales=[1.0, 2.0], live=True)
    before = fig.shown()  # opens at the grid value nearest 0.002: 0
    fig.sliders[0].value = 0.1
    after = fig.shown()
    assert after.png != before.png
    assert "raises RankDeficientWarning" in before.alt and "does not warn" in after.alt
    fig.sliders[1].value = 3.5  # a live value between the grid's
    assert "label noise times 3.5" in fig.shown().alt


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"deviation": -0.1}, ValueError, "deviation"),
        ({"deviation": math.nan}, TypeError, "deviation"),
        ({"deviation": True}, TypeError, "deviation"),
        ({"noise_scale": -1.0}, ValueError, "noise_scale"),
        ({"noise_scale": "1"}, TypeError, "noise_scale"),
        ({"column": 2}, ValueError, "column"),
        ({"column": 0.5}, TypeError, "column"),
        ({"factor": 0.0}, ValueError, "factor"),
        ({"factor": math.inf}, ValueError, "factor"),
        ({"factor": 1e39}, ValueError, "factor"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_collinear_fit_refuses_bad_input_naming_it(houses, kwargs, error, match):
    X, y = houses
    args = {"deviation": 0.01, **kwargs}
    with pytest.raises(error, match=match):
        collinear_fit(X, y, **args)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"deviations": [0.1, 0.01]}, ValueError, "deviations"),
        ({"deviations": [-0.1, 0.1]}, ValueError, "deviations"),
        ({"noise_scales": []}, TypeError, "noise_scales"),
        ({"deviations": [k / 100 for k in range(9)], "noise_scales": [k / 10 for k in range(9)]}, ValueError,
         "frames"),
        ({"names": ("m²",)}, TypeError, "names"),
        ({"live": 1}, TypeError, "live"),
    ],
)
def test_collinearity_figure_refuses_bad_input_naming_it(houses, kwargs, error, match):
    X, y = houses
    with pytest.raises(error, match=match):
        collinearity_explorer(X, y, **kwargs)


def test_bad_data_is_refused_naming_it():
    with pytest.raises(ValueError, match="same number of examples"):
        collinear_fit(torch.ones(3, 1), torch.ones(4), 0.1)
    with pytest.raises(ValueError, match="X must be finite"):
        collinear_fit(torch.tensor([[1.0], [math.nan]]), torch.ones(2), 0.1)


def test_draw_refuses_bad_input_naming_it(houses):
    X, y = houses
    fit = collinear_fit(X, y, 0.1)
    with pytest.raises(TypeError, match="fit must be a CollinearFit"):
        draw_collinear_fit("fit")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="view"):
        draw_collinear_fit(fit, view=((1.0, 0.0), (0.0, 1.0)))
    with pytest.raises(TypeError, match="view"):
        draw_collinear_fit(fit, view=(1.0, 2.0))  # type: ignore[arg-type]
