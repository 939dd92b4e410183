"""The normal distribution and the Gaussian negative log-likelihood.

Both are computed in log space and in float64, so they stay finite wherever the
true value is representable: ``log sigma`` instead of ``sigma**2``, ``(r / sigma)**2``
instead of ``r**2 / sigma**2``, and the density as the exponential of its logarithm.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
import torch

from ._validation import TensorLike, as_float_tensor, check_positive_float, check_real, check_same_length

ArrayLike = TypeVar("ArrayLike", float, np.ndarray, torch.Tensor)

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
_LOG_FLOAT64_MAX = math.log(np.finfo(np.float64).max)


def normal_pdf(x: ArrayLike, mu: float = 0.0, sigma: float = 1.0) -> ArrayLike:
    """Density of the normal distribution N(mu, sigma^2) at ``x``.

    Introduced in chapter 6, *The normal distribution and squared loss*.

    ``p(x) = exp(-(x - mu)^2 / (2 sigma^2)) / sqrt(2 pi sigma^2)``, evaluated as
    ``exp(-z^2 / 2 - log sigma - log(2 pi) / 2)`` with ``z = (x - mu) / sigma`` in
    float64, so it is finite wherever the density itself is representable: far in
    the tails it underflows to 0, and only a peak above the largest float of the
    result's dtype gives infinity.

    Parameters
    ----------
    x : float, NumPy array or tensor
        Where to evaluate the density; the result is of the same kind.  Arrays and
        tensors keep their floating-point dtype (integer arrays give float64) and
        tensors their device; gradients flow back to a tensor ``x``.
    mu : float, default 0
        Mean.
    sigma : float, default 1
        Standard deviation (positive).

    Examples
    --------
    >>> round(normal_pdf(0.0), 4)
    0.3989
    >>> normal_pdf(np.array([0.0, 1.0]), mu=1.0).round(4)
    array([0.242 , 0.3989])
    >>> normal_pdf(1e200)  # far in the tail: underflows to zero, no OverflowError
    0.0
    """
    mu = check_real("mu", mu)
    sigma = check_positive_float("sigma", sigma)
    log_norm = -math.log(sigma) - _HALF_LOG_TWO_PI  # log of the peak height 1 / (sqrt(2 pi) sigma)
    if isinstance(x, torch.Tensor):
        x = as_float_tensor("x", x)
        z = (x.double() - mu) / sigma
        return torch.exp(-0.5 * z * z + log_norm).to(x.dtype)
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise TypeError(f"x must hold real numbers, got an array of dtype {x.dtype}")
        if not np.isfinite(x).all():
            raise ValueError("x must be finite, but it holds NaN or infinite values")
        out_dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
        with np.errstate(over="ignore", under="ignore"):  # overflow of z*z means a density of exactly 0
            z = (x.astype(np.float64) - mu) / sigma
            return np.exp(-0.5 * z * z + log_norm).astype(out_dtype)
    x = check_real("x", x)
    z = (x - mu) / sigma  # may be inf when x - mu overflows: the density is then 0
    log_p = -0.5 * z * z + log_norm  # z * z gives inf where z ** 2 would raise OverflowError
    return math.inf if log_p > _LOG_FLOAT64_MAX else math.exp(log_p)


def gaussian_nll(y: TensorLike, y_hat: TensorLike, sigma: float | torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of labels ``y`` under ``y ~ N(y_hat, sigma^2)``, summed over examples.

    Introduced in chapter 6, *The normal distribution and squared loss*.

    ``sum_i 0.5 * log(2 pi sigma^2) + (y_i - y_hat_i)^2 / (2 sigma^2)``, evaluated as
    ``n * (log(2 pi) / 2 + log sigma) + sum_i ((y_i - y_hat_i) / sigma)^2 / 2`` in
    float64, so neither ``sigma**2`` nor a squared residual can overflow or underflow
    on the way: the result is finite whenever the true value fits its dtype, for any
    ``sigma`` from 1e-300 to 1e300 and for float16 labels too.

    Parameters
    ----------
    y : tensor, shape (n,)
        Observed labels.
    y_hat : tensor, shape (n,)
        Model predictions (the means of the noise model), on the device of ``y``.
    sigma : float or one-element tensor
        Noise standard deviation (positive).  A tensor that requires grad
        lets ``sigma`` be fitted too; to keep it positive, fit ``log_sigma`` and
        pass ``log_sigma.exp()``: the loss and its gradient stay finite even for
        ``log_sigma = -60``.

    Returns
    -------
    tensor, shape ()
        On the device of ``y``, with the dtype that ``y``, ``y_hat`` and a tensor
        ``sigma`` promote to (float32 labels give a float32 result); gradients flow
        back to ``y_hat`` and ``sigma`` in their own dtypes.

    Examples
    --------
    >>> import torch
    >>> round(float(gaussian_nll(torch.zeros(2), torch.zeros(2), 1.0)), 4)
    1.8379
    >>> round(float(gaussian_nll(torch.zeros(1), torch.zeros(1), 1e19)), 2)  # sigma**2 would overflow float32
    44.67
    """
    y = as_float_tensor("y", y, ndim=1)
    y_hat = as_float_tensor("y_hat", y_hat, ndim=1)
    check_same_length("y", y, "y_hat", y_hat)
    if y_hat.device != y.device:
        raise ValueError(f"y is on {y.device} but y_hat is on {y_hat.device}; move them to one device")
    out_dtype = torch.promote_types(y.dtype, y_hat.dtype)
    if isinstance(sigma, torch.Tensor) and sigma.requires_grad:
        if sigma.numel() != 1:
            raise ValueError(f"sigma must be a single number, got shape {tuple(sigma.shape)}")
        sigma_t = as_float_tensor("sigma", sigma).reshape(())
        if not bool(sigma_t > 0):
            hint = " (exp of a very negative log_sigma underflows to 0)" if float(sigma_t.detach()) == 0 else ""
            raise ValueError(f"sigma must be positive, got {float(sigma_t.detach())}{hint}")
        out_dtype = torch.promote_types(out_dtype, sigma_t.dtype)
        sigma_t = sigma_t.to(y.device, torch.float64)
        log_sigma = torch.log(sigma_t)
    else:
        value = check_positive_float("sigma", sigma)
        sigma_t = torch.tensor(value, dtype=torch.float64, device=y.device)
        log_sigma = torch.tensor(math.log(value), dtype=torch.float64, device=y.device)
    n = y.shape[0]
    z = (y.double() - y_hat.double()) / sigma_t
    nll = n * (_HALF_LOG_TWO_PI + log_sigma) + 0.5 * (z * z).sum()
    return nll.to(out_dtype)
