"""Tests for d2lmini.exercises.check: right answers pass, wrong ones fail with a counterexample.

The answers below are written independently of the module (NumPy, math, torch.distributions),
so a wrong reference inside ``check`` would make a correct answer fail here.  Answers that try
to fool the check (tensor subclasses, complex, sparse or meta tensors, objects whose methods
raise, huge results) must get a short verdict, never a pass or a traceback, and each common
slip must get its hint while right answers and other slips do not.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import imported_by

from d2lmini import exercises
from d2lmini.exercises import LABELS, check

ROOT = Path(__file__).resolve().parent.parent


def verdict_of(label, answer, capsys):
    """Run check; return (passed, printed text). check must never raise for any answer."""
    passed = bool(check(label, answer))
    return passed, capsys.readouterr().out

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
    layer = lambda x: (x @ W1 + b1) @ W2 + b2
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


def mean_as_parameter(x):
    return torch.nn.Parameter(x.mean())  # a tensor subclass that does not lie is fine


def augment_cat(X):
    return torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)


def augment_numpy(X):
    return np.hstack([X.numpy(), np.ones((X.shape[0], 1))])


def augment_pad(X):
    return torch.nn.functional.pad(X, (0, 1), value=1.0)


def gram_numpy(X, sigma):
    A = X.numpy()
    extra = np.diag([A.shape[0] * sigma**2] * (A.shape[1] - 1) + [0.0])
    return A.T @ A + extra


def gram_by_hand(X, sigma):
    # entry (j, k): sum_i (x_ij + e_ij)(x_ik + e_ik); only e_ij^2 survives the expectation, and only off the ones
    n, m = X.shape
    rows = X.tolist()
    out = [[sum(r[j] * r[k] for r in rows) for k in range(m)] for j in range(m)]
    for j in range(m - 1):
        out[j][j] += n * sigma * sigma
    return torch.tensor(out)


def min_norm_lstsq(X, y):
    return np.linalg.lstsq(X.numpy(), y.numpy(), rcond=None)[0]


def min_norm_svd(X, y):
    U, s, Vt = np.linalg.svd(X.numpy(), full_matrices=False)
    keep = s > s.max() * max(X.shape) * np.finfo(float).eps
    return Vt[keep].T @ ((U[:, keep].T @ y.numpy()) / s[keep])


def min_norm_small_ridge(X, y):
    A, b = X.numpy(), y.numpy()
    return np.linalg.solve(A.T @ A + 1e-10 * np.eye(A.shape[1]), A.T @ b)


def log_price_numpy(X, price):
    A = np.hstack([X.numpy(), np.ones((X.shape[0], 1))])
    u = np.linalg.lstsq(A, np.log(price.numpy()), rcond=None)[0]
    return u[:-1], float(u[-1])


def log_price_normal_equations(X, price):
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
    u = torch.linalg.solve(A.T @ A, A.T @ price.log())
    return [u[:-1], u[-1]]  # a list is as good a pair as a tuple


def standard_errors_statsmodels(X, y):
    sm = pytest.importorskip("statsmodels.api", reason="statsmodels (test-only) is not installed here")
    return sm.OLS(y.numpy(), np.column_stack([X.numpy(), np.ones(len(X))])).fit().bse


def standard_errors_by_hand(X, y):
    A = np.column_stack([X.numpy(), np.ones(len(X))])
    coef = np.linalg.lstsq(A, y.numpy(), rcond=None)[0]
    residual = y.numpy() - A @ coef
    sigma2 = residual @ residual / (A.shape[0] - A.shape[1])
    return np.sqrt(sigma2 * np.diag(np.linalg.inv(A.T @ A)))


def standard_errors_with(divisor):
    """Standard errors with RSS divided by divisor(n, d) instead of n - d - 1 (a slip when divisor is another)."""

    def answer(X, y):
        A = np.column_stack([X.numpy(), np.ones(len(X))])
        coef = np.linalg.lstsq(A, y.numpy(), rcond=None)[0]
        residual = y.numpy() - A @ coef
        return np.sqrt(residual @ residual / divisor(*X.shape) * np.diag(np.linalg.inv(A.T @ A)))

    return answer


def r_squared_numpy(y, y_hat):
    y, y_hat = y.numpy(), y_hat.numpy()
    return 1 - np.sum((y - y_hat) ** 2) / np.sum((y - np.mean(y)) ** 2)


def r_squared_by_variances(y, y_hat):
    return 1 - torch.var(y - y_hat, correction=0) / torch.var(y, correction=0) - (y - y_hat).mean() ** 2 / torch.var(
        y, correction=0
    )


def unstandardise_by_hand(w_s, b_s, mean, std):
    w = [a / s for a, s in zip(w_s.tolist(), std.tolist())]
    return torch.tensor(w), float(b_s) - sum(a * m for a, m in zip(w, mean.tolist()))


def unstandardise_by_probing(w_s, b_s, mean, std):
    # evaluate the standardised model at x = 0 and at the unit vectors: an affine map is fixed by them
    model = lambda x: ((x - mean) / std) @ w_s + b_s
    d = len(w_s)
    b = model(torch.zeros(d, dtype=w_s.dtype))
    return model(torch.eye(d, dtype=w_s.dtype)) - b, b


CORRECT = {
    "ex9.1-standard-errors": [standard_errors_statsmodels, standard_errors_by_hand],
    "ex9.2-r-squared": [r_squared_numpy, r_squared_by_variances, lambda y, y_hat: 1 - ((y - y_hat) ** 2).mean() / y.var(correction=0)],
    "ex9.3-unstandardise": [unstandardise_by_hand, unstandardise_by_probing],
    "ex1-squared": [
        lambda x: x.mean(),
        mean_numpy,
        mean_by_hand,
        mean_as_one_element_float32,
        mean_then_vandalise,
        mean_as_parameter,
    ],
    "ex1-absolute": [lambda x: x.median(), lower_median, upper_median, midpoint_median, between_the_middles],
    "ex3-quadratic-features": [
        quad_reference_order,
        quad_numpy_shuffled_scaled,
        quad_other_basis,
        quad_upper_triangle_loop,
        quad_float32,
    ],
    "ex2-augment": [augment_cat, augment_numpy, augment_pad],
    "ex4-noisy-gram": [gram_numpy, gram_by_hand],
    "ex4-min-norm": [min_norm_lstsq, min_norm_svd, min_norm_small_ridge, lambda X, y: torch.linalg.pinv(X) @ y],
    "ex5-laplace-nll": [laplace_math, laplace_torch_float32, laplace_distribution],
    "ex7-log-price": [log_price_numpy, log_price_normal_equations],
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


def gram_noise_on_the_ones_too(X, sigma):
    return X.T @ X + len(X) * sigma**2 * torch.eye(X.shape[1], dtype=X.dtype)


def min_norm_plus_null_vector(X, y):
    w = torch.linalg.pinv(X) @ y
    null = torch.linalg.svd(X).Vh[-1]  # a direction with X v = 0 when X is rank deficient
    return w + null if X.shape[1] > torch.linalg.matrix_rank(X) else w + 1.0


def min_norm_ridge_too_strong(X, y):
    return torch.linalg.solve(X.T @ X + torch.eye(X.shape[1], dtype=X.dtype), X.T @ y)


def log_price_on_the_price(X, price):
    A = np.hstack([X.numpy(), np.ones((X.shape[0], 1))])
    u = np.linalg.lstsq(A, price.numpy(), rcond=None)[0]
    return u[:-1], u[-1]


def log_price_base_ten(X, price):
    A = np.hstack([X.numpy(), np.ones((X.shape[0], 1))])
    u = np.linalg.lstsq(A, np.log10(price.numpy()), rcond=None)[0]
    return u[:-1], u[-1]


WRONG = {
    "ex9.1-standard-errors": [
        standard_errors_with(lambda n, d: n),
        lambda X, y: torch.zeros(X.shape[1]),
        lambda X, y: torch.tensor(standard_errors_by_hand(X, y)) ** 2,
    ],
    "ex9.2-r-squared": [
        lambda y, y_hat: float(np.corrcoef(y.numpy(), y_hat.numpy())[0, 1] ** 2),
        lambda y, y_hat: ((y - y_hat) ** 2).sum() / ((y - y.mean()) ** 2).sum(),
        lambda y, y_hat: 1 - ((y - y_hat) ** 2).sum() / (y**2).sum(),
    ],
    "ex9.3-unstandardise": [
        lambda w_s, b_s, mean, std: (w_s * std, b_s),
        lambda w_s, b_s, mean, std: (w_s / std, b_s),
        lambda w_s, b_s, mean, std: (w_s / std, b_s + (w_s / std * mean).sum()),
        lambda w_s, b_s, mean, std: w_s / std,
    ],
    "ex1-squared": [lambda x: x.median(), lambda x: x[0], lambda x: x.sum(), lambda x: "4"],
    "ex2-augment": [
        lambda X: X,
        lambda X: torch.cat([torch.ones(len(X), 1, dtype=X.dtype), X], dim=1),
        lambda X: torch.cat([X, torch.zeros(len(X), 1, dtype=X.dtype)], dim=1),
        lambda X: torch.cat([X, torch.ones(1, X.shape[1], dtype=X.dtype)], dim=0),
    ],
    "ex4-noisy-gram": [
        lambda X, sigma: X.T @ X,
        gram_noise_on_the_ones_too,
        lambda X, sigma: X.T @ X + sigma**2,
    ],
    "ex4-min-norm": [
        lambda X, y: torch.zeros(X.shape[1], dtype=X.dtype),
        min_norm_plus_null_vector,
        min_norm_ridge_too_strong,
    ],
    "ex7-log-price": [log_price_on_the_price, log_price_base_ten, lambda X, price: (X[0], price.log().mean())],
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
    assert len(LABELS) == 13
    assert all(len(answers) >= 2 for answers in WRONG.values())


@pytest.mark.parametrize(("label", "answer"), [(label, a) for label in LABELS for a in CORRECT[label]])
def test_correct_answers_pass(label, answer, capsys):
    passed, out = verdict_of(label, answer, capsys)
    assert passed is True
    assert out.startswith(f"✓ {label}: correct")


@pytest.mark.parametrize(("label", "answer"), [(label, a) for label in LABELS for a in WRONG[label]])
def test_wrong_answers_fail_with_a_counterexample(label, answer, capsys):
    passed, out = verdict_of(label, answer, capsys)
    assert passed is False
    assert out.startswith(f"✗ {label}:")
    assert "input:" in out  # the counterexample input ...
    assert "expected" in out  # ... and what the right answer is there


def not_written_yet(x):
    raise RuntimeError("not written yet")


def row_bias(W1, b1, W2, b2):
    return W1 @ W2, (b1 @ W2 + b2).reshape(1, -1)  # right values, shape (1, q): x @ W + b would broadcast


@pytest.mark.parametrize(
    ("label", "answer", "fragments"),
    [
        # x = [1, 2, 3, 10]: mean 4, median 2.5 (torch's lower median: 2)
        pytest.param("ex1-squared", lambda x: x.median(),
                     ["x = [1.0000, 2.0000, 3.0000, 10.0000]", "expected 4.0000", "returned 2.0000"],
                     id="counterexample-names-input-expected-and-returned"),
        pytest.param("ex1-absolute", lambda x: x.mean(), ["any value from 2.0000 to 3.0000"],
                     id="absolute-even-length-reports-the-whole-interval"),
        pytest.param("ex3-quadratic-features", quad_no_cross_terms_padded, ["x1*x2", "X of shape (15, 2)"],
                     id="quadratic-reports-the-missing-term"),
        # d = 2: 2 linear terms + 3 products
        pytest.param("ex3-quadratic-features", lambda X: torch.cat([X, X**2], dim=1), ["expected (15, 5)"],
                     id="quadratic-reports-wrong-width"),
        pytest.param("ex1-squared", not_written_yet, ["raised RuntimeError: not written yet", "input: x ="],
                     id="exception-in-learners-code-is-reported-not-raised"),
        pytest.param("ex6-compose", lambda W1, b1, W2, b2: (torch.cat([W1 @ W2, W1 @ W2]), b2),
                     ["expected W of shape (2, 2) and b of shape (2,)"], id="compose-shape-mismatch-is-explained"),
        pytest.param("ex6-compose", row_bias, ["b (1, 2); expected W of shape (2, 2) and b of shape (2,)"],
                     id="bias-of-wrong-shape-does-not-pass-by-broadcasting"),
    ],
)
def test_a_failing_verdict_explains_what_is_wrong(label, answer, fragments, capsys):
    passed, out = verdict_of(label, answer, capsys)
    assert not passed
    for fragment in fragments:
        assert fragment in out


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
    assert not imported_by("import d2lmini", "d2lmini.exercises")


# ---------------------------------------------------------------- answers that try to fool or break the check


class AllCloseLiar(torch.Tensor):
    """A tensor subclass whose __torch_function__ says every comparison is close."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.Tensor.allclose, torch.isclose, torch.Tensor.isclose):
            return True if func in (torch.allclose, torch.Tensor.allclose) else torch.tensor(True)
        return super().__torch_function__(func, types, args, kwargs or {})


