"""Unit tests for the helpers behind chapters 2-5: loss_grid, time_sweep and the three figures.

Truth: the average squared loss written out as a plain Python double loop and as
its quadratic expansion in the data moments; np.polyfit for the least-squares line;
wall-clock lower bounds from time.sleep; the residual segments, line ends and
timing bands recomputed by hand from the inputs.
"""

from __future__ import annotations

import math
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402

import d2lmini  # noqa: E402
from d2lmini.timing import Timing  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def one_feature_data(n: int = 25, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = 1 + 3 * torch.rand(n, generator=g)
    y = 1.5 * x - 1 + 0.5 * torch.randn(n, generator=g)
    return x, y


# ---------------------------------------------------------------- loss_grid


def test_loss_grid_matches_a_plain_double_loop():
    x, y = one_feature_data(7)
    ws, bs = torch.tensor([-1.0, 0.0, 1.5, 2.0]), torch.tensor([-2.0, 0.5, 3.0])
    grid = d2lmini.loss_grid(x, y, ws, bs)
    assert grid.shape == (3, 4) and grid.dtype == torch.float64
    xs, ys = x.tolist(), y.tolist()
    for i, b in enumerate(bs.tolist()):
        for j, w in enumerate(ws.tolist()):
            expected = sum(0.5 * (w * xk + b - yk) ** 2 for xk, yk in zip(xs, ys)) / len(xs)
            assert math.isclose(float(grid[i, j]), expected, rel_tol=1e-6)


def test_loss_grid_matches_the_quadratic_expansion_in_data_moments():
    x, y = one_feature_data(40, seed=3)
    xd, yd = x.double().numpy(), y.double().numpy()
    sxx, sx, sxy, sy, syy = (xd * xd).mean(), xd.mean(), (xd * yd).mean(), yd.mean(), (yd * yd).mean()
    ws, bs = torch.linspace(-2, 4, 13), torch.linspace(-3, 3, 11)
    W, B = np.meshgrid(ws.double().numpy(), bs.double().numpy())
    expected = 0.5 * (W**2 * sxx + 2 * W * B * sx + B**2 - 2 * W * sxy - 2 * B * sy + syy)
    np.testing.assert_allclose(d2lmini.loss_grid(x, y, ws, bs).numpy(), expected, rtol=1e-9, atol=1e-9)


def test_loss_grid_is_smallest_at_the_least_squares_line():
    x, y = one_feature_data(30, seed=5)
    slope, intercept = np.polyfit(x.double().numpy(), y.double().numpy(), 1)
    ws = torch.tensor([slope - 0.1, slope, slope + 0.1], dtype=torch.float64)
    bs = torch.tensor([intercept - 0.1, intercept, intercept + 0.1], dtype=torch.float64)
    grid = d2lmini.loss_grid(x, y, ws, bs)
    assert int(grid.argmin()) == 4  # the centre of the 3 x 3 grid
    residual = slope * x.double().numpy() + intercept - y.double().numpy()
    assert math.isclose(float(grid[1, 1]), 0.5 * float(np.mean(residual**2)), rel_tol=1e-9)


def test_loss_grid_is_zero_on_exact_data_and_accepts_a_column():
    x = torch.tensor([0.0, 1.0, 2.0, 3.0])
    y = 2 * x + 1
    grid = d2lmini.loss_grid(x.reshape(-1, 1), y, torch.tensor([2.0, 3.0]), torch.tensor([1.0]))
    assert float(grid[0, 0]) == 0.0
    # slope 3 misses by x at each point: mean of x^2 / 2 = (0 + 1 + 4 + 9) / 4 / 2
    assert math.isclose(float(grid[0, 1]), 14 / 8)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"x": torch.zeros(3), "y": torch.zeros(4)}, ValueError, "same number of examples"),
        ({"x": torch.zeros(3, 2), "y": torch.zeros(3)}, ValueError, "x must be a 1-D vector"),
        ({"w_values": torch.tensor([])}, ValueError, "at least one value"),
        ({"b_values": torch.zeros(2, 2)}, ValueError, "b_values must be a 1-D"),
        ({"x": torch.tensor([1, 2, 3])}, TypeError, "floating-point"),
        ({"y": torch.tensor([1.0, float("nan"), 0.0])}, ValueError, "finite"),
        ({"x": torch.zeros(0), "y": torch.zeros(0)}, ValueError, "at least one example"),
    ],
)
def test_loss_grid_rejects_bad_input(kwargs, error, words):
    args = {"x": torch.zeros(3), "y": torch.zeros(3), "w_values": torch.zeros(2), "b_values": torch.zeros(2)}
    args.update(kwargs)
    with pytest.raises(error, match=words):
        d2lmini.loss_grid(**args)


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
        (lambda n: (lambda: None), [], {}, ValueError, "at least one size"),
        (lambda n: (lambda: None), [10, 0], {}, ValueError, r"sizes\[1\] must be at least 1"),
        (lambda n: (lambda: None), [1.5], {}, TypeError, r"sizes\[0\] must be an integer"),
        (lambda n: (lambda: None), "123", {}, TypeError, "sizes must be a sequence"),
        ("not callable", [1], {}, TypeError, "make_fn must be callable"),
        (lambda n: 42, [1], {}, TypeError, r"make_fn\(1\) must return a callable"),
        (lambda n: (lambda: None), [1], {"repeat": 0}, ValueError, "repeat must be at least 1"),
        (lambda n: (lambda: None), [1], {"number": 0}, ValueError, "number must be at least 1"),
    ],
)
def test_time_sweep_rejects_bad_input(make, sizes, kwargs, error, words):
    with pytest.raises(error, match=words):
        d2lmini.time_sweep(make, sizes, **kwargs)


