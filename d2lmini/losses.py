"""Loss functions."""

from __future__ import annotations

import torch

from ._validation import as_float_tensor


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
    if y_hat.shape != y.shape:
        if y_hat.numel() != y.numel() or y_hat.squeeze().shape != y.squeeze().shape:
            raise ValueError(
                f"y_hat and y must have matching shapes, got {tuple(y_hat.shape)} and {tuple(y.shape)}; "
                "broadcasting them would compare every prediction with every label"
            )
        y_hat = y_hat.reshape(y.shape)
    return 0.5 * (y_hat - y) ** 2
