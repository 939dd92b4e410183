"""One threshold unit on two binary inputs: which logic gates its decision line can draw.

A threshold unit fires (outputs 1) when ``x @ w + b >= 0``.  On the plane of its two
inputs the set where it fires is a half-plane, bounded by the *decision line*
``w1 x1 + w2 x2 + b = 0``.  :func:`decision_line_explorer` lets a reader turn that line
over the four inputs ``(0, 0), (0, 1), (1, 0), (1, 1)`` and count, for the truth tables
of AND, OR and XOR, how many of the four the unit gets right: some lines get AND or OR
entirely right, none gets XOR right.

Scaling ``w`` and ``b`` by the same positive number changes no output, so every unit
with ``w != 0`` acts like one whose weight vector has length one,
``w = (cos angle, sin angle)``: the figure's two knobs, the angle and the bias, reach
every such unit.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ._validation import TensorLike, as_float_tensor, check_grid
from .sliders import (
    MAX_FRAMES,
    MAX_VALUES,
    Frame,
    Knob,
    SliderFigure,
    frame_figure,
    nearest,
    slider_figure,
    to_frame,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

INPUTS: tuple[tuple[int, int], ...] = ((0, 0), (0, 1), (1, 0), (1, 1))
"""The four inputs of a two-input logic gate, in truth-table order."""
GATES: dict[str, tuple[int, ...]] = {"AND": (0, 0, 0, 1), "OR": (0, 1, 1, 1), "XOR": (0, 1, 1, 0)}
"""The wanted output for each of :data:`INPUTS`, per gate, in the order the figure shows them."""
ANGLES: tuple[int, ...] = (0, 45, 90, 135, 180, 225, 270, 315)
"""The weight-vector angles (degrees) of the static figure: every direction, in steps of 45°."""
BIASES: tuple[float, ...] = (-1.2, -0.6, 0.0, 0.6, 1.2)
"""The biases of the static figure; with a unit-length ``w`` the line is ``-b`` from the origin."""
START_ANGLE, START_BIAS = 45, -0.6
"""Where the figure opens (or at the grid values nearest these): the OR gate."""

_FIRE_COLOR = "#cfe3f5"  # the half-plane where the unit fires (the diagrams' "computed" tint)
_POINT_COLOR = "#0072B2"  # Okabe-Ito blue
_WRONG_COLOR = "#D55E00"  # Okabe-Ito vermillion
_VIEW = (-0.6, 1.6)  # both axes
_HEIGHT_PX = 232


def threshold_unit(x: TensorLike, w: TensorLike, b: float) -> torch.Tensor:
    """A threshold unit with real weights: 1.0 where ``x @ w + b >= 0``, else 0.0.

    Introduced in chapter 7, *Linear regression as a neural network*, which writes the
    same one line in a code cell; this copy checks its inputs.

    Parameters
    ----------
    x : tensor, array or nested list, shape (n, d)
        One input per row.
    w : tensor, array or list, shape (d,)
        The weights.
    b : float
        The bias.

    Returns
    -------
    torch.Tensor, shape (n,)
        1.0 for each row on which the unit fires, 0.0 elsewhere.

    Examples
    --------
    >>> threshold_unit([[0, 0], [0, 1], [1, 0], [1, 1]], [1.0, 1.0], -1.5)  # AND
    tensor([0., 0., 0., 1.])
    """
    x = as_float_tensor("x", x, ndim=2)
    w = as_float_tensor("w", w, ndim=1, dtype=x.dtype, device=x.device)
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"x has {x.shape[1]} columns but w has {w.shape[0]} weights; they must match")
    if w.device != x.device:
        raise ValueError(f"x is on {x.device} but w is on {w.device}; put them on the same device")
    _check_number("b", b)
    return (x @ w.to(x.dtype) + float(b) >= 0).to(x.dtype)


def weights_from_angle(angle: float) -> tuple[float, float]:
    """The unit-length weight vector ``(cos angle, sin angle)`` for an angle in degrees.

    Both components are rounded to 12 decimals, so that 90° gives exactly ``(0, 1)`` and
    at 135° the two components cancel exactly: an input that lies on the decision line
    is then classified the same way (as firing) whatever the angle.

    Examples
    --------
    >>> weights_from_angle(90)
    (0.0, 1.0)
    >>> weights_from_angle(225)
    (-0.707106781187, -0.707106781187)
    """
    _check_number("angle", angle)
    radians = math.radians(angle)
    return round(math.cos(radians), 12) + 0.0, round(math.sin(radians), 12) + 0.0  # + 0.0: no -0.0


@dataclass(frozen=True)
class UnitVerdict:
    """What one threshold unit does on the four inputs of a logic gate.

    Attributes
    ----------
    angle : float
        Angle of the weight vector, degrees.
    bias : float
    weights : (float, float)
        ``(cos angle, sin angle)``, from :func:`weights_from_angle`.
    outputs : tuple of int
        The unit's output (0 or 1) on each of :data:`INPUTS`.
    correct : dict
        For each gate of :data:`GATES`, on how many of the four inputs the output is the wanted one.
    """

    angle: float
    bias: float
    weights: tuple[float, float]
    outputs: tuple[int, ...]
    correct: dict[str, int]

    def wrong(self, gate: str) -> list[tuple[int, int]]:
        """The inputs on which the unit's output differs from ``gate``'s truth table."""
        return [x for x, out, want in zip(INPUTS, self.outputs, GATES[gate]) if out != want]

    @property
    def alt(self) -> str:
        """The verdict in words, as a frame's alt text."""
        w1, w2 = self.weights
        fires = [x for x, out in zip(INPUTS, self.outputs) if out]
        fired = "no input" if not fires else _join([f"({a}, {b})" for a, b in fires])
        xor = self.correct["XOR"]
        wrong = self.wrong("XOR")
        where = f" (wrong at {_join([f'({a}, {b})' for a, b in wrong])})" if wrong else ""
        return (
            f"Weight angle {self.angle:g}°, so w = ({w1:.2f}, {w2:.2f}), bias {self.bias:g}: "
            f"the unit fires for {fired}. "
            f"XOR: {xor} of the 4 points right{where}; "
            f"AND: {self.correct['AND']} of 4; OR: {self.correct['OR']} of 4."
        )


