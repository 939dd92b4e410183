"""d2lmini.refit_figures: the refitted lines and the band against NumPy and the one-feature formulas."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from conftest import png_rgb

from d2lmini.refit_figures import draw_refits, refit_explorer, simulate_refits

T_18 = 2.10092204024096  # Student's t quantile at 0.975 with 18 degrees of freedom (printed tables, SciPy)


def same_draws(sigma, n, *, w=2.0, b=1.0, k=20, seed=0, low=-2.0, high=2.0):
    """The datasets simulate_refits promises: evenly spaced x, N(0, sigma^2) noise from a generator seeded with seed."""
    x = np.linspace(low, high, n)
    noise = torch.randn(k, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64).numpy()
    return x, w * x + b + sigma * noise


def test_every_line_is_the_least_squares_line_of_its_dataset():
    refits = simulate_refits(1.5, 12, w=-1.0, b=3.0, num_datasets=7, seed=4)
    x, ys = same_draws(1.5, 12, w=-1.0, b=3.0, k=7, seed=4)
    np.testing.assert_allclose(refits.x, x, rtol=0, atol=1e-15)
    np.testing.assert_allclose(refits.y, ys[0], rtol=1e-15)
    for k in range(7):
        slope, intercept = np.polyfit(x, ys[k], 1)
        assert refits.slopes[k] == pytest.approx(slope, rel=1e-10)
        assert refits.intercepts[k] == pytest.approx(intercept, rel=1e-10, abs=1e-12)


def test_band_and_slope_interval_match_the_one_feature_formulas():
    refits = simulate_refits(1.0, 20)
    x, ys = same_draws(1.0, 20)
    slope, intercept = np.polyfit(x, ys[0], 1)
    residual = ys[0] - (slope * x + intercept)
    sigma2 = residual @ residual / 18
    sxx = ((x - x.mean()) ** 2).sum()
    se = np.sqrt(sigma2 * (1 / 20 + (refits.grid - x.mean()) ** 2 / sxx))
    centre = slope * refits.grid + intercept
    np.testing.assert_allclose(refits.band_low, centre - T_18 * se, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(refits.band_high, centre + T_18 * se, rtol=1e-9, atol=1e-12)
    half_slope = T_18 * math.sqrt(sigma2 / sxx)
    assert refits.slope_low == pytest.approx(slope - half_slope, rel=1e-9)
    assert refits.slope_high == pytest.approx(slope + half_slope, rel=1e-9)
    # narrowest at the mean of x (0), widest at the ends
    assert refits.band_width_centre == pytest.approx(2 * T_18 * math.sqrt(sigma2 / 20), rel=1e-9)
    assert refits.band_width_edge == pytest.approx(2 * T_18 * math.sqrt(sigma2 * (1 / 20 + 4 / sxx)), rel=1e-9)


def test_same_draws_for_every_noise_level_so_deviations_scale_with_sigma():
    one, three = simulate_refits(1.0, 9, seed=2), simulate_refits(3.0, 9, seed=2)
    np.testing.assert_allclose(three.slopes - 2.0, 3 * (one.slopes - 2.0), rtol=1e-9, atol=1e-12)
    assert three.band_width_centre == pytest.approx(3 * one.band_width_centre, rel=1e-9)
    exact = simulate_refits(0.0, 5)  # no noise: every fit is the true line and the band has no width
    np.testing.assert_allclose(exact.slopes, 2.0, rtol=1e-12)
    assert exact.band_width_edge == pytest.approx(0.0, abs=1e-9)


def test_more_examples_narrow_the_spread():
    few, many = simulate_refits(1.0, 5, num_datasets=200), simulate_refits(1.0, 200, num_datasets=200)
    # the slope's standard deviation is sigma / sqrt(Sxx): 0.316 for 5 points on [-2, 2], 0.0606 for 200
    for refits in (few, many):
        sxx = ((refits.x - refits.x.mean()) ** 2).sum()
        assert np.std(refits.slopes, ddof=1) == pytest.approx(1 / math.sqrt(sxx), rel=0.15)
    assert many.band_width_centre < few.band_width_centre / 4


def numbers_in(text):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]


def test_frame_alt_text_states_this_frames_values_and_numbers():
    refits = simulate_refits(2.0, 10)
    x, ys = same_draws(2.0, 10)
    slopes = [np.polyfit(x, y, 1)[0] for y in ys]
    frame = draw_refits(refits)
    assert frame.alt.startswith("Noise standard deviation 2, 10 examples per dataset: the 20 lines")
    stated = numbers_in(frame.alt.split("slopes from ")[1].split(" around")[0])
    assert stated == pytest.approx([min(slopes), max(slopes)], rel=5e-3)
    assert "true slope 2." in frame.alt
    width = numbers_in(frame.alt.split("band of the fit to the dataset drawn as dots is ")[1])[0]
    assert width == pytest.approx(refits.band_width_centre, rel=5e-3)
    assert frame.size == (440, 360)
    assert draw_refits(simulate_refits(2.0, 10)).png == frame.png  # deterministic bytes


def test_explorer_grid_readouts_and_a_live_move():
    fig = refit_explorer(sigmas=[0.5, 1.0, 2.0], sizes=[5, 20], num_datasets=3)
    assert len(fig.frames) == 6
    assert [label for label, _ in fig.sliders[0].options] == ["0.5", "1", "2"]
    assert [label for label, _ in fig.sliders[1].options] == ["5", "20"]
    assert fig.shown().alt.startswith("Noise standard deviation 1, 5 examples")
    assert fig.frames[2, 1].alt.startswith("Noise standard deviation 2, 20 examples")
    live = refit_explorer(sigmas=[0.5, 1.0, 2.0], sizes=[5, 20], num_datasets=3, live=True)
    assert 0.75 in [value for _, value in live.sliders[0].options]  # finer noise levels when live
    assert [value for _, value in live.sliders[1].options] == list(range(5, 21))
    before = live.shown()
    live.sliders[1].value = 13
    after = live.shown()
    assert after.png != before.png and after.alt.startswith("Noise standard deviation 1, 13 examples")


def test_explorer_axes_stay_put_across_frames():
    """The y tick labels (the frame's left eighth) read the same at every noise level, as PIL sees them."""
    fig = refit_explorer(sigmas=[0.5, 4.0], sizes=[5], num_datasets=2)
    small, large = (png_rgb(fig.frames[i, 0].png)[:, :55] for i in range(2))
    assert small.shape == large.shape
    assert np.abs(small - large).sum(axis=-1).max() < 40  # the same pixels, give or take the palette
    # the check sees a change: drawn on their own, each frame fits its own y range and its labels move
    own = (png_rgb(draw_refits(simulate_refits(s, 5, num_datasets=2)).png)[:, :55] for s in (0.5, 4.0))
    assert np.abs(next(own) - next(own)).sum(axis=-1).max() > 200


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sigma": -1.0}, ValueError, "sigma must be non-negative"),
        ({"sigma": "1"}, TypeError, "sigma must be a real number"),
        ({"n": 2}, ValueError, "n must be from 3 to 100,000 .a line and its noise need at least 3 examples"),
        ({"n": 4.0}, TypeError, "n must be an integer"),
        ({"num_datasets": 0}, ValueError, "num_datasets must be from 1 to 500"),
        ({"x_range": (1.0, -1.0)}, ValueError, "x_range must have low < high"),
        ({"x_range": 2.0}, TypeError, "x_range must be a pair"),
        ({"x_range": (0.0, math.inf)}, ValueError, r"x_range\[1\] must be finite"),
        ({"level": 1.5}, ValueError, "level must be strictly between 0 and 1"),
        ({"seed": -1}, ValueError, "seed must be 0 or more"),
        ({"w": math.nan}, ValueError, "w must be finite"),
    ],
)
def test_simulate_refits_bad_input(kwargs, error, match):
    arguments = {"sigma": 1.0, "n": 10} | kwargs
    sigma, n = arguments.pop("sigma"), arguments.pop("n")
    with pytest.raises(error, match=match):
        simulate_refits(sigma, n, **arguments)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sigmas": [1.0, 0.5]}, ValueError, "sigmas must be strictly increasing"),
        ({"sigmas": [0.0, 1.0]}, ValueError, "sigmas must be positive"),
        ({"sigmas": list(np.linspace(0.1, 2, 17))}, ValueError, "sigmas has 17 entries"),
        ({"sizes": [2, 10]}, ValueError, "sizes must be whole numbers of examples, at least 3"),
        ({"sizes": [5.5, 10]}, ValueError, "sizes must be whole numbers"),
        ({"sizes": [5, 10**6]}, ValueError, "sizes may not exceed 100,000"),
        ({"num_datasets": 501}, ValueError, "num_datasets must be from 1 to 500"),
        ({"live": 1}, TypeError, "live must be True or False"),
        ({"seed": 1.5}, TypeError, "seed must be an integer"),
    ],
)
def test_refit_explorer_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        refit_explorer(**kwargs)


def test_draw_refits_refuses_other_objects_and_bad_limits():
    with pytest.raises(TypeError, match="refits must be what simulate_refits returns"):
        draw_refits({"slopes": [1.0]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ylim must have low < high"):
        draw_refits(simulate_refits(1.0, 5, num_datasets=2), ylim=(3.0, 3.0))
