"""Unit tests for d2lmini.timing (benchmark, Timing, format_seconds), d2lmini.hardware and d2lmini.plotting.

Timing tests never assert on how fast this machine is: the auto-ranging logic is
checked with a fake clock that advances a known amount per call, and the one
real-time test uses sleep, which can only make calls slower, never faster.
"""

from __future__ import annotations

import dataclasses
import time
import timeit

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no display, no GUI backend

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import d2lmini  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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
    assert d2lmini.format_seconds(seconds) == text


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
        d2lmini.format_seconds(seconds)


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


@pytest.mark.parametrize(
    "fn, kwargs, exc, match",
    [
        (42, {}, TypeError, r"fn must be callable, got int"),
        (None, {}, TypeError, r"fn must be callable"),
        (lambda: None, {"repeat": 0}, ValueError, r"repeat must be at least 1"),
        (lambda: None, {"repeat": -1}, ValueError, r"repeat must be at least 1"),
        (lambda: None, {"repeat": 1.5}, TypeError, r"repeat must be an integer"),
        (lambda: None, {"repeat": True}, TypeError, r"repeat must be an integer"),
        (lambda: None, {"number": 0}, ValueError, r"number must be at least 1"),
        (lambda: None, {"number": -3}, ValueError, r"number must be at least 1"),
        (lambda: None, {"number": 2.0}, TypeError, r"number must be an integer"),
        (lambda: None, {"number": True}, TypeError, r"number must be an integer"),
        (lambda: None, {"number": "10"}, TypeError, r"number must be an integer"),
    ],
)
def test_benchmark_rejects_bad_input(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        d2lmini.benchmark(fn, **kwargs)


def test_benchmark_does_not_call_fn_when_input_is_bad():
    calls = []
    with pytest.raises(ValueError):
        d2lmini.benchmark(lambda: calls.append(1), number=0)
    assert calls == []


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_benchmark_on_gpu_runs():
    x = torch.ones(256, 256, device="cuda")
    timing = d2lmini.benchmark(lambda: x @ x, repeat=2, number=3)
    assert timing.number == 3 and len(timing.times) == 2


# ---------------------------------------------------------------- device


def test_device_is_cuda_exactly_when_available():
    dev = d2lmini.device()
    assert isinstance(dev, torch.device)
    assert dev.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert torch.zeros(2, device=dev).device.type == dev.type


# ---------------------------------------------------------------- plot


def test_plot_single_curve_list():
    ax = d2lmini.plot([0, 1, 2], [0, 1, 4])
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), [[0, 0], [1, 1], [2, 4]])


@pytest.mark.parametrize("k", [2, 3, 5])
def test_plot_several_curves_draw_one_line_each_with_their_data(k):
    x = np.linspace(0, 1, 7)
    ys = [x**i for i in range(k)]
    ax = d2lmini.plot(x, ys)
    assert len(ax.lines) == k
    for line, y in zip(ax.lines, ys):
        np.testing.assert_allclose(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), y)


def test_plot_accepts_tensors_that_require_grad():
    x = torch.linspace(0, 1, 5)
    w = torch.tensor(2.0, requires_grad=True)
    ax = d2lmini.plot(x, [w * x, x**2])
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 2 * np.linspace(0, 1, 5), rtol=1e-6)


def test_plot_formats_cycle_and_default_styles():
    x = np.arange(4.0)
    ax = d2lmini.plot(x, [x + i for i in range(5)])
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", "-.", ":", "-"]
    assert mcolors.same_color(ax.lines[1].get_color(), "m")
    assert mcolors.same_color(ax.lines[2].get_color(), "g")
    assert mcolors.same_color(ax.lines[3].get_color(), "r")
    ax = d2lmini.plot(x, [x, x + 1], fmts=["k:"])
    assert [line.get_linestyle() for line in ax.lines] == [":", ":"]


def test_plot_labels_legend_scales_and_grid():
    x = np.array([1.0, 10.0, 100.0])
    ax = d2lmini.plot(x, [x, 2 * x], xlabel="n", ylabel="loss", legend=["a", "b"], xscale="log", yscale="log")
    assert ax.get_xlabel() == "n" and ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert all(gl.get_visible() for gl in ax.xaxis.get_gridlines())
    assert d2lmini.plot(x, x).get_legend() is None


def test_plot_draws_into_given_axes():
    fig, ax = plt.subplots()
    out = d2lmini.plot([0, 1], [0, 1], axes=ax)
    out = d2lmini.plot([0, 1], [[1, 0], [2, 2]], axes=ax)
    assert out is ax
    assert len(ax.lines) == 3
    assert len(fig.axes) == 1


@pytest.mark.parametrize(
    "x, ys, kwargs, match",
    [
        ([0, 1, 2], [0, 1], {}, r"ys\[0\] has shape \(2,\) but x has shape \(3,\)"),
        ([0, 1, 2], [[0, 1, 2], [0, 1]], {}, r"ys\[1\] has shape"),
        ([0, 1, 2], np.ones((2, 3)), {}, r"ys\[0\] has shape \(2, 3\)"),
        ([0, 1], [[0, 1], [1, 0]], {"legend": ["only one"]}, r"legend needs one label per curve \(2\), got 1"),
        ([0, 1], [0, 1], {"fmts": []}, r"fmts must hold at least one format string"),
    ],
)
def test_plot_rejects_bad_input(x, ys, kwargs, match):
    with pytest.raises(ValueError, match=match):
        d2lmini.plot(x, ys, **kwargs)


# ---------------------------------------------------------------- set_figsize


def test_set_figsize_sets_the_size_of_new_figures():
    with matplotlib.rc_context():
        d2lmini.set_figsize((4, 3))
        assert tuple(matplotlib.rcParams["figure.figsize"]) == (4.0, 3.0)
        assert tuple(plt.figure().get_size_inches()) == (4.0, 3.0)
        d2lmini.set_figsize()
        assert tuple(matplotlib.rcParams["figure.figsize"]) == (4.5, 3.0)


@pytest.mark.parametrize(
    "figsize",
    [(0, 3), (-1.0, 2.0), (4, 3, 1), (4,), (float("nan"), 3), (float("inf"), 3), ("4", 3), (True, 3), 5, None, "ab"],
)
def test_set_figsize_rejects_bad_sizes_and_leaves_settings_alone(figsize):
    with matplotlib.rc_context():
        before = tuple(matplotlib.rcParams["figure.figsize"])
        with pytest.raises(ValueError, match=r"figsize must be two positive numbers"):
            d2lmini.set_figsize(figsize)
        assert tuple(matplotlib.rcParams["figure.figsize"]) == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"legend": True}, r"legend must be a list of strings, one per curve, got bool True"),
        ({"legend": "ab"}, r"legend must be a list of strings, one per curve, got str 'ab'"),
        ({"legend": ["a", 2]}, r"legend\[1\] must be a string, got int 2"),
        ({"fmts": "r-"}, r"fmts must be a list of strings, one per curve, got str 'r-'"),
    ],
)
def test_plot_refuses_labels_and_formats_that_are_not_lists_of_strings(kwargs, message):
    # A bare string would be split into one-letter labels; a bool has no length at all.
    with pytest.raises(TypeError, match=message):
        d2lmini.plot([0, 1], [[0, 1], [1, 0]], **kwargs)
