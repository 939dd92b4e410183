"""Loss functions, and the loss as a function of the parameters (a grid over (w, b))."""

from __future__ import annotations

import torch

from ._validation import as_feature_vector, as_float_tensor, check_same_length


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise squared error ``0.5 * (y_hat - y) ** 2``.

    The factor one half cancels the 2 that differentiation brings down.

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
    y_hat = as_float_tensor("y_hat", y_hat)
    y = as_float_tensor("y", y)
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


def loss_grid(
    x: torch.Tensor,
    y: torch.Tensor,
    w_values: torch.Tensor,
    b_values: torch.Tensor,
) -> torch.Tensor:
    """Average squared loss of the one-feature model ``y ≈ w * x + b`` at every grid point.

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
