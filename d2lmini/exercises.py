"""Self-checks for the exercises: run a learner's function on test inputs and say what is off.

Usage::

    from d2lmini.exercises import check

    def best_constant(x):
        ...

    check("ex1-squared", best_constant)   # prints a verdict, returns True or False

:func:`check` calls the function on a few fixed inputs (always the same ones,
so the verdict is reproducible), compares each result with a reference answer
and stops at the first disagreement, printing that input, the expected value
and what came back.  Answers are compared with a small float tolerance, and
where an exercise has several correct answers (any median, any basis of the
quadratic features) every one of them is accepted.

This module is not imported by ``import d2lmini``; importing it costs nothing
beyond torch.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from .model import linreg
from .optim import fit_least_squares

LABELS = (
    "ex1-squared",
    "ex1-absolute",
    "ex3-quadratic-features",
    "ex5-laplace-nll",
    "ex6-compose",
    "ex8-poisson-nll",
)
"""The exercise labels :func:`check` knows, in the order the exercises appear."""

_RTOL = 1e-5
_ATOL = 1e-5
_SPAN_TOL = 1e-6
_SEED = 20240601


class _Wrong(Exception):
    """Raised inside a judge with the message that explains the disagreement."""


@dataclass(frozen=True)
class _Exercise:
    what: str
    cases: Callable[[], list[tuple[torch.Tensor, ...]]]
    names: tuple[str, ...]
    judge: Callable[..., None]


# ---------------------------------------------------------------- formatting


def _fmt(value: object) -> str:
    """Numbers and tensors with four decimals, tensors as nested lists."""
    if isinstance(value, torch.Tensor):
        if value.ndim == 0:
            return f"{float(value):.4f}"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{float(value):.4f}"
    return repr(value)


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}: {_fmt(value)}"
    return f"{type(value).__name__} {value!r}"


def _numeric(value: object, what: str) -> torch.Tensor:
    """The learner's result as a float64 CPU tensor, or a clear complaint."""
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise _Wrong(f"your function returned a tensor of dtype {value.dtype}, expected {what}")
        return value.detach().to("cpu", torch.float64)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=torch.float64)
    if type(value).__module__ == "numpy":
        try:
            return torch.as_tensor(value).to(torch.float64)
        except (TypeError, ValueError, RuntimeError) as err:
            raise _Wrong(f"your function returned {_describe(value)}, expected {what}") from err
    raise _Wrong(f"your function returned {_describe(value)}, expected {what}")


def _scalar(value: object) -> torch.Tensor:
    tensor = _numeric(value, "a single number")
    if tensor.numel() != 1:
        raise _Wrong(f"your function returned {_describe(tensor)}, expected a single number")
    tensor = tensor.reshape(())
    if not bool(torch.isfinite(tensor)):
        raise _Wrong(f"your function returned {float(tensor)}, expected a finite number")
    return tensor


def _close(got: torch.Tensor, expected: torch.Tensor) -> bool:
    return bool(torch.allclose(got, expected, rtol=_RTOL, atol=_ATOL))


def _compare_scalar(got: object, expected: torch.Tensor, hints: Sequence[tuple[torch.Tensor, str]] = ()) -> None:
    value = _scalar(got)
    if _close(value, expected):
        return
    message = f"expected {_fmt(expected)}, your function returned {_fmt(value)}"
    for wrong, hint in hints:
        if _close(value, wrong):
            message += f"\n  hint: {hint}"
            break
    raise _Wrong(message)


def _generator() -> torch.Generator:
    return torch.Generator().manual_seed(_SEED)


# ---------------------------------------------------------------- exercise 1