# ---------------------------------------------------------------- plot_residuals


def test_plot_residuals_draws_one_vertical_segment_from_each_label_to_the_line():
    x, y = one_feature_data(9, seed=1)
    w, b = 1.2, -0.3
    ax = d2lmini.plot_residuals(x, y, w, b)
    segments = [s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]
    assert len(segments) == 9
    got = sorted((float(s[0][0]), float(min(s[0][1], s[1][1])), float(max(s[0][1], s[1][1]))) for s in segments)
    expected = sorted(
        (xi, min(yi, w * xi + b), max(yi, w * xi + b)) for xi, yi in zip(x.double().tolist(), y.double().tolist())
    )
    np.testing.assert_allclose(np.array(got), np.array(expected), rtol=1e-6, atol=1e-6)
    for s in segments:  # vertical: both ends at the same x
        assert s[0][0] == pytest.approx(s[1][0])


def test_plot_residuals_line_spans_the_data_and_points_are_the_labels():
    x, y = one_feature_data(6, seed=2)
    ax = d2lmini.plot_residuals(x.reshape(-1, 1), y, torch.tensor([2.0]), torch.tensor(0.5), line_label="fit")
    (line,) = ax.lines
    xs, ys = line.get_data()
    assert list(xs) == pytest.approx([float(x.min()), float(x.max())])
    assert list(ys) == pytest.approx([2 * float(x.min()) + 0.5, 2 * float(x.max()) + 0.5])
    assert line.get_label() == "fit"
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(points.get_offsets(), np.column_stack([x.numpy(), y.numpy()]), rtol=1e-6)


def test_plot_residuals_draws_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    returned = d2lmini.plot_residuals([0.0, 1.0], [1.0, 2.0], 1.0, 1.0, axes=axes[1])
    assert returned is axes[1] and len(axes[0].lines) == 0


@pytest.mark.parametrize(
    "args, error, words",
    [
        (([0.0, 1.0], [1.0], 1.0, 0.0), ValueError, "same number of examples"),
        (([0.0, 1.0], [1.0, 2.0], float("nan"), 0.0), ValueError, "w must be finite"),
        (([0.0, 1.0], [1.0, 2.0], 1.0, "zero"), TypeError, "b must be a real number"),
        ((torch.zeros(2, 2), [1.0, 2.0], 1.0, 0.0), ValueError, "x must be a 1-D vector"),
    ],
)
def test_plot_residuals_rejects_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        d2lmini.plot_residuals(*args)


# ---------------------------------------------------------------- plot_loss_contours


