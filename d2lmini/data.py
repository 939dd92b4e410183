"""Datasets for the course: synthetic linear data and a minibatch iterator."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from ._validation import (
    TensorLike,
    as_dataset,
    as_float_tensor,
    cast_checked,
    check_bool,
    check_generator,
    check_positive_float,
    check_positive_int,
    check_real,
    check_size,
)

MAX_NUMBERS = 1_000_000_000
"""The most numbers (features plus labels) one call of :func:`synthetic_data` or :func:`house_data` makes."""


def synthetic_data(
    w: TensorLike,
    b: float,
    num_examples: int,
    noise: float = 0.01,
    *,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw a dataset from the linear model ``y = X @ w + b + noise * eps``.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Parameters
    ----------
    w : tensor or sequence of float, shape (d,)
        True weights, used as float32 values (a tensor that requires grad is
        read, not differentiated through: the labels carry no graph).
    b : float
        True bias.
    num_examples : int
        Number of examples n (at least 1; with the d features at most
        ``MAX_NUMBERS`` numbers in all).
    noise : float, default 0.01
        Standard deviation of the Gaussian label noise (0 gives exact labels).
    generator : torch.Generator, optional
        Source of randomness; pass a seeded one for reproducible data.

    Returns
    -------
    X : tensor, shape (n, d), float32
        Features drawn independently from N(0, 1).
    y : tensor, shape (n,), float32
        Labels.

    Examples
    --------
    >>> import torch
    >>> X, y = synthetic_data([2.0, -3.4], 4.2, 5, generator=torch.Generator().manual_seed(0))
    >>> X.shape, y.shape
    (torch.Size([5, 2]), torch.Size([5]))
    """
    w = cast_checked("w", as_float_tensor("w", w, ndim=1).detach().cpu(), torch.float32)
    b = check_real("b", b)
    num_examples = check_positive_int("num_examples", num_examples)
    noise = check_positive_float("noise", noise, allow_zero=True)
    generator = check_generator(generator)
    check_size("num_examples", num_examples, num_examples * (w.numel() + 1), MAX_NUMBERS, "X and y")
    limit = torch.finfo(torch.float32).max
    for name, value in (("b", b), ("noise", noise)):
        if abs(value) > limit:
            raise ValueError(
                f"{name}={value:.3g} is beyond the range of float32 (about {limit:.3g}), the dtype of the data"
            )
    X = torch.randn(num_examples, w.numel(), generator=generator)
    y = X @ w + b + noise * torch.randn(num_examples, generator=generator)
    if not bool(torch.isfinite(y).all()):
        raise ValueError("w, b and noise give labels beyond the range of float32; make them smaller")
    return X, y


def house_data(
    num_houses: int = 100, *, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A small synthetic housing market: area and age of each house, and its price.

    Introduced in chapter 1, *The linear model*.

    Prices follow ``price = 2.0 * area - 1.5 * age + 50 + noise`` with area in
    square metres (uniform on 40..200), age in years (uniform on 0..60), price
    in thousands of euros and Gaussian noise of standard deviation 20.

    Parameters
    ----------
    num_houses : int, default 100
        Number of houses (at least 1).
    generator : torch.Generator, optional
        Source of randomness.

    Returns
    -------
    X : tensor, shape (num_houses, 2), float32
        Columns ``area`` and ``age``.
    price : tensor, shape (num_houses,), float32

    Examples
    --------
    >>> import torch
    >>> X, price = house_data(3, generator=torch.Generator().manual_seed(0))
    >>> X.shape, price.shape
    (torch.Size([3, 2]), torch.Size([3]))
    """
    num_houses = check_positive_int("num_houses", num_houses)
    generator = check_generator(generator)
    check_size("num_houses", num_houses, 3 * num_houses, MAX_NUMBERS, "the areas, ages and prices")
    area = 40.0 + 160.0 * torch.rand(num_houses, generator=generator)
    age = 60.0 * torch.rand(num_houses, generator=generator)
    X = torch.stack([area, age], dim=1)
    price = X @ torch.tensor(HOUSE_WEIGHTS) + HOUSE_BIAS + 20.0 * torch.randn(num_houses, generator=generator)
    return X, price


HOUSE_WEIGHTS = (2.0, -1.5)
"""True weights (per square metre, per year) behind :func:`house_data`.

Introduced in chapter 3, *The analytic solution*."""
HOUSE_BIAS = 50.0
"""True bias (thousands of euros) behind :func:`house_data`.

Introduced in chapter 3, *The analytic solution*."""


def data_iter(
    X: TensorLike,
    y: TensorLike,
    batch_size: int,
    *,
    shuffle: bool = True,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield minibatches ``(X_batch, y_batch)`` that cover every example once.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Every batch is a copy, shuffled or not, so changing a batch in place never
    changes ``X`` or ``y`` (gradients still flow back to them).

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    batch_size : int
        Examples per minibatch (at least 1); the last minibatch holds the
        remaining ``n % batch_size`` examples when that is not zero.
    shuffle : bool, default True
        Visit the examples in a random order (otherwise in their stored order).
    generator : torch.Generator, optional
        Source of randomness for the shuffle.

    Examples
    --------
    >>> import torch
    >>> X, y = torch.arange(10.).reshape(5, 2), torch.arange(5.)
    >>> [len(yb) for _, yb in data_iter(X, y, 2, shuffle=False)]
    [2, 2, 1]
    """
    X, y = as_dataset(X, y)
    batch_size = check_positive_int("batch_size", batch_size)
    shuffle = check_bool("shuffle", shuffle)
    generator = check_generator(generator)
    return _batches(X, y, batch_size, shuffle, generator)


def _batches(
    X: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool, generator: torch.Generator | None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    n = X.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order.to(X.device)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]  # indexing with a tensor copies, in both orders