def unit_verdict(angle: float, bias: float) -> UnitVerdict:
    """Run the unit of weight angle ``angle`` (degrees) and bias ``bias`` on the four inputs.

    The outputs come from :func:`threshold_unit`; they are compared with the truth
    tables of AND, OR and XOR.

    Examples
    --------
    >>> verdict = unit_verdict(45, -0.6)
    >>> verdict.outputs, verdict.correct
    ((0, 1, 1, 1), {'AND': 2, 'OR': 4, 'XOR': 3})
    """
    _check_number("angle", angle)
    _check_number("bias", bias)
    weights = weights_from_angle(angle)
    x = torch.tensor(INPUTS, dtype=torch.float64)
    outputs = tuple(int(v) for v in threshold_unit(x, torch.tensor(weights, dtype=torch.float64), bias).tolist())
    correct = {gate: sum(o == t for o, t in zip(outputs, table)) for gate, table in GATES.items()}
    return UnitVerdict(angle, bias, weights, outputs, correct)


def draw_verdict(verdict: UnitVerdict) -> Frame:
    """One frame: the decision line over the AND, OR and XOR points, with how many it gets right.

    Each panel shades the half-plane where the unit fires, draws the line and the
    weight vector (an arrow into the firing side), and marks each input: filled where
    the gate wants 1, open where it wants 0, crossed out where the unit is wrong.

    Examples
    --------
    >>> frame = draw_verdict(unit_verdict(45, -1.2))
    >>> frame.size
    (440, 232)
    >>> for sentence in frame.alt.split(". "):
    ...     print(sentence)
    Weight angle 45°, so w = (0.71, 0.71), bias -1.2: the unit fires for (1, 1)
    XOR: 1 of the 4 points right (wrong at (0, 1), (1, 0) and (1, 1)); AND: 4 of 4; OR: 2 of 4.
    """
    if not isinstance(verdict, UnitVerdict):
        raise TypeError(f"verdict must be a UnitVerdict (see unit_verdict), got {type(verdict).__name__}")
    figure, axes = frame_figure(_HEIGHT_PX, ncols=len(GATES), sharey=True,
                                gridspec_kw={"left": 0.08, "right": 0.99, "top": 0.8, "bottom": 0.24,
                                             "wspace": 0.1})
    w1, w2 = verdict.weights
    figure.text(0.5, 0.975, f"w = ({w1:.2f}, {w2:.2f}), b = {verdict.bias:g}", ha="center", va="top",
                fontsize=11)
    figure.text(0.5, 0.015, "filled: the gate wants 1   shaded: the unit fires   \u2715: wrong", ha="center",
                va="bottom", fontsize=10)
    for ax, (gate, table) in zip(axes, GATES.items()):
        _draw_panel(ax, verdict, gate, table)
    axes[0].set_ylabel("$x_2$", labelpad=1)
    return to_frame(figure, verdict.alt)


def _draw_panel(ax: Axes, verdict: UnitVerdict, gate: str, table: tuple[int, ...]) -> None:
    w1, w2 = verdict.weights
    b = verdict.bias
    lo, hi = _VIEW
    region = _fire_region((w1, w2), b, lo, hi)
    if region:
        ax.fill(*zip(*region), color=_FIRE_COLOR, linewidth=0, zorder=0)
    foot = _foot((w1, w2), b, (0.5, 0.5))  # the point of the line nearest the square's centre
    if lo <= foot[0] <= hi and lo <= foot[1] <= hi:
        ax.axline(foot, (foot[0] - w2, foot[1] + w1), color="black", linewidth=2, zorder=1)
        ax.annotate("", xy=(foot[0] + 0.45 * w1, foot[1] + 0.45 * w2), xytext=foot, zorder=2,
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5, "shrinkA": 0,
                                "shrinkB": 0})
    for (x1, x2), want, out in zip(INPUTS, table, verdict.outputs):
        ax.plot(x1, x2, "o", markersize=11, markeredgewidth=2, markeredgecolor=_POINT_COLOR,
                markerfacecolor=_POINT_COLOR if want else "white", zorder=3)
        if out != want:
            ax.plot(x1, x2, "x", markersize=17, markeredgewidth=3, color=_WRONG_COLOR, zorder=4)
    right = verdict.correct[gate]
    ax.set_title(f"{gate}: {right} of 4" + (" ✓" if right == 4 else ""), fontsize=11, pad=4,
                 fontweight="bold" if right == 4 else "normal")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    ax.set_xlabel("$x_1$", labelpad=0)