class ZeroDispatch(torch.Tensor):
    """A wrapper subclass whose every operation returns zeros: its values cannot be trusted."""

    @staticmethod
    def __new__(cls, shape):
        return torch.Tensor._make_wrapper_subclass(cls, shape, dtype=torch.float64)

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return torch.zeros(1)


class ReprRaises:
    def __repr__(self):
        raise RuntimeError("no repr for you")

    __str__ = __repr__


class LenRaises(tuple):
    def __len__(self):
        raise RuntimeError("no len for you")


class StrRaises(Exception):
    def __str__(self):
        raise RuntimeError("no message")


def test_a_tensor_subclass_cannot_fool_allclose(capsys):
    assert torch.allclose(torch.tensor(123.0).as_subclass(AllCloseLiar), torch.tensor(4.0))  # the trap is real
    passed, out = verdict_of("ex1-squared", lambda x: torch.tensor(123.0).as_subclass(AllCloseLiar), capsys)
    assert not passed and "expected 4.0000, your function returned 123.0000" in out
    liar_pair = lambda W1, b1, W2, b2: (W2.as_subclass(AllCloseLiar), b2.as_subclass(AllCloseLiar))
    assert verdict_of("ex6-compose", liar_pair, capsys)[0] is False
    honest = lambda x: x.mean().as_subclass(AllCloseLiar)
    assert verdict_of("ex1-squared", honest, capsys)[0] is True


