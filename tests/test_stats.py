"""Unit tests for d2lmini.stats: normal_pdf and gaussian_nll.

Truth: the closed-form density and log-likelihood written out with math,
numerical integration with NumPy, torch.distributions.Normal, and calculus
(the maximum-likelihood sigma).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import d2lmini


def pdf_by_hand(x: float, mu: float, sigma: float) -> float:
    return math.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))


# ---------------------------------------------------------------- normal_pdf


@pytest.mark.parametrize(
    "x, mu, sigma",
    [(0.0, 0.0, 1.0), (1.0, 0.0, 1.0), (-2.0, 0.0, 1.0), (3.0, 1.0, 2.0), (0.1, 0.1, 0.01), (-7.5, 2.0, 5.0), (4, 1, 3)],
)
def test_normal_pdf_matches_closed_form_for_floats(x, mu, sigma):
    p = d2lmini.normal_pdf(x, mu, sigma)
    assert isinstance(p, float)
    assert p == pytest.approx(pdf_by_hand(x, mu, sigma), rel=1e-12)


def test_normal_pdf_known_values():
    assert d2lmini.normal_pdf(0.0) == pytest.approx(0.3989422804014327, rel=1e-12)  # 1/sqrt(2 pi)
    assert d2lmini.normal_pdf(1.0) == pytest.approx(0.24197072451914337, rel=1e-12)  # exp(-1/2)/sqrt(2 pi)
    assert d2lmini.normal_pdf(5.0, mu=5.0, sigma=0.5) == pytest.approx(0.7978845608028654, rel=1e-12)


def test_normal_pdf_numpy_array_keeps_kind_and_shape():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    p = d2lmini.normal_pdf(x, mu=0.5, sigma=1.5)
    assert isinstance(p, np.ndarray) and p.shape == (3, 4)
    expected = np.exp(-((x - 0.5) ** 2) / (2 * 1.5**2)) / (1.5 * np.sqrt(2 * np.pi))
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    np.testing.assert_allclose(d2lmini.normal_pdf(np.array([0, 1])), [0.3989422804014327, 0.24197072451914337])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_normal_pdf_tensor_matches_torch_distributions(dtype):
    x = torch.linspace(-4, 6, 41, dtype=dtype)
    p = d2lmini.normal_pdf(x, mu=1.0, sigma=2.0)
    assert isinstance(p, torch.Tensor) and p.dtype == dtype and p.shape == x.shape
    expected = torch.distributions.Normal(torch.tensor(1.0, dtype=torch.float64), 2.0).log_prob(x.double()).exp()
    np.testing.assert_allclose(p.double().numpy(), expected.numpy(), rtol=1e-6 if dtype == torch.float32 else 1e-12)


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (2.0, 0.5), (-1.0, 3.0)])
def test_normal_pdf_is_a_density_with_the_right_moments(mu, sigma):
    x = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 200_001)
    p = d2lmini.normal_pdf(x, mu=mu, sigma=sigma)
    dx = x[1] - x[0]
    assert np.sum(p) * dx == pytest.approx(1.0, abs=1e-8)
    assert np.sum(x * p) * dx == pytest.approx(mu, abs=1e-7)
    assert np.sum((x - mu) ** 2 * p) * dx == pytest.approx(sigma**2, rel=1e-7)
    # symmetric about the mean, largest there
    assert d2lmini.normal_pdf(mu + 0.7, mu, sigma) == pytest.approx(d2lmini.normal_pdf(mu - 0.7, mu, sigma), rel=1e-12)
    assert p.argmax() == len(x) // 2


def test_normal_pdf_gradient_through_tensor_input():
    x = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    p = d2lmini.normal_pdf(x, mu=0.5, sigma=1.3)
    p.sum().backward()
    # d/dx p(x) = -(x - mu) / sigma^2 * p(x)
    expected = [-(xi - 0.5) / 1.3**2 * pdf_by_hand(xi, 0.5, 1.3) for xi in [0.3, -1.2, 2.0]]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "x, kwargs, exc, match",
    [
        (0.0, {"sigma": 0.0}, ValueError, r"sigma must be positive"),
        (0.0, {"sigma": -1.0}, ValueError, r"sigma must be positive"),
        (0.0, {"sigma": float("nan")}, ValueError, r"sigma must be finite"),
        (0.0, {"sigma": float("inf")}, ValueError, r"sigma must be finite"),
        (0.0, {"sigma": "1"}, TypeError, r"sigma must be a real number"),
        (0.0, {"sigma": True}, TypeError, r"sigma must be a real number"),
        (0.0, {"mu": float("nan")}, ValueError, r"mu must be finite"),
        (0.0, {"mu": float("-inf")}, ValueError, r"mu must be finite"),
        (0.0, {"mu": "0"}, TypeError, r"mu must be a real number"),
        (0.0, {"mu": None}, TypeError, r"mu must be a real number"),
        (float("nan"), {}, ValueError, r"x must be finite"),
        (float("inf"), {}, ValueError, r"x must be finite"),
        (np.array([0.0, np.inf]), {}, ValueError, r"x must be finite"),
        (np.array([np.nan]), {}, ValueError, r"x must be finite"),
        (torch.tensor([0.0, float("nan")]), {}, ValueError, r"x must be finite"),
        (torch.tensor([0, 1]), {}, TypeError, r"x must hold floating-point"),
        (torch.tensor([True]), {}, TypeError, r"x must hold floating-point"),
        (np.array([True, False]), {}, TypeError, r"x must hold real numbers"),
        (np.array([1j]), {}, TypeError, r"x must hold real numbers"),
        (np.array(["a"]), {}, TypeError, r"x must hold real numbers"),
        ("0.5", {}, TypeError, r"x must be a real number"),
        ([0.0, 1.0], {}, TypeError, r"x must be a real number"),
        (True, {}, TypeError, r"x must be a real number"),
        (None, {}, TypeError, r"x must be a real number"),
    ],
)
def test_normal_pdf_rejects_bad_input(x, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        d2lmini.normal_pdf(x, **kwargs)


# ---------------------------------------------------------------- gaussian_nll


def nll_by_hand(y, y_hat, sigma):
    # n/2 log(2 pi sigma^2) plus SSE / (2 sigma^2): for fixed sigma, maximising the likelihood is least squares
    return sum(0.5 * math.log(2 * math.pi * sigma**2) + (a - b) ** 2 / (2 * sigma**2) for a, b in zip(y, y_hat))


@pytest.mark.parametrize(
    "y, y_hat, sigma",
    [
        ([0.0, 0.0], [0.0, 0.0], 1.0),
        ([1.0, 2.0, 3.0], [1.5, 1.5, 2.0], 0.7),
        ([-4.0], [2.0], 3.0),
        ([0.1, -0.2, 0.3, 0.4], [0.0, 0.0, 0.0, 0.0], 0.05),
    ],
)
def test_gaussian_nll_matches_formula(y, y_hat, sigma):
    nll = d2lmini.gaussian_nll(torch.tensor(y, dtype=torch.float64), torch.tensor(y_hat, dtype=torch.float64), sigma)
    assert nll.shape == () and nll.dtype == torch.float64
    assert float(nll) == pytest.approx(nll_by_hand(y, y_hat, sigma), rel=1e-12)


@pytest.mark.parametrize(
    "sigma, expected",
    [(1.0, math.log(2 * math.pi)), (torch.tensor(2.0), 2 * 0.5 * math.log(2 * math.pi * 4))],
    ids=["float-sigma", "plain-tensor-sigma"],
)
def test_gaussian_nll_of_two_zero_residuals_in_float32(sigma, expected):
    nll = d2lmini.gaussian_nll(torch.zeros(2), torch.zeros(2), sigma)
    assert nll.dtype == torch.float32 and float(nll) == pytest.approx(expected, rel=1e-6)


def test_gaussian_nll_matches_torch_distributions():
    rng = np.random.default_rng(1)
    y, y_hat = torch.tensor(rng.normal(size=50)), torch.tensor(rng.normal(size=50))
    expected = -torch.distributions.Normal(y_hat, 0.8).log_prob(y).sum()
    assert float(d2lmini.gaussian_nll(y, y_hat, 0.8)) == pytest.approx(float(expected), rel=1e-12)


def test_gaussian_nll_is_minimised_by_the_maximum_likelihood_sigma():
    rng = np.random.default_rng(3)
    y, y_hat = torch.tensor(rng.normal(size=40)), torch.tensor(rng.normal(size=40))
    sigma_hat = math.sqrt(float(((y - y_hat) ** 2).mean()))  # closed-form MLE
    best = float(d2lmini.gaussian_nll(y, y_hat, sigma_hat))
    for factor in (0.9, 0.99, 1.01, 1.1):
        assert float(d2lmini.gaussian_nll(y, y_hat, sigma_hat * factor)) > best
    # and its derivative n/sigma - SSE/sigma^3 vanishes there
    sigma = torch.tensor(sigma_hat, dtype=torch.float64, requires_grad=True)
    d2lmini.gaussian_nll(y, y_hat, sigma).backward()
    assert abs(sigma.grad.item()) < 1e-10


def test_gaussian_nll_gradient_with_respect_to_sigma():
    y, y_hat = torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    sse = 1.0 + 1.0 + 0.25
    for shape in ((), (1,)):
        sigma = torch.full(shape, 0.6, dtype=torch.float64, requires_grad=True)
        nll = d2lmini.gaussian_nll(y, y_hat, sigma)
        assert nll.shape == ()
        assert nll.item() == pytest.approx(nll_by_hand([1.0, -1.0, 0.5], [0, 0, 0], 0.6), rel=1e-12)
        nll.backward()
        assert sigma.grad.reshape(()).item() == pytest.approx(3 / 0.6 - sse / 0.6**3, rel=1e-12)


Y3 = torch.tensor([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "y, y_hat, sigma, exc, match",
    [
        (Y3.reshape(3, 1), Y3, 1.0, ValueError, r"y must be a 1-D vector"),
        (Y3, Y3.reshape(1, 3), 1.0, ValueError, r"y_hat must be a 1-D vector"),
        (Y3, Y3[:2], 1.0, ValueError, r"y and y_hat must have the same number of examples, got 3 and 2"),
        (torch.tensor([1.0, float("nan"), 3.0]), Y3, 1.0, ValueError, r"y must be finite"),
        (Y3, torch.tensor([float("inf"), 0.0, 0.0]), 1.0, ValueError, r"y_hat must be finite"),
        (Y3.long(), Y3, 1.0, TypeError, r"y must hold floating-point"),
        (Y3, Y3.bool(), 1.0, TypeError, r"y_hat must hold floating-point"),
        (Y3, Y3, 0.0, ValueError, r"sigma must be positive"),
        (Y3, Y3, -1.0, ValueError, r"sigma must be positive"),
        (Y3, Y3, float("nan"), ValueError, r"sigma must be finite"),
        (Y3, Y3, float("inf"), ValueError, r"sigma must be finite"),
        (Y3, Y3, "1", TypeError, r"sigma must be a real number"),
        (Y3, Y3, True, TypeError, r"sigma must be a real number"),
        (Y3, Y3, torch.ones(2), TypeError, r"sigma must be a real number"),
        (Y3, Y3, torch.tensor(-1.0, requires_grad=True), ValueError, r"sigma must be positive, got -1.0"),
        (Y3, Y3, torch.tensor(0.0, requires_grad=True), ValueError, r"sigma must be positive"),
        (Y3, Y3, torch.tensor(float("nan"), requires_grad=True), ValueError, r"sigma must be finite"),
        (Y3, Y3, torch.ones(2, requires_grad=True), ValueError, r"sigma must be a single number, got shape \(2,\)"),
    ],
)
def test_gaussian_nll_rejects_bad_input(y, y_hat, sigma, exc, match):
    with pytest.raises(exc, match=match):
        d2lmini.gaussian_nll(y, y_hat, sigma)


# ---------------------------------------------------------------- issue 11: log space, finite wherever representable


HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def nll_in_logs(residuals, sigma):
    """The NLL written with log(sigma) and (r / sigma)^2, in Python floats: the truth for extreme sigma."""
    return sum(HALF_LOG_TWO_PI + math.log(sigma) + 0.5 * (r / sigma) ** 2 for r in residuals)


@pytest.mark.parametrize(
    "residuals, sigma",
    [
        ([0.0], 1e19),  # sigma**2 = 1e38 * ... overflows float32: the answer is 0.5 log(2 pi) + log(1e19) = 44.67
        ([0.0, 0.0], 1e-30),  # sigma**2 underflows float32 to 0: 0 / 0 was NaN
        ([3e-30, -1e-30], 1e-30),  # residuals on the scale of sigma
        ([1.0, -2.0], 1e300),  # sigma beyond float32's range altogether
        ([0.0], 1e-300),
        ([5e-300], 1e-300),
    ],
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gaussian_nll_is_finite_for_extreme_sigma(residuals, sigma, dtype):
    y = torch.tensor(residuals, dtype=torch.float64).to(dtype)
    truth = nll_in_logs(y.double().tolist(), sigma)  # with the residuals as stored in dtype
    nll = d2lmini.gaussian_nll(y, torch.zeros_like(y), sigma)
    assert nll.dtype == dtype
    assert math.isfinite(float(nll))
    assert float(nll) == pytest.approx(truth, rel=1e-6 if dtype == torch.float32 else 1e-12)


def test_gaussian_nll_float16_labels_at_ordinary_sigma():
    # a residual of 300 squares to 90000, beyond float16's 65504; the NLL itself, 45000.92, is not
    y = torch.tensor([0.0, 1.0], dtype=torch.float16)
    y_hat = torch.tensor([300.0, 1.0], dtype=torch.float16)
    nll = d2lmini.gaussian_nll(y, y_hat, 1.0)
    truth = 2 * HALF_LOG_TWO_PI + 0.5 * 300.0**2
    assert nll.dtype == torch.float16
    assert float(nll) == float(torch.tensor(truth, dtype=torch.float16))  # the float16 nearest the truth


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gaussian_nll_fitting_log_sigma_has_a_finite_loss_and_gradient(dtype):
    # sigma = exp(log_sigma) with log_sigma = -60: sigma^2 ~ 8e-53 underflows float32
    log_sigma = torch.tensor(-60.0, dtype=dtype, requires_grad=True)
    scaled = [0.5, -1.0, 2.0]  # residuals in units of sigma
    y = torch.tensor([c * math.exp(-60.0) for c in scaled], dtype=dtype)
    y_hat = torch.zeros(3, dtype=dtype, requires_grad=True)
    nll = d2lmini.gaussian_nll(y, y_hat, log_sigma.exp())
    nll.backward()
    sum_sq = sum(c * c for c in scaled)
    # NLL = n (0.5 log 2 pi + log sigma) + 0.5 sum (r / sigma)^2 ; d/d log_sigma = n - sum (r / sigma)^2
    assert float(nll.detach()) == pytest.approx(3 * (HALF_LOG_TWO_PI - 60.0) + 0.5 * sum_sq, rel=1e-6)
    assert log_sigma.grad.dtype == dtype
    assert float(log_sigma.grad) == pytest.approx(3 - sum_sq, rel=1e-5)
    # d/d y_hat_i = -(y_i - y_hat_i) / sigma^2 = -c_i / sigma, about 1e26: large but finite in float32
    expected = [-c / math.exp(-60.0) for c in scaled]
    np.testing.assert_allclose(y_hat.grad.double().numpy(), expected, rtol=1e-5)


def test_gaussian_nll_result_dtype_follows_the_inputs():
    y32, y64 = torch.zeros(2), torch.zeros(2, dtype=torch.float64)
    assert d2lmini.gaussian_nll(y32, y32, 1.0).dtype == torch.float32
    assert d2lmini.gaussian_nll(y32, y64, 1.0).dtype == torch.float64
    sigma64 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    assert d2lmini.gaussian_nll(y32, y32, sigma64).dtype == torch.float64


@pytest.mark.parametrize(
    "x, mu, sigma, expected",
    [
        # far in the tail the density is 0, not an OverflowError
        pytest.param(1e155, 0.0, 1.0, 0.0, id="tail-x-over-sigma-squared-overflows"),
        pytest.param(2e154, -2e154, 1.0, 0.0, id="tail-far-from-mu"),
        pytest.param(1e308, -1e308, 1.0, 0.0, id="tail-x-minus-mu-overflows"),
        pytest.param(1.0, 0.0, 1e-200, 0.0, id="tail-tiny-sigma"),
        # sigma**2 underflows to 0 for sigma = 1e-200; the density at the mean is 1/(sqrt(2 pi) sigma)
        pytest.param(0.0, 0.0, 1e-200, 1 / (math.sqrt(2 * math.pi) * 1e-200), id="peak-tiny-sigma"),
        # one standard deviation away at sigma = 1e-300 the density is still representable
        pytest.param(
            1e-300, 0.0, 1e-300, math.exp(-0.5 - 0.5 * math.log(2 * math.pi) + 300 * math.log(10)), id="one-sd-sigma-1e-300"
        ),
        # 1 / (sqrt(2 pi) * 1e-320) is about 4e319, beyond float64's 1.8e308: infinite, not an error
        pytest.param(0.0, 0.0, 1e-320, math.inf, id="peak-beyond-float64"),
    ],
)
def test_normal_pdf_float_at_extremes(x, mu, sigma, expected):
    assert d2lmini.normal_pdf(x, mu=mu, sigma=sigma) == pytest.approx(expected, rel=1e-12, abs=0)


def test_normal_pdf_tensor_with_tiny_sigma():
    # float32 x; sigma = 1e-39 is a float32 subnormal and 1 / (sqrt(2 pi) sigma) ~ 4e38 overflows float32,
    # but the density three sigmas out, about 4.4e36, does not
    x = torch.tensor([3e-39, 1.0, 0.0])
    p = d2lmini.normal_pdf(x, sigma=1e-39)
    assert p.dtype == torch.float32
    z = float(x[0]) / 1e-39  # the float32 value of x, in units of sigma
    assert float(p[0]) == pytest.approx(math.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * 1e-39), rel=1e-5)
    assert float(p[1]) == 0.0  # 1e39 standard deviations out: zero, not inf * 0 = NaN
    assert float(p[2]) == math.inf  # the peak, 4e38, is beyond float32's range


def test_normal_pdf_numpy_tail_is_quiet_and_keeps_float32():
    with np.errstate(all="raise"):
        p = d2lmini.normal_pdf(np.array([1e155, 0.0]))
    np.testing.assert_array_equal(p, [0.0, 1 / math.sqrt(2 * math.pi)])
    p32 = d2lmini.normal_pdf(np.array([0.0, 1.0], dtype=np.float32))
    assert p32.dtype == np.float32


@pytest.mark.parametrize("x", [10**400, -(10**400)])
def test_normal_pdf_refuses_an_integer_too_large_for_a_float(x):
    with pytest.raises(ValueError, match=r"^x is too large for a floating-point number"):
        d2lmini.normal_pdf(x)
