"""Fitting linear regression: the analytic least-squares answer and minibatch SGD."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from ._validation import (
    TensorLike,
    as_dataset,
    cast_checked,
    check_bool,
    check_generator,
    check_matmul,
    check_positive_float,
    check_positive_int,
    check_size,
)
from .losses import half_mse


class RankDeficientWarning(UserWarning):
    """The design matrix has linearly dependent columns, so the least-squares answer is not unique.

    Introduced in chapter 3, *The analytic solution*.
    """


def fit_least_squares(X: TensorLike, y: TensorLike) -> tuple[torch.Tensor, torch.Tensor]:
    """Solve ``min_{w, b} ||X w + b - y||^2`` exactly.

    First used in chapter 2, *The loss*; explained in chapter 3, *The analytic solution*.

    The bias is folded into the weights by appending a column of ones to ``X``;
    the problem is then solved by an SVD-based least-squares routine in float64
    (never by inverting ``X^T X``, which squares the condition number).
    When the columns are linearly dependent the minimiser is not unique: the
    minimum-norm one is returned and a :class:`RankDeficientWarning` names the rank.

    The rank is judged at the precision the data were stored in, not at float64's:
    singular values below ``eps * max(n, d + 1)`` times the largest one count as zero,
    with ``eps`` the machine epsilon of ``X``'s dtype (about 1.2e-7 for float32).  So
    two float32 columns that agree up to float32 rounding, such as an area in square
    metres and the same area in square feet, are reported as dependent.  This is the
    usual (NumPy's) rule; with very many float32 rows it becomes strict (a design
    whose columns are merely strongly correlated can be flagged once ``n`` times the
    condition number passes about 1e7): pass float64 data to judge at float64's
    precision.

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
    A = torch.cat([X.to("cpu", torch.float64), torch.ones(n, 1, dtype=torch.float64)], dim=1)
    coef, rank = _solve_at_precision(A, y.to("cpu", torch.float64), X.dtype)
    if rank < d + 1:
        warnings.warn(
            f"X with its column of ones has rank {rank} but {d + 1} columns at the precision of {X.dtype}: "
            "the least-squares solution is not unique, returning the one with the smallest norm",
            RankDeficientWarning,
            stacklevel=2,
        )
    theta = cast_checked("the least-squares weights", coef, X.dtype).to(X.device)
    return theta[:d], theta[d]


def _solve_at_precision(A: torch.Tensor, target: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, int]:
    """Minimum-norm least squares of a float64 design ``A`` and its rank, judged at ``dtype``'s precision.

    The data were rounded at the precision of their own dtype, so singular values below
    ``eps(dtype) * max(rows, columns)`` times the largest count as zero (SVD-based ``gelsd``).
    The one rank rule of the package: :func:`fit_least_squares` and
    :func:`~d2lmini.inference.fit_with_uncertainty` both use it.
    """
    rcond = torch.finfo(dtype).eps * max(A.shape)
    solution = torch.linalg.lstsq(A, target.unsqueeze(1), rcond=rcond, driver="gelsd")
    return solution.solution[:, 0], int(solution.rank)


