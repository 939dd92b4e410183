"""Fitting linear regression: the analytic least-squares answer and minibatch SGD."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from ._validation import as_dataset, check_generator, check_positive_float, check_positive_int


class RankDeficientWarning(UserWarning):
    """The design matrix has linearly dependent columns, so the least-squares answer is not unique."""


def fit_least_squares(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Solve ``min_{w, b} ||X w + b - y||^2`` exactly.

    The bias is folded into the weights by appending a column of ones to ``X``;
    the problem is then solved by an SVD-based least-squares routine in float64
    (never by inverting ``X^T X``, which squares the condition number).
    When the columns are linearly dependent the minimiser is not unique: the
    minimum-norm one is returned and a :class:`RankDeficientWarning` names the rank.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)

    Returns
    -------
    w : tensor, shape (d,)
    b : tensor, shape ()
        Both with the dtype and device of ``X``.

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[0.0], [1.0], [2.0]])
    >>> w, b = fit_least_squares(X, 3 * X[:, 0] + 1)
    >>> round(float(w[0]), 4), round(float(b), 4)
    (3.0, 1.0)
    """
    X, y = as_dataset(X, y)
    n, d = X.shape
    A = torch.cat([X, torch.ones(n, 1, dtype=X.dtype, device=X.device)], dim=1)
    solution = torch.linalg.lstsq(
        A.to("cpu", torch.float64), y.to("cpu", torch.float64).unsqueeze(1), driver="gelsd"
    )
    rank = int(solution.rank)
    if rank < d + 1:
        warnings.warn(
            f"X with its column of ones has rank {rank} but {d + 1} columns: the least-squares "
            "solution is not unique, returning the one with the smallest norm",
            RankDeficientWarning,
            stacklevel=2,
        )
    theta = solution.solution[:, 0].to(X.dtype).to(X.device)
    return theta[:d], theta[d]


def sgd(params: Iterable[torch.Tensor], lr: float) -> None:
    """One step of gradient descent on each parameter, in place: ``p -= lr * p.grad``.

    Gradients are zeroed afterwards, ready for the next ``backward()``.
    The loss that produced them should be the minibatch *mean*, so the step
    size does not grow with the batch size.

    Parameters
    ----------
    params : iterable of tensors
        Leaf tensors with ``requires_grad=True`` and a populated ``.grad``.
    lr : float
        Learning rate (positive, finite).

    Examples
    --------
    >>> import torch
    >>> w = torch.tensor([1.0], requires_grad=True)
    >>> (w ** 2).sum().backward()
    >>> sgd([w], lr=0.1)
    >>> w.detach(), w.grad
    (tensor([0.8000]), tensor([0.]))
    """
    lr = check_positive_float("lr", lr)
    if isinstance(params, torch.Tensor):
        raise TypeError("params must be an iterable of tensors such as [w, b], got a single tensor; wrap it in a list")
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"params[{i}] must be a tensor, got {type(p).__name__}")
        if p.grad is None:
            raise ValueError(
                f"params[{i}] has no gradient: create it with requires_grad=True "
                "and call loss.backward() before sgd"
            )
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()


@dataclass(frozen=True)
class SGDResult:
    """What :func:`fit_sgd` learned and how the loss evolved.

    Attributes
    ----------
    w, b : tensors of shape (d,) and ()
        Final parameters; after a divergence, the last ones with a finite loss.
    epoch_losses : tensor, shape (epochs run,)
        Mean squared loss (with the factor one half) on all the data after each epoch.
    step_losses : tensor, shape (steps run,)
        Mean squared loss of each minibatch, measured just before its update.
    diverged : bool
        True when the loss stopped being finite; training stopped there.
    path : tensor of shape (steps run + 1, d + 1), or None
        ``[w, b]`` before the first and after every step, when ``track_path=True``.
    """

    w: torch.Tensor
    b: torch.Tensor
    epoch_losses: torch.Tensor
    step_losses: torch.Tensor
    diverged: bool
    path: torch.Tensor | None = None


