"""The normal distribution and the Gaussian negative log-likelihood."""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
import torch

from ._validation import as_float_tensor, check_positive_float, check_real, check_same_length

ArrayLike = TypeVar("ArrayLike", float, np.ndarray, torch.Tensor)


def normal_pdf(x: ArrayLike, mu: float = 0.0, sigma: float = 1.0) -> ArrayLike:
    """Density of the normal distribution N(mu, sigma^2) at ``x``.

    ``p(x) = exp(-(x - mu)^2 / (2 sigma^2)) / sqrt(2 pi sigma^2)``

    Parameters
    ----------
    x : float, NumPy array or tensor
        Where to evaluate the density; the result is of the same kind.
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
    """
    mu = check_real("mu", mu)
    sigma = check_positive_float("sigma", sigma)
    # Written with (x - mu) / sigma so a tiny sigma cannot underflow sigma**2 to zero.
    scale = 1.0 / (math.sqrt(2 * math.pi) * sigma)
    if isinstance(x, torch.Tensor):
        x = as_float_tensor("x", x)
        return scale * torch.exp(-0.5 * ((x - mu) / sigma) ** 2)
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise TypeError(f"x must hold real numbers, got an array of dtype {x.dtype}")
        if not np.isfinite(x).all():
            raise ValueError("x must be finite, but it holds NaN or infinite values")
        return scale * np.exp(-0.5 * ((x - mu) / sigma) ** 2)
    x = check_real("x", x)
    return scale * math.exp(-0.5 * ((x - mu) / sigma) ** 2)


def gaussian_nll(y: torch.Tensor, y_hat: torch.Tensor, sigma: float) -> torch.Tensor:
    """Negative log-likelihood of labels ``y`` under ``y ~ N(y_hat, sigma^2)``, summed over examples.

    ``sum_i 0.5 * log(2 pi sigma^2) + (y_i - y_hat_i)^2 / (2 sigma^2)``

    Parameters
    ----------
    y : tensor, shape (n,)
        Observed labels.
    y_hat : tensor, shape (n,)
        Model predictions (the means of the noise model).
    sigma : float or one-element tensor
        Noise standard deviation (positive).  A tensor that requires grad
        lets ``sigma`` be fitted too.

    Returns
    -------
    tensor, shape ()

    Examples
    --------
    >>> import torch
    >>> round(float(gaussian_nll(torch.zeros(2), torch.zeros(2), 1.0)), 4)
    1.8379
    """
    y = as_float_tensor("y", y, ndim=1)
    y_hat = as_float_tensor("y_hat", y_hat, ndim=1)
    check_same_length("y", y, "y_hat", y_hat)
    if isinstance(sigma, torch.Tensor) and sigma.requires_grad:
        if sigma.numel() != 1:
            raise ValueError(f"sigma must be a single number, got shape {tuple(sigma.shape)}")
        sigma_t = as_float_tensor("sigma", sigma).reshape(())
        if not bool(sigma_t > 0):
            raise ValueError(f"sigma must be positive, got {float(sigma_t.detach())}")
    else:
        sigma_t = torch.tensor(check_positive_float("sigma", sigma), dtype=y.dtype, device=y.device)
    n = y.shape[0]
    return 0.5 * n * torch.log(2 * math.pi * sigma_t**2) + ((y - y_hat) ** 2).sum() / (2 * sigma_t**2)