def test_a_tensor_subclass_that_overrides_dispatch_is_refused(capsys):
    passed, out = verdict_of("ex1-squared", lambda x: ZeroDispatch(()), capsys)
    assert not passed and "cannot judge" in out and "dispatch" in out


@pytest.mark.parametrize(
    ("label", "answer", "words"),
    [
        ("ex1-squared", lambda x: np.complex128(float(x.mean()) + 1j), "complex"),
        ("ex1-squared", lambda x: np.array([float(x.mean())], dtype=np.complex64), "complex"),
        ("ex1-squared", lambda x: x.mean().to(torch.complex128), "complex"),
        ("ex1-squared", lambda x: complex(float(x.mean()), 0.0), "complex"),
        ("ex1-squared", lambda x: torch.empty((), device="meta"), "meta"),
        ("ex1-squared", lambda x: x.mean().reshape(1).to_sparse(), "sparse"),
        ("ex3-quadratic-features", lambda X: quad_reference_order(X).to_sparse(), "sparse"),
        ("ex1-squared", lambda x: x.mean() > 0, "bool"),
        ("ex1-squared", lambda x: True, "boolean"),
        ("ex1-squared", lambda x: np.array(["4.0"]), "dtype <U3"),
        ("ex1-squared", lambda x: 10**400, "too large"),
        ("ex1-squared", lambda x: ReprRaises(), "__repr__ raised RuntimeError"),
        ("ex6-compose", lambda W1, b1, W2, b2: LenRaises((W2, b2)), "your single layer differs"),
        ("ex6-compose", lambda W1, b1, W2, b2: ReprRaises(), "expected a pair (W, b)"),
        ("ex1-squared", lambda x: float("nan"), "NaN"),
    ],
)
def test_unjudgeable_answers_get_a_verdict_not_an_exception(label, answer, words, capsys):
    passed, out = verdict_of(label, answer, capsys)
    assert not passed
    assert out.startswith(f"✗ {label}:") and out.count("✗") == 1
    assert words in out