def fit_sgd(
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    batch_size: int,
    num_epochs: int,
    generator: torch.Generator | None = None,
    track_path: bool = False,
) -> SGDResult:
    """Fit ``y ≈ X @ w + b`` by minibatch stochastic gradient descent on the squared loss.

    Each epoch shuffles the examples and walks through them in minibatches;
    each step applies the closed-form update for the mean squared loss of the batch B,

    ``w <- w - lr/|B| * sum_i x_i (w^T x_i + b - y_i)``,
    ``b <- b - lr/|B| * sum_i (w^T x_i + b - y_i)``.

    Weights start at N(0, 0.01^2) draws, the bias at zero.  Training runs on
    the device of ``X``.  If the loss stops being finite (learning rate too
    large), training stops, ``diverged`` is True, the parameters are the last
    finite ones and a ``RuntimeWarning`` says so.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    lr : float
        Learning rate (positive, finite).
    batch_size : int
        Examples per minibatch (at least 1; larger than n means full batches).
    num_epochs : int
        Passes over the data (at least 1).
    generator : torch.Generator, optional
        Randomness for the initial weights and the shuffles.
    track_path : bool, default False
        Record the parameters after every step in ``result.path``.

    Returns
    -------
    SGDResult

    Examples
    --------
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> X = torch.randn(200, 1, generator=g)
    >>> result = fit_sgd(X, 2 * X[:, 0] + 1, lr=0.1, batch_size=10, num_epochs=5, generator=g)
    >>> round(float(result.w[0]), 2), round(float(result.b), 2), result.diverged
    (2.0, 1.0, False)
    """
    X, y = as_dataset(X, y)
    lr = check_positive_float("lr", lr)
    batch_size = check_positive_int("batch_size", batch_size)
    num_epochs = check_positive_int("num_epochs", num_epochs)
    generator = check_generator(generator)

    n, d = X.shape
    y = y.to(X.dtype)
    steps_per_epoch = math.ceil(n / batch_size)
    w = (0.01 * torch.randn(d, generator=generator)).to(X.device, X.dtype)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    step_losses = torch.empty(num_epochs * steps_per_epoch, dtype=X.dtype, device=X.device)
    epoch_losses = torch.empty(num_epochs, dtype=X.dtype, device=X.device)
    path = torch.empty(num_epochs * steps_per_epoch + 1, d + 1, dtype=X.dtype, device=X.device) if track_path else None
    if path is not None:
        path[0, :d], path[0, d] = w, b

    step = 0
    diverged = False
    last_finite = (w.clone(), b.clone())
    with torch.no_grad():
        for epoch in range(num_epochs):
            order = torch.randperm(n, generator=generator).to(X.device)
            X_shuffled, y_shuffled = X[order], y[order]
            for start in range(0, n, batch_size):
                X_batch = X_shuffled[start : start + batch_size]
                residual = X_batch @ w + b - y_shuffled[start : start + batch_size]
                scale = lr / residual.shape[0]
                step_losses[step] = 0.5 * torch.dot(residual, residual) / residual.shape[0]
                w.addmv_(X_batch.T, residual, alpha=-scale)
                b.sub_(residual.sum() * scale)
                step += 1
                if path is not None:
                    path[step, :d], path[step, d] = w, b
            residual = X @ w + b - y
            epoch_losses[epoch] = 0.5 * torch.dot(residual, residual) / n
            if not math.isfinite(float(epoch_losses[epoch])):
                diverged = True
                break
            last_finite = (w.clone(), b.clone())

    epochs_run = epoch + 1
    if diverged:
        warnings.warn(
            f"SGD diverged in epoch {epochs_run}: the loss is no longer finite with lr={lr}. "
            "Try a smaller learning rate; the returned parameters are the last finite ones.",
            RuntimeWarning,
            stacklevel=2,
        )
        w, b = last_finite
    return SGDResult(
        w=w,
        b=b,
        epoch_losses=epoch_losses[:epochs_run].cpu(),
        step_losses=step_losses[:step].cpu(),
        diverged=diverged,
        path=None if path is None else path[: step + 1].cpu(),
    )
