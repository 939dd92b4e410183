"""A column and a noisy copy of it: how nearly collinear columns unsettle the least-squares weights.

Chapter 3 copies the house areas, in square metres, into a second column in square
feet.  :func:`collinearity_explorer` makes that copy imperfect on purpose: each copied
value carries a relative error ``deviation`` (as if the area had been measured twice),
and the labels' noise is scaled by ``noise_scale``.  For every setting it runs
:func:`~d2lmini.fit_least_squares` and shows

* the two weights, as a point in the plane of (weight on the column, weight on the copy),
  beside the *valley* of weight pairs that give the same predictions
  (``w_column + factor * w_copy`` fixed);
* the condition number of ``X^T X`` (the design with its copy and its column of ones),
  beside the value above which ``fit_least_squares`` calls the columns dependent;
* whether ``fit_least_squares`` raised :class:`~d2lmini.RankDeficientWarning` (caught
  here and shown in the frame, never passed on to the page).

Far from collinear, the noise in the labels barely moves the weights.  Closer, the
same noise slides them along the valley, further the closer the copy.  Closer still,
below the precision the data are stored in, ``fit_least_squares`` warns and returns
the minimum-norm point of the valley, whatever the noise.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ._validation import TensorLike, as_dataset, check_grid, check_int, check_real
from .model import linreg
from .optim import RankDeficientWarning, fit_least_squares
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

FT2_PER_M2 = 10.7639
"""Square feet in one square metre: the factor between chapter 3's two area columns."""
DEVIATIONS: tuple[float, ...] = (0.0, 1e-4, 1e-3, 2e-3, 1e-2, 1e-1)
"""Relative errors of the copy in the static figure; 0 is an exact conversion, rounded to the data's dtype."""
NOISE_SCALES: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
"""Factors on the labels' noise in the static figure; 1 is the data as given."""
START_DEVIATION, START_NOISE = 2e-3, 1.0
"""Where the figure opens (or at the grid values nearest these)."""

_FIT_COLOR = "#D55E00"  # Okabe-Ito vermillion: the fitted weights
_VALLEY_COLOR = "#0072B2"  # Okabe-Ito blue: the valley of equally good weights
_WARN_COLOR = "#D55E00"
_HEIGHT_PX = 330


@dataclass(frozen=True)
class CollinearFit:
    """What :func:`~d2lmini.fit_least_squares` returns for a column and its imperfect copy.

    Attributes
    ----------
    deviation : float
        Relative error of each copied value.
    noise_scale : float
        Factor on the labels' noise (their residuals from the fit without the copy).
    weights : tuple of float
        The fitted weights, in the order column, copy, then the other columns of ``X``.
    bias : float
    combined : float
        ``weights[0] + factor * weights[1]``: what the two columns add to the prediction
        per unit of the column.
    baseline : float
        The weight on the column when ``X`` is fitted without the copy.
    factor : float
    condition : float
        Condition number of ``X^T X``, ``X`` with its copy and its column of ones,
        computed as the square of ``X``'s (from its singular values, in float64).
    warn_above : float
        The condition number of ``X^T X`` above which ``fit_least_squares`` warns: its
        rank rule, ``1 / (eps * max(n, d + 1))**2`` with ``eps`` of the data's dtype.
    warning : str or None
        The message of the :class:`~d2lmini.RankDeficientWarning` that
        ``fit_least_squares`` raised, or ``None`` if it raised none.
    rmse : float
        Root-mean-square gap between the fitted predictions and the labels.
    """

    deviation: float
    noise_scale: float
    weights: tuple[float, ...]
    bias: float
    combined: float
    baseline: float
    factor: float
    condition: float
    warn_above: float
    warning: str | None
    rmse: float

    @property
    def warned(self) -> bool:
        """Whether ``fit_least_squares`` raised a :class:`~d2lmini.RankDeficientWarning`."""
        return self.warning is not None

    @property
    def minimum_norm(self) -> tuple[float, float]:
        """The point of the valley ``w_column + factor * w_copy = baseline`` nearest the origin."""
        scale = self.baseline / (1 + self.factor**2)
        return scale, scale * self.factor

    def alt(self, names: tuple[str, str] = ("column", "copy")) -> str:
        """The frame in words: the setting, the verdict, the condition number and the weights."""
        first, second = names
        verdict = ("fit_least_squares raises RankDeficientWarning" if self.warned
                   else "fit_least_squares does not warn")
        return (
            f"Relative error of the {second} copy {self.deviation:g}, label noise times {self.noise_scale:g}: "
            f"{verdict}; the condition number of X^T X is {self.condition:.1e} "
            f"(it warns above {self.warn_above:.1e}). "
            f"Weights {self.weights[0]:.3f} on {first} and {self.weights[1]:.3f} on {second}, "
            f"together {self.combined:.3f} per {first} ({self.baseline:.3f} without the copy); "
            f"predictions off the labels by {self.rmse:.2f} (root mean square)."
        )


