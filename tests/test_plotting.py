"""Unit tests for d2lmini.plotting: plot, set_figsize, plot_residuals, plot_loss_contours, plot_timings."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from conftest import one_feature_data
from matplotlib.collections import LineCollection, PathCollection

import d2lmini
from d2lmini.timing import Timing

pytestmark = pytest.mark.usefixtures("close_figures")


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
    assert d2lmini.plot([0, 1], [0, 1], axes=ax) is ax
    assert d2lmini.plot([0, 1], [[1, 0], [2, 2]], axes=ax) is ax
    assert len(ax.lines) == 3
    assert len(fig.axes) == 1


@pytest.mark.parametrize(
    "x, ys, kwargs, error, match",
    [
        ([0, 1, 2], [0, 1], {}, ValueError, r"ys\[0\] has shape \(2,\) but x has shape \(3,\)"),
        ([0, 1, 2], [[0, 1, 2], [0, 1]], {}, ValueError, r"ys\[1\] has shape"),
        ([0, 1, 2], np.ones((2, 3)), {}, ValueError, r"ys\[0\] has shape \(2, 3\)"),
        ([0, 1], [[0, 1], [1, 0]], {"legend": ["only one"]}, ValueError, r"legend needs one label per curve \(2\), got 1"),
        ([0, 1], [0, 1], {"fmts": []}, ValueError, r"fmts must hold at least one format string"),
        # labels and formats must be lists of strings: a bare string would be split into one-letter
        # labels, and a bool has no length at all
        ([0, 1], [[0, 1], [1, 0]], {"legend": True}, TypeError, r"legend must be a list of strings, one per curve, got bool True"),
        ([0, 1], [[0, 1], [1, 0]], {"legend": "ab"}, TypeError, r"legend must be a list of strings, one per curve, got str 'ab'"),
        ([0, 1], [[0, 1], [1, 0]], {"legend": ["a", 2]}, TypeError, r"legend\[1\] must be a string, got int 2"),
        ([0, 1], [[0, 1], [1, 0]], {"fmts": "r-"}, TypeError, r"fmts must be a list of strings, one per curve, got str 'r-'"),
    ],
)
def test_plot_rejects_bad_input(x, ys, kwargs, error, match):
    with pytest.raises(error, match=match):
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
    _fig, axes = plt.subplots(1, 2)
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
