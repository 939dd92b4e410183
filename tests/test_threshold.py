"""Tests for d2lmini.threshold: a threshold unit's decision line over the AND, OR and XOR points.

Truth comes from outside the module: exact integer arithmetic in NumPy, Cover's count of the
dichotomies a line can cut from four points in general position, and hand-worked units.
"""

from __future__ import annotations

import html
import itertools
import math
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from conftest import png_rgb

from d2lmini.threshold import (
    ANGLES,
    BIASES,
    GATES,
    INPUTS,
    decision_line_explorer,
    draw_verdict,
    threshold_unit,
    unit_verdict,
    weights_from_angle,
)

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
XOR = (0, 1, 1, 0)
XNOR = (1, 0, 0, 1)


def numpy_outputs(w1: float, w2: float, b: float, tol: float = 0.0) -> tuple[int, ...]:
    """The unit's outputs on the four inputs, computed directly (points within ``tol`` of the line fire)."""
    return tuple(int(v) for v in (X @ np.array([w1, w2]) + b >= -tol))


def test_gates_are_the_truth_tables():
    assert INPUTS == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert GATES["AND"] == tuple(int(a and b) for a, b in INPUTS)
    assert GATES["OR"] == tuple(int(a or b) for a, b in INPUTS)
    assert GATES["XOR"] == tuple(int(a != b) for a, b in INPUTS) == XOR


def test_no_weights_and_bias_separate_xor_exhaustively():
    """Every (w1, w2, b) on an integer grid, in exact integer arithmetic.

    Cover (1965): a line (weights plus a bias, three parameters) cuts 2 * (C(3,0) + C(3,1) + C(3,2))
    = 14 of the 16 dichotomies of four points in general position.  The grid reaches 14 distinct
    output patterns, so it reaches every one a line can make; XOR and XNOR are the two it never makes.
    """
    grid = np.arange(-6, 7)
    w1, w2, b = (a.ravel() for a in np.meshgrid(grid, grid, grid, indexing="ij"))
    sums = X[:, 0, None] * w1 + X[:, 1, None] * w2 + b  # (4, 13**3), exact integers
    patterns = {tuple(int(v) for v in col) for col in (sums >= 0).T}
    assert len(patterns) == 2 * sum(math.comb(3, k) for k in range(3))  # Cover's 14
    assert set(itertools.product((0, 1), repeat=4)) - patterns == {XOR, XNOR}
    assert GATES["AND"] in patterns and GATES["OR"] in patterns  # the check can find a gate when there is one
    xor_right = (((sums >= 0).astype(int)) == np.array(XOR)[:, None]).sum(axis=0)
    assert xor_right.max() == 3 and xor_right.min() == 1


def test_threshold_unit_matches_numpy_and_never_computes_xor():
    """Every unit of a small integer grid, then 1000 random real-valued units, against NumPy.

    None computes XOR or XNOR: f(1,0) + f(0,1) = f(0,0) + f(1,1) for f = w.x + b, so the two
    XOR-ones and the two XOR-zeros cannot have sums of opposite signs.
    """
    x = torch.tensor(INPUTS, dtype=torch.float64)
    reals = np.random.default_rng(0).normal(scale=10, size=(1000, 3))
    for w1, w2, b in itertools.chain(itertools.product(range(-3, 4), repeat=3), reals):
        out = threshold_unit(x, torch.tensor([w1, w2], dtype=torch.float64), float(b))
        outputs = tuple(int(v) for v in out.tolist())
        assert outputs == numpy_outputs(w1, w2, b), (w1, w2, b)
        assert outputs not in (XOR, XNOR), (w1, w2, b)