def test_a_nested_list_of_the_right_shape_is_told_to_become_a_tensor(capsys):
    passed, out = verdict_of("ex3-quadratic-features", lambda X: quad_reference_order(X).tolist(), capsys)
    assert not passed
    assert "Python list of the right shape (8, 2); convert it to a tensor" in out
    assert "expected (8, 2)" not in out and "expected a matrix" not in out
    passed, out = verdict_of("ex2-augment", lambda X: augment_cat(X).tolist(), capsys)
    assert not passed and "right shape (3, 3); convert it to a tensor" in out


@pytest.mark.parametrize(
    ("label", "answer"),
    [
        ("ex1-squared", lambda x: torch.arange(1_000_000.0).reshape(1000, 1000)),
        ("ex3-quadratic-features", lambda X: torch.arange(1_000_000.0).reshape(1000, 1000)),
        ("ex3-quadratic-features", lambda X: [[0.5] * 1000] * 1000),
        ("ex6-compose", lambda W1, b1, W2, b2: (torch.zeros(1000, 1000), torch.zeros(1000))),
        ("ex2-augment", lambda X: np.zeros((1000, 1000))),
        ("ex1-squared", lambda x: "4" * 1_000_000),
    ],
)
def test_a_large_answer_is_described_in_a_few_short_lines(label, answer, capsys):
    passed, out = verdict_of(label, answer, capsys)
    assert not passed
    assert len(out.splitlines()) <= 8 and max(len(line) for line in out.splitlines()) <= 300
    assert "(1000, 1000)" in out or "(1000,)" in out or "str" in out


