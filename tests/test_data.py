"""Unit tests for d2lmini.data: synthetic_data, house_data and data_iter.

Truth comes from NumPy (least squares, moments) and from identities that any
correct minibatch iterator satisfies, never from d2lmini's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import gen, numpy_least_squares

import d2lmini

# ---------------------------------------------------------------- synthetic_data


@pytest.mark.parametrize(
    "w, n",
    [
        ([2.0, -3.4], 7),
        ((1.5,), 1),
        (np.array([0.5, 1.0, -2.0, 3.0, 0.0]), 13),
        (torch.tensor([1.0, 2.0], dtype=torch.float64), 4),
        ([3, -1], 5),  # a list of Python ints is a valid weight vector
        ([1.0], np.int64(3)),  # so is a NumPy integer count
    ],
)
def test_synthetic_data_shapes_and_dtype(w, n):
    X, y = d2lmini.synthetic_data(w, 0.5, n, generator=gen())
    d = len(w)
    assert X.shape == (n, d)
    assert y.shape == (n,)
    assert X.dtype == torch.float32
    assert y.dtype == torch.float32


@pytest.mark.parametrize(
    "w, b", [([2.0, -3.4], 4.2), ([0.3], -1.0), ([1.0, 0.0, -1.0, 2.5], 0.0), ([1.0], torch.tensor(4.0))]
)  # the last: a one-element tensor is a valid bias
def test_synthetic_data_noise_zero_gives_exact_labels(w, b):
    X, y = d2lmini.synthetic_data(w, b, 50, noise=0.0, generator=gen(1))
    expected = X.double().numpy() @ np.asarray(w, dtype=np.float64) + float(b)
    np.testing.assert_allclose(y.double().numpy(), expected, rtol=0, atol=1e-5)


def test_synthetic_data_statistics_and_least_squares_recovery():
    w_true, b_true, noise, n = np.array([2.0, -3.4, 0.7]), 4.2, 0.5, 20_000
    X, y = d2lmini.synthetic_data(w_true.tolist(), b_true, n, noise=noise, generator=gen(2))
    Xn = X.double().numpy()
    # features ~ N(0, 1), independent: standard errors are about 1/sqrt(n) = 0.007
    np.testing.assert_allclose(Xn.mean(axis=0), 0.0, atol=0.03)
    np.testing.assert_allclose(Xn.std(axis=0), 1.0, atol=0.03)
    corr = np.corrcoef(Xn, rowvar=False)
    np.testing.assert_allclose(corr[~np.eye(3, dtype=bool)], 0.0, atol=0.05)
    # the residual against the true model is the noise: mean 0, standard deviation `noise`
    residual = y.double().numpy() - (Xn @ w_true + b_true)
    assert abs(residual.mean()) < 0.03
    assert residual.std() == pytest.approx(noise, abs=0.02)
    # least squares recovers the parameters
    w_hat, b_hat, _ = numpy_least_squares(X, y)
    np.testing.assert_allclose(w_hat, w_true, atol=0.02)
    assert b_hat == pytest.approx(b_true, abs=0.02)


def test_synthetic_data_same_seed_same_data_and_different_seed_different_data():
    X1, y1 = d2lmini.synthetic_data([1.0, 2.0], 0.0, 20, generator=gen(5))
    X2, y2 = d2lmini.synthetic_data([1.0, 2.0], 0.0, 20, generator=gen(5))
    X3, _ = d2lmini.synthetic_data([1.0, 2.0], 0.0, 20, generator=gen(6))
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, X3)


def test_synthetic_data_generator_advances_between_calls():
    g = gen(3)
    X1, _ = d2lmini.synthetic_data([1.0], 0.0, 10, generator=g)
    X2, _ = d2lmini.synthetic_data([1.0], 0.0, 10, generator=g)
    assert not torch.equal(X1, X2)


GOOD = {"w": [2.0, -3.4], "b": 4.2, "num_examples": 10, "noise": 0.01}


@pytest.mark.parametrize(
    "change, exc, match",
    [
        ({"w": [[1.0, 2.0]]}, ValueError, r"w must be a 1-D vector"),
        ({"w": 2.0}, ValueError, r"w must be a 1-D vector"),
        ({"w": [1.0, float("nan")]}, ValueError, r"w must be finite"),
        ({"w": [float("inf"), 1.0]}, ValueError, r"w must be finite"),
        ({"w": torch.tensor([1, 2])}, TypeError, r"w must hold floating-point"),
        ({"w": torch.tensor([True, False])}, TypeError, r"w must hold floating-point"),
        ({"w": "ab"}, TypeError, r"w must be a tensor"),
        ({"w": None}, TypeError, r"w must be a tensor"),
        ({"w": [[1.0], [2.0, 3.0]]}, TypeError, r"w must be a tensor"),
        ({"b": float("nan")}, ValueError, r"b must be finite"),
        ({"b": float("-inf")}, ValueError, r"b must be finite"),
        ({"b": "4.2"}, TypeError, r"b must be a real number"),
        ({"b": True}, TypeError, r"b must be a real number"),
        ({"b": None}, TypeError, r"b must be a real number"),
        ({"b": torch.tensor([1.0, 2.0])}, TypeError, r"b must be a real number"),
        ({"num_examples": 0}, ValueError, r"num_examples must be at least 1"),
        ({"num_examples": -5}, ValueError, r"num_examples must be at least 1"),
        ({"num_examples": 10.0}, TypeError, r"num_examples must be an integer"),
        ({"num_examples": True}, TypeError, r"num_examples must be an integer"),
        ({"num_examples": "10"}, TypeError, r"num_examples must be an integer"),
        ({"num_examples": None}, TypeError, r"num_examples must be an integer"),
        ({"noise": -0.1}, ValueError, r"noise must be non-negative"),
        ({"noise": float("nan")}, ValueError, r"noise must be finite"),
        ({"noise": float("inf")}, ValueError, r"noise must be finite"),
        ({"noise": "0.1"}, TypeError, r"noise must be a real number"),
        ({"noise": True}, TypeError, r"noise must be a real number"),
        ({"generator": 0}, TypeError, r"generator must be a torch.Generator"),
        ({"generator": np.random.default_rng(0)}, TypeError, r"generator must be a torch.Generator"),
    ],
)
def test_synthetic_data_rejects_bad_input(change, exc, match):
    kwargs = {**GOOD, **change}
    with pytest.raises(exc, match=match):
        d2lmini.synthetic_data(**kwargs)


# ---------------------------------------------------------------- house_data


def test_house_constants_match_documented_formula():
    assert tuple(d2lmini.HOUSE_WEIGHTS) == (2.0, -1.5)
    assert d2lmini.HOUSE_BIAS == 50.0


def test_house_data_default_size_and_dtype():
    X, price = d2lmini.house_data(generator=gen())
    assert X.shape == (100, 2) and price.shape == (100,)
    assert X.dtype == torch.float32 and price.dtype == torch.float32


def test_house_data_ranges_and_recovery():
    n = 20_000
    X, price = d2lmini.house_data(n, generator=gen(7))
    area, age = X[:, 0].double().numpy(), X[:, 1].double().numpy()
    assert area.min() >= 40.0 and area.max() <= 200.0
    assert age.min() >= 0.0 and age.max() <= 60.0
    # uniform on [a, b]: mean (a+b)/2, sd (b-a)/sqrt(12); standard errors are < 0.4 here
    assert area.mean() == pytest.approx(120.0, abs=2.0)
    assert area.std() == pytest.approx(160.0 / math.sqrt(12), abs=2.0)
    assert age.mean() == pytest.approx(30.0, abs=1.0)
    assert age.std() == pytest.approx(60.0 / math.sqrt(12), abs=1.0)
    w_hat, b_hat, _ = numpy_least_squares(X, price)
    np.testing.assert_allclose(w_hat, [2.0, -1.5], atol=0.05)
    assert b_hat == pytest.approx(50.0, abs=3.0)  # standard error is about 0.5
    residual = price.double().numpy() - (X.double().numpy() @ np.array([2.0, -1.5]) + 50.0)
    assert residual.std() == pytest.approx(20.0, abs=1.0)


def test_house_data_seeded_reproducible():
    a = d2lmini.house_data(5, generator=gen(11))
    b = d2lmini.house_data(5, generator=gen(11))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"num_houses": 0}, ValueError, r"num_houses must be at least 1"),
        ({"num_houses": -3}, ValueError, r"num_houses must be at least 1"),
        ({"num_houses": 1.5}, TypeError, r"num_houses must be an integer"),
        ({"num_houses": True}, TypeError, r"num_houses must be an integer"),
        ({"generator": 42}, TypeError, r"generator must be a torch.Generator"),
    ],
)
def test_house_data_rejects_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        d2lmini.house_data(**kwargs)


# ---------------------------------------------------------------- data_iter


def indexed_data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Row i of X is (i, 10 i) and y_i = i, so every batch says which examples it holds."""
    idx = torch.arange(n, dtype=torch.float32)
    return torch.stack([idx, 10 * idx], dim=1), idx


