"""Unit tests for d2lmini._validation: as_float_tensor and the check_* helpers behind every entry point.

Truth is written by hand: the values a conversion must give, and for each bad input the
error it must raise, naming the argument. Two tests go through public functions
(synthetic_data, fit_least_squares, fit_sgd) to check that their entry points use these checks.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import without_matmul

import d2lmini
from d2lmini import _validation as v

# ---------------------------------------------------------------- as_float_tensor


def test_as_float_tensor_converts_sequences_and_numpy_to_float32():
    for value in ([1, 2, 3], (1.0, 2.0, 3.0), np.array([1.0, 2.0, 3.0]), np.array([1, 2, 3])):
        t = v.as_float_tensor("a", value)
        assert t.dtype == torch.float32 and t.tolist() == [1.0, 2.0, 3.0]
    assert v.as_float_tensor("a", 2.5, ndim=0).item() == 2.5


def test_as_float_tensor_keeps_float_tensors_as_they_are():
    t = torch.ones(3, dtype=torch.float64, requires_grad=True)
    assert v.as_float_tensor("a", t) is t


def test_as_float_tensor_accepts_empty_tensors():
    assert v.as_float_tensor("a", torch.empty(0, 3), ndim=2).shape == (0, 3)


@pytest.mark.parametrize(
    "value, ndim, exc, match",
    [
        (torch.ones(2), 0, ValueError, r"^a must be a scalar, got shape \(2,\)$"),
        (torch.ones(2, 2), 1, ValueError, r"^a must be a 1-D vector, got shape \(2, 2\)$"),
        (torch.ones(2), 2, ValueError, r"^a must be a 2-D matrix, got shape \(2,\)$"),
        (torch.ones(2), 3, ValueError, r"^a must be 3-D, got shape \(2,\)$"),
        (torch.tensor([1.0, float("nan"), float("inf")]), None, ValueError, r"a must be finite, but 2 of its 3"),
        (torch.tensor([1, 2], dtype=torch.int32), None, TypeError, r"a must hold floating-point.*a\.float\(\)"),
        (torch.tensor([1j]), None, TypeError, r"a must hold floating-point"),
        (b"12", None, TypeError, r"a must be a tensor, array or sequence of numbers, got bytes"),
        (object(), None, TypeError, r"a must be a tensor, array or sequence of numbers, got object"),
        (torch.ones(2, device="meta"), None, TypeError, r"^a is a meta tensor, which has a shape but no values"),
        # issue 11: complex NumPy data and Python numbers are refused like complex tensors, never cast
        *((value, None, TypeError, r"^a must hold real numbers")
          for value in (np.array([1.0 + 2.0j]), np.array([1.0 + 0.0j, 2.0]), np.complex128(1.0), [np.complex64(1.0)],
                        [1.0, 2.0j], 1j)),
        # issue 11: finite values beyond float32 are called what they are, not turned into inf
        *((value, None, ValueError, r"^a holds values as large as 1e\+(300|39) in magnitude, beyond the range of torch.float32")
          for value in (np.array([1.0, 1e300]), [1e300], [-(10**39)], 1e39)),
    ],
)
def test_as_float_tensor_rejects(value, ndim, exc, match):
    with pytest.raises(exc, match=match):
        v.as_float_tensor("a", value, ndim=ndim)

# ---------------------------------------------------------------- scalar checks


def test_check_positive_int():
    assert v.check_positive_int("k", 3) == 3
    out = v.check_positive_int("k", np.int64(4))
    assert out == 4 and type(out) is int
    for bad, exc in [(0, ValueError), (-2, ValueError), (1.0, TypeError), (False, TypeError), ("1", TypeError)]:
        with pytest.raises(exc, match=r"^k must be"):
            v.check_positive_int("k", bad)


def test_check_positive_float():
    assert v.check_positive_float("lr", 2) == 2.0 and type(v.check_positive_float("lr", 2)) is float
    assert v.check_positive_float("lr", torch.tensor(0.5)) == 0.5
    assert v.check_positive_float("s", 0.0, allow_zero=True) == 0.0
    with pytest.raises(ValueError, match=r"lr must be positive, got 0.0"):
        v.check_positive_float("lr", 0.0)
    with pytest.raises(ValueError, match=r"s must be non-negative, got -1.0"):
        v.check_positive_float("s", -1.0, allow_zero=True)
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError, match=r"lr must be finite"):
            v.check_positive_float("lr", bad)


def test_check_real():
    assert v.check_real("m", -3) == -3.0
    assert v.check_real("m", np.float32(1.5)) == 1.5
    for bad in (True, "1", None, torch.ones(2), [1.0]):
        with pytest.raises(TypeError, match=r"^m must be a real number"):
            v.check_real("m", bad)


def test_check_same_length_and_generator():
    v.check_same_length("A", torch.ones(3, 2), "B", torch.ones(3))
    with pytest.raises(ValueError, match=r"A and B must have the same number of examples, got 3 and 4"):
        v.check_same_length("A", torch.ones(3, 2), "B", torch.ones(4))
    g = torch.Generator()
    assert v.check_generator(g) is g and v.check_generator(None) is None
    with pytest.raises(TypeError, match=r"generator must be a torch.Generator or None, got int"):
        v.check_generator(1)


# ---------------------------------------------------------------- issue 11: no silent casts, sizes checked up front


def test_numpy_complex_data_is_refused_by_the_public_functions():
    with pytest.raises(TypeError, match=r"^X must hold real numbers, got a NumPy array of dtype complex128"):
        d2lmini.fit_least_squares(np.ones((3, 1), dtype=complex), np.ones(3))
    with pytest.raises(TypeError, match=r"^w must hold real numbers"):
        d2lmini.synthetic_data(np.array([2.0 + 1.0j]), 0.0, 5)


@pytest.mark.parametrize("huge", [10**400, -(10**400)])
def test_integers_beyond_float_range_get_a_value_error_naming_the_argument(huge):
    with pytest.raises(ValueError, match=r"^m is too large for a floating-point number"):
        v.check_real("m", huge)
    with pytest.raises(ValueError, match=r"^a holds an integer too large for any floating-point type"):
        v.as_float_tensor("a", [1, huge])
    with pytest.raises(ValueError, match=r"^b is too large for a floating-point number"):
        d2lmini.synthetic_data([1.0], huge, 3)
    with pytest.raises(ValueError, match=r"^lr is too large"):
        d2lmini.fit_sgd(torch.ones(2, 1), torch.ones(2), lr=huge, batch_size=1, num_epochs=1)


def test_as_float_tensor_converts_to_a_wider_dtype_when_asked():
    t = v.as_float_tensor("a", [1e300, 10**300], dtype=torch.float64)
    assert t.dtype == torch.float64 and t.tolist() == [1e300, 1e300]
    assert v.as_float_tensor("a", np.array([0.5], dtype=np.float16)).dtype == torch.float32


def test_check_bool_accepts_python_and_numpy_bools():
    assert v.check_bool("f", True) is True and v.check_bool("f", np.bool_(False)) is False


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_check_matmul_names_x_where_torch_cannot_multiply_its_dtype(dtype, monkeypatch):
    without_matmul(monkeypatch)
    with pytest.raises(TypeError, match=rf"^X has dtype {dtype}, in which this torch .* cannot multiply .*X\.float\(\)$"):
        v.check_matmul("X", torch.ones(3, 2, dtype=dtype))
    v.check_matmul("X", torch.ones(3, 2))  # float32 is not probed: no cost, no error
