"""Tests for d2lmini.exercises.check: right answers pass, wrong ones fail with a counterexample.

The answers below are written independently of the module (NumPy, math, torch.distributions),
so a wrong reference inside ``check`` would make a correct answer fail here.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from d2lmini.exercises import LABELS, check

# ---------------------------------------------------------------- answers that must pass


def mean_numpy(x):
    return float(np.mean(x.numpy()))


def mean_by_hand(x):
    return x.sum() / len(x)


def mean_as_one_element_float32(x):
    return x.float().mean().reshape(1)


def mean_then_vandalise(x):
    m = x.mean()
    x.zero_()  # the learner may modify the input in place; check must not care
    return m


def lower_median(x):
    return x.sort().values[(len(x) - 1) // 2]


def upper_median(x):
    return x.sort().values[len(x) // 2]


def midpoint_median(x):
    return float(np.median(x.numpy()))


def between_the_middles(x):
    return 0.3 * lower_median(x) + 0.7 * upper_median(x)


def quad_reference_order(X):
    d = X.shape[1]
    products = [X[:, i] * X[:, j] for i in range(d) for j in range(i + 1)]
    return torch.cat([X, torch.stack(products, dim=1)], dim=1)


def quad_numpy_shuffled_scaled(X):
    F = quad_reference_order(X).numpy()
    order = np.random.default_rng(3).permutation(F.shape[1])
    return F[:, order] * np.linspace(0.5, 3.0, F.shape[1])


def quad_other_basis(X):
    # x_i, x_i^2 - 1 (a shift is absorbed by the bias) and (x_i + x_j)^2 for i < j span the same space.
    d = X.shape[1]
    cols = [X[:, i] for i in range(d)] + [X[:, i] ** 2 - 1 for i in range(d)]
    cols += [(X[:, i] + X[:, j]) ** 2 for i in range(d) for j in range(i)]
    return torch.stack(cols, dim=1)


def quad_upper_triangle_loop(X):
    n, d = X.shape
    out = torch.empty(n, d + d * (d + 1) // 2, dtype=X.dtype)
    out[:, :d] = X
    k = d
    for i in range(d):
        for j in range(i, d):
            out[:, k] = X[:, i] * X[:, j]
            k += 1
    return out


def quad_float32(X):
    return quad_reference_order(X.float())


def laplace_math(y, y_hat):
    return sum(math.log(2) + abs(a - b) for a, b in zip(y.tolist(), y_hat.tolist()))


def laplace_torch_float32(y, y_hat):
    return (torch.log(torch.tensor(2.0)) + (y.float() - y_hat.float()).abs()).sum()


def laplace_distribution(y, y_hat):
    return -torch.distributions.Laplace(y_hat, torch.ones_like(y_hat)).log_prob(y).sum()


def compose_numpy(W1, b1, W2, b2):
    W1, b1, W2, b2 = (t.numpy() for t in (W1, b1, W2, b2))
    return W1 @ W2, b1 @ W2 + b2


def compose_by_pushing_the_identity(W1, b1, W2, b2):
    d = W1.shape[0]
    layer = lambda x: (x @ W1 + b1) @ W2 + b2  # noqa: E731
    b = layer(torch.zeros(1, d, dtype=W1.dtype))[0]
    W = layer(torch.eye(d, dtype=W1.dtype)) - b
    return W, b


def poisson_math(log_rate, k):
    total = 0.0
    for eta, count in zip(log_rate.tolist(), k.tolist()):
        total += math.exp(eta) - count * eta + math.lgamma(count + 1)
    return total


def poisson_distribution(log_rate, k):
    return -torch.distributions.Poisson(log_rate.exp()).log_prob(k).sum()


CORRECT = {
    "ex1-squared": [lambda x: x.mean(), mean_numpy, mean_by_hand, mean_as_one_element_float32, mean_then_vandalise],
    "ex1-absolute": [lambda x: x.median(), lower_median, upper_median, midpoint_median, between_the_middles],
    "ex3-quadratic-features": [
        quad_reference_order,
        quad_numpy_shuffled_scaled,
        quad_other_basis,
        quad_upper_triangle_loop,
        quad_float32,
    ],
    "ex5-laplace-nll": [laplace_math, laplace_torch_float32, laplace_distribution],
    "ex6-compose": [lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2 + b2), compose_numpy, compose_by_pushing_the_identity],
    "ex8-poisson-nll": [
        poisson_math,
        poisson_distribution,
        lambda r, k: (r.float().exp() - k.float() * r.float() + torch.lgamma(k.float() + 1)).sum(),
    ],
}

# ---------------------------------------------------------------- answers that must fail


def quad_no_cross_terms_padded(X):
    d = X.shape[1]
    pad = [X[:, 0] ** 3] * (d * (d - 1) // 2)  # right width, but cubes cannot stand in for x_i x_j
    return torch.stack([X[:, i] for i in range(d)] + [X[:, i] ** 2 for i in range(d)] + pad, dim=1)


def quad_with_constant_instead_of_a_square(X):
    F = quad_reference_order(X)
    F[:, -1] = 1.0
    return F


def quad_duplicate_column(X):
    F = quad_reference_order(X)
    F[:, -1] = F[:, 0]
    return F


WRONG = {
    "ex1-squared": [lambda x: x.median(), lambda x: x[0], lambda x: x.sum(), lambda x: "4"],
    "ex1-absolute": [lambda x: x.mean(), lambda x: x.max(), lambda x: (x.min() + x.max()) / 2],
    "ex3-quadratic-features": [
        lambda X: torch.cat([X, X**2], dim=1),
        quad_no_cross_terms_padded,
        quad_with_constant_instead_of_a_square,
        quad_duplicate_column,
        lambda X: torch.cat([torch.ones(X.shape[0], 1, dtype=X.dtype), quad_reference_order(X)], dim=1),
    ],
    "ex5-laplace-nll": [
        lambda y, y_hat: (y - y_hat).abs().sum(),
        lambda y, y_hat: (math.log(2) + (y - y_hat).abs()).mean(),
        lambda y, y_hat: (math.log(2) + 0.5 * (y - y_hat) ** 2).sum(),
        lambda y, y_hat: -(math.log(2) + (y - y_hat).abs()).sum(),
    ],
    "ex6-compose": [
        lambda W1, b1, W2, b2: (W2 @ W1, b1 + b2),
        lambda W1, b1, W2, b2: (W1 @ W2, b2),
        lambda W1, b1, W2, b2: (W1 @ W2, b1 + b2),
        lambda W1, b1, W2, b2: W1 @ W2,
    ],
    "ex8-poisson-nll": [
        lambda r, k: (r.exp() - k * r).sum(),
        lambda r, k: -(r.exp() - k * r + torch.lgamma(k + 1)).sum(),
        lambda r, k: (r.exp() - k * r + torch.lgamma(k + 1)).mean(),
        lambda r, k: (r - k * torch.log(r.abs() + 1e-3) + torch.lgamma(k + 1)).sum(),
    ],
}


def test_every_label_is_covered_here():
    assert set(CORRECT) == set(LABELS) == set(WRONG)
    assert all(len(answers) >= 2 for answers in WRONG.values())


@pytest.mark.parametrize(("label", "answer"), [(label, a) for label in LABELS for a in CORRECT[label]])
def test_correct_answers_pass(label, answer, capsys):
    assert check(label, answer) is True
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {label}: correct")


@pytest.mark.parametrize(("label", "answer"), [(label, a) for label in LABELS for a in WRONG[label]])
def test_wrong_answers_fail_with_a_counterexample(label, answer, capsys):
    assert check(label, answer) is False
    out = capsys.readouterr().out
    assert out.startswith(f"✗ {label}:")
    assert "input:" in out  # the counterexample input ...
    assert "expected" in out  # ... and what the right answer is there


def test_counterexample_names_the_input_and_the_expected_value(capsys):
    check("ex1-squared", lambda x: x.median())
    out = capsys.readouterr().out
    # x = [1, 2, 3, 10]: mean 4, median 2.5 (torch's lower median: 2)
    assert "x = [1.0000, 2.0000, 3.0000, 10.0000]" in out
    assert "expected 4.0000" in out and "returned 2.0000" in out


def test_absolute_even_length_reports_the_whole_interval(capsys):
    check("ex1-absolute", lambda x: x.mean())
    out = capsys.readouterr().out
    assert "any value from 2.0000 to 3.0000" in out


def test_quadratic_reports_the_missing_term(capsys):
    check("ex3-quadratic-features", quad_no_cross_terms_padded)
    out = capsys.readouterr().out
    assert "x1*x2" in out and "X of shape (15, 2)" in out


def test_quadratic_reports_wrong_width(capsys):
    check("ex3-quadratic-features", lambda X: torch.cat([X, X**2], dim=1))
    out = capsys.readouterr().out
    assert "expected (15, 5)" in out  # d = 2: 2 linear terms + 3 products


def test_hints_diagnose_common_slips(capsys):
    check("ex5-laplace-nll", lambda y, y_hat: (y - y_hat).abs().sum())
    assert "log 2" in capsys.readouterr().out
    check("ex8-poisson-nll", lambda r, k: (r.exp() - k * r).sum())
    assert "lgamma" in capsys.readouterr().out


def test_exceptions_in_the_learners_code_are_reported_not_raised(capsys):
    def broken(x):
        raise RuntimeError("not written yet")

    assert check("ex1-squared", broken) is False
    out = capsys.readouterr().out
    assert "raised RuntimeError: not written yet" in out
    assert "input: x =" in out


def test_shape_mismatch_in_compose_is_explained(capsys):
    assert check("ex6-compose", lambda W1, b1, W2, b2: (torch.cat([W1 @ W2, W1 @ W2]), b2)) is False
    out = capsys.readouterr().out
    assert "expected W of shape (2, 2) and b of shape (2,)" in out


def test_unknown_label_lists_the_labels():
    with pytest.raises(ValueError, match="ex1-squared.*ex8-poisson-nll"):
        check("ex9", lambda x: x)


def test_non_callable_answer_is_a_type_error():
    with pytest.raises(TypeError, match="callable"):
        check("ex1-squared", 4.0)


def test_verdict_is_reproducible(capsys):
    check("ex6-compose", lambda W1, b1, W2, b2: (W1 @ W2, b2))
    first = capsys.readouterr().out
    torch.manual_seed(123)  # global state must not matter
    check("ex6-compose", lambda W1, b1, W2, b2: (W1 @ W2, b2))
    assert capsys.readouterr().out == first


def test_package_import_does_not_load_exercises():
    code = "import sys, d2lmini; print('d2lmini.exercises' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
