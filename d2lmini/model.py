"""The linear model."""

from __future__ import annotations

import torch

from ._validation import TensorLike, as_float_tensor, check_matmul


def linreg(X: TensorLike, w: TensorLike, b: torch.Tensor | float) -> torch.Tensor:
    """Predict ``X @ w + b`` for every row of ``X``.

    Introduced in chapter 1, *The linear model*.

    Gradients flow to ``w`` and ``b`` when they require them.
    Called once per training step, it checks the kind, shape, dtype and device of
    tensors but not their values (that would make the host wait for a GPU on every
    call): NaN in gives NaN out.  Lists, NumPy arrays and numbers are read and checked
    in full.

    Parameters
    ----------
    X : tensor, shape (n, d)
        Design matrix, one example per row.
    w : tensor, shape (d,)
        Weights.
    b : float or tensor with one element
        Bias, added to every prediction (broadcasting).  A list ``w`` or a
        Python-number ``b`` is converted on the device and in the dtype of ``X``.

    Returns
    -------
    tensor, shape (n,)
        Predictions ``y_hat``.

    Examples
    --------
    >>> import torch
    >>> linreg(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, -1.0]), 0.5)
    tensor([-0.5000, -0.5000])
    """
    X = as_float_tensor("X", X, ndim=2, check_values=False)
    # A weight or bias that is not a tensor (a list, a Python float) has no device or dtype
    # of its own: it is built directly on X's device in X's dtype.
    w = as_float_tensor("w", w, ndim=1, dtype=X.dtype, device=X.device, check_values=False)
    if w.dtype != X.dtype:
        raise ValueError(f"w has dtype {w.dtype} but X has dtype {X.dtype}; convert one of them with .to()")
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w must have one weight per column of X ({X.shape[1]}), got {w.shape[0]}")
    if isinstance(b, torch.Tensor):
        if b.numel() != 1:
            raise ValueError(f"b must be a single number, got shape {tuple(b.shape)}")
        bias = as_float_tensor("b", b, check_values=False).reshape(())
    else:
        bias = as_float_tensor("b", b, ndim=0, dtype=X.dtype, device=X.device)
    for name, tensor in (("w", w), ("b", bias)):
        if tensor.device != X.device:
            raise ValueError(f"X is on {X.device} but {name} is on {tensor.device}; move them to one device")
    try:
        return X @ w + bias
    except RuntimeError:
        check_matmul("X", X)  # a dtype this torch cannot multiply in: say so, naming X (free when all is well)
        raise