def test_chapter_units_are_and_or():
    """The weights the chapter's code cell uses."""
    x = [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert threshold_unit(x, [1.0, 1.0], -1.5).tolist() == [0, 0, 0, 1]
    assert threshold_unit(x, [1.0, 1.0], -0.5).tolist() == [0, 1, 1, 1]
    assert threshold_unit(x, [-1.0, -1.0], 1.5).tolist() == [1, 1, 1, 0]


def test_weights_have_unit_length_and_exact_zeros():
    for angle in range(0, 360, 15):
        w1, w2 = weights_from_angle(angle)
        assert math.hypot(w1, w2) == pytest.approx(1, abs=1e-11)
        assert math.atan2(w2, w1) % (2 * math.pi) == pytest.approx(math.radians(angle), abs=1e-11)
    assert weights_from_angle(0) == (1.0, 0.0)
    assert weights_from_angle(90) == (0.0, 1.0)
    assert weights_from_angle(180) == (-1.0, 0.0)
    assert weights_from_angle(270) == (0.0, -1.0)
    w1, w2 = weights_from_angle(135)
    assert w1 == -w2  # (1, 1) lies exactly on the line through the origin


@pytest.mark.parametrize(("angle", "bias"), list(itertools.product(ANGLES, BIASES)))
def test_every_grid_verdict_matches_numpy_and_never_gets_xor_right(angle, bias):
    verdict = unit_verdict(angle, bias)
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    expected = numpy_outputs(c, s, bias, tol=1e-9)  # a point on the line fires (x @ w + b >= 0)
    assert verdict.outputs == expected
    for gate, table in GATES.items():
        assert verdict.correct[gate] == sum(o == t for o, t in zip(expected, table))
    assert 1 <= verdict.correct["XOR"] <= 3
    m = re.search(r"XOR: (\d) of the 4 points right", verdict.alt)
    assert m and int(m.group(1)) == verdict.correct["XOR"]
    assert f"Weight angle {angle:g}°" in verdict.alt and f"bias {bias:g}:" in verdict.alt
    assert f"w = ({c:.2f}, {s:.2f})".replace("-0.00", "0.00") in verdict.alt


def test_the_default_grid_fits_a_page_and_holds_an_and_unit_and_an_or_unit():
    """Hand-worked: w = (1, 1)/sqrt 2 gives sums 0, 0.71, 0.71, 1.41 on the four inputs."""
    assert len(ANGLES) * len(BIASES) == 40  # within a slider figure's 64 frames
    assert 5 <= len(ANGLES) <= 9 and 5 <= len(BIASES) <= 9
    assert {45, 225} <= set(ANGLES) and {-1.2, -0.6, 1.2} <= set(BIASES)
    assert unit_verdict(45, -1.2).outputs == (0, 0, 0, 1)  # only 1.41 - 1.2 >= 0
    assert unit_verdict(45, -0.6).outputs == (0, 1, 1, 1)  # 0.71 - 0.6 >= 0, 0 - 0.6 < 0
    assert unit_verdict(225, 1.2).outputs == (1, 1, 1, 0)  # NAND: 1.2 - 0.71 >= 0 > 1.2 - 1.41
    assert unit_verdict(45, -1.2).correct["AND"] == 4
    assert unit_verdict(45, -0.6).correct["OR"] == 4


def test_alt_text_names_the_inputs_that_fire_and_the_wrong_xor_points():
    alt = unit_verdict(45, -0.6).alt
    assert alt == (
        "Weight angle 45°, so w = (0.71, 0.71), bias -0.6: the unit fires for (0, 1), (1, 0) and (1, 1). "
        "XOR: 3 of the 4 points right (wrong at (1, 1)); AND: 2 of 4; OR: 4 of 4."
    )
    assert "fires for no input" in unit_verdict(45, -1.5).alt  # 1.41 - 1.5 < 0


def test_frame_is_a_phone_sized_png_with_a_cross_on_every_wrong_point():
    frame = draw_verdict(unit_verdict(45, -1.2))  # AND right; OR wrong at 2 inputs; XOR wrong at 3
    assert frame.size == (440, 232)
    image = png_rgb(frame.png)
    vermillion = np.abs(image - np.array([0xD5, 0x5E, 0x00])).sum(axis=2) < 40
    assert vermillion.any()
    # no cross in the AND panel (the left third), crosses in the other two
    third = image.shape[1] // 3
    assert not vermillion[:, :third].any()
    assert vermillion[:, third:2 * third].any() and vermillion[:, 2 * third:].any()
    assert draw_verdict(unit_verdict(45, -1.2)).png == frame.png  # deterministic


def test_static_figure_frames_and_sliders():
    fig = decision_line_explorer(angles=[0, 45, 225], biases=[-1.2, -0.6, 1.2])
    assert len(fig.frames) == 9
    assert [s.options for s in fig.sliders] == [
        (("0°", 0), ("45°", 45), ("225°", 225)), (("-1.2", -1.2), ("-0.6", -0.6), ("1.2", 1.2)),
    ]
    assert (fig.sliders[0].value, fig.sliders[1].value) == (45, -0.6)  # opens at the OR unit
    assert fig.shown().alt == unit_verdict(45, -0.6).alt
    assert fig.frames[2, 2].alt == unit_verdict(225, 1.2).alt
    assert all("XOR: 4" not in frame.alt for frame in fig.frames.values())


def test_live_figure_redraws_on_a_move():
    fig = decision_line_explorer(live=True)
    first = fig.shown()
    assert first.alt == unit_verdict(45, -0.6).alt
    fig.sliders[1].value = -1.2
    assert fig.shown().alt == unit_verdict(45, -1.2).alt and fig.shown().png != first.png
    fig.sliders[0].value = 50  # between the static grid's angles
    assert fig.shown().alt.startswith("Weight angle 50°")
    assert fig.shown().alt in html.unescape(fig.view.value)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"angles": [0, 45, 45]}, ValueError, "angles must be strictly increasing"),
        ({"angles": [0, 360]}, ValueError, r"angles must lie in \[0, 360\)"),
        ({"angles": [-45, 0]}, ValueError, r"angles must lie in \[0, 360\)"),
        ({"angles": []}, TypeError, "angles must be a non-empty sequence"),
        ({"angles": "045"}, TypeError, "angles must be a non-empty sequence"),
        ({"biases": [0.0, float("nan")]}, TypeError, r"biases\[1\] must be a finite real number"),
        ({"biases": [0, True]}, TypeError, r"biases\[1\] must be a finite real number"),
        ({"angles": list(range(0, 320, 20)), "biases": [-1, -0.5, 0, 0.5, 1]}, ValueError, "more than 64"),
        ({"live": 1}, TypeError, "live must be True or False"),
    ],
)
def test_figure_bad_arguments_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        decision_line_explorer(**kwargs)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: threshold_unit([[0, 1]], [1.0, 1.0, 1.0], 0.0), ValueError, "x has 2 columns but w has 3"),
        (lambda: threshold_unit([0, 1], [1.0, 1.0], 0.0), ValueError, "x must be a 2-D matrix"),
        (lambda: threshold_unit([[0, 1]], [1.0, 1.0], float("inf")), TypeError, "b must be a finite real"),
        (lambda: threshold_unit([[0, 1]], [1.0, 1.0], "0"), TypeError, "b must be a finite real"),
        (lambda: threshold_unit([[0, float("nan")]], [1.0, 1.0], 0.0), ValueError, "x must be finite"),
        (lambda: unit_verdict("45", 0.0), TypeError, "angle must be a finite real number"),
        (lambda: unit_verdict(45, None), TypeError, "bias must be a finite real number"),
        (lambda: weights_from_angle(float("nan")), TypeError, "angle must be a finite real number"),
        (lambda: draw_verdict((45, 0.0)), TypeError, "verdict must be a UnitVerdict"),
    ],
)
def test_helpers_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_extreme_but_valid_inputs():
    # a bias far beyond the picture: the unit fires everywhere, and the frame still draws (no line in view)
    verdict = unit_verdict(45, 1e300)
    assert verdict.outputs == (1, 1, 1, 1) and verdict.correct["XOR"] == 2
    assert draw_verdict(verdict).size == (440, 232)
    # float32 tensors keep their dtype
    out = threshold_unit(torch.tensor([[1.0, 1.0]]), torch.tensor([2.0, -3.0]), 0.5)
    assert out.dtype == torch.float32 and out.tolist() == [0.0]
