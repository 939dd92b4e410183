"""Unit tests for d2lmini.timing: format_seconds, Timing, benchmark and time_sweep.

Timing tests never assert on how fast this machine is: the auto-ranging logic is
checked with a fake clock that advances a known amount per call, and the real-time
tests use sleep, which can only make calls slower, never faster.
"""

from __future__ import annotations

import dataclasses
import time
import timeit

import pytest
import torch

import d2lmini
from d2lmini.timing import format_seconds

# ---------------------------------------------------------------- format_seconds


@pytest.mark.parametrize(
    "seconds, text",
    [
        (2, "2 s"),
        (1.5, "1.5 s"),
        (12.345, "12.3 s"),
        (1.0, "1 s"),
        (0.0123, "12.3 ms"),
        (1e-3, "1 ms"),
        (0.000123, "123 µs"),
        (2.5e-6, "2.5 µs"),
        (5e-7, "500 ns"),
        (1.234e-8, "12.3 ns"),
        (0.0, "0 ns"),
        # values that round up to the next unit must be written in that unit
        (0.9999, "1 s"),
        (0.99949, "999 ms"),
        (0.00099999, "1 ms"),
        (9.9996e-7, "1 µs"),
    ],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


@pytest.mark.parametrize(
    "seconds, exc, match",
    [
        (-1.0, ValueError, r"seconds must be non-negative"),
        (float("nan"), ValueError, r"seconds must be finite"),
        (float("inf"), ValueError, r"seconds must be finite"),
        ("1", TypeError, r"seconds must be a real number"),
        (None, TypeError, r"seconds must be a real number"),
        (True, TypeError, r"seconds must be a real number"),
    ],
)
def test_format_seconds_rejects_bad_input(seconds, exc, match):
    with pytest.raises(exc, match=match):
        format_seconds(seconds)


# ---------------------------------------------------------------- Timing


def test_timing_str_names_units_runs_and_range():
    t = d2lmini.Timing(median=0.0015, min=0.001, max=0.0025, number=10, times=(0.001, 0.0015, 0.0025))
    assert str(t) == "1.5 ms per call (median of 3 runs of 10; range 1 ms to 2.5 ms)"
    t = d2lmini.Timing(median=2e-6, min=1e-6, max=3.5, number=1, times=(1e-6, 2e-6, 3.5))
    assert "2 µs per call" in str(t) and "3.5 s" in str(t)


def test_timing_is_frozen():
    t = d2lmini.Timing(median=1.0, min=1.0, max=1.0, number=1, times=(1.0,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.median = 2.0


# ---------------------------------------------------------------- benchmark


class FakeClock:
    """A clock that only moves when the benchmarked function runs, by exactly `dt` per call."""

    def __init__(self, dt: float):
        self.now, self.dt, self.calls = 0.0, dt, 0

    def __call__(self) -> float:
        return self.now

    def fn(self) -> None:
        self.calls += 1
        self.now += self.dt


@pytest.fixture
def fake_clock(monkeypatch):
    """Make every timeit.Timer read a FakeClock; returns a factory for the clock."""
    real_timer = timeit.Timer
    state = {}

    def make(dt):
        clock = FakeClock(dt)
        state["clock"] = clock
        return clock

    monkeypatch.setattr(timeit, "Timer", lambda stmt, **kw: real_timer(stmt, timer=state["clock"], **kw))
    return make


# dt are powers of two, so the fake clock sums are exact; the auto-range sequence is 1, 2, 5, 10, 20, ...
@pytest.mark.parametrize(
    "dt, expected_number, tried",
    [
        (0.25, 1, [1]),
        (0.125, 2, [1, 2]),
        (0.0625, 5, [1, 2, 5]),
        (2**-5, 10, [1, 2, 5, 10]),
        (2**-10, 500, [1, 2, 5, 10, 20, 50, 100, 200, 500]),
    ],
)
def test_benchmark_auto_number_is_smallest_1_2_5_step_reaching_0_2_s(fake_clock, dt, expected_number, tried):
    clock = fake_clock(dt)
    timing = d2lmini.benchmark(clock.fn, repeat=3)
    assert timing.number == expected_number
    assert timing.number * dt >= 0.2  # the chosen number fills at least 0.2 s ...
    if len(tried) > 1:
        assert tried[-2] * dt < 0.2  # ... and the previous step did not
    # times are per call, not per run
    assert timing.times == pytest.approx((dt, dt, dt))
    assert timing.median == pytest.approx(dt) and timing.min == pytest.approx(dt) and timing.max == pytest.approx(dt)
    # auto-ranging calls, then repeat runs of `number` calls
    assert clock.calls == sum(tried) + 3 * expected_number


def test_benchmark_explicit_number_is_honoured(fake_clock):
    clock = fake_clock(0.5)  # would auto-range to 1
    timing = d2lmini.benchmark(clock.fn, repeat=4, number=3)
    assert timing.number == 3
    assert len(timing.times) == 4
    assert clock.calls == 12  # no auto-ranging calls at all
    assert timing.median == pytest.approx(0.5)


def test_benchmark_statistics_are_median_min_max_of_runs(fake_clock):
    durations = iter([0.1, 0.9, 0.2, 0.4, 0.3])  # mean 0.38, median 0.3
    clock = fake_clock(0.0)

    def fn():
        clock.now += next(durations)

    timing = d2lmini.benchmark(fn, repeat=5, number=1)
    assert timing.times == pytest.approx((0.1, 0.9, 0.2, 0.4, 0.3))
    assert (timing.median, timing.min, timing.max) == pytest.approx((0.3, 0.1, 0.9))


def test_benchmark_real_clock_with_sleep():
    calls = []

    def fn():
        calls.append(1)
        time.sleep(0.11)

    timing = d2lmini.benchmark(fn, repeat=2)
    assert timing.number in (1, 2)  # 2 sleeps already exceed 0.2 s
    assert timing.number * timing.median >= 0.2
    assert timing.min >= 0.11
    assert timing.min <= timing.median <= timing.max
    assert len(timing.times) == 2
    assert "s per call" in str(timing)


def never_called() -> None:
    """The function timed in the bad-input tests: the input must be refused before any call."""
    raise AssertionError("fn was called although the input is bad")


@pytest.mark.parametrize(
    "fn, kwargs, exc, match",
    [
        (42, {}, TypeError, r"fn must be callable, got int"),
        (None, {}, TypeError, r"fn must be callable"),
        (never_called, {"repeat": 0}, ValueError, r"repeat must be at least 1"),
        (never_called, {"repeat": -1}, ValueError, r"repeat must be at least 1"),
        (never_called, {"repeat": 1.5}, TypeError, r"repeat must be an integer"),
        (never_called, {"repeat": True}, TypeError, r"repeat must be an integer"),
        (never_called, {"number": 0}, ValueError, r"number must be at least 1"),
        (never_called, {"number": -3}, ValueError, r"number must be at least 1"),
        (never_called, {"number": 2.0}, TypeError, r"number must be an integer"),
        (never_called, {"number": True}, TypeError, r"number must be an integer"),
        (never_called, {"number": "10"}, TypeError, r"number must be an integer"),
    ],
)
def test_benchmark_rejects_bad_input(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        d2lmini.benchmark(fn, **kwargs)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_benchmark_on_gpu_runs():
    x = torch.ones(256, 256, device="cuda")
    timing = d2lmini.benchmark(lambda: x @ x, repeat=2, number=3)
    assert timing.number == 3 and len(timing.times) == 2


# ---------------------------------------------------------------- time_sweep


def test_time_sweep_measures_at_least_the_time_slept_and_keeps_the_order():
    built = []

    def make(size):
        built.append(size)
        return lambda: time.sleep(size / 1000)

    timings = d2lmini.time_sweep(make, [20, 2], repeat=3, number=1)
    assert built == [20, 2]
    assert [len(t.times) for t in timings] == [3, 3]
    assert [t.number for t in timings] == [1, 1]
    # sleep never returns early, so every run takes at least the time asked for
    assert min(timings[0].times) >= 0.020 and min(timings[1].times) >= 0.002
    assert timings[0].median > timings[1].median
    for t in timings:
        assert t.min <= t.median <= t.max


def test_time_sweep_calls_the_function_repeat_times_number_each():
    calls = {"n": 0}

    def make(size):
        def fn():
            calls["n"] += 1

        return fn

    d2lmini.time_sweep(make, [1, 2, 3], repeat=4, number=5)
    assert calls["n"] == 3 * 4 * 5


@pytest.mark.parametrize(
    "make, sizes, kwargs, error, words",
    [
        (lambda n: never_called, [], {}, ValueError, "at least one size"),
        (lambda n: never_called, [10, 0], {}, ValueError, r"sizes\[1\] must be at least 1"),
        (lambda n: never_called, [1.5], {}, TypeError, r"sizes\[0\] must be an integer"),
        (lambda n: never_called, "123", {}, TypeError, "sizes must be a sequence"),
        ("not callable", [1], {}, TypeError, "make_fn must be callable"),
        (lambda n: 42, [1], {}, TypeError, r"make_fn\(1\) must return a callable"),
        (lambda n: never_called, [1], {"repeat": 0}, ValueError, "repeat must be at least 1"),
        (lambda n: never_called, [1], {"number": 0}, ValueError, "number must be at least 1"),
    ],
)
def test_time_sweep_rejects_bad_input(make, sizes, kwargs, error, words):
    with pytest.raises(error, match=words):
        d2lmini.time_sweep(make, sizes, **kwargs)
