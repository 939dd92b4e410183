"""Loss functions, and the loss as a function of the parameters (a grid over (w, b))."""

from __future__ import annotations

import torch

from ._validation import TensorLike, as_feature_vector, as_float_tensor, check_same_length


def squared_loss(y_hat: TensorLike, y: TensorLike) -> torch.Tensor:
    """Elementwise squared error ``0.5 * (y_hat - y) ** 2``.

    Introduced in chapter 2, *The loss*.

    The factor one half cancels the 2 that differentiation brings down.
    Called once per training step, it checks the kind, shape and device of tensors
    but not their values (that would make the host wait for a GPU on every call):
    NaN in gives NaN out.  Lists and NumPy arrays are read and checked in full.

    Parameters
    ----------
    y_hat : tensor
        Predictions, with the same number of elements as ``y``.  A column of
        shape (n, 1), as ``torch.nn.Linear`` returns, is accepted for ``y`` of
        shape (n,).
    y : tensor
        Labels.

    Returns
    -------
    tensor, shape of ``y``
        One loss per example; take ``.mean()`` for the average loss.

    Examples
    --------
    >>> import torch
    >>> squared_loss(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 1.0]))
    tensor([0., 2.])
    """
    y_hat = as_float_tensor("y_hat", y_hat, check_values=False)
    y = as_float_tensor("y", y, check_values=False)
    if y_hat.device != y.device:
        raise ValueError(f"y_hat is on {y_hat.device} but y is on {y.device}; move them to one device")
    if y_hat.shape != y.shape:
        if y_hat.numel() != y.numel() or y_hat.squeeze().shape != y.squeeze().shape:
            raise ValueError(
                f"y_hat and y must have matching shapes, got {tuple(y_hat.shape)} and {tuple(y.shape)}; "
                "broadcasting them would compare every prediction with every label"
            )
        y_hat = y_hat.reshape(y.shape)
    return 0.5 * (y_hat - y) ** 2


def half_mse(residual: torch.Tensor) -> torch.Tensor:
    """Half the mean squared residual, ``0.5 * mean(residual ** 2)``, in float64.

    The average of :func:`squared_loss` over examples, written once for every place that
    needs a number for "the loss" of a fit (:func:`~d2lmini.fit_sgd`'s histories, the
    SGD explorers, the benchmarks).  The residual is squared in float64, so a residual of
    float16 or float32 data cannot overflow on the way; the result is float64 on the
    residual's device.  No checks: the callers pass residuals they computed themselves.

    Parameters
    ----------
    residual : tensor, shape (n,) or (n, k)
        ``X @ w + b - y``, in any floating-point dtype; n at least 1.  With k columns,
        each column is the residual of one fit (k points along an SGD path, say).

    Returns
    -------
    tensor, shape () or (k,), float64
        The loss of the fit, or of each column's fit.

    Examples
    --------
    >>> import torch
    >>> half_mse(torch.tensor([1.0, -3.0]))  # (1 + 9) / 2 / 2
    tensor(2.5000, dtype=torch.float64)
    >>> half_mse(torch.tensor([[1.0, 0.0], [-3.0, 2.0]]))  # one loss per column
    tensor([2.5000, 1.0000], dtype=torch.float64)
    """
    r = residual.double()
    if r.ndim == 1:
        return 0.5 * torch.dot(r, r) / r.shape[0]  # one fit: the per-step loss of fit_sgd, kept cheap
    return 0.5 * (r * r).mean(0)


def zero_rounding(loss: float, y: torch.Tensor) -> float:
    """A least-squares loss, or 0.0 where it is only the solver's rounding on exactly fitted data.

    A float64 least-squares solve of data on an exact line (or plane) leaves residuals of
    about ``eps * max|y|`` rather than zeros, and how small they come out depends on the
    LAPACK build behind torch.  A loss at or below ``(64 * eps * max|y|) ** 2``, with
    float64's ``eps``, is that rounding, not a misfit.  Written once for the figures that
    must tell "fitted exactly" from "fitted well" (the loss surface, the SGD explorers).

    Examples
    --------
    >>> import torch
    >>> y = torch.tensor([2.0, -4.0])
    >>> zero_rounding(1e-32, y), zero_rounding(1e-6, y)
    (0.0, 1e-06)
    """
    rounding = (64 * torch.finfo(torch.float64).eps * float(y.detach().abs().max())) ** 2
    return 0.0 if loss <= rounding else loss


def loss_grid(
    x: TensorLike,
    y: TensorLike,
    w_values: TensorLike,
    b_values: TensorLike,
) -> torch.Tensor:
    """Average squared loss of the one-feature model ``y ≈ w * x + b`` at every grid point.

    Introduced in chapter 2, *The loss*.

    Entry ``[i, j]`` is ``mean_k 0.5 * (w_values[j] * x[k] + b_values[i] - y[k]) ** 2``,
    so rows follow ``b`` and columns follow ``w``: the layout matplotlib's
    ``contour(w_values, b_values, grid)`` expects.  Computed in float64, one row
    of the grid at a time, so memory stays at ``len(w_values) * n`` numbers.

    Parameters
    ----------
    x : tensor, shape (n,) or (n, 1)
        The single feature of each example.
    y : tensor, shape (n,)
        Labels.
    w_values : tensor, shape (p,)
        Slopes to evaluate.
    b_values : tensor, shape (q,)
        Intercepts to evaluate.

    Returns
    -------
    tensor, shape (q, p), float64, on the CPU

    Examples
    --------
    >>> import torch
    >>> x, y = torch.tensor([0.0, 1.0]), torch.tensor([1.0, 3.0])
    >>> loss_grid(x, y, torch.tensor([2.0, 1.0]), torch.tensor([1.0]))
    tensor([[0.0000, 0.2500]], dtype=torch.float64)
    """
    x = as_feature_vector("x", x).detach().to("cpu", torch.float64)
    y = as_float_tensor("y", y, ndim=1).detach().to("cpu", torch.float64)
    check_same_length("x", x, "y", y)
    if x.shape[0] == 0:
        raise ValueError("x and y must hold at least one example")
    w_values = as_float_tensor("w_values", w_values, ndim=1).detach().to("cpu", torch.float64)
    b_values = as_float_tensor("b_values", b_values, ndim=1).detach().to("cpu", torch.float64)
    if w_values.numel() == 0 or b_values.numel() == 0:
        raise ValueError("w_values and b_values must each hold at least one value")
    slopes_times_x = w_values[:, None] * x[None, :]  # (p, n)
    rows = [(0.5 * (slopes_times_x + b - y) ** 2).mean(dim=1) for b in b_values]
    return torch.stack(rows)