def _constant_cases() -> list[tuple[torch.Tensor, ...]]:
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
    _, best = fit_least_squares(torch.empty(x.shape[0], 0, dtype=x.dtype), x)
    median = x.sort().values[(x.shape[0] - 1) // 2]
    _compare_scalar(got, best, [(median, "that is a median; squared loss is minimised by another statistic")])


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


# ---------------------------------------------------------------- exercise 3


def _quadratic_cases() -> list[tuple[torch.Tensor, ...]]:
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
    F = _numeric(got, f"a matrix of shape ({n}, {width})")
    if tuple(F.shape) != (n, width):
        raise _Wrong(
            f"your features have shape {tuple(F.shape)}, expected ({n}, {width}):\n"
            f"  {d} linear column(s) x_i and {d * (d + 1) // 2} product column(s) x_j*x_i with j <= i;\n"
            "  no column of ones: the linear model adds the constant itself"
        )
    if not bool(torch.isfinite(F).all()):
        raise _Wrong("your features hold NaN or infinite values")
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


# ---------------------------------------------------------------- exercise 5


def _pair_cases() -> list[tuple[torch.Tensor, ...]]:
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
        (expected / n, "that is the mean over examples; the total (a sum) is asked for"),
        (-expected, "check the sign: a negative log-likelihood of this density is never below 0"),
    ]
    _compare_scalar(got, expected, hints)


# ---------------------------------------------------------------- exercise 6


def _compose_cases() -> list[tuple[torch.Tensor, ...]]:
    g = _generator()
    shapes = ((2, 2, 2), (3, 4, 1), (5, 3, 2))
    cases = []
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
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise _Wrong(f"your function returned {_describe(got)}, expected a pair (W, b)")
    W = _numeric(got[0], "a weight matrix W")
    b = _numeric(got[1], "a bias vector b")
    d, q = W1.shape[0], W2.shape[1]
    x = torch.randn(4, d, generator=torch.Generator().manual_seed(_SEED + 1), dtype=torch.float64)
    expected = (x @ W1 + b1) @ W2 + b2
    try:
        out = x @ W + b
    except RuntimeError:
        raise _Wrong(
            f"with W1 {tuple(W1.shape)}, W2 {tuple(W2.shape)} your W has shape {tuple(W.shape)} and b "
            f"{tuple(b.shape)}, so x @ W + b fails; expected W of shape ({d}, {q}) and b of shape ({q},)"
        ) from None
    if tuple(out.shape) != tuple(expected.shape):
        raise _Wrong(
            f"with W1 {tuple(W1.shape)}, W2 {tuple(W2.shape)}, x @ W + b has shape {tuple(out.shape)}, "
            f"expected {tuple(expected.shape)}; W should be ({d}, {q}) and b ({q},)"
        )
    if _close(out, expected):
        return
    row = int((out - expected).abs().amax(dim=1).argmax())
    raise _Wrong(
        f"your single layer differs from the two layers: for the input x = {_fmt(x[row])}\n"
        f"  expected {_fmt(expected[row])} (the two layers), but x @ W + b with your W, b gives {_fmt(out[row])}"
    )


# ---------------------------------------------------------------- exercise 8


def _poisson_cases() -> list[tuple[torch.Tensor, ...]]:
    g = _generator()
    log_rate = torch.randn(12, generator=g, dtype=torch.float64)
    counts = torch.poisson(log_rate.exp(), generator=g)
    return [
        (torch.tensor([0.0], dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64)),
        (torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64), torch.tensor([1.0, 0.0, 9.0], dtype=torch.float64)),
        (log_rate, counts),
    ]


def _judge_poisson(log_rate: torch.Tensor, k: torch.Tensor, got: object) -> None:
    core = (log_rate.exp() - k * log_rate).sum()
    log_factorials = torch.lgamma(k + 1).sum()
    expected = core + log_factorials
    hints = [
        (core, "you left out the log k! term (torch.lgamma(k + 1))"),
        (expected / k.shape[0], "that is the mean over examples; the total (a sum) is asked for"),
        (-expected, "check the sign: you want the NEGATIVE log-likelihood"),
    ]
    _compare_scalar(got, expected, hints)


