"""Honest timing: repeated measurements, reported as median and spread."""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ._validation import check_positive_float, check_positive_int


@dataclass(frozen=True)
class Timing:
    """Seconds per call of a benchmarked function.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Attributes
    ----------
    median, min, max : float
        Over the ``repeat`` runs, each of ``number`` calls.
    number : int
        Calls per run.
    times : tuple of float
        Seconds per call in each run.
    """

    median: float
    min: float
    max: float
    number: int
    times: tuple[float, ...]

    def __str__(self) -> str:
        return (
            f"{format_seconds(self.median)} per call (median of {len(self.times)} runs of {self.number}; "
            f"range {format_seconds(self.min)} to {format_seconds(self.max)})"
        )


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit that keeps 3 significant digits.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Examples
    --------
    >>> format_seconds(0.000123)
    '123 µs'
    """
    seconds = check_positive_float("seconds", seconds, allow_zero=True)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        text = f"{seconds / scale:.3g}"
        if float(text) >= 1:  # decide on the rounded value: 0.9999 s is "1 s", not "1e+03 ms"
            return f"{text} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def benchmark(fn: Callable[[], object], *, repeat: int = 7, number: int | None = None) -> Timing:
    """Time ``fn()`` over ``repeat`` runs of ``number`` calls each.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Like :mod:`timeit`, ``number`` defaults to the smallest of 1, 2, 5, 10,
    20, 50, ... calls that take at least 0.2 s together, so short functions
    are timed over many calls and timer resolution does not matter.  When
    CUDA is in use the GPU is synchronised after each run, so queued kernels
    are counted.

    Parameters
    ----------
    fn : callable taking no arguments
    repeat : int, default 7
        Number of runs (at least 1); the median over runs resists outliers.
    number : int, optional
        Calls per run.

    Returns
    -------
    Timing

    Examples
    --------
    >>> timing = benchmark(lambda: sum(range(100)), repeat=3, number=10)
    >>> len(timing.times), timing.number, timing.min <= timing.median <= timing.max
    (3, 10, True)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    repeat = check_positive_int("repeat", repeat)
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        timed = _synchronised(fn)
    else:
        timed = fn
    timer = timeit.Timer(timed)
    number = timer.autorange()[0] if number is None else check_positive_int("number", number)
    times = tuple(t / number for t in timer.repeat(repeat=repeat, number=number))
    return Timing(median=statistics.median(times), min=min(times), max=max(times), number=number, times=times)


def _synchronised(fn: Callable[[], object]) -> Callable[[], object]:
    def call() -> object:
        result = fn()
        torch.cuda.synchronize()
        return result

    return call


def time_sweep(
    make_fn: Callable[[int], Callable[[], object]],
    sizes: Sequence[int],
    *,
    repeat: int = 5,
    number: int | None = None,
) -> list[Timing]:
    """Benchmark ``make_fn(size)`` for every size, with :func:`d2lmini.benchmark`.

    Introduced in chapter 5, *Vectorization for speed*.

    ``make_fn`` builds the inputs for one size and returns the function to
    time, so building the inputs is not part of the measurement.

    Parameters
    ----------
    make_fn : callable taking an int and returning a callable with no arguments
    sizes : sequence of int
        Problem sizes (each at least 1), in the order to report them.
    repeat : int, default 5
        Runs per size; each :class:`Timing` keeps the median and the spread.
    number : int, optional
        Calls per run (default: chosen per size, as :func:`d2lmini.benchmark` does).

    Returns
    -------
    list of Timing
        One per size, in the order of ``sizes``.

    Examples
    --------
    >>> timings = time_sweep(lambda n: (lambda: sum(range(n))), [10, 1000], repeat=3, number=5)
    >>> [len(t.times) for t in timings], [t.number for t in timings]
    ([3, 3], [5, 5])
    """
    if not callable(make_fn):
        raise TypeError(f"make_fn must be callable, got {type(make_fn).__name__}")
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of integers, got {type(sizes).__name__}")
    if len(sizes) == 0:
        raise ValueError("sizes must hold at least one size")
    sizes = [check_positive_int(f"sizes[{i}]", s) for i, s in enumerate(sizes)]
    repeat = check_positive_int("repeat", repeat)
    if number is not None:
        number = check_positive_int("number", number)
    timings = []
    for size in sizes:
        fn = make_fn(size)
        if not callable(fn):
            raise TypeError(f"make_fn({size}) must return a callable, got {type(fn).__name__}")
        timings.append(benchmark(fn, repeat=repeat, number=number))
    return timings
