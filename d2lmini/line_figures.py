"""Slider figures of a line over data: what the weight and bias do (chapter 1) and what they cost (chapter 2).

Two interactive figures built on :func:`d2lmini.sliders.slider_figure`, each split the
same way: computing what one frame needs (:func:`prediction_view`, :func:`loss_view`;
no widgets, no matplotlib), drawing one frame (:func:`draw_prediction_frame`,
:func:`draw_loss_frame`; no widgets) and the explorer that puts sliders on them
(:func:`prediction_explorer`, :func:`loss_explorer`).  Every number comes from the code
a reader runs in the chapters: :func:`~d2lmini.linreg` for predictions,
:func:`~d2lmini.squared_loss` for the loss, :func:`~d2lmini.loss_grid` for the loss
surface and :func:`~d2lmini.fit_least_squares` for its lowest point.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import TensorLike, as_dataset, check_bool, check_grid, check_int, check_real
from .losses import loss_grid, squared_loss, zero_rounding
from .model import linreg
from .optim import RankDeficientWarning, fit_least_squares
from .sliders import (
    MAX_FRAMES,
    MAX_VALUES,
    Frame,
    Knob,
    SliderFigure,
    frame_figure,
    slider_figure,
    to_frame,
)

# Okabe-Ito colours: told apart with every common colour-vision deficiency, and strong on white.
_BLUE, _ORANGE, _VERMILLION = "#0072B2", "#E69F00", "#D55E00"
_SURFACE_POINTS = 81
"""Grid points per axis of the loss surface behind the contour panel (computed once per figure)."""


def _number(value: float) -> str:
    """``value`` to three significant digits, trailing zeros dropped ("201", "0.135", "0.0021", "50")."""
    if not math.isfinite(value):
        return f"{value:g}"
    text = f"{float(f'{value:.3g}'):g}"
    return "0" if text == "-0" else text


def _live_grid(values: tuple[float, ...]) -> list[float]:
    """The grid values and evenly spaced steps between neighbours, for a live slider.

    Each gap is cut into 5, 4 or 2 steps, the first whose step is a round number
    (1, 2, 2.5 or 5 times a power of ten), else into 4.  A step is left out when it
    would read the same as a value already offered (the slider shows ``{:g}``).
    """
    offered = {f"{v:g}" for v in values}
    finer = [float(v) for v in values]
    for low, high in zip(values, values[1:]):
        pieces = next((k for k in (5, 4, 2) if _is_round((high - low) / k)), 4)
        for k in range(1, pieces):
            step = float(f"{low + (high - low) * k / pieces:.10g}")  # 0.30000000000000004 -> 0.3
            if f"{step:g}" not in offered and low < step < high:
                offered.add(f"{step:g}")
                finer.append(step)
    return sorted(finer)


def _is_round(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1.0, 2.0, 2.5, 5.0, 10.0))


def _knob(name: str, argument: str, values: object, start: float | None) -> Knob:
    """A knob over ``values`` (checked under the caller's argument name), starting at ``start``."""
    grid = check_grid(argument, values, MAX_VALUES)
    if start is None:
        index = None
    else:
        start = check_real(f"start value of {argument}", start)
        if start not in grid:
            raise ValueError(f"start must pick one of the values in {argument} {list(grid)}, got {start:g}")
        index = grid.index(start)
    return Knob(name, grid, live_values=_live_grid(grid), start=index)


def _check_start(start: object) -> tuple[float | None, float | None]:
    if start is None:
        return None, None
    if not isinstance(start, (tuple, list)) or len(start) != 2:
        raise TypeError(f"start must be a pair (w, b) of grid values, or None, got {start!r}")
    return start[0], start[1]


def _check_names(argument: str, value: object, count: int) -> tuple[str, ...]:
    if not isinstance(value, (tuple, list)) or len(value) != count:
        raise TypeError(f"{argument} must be a list of {count} strings, got {value!r}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise TypeError(f"{argument}[{i}] must be a string, got {type(item).__name__} {item!r}")
    return tuple(value)


def _verb(count: int) -> str:
    """ "1 of the 3 examples lies", "2 of the 3 examples lie"."""
    return "lies" if count == 1 else "lie"


def _labelled(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def _with_unit(value: float, unit: str) -> str:
    return f"{_number(value)} {unit}" if unit else _number(value)


# ---- chapter 1: the weight and the bias move the predictions ---------------------------------


@dataclass(frozen=True)
class PredictionView:
    """What one frame of :func:`prediction_explorer` shows, computed with :func:`~d2lmini.linreg`.

    Attributes
    ----------
    w : tuple of float
        All weights of the model: the one on the slider first, then the fixed one (if any).
    b : float
        The bias.
    predictions : numpy.ndarray, shape (n,)
        ``linreg(X, w, b)`` for every example.
    above : int
        How many labels lie above their own prediction (the example sold for more).
    line_at : tuple of float
        Values of the second feature at which the frame draws the prediction as a line
        over the first feature (``(0,)`` with one feature).
    """

    w: tuple[float, ...]
    b: float
    predictions: np.ndarray
    above: int
    line_at: tuple[float, ...]


def prediction_view(X: torch.Tensor, y: torch.Tensor, w: Sequence[float], b: float) -> PredictionView:
    """Predictions of ``X @ w + b`` for checked data (see :func:`prediction_explorer`), and what they mean.

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[1.0, 0.0], [2.0, 5.0]])
    >>> view = prediction_view(X, torch.tensor([3.0, 0.0]), [2.0, -1.0], 0.5)
    >>> view.predictions.tolist(), view.above, view.line_at
    ([2.5, -0.5], 2, (0.0, 5.0))
    """
    X64, y64 = X.detach().to("cpu", torch.float64), y.detach().to("cpu", torch.float64)
    predictions = linreg(X64, list(map(float, w)), float(b))
    if X.shape[1] == 1:
        line_at: tuple[float, ...] = (0.0,)
    else:
        second = X64[:, 1]
        far = float(second[second.abs().argmax()])  # the value of the second feature farthest from zero
        line_at = (0.0, far) if far != 0 else (0.0,)
    return PredictionView(
        w=tuple(float(v) for v in w), b=float(b), predictions=predictions.numpy(),
        above=int((y64 > predictions).sum()), line_at=line_at,
    )


@dataclass(frozen=True)
class PredictionScene:
    """What every frame of one :func:`prediction_explorer` shares.

    Attributes
    ----------
    x : numpy.ndarray, shape (n, d)
        The features (d is 1 or 2).
    y : numpy.ndarray, shape (n,)
        The labels.
    names, units : tuple of str
        One per feature, then the label's (see :func:`prediction_explorer`).
    example : int
        The example drawn with its prediction.
    xlim, ylim : (float, float)
        The axis limits, the same in every frame so that the picture moves only where the model does.
    """

    x: np.ndarray
    y: np.ndarray
    names: tuple[str, ...]
    units: tuple[str, ...]
    example: int
    xlim: tuple[float, float]
    ylim: tuple[float, float]


def draw_prediction_frame(scene: PredictionScene, view: PredictionView) -> Frame:
    """One frame of :func:`prediction_explorer`: the data, the prediction lines, the bias and one example.

    Examples
    --------
    >>> import numpy as np, torch
    >>> X, y = torch.tensor([[1.0], [3.0]]), torch.tensor([2.0, 4.0])
    >>> scene = PredictionScene(np.array([[1.0], [3.0]]), np.array([2.0, 4.0]), ("x", "y"), ("", ""), 1,
    ...                         (0.0, 4.0), (0.0, 5.0))
    >>> frame = draw_prediction_frame(scene, prediction_view(X, y, (1.0,), 0.5))
    >>> frame.size, frame.alt[:45]
    ((440, 300), 'weight of x 1, bias 0.5: example 1 (x 3) is p')
    """
    names, units, i = scene.names, scene.units, scene.example
    figure, axes = frame_figure(300)
    xs = np.array(scene.xlim)
    styles = ("-", "--")
    for at, style in zip(view.line_at, styles):
        offset = view.w[1] * at if len(view.w) > 1 else 0.0
        label = f"{names[1]} {_with_unit(at, units[1])}" if len(view.w) > 1 else "prediction"
        axes.plot(xs, view.w[0] * xs + view.b + offset, style, color=_BLUE, lw=2, label=label, zorder=2)
    axes.scatter(scene.x[:, 0], scene.y, s=10, color="black", zorder=3, label=None)
    # the bias: the prediction where every feature is zero
    axes.plot([0], [view.b], marker="s", ms=8, color=_VERMILLION, zorder=4, linestyle="none")
    axes.annotate(f"b = {view.b:g}", (0, view.b), xytext=(7, -4), textcoords="offset points", va="top",
                  ha="left", color="black", fontsize=10, zorder=5,
                  bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
    # one named example: its label (filled diamond) and its prediction (open diamond), joined
    xi, yi, pi = scene.x[i, 0], scene.y[i], float(view.predictions[i])
    axes.plot([xi, xi], [yi, pi], color=_ORANGE, lw=2, zorder=4)
    axes.plot([xi], [yi], marker="D", ms=8, color=_ORANGE, markeredgecolor="black", zorder=5, linestyle="none",
              label=f"example {i}")
    axes.plot([xi], [pi], marker="D", ms=8, markerfacecolor="white", markeredgecolor=_ORANGE, markeredgewidth=2,
              zorder=5, linestyle="none", label="its prediction")
    n = len(scene.y)
    axes.set_title(f"{view.above} of {n} above their prediction", fontsize=10)
    axes.set_xlim(*scene.xlim)
    axes.set_ylim(*scene.ylim)
    axes.set_xlabel(_labelled(names[0], units[0]))
    axes.set_ylabel(_labelled(names[-1], units[-1]))
    axes.legend(loc="upper left", handlelength=1.6, borderaxespad=0.2, facecolor="white", edgecolor="none",
                framealpha=0.85)
    axes.grid(True, color="0.85", lw=0.6)
    figure.tight_layout(pad=0.4)
    return to_frame(figure, _prediction_alt(scene, view))


def _prediction_alt(scene: PredictionScene, view: PredictionView) -> str:
    names, units, i = scene.names, scene.units, scene.example
    knobs = f"weight of {names[0]} {view.w[0]:g}, bias {view.b:g}"
    if len(view.w) > 1:
        knobs += f" ({names[1]} weight fixed at {view.w[1]:g})"
    features = ", ".join(f"{names[k]} {_with_unit(scene.x[i, k], units[k])}" for k in range(len(view.w)))
    pi, yi = float(view.predictions[i]), float(scene.y[i])
    gap = "above" if yi > pi else "below" if yi < pi else "on"
    return (
        f"{knobs}: example {i} ({features}) is predicted at {_with_unit(pi, units[-1])} "
        f"against its actual {_with_unit(yi, units[-1])}, "
        f"{'exactly' if gap == 'on' else _with_unit(abs(yi - pi), units[-1])} {gap} the prediction; "
        f"{view.above} of the {len(scene.y)} examples {_verb(view.above)} above their prediction."
    )


def prediction_explorer(
    X: TensorLike,
    y: TensorLike,
    w_values: Sequence[float],
    b_values: Sequence[float],
    *,
    w_other: float | None = None,
    names: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    example: int = 0,
    start: tuple[float, float] | None = None,
    live: bool = False,
) -> SliderFigure:
    """Sliders for the weight of the first feature and for the bias, over the data and the predictions.

    Introduced in chapter 1, *The linear model*.

    Each frame plots the labels against the first feature and draws the model's
    prediction ``X @ w + b`` (:func:`~d2lmini.linreg`) as a line over that feature: one
    line with one feature; with two, one line with the second feature at zero and one
    with it at its value farthest from zero, whose weight stays ``w_other``.  A square
    marks the bias, the prediction where every feature is zero, so the weight turns
    the lines about it and the bias moves everything up or down.  One example is shown
    with its prediction, and the title counts the labels above their predictions.

    Parameters
    ----------
    X : tensor, shape (n, 1) or (n, 2)
        The features; the first is on the horizontal axis and its weight on a slider.
    y : tensor, shape (n,)
        Labels.
    w_values, b_values : sequence of numbers, strictly increasing
        The weights of the first feature and the biases offered (at most 16 each, and
        at most 64 pairs); a live figure also offers the values between them.
    w_other : float, optional
        The fixed weight of the second feature; required with two features, refused with one.
    names : list of str, optional
        One name per feature, then the label's: default ``["x", "y"]`` or ``["x1", "x2", "y"]``.
    units : list of str, optional
        A unit for each of ``names`` ("" for none, the default).
    example : int, default 0
        Index of the example drawn with its prediction and described in the alt text.
    start : (float, float), optional
        The weight and bias shown first (grid values); default the middle of each grid.
    live : bool, default False
        Redraw on every move (needs a running kernel) instead of drawing every grid pair now.

    Returns
    -------
    SliderFigure
        Display it to show the sliders and the picture.

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[1.0], [2.0], [3.0]])
    >>> fig = prediction_explorer(X, torch.tensor([2.0, 5.0, 6.0]), [1.0, 2.0], [0.0, 1.0], start=(2.0, 0.0))
    >>> print(fig.shown().alt)
    weight of x 2, bias 0: example 0 (x 1) is predicted at 2 against its actual 2, exactly on the prediction; 1 of the 3 examples lies above their prediction.
    """
    X, y = as_dataset(X, y)
    d = X.shape[1]
    if d not in (1, 2):
        raise ValueError(f"X must have one or two columns (features), got {d}")
    if d == 2:
        if w_other is None:
            raise TypeError("w_other, the fixed weight of the second column of X, is required when X has two columns")
        w_fixed: tuple[float, ...] = (check_real("w_other", w_other),)
    elif w_other is not None:
        raise ValueError("w_other is the weight of a second feature, but X has one column")
    else:
        w_fixed = ()
    names = _check_names("names", ["x", "y"] if d == 1 and names is None else ["x1", "x2", "y"] if names is None
                         else names, d + 1)
    units = _check_names("units", [""] * (d + 1) if units is None else units, d + 1)
    example = check_int("example", example)
    if not 0 <= example < X.shape[0]:
        raise ValueError(f"example must index one of the {X.shape[0]} examples (0 to {X.shape[0] - 1}), got {example}")
    live = check_bool("live", live)
    w_start, b_start = _check_start(start)
    w_knob = _knob(f"weight of {names[0]}", "w_values", w_values, w_start)
    b_knob = _knob("bias", "b_values", b_values, b_start)
    _check_grid_size(w_knob, b_knob)

    x_np = X.detach().to("cpu", torch.float64).numpy()
    y_np = y.detach().to("cpu", torch.float64).numpy()
    scene = PredictionScene(
        x=x_np, y=y_np, names=names, units=units, example=example,
        xlim=_limits(np.append(x_np[:, 0], 0.0), pad=0.05),  # the bias sits at zero: always in view
        # room below the lowest bias for its label, which sits under the square
        ylim=_limits(np.concatenate([y_np, list(b_knob.values)]), pad=0.06, pad_below=0.15),
    )

    def draw(w: float, b: float) -> Frame:
        return draw_prediction_frame(scene, prediction_view(X, y, (w, *w_fixed), b))

    return slider_figure(draw, [w_knob, b_knob], live=live)


def _check_grid_size(*knobs: Knob) -> None:
    count = math.prod(len(k.values) for k in knobs)
    if count > MAX_FRAMES:
        raise ValueError(
            f"w_values and b_values give {' x '.join(str(len(k.values)) for k in knobs)} = {count} frames, "
            f"more than {MAX_FRAMES}; every frame is stored in the page, so offer fewer values"
        )


def _limits(values: np.ndarray, pad: float, pad_below: float | None = None) -> tuple[float, float]:
    """From the smallest to the largest of ``values``, widened by ``pad`` of the span (``pad_below`` below)."""
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low if high > low else max(abs(high), 1.0)
    return low - (pad if pad_below is None else pad_below) * span, high + pad * span


# ---- chapter 2: the residuals, the loss and where (w, b) sits on the loss surface --------------


@dataclass(frozen=True)
class LossView:
    """What one frame of :func:`loss_explorer` shows.

    Attributes
    ----------
    w, b : float
        The line ``w * x + b``.
    predictions : numpy.ndarray, shape (n,)
        ``linreg(X, [w], b)``.
    residuals : numpy.ndarray, shape (n,)
        ``y - predictions``: positive where a point lies above the line.
    loss : float
        The average squared loss, ``squared_loss(predictions, y).mean()``.
    """

    w: float
    b: float
    predictions: np.ndarray
    residuals: np.ndarray
    loss: float

    @property
    def above(self) -> int:
        """How many points lie above the line."""
        return int((self.residuals > 0).sum())


def loss_view(X: torch.Tensor, y: torch.Tensor, w: float, b: float) -> LossView:
    """The predictions, residuals and average squared loss of the line ``w * x + b``, in float64.

    Examples
    --------
    >>> import torch
    >>> view = loss_view(torch.tensor([[0.0], [1.0]]), torch.tensor([1.0, 1.0]), 2.0, 0.0)
    >>> view.residuals.tolist(), view.loss  # (1/2 * 1 + 1/2 * 1) / 2
    ([1.0, -1.0], 0.5)
    """
    X64, y64 = X.detach().to("cpu", torch.float64), y.detach().to("cpu", torch.float64)
    predictions = linreg(X64, [float(w)], float(b))
    loss = float(squared_loss(predictions, y64).mean())
    return LossView(float(w), float(b), predictions.numpy(), (y64 - predictions).numpy(), loss)


@dataclass(frozen=True)
class LossSurface:
    """The loss over a window of (w, b), and its lowest point: computed once per :func:`loss_explorer`.

    Attributes
    ----------
    w_values, b_values : numpy.ndarray
        The window's grid.
    losses : numpy.ndarray, shape (len(b_values), len(w_values))
        :func:`~d2lmini.loss_grid` over that grid.
    best_w, best_b : float
        The least-squares line (:func:`~d2lmini.fit_least_squares`).
    best_loss : float
        Its average squared loss, the lowest there is.
    unique : bool
        False when many lines share that lowest loss (every ``x`` is the same).
    """

    w_values: np.ndarray
    b_values: np.ndarray
    losses: np.ndarray
    best_w: float
    best_b: float
    best_loss: float
    unique: bool


def loss_surface(X: torch.Tensor, y: torch.Tensor, w_range: tuple[float, float],
                 b_range: tuple[float, float], points: int = _SURFACE_POINTS) -> LossSurface:
    """The loss surface over a window and its minimum, for checked data (see :func:`loss_explorer`).

    Examples
    --------
    >>> import torch
    >>> X, y = torch.tensor([[0.0], [1.0], [2.0]]), torch.tensor([1.0, 3.0, 5.0])
    >>> surface = loss_surface(X, y, (0.0, 4.0), (-1.0, 3.0), points=5)
    >>> round(surface.best_w, 6), round(surface.best_b, 6), surface.losses.shape
    (2.0, 1.0, (5, 5))
    """
    X64, y64 = X.detach().to("cpu", torch.float64), y.detach().to("cpu", torch.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RankDeficientWarning)
        w_best, b_best = fit_least_squares(X64, y64)
    unique = not any(issubclass(w.category, RankDeficientWarning) for w in caught)
    best = loss_view(X64, y64, float(w_best[0]), float(b_best))
    best_loss = zero_rounding(best.loss, y64)  # data on an exact line: 0, whatever the solver's rounding
    w_grid = torch.linspace(*w_range, points, dtype=torch.float64)
    b_grid = torch.linspace(*b_range, points, dtype=torch.float64)
    losses = loss_grid(X64, y64, w_grid, b_grid)
    return LossSurface(w_grid.numpy(), b_grid.numpy(), losses.numpy(), best.w, best.b, best_loss, unique)


@dataclass(frozen=True)
class LossScene:
    """What every frame of one :func:`loss_explorer` shares.

    Attributes
    ----------
    x, y : numpy.ndarray, shape (n,)
        The feature and the labels.
    surface : LossSurface
        The loss over the window of the contour panel, and its minimum.
    levels : numpy.ndarray
        The losses the contour lines are drawn at.
    xlim, ylim : (float, float)
        The limits of the data panel, the same in every frame.
    """

    x: np.ndarray
    y: np.ndarray
    surface: LossSurface
    levels: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]


def draw_loss_frame(scene: LossScene, view: LossView) -> Frame:
    """One frame of :func:`loss_explorer`: residuals on the data (left), (w, b) on the loss contours (right).

    Examples
    --------
    >>> import numpy as np, torch
    >>> X, y = torch.tensor([[0.0], [1.0], [2.0]]), torch.tensor([1.0, 3.0, 5.0])
    >>> surface = loss_surface(X, y, (0.0, 4.0), (-1.0, 3.0), points=9)
    >>> scene = LossScene(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), surface,
    ...                   np.array([0.5, 2.0]), (0.0, 2.0), (0.0, 6.0))
    >>> frame = draw_loss_frame(scene, loss_view(X, y, 2.0, 1.0))
    >>> frame.size, frame.alt[:41]
    ((440, 250), 'w = 2, b = 1: average squared loss 0; the')
    """
    figure, (data_axes, loss_axes) = frame_figure(250, ncols=2)
    x, y, surface = scene.x, scene.y, scene.surface
    xs = np.array(scene.xlim)
    data_axes.vlines(x, np.minimum(y, view.predictions), np.maximum(y, view.predictions), colors=_VERMILLION,
                     linewidth=1.5, zorder=1)
    data_axes.plot(xs, view.w * xs + view.b, "-", color=_BLUE, lw=2, zorder=2)
    data_axes.scatter(x, y, s=12, color="black", zorder=3)
    data_axes.set_xlim(*scene.xlim)
    data_axes.set_ylim(*scene.ylim)
    data_axes.set_xlabel("x")
    data_axes.set_ylabel("y", labelpad=1)
    data_axes.set_title(f"this line: loss {_number(view.loss)}", fontsize=10)

    loss_axes.contour(surface.w_values, surface.b_values, surface.losses, levels=scene.levels, colors="0.45",
                      linewidths=0.8)
    if surface.unique:
        loss_axes.plot([surface.best_w], [surface.best_b], marker="*", ms=13, color=_VERMILLION,
                       markeredgecolor="black", markeredgewidth=0.6, linestyle="none", zorder=3)
    loss_axes.plot([view.w], [view.b], marker="o", ms=9, color=_ORANGE, markeredgecolor="black",
                   markeredgewidth=1.2, linestyle="none", zorder=4)
    loss_axes.set_xlim(surface.w_values[0], surface.w_values[-1])
    loss_axes.set_ylim(surface.b_values[0], surface.b_values[-1])
    loss_axes.set_xlabel("w")
    loss_axes.set_ylabel("b", labelpad=1)
    loss_axes.set_title(f"\N{BLACK STAR} lowest: {_number(surface.best_loss)}" if surface.unique
                        else f"lowest: {_number(surface.best_loss)}", fontsize=10)
    for axes in (data_axes, loss_axes):
        axes.locator_params(nbins=4)
    figure.tight_layout(pad=0.4, w_pad=0.8)
    return to_frame(figure, _loss_alt(scene, view))


def _loss_alt(scene: LossScene, view: LossView) -> str:
    surface, n = scene.surface, len(scene.y)
    lowest = (f"the lowest loss, {_number(surface.best_loss)}, is at w = {_number(surface.best_w)}, "
              f"b = {_number(surface.best_b)}" if surface.unique else
              f"the lowest loss, {_number(surface.best_loss)}, is shared by a whole line of (w, b)")
    excess = view.loss - surface.best_loss
    if excess <= 1e-12 * max(surface.best_loss, 1e-300):
        distance = "this line is at the minimum"
    elif surface.best_loss > 0:
        distance = (f"this line's loss is {_number(excess)} above it "
                    f"({_number(view.loss / surface.best_loss)} times the lowest)")
    else:
        distance = f"this line's loss is {_number(excess)} above it"
    return (f"w = {view.w:g}, b = {view.b:g}: average squared loss {_number(view.loss)}; "
            f"{lowest}, and {distance}; {view.above} of the {n} points {_verb(view.above)} above the line.")


def loss_explorer(
    X: TensorLike,
    y: TensorLike,
    w_values: Sequence[float],
    b_values: Sequence[float],
    *,
    start: tuple[float, float] | None = None,
    live: bool = False,
) -> SliderFigure:
    """Sliders for the slope and intercept of a line: its residuals, its loss, its place on the loss surface.

    Introduced in chapter 2, *The loss*.

    Each frame draws the data with the line ``w * x + b`` and each residual (left), and
    the contour lines of the average squared loss over (w, b) with a circle at the
    current line and a star at the least-squares line (right).  The predictions come
    from :func:`~d2lmini.linreg`, the loss from :func:`~d2lmini.squared_loss`, the
    contours from one :func:`~d2lmini.loss_grid` computed for the whole figure and the
    star from :func:`~d2lmini.fit_least_squares`, all in float64.

    Parameters
    ----------
    X : tensor, shape (n, 1)
        The single feature of each example.
    y : tensor, shape (n,)
        Labels.
    w_values, b_values : sequence of numbers, strictly increasing
        The slopes and intercepts offered (at most 16 each, and at most 64 pairs); a
        live figure also offers the values between them.
    start : (float, float), optional
        The slope and intercept shown first (grid values); default the middle of each grid.
    live : bool, default False
        Redraw on every move (needs a running kernel) instead of drawing every grid pair now.

    Returns
    -------
    SliderFigure
        Display it to show the sliders and the picture.

    Examples
    --------
    >>> import torch
    >>> X, y = torch.tensor([[0.0], [1.0], [2.0]]), torch.tensor([1.0, 3.0, 5.0])
    >>> fig = loss_explorer(X, y, [1.0, 2.0, 3.0], [0.0, 1.0], start=(2.0, 0.0))
    >>> print(fig.shown().alt)
    w = 2, b = 0: average squared loss 0.5; the lowest loss, 0, is at w = 2, b = 1, and this line's loss is 0.5 above it; 3 of the 3 points lie above the line.
    """
    X, y = as_dataset(X, y)
    if X.shape[1] != 1:
        raise ValueError(f"X must have exactly one column (one feature, so that the loss is a surface over w and b), "
                         f"got {X.shape[1]}")
    live = check_bool("live", live)
    w_start, b_start = _check_start(start)
    w_knob = _knob("slope w", "w_values", w_values, w_start)
    b_knob = _knob("intercept b", "b_values", b_values, b_start)
    _check_grid_size(w_knob, b_knob)

    x_np = X[:, 0].detach().to("cpu", torch.float64).numpy()
    y_np = y.detach().to("cpu", torch.float64).numpy()
    surface = loss_surface(X, y, _limits(np.array(w_knob.values), pad=0.15),
                           _limits(np.array(b_knob.values), pad=0.15))
    scene = LossScene(
        x=x_np, y=y_np, surface=surface, levels=_contour_levels(surface),
        xlim=_limits(x_np, pad=0.05), ylim=_limits(y_np, pad=0.35),
    )

    def draw(w: float, b: float) -> Frame:
        return draw_loss_frame(scene, loss_view(X, y, w, b))

    return slider_figure(draw, [w_knob, b_knob], live=live)


def _contour_levels(surface: LossSurface, count: int = 9) -> np.ndarray:
    """Rings above the lowest loss, spaced geometrically so that those near the minimum stay visible."""
    low, high = surface.best_loss, float(surface.losses.max())
    if not high > low:
        return np.array([low + 1.0])
    return low + (high - low) * np.geomspace(3e-3, 1.0, count)[:-1]