def test_a_huge_or_broken_error_message_is_cut_short(capsys):
    def loud(x):
        raise ValueError("x" * 1_000_000)

    def mute(x):
        raise StrRaises()

    passed, out = verdict_of("ex1-squared", loud, capsys)
    assert not passed and "raised ValueError: xxx" in out and len(out) < 600
    passed, out = verdict_of("ex1-squared", mute, capsys)
    assert not passed and "raised StrRaises" in out


def test_a_verdict_prints_once_and_displays_nothing_in_a_notebook(capsys):
    from IPython.core.formatters import DisplayFormatter

    for answer in (lambda x: x[0], lambda x: x.mean()):
        verdict = check("ex1-squared", answer)
        out = capsys.readouterr().out
        assert out.count("ex1-squared:") == 1
        assert DisplayFormatter().format(verdict) == ({}, {})  # no "Out[..]: False" box under the report
        assert isinstance(verdict, exercises.Verdict)
        assert verdict.message == out.rstrip("\n") and verdict.label == "ex1-squared"


# ---------------------------------------------------------------- hints for common slips


def poisson_torch_full(log_rate, k):
    return torch.nn.functional.poisson_nll_loss(log_rate, k, log_input=True, full=True, reduction="sum")


def poisson_torch_full_mean(log_rate, k):
    return torch.nn.functional.poisson_nll_loss(log_rate, k, log_input=True, full=True)


