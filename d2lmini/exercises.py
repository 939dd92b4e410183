"""Self-checks for the exercises: run a learner's function on test inputs and say what is off.

Usage::

    from d2lmini.exercises import check

    def best_constant(x):
        ...

    check("ex1-squared", best_constant)   # prints one verdict line (or a short report)

:func:`check` calls the function on a few fixed inputs (always the same ones,
so the verdict is reproducible), compares each result with a reference answer
and stops at the first disagreement, printing that input, the expected value
and what came back, with a hint when the result matches a common slip.
Answers are compared with a small float tolerance, and where an exercise has
several correct answers (any median, any basis of the quadratic features)
every one of them is accepted.

Every result is first converted to a plain float64 tensor of the expected
shape; anything that cannot be (a complex, boolean, sparse or meta tensor, a
tensor subclass that overrides torch's dispatch, a Python list, a bias of the
wrong shape) gets a verdict that says so instead of being judged or raising.
Reports show at most a few numbers of any tensor.

This module is not imported by ``import d2lmini``; importing it costs nothing
beyond torch.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .inference import fit_with_uncertainty
from .model import linreg
from .optim import fit_least_squares

__all__ = ["LABELS", "Verdict", "check"]

LABELS = (
    "ex1-squared",
    "ex1-absolute",
    "ex2-augment",
    "ex3-quadratic-features",
    "ex4-noisy-gram",
    "ex4-min-norm",
    "ex5-laplace-nll",
    "ex6-compose",
    "ex7-log-price",
    "ex8-poisson-nll",
    "ex9.1-standard-errors",
    "ex9.2-r-squared",
    "ex9.3-unstandardise",
)
"""The exercise labels :func:`check` knows, in the order the exercises appear: chapter 8's
(``ex1-...`` to ``ex8-...``), then chapter 9's (``ex9.1-...``, named after Exercise 9.1)."""

_RTOL = 1e-5
_ATOL = 1e-5
_SPAN_TOL = 1e-6
_SEED = 20240601
_SHOW = 24  # a tensor with more entries than this is described by its shape, never printed
_SHOW_INPUT = 12  # a test input with more entries is shown by its shape and first few values
_TEXT = 200  # characters of a learner's error message or repr shown at most
_PLAIN_DISPATCH = torch.Tensor.__torch_dispatch__


class _Wrong(Exception):
    """Raised inside a judge with the message that explains the disagreement."""


class _Unreadable(_Wrong):
    """The result is not something the check can judge (wrong type, shape or kind of tensor)."""


@dataclass(frozen=True)
class _Exercise:
    what: str
    cases: Callable[[], list[tuple[object, ...]]]
    names: tuple[str, ...]
    judge: Callable[..., None]


@dataclass(frozen=True)
class Verdict:
    """What :func:`check` concluded: true when the answer passed.

    :func:`check` has already printed :attr:`message` when it returns a verdict,
    so in a notebook the verdict itself displays nothing: a cell that ends in
    ``check(...)`` shows the report once, without an extra ``True``/``False``.

    Attributes
    ----------
    label : str
        The exercise that was checked.
    passed : bool
        Whether every test input gave a correct result.
    message : str
        The report that was printed.

    Examples
    --------
    >>> verdict = check("ex1-squared", lambda x: x.mean())
    ✓ ex1-squared: correct on all 5 test inputs.
    >>> bool(verdict), verdict.passed
    (True, True)
    """

    label: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Verdict({self.label!r}, passed={self.passed})"

    def _ipython_display_(self) -> None:
        """Show nothing: the report was printed when the check ran."""


# ---------------------------------------------------------------- formatting


def _text(value: object, limit: int = _TEXT) -> str:
    """``str(value)`` on one line and at most ``limit`` characters; never raises."""
    try:
        text = str(value)
        if not isinstance(text, str):
            raise TypeError("__str__ returned a non-string")
    except Exception as err:  # noqa: BLE001 - a learner's object may misbehave in any way
        return f"<could not be shown: its __str__ raised {type(err).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(value: object) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "")
    name = getattr(cls, "__qualname__", "object")
    return name if module in ("builtins", "torch") else f"{module}.{name}"


def _describe(value: object) -> str:
    """A short description of any object, with its values only when there are few."""
    if isinstance(value, torch.Tensor):
        try:
            with _no_torch_function():
                tensor_shape = tuple(value.shape)
        except Exception:  # noqa: BLE001
            return f"a tensor of type {_type_name(value)}"
        return f"a tensor of shape {tensor_shape}"
    if isinstance(value, (list, tuple)):
        shape = _nested_shape(value)
        kind = "list" if isinstance(value, list) else "tuple"
        return f"a Python {kind}" + ("" if shape is None else f" of shape {shape}")
    try:
        text = repr(value)
        if not isinstance(text, str):
            raise TypeError("__repr__ returned a non-string")
    except Exception as err:  # noqa: BLE001
        return f"a {_type_name(value)} (whose __repr__ raised {type(err).__name__})"
    return f"{_type_name(value)} {_text(text, 60)}"


def _fmt(value: object) -> str:
    """Numbers and small tensors with four decimals (tensors as nested lists); large tensors by shape."""
    if isinstance(value, torch.Tensor):
        if value.numel() > _SHOW:
            return f"<a tensor of shape {tuple(value.shape)}>"
        if value.ndim == 0:
            return f"{float(value):.4f}"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{float(value):.4f}"
    return _describe(value)


