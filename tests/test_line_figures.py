"""Tests for d2lmini.line_figures: the weight-and-bias figure (chapter 1) and the loss figure (chapter 2).

Truth comes from outside the module: predictions, residuals and losses recomputed in NumPy,
the least-squares line from ``numpy.polyfit``, the loss surface from a NumPy broadcast, and
the pixels of the PNGs read back with PIL.
"""

from __future__ import annotations

import html
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from conftest import png_rgb

import d2lmini
from d2lmini.line_figures import (
    LossScene,
    PredictionScene,
    _live_grid,
    draw_loss_frame,
    draw_prediction_frame,
    loss_explorer,
    loss_surface,
    loss_view,
    prediction_explorer,
    prediction_view,
)
from d2lmini.sliders import FRAME_WIDTH_PX


def sig3(value: float) -> str:
    """How the alt texts write a computed number: three significant digits, no trailing zeros."""
    return f"{float(f'{value:.3g}'):g}"


@pytest.fixture(scope="module")
def houses():
    g = torch.Generator().manual_seed(5)
    area = 40 + 160 * torch.rand(12, generator=g)
    age = 60 * torch.rand(12, generator=g)
    X = torch.stack([area, age], dim=1)
    price = X @ torch.tensor([2.0, -1.5]) + 50 + 20 * torch.randn(12, generator=g)
    return X, price


@pytest.fixture(scope="module")
def line_data():
    g = torch.Generator().manual_seed(2)
    x = 1 + 3 * torch.rand(15, generator=g)
    y = 1.5 * x - 1 + 0.6 * torch.randn(15, generator=g)
    return x.reshape(-1, 1), y


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().numpy()


# ---- the views: what a frame shows, against NumPy -------------------------------------------------


def test_prediction_view_matches_numpy(houses):
    X, y = houses
    view = prediction_view(X, y, (1.75, -1.5), 60.0)
    expected = _numpy(X) @ np.array([1.75, -1.5]) + 60.0
    np.testing.assert_allclose(view.predictions, expected, rtol=1e-12)
    assert view.above == int((_numpy(y) > expected).sum())
    ages = _numpy(X)[:, 1]
    assert view.line_at == (0.0, ages[np.abs(ages).argmax()])


def test_prediction_view_with_one_feature_draws_one_line():
    view = prediction_view(torch.tensor([[1.0], [3.0]]), torch.tensor([0.0, 10.0]), (2.0,), 1.0)
    assert view.predictions.tolist() == [3.0, 7.0]  # 2 * 1 + 1, 2 * 3 + 1
    assert view.above == 1 and view.line_at == (0.0,)


def test_loss_view_matches_numpy(line_data):
    X, y = line_data
    view = loss_view(X, y, 1.2, -0.3)
    x_np, y_np = _numpy(X)[:, 0], _numpy(y)
    residuals = y_np - (1.2 * x_np - 0.3)
    np.testing.assert_allclose(view.residuals, residuals, rtol=1e-12, atol=1e-12)
    assert view.loss == pytest.approx(np.mean(0.5 * residuals**2), rel=1e-12)
    assert view.above == int((residuals > 0).sum())


def test_loss_view_of_huge_labels_stays_finite():
    """Labels near float32's limit: their squares overflow float32, but the loss is computed in float64."""
    X = torch.tensor([[0.0], [1.0]])
    y = torch.tensor([3e37, -3e37])
    view = loss_view(X, y, 0.0, 0.0)
    assert view.loss == pytest.approx(0.5 * float(y[0]) ** 2, rel=1e-6)


def test_loss_surface_minimum_is_numpys_least_squares(line_data):
    X, y = line_data
    x_np, y_np = _numpy(X)[:, 0], _numpy(y)
    surface = loss_surface(X, y, (0.0, 3.0), (-3.0, 2.0), points=7)
    slope, intercept = np.polyfit(x_np, y_np, 1)
    assert surface.unique
    assert surface.best_w == pytest.approx(slope, abs=1e-5) and surface.best_b == pytest.approx(intercept, abs=1e-5)
    assert surface.best_loss == pytest.approx(np.mean(0.5 * (slope * x_np + intercept - y_np) ** 2), rel=1e-6)
    W, B = np.meshgrid(np.linspace(0, 3, 7), np.linspace(-3, 2, 7))  # rows follow b, columns follow w
    expected = np.mean(0.5 * (W[..., None] * x_np + B[..., None] - y_np) ** 2, axis=-1)
    np.testing.assert_allclose(surface.losses, expected, rtol=1e-10)
    assert surface.losses.min() >= surface.best_loss - 1e-12  # no grid point beats the least-squares line