@dataclass(frozen=True)
class _Setup:
    """What every setting shares: the data, the noise-free labels, the noise and the copy's error draw."""

    X: torch.Tensor
    fitted: torch.Tensor
    residual: torch.Tensor
    draw: torch.Tensor
    column: int
    factor: float
    baseline: float


def _setup(X: TensorLike, y: TensorLike, column: object, factor: object, seed: object) -> _Setup:
    X, y = as_dataset(X, y)
    column = check_int("column", column)
    if not 0 <= column < X.shape[1]:
        raise ValueError(f"column must index one of the {X.shape[1]} columns of X, got {column}")
    factor = check_real("factor", factor)
    if factor == 0:
        raise ValueError("factor must not be 0: the copy would be a column of zeros")
    seed = check_int("seed", seed)
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    X, y = X.cpu(), y.cpu()
    w, b = fit_least_squares(X, y)  # a dependent X warns here, as it would in the reader's own fit
    fitted = linreg(X, w, b).double()
    draw = torch.randn(X.shape[0], generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return _Setup(X, fitted, y.double() - fitted, draw, column, factor, float(w[column]))


def collinear_fit(
    X: TensorLike,
    y: TensorLike,
    deviation: float,
    noise_scale: float = 1.0,
    *,
    column: int = 0,
    factor: float = FT2_PER_M2,
    seed: int = 0,
) -> CollinearFit:
    """Fit ``X`` with an imperfect copy of one column, and say what ``fit_least_squares`` made of it.

    Introduced in chapter 3, *The analytic solution*.

    The copy is ``factor * X[:, column] * (1 + deviation * z)``, with ``z`` a standard
    normal draw (one per row, from ``seed``), computed in float64 and stored in ``X``'s
    dtype; it goes in right after the column.  The labels are the predictions of the
    least-squares fit of ``X`` alone plus ``noise_scale`` times its residuals, so
    ``noise_scale=1`` keeps ``y`` and ``0`` leaves labels that a line fits exactly.
    The :class:`~d2lmini.RankDeficientWarning` of ``fit_least_squares`` is caught and
    recorded in the result; any other warning is passed on.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    deviation : float
        Relative error of each copied value (standard deviation), at least 0.
    noise_scale : float, default 1
        Factor on the labels' noise, at least 0.
    column : int, default 0
        The column of ``X`` to copy.
    factor : float, default :data:`FT2_PER_M2`
        The copy's unit conversion (not 0).
    seed : int, default 0
        Seed of the copy's errors.

    Returns
    -------
    CollinearFit

    Examples
    --------
    >>> import torch
    >>> X = torch.linspace(1, 2, 50).reshape(-1, 1)
    >>> y = 3 * X[:, 0] + 1 + 0.1 * torch.sin(40 * X[:, 0])
    >>> collinear_fit(X, y, 0.0).warned  # an exact copy, up to float32 rounding
    True
    >>> fit = collinear_fit(X, y, 0.1, noise_scale=0.0)  # a copy 10% off, labels on a line
    >>> fit.warned, [round(w, 3) for w in fit.weights]  # as without the copy
    (False, [2.999, 0.0])
    """
    return _fit(_setup(X, y, column, factor, seed), _non_negative("deviation", deviation),
                _non_negative("noise_scale", noise_scale))


def _fit(setup: _Setup, deviation: float, noise_scale: float) -> CollinearFit:
    X, col, factor = setup.X, setup.column, setup.factor
    copy = (X[:, col].double() * factor * (1 + deviation * setup.draw)).to(X.dtype)
    if not bool(torch.isfinite(copy).all()):
        raise ValueError(f"factor={factor:g} makes copied values beyond the range of {X.dtype}; make it smaller")
    design = torch.cat([X[:, : col + 1], copy[:, None], X[:, col + 1 :]], dim=1)
    labels = (setup.fitted + noise_scale * setup.residual).to(X.dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w, b = fit_least_squares(design, labels)
    message = None
    for w_ in caught:
        if issubclass(w_.category, RankDeficientWarning):
            message = str(w_.message)
        else:  # not ours to swallow
            warnings.warn_explicit(w_.message, w_.category, w_.filename, w_.lineno)
    n, columns = design.shape[0], design.shape[1] + 1
    ones = torch.ones(n, 1, dtype=torch.float64)
    singular = torch.linalg.svdvals(torch.cat([design.double(), ones], dim=1))
    condition = math.inf if float(singular[-1]) == 0 else float(singular[0] / singular[-1]) ** 2
    rcond = torch.finfo(X.dtype).eps * max(n, columns)
    weights = tuple(float(v) for v in w.double())
    predictions = linreg(design.double(), w.double(), b.double())
    rmse = float(((predictions - labels.double()) ** 2).mean().sqrt())
    return CollinearFit(
        deviation=deviation, noise_scale=noise_scale, weights=weights, bias=float(b),
        combined=weights[col] + factor * weights[col + 1], baseline=setup.baseline, factor=factor,
        condition=condition, warn_above=1 / rcond**2, warning=message, rmse=rmse,
    )


def draw_collinear_fit(
    fit: CollinearFit,
    *,
    names: tuple[str, str] = ("m²", "ft²"),
    view: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> Frame:
    """One frame: the two weights on the valley of equally good pairs, and the condition number.

    Left, the plane of (weight on the column, weight on the copy): the valley line
    ``w_column + factor * w_copy = baseline``, the fit without the copy (a triangle),
    the valley's minimum-norm point (a square) and the fitted pair (a filled circle;
    an arrow at the edge when it falls outside ``view``).  Right, the condition number
    of ``X^T X`` on a log scale, with the band where ``fit_least_squares`` warns.

    Parameters
    ----------
    fit : CollinearFit
    names : (str, str), default ("m²", "ft²")
        What the column and the copy measure, for the labels and the alt text.
    view : ((float, float), (float, float)), optional
        The plane's limits, ``((left, right), (bottom, top))``; by default they frame
        the points of this fit.

    Examples
    --------
    >>> import torch
    >>> X = torch.linspace(1, 2, 50).reshape(-1, 1)
    >>> frame = draw_collinear_fit(collinear_fit(X, 3 * X[:, 0] + 1, 0.0))
    >>> frame.size, "raises RankDeficientWarning" in frame.alt
    ((440, 330), True)
    """
    if not isinstance(fit, CollinearFit):
        raise TypeError(f"fit must be a CollinearFit (see collinear_fit), got {type(fit).__name__}")
    if (not isinstance(names, tuple) or len(names) != 2
            or not all(isinstance(s, str) and s.strip() for s in names)):
        raise TypeError(f"names must be a tuple of two non-empty strings, got {names!r}")
    points = [(fit.weights[0], fit.weights[1]), fit.minimum_norm, (fit.baseline, 0.0)]
    view = _check_view(view) if view is not None else _view_around(points, fit.factor)
    (left, right), (bottom, top) = view
    first, second = names

    figure, (plane, gauge) = frame_figure(
        _HEIGHT_PX, ncols=2,
        gridspec_kw={"width_ratios": [3.2, 1], "left": 0.16, "right": 0.86, "top": 0.8, "bottom": 0.15,
                     "wspace": 0.5},
    )
    if fit.warned:
        figure.text(0.02, 0.975, "fit_least_squares: RankDeficientWarning", ha="left", va="top",
                    fontsize=11, fontweight="bold", color=_WARN_COLOR)
    else:
        figure.text(0.02, 0.975, "fit_least_squares: no warning", ha="left", va="top", fontsize=11)
    figure.text(0.02, 0.905, f"w {first} = {fit.weights[0]:.3f}, w {second} = {fit.weights[1]:.3f}; "
                f"together {fit.combined:.3f} per {first}", ha="left", va="top", fontsize=10)

    xs = [left, right]
    plane.plot(xs, [(fit.baseline - x) / fit.factor for x in xs], color=_VALLEY_COLOR, linewidth=2,
               label="same predictions", zorder=1)
    plane.plot(fit.baseline, 0.0, "^", color="black", markersize=8, label="without the copy", zorder=2)
    plane.plot(*fit.minimum_norm, "s", color=_VALLEY_COLOR, markerfacecolor="white", markeredgewidth=2,
               markersize=8, label="minimum norm", zorder=2)
    wx, wy = fit.weights[0], fit.weights[1]
    inside = left <= wx <= right and bottom <= wy <= top
    if inside:
        plane.plot(wx, wy, "o", color=_FIT_COLOR, markersize=9, label="fitted", zorder=3)
    else:  # pinned to the edge, pointing the way it went
        px, py = min(max(wx, left), right), min(max(wy, bottom), top)
        plane.annotate("off the chart", xy=(px, py), xytext=(0.5, 0.5), textcoords="axes fraction",
                       fontsize=10, color=_FIT_COLOR, ha="center",
                       arrowprops={"arrowstyle": "-|>", "color": _FIT_COLOR, "linewidth": 2})
    plane.set_xlim(left, right)
    plane.set_ylim(bottom, top)
    plane.set_xlabel(f"weight on {first}", labelpad=1)
    plane.set_ylabel(f"weight on {second}", labelpad=1)
    plane.axhline(0, color="0.6", linewidth=0.8, zorder=0)
    plane.axvline(0, color="0.6", linewidth=0.8, zorder=0)
    plane.legend(loc="upper right", frameon=True, framealpha=1, handlelength=1.2, borderpad=0.3,
                 labelspacing=0.25, handletextpad=0.4)

    low, high = 1e4, 1e18
    gauge.set_yscale("log")
    gauge.set_ylim(low, high)
    gauge.set_xlim(0, 1)
    gauge.axhspan(fit.warn_above, high, color="#f3d6c4", zorder=0)
    gauge.axhline(fit.warn_above, color=_WARN_COLOR, linewidth=1.5, linestyle="--", zorder=1)
    gauge.text(0.5, math.sqrt(fit.warn_above * high), "warns", rotation=90, ha="center", va="center",
               fontsize=10, color="black")
    shown = min(max(fit.condition, low * 1.5), high / 1.5)
    gauge.plot(0.5, shown, "D", color="black", markersize=9, zorder=3)
    gauge.set_xticks([])
    gauge.set_yticks([1e4, 1e8, 1e12, 1e16])
    gauge.yaxis.tick_right()
    gauge.set_title("κ(XᵀX)", fontsize=10, pad=4)
    gauge.text(0.5, -0.04, _power_of_ten(fit.condition), transform=gauge.transAxes, ha="center", va="top",
               fontsize=10)
    return to_frame(figure, fit.alt(names))


def _power_of_ten(value: float) -> str:
    """``3.1×10⁷`` for 3.1e7, with superscript digits (``inf`` stays ``inf``)."""
    if not math.isfinite(value):
        return "∞"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPTS)}"


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _view_around(points: Sequence[tuple[float, float]], factor: float) -> tuple[tuple[float, float],
                                                                                 tuple[float, float]]:
    xs = [p[0] for p in points] + [0.0]
    ys = [p[1] for p in points] + [0.0]
    span_x = max(max(xs) - min(xs), 1e-9)
    span_y = max(max(ys) - min(ys), span_x / abs(factor) * 0.2, 1e-9)
    return ((min(xs) - 0.15 * span_x, max(xs) + 0.15 * span_x),
            (min(ys) - 0.25 * span_y, max(ys) + 0.6 * span_y))  # room above for the legend


def _check_view(view: object) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        limits = [float(v) for axis in view for v in axis]  # type: ignore[attr-defined]
        if len(limits) != 4:
            raise ValueError("two limits per axis")
    except (TypeError, ValueError):
        raise TypeError(f"view must be ((left, right), (bottom, top)), got {view!r}") from None
    if not all(math.isfinite(v) for v in limits) or limits[0] >= limits[1] or limits[2] >= limits[3]:
        raise ValueError(f"view must hold finite limits with left < right and bottom < top, got {view!r}")
    return (limits[0], limits[1]), (limits[2], limits[3])


def _non_negative(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be at least 0, got {value:g}")
    return float(value)


def collinearity_explorer(
    X: TensorLike,
    y: TensorLike,
    *,
    column: int = 0,
    factor: float = FT2_PER_M2,
    names: tuple[str, str] = ("m²", "ft²"),
    deviations: Sequence[float] = DEVIATIONS,
    noise_scales: Sequence[float] = NOISE_SCALES,
    seed: int = 0,
    live: bool = False,
) -> SliderFigure:
    """Sliders for how far a copied column strays from an exact copy, and for the labels' noise.

    Introduced in chapter 3, *The analytic solution*.

    Each frame is :func:`collinear_fit` for one setting, drawn by
    :func:`draw_collinear_fit`: the weights ``fit_least_squares`` returns for the column
    and its copy, the condition number of ``X^T X``, and whether it warned.  All frames
    share one view of the weight plane, chosen to hold the static grid's fits.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    column, factor, seed
        As for :func:`collinear_fit`.
    names : (str, str), default ("m²", "ft²")
        What the column and the copy measure.
    deviations : sequence of numbers, default :data:`DEVIATIONS`
        Relative errors of the copy, strictly increasing, at least 0.
    noise_scales : sequence of numbers, default :data:`NOISE_SCALES`
        Factors on the labels' noise, strictly increasing, at least 0.
    live : bool, default False
        Redraw on every move (needs a running kernel), for relative errors 0 and
        1, 2 and 5 times the powers of ten from 1e-6 to 0.1 (up to 0.5), and noise factors from
        0 to 4 in steps of 0.25 (and the grid values).

    Returns
    -------
    SliderFigure
        Display it to show the sliders and the picture.  It opens at the grid values
        nearest a relative error of 0.002 and the labels as given.

    Examples
    --------
    >>> import torch
    >>> X = torch.linspace(1, 2, 50).reshape(-1, 1)
    >>> fig = collinearity_explorer(X, 3 * X[:, 0] + 1, deviations=[0.0, 0.1], noise_scales=[1.0])
    >>> len(fig.frames), fig.shown().alt.startswith("Relative error of the ft² copy 0,")
    (2, True)
    """
    if not isinstance(live, bool):
        raise TypeError(f"live must be True or False, got {type(live).__name__} {live!r}")
    if (not isinstance(names, tuple) or len(names) != 2
            or not all(isinstance(s, str) and s.strip() for s in names)):
        raise TypeError(f"names must be a tuple of two non-empty strings, got {names!r}")
    deviations = check_grid("deviations", deviations, MAX_VALUES)
    noise_scales = check_grid("noise_scales", noise_scales, MAX_VALUES)
    for name, values in (("deviations", deviations), ("noise_scales", noise_scales)):
        if values[0] < 0:
            raise ValueError(f"{name} must be at least 0, got {values[0]:g}")
    if not live and len(deviations) * len(noise_scales) > MAX_FRAMES:
        raise ValueError(
            f"deviations and noise_scales give {len(deviations)} x {len(noise_scales)} frames, more than "
            f"{MAX_FRAMES}; every frame is stored in the page, so offer fewer values"
        )
    setup = _setup(X, y, column, factor, seed)
    grid = [_fit(setup, float(d), float(s)) for d in deviations for s in noise_scales]
    points = [p for fit in grid for p in ((fit.weights[0], fit.weights[1]), fit.minimum_norm)]
    view = _view_around(points + [(setup.baseline, 0.0)], setup.factor)
    knobs = [
        Knob(f"relative error of the {names[1]} copy", deviations, fmt="{:g}",
             start=nearest(deviations, START_DEVIATION),
             live_values=sorted({0.0, *(round(m * 10.0**k, 12) for k in range(-6, 0) for m in (1, 2, 5)),
                                 *deviations})),
        Knob("label noise", noise_scales, fmt="×{:g}", start=nearest(noise_scales, START_NOISE),
             live_values=sorted({0.25 * k for k in range(17)} | set(noise_scales))),
    ]
    cache = {(f.deviation, f.noise_scale): f for f in grid}

    def draw(deviation: float, noise_scale: float) -> Frame:
        fit = cache.get((deviation, noise_scale)) or _fit(setup, float(deviation), float(noise_scale))
        return draw_collinear_fit(fit, names=names, view=view)

    return slider_figure(draw, knobs, live=live)