def _show_input(name: str, value: object) -> str:
    """One line for a test input: all of it when small, else its shape and a glimpse."""
    if not isinstance(value, torch.Tensor) or value.numel() <= _SHOW_INPUT:
        return f"  input: {name} = {_fmt(value)}"
    shape = tuple(value.shape)
    if value.ndim == 1:
        return f"  input: {name} of shape {shape}, starting {_fmt(value[:6])[:-1]}, ...]"
    if value.ndim == 2 and shape[1] <= _SHOW_INPUT:
        return f"  input: {name} of shape {shape}, first row {_fmt(value[0])}"
    return f"  input: {name} of shape {shape}"


def _expectation(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "a single number"
    if len(shape) == 1:
        return f"a vector of shape {shape}"
    return f"a matrix of shape {shape}"


# ---------------------------------------------------------------- reading answers


def _nested_shape(value: object, depth: int = 0) -> tuple[int, ...] | None:
    """Shape of a regular nested list/tuple of real numbers, or None if it is not one."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return ()
    if depth > 8 or not isinstance(value, (list, tuple)):
        return None
    try:
        items = _items(value)
    except Exception:  # noqa: BLE001
        return None
    if not items:
        return (0,)
    shapes = {_nested_shape(item, depth + 1) for item in items}
    if len(shapes) != 1:
        return None
    (shape,) = shapes
    return None if shape is None else (len(items), *shape)


def _items(value: list[Any] | tuple[Any, ...]) -> list[object]:
    """The items of a list or tuple, read with the base class's methods: a learner's subclass may
    override ``__len__`` or ``__iter__`` (and raise)."""
    if isinstance(value, list):
        return [list.__getitem__(value, i) for i in range(list.__len__(value))]
    return [tuple.__getitem__(value, i) for i in range(tuple.__len__(value))]


@contextlib.contextmanager
def _no_torch_function() -> Iterator[None]:
    """Switch off tensor subclasses' ``__torch_function__`` while their data are taken over."""
    disable = getattr(torch._C, "DisableTorchFunctionSubclass", None)
    with disable() if disable is not None else contextlib.nullcontext():
        yield


def _from_tensor(value: torch.Tensor, what: str) -> torch.Tensor:
    kind = _type_name(value)
    if getattr(type(value), "__torch_dispatch__", _PLAIN_DISPATCH) is not _PLAIN_DISPATCH:
        raise _Unreadable(
            f"your function returned a {kind}, a tensor subclass that overrides torch's dispatch; "
            f"return a plain torch.Tensor ({what})"
        )
    with _no_torch_function():  # read the metadata without the subclass's own __torch_function__
        nested, layout = value.is_nested, value.layout
        if nested or layout != torch.strided:
            kind = "nested" if nested else str(layout).removeprefix("torch.")
            raise _Unreadable(f"your function returned a {kind} tensor; expected {what} as an ordinary (dense) tensor")
        tensor = torch.Tensor.as_subclass(value, torch.Tensor)
    if tensor.device.type == "meta":
        raise _Unreadable(f"your function returned a tensor on the 'meta' device, which has no values; expected {what}")
    if tensor.is_quantized:
        raise _Unreadable(f"your function returned a quantized tensor; return a float tensor ({what})")
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise _Unreadable(f"your function returned a tensor of dtype {tensor.dtype}; expected {what}, real-valued")
    return tensor.detach()


def _from_numpy(value: object, what: str) -> torch.Tensor:
    np = sys.modules["numpy"]
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":  # complex, boolean, text, objects, dates: not real numbers
        raise _Unreadable(f"your function returned a NumPy value of dtype {array.dtype}; expected {what}, real-valued")
    return torch.from_numpy(np.array(array, dtype=np.float64, copy=True))


def _plain(value: object, shape: tuple[int, ...] | None) -> torch.Tensor:
    """The learner's result as a plain float64 CPU tensor (any shape yet), or an :class:`_Unreadable`.

    ``shape`` is the expected shape (None: a single number); here it only shapes the messages.
    """
    what = _expectation(shape)
    np = sys.modules.get("numpy")  # a NumPy object can only exist if NumPy was imported
    if isinstance(value, bool) or (np is not None and isinstance(value, np.bool_)):
        raise _Unreadable(f"your function returned the boolean {value!r}; expected {what}")
    if isinstance(value, torch.Tensor):
        tensor = _from_tensor(value, what)
    elif np is not None and isinstance(value, (np.ndarray, np.generic)):
        tensor = _from_numpy(value, what)
    elif isinstance(value, numbers.Real):
        try:
            number = float(value)
        except OverflowError:
            raise _Unreadable(f"your function returned an integer too large for a float; expected {what}") from None
        return torch.tensor(number, dtype=torch.float64)
    elif isinstance(value, numbers.Complex):
        raise _Unreadable(f"your function returned the complex number {_text(value, 60)}; expected {what}, real-valued")
    elif isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        found = _nested_shape(value)
        right = found is not None and (found == shape or (shape is None and math.prod(found) == 1))
        if right:
            raise _Unreadable(
                f"your function returned a Python {kind} of the right shape {found}; "
                "convert it to a tensor, for example with torch.tensor(...)"
            )
        raise _Unreadable(f"your function returned {_describe(value)}; expected {what}, as a tensor")
    else:
        raise _Unreadable(f"your function returned {_describe(value)}; expected {what}")
    return tensor.to(device="cpu", dtype=torch.float64, copy=True)


def _tensor(value: object, shape: tuple[int, ...] | None, name: str = "your function's result") -> torch.Tensor:
    """The learner's result as a finite float64 CPU tensor of exactly ``shape`` (None: a 0-d scalar)."""
    tensor = _plain(value, shape)
    if shape is None:
        if tensor.numel() != 1:
            raise _Unreadable(f"{name} is a tensor of shape {tuple(tensor.shape)}; expected a single number")
        tensor = tensor.reshape(())
    elif tuple(tensor.shape) != shape:
        raise _Unreadable(f"{name} has shape {tuple(tensor.shape)}; expected {_expectation(shape)}")
    if not bool(torch.isfinite(tensor).all()):
        detail = f" ({float(tensor)})" if tensor.ndim == 0 else ""
        raise _Wrong(f"{name} holds NaN or infinite values{detail}; expected finite numbers")
    return tensor


def _pair(value: object, names: str) -> tuple[object, object]:
    """The two items of a tuple or list, read without calling its (possibly overridden) methods."""
    if isinstance(value, (tuple, list)):
        try:
            items = _items(value)
        except Exception:  # noqa: BLE001
            items = []
        if len(items) == 2:
            return items[0], items[1]
    raise _Unreadable(f"your function returned {_describe(value)}; expected a pair {names}")


def _scalar(value: object) -> torch.Tensor:
    return _tensor(value, None)


def _close(got: torch.Tensor, expected: torch.Tensor) -> bool:
    return got.shape == expected.shape and bool(torch.allclose(got, expected, rtol=_RTOL, atol=_ATOL))


def _first_hint(value: torch.Tensor, hints: Sequence[tuple[torch.Tensor, str]]) -> str:
    for wrong, hint in hints:
        if _close(value, wrong):
            return f"\n  hint: {hint}"
    return ""


def _compare_scalar(got: object, expected: torch.Tensor, hints: Sequence[tuple[torch.Tensor, str]] = ()) -> None:
    value = _scalar(got)
    if _close(value, expected):
        return
    raise _Wrong(f"expected {_fmt(expected)}, your function returned {_fmt(value)}" + _first_hint(value, hints))


def _compare_matrix(got: object, expected: torch.Tensor, hints: Sequence[tuple[torch.Tensor, str]] = ()) -> None:
    value = _tensor(got, tuple(expected.shape))
    if _close(value, expected):
        return
    raise _Wrong(f"expected {_fmt(expected)},\n  your function returned {_fmt(value)}" + _first_hint(value, hints))


def _generator(offset: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(_SEED + offset)


# ---------------------------------------------------------------- exercise 1


def _constant_cases() -> list[tuple[object, ...]]:
    g = _generator()
    return [
        (torch.tensor([1.0, 2.0, 3.0, 10.0], dtype=torch.float64),),
        (torch.tensor([1.0, 2.0, 3.0, 10.0, 50.0], dtype=torch.float64),),
        (torch.tensor([5.0], dtype=torch.float64),),
        (torch.tensor([-2.0, 7.0, 0.5, 0.5, 3.0, -4.0], dtype=torch.float64),),
        ((torch.randn(9, generator=g, dtype=torch.float64) * 3 + 1) ** 3,),
    ]


def _judge_squared(x: torch.Tensor, got: object) -> None:
    # The best constant under squared loss is least squares with no features at all.
    n = x.shape[0]
    _, best = fit_least_squares(torch.empty(n, 0, dtype=x.dtype), x)
    median = x.sort().values[(n - 1) // 2]
    hints = [(median, "that is a median; squared loss is minimised by another statistic")]
    if n > 1:
        hints.append(
            (x.sum() / (n - 1), ("you divided by n - 1, the correction of the unbiased variance; "
                                 "the best constant divides the sum by n"))
        )
    _compare_scalar(got, best, hints)


def _judge_absolute(x: torch.Tensor, got: object) -> None:
    value = _scalar(got)
    ordered = x.sort().values
    n = x.shape[0]
    low, high = ordered[(n - 1) // 2], ordered[n // 2]
    best = (x - low).abs().sum()
    if float((x - value).abs().sum()) <= float(best) + _ATOL + _RTOL * float(best):
        return
    expected = _fmt(low) if float(low) == float(high) else f"any value from {_fmt(low)} to {_fmt(high)}"
    message = (
        f"expected {expected}, your function returned {_fmt(value)}\n"
        f"  (sum of absolute deviations {float((x - value).abs().sum()):.4f} instead of {float(best):.4f})"
    )
    if _close(value, x.mean()):
        message += "\n  hint: that is the mean; absolute loss is minimised by another statistic"
    raise _Wrong(message)


# ---------------------------------------------------------------- exercise 2


def _augment_cases() -> list[tuple[object, ...]]:
    g = _generator(2)
    return [(torch.randn(n, d, generator=g, dtype=torch.float64),) for n, d in ((3, 2), (5, 1), (4, 3))]


def _judge_augment(X: torch.Tensor, got: object) -> None:
    n, d = X.shape
    shape = (n, d + 1)
    F = _plain(got, shape)
    if tuple(F.shape) == (n + 1, d):
        raise _Wrong(
            f"your matrix has shape {tuple(F.shape)}, expected {shape}\n"
            "  hint: you added a row; the 1 belongs to every example, so it is a new column (torch.cat(..., dim=1))"
        )
    if tuple(F.shape) == (n, d):
        raise _Wrong(f"your matrix has shape {tuple(F.shape)}, expected {shape}: one extra column, of ones")
    F = _tensor(got, shape, "your matrix")
    expected = torch.cat([X, torch.ones(n, 1, dtype=X.dtype)], dim=1)
    if _close(F, expected):
        return
    message = f"expected {_fmt(expected)},\n  your function returned {_fmt(F)}"
    if _close(F, torch.cat([torch.ones(n, 1, dtype=X.dtype), X], dim=1)):
        message += "\n  hint: the extended vector is (x, 1): put the column of ones last, after the features"
    elif _close(F[:, :d], X) and not _close(F[:, d], torch.ones(n, dtype=X.dtype)):
        message += "\n  hint: the features are right; the last column must hold ones, the input the bias multiplies"
    raise _Wrong(message)


# ---------------------------------------------------------------- exercise 3


def _quadratic_cases() -> list[tuple[object, ...]]:
    g = _generator()
    return [(torch.randn(n, d, generator=g, dtype=torch.float64),) for n, d in ((8, 1), (15, 2), (24, 3), (40, 4))]


def _reference_quadratic(X: torch.Tensor) -> tuple[torch.Tensor, list[str]]:
    d = X.shape[1]
    columns = [X[:, i] for i in range(d)]
    names = [f"x{i + 1}" for i in range(d)]
    for i in range(d):
        for j in range(i + 1):
            columns.append(X[:, i] * X[:, j])
            names.append(f"x{i + 1}^2" if i == j else f"x{j + 1}*x{i + 1}")
    return torch.stack(columns, dim=1), names


def _residual(F: torch.Tensor, target: torch.Tensor) -> float:
    """Relative error of the best fit ``b + F @ w`` to ``target`` (0: target is in the span of 1 and F)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a rank-deficient F is judged by its fits, not by a warning
        w, b = fit_least_squares(F, target)
    miss = linreg(F, w, b) - target
    return float(miss.norm() / target.norm().clamp_min(1e-12))


def _judge_quadratic(X: torch.Tensor, got: object) -> None:
    n, d = X.shape
    width = d + d * (d + 1) // 2
    F = _plain(got, (n, width))
    if tuple(F.shape) != (n, width):
        raise _Wrong(
            f"your features have shape {tuple(F.shape)}, expected ({n}, {width}):\n"
            f"  {d} linear column(s) x_i and {d * (d + 1) // 2} product column(s) x_j*x_i with j <= i;\n"
            "  no column of ones: the linear model adds the constant itself"
        )
    F = _tensor(got, (n, width), "your features")
    R, names = _reference_quadratic(X)
    for k, name in enumerate(names):
        if _residual(F, R[:, k]) > _SPAN_TOL:
            raise _Wrong(
                f"expected features from which a linear model can produce the term {name}, "
                f"but no bias plus weighted sum of your columns matches it.\n"
                f"  For example, for the first row x = {_fmt(X[0])} the term {name} is {_fmt(R[0, k])}."
            )
    for k in range(width):
        if _residual(R, F[:, k]) > _SPAN_TOL:
            raise _Wrong(
                f"expected every feature to be a quadratic function of x, but your column {k} is not "
                f"(no b + sum w_i x_i + sum w_ij x_i x_j matches it); for the first row x = {_fmt(X[0])} "
                f"it is {_fmt(F[0, k])}"
            )


# ---------------------------------------------------------------- exercise 4


def _gram_cases() -> list[tuple[object, ...]]:
    g = _generator(4)
    cases: list[tuple[object, ...]] = []
    for n, d, sigma in ((6, 2, 0.5), (10, 3, 0.1), (4, 1, 2.0)):
        features = torch.randn(n, d, generator=g, dtype=torch.float64)
        cases.append((torch.cat([features, torch.ones(n, 1, dtype=torch.float64)], dim=1), sigma))
    return cases


def _judge_noisy_gram(X: torch.Tensor, sigma: float, got: object) -> None:
    n, width = X.shape
    gram = X.T @ X
    features_only = torch.ones(width, dtype=X.dtype)
    features_only[-1] = 0.0  # the column of ones receives no noise
    D = torch.diag(features_only)
    expected = gram + n * sigma**2 * D
    hints = [
        (gram + n * sigma**2 * torch.eye(width, dtype=X.dtype),
         ("the last column of X is the constant 1 of the bias and receives no noise, so its diagonal entry "
          "gains nothing; only the feature columns get n sigma^2")),
        (gram + sigma**2 * D, ("each diagonal entry of E^T E sums n squared noise entries: the extra is n sigma^2, "
                               "not sigma^2")),
        (gram + n * sigma * D, "the noise entries have variance sigma^2, not sigma"),
        (gram + (n - 1) * sigma**2 * D, ("you used n - 1; the diagonal entry sums n noise terms, each with "
                                         "expectation sigma^2 (no n - 1 correction here)")),
        (gram, "that is the Gram matrix without noise; E[E^T E] is not zero"),
    ]
    _compare_matrix(got, expected, hints)


def _min_norm_cases() -> list[tuple[object, ...]]:
    g = _generator(5)
    x = torch.randn(6, 1, generator=g, dtype=torch.float64)
    duplicated = torch.cat([x, x, torch.ones(6, 1, dtype=torch.float64)], dim=1)
    wide = torch.randn(3, 5, generator=g, dtype=torch.float64)
    full_rank = torch.randn(10, 3, generator=g, dtype=torch.float64)
    a, c = torch.randn(8, 1, generator=g, dtype=torch.float64), torch.randn(8, 1, generator=g, dtype=torch.float64)
    zero_column = torch.cat([a, torch.zeros(8, 1, dtype=torch.float64), c, torch.ones(8, 1, dtype=torch.float64)], 1)
    return [(X, torch.randn(X.shape[0], generator=g, dtype=torch.float64)) for X in
            (duplicated, wide, full_rank, zero_column)]


def _judge_min_norm(X: torch.Tensor, y: torch.Tensor, got: object) -> None:
    expected = torch.linalg.pinv(X) @ y
    w = _tensor(got, (X.shape[1],), "your w")
    if _close(w, expected):
        return
    best, yours = float(((X @ expected - y) ** 2).sum()), float(((X @ w - y) ** 2).sum())
    message = f"expected w = {_fmt(expected)}, your function returned {_fmt(w)}"
    if yours <= best + _ATOL + _RTOL * best:
        message += (
            f"\n  hint: your w fits as well as the expected one (squared error {yours:.4f}) but is longer "
            f"(norm {float(w.norm()):.4f} instead of {float(expected.norm()):.4f}): it has a component along a "
            "direction v with X v = 0, which changes no prediction and which the limit lambda -> 0 leaves out"
        )
    else:
        message += f"\n  (its squared error is {yours:.4f}; the least achievable is {best:.4f})"
    raise _Wrong(message)


# ---------------------------------------------------------------- exercise 5


def _pair_cases() -> list[tuple[object, ...]]:
    g = _generator()
    return [
        (torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64), torch.tensor([0.5, -2.0, 5.0], dtype=torch.float64)),
        (torch.tensor([0.0], dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64)),
        (torch.randn(10, generator=g, dtype=torch.float64), torch.randn(10, generator=g, dtype=torch.float64)),
    ]


def _judge_laplace(y: torch.Tensor, y_hat: torch.Tensor, got: object) -> None:
    n = y.shape[0]
    residual = (y - y_hat).abs()
    expected = n * math.log(2.0) + residual.sum()
    hints = [
        (residual.sum(), "you left out the normalising constant: each example also contributes log 2"),
        (residual.sum() - n * math.log(2.0),
         ("check the sign of the constant: -log(1/2) = +log 2, so each example adds log 2 (about 0.6931), "
          "not log(0.5)")),
        (expected / n, "that is the mean over examples; the total (a sum) is asked for"),
        (-expected, "check the sign: a negative log-likelihood of this density is never below 0"),
    ]
    _compare_scalar(got, expected, hints)


# ---------------------------------------------------------------- exercise 6


def _compose_cases() -> list[tuple[object, ...]]:
    g = _generator()
    shapes = ((2, 2, 2), (3, 4, 1), (5, 3, 2))
    cases: list[tuple[object, ...]] = []
    for d, h, q in shapes:
        cases.append(
            (
                torch.randn(d, h, generator=g, dtype=torch.float64),
                torch.randn(h, generator=g, dtype=torch.float64),
                torch.randn(h, q, generator=g, dtype=torch.float64),
                torch.randn(q, generator=g, dtype=torch.float64),
            )
        )
    return cases


def _judge_compose(W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor, got: object) -> None:
    got_W, got_b = _pair(got, "(W, b)")
    d, q = W1.shape[0], W2.shape[1]
    W, b = _plain(got_W, (d, q)), _plain(got_b, (q,))
    if tuple(W.shape) != (d, q) or tuple(b.shape) != (q,):
        raise _Wrong(
            f"with W1 {tuple(W1.shape)}, W2 {tuple(W2.shape)} your W has shape {tuple(W.shape)} and b "
            f"{tuple(b.shape)}; expected W of shape ({d}, {q}) and b of shape ({q},)"
            + ("\n  (a bias of another shape may broadcast, but it is not a bias vector with one entry per output)"
               if tuple(W.shape) == (d, q) else "")
        )
    W, b = _tensor(got_W, (d, q), "your W"), _tensor(got_b, (q,), "your b")
    x = torch.randn(4, d, generator=_generator(1), dtype=torch.float64)
    expected = (x @ W1 + b1) @ W2 + b2
    out = x @ W + b
    if _close(out, expected):
        return
    row = int((out - expected).abs().amax(dim=1).argmax())
    raise _Wrong(
        f"your single layer differs from the two layers: for the input x = {_fmt(x[row])}\n"
        f"  expected {_fmt(expected[row])} (the two layers), but x @ W + b with your W, b gives {_fmt(out[row])}"
    )


# ---------------------------------------------------------------- exercise 7


def _price_cases() -> list[tuple[object, ...]]:
    g = _generator(7)
    cases: list[tuple[object, ...]] = []
    for n, d in ((20, 1), (30, 2), (12, 3)):
        X = 40 + 160 * torch.rand(n, d, generator=g, dtype=torch.float64)
        weights = 0.004 * torch.arange(1, d + 1, dtype=torch.float64)
        log_price = 3.6 + X @ weights + 0.2 * torch.randn(n, generator=g, dtype=torch.float64)
        cases.append((X, log_price.exp()))
    return cases


def _judge_log_price(X: torch.Tensor, price: torch.Tensor, got: object) -> None:
    got_w, got_b = _pair(got, "(w, b)")
    d = X.shape[1]
    w, b = _tensor(got_w, (d,), "your w"), _tensor(got_b, None, "your b")
    expected_w, expected_b = fit_least_squares(X, price.log())
    if _close(w, expected_w) and _close(b, expected_b):
        return
    message = (
        f"expected w = {_fmt(expected_w)}, b = {_fmt(expected_b)};\n"
        f"  your function returned w = {_fmt(w)}, b = {_fmt(b)}"
    )
    slips = [
        (fit_least_squares(X, price), "that is the least-squares fit of the price itself; fit log(price) instead"),
        (fit_least_squares(X, price.log10()),
         "that is a fit of log10(price); use the natural logarithm, torch.log, so that w reads as a relative change"),
    ]
    for (slip_w, slip_b), hint in slips:
        if _close(w, slip_w) and _close(b, slip_b):
            message += f"\n  hint: {hint}"
            break
    raise _Wrong(message)


# ---------------------------------------------------------------- exercise 8


def _poisson_cases() -> list[tuple[object, ...]]:
    g = _generator()
    log_rate = torch.randn(12, generator=g, dtype=torch.float64)
    counts = torch.poisson(log_rate.exp(), generator=g)
    return [
        (torch.tensor([0.0], dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64)),
        (torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64), torch.tensor([1.0, 0.0, 9.0], dtype=torch.float64)),
        (log_rate, counts),
    ]


def _judge_poisson(log_rate: torch.Tensor, k: torch.Tensor, got: object) -> None:
    n = k.shape[0]
    core = (log_rate.exp() - k * log_rate).sum()
    expected = core + torch.lgamma(k + 1).sum()
    # torch.nn.functional.poisson_nll_loss(full=True) adds Stirling's approximation of log k!, and only for k > 1.
    safe_k = k.clamp_min(1.0)
    stirling = torch.where(k > 1, safe_k * safe_k.log() - safe_k + 0.5 * torch.log(2 * math.pi * safe_k), 0.0).sum()
    stirling_hint = (
        "PyTorch's poisson_nll_loss(full=True) adds Stirling's approximation of log k! (and nothing for k <= 1), "
        "not log k! itself; use torch.lgamma(k + 1)"
    )
    hints = [
        (core, "you left out the log k! term (torch.lgamma(k + 1))"),
        (core + stirling, stirling_hint),
        ((core + stirling) / n, stirling_hint + ", and sum over examples (it averages by default)"),
        (core / n, "you left out the log k! term (torch.lgamma(k + 1)) and took the mean; the total is asked for"),
        (expected / n, "that is the mean over examples; the total (a sum) is asked for"),
        (-expected, "check the sign: you want the NEGATIVE log-likelihood"),
    ]
    _compare_scalar(got, expected, hints)


# ---------------------------------------------------------------- chapter 9, exercise 1


def _standard_error_cases() -> list[tuple[object, ...]]:
    g = _generator(91)
    cases: list[tuple[object, ...]] = []
    for n, d in ((6, 1), (12, 2), (40, 3)):
        X = 3 * torch.randn(n, d, generator=g, dtype=torch.float64) + 1
        y = X @ torch.arange(1, d + 1, dtype=torch.float64) + 2 + torch.randn(n, generator=g, dtype=torch.float64)
        cases.append((X, y))
    return cases


def _judge_standard_errors(X: torch.Tensor, y: torch.Tensor, got: object) -> None:
    n, d = X.shape
    p = d + 1
    value = _plain(got, (p,))
    if tuple(value.shape) == (d,):
        raise _Wrong(
            f"your standard errors have shape {(d,)}, expected {(p,)}: one per weight and one for the bias, "
            "listed last (append a column of ones to X)"
        )
    fit = fit_with_uncertainty(X, y)
    expected = fit.std_err
    hints = [
        (expected * math.sqrt((n - p) / n),
         f"you divided the sum of squared residuals by n = {n}; the unbiased estimate divides by n - p = {n - p}, "
         "the examples minus the coefficients (weights and bias)"),
        (expected * math.sqrt((n - p) / (n - d)),
         f"you divided by n - d = {n - d}; the bias is a coefficient too, so divide by n - d - 1 = {n - p}"),
        (expected**2, "those are the variances; the standard errors are their square roots"),
        (torch.sqrt(torch.diagonal(torch.linalg.inv(_with_ones(X).T @ _with_ones(X)))),
         "that is sqrt(diag((A^T A)^-1)) alone; multiply by the estimated noise level sigma_hat"),
    ]
    _compare_matrix(got, expected, hints)


def _with_ones(X: torch.Tensor) -> torch.Tensor:
    return torch.cat([X, torch.ones(X.shape[0], 1, dtype=X.dtype)], dim=1)


# ---------------------------------------------------------------- chapter 9, exercise 2


def _r_squared_cases() -> list[tuple[object, ...]]:
    g = _generator(92)
    X = torch.randn(30, 2, generator=g, dtype=torch.float64)
    y = X @ torch.tensor([1.0, -2.0], dtype=torch.float64) + 5 + torch.randn(30, generator=g, dtype=torch.float64)
    w, b = fit_least_squares(X, y)
    return [
        (torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64), torch.tensor([1.5, 1.5, 3.5, 3.5], dtype=torch.float64)),
        (y, linreg(X, w, b)),  # a least-squares fit with a bias: R^2 is the squared correlation here
        (torch.tensor([3.0, 5.0, 4.0, 8.0, 10.0], dtype=torch.float64),
         torch.tensor([9.0, 4.0, 8.0, 3.0, 6.0], dtype=torch.float64)),  # predictions worse than the mean: R^2 < 0
    ]


def _judge_r_squared(y: torch.Tensor, y_hat: torch.Tensor, got: object) -> None:
    rss = ((y - y_hat) ** 2).sum()
    tss = ((y - y.mean()) ** 2).sum()
    expected = 1 - rss / tss
    centred = y - y.mean()
    correlation = (centred * (y_hat - y_hat.mean())).sum() / (centred.norm() * (y_hat - y_hat.mean()).norm())
    hints = [
        (1 - rss / (y**2).sum(), "you divided by the sum of y_i^2; measure the total variation around the mean of y"),
        (rss / tss, "that is RSS / TSS, the share left unexplained; R^2 is 1 minus it"),
        (correlation**2, ("that is the squared correlation of y and y_hat; it equals R^2 only for a least-squares fit "
                          "with a bias, on its own training data")),
        (1 - (rss / len(y)) / (tss / (len(y) - 1)), "divide both sums by the same number (or by nothing)"),
    ]
    _compare_scalar(got, expected, hints)


# ---------------------------------------------------------------- chapter 9, exercise 3


def _unstandardise_cases() -> list[tuple[object, ...]]:
    g = _generator(93)
    cases: list[tuple[object, ...]] = [
        (torch.tensor([2.0], dtype=torch.float64), torch.tensor(5.0, dtype=torch.float64),
         torch.tensor([12.0], dtype=torch.float64), torch.tensor([4.0], dtype=torch.float64)),
    ]
    for d in (2, 5):
        cases.append((
            torch.randn(d, generator=g, dtype=torch.float64) * 10,
            torch.randn((), generator=g, dtype=torch.float64) * 100,
            torch.randn(d, generator=g, dtype=torch.float64) * 1000,
            torch.rand(d, generator=g, dtype=torch.float64) * 50 + 0.5,
        ))
    return cases


def _judge_unstandardise(w_s: torch.Tensor, b_s: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
                         got: object) -> None:
    got_w, got_b = _pair(got, "(w, b)")
    d = w_s.shape[0]
    w, b = _tensor(got_w, (d,), "your w"), _tensor(got_b, None, "your b")
    # the standardised model, b_s + sum_j w_s_j (x_j - mean_j) / std_j, written out for two inputs
    x = torch.stack([mean + std, mean - 2 * std])
    expected_out = b_s + ((x - mean) / std) @ w_s
    expected_w = w_s / std
    expected_b = b_s - (expected_w * mean).sum()
    if _close(w, expected_w) and _close(b, expected_b):
        return
    message = (
        f"expected w = {_fmt(expected_w)}, b = {_fmt(expected_b)};\n"
        f"  your function returned w = {_fmt(w)}, b = {_fmt(b)}\n"
        f"  (for x = {_fmt(x[0])} the standardised model predicts {_fmt(expected_out[0])}, yours {_fmt(x[0] @ w + b)})"
    )
    if _close(w, w_s * std):
        message += "\n  hint: the feature was divided by its standard deviation, so its weight is divided by it too"
    elif _close(w, expected_w) and _close(b, b_s):
        message += "\n  hint: the weights are right; the bias must absorb the subtracted means, b_s - sum_j w_j mean_j"
    elif _close(w, expected_w) and _close(b, b_s + (expected_w * mean).sum()):
        message += "\n  hint: check the sign: subtracting the mean of x_j takes w_j mean_j away from the bias"
    raise _Wrong(message)


_EXERCISES: dict[str, _Exercise] = {
    "ex1-squared": _Exercise("x -> the b minimising sum (x_i - b)^2", _constant_cases, ("x",), _judge_squared),
    "ex1-absolute": _Exercise("x -> a b minimising sum |x_i - b|", _constant_cases, ("x",), _judge_absolute),
    "ex2-augment": _Exercise("X -> X with a column of ones appended", _augment_cases, ("X",), _judge_augment),
    "ex3-quadratic-features": _Exercise("X -> quadratic features", _quadratic_cases, ("X",), _judge_quadratic),
    "ex4-noisy-gram": _Exercise("(X, sigma) -> E[(X + E)^T (X + E)], no noise on the ones column", _gram_cases,
                                ("X", "sigma"), _judge_noisy_gram),
    "ex4-min-norm": _Exercise("(X, y) -> the minimum-norm least-squares w", _min_norm_cases, ("X", "y"),
                              _judge_min_norm),
    "ex5-laplace-nll": _Exercise("(y, y_hat) -> Laplace negative log-likelihood", _pair_cases, ("y", "y_hat"),
                                 _judge_laplace),
    "ex6-compose": _Exercise("(W1, b1, W2, b2) -> (W, b)", _compose_cases, ("W1", "b1", "W2", "b2"), _judge_compose),
    "ex7-log-price": _Exercise("(X, price) -> (w, b) of the least-squares fit of log(price)", _price_cases,
                               ("X", "price"), _judge_log_price),
    "ex8-poisson-nll": _Exercise("(log_rate, k) -> Poisson negative log-likelihood", _poisson_cases,
                                 ("log_rate", "k"), _judge_poisson),
    "ex9.1-standard-errors": _Exercise("(X, y) -> standard errors of (w, b)", _standard_error_cases, ("X", "y"),
                                       _judge_standard_errors),
    "ex9.2-r-squared": _Exercise("(y, y_hat) -> R^2", _r_squared_cases, ("y", "y_hat"), _judge_r_squared),
    "ex9.3-unstandardise": _Exercise("(w_s, b_s, mean, std) -> (w, b) in the original units", _unstandardise_cases,
                                     ("w_s", "b_s", "mean", "std"), _judge_unstandardise),
}


def _copy(value: object) -> object:
    return value.clone() if isinstance(value, torch.Tensor) else value


def _report(label: str, passed: bool, message: str) -> Verdict:
    print(message)
    return Verdict(label, passed, message)


def check(label: str, answer: Callable[..., object]) -> Verdict:
    """Test a learner's answer to an exercise, print the verdict and return it.

    Introduced in chapter 8, *Summary and exercises*; chapter 9 uses it too.

    The function ``answer`` is called on several fixed inputs (copies, so it
    may modify them).  Each result is converted to a plain float64 tensor of
    the expected shape and compared with the reference; the first wrong
    result is reported with its input, the expected value and, where it
    matches a common slip, a hint.  A result that cannot be judged (a complex,
    boolean, sparse or meta tensor, a Python list, a wrong shape, an object
    whose methods raise) and an exception raised by ``answer`` are reported
    the same way instead of propagating.  A report is a few short lines;
    tensors with many entries are described by their shape.

    Parameters
    ----------
    label : str
        Which exercise; one of :data:`LABELS`:

        ``"ex1-squared"``
            ``answer(x)``, ``x`` a 1-D tensor, returns the ``b`` minimising ``sum (x_i - b)^2``.
        ``"ex1-absolute"``
            ``answer(x)`` returns a ``b`` minimising ``sum |x_i - b|`` (any minimiser passes).
        ``"ex2-augment"``
            ``answer(X)``, ``X`` of shape (n, d), returns the (n, d + 1) matrix whose rows are
            the extended inputs ``(x, 1)``.
        ``"ex3-quadratic-features"``
            ``answer(X)``, ``X`` of shape (n, d), returns (n, d + d(d+1)/2) features on which a
            linear model can represent every ``b + sum w_i x_i + sum_{j<=i} w_ij x_i x_j``
            (any column order or basis passes).
        ``"ex4-noisy-gram"``
            ``answer(X, sigma)``, ``X`` of shape (n, d + 1) whose last column is ones (the bias
            folded in), returns the expected value of ``(X + E)^T (X + E)`` when ``E`` adds
            independent noise of mean 0 and standard deviation ``sigma`` (a float) to every
            entry of the feature columns and nothing to the column of ones.
        ``"ex4-min-norm"``
            ``answer(X, y)`` returns the ``w`` of smallest norm among the minimisers of
            ``||y - X w||^2``, the limit of ``(X^T X + lambda I)^{-1} X^T y`` as lambda -> 0.
        ``"ex5-laplace-nll"``
            ``answer(y, y_hat)`` returns the total negative log-likelihood of ``y`` when
            ``y - y_hat`` has density ``exp(-|e|) / 2``.
        ``"ex6-compose"``
            ``answer(W1, b1, W2, b2)`` returns ``(W, b)``, ``W`` of shape (d, q) and ``b`` of
            shape (q,), with ``x @ W + b`` equal to the layer ``(W2, b2)`` applied after the
            layer ``(W1, b1)``.
        ``"ex7-log-price"``
            ``answer(X, price)`` returns ``(w, b)``, ``w`` of shape (d,) and ``b`` a number,
            minimising ``sum (log price_i - x_i^T w - b)^2``.
        ``"ex8-poisson-nll"``
            ``answer(log_rate, k)`` returns the total negative log-likelihood of counts ``k``
            under Poisson distributions with rates ``exp(log_rate)``.
        ``"ex9.1-standard-errors"``
            ``answer(X, y)`` returns the standard errors of the least-squares coefficients of
            ``y ≈ X w + b``, shape (d + 1,), the bias's last: ``sigma_hat * sqrt(diag((A^T A)^-1))``
            with ``A`` = ``X`` and a column of ones, ``sigma_hat^2 = RSS / (n - d - 1)``.
        ``"ex9.2-r-squared"``
            ``answer(y, y_hat)`` returns ``1 - sum (y_i - y_hat_i)^2 / sum (y_i - mean(y))^2``
            for any predictions (negative when they do worse than the mean).
        ``"ex9.3-unstandardise"``
            ``answer(w_s, b_s, mean, std)`` returns ``(w, b)``, ``w`` of shape (d,), with
            ``x @ w + b`` equal to ``((x - mean) / std) @ w_s + b_s`` for every ``x``.
    answer : callable
        The learner's function.  Tensor inputs are float64 CPU tensors.

    Returns
    -------
    Verdict
        True (in a boolean context) when every test input gave a correct
        result.  It displays nothing in a notebook: the report is printed once.

    Raises
    ------
    ValueError
        ``label`` is not one of :data:`LABELS`.
    TypeError
        ``answer`` is not callable.

    Examples
    --------
    >>> passed = check("ex1-squared", lambda x: x.mean())
    ✓ ex1-squared: correct on all 5 test inputs.
    >>> bool(passed)
    True
    >>> passed = check("ex1-squared", lambda x: x.sum() / (len(x) - 1))
    ✗ ex1-squared: wrong answer.
      input: x = [1.0000, 2.0000, 3.0000, 10.0000]
      expected 4.0000, your function returned 5.3333
      hint: you divided by n - 1, the correction of the unbiased variance; the best constant divides the sum by n
    >>> bool(passed)
    False
    """
    if not isinstance(label, str) or label not in _EXERCISES:
        known = "; ".join(f"{name} ({_EXERCISES[name].what})" for name in LABELS)
        raise ValueError(f"label must be one of: {known}; got {_describe(label)}")
    if not callable(answer):
        raise TypeError(f"answer must be a function (callable), got {_type_name(answer)}")
    exercise = _EXERCISES[label]
    cases = exercise.cases()
    for args in cases:
        shown = "\n".join(_show_input(name, arg) for name, arg in zip(exercise.names, args))
        try:
            result = answer(*(_copy(arg) for arg in args))
        except Exception as err:  # noqa: BLE001 - any failure of the learner's code is reported, not raised
            message = f"✗ {label}: your function raised {type(err).__name__}: {_text(err)}\n{shown}"
            return _report(label, False, message)
        try:
            exercise.judge(*args, result)
        except _Unreadable as refusal:
            return _report(label, False, f"✗ {label}: cannot judge this result.\n{shown}\n  {refusal}")
        except _Wrong as wrong:
            return _report(label, False, f"✗ {label}: wrong answer.\n{shown}\n  {wrong}")
        except Exception as err:  # noqa: BLE001 - an object whose methods raise gets a verdict, not a traceback
            return _report(
                label,
                False,
                f"✗ {label}: cannot judge this result.\n{shown}\n"
                f"  reading what your function returned raised {type(err).__name__}: {_text(err)}\n"
                f"  expected: {exercise.what}",
            )
    return _report(label, True, f"✓ {label}: correct on all {len(cases)} test inputs.")