_EXERCISES: dict[str, _Exercise] = {
    "ex1-squared": _Exercise("x -> the b minimising sum (x_i - b)^2", _constant_cases, ("x",), _judge_squared),
    "ex1-absolute": _Exercise("x -> a b minimising sum |x_i - b|", _constant_cases, ("x",), _judge_absolute),
    "ex3-quadratic-features": _Exercise(
        "X -> quadratic features", _quadratic_cases, ("X",), _judge_quadratic
    ),
    "ex5-laplace-nll": _Exercise("(y, y_hat) -> Laplace negative log-likelihood", _pair_cases, ("y", "y_hat"),
                                 _judge_laplace),
    "ex6-compose": _Exercise("(W1, b1, W2, b2) -> (W, b)", _compose_cases, ("W1", "b1", "W2", "b2"), _judge_compose),
    "ex8-poisson-nll": _Exercise("(log_rate, k) -> Poisson negative log-likelihood", _poisson_cases,
                                 ("log_rate", "k"), _judge_poisson),
}


def check(label: str, answer: Callable[..., object]) -> bool:
    """Test a learner's answer to an exercise, print the verdict and return whether it passed.

    The function ``answer`` is called on several fixed inputs (copies, so it
    may modify them); the first wrong result is reported with its input and
    the expected value, and an exception raised by ``answer`` is reported
    instead of propagating.

    Parameters
    ----------
    label : str
        Which exercise; one of :data:`LABELS`:

        ``"ex1-squared"``
            ``answer(x)``, ``x`` a 1-D tensor, returns the ``b`` minimising ``sum (x_i - b)^2``.
        ``"ex1-absolute"``
            ``answer(x)`` returns a ``b`` minimising ``sum |x_i - b|`` (any minimiser passes).
        ``"ex3-quadratic-features"``
            ``answer(X)``, ``X`` of shape (n, d), returns (n, d + d(d+1)/2) features on which a
            linear model can represent every ``b + sum w_i x_i + sum_{j<=i} w_ij x_i x_j``
            (any column order or basis passes).
        ``"ex5-laplace-nll"``
            ``answer(y, y_hat)`` returns the total negative log-likelihood of ``y`` when
            ``y - y_hat`` has density ``exp(-|e|) / 2``.
        ``"ex6-compose"``
            ``answer(W1, b1, W2, b2)`` returns ``(W, b)`` with ``x @ W + b`` equal to the
            layer ``(W2, b2)`` applied after the layer ``(W1, b1)``.
        ``"ex8-poisson-nll"``
            ``answer(log_rate, k)`` returns the total negative log-likelihood of counts ``k``
            under Poisson distributions with rates ``exp(log_rate)``.
    answer : callable
        The learner's function.  Inputs are float64 tensors.

    Returns
    -------
    bool
        True when every test input gave a correct result.

    Raises
    ------
    ValueError
        ``label`` is not one of :data:`LABELS`.
    TypeError
        ``answer`` is not callable.

    Examples
    --------
    >>> check("ex1-squared", lambda x: x.mean())
    ✓ ex1-squared: correct on all 5 test inputs.
    True
    >>> check("ex1-squared", lambda x: x.max())
    ✗ ex1-squared: wrong answer.
      input: x = [1.0000, 2.0000, 3.0000, 10.0000]
      expected 4.0000, your function returned 10.0000
    False
    """
    if label not in _EXERCISES:
        known = "; ".join(f"{name} ({_EXERCISES[name].what})" for name in LABELS)
        raise ValueError(f"label must be one of: {known}; got {label!r}")
    if not callable(answer):
        raise TypeError(f"answer must be a function (callable), got {type(answer).__name__}")
    exercise = _EXERCISES[label]
    cases = exercise.cases()
    for args in cases:
        shown = "\n".join(f"  input: {name} = {_fmt(arg)}" for name, arg in zip(exercise.names, args))
        if label == "ex3-quadratic-features":
            shown = f"  input: X of shape {tuple(args[0].shape)}"
        try:
            result = answer(*(arg.clone() for arg in args))
        except Exception as err:  # noqa: BLE001 - any failure of the learner's code is reported, not raised
            print(f"✗ {label}: your function raised {type(err).__name__}: {err}\n{shown}")
            return False
        try:
            exercise.judge(*args, result)
        except _Wrong as wrong:
            print(f"✗ {label}: wrong answer.\n{shown}\n  {wrong}")
            return False
    print(f"✓ {label}: correct on all {len(cases)} test inputs.")
    return True