def sgd(params: Iterable[torch.Tensor], lr: float) -> None:
    """One step of gradient descent on each parameter, in place: ``p -= lr * p.grad``.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Gradients are zeroed afterwards, ready for the next ``backward()``.
    The loss that produced them should be the minibatch *mean*, so the step
    size does not grow with the batch size.
    Called once per training step, it checks ``lr`` and that every parameter is a
    tensor with a gradient.  On the CPU it also refuses a NaN or infinite gradient,
    or a step ``lr * grad`` that overflows, with a ``ValueError`` naming the
    parameter, before any parameter moves.  On a GPU the values are not read, since
    that would make the host wait for the device on every step: there a bad gradient
    gives NaN parameters, which the next loss shows, and :func:`fit_sgd` detects
    such a divergence and stops with a warning.

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
    if isinstance(params, (str, bytes)):
        raise TypeError(f"params must be an iterable of tensors such as [w, b], got {type(params).__name__}")
    try:
        params = list(params)
    except TypeError as err:
        raise TypeError(f"params must be an iterable of tensors such as [w, b], got {type(params).__name__}") from err
    grads = []
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"params[{i}] must be a tensor, got {type(p).__name__}")
        if p.grad is None:
            raise ValueError(
                f"params[{i}] has no gradient: create it with requires_grad=True "
                "and call loss.backward() before sgd"
            )
        grads.append(p.grad)
    with torch.no_grad():
        steps = [lr * grad for grad in grads]
        if all(step.device.type == "cpu" for step in steps):  # reading values costs no device wait here
            _check_steps(params, grads, steps, lr)
        for p, grad, step in zip(params, grads, steps):
            p -= step
            grad.zero_()


def _check_steps(params: list[torch.Tensor], grads: list[torch.Tensor], steps: list[torch.Tensor], lr: float) -> None:
    """Refuse a non-finite gradient or an overflowing step, naming the parameter (one reduction when all is well)."""
    if bool(torch.stack([torch.isfinite(step).all() for step in steps]).all()):
        return
    for i, (grad, step) in enumerate(zip(grads, steps)):
        bad = int((~torch.isfinite(grad)).sum())
        if bad:
            raise ValueError(
                f"params[{i}].grad holds {bad} NaN or infinite values (the loss or its gradient overflowed); "
                "no parameter was updated"
            )
        if not bool(torch.isfinite(step).all()):
            raise ValueError(
                f"lr * params[{i}].grad overflows {step.dtype} (lr={lr}); try a smaller learning rate; "
                "no parameter was updated"
            )


MAX_STEPS = 100_000_000
"""The most numbers :func:`fit_sgd` records in one history (the step losses, or the path)."""


@dataclass(frozen=True)
class SGDResult:
    """What :func:`fit_sgd` learned and how the loss evolved.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Attributes
    ----------
    w, b : tensors of shape (d,) and ()
        Final parameters, in the dtype and on the device of ``X``; after a
        divergence, the last ones with a finite loss.
    epoch_losses : tensor, shape (epochs run,)
        Mean squared loss (with the factor one half) on all the data after each epoch.
    step_losses : tensor, shape (steps run,)
        Mean squared loss of each minibatch, measured just before its update.
        Both loss histories are computed in float64 (a squared residual cannot
        overflow on the way) and stored in ``X``'s dtype, or in float32 when ``X``
        is float16 or bfloat16, whose range is too small for squared errors.
    diverged : bool
        True when training broke down: the parameters stopped being finite, or the
        loss grew from its starting value beyond the range of the history's dtype.
        Training stopped in that epoch.  A loss that is large but not growing, with
        finite parameters, is not a divergence.
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
    X: TensorLike,
    y: TensorLike,
    *,
    lr: float,
    batch_size: int,
    num_epochs: int,
    generator: torch.Generator | None = None,
    track_path: bool = False,
) -> SGDResult:
    """Fit ``y ≈ X @ w + b`` by minibatch stochastic gradient descent on the squared loss.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Each epoch shuffles the examples and walks through them in minibatches;
    each step applies the closed-form update for the mean squared loss of the batch B,

    ``w <- w - lr/|B| * sum_i x_i (w^T x_i + b - y_i)``,
    ``b <- b - lr/|B| * sum_i (w^T x_i + b - y_i)``.

    Weights start at N(0, 0.01^2) draws, the bias at zero.  Training runs on
    the device and in the dtype of ``X``.  If it diverges (learning rate too
    large: the parameters overflow, or the loss grows beyond what its history
    can hold), training stops, ``diverged`` is True, the parameters are the
    last finite ones and a ``RuntimeWarning`` says which of the two happened.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
        Labels; converted to the dtype of ``X`` (values beyond its range are refused).
    lr : float
        Learning rate (positive, finite).
    batch_size : int
        Examples per minibatch (at least 1; larger than n means full batches).
    num_epochs : int
        Passes over the data (at least 1).  The steps in all, ``num_epochs *
        ceil(n / batch_size)``, may not exceed ``MAX_STEPS`` (100 million), nor may
        the numbers in the path when it is tracked.
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
    track_path = check_bool("track_path", track_path)

    n, d = X.shape
    steps_per_epoch = math.ceil(n / batch_size)
    total_steps = num_epochs * steps_per_epoch
    hint = "lower num_epochs or raise batch_size"
    per_epoch = f"the step losses ({steps_per_epoch} steps per epoch)"
    check_size("num_epochs", num_epochs, total_steps, MAX_STEPS, per_epoch, hint)
    if track_path:
        check_size("num_epochs", num_epochs, (total_steps + 1) * (d + 1), MAX_STEPS, "the path (track_path=True)", hint)
    y = cast_checked("y", y, X.dtype)
    check_matmul("X", X)  # last: every other mistake is named first, on any torch
    history_dtype = torch.promote_types(X.dtype, torch.float32)
    history_max = torch.finfo(history_dtype).max
    dtype_max = torch.finfo(X.dtype).max

    w = (0.01 * torch.randn(d, generator=generator)).to(X.device, X.dtype)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    with torch.no_grad():
        initial_loss = float(half_mse(X @ w + b - y))
    if not initial_loss <= history_max:
        raise ValueError(
            f"X and y are too large for {X.dtype}: the loss at the starting weights is {initial_loss:.3g}, "
            f"beyond the range of {history_dtype}; rescale them or pass float64 tensors"
        )
    step_losses = torch.empty(total_steps, dtype=history_dtype, device=X.device)
    epoch_losses = torch.empty(num_epochs, dtype=history_dtype, device=X.device)
    path = torch.empty(total_steps + 1, d + 1, dtype=X.dtype, device=X.device) if track_path else None
    if path is not None:
        path[0, :d], path[0, d] = w, b

    step = 0
    why = ""
    last_finite = (w.clone(), b.clone())
    with torch.no_grad():
        for epoch in range(num_epochs):
            order = torch.randperm(n, generator=generator).to(X.device)
            X_shuffled, y_shuffled = X[order], y[order]
            for start in range(0, n, batch_size):
                X_batch = X_shuffled[start : start + batch_size]
                residual = X_batch @ w + b - y_shuffled[start : start + batch_size]
                scale = lr / residual.shape[0]
                step_losses[step] = half_mse(residual)
                if scale <= dtype_max:
                    w.addmv_(X_batch.T, residual, alpha=-scale)
                else:  # addmv_ refuses an alpha beyond the dtype's range; mul_ overflows to inf like any step
                    w.sub_((X_batch.T @ residual).mul_(scale))
                b.sub_(residual.sum() * scale)
                step += 1
                if path is not None:
                    path[step, :d], path[step, d] = w, b
            epoch_loss = half_mse(X @ w + b - y)
            epoch_losses[epoch] = epoch_loss
            loss = float(epoch_loss)
            if not (bool(torch.isfinite(w).all()) and math.isfinite(float(b))):
                why = f"the parameters overflowed {X.dtype}"
                break
            if not loss <= history_max:
                grown_to = f"{loss:.3g}" if math.isfinite(loss) else f"infinity (the predictions overflowed {X.dtype})"
                why = f"the loss grew from {initial_loss:.3g} to {grown_to}, beyond the range of {history_dtype}"
                break
            last_finite = (w.clone(), b.clone())

    epochs_run = epoch + 1
    diverged = bool(why)
    if diverged:
        warnings.warn(
            f"SGD diverged in epoch {epochs_run}: {why} with lr={lr}. "
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