def test_loss_surface_of_a_single_x_value_has_no_single_minimum():
    """Every x the same: all lines through (x, mean y) share the lowest loss; no warning escapes."""
    X, y = torch.full((4, 1), 2.0), torch.tensor([1.0, 2.0, 3.0, 6.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        surface = loss_surface(X, y, (0.0, 1.0), (0.0, 1.0), points=3)
    assert not surface.unique
    assert surface.best_loss == pytest.approx(np.mean(0.5 * (3.0 - y.numpy()) ** 2))


# ---- drawing one frame, without widgets -------------------------------------------------------------


def _scene(X, y, example=0):
    return PredictionScene(x=_numpy(X), y=_numpy(y), names=("area", "age", "price"), units=("m²", "years", "k€"),
                           example=example, xlim=(0.0, 210.0), ylim=(-20.0, 500.0))


def test_prediction_frame_alt_text_names_the_values_and_the_example(houses):
    X, y = houses
    view = prediction_view(X, y, (2.25, -1.5), 25)
    frame = draw_prediction_frame(_scene(X, y, example=3), view)
    x3, y3 = _numpy(X)[3], float(_numpy(y)[3])
    predicted = 2.25 * x3[0] - 1.5 * x3[1] + 25
    side = "above" if y3 > predicted else "below"
    assert frame.alt.startswith("weight of area 2.25, bias 25 (age weight fixed at -1.5): example 3 (")
    assert f"area {sig3(x3[0])} m², age {sig3(x3[1])} years" in frame.alt
    assert f"predicted at {sig3(predicted)} k€ against its actual {sig3(y3)} k€" in frame.alt
    assert f"{sig3(abs(y3 - predicted))} k€ {side} the prediction" in frame.alt
    assert frame.alt.endswith(f"{view.above} of the 12 examples lie above their prediction.")
    image = png_rgb(frame.png)
    assert image.shape[1] == FRAME_WIDTH_PX
    assert image[0, 0].min() >= 250  # a white corner: reads in dark mode too


def test_prediction_frame_draws_the_bias_where_the_features_are_zero(houses):
    """The bias square (vermillion) moves up the picture when the bias grows, and nothing else moves it."""
    X, y = houses

    def square_row(b: float) -> float:
        frame = draw_prediction_frame(_scene(X, y), prediction_view(X, y, (2.0, -1.5), b))
        vermillion = np.abs(png_rgb(frame.png) - [0xD5, 0x5E, 0x00]).sum(axis=2) < 60
        rows = np.nonzero(vermillion)[0]
        assert rows.size > 20, "no bias square in the frame"
        return float(rows.mean())

    low, high = square_row(0.0), square_row(200.0)
    assert high < low - 50  # image rows count downwards: a larger bias sits higher


def test_loss_frame_alt_text_gives_the_loss_and_the_distance_to_the_minimum(line_data):
    X, y = line_data
    surface = loss_surface(X, y, (0.0, 3.0), (-3.0, 2.0), points=21)
    scene = LossScene(x=_numpy(X)[:, 0], y=_numpy(y), surface=surface, levels=np.array([0.2, 0.5, 1.0]),
                      xlim=(1.0, 4.0), ylim=(-1.0, 6.0))
    view = loss_view(X, y, 0.8, 0.5)
    frame = draw_loss_frame(scene, view)
    x_np, y_np = _numpy(X)[:, 0], _numpy(y)
    slope, intercept = np.polyfit(x_np, y_np, 1)
    lowest = np.mean(0.5 * (slope * x_np + intercept - y_np) ** 2)
    loss = np.mean(0.5 * (0.8 * x_np + 0.5 - y_np) ** 2)
    above = int((y_np > 0.8 * x_np + 0.5).sum())
    assert frame.alt == (
        f"w = 0.8, b = 0.5: average squared loss {sig3(loss)}; the lowest loss, {sig3(lowest)}, is at "
        f"w = {sig3(slope)}, b = {sig3(intercept)}, and this line's loss is {sig3(loss - lowest)} above it "
        f"({sig3(loss / lowest)} times the lowest); {above} of the 15 points lie above the line."
    )
    assert png_rgb(frame.png).shape == (250, FRAME_WIDTH_PX, 3)


# ---- the explorers -----------------------------------------------------------------------------------


def test_prediction_explorer_draws_every_grid_pair(houses):
    X, y = houses
    fig = prediction_explorer(X, y, [1.5, 2.5], [0, 100], w_other=-1.5, names=["area", "age", "price"],
                              units=["m²", "years", "k€"], start=(2.5, 0))
    assert sorted(fig.frames) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [s.options for s in fig.sliders] == [(("1.5", 1.5), ("2.5", 2.5)), (("0", 0), ("100", 100))]
    assert fig.shown() is fig.frames[1, 0]
    X_np, y_np = _numpy(X), _numpy(y)
    for (i, j), frame in fig.frames.items():
        w, b = (1.5, 2.5)[i], (0, 100)[j]
        predictions = X_np @ np.array([w, -1.5]) + b
        assert frame.alt.startswith(f"weight of area {w:g}, bias {b:g} (age weight fixed at -1.5): example 0 ")
        assert f"predicted at {sig3(predictions[0])} k€" in frame.alt
        assert frame.alt.endswith(f"{int((y_np > predictions).sum())} of the 12 examples lie above their prediction.")
    assert len({frame.png for frame in fig.frames.values()}) == 4


def test_prediction_explorer_with_one_feature_uses_default_names():
    X, y = torch.tensor([[1.0], [2.0], [4.0]]), torch.tensor([3.0, 2.0, 9.0])
    fig = prediction_explorer(X, y, [1.0, 2.0], [0.5], example=2)
    assert [knob.name for knob in fig.knobs] == ["weight of x", "bias"]
    assert fig.shown().alt == (  # start: the middle value of each grid, w = 1 (index 0 of 2), b = 0.5
        "weight of x 1, bias 0.5: example 2 (x 4) is predicted at 4.5 against its actual 9, 4.5 above the prediction; "
        "2 of the 3 examples lie above their prediction."
    )


def test_loss_explorer_opens_at_start_and_every_frame_reads_right(line_data):
    X, y = line_data
    fig = loss_explorer(X, y, [1.0, 1.5], [-1.0, 0.0, 1.0], start=(1.0, 0.0))
    assert [knob.name for knob in fig.knobs] == ["slope w", "intercept b"]
    assert fig.shown() is fig.frames[0, 1]
    x_np, y_np = _numpy(X)[:, 0], _numpy(y)
    for (i, j), frame in fig.frames.items():
        w, b = (1.0, 1.5)[i], (-1.0, 0.0, 1.0)[j]
        loss = np.mean(0.5 * (w * x_np + b - y_np) ** 2)
        assert frame.alt.startswith(f"w = {w:g}, b = {b:g}: average squared loss {sig3(loss)}; ")


def test_figures_are_deterministic(line_data):
    X, y = line_data
    first = loss_explorer(X, y, [1.0, 1.5], [0.0])
    again = loss_explorer(X, y, [1.0, 1.5], [0.0])
    assert [f.png for f in first.frames.values()] == [f.png for f in again.frames.values()]


def test_live_figures_redraw_for_values_between_the_grid(line_data, houses):
    X, y = line_data
    fig = loss_explorer(X, y, [1.0, 2.0], [0.0, 1.0], start=(1.0, 0.0), live=True)
    w_slider = fig.sliders[0]
    assert [v for _, v in w_slider.options] == [1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
    before = fig.shown()
    w_slider.value = 1.4
    after = fig.shown()
    assert after.png != before.png and after.alt.startswith("w = 1.4, b = 0: ")
    assert after.alt in html.unescape(fig.view.value)
    X2, y2 = houses
    fig = prediction_explorer(X2, y2, [1.5, 2.0], [0, 50], w_other=-1.5, live=True)
    fig.sliders[1].value = 30.0
    assert ", bias 30 (" in fig.shown().alt


def test_live_grid_cuts_gaps_into_round_steps():
    assert _live_grid((0.6, 1.0)) == [0.6, 0.7, 0.8, 0.9, 1.0]
    assert _live_grid((0, 25)) == [0, 5.0, 10.0, 15.0, 20.0, 25]
    assert _live_grid((1, 1.00001)) == [1, 1.00001]  # steps would read the same as the ends: none added


def test_the_flat_api_exports_both_explorers():
    assert d2lmini.prediction_explorer is prediction_explorer and d2lmini.loss_explorer is loss_explorer


# ---- bad input: errors that name the argument ------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"X": torch.ones(3, 3)}, ValueError, "X must have one or two columns"),
        ({"X": torch.ones(3)}, ValueError, "X must be a 2-D matrix"),
        ({"X": torch.tensor([[1.0, 0.0], [float("nan"), 1.0], [2.0, 2.0]])}, ValueError, "X must be finite"),
        ({"y": torch.ones(4)}, ValueError, "same number of examples"),
        ({"w_other": None}, TypeError, "w_other, the fixed weight of the second column"),
        ({"w_other": "1"}, TypeError, "w_other must be a real number"),
        ({"w_values": [2.0, 1.0]}, ValueError, "w_values must be strictly increasing"),
        ({"w_values": []}, TypeError, "w_values must be a non-empty sequence"),
        ({"b_values": [0, float("inf")]}, TypeError, r"b_values\[1\] must be a finite real number"),
        ({"w_values": list(range(9)), "b_values": list(range(8))}, ValueError, "9 x 8 = 72 frames, more than 64"),
        ({"names": ["area", "price"]}, TypeError, "names must be a list of 3 strings"),
        ({"units": ["m²", 3, "k€"]}, TypeError, r"units\[1\] must be a string"),
        ({"example": 3}, ValueError, "example must index one of the 3 examples"),
        ({"example": True}, TypeError, "example must be an integer"),
        ({"start": (1.7, 0.0)}, ValueError, r"start must pick one of the values in w_values \[1.0, 2.0\], got 1.7"),
        ({"start": 1.0}, TypeError, "start must be a pair"),
        ({"live": "yes"}, TypeError, "live must be True or False"),
        ({"X": torch.ones(3, 1), "w_other": 2.0}, ValueError,
         "w_other is the weight of a second feature, but X has one column"),
    ],
)
def test_prediction_explorer_refuses_bad_input_naming_it(kwargs, error, match):
    arguments = {"X": torch.tensor([[1.0, 0.0], [2.0, 1.0], [3.0, 2.0]]), "y": torch.tensor([1.0, 2.0, 3.0]),
                 "w_values": [1.0, 2.0], "b_values": [0.0], "w_other": -1.0, **kwargs}
    with pytest.raises(error, match=match):
        prediction_explorer(**arguments)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"X": torch.ones(3, 2)}, ValueError, "X must have exactly one column"),
        ({"y": torch.tensor([1, 2, 3])}, TypeError, "y must hold floating-point numbers"),
        ({"b_values": [0.0, 0.0]}, ValueError, "b_values must be strictly increasing"),
        ({"w_values": "1, 2"}, TypeError, "w_values must be a non-empty sequence"),
        ({"start": (1.0, 5.0)}, ValueError, "start must pick one of the values in b_values"),
        ({"live": 1}, TypeError, "live must be True or False"),
    ],
)
def test_loss_explorer_refuses_bad_input_naming_it(kwargs, error, match):
    arguments = {"X": torch.tensor([[1.0], [2.0], [3.0]]), "y": torch.tensor([1.0, 2.5, 2.0]),
                 "w_values": [1.0, 2.0], "b_values": [0.0, 1.0], **kwargs}
    with pytest.raises(error, match=match):
        loss_explorer(**arguments)


def test_loss_explorer_on_exact_data_reports_the_minimum():
    """A line through every point: lowest loss 0, and the frame on that line says it is at the minimum."""
    X = torch.tensor([[0.0], [1.0], [2.0]])
    fig = loss_explorer(X, 2 * X[:, 0] + 1, [1.0, 2.0], [1.0], start=(2.0, 1.0))
    assert fig.shown().alt == ("w = 2, b = 1: average squared loss 0; the lowest loss, 0, is at w = 2, b = 1, "
                               "and this line is at the minimum; 0 of the 3 points lie above the line.")
    assert fig.frames[0, 0].alt.endswith("loss is 0.833 above it; 2 of the 3 points lie above the line.")  # w = 1: residuals 0, 1, 2