def labels_seen(batches) -> list[float]:
    """The labels of all batches, in the order the iterator gave them."""
    return torch.cat([yb for _, yb in batches]).tolist()


SIZES = [(10, 3), (10, 5), (10, 10), (10, 1), (7, 20), (1, 1), (100, 7), (64, 8)]


@pytest.mark.parametrize("n, batch_size", SIZES)
@pytest.mark.parametrize("shuffle", [True, False])
def test_data_iter_covers_every_example_once_with_right_batch_sizes(n, batch_size, shuffle):
    X, y = indexed_data(n)
    batches = list(d2lmini.data_iter(X, y, batch_size, shuffle=shuffle, generator=gen(n)))
    assert len(batches) == math.ceil(n / batch_size)
    sizes = [len(yb) for _, yb in batches]
    expected_last = n % batch_size or min(batch_size, n)
    assert sizes[:-1] == [batch_size] * (len(batches) - 1)
    assert sizes[-1] == expected_last
    seen = labels_seen(batches)
    assert sorted(seen) == list(range(n))
    if not shuffle:  # and without shuffling, in order
        assert seen == list(range(n))
    for Xb, yb in batches:  # features stay paired with their labels
        assert Xb.shape == (len(yb), 2)
        assert torch.equal(Xb[:, 0], yb) and torch.equal(Xb[:, 1], 10 * yb)