def poisson_exact(log_rate, k):
    return (log_rate.exp() - k * log_rate + torch.lgamma(k + 1)).sum()


def gram_with_factor(X, factor):
    """X^T X plus factor on the diagonal entries of the feature columns (not on the last, the ones)."""
    A = X.numpy()
    return A.T @ A + factor * np.diag([1.0] * (A.shape[1] - 1) + [0.0])


HINTS = [
    # (label, the slip, text of its hint, a right answer, another wrong answer without this hint)
    ("ex1-squared", lambda x: x.sum() / (len(x) - 1), "n - 1", lambda x: x.mean(), lambda x: x.median()),
    ("ex5-laplace-nll", lambda y, y_hat: (y - y_hat).abs().sum(), "each example also contributes log 2",
     laplace_distribution, lambda y, y_hat: (math.log(2) + (y - y_hat).abs()).mean()),
    ("ex5-laplace-nll", lambda y, y_hat: (math.log(0.5) + (y - y_hat).abs()).sum(), "not log(0.5)",
     laplace_math, lambda y, y_hat: (y - y_hat).abs().sum()),
    ("ex8-poisson-nll", lambda r, k: (r.exp() - k * r).sum(), "you left out the log k! term (torch.lgamma(k + 1))",
     poisson_math, poisson_torch_full),
    ("ex8-poisson-nll", poisson_torch_full, "Stirling", poisson_exact, lambda r, k: (r.exp() - k * r).sum()),
    ("ex8-poisson-nll", poisson_torch_full_mean, "averages by default", poisson_exact, poisson_torch_full),
    ("ex4-noisy-gram", gram_noise_on_the_ones_too, "receives no noise", gram_numpy, lambda X, s: X.T @ X),
    ("ex4-noisy-gram", lambda X, s: gram_with_factor(X, s**2), "not sigma^2", gram_numpy, gram_noise_on_the_ones_too),
    ("ex4-noisy-gram", lambda X, s: gram_with_factor(X, (len(X) - 1) * s**2), "you used n - 1", gram_by_hand,
     lambda X, s: X.T @ X),
    ("ex4-min-norm", min_norm_plus_null_vector, "is longer", min_norm_lstsq, min_norm_ridge_too_strong),
    ("ex7-log-price", log_price_on_the_price, "fit log(price) instead", log_price_numpy, log_price_base_ten),
    ("ex7-log-price", log_price_base_ten, "natural logarithm", log_price_numpy, log_price_on_the_price),
    ("ex2-augment", lambda X: torch.cat([torch.ones(len(X), 1, dtype=X.dtype), X], dim=1),
     "put the column of ones last", augment_cat, lambda X: torch.nn.functional.pad(X, (0, 1), value=0.0)),
    ("ex2-augment", lambda X: torch.cat([X, torch.ones(1, X.shape[1], dtype=X.dtype)], dim=0), "you added a row",
     augment_numpy, lambda X: X),
    ("ex9.1-standard-errors", standard_errors_with(lambda n, d: n), "you divided the sum of squared residuals by n",
     standard_errors_by_hand, standard_errors_with(lambda n, d: n - d)),
    ("ex9.1-standard-errors", standard_errors_with(lambda n, d: n - d), "the bias is a coefficient too",
     standard_errors_by_hand, standard_errors_with(lambda n, d: n)),
    ("ex9.1-standard-errors", lambda X, y: torch.tensor(standard_errors_by_hand(X, y)) ** 2, "those are the variances",
     standard_errors_by_hand, standard_errors_with(lambda n, d: n)),
    ("ex9.2-r-squared", lambda y, y_hat: float(np.corrcoef(y.numpy(), y_hat.numpy())[0, 1] ** 2),
     "squared correlation", r_squared_numpy, lambda y, y_hat: 1 - ((y - y_hat) ** 2).sum() / (y**2).sum()),
    ("ex9.2-r-squared", lambda y, y_hat: 1 - ((y - y_hat) ** 2).sum() / (y**2).sum(), "around the mean of y",
     r_squared_numpy, lambda y, y_hat: ((y - y_hat) ** 2).sum() / ((y - y.mean()) ** 2).sum()),
    ("ex9.3-unstandardise", lambda w_s, b_s, mean, std: (w_s * std, b_s), "its weight is divided by it too",
     unstandardise_by_hand, lambda w_s, b_s, mean, std: (w_s / std, b_s)),
    ("ex9.3-unstandardise", lambda w_s, b_s, mean, std: (w_s / std, b_s), "the bias must absorb",
     unstandardise_by_probing, lambda w_s, b_s, mean, std: (w_s * std, b_s)),
    ("ex9.3-unstandardise", lambda w_s, b_s, mean, std: (w_s / std, b_s + (w_s / std * mean).sum()), "check the sign",
     unstandardise_by_hand, lambda w_s, b_s, mean, std: (w_s / std, b_s)),
]


