"""Input checks shared by the public functions.

Every check raises ``TypeError`` (wrong kind of object) or ``ValueError``
(right kind, wrong value) with a message that names the argument and says
what was expected, so a learner never meets a NaN or a deep torch traceback.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import torch

TensorLike = Union[torch.Tensor, np.ndarray, np.generic, Sequence[Any], float]
"""What the checks accept where numbers are expected: a floating-point tensor, a NumPy array or
scalar, a number, or a (nested) list or tuple of numbers.  Only tensors keep their dtype and
device; the rest are read in float64 and converted (see :func:`as_float_tensor`)."""


def as_float_tensor(
    name: str,
    value: object,
    *,
    ndim: int | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
    check_values: bool = True,
) -> torch.Tensor:
    """Return ``value`` as a floating-point tensor, checking its rank and finiteness.

    Tensors keep their dtype and device; lists, tuples, NumPy arrays and numbers
    become tensors of ``dtype`` (float32 unless asked otherwise) on ``device``
    (torch's default device unless given).  They are read in float64 first, so a
    value too large for ``dtype`` is reported as such, not as "infinite".  Integer
    or boolean tensors are refused rather than silently converted, because integer
    arithmetic would truncate gradients; complex numbers are refused rather than
    losing their imaginary part.

    ``check_values=False`` is for the helpers called once per training step: a tensor
    is then checked by its kind (floating point, with data) and rank only, never by
    its values, because reading them (``bool(isfinite(t).all())``) makes the host
    wait for the device to finish its queued work.  Numbers that are not yet a tensor
    are always checked, on the CPU, before they are moved to ``device``.
    """
    if isinstance(value, torch.Tensor):
        tensor = value
        if not (tensor.is_floating_point()):
            raise TypeError(
                f"{name} must hold floating-point numbers, got a tensor of dtype {tensor.dtype}; "
                f"convert it with {name}.float()"
            )
        if tensor.is_meta:
            raise TypeError(f"{name} is a meta tensor, which has a shape but no values; pass a tensor with data")
        _check_ndim(name, tensor, ndim)
        if check_values:
            check_finite(name, tensor)
        return tensor
    # read, checked and cast on the CPU, where looking at the values costs no device synchronisation
    tensor = _read_numbers(name, value)
    _check_ndim(name, tensor, ndim)
    check_finite(name, tensor)
    tensor = cast_checked(name, tensor, dtype)
    return tensor.to(device if device is not None else default_device())


def _check_ndim(name: str, tensor: torch.Tensor, ndim: int | None) -> None:
    if ndim is not None and tensor.ndim != ndim:
        expected = {0: "a scalar", 1: "a 1-D vector", 2: "a 2-D matrix"}.get(ndim, f"{ndim}-D")
        raise ValueError(f"{name} must be {expected}, got shape {tuple(tensor.shape)}")


def _read_numbers(name: str, value: object) -> torch.Tensor:
    """Read a number, sequence or NumPy array into a float64 CPU tensor, refusing what is not real."""
    kind = f"{name} must be a tensor, array or sequence of numbers, got {type(value).__name__}"
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise TypeError(kind)
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind == "c":
            raise TypeError(
                f"{name} must hold real numbers, got a NumPy array of dtype {value.dtype}; "
                f"take {name}.real if the imaginary part is meant to be dropped"
            )
        if value.dtype.kind not in "biuf":
            raise TypeError(f"{kind} of dtype {value.dtype}")
    elif isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must hold real numbers, got {type(value).__name__} {value!r}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tensor = torch.as_tensor(value, dtype=torch.float64, device="cpu")
        except OverflowError as err:
            raise ValueError(
                f"{name} holds an integer too large for any floating-point type (above about 1.8e308)"
            ) from err
        except (TypeError, ValueError, RuntimeError) as err:
            if "complex" in str(err):
                raise TypeError(f"{name} must hold real numbers, got complex numbers") from err
            raise TypeError(kind) from err
    if any("complex" in str(w.message).lower() for w in caught):
        raise TypeError(f"{name} must hold real numbers, got complex numbers")
    for w in caught:  # anything else torch had to say is passed on
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return tensor


def cast_checked(name: str, tensor: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Return ``tensor.to(dtype)``, refusing finite values that the cast would turn into infinity."""
    if tensor.dtype == dtype:
        return tensor
    if not dtype.is_floating_point:
        raise TypeError(f"{name} can only be converted to a floating-point dtype, not {dtype}")
    limit = torch.finfo(dtype).max
    if tensor.numel() and torch.finfo(tensor.dtype).max > limit:
        largest = float(tensor.detach().abs().max())
        if math.isfinite(largest) and largest > limit:
            raise ValueError(
                f"{name} holds values as large as {largest:.3g} in magnitude, beyond the range of {dtype} "
                f"(about {limit:.3g}); rescale it or use a wider dtype such as torch.float64"
            )
    return tensor.to(dtype)


def check_finite(name: str, tensor: torch.Tensor) -> None:
    """Raise ``ValueError`` if ``tensor`` holds NaN or infinity."""
    if tensor.numel() and not bool(torch.isfinite(tensor).all()):
        bad = int((~torch.isfinite(tensor)).sum())
        raise ValueError(f"{name} must be finite, but {bad} of its {tensor.numel()} values are NaN or infinite")


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` as a ``bool`` if it is ``True`` or ``False`` (NumPy's bools too, not 0, 1 or strings)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_size(name: str, value: int, count: int, limit: int, what: str, hint: str = "") -> None:
    """Raise ``ValueError`` naming ``name`` when ``count`` numbers (``what``) would exceed ``limit``.

    Used before allocating, so an absurd size is an error naming the argument, not a
    failure inside torch's allocator.
    """
    if count > limit:
        raise ValueError(
            f"{name}={value:,} would need {count:,} numbers for {what}, more than the {limit:,} allowed"
            + (f"; {hint}" if hint else "")
        )


def check_int(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is an integer (a bool is not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def check_positive_int(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is an integer of at least 1."""
    value = check_int(name, value)
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


def check_positive_float(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a ``float`` if it is a finite number above zero (or equal, if allowed)."""
    value = check_real(name, value)
    if value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def check_same_length(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same number of rows."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of examples, "
            f"got {a.shape[0]} and {b.shape[0]}"
        )


def check_generator(generator: object) -> torch.Generator | None:
    """Return ``generator`` if it is ``None`` or a ``torch.Generator``."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    return generator


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a finite ``float`` of any sign."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        value = float(value)
    except OverflowError as err:
        raise ValueError(f"{name} is too large for a floating-point number (above about 1.8e308)") from err
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def as_feature_vector(name: str, value: object) -> torch.Tensor:
    """Return a one-feature input as a 1-D float tensor (a single-column matrix is flattened)."""
    tensor = as_float_tensor(name, value)
    if tensor.ndim == 2 and tensor.shape[1] == 1:
        tensor = tensor[:, 0]
    if tensor.ndim != 1:
        raise ValueError(f"{name} must be a 1-D vector or a single-column matrix, got shape {tuple(tensor.shape)}")
    return tensor


def as_dataset(X: object, y: object) -> tuple[torch.Tensor, torch.Tensor]:
    """Check a design matrix and its labels: ``X`` of shape (n, d), ``y`` of shape (n,),
    at least one example, both on one device."""
    X = as_float_tensor("X", X, ndim=2)
    y = as_float_tensor("y", y, ndim=1)
    check_same_length("X", X, "y", y)
    if X.shape[0] == 0:
        raise ValueError("X and y must hold at least one example, got 0")
    if y.device != X.device:
        raise ValueError(f"X is on {X.device} but y is on {y.device}; move them to one device")
    return X, y


def check_matmul(name: str, X: torch.Tensor) -> None:
    """Refuse a dtype in which this torch cannot multiply matrices on ``X``'s device, naming ``X``.

    Older torch builds (2.1, d2lmini's lower bound) have no float16 matrix product on the
    CPU; without this check the first step of training fails deep inside torch.  Other
    dtypes are not probed, so the check costs nothing for them.
    """
    if X.dtype not in (torch.float16, torch.bfloat16):
        return
    try:
        torch.ones(1, 1, dtype=X.dtype, device=X.device) @ torch.ones(1, dtype=X.dtype, device=X.device)
    except RuntimeError as err:
        raise TypeError(
            f"{name} has dtype {X.dtype}, in which this torch ({torch.__version__}) cannot multiply matrices "
            f"on {X.device}; convert it with {name}.float()"
        ) from err


def check_float_dtype(name: str, dtype: object) -> torch.dtype:
    """Return ``dtype`` if it is a floating-point ``torch.dtype``."""
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"{name} must be a torch.dtype such as torch.float32, got {type(dtype).__name__} {dtype!r}")
    if not dtype.is_floating_point:
        raise TypeError(f"{name} must be a floating-point dtype such as torch.float32, got {dtype}")
    return dtype


def default_device() -> torch.device:
    """torch's default device (``torch.set_default_device``); ``torch.get_default_device()`` needs torch 2.3."""
    return torch.empty(0).device


def check_device(name: str, device: object) -> torch.device:
    """Return ``device`` as a usable ``torch.device``; ``None`` means torch's default device."""
    if device is None:
        return default_device()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"{name} must be a torch.device, a string such as 'cpu', or None, got {type(device).__name__}")
    try:
        checked = torch.device(device)
        torch.empty(0, device=checked)  # is it usable here?
    except (RuntimeError, AssertionError) as err:
        raise ValueError(f"{name} {str(device)!r} is not available here: {err}") from err
    return checked


def check_grid(name: str, values: object, limit: int) -> tuple[float, ...]:
    """A non-empty, strictly increasing sequence of at most ``limit`` finite numbers (ints stay ints)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of numbers, got {values!r}")
    if len(values) > limit:
        raise ValueError(f"{name} has {len(values)} entries, more than {limit}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
            raise TypeError(f"{name}[{i}] must be a finite real number, got {v!r}")
        out.append(int(v) if isinstance(v, (int, np.integer)) else float(v))
    if any(a >= b for a, b in zip(out, out[1:])):
        raise ValueError(f"{name} must be strictly increasing, got {out}")
    return tuple(out)