def _foot(w: tuple[float, float], b: float, point: tuple[float, float]) -> tuple[float, float]:
    """The point of the line ``w . x + b = 0`` nearest ``point`` (``w`` of length one)."""
    w1, w2 = w
    norm2 = w1 * w1 + w2 * w2
    gap = (w1 * point[0] + w2 * point[1] + b) / norm2
    return point[0] - gap * w1, point[1] - gap * w2


def _fire_region(w: tuple[float, float], b: float, lo: float, hi: float) -> list[tuple[float, float]]:
    """The square ``[lo, hi]^2`` cut to the half-plane ``w . x + b >= 0`` (a polygon; empty if none)."""
    square = [(lo, lo), (hi, lo), (hi, hi), (lo, hi)]

    def side(p: tuple[float, float]) -> float:
        return w[0] * p[0] + w[1] * p[1] + b

    out: list[tuple[float, float]] = []
    for p, q in zip(square, square[1:] + square[:1]):
        sp, sq = side(p), side(q)
        if sp >= 0:
            out.append(p)
        if (sp >= 0) != (sq >= 0):
            t = sp / (sp - sq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def decision_line_explorer(
    *,
    angles: Sequence[float] = ANGLES,
    biases: Sequence[float] = BIASES,
    live: bool = False,
) -> SliderFigure:
    """Sliders for the weight angle and the bias of one threshold unit, over the AND, OR and XOR points.

    Introduced in chapter 7, *Linear regression as a neural network*.

    Each frame draws the unit's decision line over the four inputs of each gate and
    says how many of the four it gets right (:func:`unit_verdict`, which runs
    :func:`threshold_unit`).  Some settings get AND or OR entirely right; none gets
    XOR right, and the alt text of every frame says how many XOR points it gets right.

    Parameters
    ----------
    angles : sequence of numbers, default :data:`ANGLES`
        Weight-vector angles in degrees, strictly increasing, in ``[0, 360)``; the static
        figure draws one frame per angle and bias.
    biases : sequence of numbers, default :data:`BIASES`
        Biases, strictly increasing and finite.
    live : bool, default False
        Redraw on every move (needs a running kernel), for any angle in steps of 5° and
        any bias from -1.5 to 1.5 in steps of 0.1 (and the grid values).

    Returns
    -------
    SliderFigure
        Display it to show the sliders and the picture.  It opens at the grid values
        nearest 45° and -0.6.

    Examples
    --------
    >>> fig = decision_line_explorer(angles=[0, 45, 90], biases=[-0.6, 0.6])
    >>> len(fig.frames), [knob.label(s.value) for knob, s in zip(fig.knobs, fig.sliders)]
    (6, ['45°', '-0.6'])
    >>> fig.shown().alt.split(". ")[1]
    'XOR: 3 of the 4 points right (wrong at (1, 1)); AND: 2 of 4; OR: 4 of 4.'
    """
    angles = check_grid("angles", angles, MAX_VALUES)
    biases = check_grid("biases", biases, MAX_VALUES)
    for a in angles:
        if not 0 <= a < 360:
            raise ValueError(f"angles must lie in [0, 360) degrees, got {a:g}")
    if not isinstance(live, bool):
        raise TypeError(f"live must be True or False, got {type(live).__name__} {live!r}")
    if not live and len(angles) * len(biases) > MAX_FRAMES:
        raise ValueError(
            f"angles and biases give {len(angles)} x {len(biases)} frames, more than {MAX_FRAMES}; "
            "every frame is stored in the page, so offer fewer values"
        )
    angle_start = nearest(angles, START_ANGLE)
    bias_start = nearest(biases, START_BIAS)
    live_angles = sorted(set(range(0, 360, 5)) | set(angles))
    live_biases = sorted({round(-1.5 + 0.1 * k, 10) for k in range(31)} | set(biases))
    knobs = [
        Knob("weight angle", angles, live_values=live_angles, fmt="{:g}°", start=angle_start),
        Knob("bias", biases, live_values=live_biases, fmt="{:g}", start=bias_start),
    ]
    return slider_figure(lambda angle, bias: draw_verdict(unit_verdict(angle, bias)), knobs, live=live)


def _check_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {type(value).__name__} {value!r}")


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items) or "none"
    return ", ".join(items[:-1]) + " and " + items[-1]