def test_data_iter_same_seed_same_order_different_seed_different_order():
    X, y = indexed_data(100)

    def order(seed):
        return labels_seen(d2lmini.data_iter(X, y, 16, generator=gen(seed)))

    assert order(0) == order(0)
    assert order(0) != order(1)
    assert order(0) != list(range(100))  # shuffling actually happened


@pytest.mark.parametrize("n", [3, 10])
def test_data_iter_shuffles_small_datasets_too(n):
    X, y = indexed_data(n)
    orders = {tuple(labels_seen(d2lmini.data_iter(X, y, 2, generator=gen(s)))) for s in range(8)}
    assert len(orders) > 1  # 8 seeds giving one order for n >= 3 would mean no shuffle


def test_data_iter_without_generator_uses_global_rng_and_still_covers_everything():
    X, y = indexed_data(30)
    assert sorted(labels_seen(d2lmini.data_iter(X, y, 4))) == list(range(30))


def test_data_iter_keeps_float64_and_accepts_lists():
    X = torch.ones(5, 2, dtype=torch.float64)
    Xb, yb = next(iter(d2lmini.data_iter(X, torch.zeros(5, dtype=torch.float64), 5)))
    assert Xb.dtype == torch.float64 and yb.dtype == torch.float64
    batches = list(d2lmini.data_iter([[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0], 2, shuffle=False))
    assert [b[1].tolist() for b in batches] == [[1.0, 2.0], [3.0]]


GOOD_X, GOOD_Y = indexed_data(6)


@pytest.mark.parametrize(
    "X, y, batch_size, kwargs, exc, match",
    [
        (GOOD_Y, GOOD_Y, 2, {}, ValueError, r"X must be a 2-D matrix"),
        (GOOD_X, GOOD_X, 2, {}, ValueError, r"y must be a 1-D vector"),
        (GOOD_X, GOOD_Y[:5], 2, {}, ValueError, r"X and y must have the same number of examples, got 6 and 5"),
        (torch.full((6, 2), float("nan")), GOOD_Y, 2, {}, ValueError, r"X must be finite"),
        (GOOD_X, torch.full((6,), float("inf")), 2, {}, ValueError, r"y must be finite"),
        (GOOD_X.long(), GOOD_Y, 2, {}, TypeError, r"X must hold floating-point"),
        (GOOD_X, GOOD_Y > 2, 2, {}, TypeError, r"y must hold floating-point"),
        (GOOD_X, GOOD_Y, 0, {}, ValueError, r"batch_size must be at least 1"),
        (GOOD_X, GOOD_Y, -1, {}, ValueError, r"batch_size must be at least 1"),
        (GOOD_X, GOOD_Y, 2.0, {}, TypeError, r"batch_size must be an integer"),
        (GOOD_X, GOOD_Y, True, {}, TypeError, r"batch_size must be an integer"),
        (GOOD_X, GOOD_Y, "2", {}, TypeError, r"batch_size must be an integer"),
        (GOOD_X, GOOD_Y, None, {}, TypeError, r"batch_size must be an integer"),
        (GOOD_X, GOOD_Y, 2, {"generator": "seed"}, TypeError, r"generator must be a torch.Generator"),
        (torch.ones(0, 2), torch.ones(0), 1, {}, ValueError, r"X and y must hold at least one example"),
    ],
)
def test_data_iter_rejects_bad_input_eagerly(X, y, batch_size, kwargs, exc, match):
    # the error comes from the call itself, before any iteration
    with pytest.raises(exc, match=match):
        d2lmini.data_iter(X, y, batch_size, **kwargs)


# ---------------------------------------------------------------- issue 11: no silent casts, sizes checked up front


def test_synthetic_data_refuses_values_beyond_float32():
    with pytest.raises(ValueError, match=r"^w holds values as large as 1e\+300 in magnitude, beyond the range of torch.float32"):
        d2lmini.synthetic_data(torch.tensor([1e300], dtype=torch.float64), 0.0, 5)
    with pytest.raises(ValueError, match=r"^b=1e\+300 is beyond the range of float32"):
        d2lmini.synthetic_data([1.0], 1e300, 5)  # the labels were silently inf
    with pytest.raises(ValueError, match=r"^noise=1e\+300 is beyond the range of float32"):
        d2lmini.synthetic_data([1.0], 0.0, 5, noise=1e300)
    with pytest.raises(ValueError, match=r"^w, b and noise give labels beyond the range of float32"):
        d2lmini.synthetic_data([3e38], 0.0, 50, generator=gen())  # some |x| > 1.13 among 50 normal draws


def test_synthetic_data_labels_carry_no_graph_from_w():
    w = torch.tensor([2.0, -1.0], requires_grad=True)
    X, y = d2lmini.synthetic_data(w, 0.5, 6, noise=0.0, generator=gen())
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_allclose(y.numpy(), X.numpy() @ np.array([2.0, -1.0]) + 0.5, rtol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: d2lmini.synthetic_data([1.0], 0.0, 10**13), r"^num_examples=10,000,000,000,000 would need 20,000,000,000,000 numbers for X and y"),
        (lambda: d2lmini.synthetic_data([1.0] * 10, 0.0, 10**8), r"^num_examples=100,000,000 would need 1,100,000,000 numbers"),
        (lambda: d2lmini.house_data(10**12), r"^num_houses=1,000,000,000,000 would need 3,000,000,000,000 numbers"),
    ],
)
def test_data_sizes_are_checked_before_allocating(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("shuffle", [True, False])
def test_data_iter_batches_are_copies_in_both_orders(shuffle):
    X, y = indexed_data(6)
    X_before, y_before = X.clone(), y.clone()
    for Xb, yb in d2lmini.data_iter(X, y, 4, shuffle=shuffle, generator=gen()):
        Xb.zero_()
        yb.fill_(-1.0)
    assert torch.equal(X, X_before) and torch.equal(y, y_before)


@pytest.mark.parametrize("flag", ["no", 0, 1, None, torch.tensor(False)])
def test_data_iter_shuffle_must_be_a_bool(flag):
    with pytest.raises(TypeError, match=r"^shuffle must be True or False, got "):
        d2lmini.data_iter(*indexed_data(4), 2, shuffle=flag)