@pytest.mark.parametrize(("label", "slip", "hint", "right", "other"), HINTS)
def test_a_common_slip_gets_its_hint_and_nothing_else_does(label, slip, hint, right, other, capsys):
    passed, out = verdict_of(label, slip, capsys)
    assert not passed and hint in out
    passed, out = verdict_of(label, right, capsys)
    assert passed and hint not in out
    passed, out = verdict_of(label, other, capsys)
    assert not passed and hint not in out


def test_torchs_stirling_term_is_what_the_hint_says():
    # poisson_nll_loss(full=True) adds k log k - k + log(2 pi k) / 2 for k > 1 (independent of d2lmini)
    k, log_rate = torch.tensor([9.0, 1.0, 0.0], dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    stirling = 9 * math.log(9) - 9 + 0.5 * math.log(2 * math.pi * 9)
    assert float(poisson_torch_full(log_rate, k)) == pytest.approx(3 - 9 * 0 + stirling)
    assert abs(stirling - math.lgamma(10)) > 1e-3  # far above check's tolerance: the slip is caught


# ---------------------------------------------------------------- the chapter uses a check for every exercise


@pytest.mark.parametrize(
    ("chapter", "count", "prefix"),
    [("08-exercises", 8, "ex{number}-"), ("09-uncertainty", 3, "ex9.{number}-")],
)  # chapter 8's exercise N checks ex<N>-..., chapter 9's exercise N checks ex9.<N>-...
def test_every_exercise_in_the_chapter_has_a_self_check(chapter, count, prefix):
    text = (ROOT / "chapters" / f"{chapter}.md").read_text()
    # the part of the chapter that a learner sees before opening each solution
    parts = re.split(r"^### Exercise \d+", text, flags=re.MULTILINE)[1:]
    assert len(parts) == count
    labels_seen = []
    for number, part in enumerate(parts, 1):
        before_solution = part.split("{solution-start}")[0]
        labels = re.findall(r'check\("([^"]+)"', before_solution)
        assert labels, f"exercise {number} has no self-check before its solution"
        assert all(label.startswith(prefix.format(number=number)) for label in labels)
        labels_seen += labels
    this_chapter = re.compile(re.escape(prefix).replace(re.escape("{number}"), r"\d+"))
    assert sorted(set(labels_seen)) == sorted(label for label in LABELS if this_chapter.match(label))