def capture_contour_sets(monkeypatch) -> list:
    """Record every ContourSet drawn; matplotlib < 3.8 keeps none of them in ``ax.collections``."""
    import matplotlib.axes

    drawn = []
    original = matplotlib.axes.Axes.contour

    def contour(self, *args, **kwargs):
        drawn.append(original(self, *args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(matplotlib.axes.Axes, "contour", contour)
    return drawn


def test_plot_loss_contours_marks_the_minimum_and_spaces_levels_above_it(monkeypatch):
    drawn = capture_contour_sets(monkeypatch)
    ws, bs = torch.linspace(-1, 3, 41), torch.linspace(-2, 2, 31)
    losses = 0.25 + (ws[None, :] - 1) ** 2 + (bs[:, None] - 0.5) ** 2
    ax = d2lmini.plot_loss_contours(ws, bs, losses, minimum=(1.0, 0.5), levels=8)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w", "b")
    (star,) = [line for line in ax.lines if line.get_marker() == "*"]
    assert list(star.get_xdata()) == [1.0] and list(star.get_ydata()) == [0.5]
    (contours,) = drawn
    levels = np.asarray(contours.levels)
    assert len(levels) == 8
    assert np.all(np.diff(levels) > 0)
    low, high = float(losses.min()), float(losses.max())
    assert levels[0] > low and levels[-1] == pytest.approx(high)
    # heights above the minimum grow by a constant factor
    heights = levels - low
    np.testing.assert_allclose(heights[1:] / heights[:-1], (heights[-1] / heights[0]) ** (1 / 7), rtol=1e-9)


def test_plot_loss_contours_accepts_a_constant_surface_without_rings(monkeypatch):
    drawn = capture_contour_sets(monkeypatch)
    d2lmini.plot_loss_contours([0.0, 1.0], [0.0, 1.0], np.ones((2, 2)))
    assert drawn == []


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"losses": np.ones((3, 2))}, ValueError, r"shape \(len\(b_values\), len\(w_values\)\)"),
        ({"losses": -np.ones((2, 3))}, ValueError, "non-negative"),
        ({"levels": 1}, ValueError, "levels must be at least 2"),
        ({"levels": 2.5}, TypeError, "levels must be an integer"),
        ({"minimum": (1.0,)}, ValueError, "pair"),
        ({"minimum": 1.0}, ValueError, "pair"),
        ({"w_values": []}, ValueError, "w_values must be a non-empty"),
    ],
)
def test_plot_loss_contours_rejects_bad_input(kwargs, error, words):
    args = {"w_values": [0.0, 1.0, 2.0], "b_values": [0.0, 1.0], "losses": np.arange(6.0).reshape(2, 3)}
    args.update(kwargs)
    with pytest.raises(error, match=words):
        d2lmini.plot_loss_contours(**args)


# ---------------------------------------------------------------- plot_timings


def timing(times: tuple[float, ...]) -> Timing:
    return Timing(median=float(np.median(times)), min=min(times), max=max(times), number=1, times=times)


def test_plot_timings_draws_medians_on_log_axes_with_a_min_max_band():
    sizes = [10, 100, 1000]
    slow = [timing((1e-5, 2e-5, 4e-5)), timing((1e-4, 3e-4, 2e-4)), timing((1e-3, 1e-3, 5e-3))]
    fast = [timing((1e-6, 1e-6, 1e-6))] * 3
    ax = d2lmini.plot_timings(sizes, {"loop": slow, "vectorised": fast}, xlabel="n")
    assert (ax.get_xscale(), ax.get_yscale(), ax.get_xlabel()) == ("log", "log", "n")
    loop_line, vec_line = ax.lines
    assert loop_line.get_label() == "loop" and vec_line.get_label() == "vectorised"
    assert list(loop_line.get_xdata()) == sizes
    assert list(loop_line.get_ydata()) == pytest.approx([2e-5, 2e-4, 1e-3])
    band = ax.collections[0]
    vertices = band.get_paths()[0].vertices
    # the band reaches exactly from the fastest to the slowest run at every size
    for size, t in zip(sizes, slow):
        ys = vertices[np.isclose(vertices[:, 0], size), 1]
        assert ys.min() == pytest.approx(t.min) and ys.max() == pytest.approx(t.max)
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["loop", "vectorised"]


@pytest.mark.parametrize(
    "sizes, timings, error, words",
    [
        ([10, 100], {"a": [timing((1.0,))]}, ValueError, "has 1 entries but there are 2 sizes"),
        ([10], {"a": [1.0]}, TypeError, "Timing objects"),
        ([0], {"a": [timing((1.0,))]}, ValueError, "positive"),
        ([10], {}, TypeError, "non-empty mapping"),
        ([10], [timing((1.0,))], TypeError, "non-empty mapping"),
    ],
)
def test_plot_timings_rejects_bad_input(sizes, timings, error, words):
    with pytest.raises(error, match=words):
        d2lmini.plot_timings(sizes, timings)
