"""Honest timing: repeated measurements, reported as median and spread."""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ._validation import check_positive_float, check_positive_int


@dataclass(frozen=True)
class Timing:
    """Seconds per call of a benchmarked function.

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
