"""Unit tests for d2lmini.model (linreg), against NumPy and calculus.

The last section runs linreg together with d2lmini.losses.squared_loss, as one training
step does: these per-step helpers must read no tensor values and let NaN pass through.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import forbid_reading_values, without_matmul

import d2lmini

RNG = np.random.default_rng(0)
X_NP = RNG.normal(size=(6, 3))
W_NP = RNG.normal(size=3)


# ---------------------------------------------------------------- linreg


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("b", [0.5, -2, torch.tensor(1.25), torch.tensor([1.25])])
def test_linreg_matches_numpy(dtype, b):
    X = torch.tensor(X_NP, dtype=dtype)
    w = torch.tensor(W_NP, dtype=dtype)
    y_hat = d2lmini.linreg(X, w, b)
    assert y_hat.shape == (6,)  # a bias of shape (1,) must not turn the result into a column
    assert y_hat.dtype == dtype
    expected = X_NP @ W_NP + float(b)
    tol = 1e-6 if dtype == torch.float32 else 1e-12
    np.testing.assert_allclose(y_hat.double().numpy(), expected, rtol=tol, atol=tol)


def test_linreg_hand_computed_values():
    y_hat = d2lmini.linreg(torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 0.0]]), torch.tensor([2.0, 3.0]), 1.0)
    assert y_hat.tolist() == [9.0, 4.0, 1.0]


def test_linreg_gradients_flow_to_w_and_b():
    X = torch.tensor(X_NP, dtype=torch.float32)
    w = torch.tensor(W_NP, dtype=torch.float32, requires_grad=True)
    b = torch.tensor(0.3, requires_grad=True)
    d2lmini.linreg(X, w, b).sum().backward()
    # d/dw sum_i (x_i . w + b) = sum_i x_i ; d/db = n
    np.testing.assert_allclose(w.grad.numpy(), X_NP.sum(axis=0), rtol=1e-5)
    assert b.grad.item() == pytest.approx(6.0)


X_OK = torch.ones(4, 3)
W_OK = torch.ones(3)


@pytest.mark.parametrize(
    "X, w, b, exc, match",
    [
        (torch.ones(4), W_OK, 0.0, ValueError, r"X must be a 2-D matrix"),
        (torch.ones(2, 2, 2), W_OK, 0.0, ValueError, r"X must be a 2-D matrix"),
        (X_OK, torch.ones(3, 1), 0.0, ValueError, r"w must be a 1-D vector"),
        (X_OK, torch.ones(2), 0.0, ValueError, r"w must have one weight per column of X \(3\), got 2"),
        (X_OK, W_OK, torch.ones(2), ValueError, r"b must be a single number, got shape \(2,\)"),
        (X_OK, W_OK, [1.0, 2.0], ValueError, r"b must be a scalar"),
        # values are checked where they are read from Python numbers; tensors are not looked into
        # (a per-step helper must not wait for the GPU): see test_per_step_helpers_read_no_values
        (X_OK, W_OK, float("nan"), ValueError, r"b must be finite"),
        ([[float("nan")] * 3] * 4, W_OK, 0.0, ValueError, r"X must be finite"),
        (X_OK, [1.0, float("inf"), 0.0], 0.0, ValueError, r"w must be finite"),
        (X_OK.long(), W_OK, 0.0, TypeError, r"X must hold floating-point"),
        (X_OK, W_OK.bool(), 0.0, TypeError, r"w must hold floating-point"),
        (X_OK, W_OK, torch.tensor(1), TypeError, r"b must hold floating-point"),
        (X_OK, W_OK, "1.0", TypeError, r"b must be a tensor"),
        (X_OK, W_OK, True, TypeError, r"b must be a tensor, array or sequence of numbers, got bool"),
        (X_OK, W_OK.double(), 0.0, ValueError, r"w has dtype torch.float64 but X has dtype torch.float32"),
    ],
)
def test_linreg_rejects_bad_input(X, w, b, exc, match):
    with pytest.raises(exc, match=match):
        d2lmini.linreg(X, w, b)


# ---------------------------------------------------------------- issue 11: plain numbers take X's device and dtype


def test_linreg_builds_a_python_bias_and_list_weights_on_the_device_of_x():
    # torch's default device is "meta" inside this block: a bias or weights built there (or on
    # the CPU while X is on a GPU) would be on another device than X and fail the device check
    X = torch.tensor(X_NP, dtype=torch.float32)
    w = torch.tensor(W_NP, dtype=torch.float32)
    with torch.device("meta"):
        y_float_b = d2lmini.linreg(X, w, 0.5)
        y_list_w = d2lmini.linreg(X, W_NP.tolist(), torch.tensor(0.5, device="cpu"))
    for y_hat in (y_float_b, y_list_w):
        assert y_hat.device.type == "cpu"
        np.testing.assert_allclose(y_hat.numpy(), X_NP @ W_NP + 0.5, rtol=1e-5, atol=1e-6)


def test_linreg_converts_plain_numbers_in_the_dtype_of_x():
    X = torch.tensor(X_NP[:, :1])  # float64
    y_hat = d2lmini.linreg(X, [1e300], 0.0)  # fine in float64, beyond float32
    assert y_hat.dtype == torch.float64
    np.testing.assert_allclose(y_hat.numpy(), X_NP[:, 0] * 1e300, rtol=1e-12)
    with pytest.raises(ValueError, match=r"^b holds values as large as 1e\+05 in magnitude, beyond the range of torch.float16"):
        d2lmini.linreg(X.half(), torch.ones(1, dtype=torch.float16), 1e5)  # was a silent inf


# ---------------------------------------------------------------- issue 14: cheap checks on the hot path


def test_per_step_helpers_read_no_values(monkeypatch):
    X = torch.tensor(X_NP, dtype=torch.float32)
    w = torch.tensor(W_NP, dtype=torch.float32, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    y = torch.ones(6)
    forbid_reading_values(monkeypatch)
    loss = d2lmini.squared_loss(d2lmini.linreg(X, w, b), y).mean()
    loss.backward()
    monkeypatch.undo()
    expected = 0.5 * np.mean((X_NP @ W_NP - 1.0) ** 2)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert w.grad is not None and b.grad is not None


def test_per_step_helpers_pass_nan_through_from_tensors():
    X = torch.tensor(X_NP, dtype=torch.float32)
    X[2, 1] = float("nan")
    y_hat = d2lmini.linreg(X, torch.tensor(W_NP, dtype=torch.float32), torch.tensor(0.5))
    expected = X_NP @ W_NP + 0.5
    assert torch.isnan(y_hat).tolist() == [False, False, True, False, False, False]
    np.testing.assert_allclose(y_hat.numpy()[[0, 1, 3, 4, 5]], expected[[0, 1, 3, 4, 5]], rtol=1e-5)
    loss = d2lmini.squared_loss(torch.tensor([float("inf"), 1.0]), torch.tensor([0.0, 3.0]))
    assert loss.tolist() == [float("inf"), 2.0]


def test_linreg_names_x_when_torch_cannot_multiply_its_dtype(monkeypatch):
    """torch 2.1 has no float16 matrix product on the CPU: the error names X and the fix, not torch's kernel."""
    without_matmul(monkeypatch)
    with pytest.raises(TypeError, match=r"X has dtype torch.float16, .* convert it with X\.float\(\)"):
        d2lmini.linreg(torch.ones(2, 1, dtype=torch.float16), torch.ones(1, dtype=torch.float16), 0.0)
    with pytest.raises(RuntimeError, match="addmv_impl_cpu"):  # any other failure is torch's own, unchanged
        d2lmini.linreg(torch.ones(2, 1), torch.ones(1), 0.0)
