"""fit_with_uncertainty and student_t_quantile against statsmodels' OLS and SciPy (test-only dependencies)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from d2lmini.datasets import ames_housing
from d2lmini.inference import LinearFitInference, fit_with_uncertainty, student_t_quantile
from d2lmini.optim import RankDeficientWarning, fit_least_squares

# The independent references are test-only (pinned in requirements.txt, so `make test` always has them);
# the slimmer environments of `make test-colab` and `make test-oldest` lack them and skip this file.
sm = pytest.importorskip("statsmodels.api", reason="statsmodels (test-only) is not installed here")
stats = pytest.importorskip("scipy.stats", reason="scipy (test-only) is not installed here")


def statsmodels_fit(X: np.ndarray, y: np.ndarray, bias: bool):
    design = np.column_stack([X, np.ones(len(X))]) if bias else X
    return sm.OLS(y, design).fit(), design


def assert_matches_statsmodels(X: np.ndarray, y: np.ndarray, bias: bool, level: float = 0.95, rtol: float = 1e-9):
    fit = fit_with_uncertainty(torch.from_numpy(X), torch.from_numpy(y), bias=bias, level=level)
    ref, design = statsmodels_fit(X, y, bias)
    ci = ref.conf_int(alpha=1 - level)
    scale = np.abs(ref.params).max()
    np.testing.assert_allclose(fit.coef.numpy(), ref.params, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(fit.std_err.numpy(), ref.bse, rtol=rtol)
    np.testing.assert_allclose(fit.t_stat.numpy(), ref.tvalues, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(fit.ci_low.numpy(), ci[:, 0], rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(fit.ci_high.numpy(), ci[:, 1], rtol=rtol, atol=rtol * scale)
    assert fit.sigma2 == pytest.approx(ref.scale, rel=rtol)
    assert fit.r2 == pytest.approx(ref.rsquared, rel=rtol, abs=rtol)
    assert fit.df_resid == int(ref.df_resid) == len(y) - design.shape[1]
    assert fit.level == level and fit.bias is bias
    return fit


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("d", [1, 3, 8])
@pytest.mark.parametrize("extra", [1, 2, 5, 200])  # n - p: barely above p, then comfortably
def test_matches_statsmodels_on_random_data(bias, d, extra):
    rng = np.random.default_rng(100 * d + extra + bias)
    p = d + bias
    n = p + extra
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d) + rng.normal(size=d)
    y = X @ rng.normal(size=d) + 2.0 + rng.normal(size=n)
    fit = assert_matches_statsmodels(X, y, bias)
    assert fit.coef.shape == (p,) and fit.coef.dtype == torch.float64
    assert (fit.b is None) == (not bias)
    assert torch.equal(fit.w, fit.coef[:d])


@pytest.mark.parametrize("level", [0.5, 0.9, 0.99, 0.999999])
def test_levels_match_statsmodels(level):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 2))
    assert_matches_statsmodels(X, X @ [1.0, -1.0] + rng.normal(size=6), bias=True, level=level)


@pytest.mark.parametrize("bias", [True, False])
def test_matches_statsmodels_on_the_ames_data(bias):
    X, y, _ = ames_housing(dtype=torch.float64)
    assert_matches_statsmodels(X.numpy(), y.numpy(), bias, rtol=1e-7)
    # a few rows only: n barely above p on real data
    assert_matches_statsmodels(X[:9].numpy(), y[:9].numpy(), bias=True, rtol=1e-7)


def test_no_bias_with_a_constant_column_reports_the_centred_r2_like_statsmodels():
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(size=30), np.full(30, 2.0)])
    assert_matches_statsmodels(X, 5 + X[:, 0] + rng.normal(size=30), bias=False)


def test_agrees_with_fit_least_squares_and_its_rank_verdict():
    # float32 area in square metres and the same area in square feet: dependent at float32's precision
    area = torch.linspace(40, 200, 50)
    X = torch.stack([area, area * 10.7639], dim=1)
    with pytest.warns(RankDeficientWarning):
        fit_least_squares(X, area)
    with pytest.raises(ValueError, match="rank 2 but 3 columns at the precision of torch.float32"):
        fit_with_uncertainty(X, area)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(40, 3, generator=g)
    y = X @ torch.tensor([1.0, 2.0, 3.0]) + torch.randn(40, generator=g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w, b = fit_least_squares(X, y)
    fit = fit_with_uncertainty(X, y)
    np.testing.assert_allclose(fit.w.numpy(), w.numpy(), rtol=1e-6)
    assert float(fit.b) == pytest.approx(float(b), abs=1e-6)


def test_refuses_rank_deficient_designs():
    X = torch.tensor([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match="linearly dependent.*standard errors are undefined"):
        fit_with_uncertainty(X, torch.arange(4.0, dtype=torch.float64), bias=False)
    with pytest.raises(ValueError, match="X with its column of ones has rank 2 but 3"):
        fit_with_uncertainty(X, torch.arange(4.0, dtype=torch.float64))
    ones = torch.ones(5, 1)
    with pytest.raises(ValueError, match="rank 1 but 2"):  # a column of ones on top of the bias
        fit_with_uncertainty(torch.cat([ones, ones], dim=1), torch.arange(5.0), bias=False)


@pytest.mark.parametrize(("n", "d", "bias"), [(2, 1, True), (1, 1, False), (3, 3, True), (3, 5, False)])
def test_refuses_too_few_examples(n, d, bias):
    p = d + bias
    with pytest.raises(ValueError, match=f"X has {n} examples for {p} coefficients.*at least {p + 1}"):
        fit_with_uncertainty(torch.randn(n, d), torch.randn(n), bias=bias)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"level": 1.0}, ValueError, "level must be strictly between 0 and 1"),
        ({"level": 0}, ValueError, "level must be strictly between 0 and 1"),
        ({"level": 95}, ValueError, "level must be strictly between 0 and 1"),
        ({"level": math.nan}, ValueError, "level must be finite"),
        ({"level": "95%"}, TypeError, "level must be a real number"),
        ({"bias": 1}, TypeError, "bias must be True or False"),
        ({"bias": "yes"}, TypeError, "bias must be True or False"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        fit_with_uncertainty(torch.randn(10, 2), torch.randn(10), **kwargs)


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (torch.randn(10), torch.randn(10), ValueError, "X must be a 2-D matrix"),
        (torch.randn(10, 2), torch.randn(9), ValueError, "same number of examples"),
        (torch.tensor([[1.0], [math.nan], [2.0]]), torch.randn(3), ValueError, "X must be finite"),
        (torch.randn(4, 1), torch.tensor([1.0, 2.0, math.inf, 0.0]), ValueError, "y must be finite"),
        (torch.ones(4, 1, dtype=torch.int64), torch.randn(4), TypeError, "X must hold floating-point"),
        ("abc", torch.randn(4), TypeError, "X must be a tensor"),
    ],
)
def test_bad_data(X, y, error, match):
    with pytest.raises(error, match=match):
        fit_with_uncertainty(X, y)


def test_result_is_frozen_and_accepts_lists():
    fit = fit_with_uncertainty([[0.0], [1.0], [2.0]], [0.0, 1.0, 3.0])
    assert isinstance(fit, LinearFitInference)
    # by hand: x mean 1, y mean 4/3, Sxy = 3, Sxx = 2, so slope 1.5 and intercept 4/3 - 1.5 = -1/6
    np.testing.assert_allclose(fit.coef.numpy(), [1.5, -1 / 6], rtol=1e-6)
    with pytest.raises(AttributeError):
        fit.sigma2 = 0.0  # type: ignore[misc]


def test_exact_fit_gives_zero_standard_errors_not_nan():
    X = torch.tensor([[0.0], [1.0], [2.0], [3.0]], dtype=torch.float64)
    fit = fit_with_uncertainty(X, 2 * X[:, 0] + 1)
    assert fit.sigma2 == pytest.approx(0.0, abs=1e-25) and fit.r2 == pytest.approx(1.0)
    assert torch.all(torch.isfinite(fit.std_err))


def test_95_percent_intervals_cover_the_true_weight_about_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    w_true, b_true, trials, n = np.array([2.0, -1.0]), 0.5, 2000, 8  # small n: the t quantile matters
    X = rng.normal(size=(n, 2))
    covered = np.zeros(3, dtype=int)
    for _ in range(trials):
        y = X @ w_true + b_true + 1.5 * rng.normal(size=n)
        fit = fit_with_uncertainty(torch.from_numpy(X), torch.from_numpy(y))
        truth = torch.tensor([*w_true, b_true], dtype=torch.float64)
        covered += ((fit.ci_low <= truth) & (truth <= fit.ci_high)).numpy()
    # a binomial(2000, 0.95) count lies within 4 standard deviations (about 39) of 1900
    # except with probability below 1e-4; the normal quantile 1.96 would give about 88% here
    sd = math.sqrt(trials * 0.95 * 0.05)
    assert np.all(np.abs(covered - 0.95 * trials) < 4 * sd), covered


@pytest.mark.parametrize("df", [0.3, 1, 2, 3.5, 10, 29, 1000, 99_999, 100_000, 1e7, 1e12])
@pytest.mark.parametrize("prob", [1e-10, 1e-4, 0.025, 0.2, 0.4999, 0.5, 0.6, 0.95, 0.975, 0.999, 1 - 1e-12])
def test_student_t_quantile_matches_scipy(prob, df):
    assert student_t_quantile(prob, df) == pytest.approx(stats.t.ppf(prob, df), rel=1e-11, abs=1e-300)


@pytest.mark.parametrize("df", [3.5, 10, 1000, 1e7])
def test_student_t_quantile_far_in_the_tail(df):
    # SciPy's ppf is unreliable this far out (at df=3.5 it is off by a factor 1.8), so check that
    # SciPy's log survival function at the quantile gives back the probability
    t = student_t_quantile(1e-200, df)
    assert t < 0 and stats.t.logsf(-t, df) == pytest.approx(math.log(1e-200), rel=1e-11)


def test_student_t_quantile_closed_forms():
    assert student_t_quantile(0.975, 1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-13)  # Cauchy
    for p in (0.6, 0.9, 0.999):  # df = 2: t = (2p - 1) sqrt(2 / (4 p (1 - p)))
        assert student_t_quantile(p, 2) == pytest.approx((2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p))), rel=1e-13)
    assert student_t_quantile(0.5, 3) == 0.0
    assert student_t_quantile(1e-200, 1) == pytest.approx(-1 / math.tan(math.pi * 1e-200), rel=1e-12)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0.0, 5), ValueError, "prob must be strictly between 0 and 1"),
        ((1.0, 5), ValueError, "prob must be strictly between 0 and 1"),
        ((0.5, 0), ValueError, "df must be positive"),
        ((0.5, -2), ValueError, "df must be positive"),
        ((0.5, math.inf), ValueError, "df must be finite"),
        ((math.nan, 3), ValueError, "prob must be finite"),
        (("0.5", 3), TypeError, "prob must be a real number"),
    ],
)
def test_student_t_quantile_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        student_t_quantile(*args)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("n", "d"), [(4, 1), (30, 3)])
def test_cov_and_mean_interval_match_statsmodels(bias, n, d):
    rng = np.random.default_rng(10 * n + d + bias)
    X = rng.normal(size=(n, d)) * 3 + 1
    y = X @ rng.normal(size=d) + 1.0 + rng.normal(size=n)
    fit = fit_with_uncertainty(torch.from_numpy(X), torch.from_numpy(y), bias=bias, level=0.9)
    ref, _ = statsmodels_fit(X, y, bias)
    np.testing.assert_allclose(fit.cov.numpy(), ref.cov_params(), rtol=1e-9, atol=1e-12)
    new = rng.normal(size=(7, d)) * 5
    exog = np.column_stack([new, np.ones(7)]) if bias else new
    expected = ref.get_prediction(exog).conf_int(alpha=0.1)
    low, high = fit.mean_interval(torch.from_numpy(new).float())  # any float dtype; the result is float64
    assert low.dtype == high.dtype == torch.float64 and low.shape == (7,)
    np.testing.assert_allclose(low.numpy(), expected[:, 0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(high.numpy(), expected[:, 1], rtol=1e-6, atol=1e-6)


def test_mean_interval_is_narrowest_at_the_mean_of_x_and_exact_by_hand():
    # one feature: se(x0)^2 = sigma2 (1/n + (x0 - xbar)^2 / Sxx), the textbook formula
    X = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0]], dtype=torch.float64)
    y = torch.tensor([0.5, 2.5, 2.0, 4.5, 4.0], dtype=torch.float64)
    fit = fit_with_uncertainty(X, y)
    # by hand: xbar = 2, Sxx = 10, Sxy = 9, so slope = intercept = 0.9; residuals -0.4, 0.7, -0.7, 0.9, -0.5
    # give SSE = 2.2 and sigma2 = 2.2 / (5 - 2)
    x0 = np.array([-1.0, 2.0, 6.0])
    low, high = fit.mean_interval(torch.from_numpy(x0).reshape(-1, 1))
    half = stats.t.ppf(0.975, 3) * np.sqrt(2.2 / 3 * (1 / 5 + (x0 - 2.0) ** 2 / 10.0))
    np.testing.assert_allclose(((high - low) / 2).numpy(), half, rtol=1e-10)
    np.testing.assert_allclose(((high + low) / 2).numpy(), 0.9 * x0 + 0.9, rtol=1e-12)


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (torch.randn(3, 3), ValueError, "X must have the 2 columns of the fitted X, got 3"),
        (torch.randn(3), ValueError, "X must be a 2-D matrix"),
        (torch.tensor([[1.0, math.nan]]), ValueError, "X must be finite"),
        ("abc", TypeError, "X must be a tensor"),
    ],
)
def test_mean_interval_bad_input(X, error, match):
    fit = fit_with_uncertainty(torch.randn(10, 2), torch.randn(10))
    with pytest.raises(error, match=match):
        fit.mean_interval(X)
