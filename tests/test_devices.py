"""d2lmini computes on the device of its inputs (CPU here, CUDA on a GPU) and agrees with NumPy there.

Chapters put their tensors on ``d2lmini.device()``; each helper must then keep the tensors where
they are (no silent copies back to the CPU, no "expected all tensors on the same device" errors)
and give the numbers a CPU gives, to the four decimals the chapters print. Every test runs on
each available device: the CPU always, CUDA when ``torch.cuda.is_available()`` (otherwise those
cases are reported as skipped, not passed). The expected values come from NumPy on the CPU.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from conftest import numpy_least_squares

import d2lmini

HAS_CUDA = torch.cuda.is_available()
DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device on this machine")),
]


def problem(device: str, n: int = 64, d: int = 3, seed: int = 0):
    """A small regression problem on ``device``, plus its NumPy twin (float64) for the expected values."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g)
    w = torch.tensor([2.0, -3.4, 0.5][:d])
    y = X @ w + 4.2 + 0.01 * torch.randn(n, generator=g)
    return X.to(device), y.to(device), X.double().numpy(), y.double().numpy()


def on(tensor: torch.Tensor, device: str) -> bool:
    return tensor.device.type == device


@pytest.mark.parametrize("device", DEVICES)
def test_linreg_and_squared_loss_stay_on_the_device(device):
    X, y, Xn, yn = problem(device)
    w = torch.tensor([1.0, -2.0, 0.25], device=device)
    b = torch.tensor(0.5, device=device)
    y_hat = d2lmini.linreg(X, w, b)
    loss = d2lmini.squared_loss(y_hat, y)
    assert on(y_hat, device) and on(loss, device)
    expected_hat = Xn @ np.array([1.0, -2.0, 0.25]) + 0.5
    np.testing.assert_allclose(y_hat.cpu().numpy(), expected_hat, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(loss.cpu().numpy(), 0.5 * (expected_hat - yn) ** 2, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
def test_likelihood_helpers_stay_on_the_device(device):
    _, y, _, yn = problem(device)
    y_hat = y + 0.1
    nll = d2lmini.gaussian_nll(y, y_hat, 0.5)
    assert on(nll, device)
    expected = len(yn) * 0.5 * np.log(2 * np.pi * 0.25) + np.sum(0.1**2 * np.ones_like(yn)) / (2 * 0.25)
    assert float(nll) == pytest.approx(expected, rel=1e-4)
    density = d2lmini.normal_pdf(torch.linspace(-2, 2, 5, device=device), mu=0.5, sigma=2.0)
    assert on(density, device)
    grid = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(
        density.cpu().numpy(), np.exp(-((grid - 0.5) ** 2) / 8) / np.sqrt(8 * np.pi), rtol=1e-5
    )


@pytest.mark.parametrize("device", DEVICES)
def test_data_iter_yields_batches_on_the_device_covering_every_example(device):
    X, y, Xn, yn = problem(device, n=23)
    batches = list(d2lmini.data_iter(X, y, 5, generator=torch.Generator().manual_seed(1)))
    assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
    assert all(on(Xb, device) and on(yb, device) for Xb, yb in batches)
    rows = np.concatenate([torch.cat([Xb, yb[:, None]], dim=1).cpu().double().numpy() for Xb, yb in batches])
    expected = np.concatenate([Xn, yn[:, None]], axis=1)
    # Every example exactly once, in some order: sort both by all columns and compare.
    order = lambda a: a[np.lexsort(a.T[::-1])]
    np.testing.assert_allclose(order(rows), order(expected), rtol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_sgd_updates_parameters_in_place_on_the_device(device):
    w = torch.tensor([1.0, -1.0], device=device, requires_grad=True)
    b = torch.zeros((), device=device, requires_grad=True)
    x = torch.tensor([[2.0, 3.0]], device=device)
    (0.5 * (x @ w + b - 1.0) ** 2).sum().backward()
    # residual = 2 - 3 + 0 - 1 = -2, so grad_w = -2 * [2, 3], grad_b = -2
    d2lmini.sgd([w, b], lr=0.1)
    assert on(w, device) and on(b, device) and on(w.grad, device)
    np.testing.assert_allclose(w.detach().cpu().numpy(), [1.4, -0.4], rtol=1e-6)
    assert float(b.detach()) == pytest.approx(0.2)


@pytest.mark.parametrize("device", DEVICES)
def test_fit_least_squares_returns_on_the_device_of_x(device):
    X, y, Xn, yn = problem(device)
    w, b = d2lmini.fit_least_squares(X, y)
    assert on(w, device) and on(b, device)
    assert w.dtype == X.dtype and b.dtype == X.dtype
    w_np, b_np, _ = numpy_least_squares(Xn, yn)
    np.testing.assert_allclose(w.cpu().numpy(), w_np, atol=1e-5)
    assert float(b) == pytest.approx(b_np, abs=1e-5)


@pytest.mark.parametrize("device", DEVICES)
def test_fit_sgd_trains_on_the_device_and_prints_what_the_cpu_prints(device):
    X, y, Xn, yn = problem(device, n=200)
    kwargs = {"lr": 0.1, "batch_size": 10, "num_epochs": 8, "track_path": True}
    result = d2lmini.fit_sgd(X, y, generator=torch.Generator().manual_seed(0), **kwargs)
    assert on(result.w, device) and on(result.b, device)
    # Histories come back on the CPU, ready to print and plot.
    for history in (result.epoch_losses, result.step_losses, result.path):
        assert on(history, "cpu")
    # Same seed on the CPU: the chapters print 4 decimals, and those must match.
    reference = d2lmini.fit_sgd(X.cpu(), y.cpu(), generator=torch.Generator().manual_seed(0), **kwargs)
    printed = lambda r: [f"{v:.4f}" for v in [*r.w.tolist(), float(r.b), float(r.epoch_losses[-1])]]
    assert printed(result) == printed(reference)
    # And both found the least-squares answer.
    w_np, b_np, _ = numpy_least_squares(Xn, yn)
    np.testing.assert_allclose(result.w.cpu().numpy(), w_np, atol=2e-3)
    assert float(result.b) == pytest.approx(b_np, abs=2e-3)


@pytest.mark.parametrize("device", DEVICES)
def test_loss_grid_accepts_device_tensors_and_answers_on_the_cpu(device):
    x = torch.tensor([0.0, 1.0, 2.0], device=device)
    y = torch.tensor([1.0, 3.0, 5.0], device=device)
    grid = d2lmini.loss_grid(x, y, torch.tensor([2.0, 1.0], device=device), torch.tensor([1.0, 0.0], device=device))
    assert on(grid, "cpu") and grid.dtype == torch.float64
    xn, yn = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0])
    expected = [[np.mean(0.5 * (w * xn + b - yn) ** 2) for w in (2.0, 1.0)] for b in (1.0, 0.0)]
    np.testing.assert_allclose(grid.numpy(), expected)


@pytest.mark.parametrize("device", DEVICES)
def test_plot_accepts_tensors_on_the_device(device):
    x = torch.linspace(0, 1, 5, device=device)
    axes = d2lmini.plot(x, [x**2, 2 * x])
    try:
        np.testing.assert_allclose(axes.lines[0].get_ydata(), np.linspace(0, 1, 5) ** 2, rtol=1e-6)
        np.testing.assert_allclose(axes.lines[1].get_ydata(), 2 * np.linspace(0, 1, 5), rtol=1e-6)
    finally:
        plt.close(axes.figure)


@pytest.mark.parametrize("device", DEVICES)
def test_generated_data_can_move_to_any_device(device):
    """The data helpers draw on the CPU (seeded CPU generators); chapters then call ``.to(device)``."""
    w = torch.tensor([2.0, -3.4], device=device)
    X, y = d2lmini.synthetic_data(w, 4.2, 10, generator=torch.Generator().manual_seed(0))
    X_ref, y_ref = d2lmini.synthetic_data([2.0, -3.4], 4.2, 10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(X, X_ref) and torch.equal(y, y_ref)
    moved = X.to(device)
    assert on(moved, device) and torch.equal(moved.cpu(), X_ref)


@pytest.mark.parametrize("device", DEVICES)
def test_linreg_builds_plain_numbers_on_the_device_of_x(device):
    X, _, Xn, _ = problem(device)
    y_hat = d2lmini.linreg(X, [1.0, -2.0, 0.25], 0.5)  # a list w and a Python-float b have no device of their own
    assert on(y_hat, device)
    np.testing.assert_allclose(y_hat.cpu().numpy(), Xn @ np.array([1.0, -2.0, 0.25]) + 0.5, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
def test_likelihood_helpers_stay_finite_on_the_device(device):
    zero = torch.zeros(1, device=device)
    nll = d2lmini.gaussian_nll(zero, zero, 1e19)
    assert on(nll, device) and nll.dtype == torch.float32
    assert float(nll) == pytest.approx(0.5 * np.log(2 * np.pi) + 19 * np.log(10), rel=1e-6)
    density = d2lmini.normal_pdf(torch.tensor([3e-39, 1.0], device=device), sigma=1e-39)
    assert on(density, device)
    z = float(torch.tensor(3e-39)) / 1e-39
    assert float(density[0]) == pytest.approx(np.exp(-0.5 * z * z) / (np.sqrt(2 * np.pi) * 1e-39), rel=1e-5)
    assert float(density[1]) == 0.0


# Each call puts one argument on the CPU and the rest on CUDA; the error names that argument and both devices.
MISMATCHED = {
    "linreg, w": (lambda X, y: d2lmini.linreg(X, torch.zeros(3), 0.0), r"X is on cuda.* but w is on cpu"),
    "linreg, b": (lambda X, y: d2lmini.linreg(X, torch.zeros(3, device="cuda"), torch.tensor(0.0)),
                  r"X is on cuda.* but b is on cpu"),
    "fit_sgd, y": (lambda X, y: d2lmini.fit_sgd(X, y.cpu(), lr=0.1, batch_size=4, num_epochs=1),
                   r"X is on cuda.* but y is on cpu"),
    "squared_loss, y": (lambda X, y: d2lmini.squared_loss(y, y.cpu()), r"y_hat is on cuda.* but y is on cpu"),
    "gaussian_nll, y_hat": (lambda X, y: d2lmini.gaussian_nll(y, y.cpu(), 1.0), r"y is on cuda.* but y_hat is on cpu"),
}


@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA device beside the CPU")
@pytest.mark.parametrize("case", MISMATCHED)
def test_mixed_devices_get_an_error_naming_the_argument_and_both_devices(case):
    call, message = MISMATCHED[case]
    X, y, _, _ = problem("cuda")
    with pytest.raises(ValueError, match=message):
        call(X, y)
