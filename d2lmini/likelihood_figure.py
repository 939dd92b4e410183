"""The Gaussian likelihood of one weight: the residuals' density, and the negative log-likelihood curve.

Chapter 6 shows that under Gaussian noise the weights that maximise the likelihood are
the least-squares ones, whatever the noise level ``sigma``.  :func:`likelihood_explorer`
lets a reader move one weight ``w`` (the others and the bias stay at their
least-squares values) and the assumed ``sigma``:

* left, the histogram of the residuals ``y - y_hat`` of that line, under the density
  ``N(0, sigma^2)`` that the noise model expects them to follow (:func:`~d2lmini.normal_pdf`);
* right, the mean negative log-likelihood (:func:`~d2lmini.gaussian_nll`) as a function
  of ``w``, with the current ``w`` on it and its minimiser marked.

Moving ``w`` away from the least-squares value widens the residuals beyond the density
and climbs the curve; changing ``sigma`` makes the curve steeper or flatter and moves
it up or down, but its minimiser stays at the least-squares weight.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ._validation import TensorLike, as_dataset, check_grid, check_int
from .model import linreg
from .optim import fit_least_squares
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
from .stats import gaussian_nll, normal_pdf

SIGMAS: tuple[float, ...] = (0.25, 0.35, 0.5, 0.7, 1.0)
"""The noise levels ``sigma`` of the static figure."""
OFFSETS: tuple[float, ...] = (-1.0, -0.5, 0.0, 0.5, 1.0)
"""The default weights of the static figure, as offsets from the least-squares weight rounded to 0.1."""
CURVE_POINTS = 121
"""Points on each negative log-likelihood curve."""

_DENSITY_COLOR = "#0072B2"  # Okabe-Ito blue: the assumed density, the NLL curve
_HIST_COLOR = "#999999"
_POINT_COLOR = "#D55E00"  # Okabe-Ito vermillion: the current weight
_HEIGHT_PX = 300
_BINS = 30


@dataclass(frozen=True)
class LikelihoodSlice:
    """The residuals and the negative log-likelihood for one weight ``w`` and one ``sigma``.

    Attributes
    ----------
    weight : float
        The weight ``w`` on the chosen column; the other weights and the bias are the
        least-squares ones.
    sigma : float
        The noise standard deviation the likelihood assumes.
    residuals : torch.Tensor, shape (n,)
        ``y - y_hat`` for this ``w``, float64.
    nll : float
        Mean negative log-likelihood per example at ``w`` (``gaussian_nll / n``).
    curve_weights, curve_nll : torch.Tensor, shape (CURVE_POINTS,)
        The mean negative log-likelihood along ``w`` over the figure's span.
    minimiser : float
        The ``w`` where the negative log-likelihood is lowest, from the curve itself:
        the vertex of the parabola through three of its values (the curve is exactly
        quadratic in ``w``).
    least_squares : float
        The weight ``fit_least_squares`` gives the column.
    """

    weight: float
    sigma: float
    residuals: torch.Tensor
    nll: float
    curve_weights: torch.Tensor
    curve_nll: torch.Tensor
    minimiser: float
    least_squares: float

    @property
    def spread(self) -> float:
        """Root-mean-square of the residuals: the ``sigma`` that would suit them best."""
        return float((self.residuals**2).mean().sqrt())

    @property
    def lowest_nll(self) -> float:
        """The mean negative log-likelihood at :attr:`minimiser`."""
        return self.nll_at(self.minimiser)

    def nll_at(self, w: float) -> float:
        """The mean negative log-likelihood at weight ``w``, from the quadratic through the curve's ends and middle."""
        a, m = self.curve_weights[0], self.curve_weights[CURVE_POINTS // 2]
        fa, fm, fb = self.curve_nll[0], self.curve_nll[CURVE_POINTS // 2], self.curve_nll[-1]
        h = float(m - a)
        t = (w - float(m)) / h
        return float(fm + t * (fb - fa) / 2 + t * t * (fb - 2 * fm + fa) / 2)

    @property
    def alt(self) -> str:
        """The frame in words."""
        return (
            f"w = {self.weight:g}, sigma = {self.sigma:g}: the residuals of this line have root-mean-square "
            f"{self.spread:.2f}, against the density N(0, {self.sigma:g}²); mean negative log-likelihood "
            f"{self.nll:.2f} per example. Its minimiser, w = {self.minimiser:.3f} (where it is "
            f"{self.lowest_nll:.2f}), is the least-squares weight {self.least_squares:.3f}."
        )


@dataclass(frozen=True)
class _Setup:
    X: torch.Tensor
    y: torch.Tensor
    base: torch.Tensor  # predictions without the chosen column's term
    column: int
    least_squares: float
    span: tuple[float, float]


def _setup(X: TensorLike, y: TensorLike, column: object, span: object) -> _Setup:
    X, y = as_dataset(X, y)
    column = check_int("column", column)
    if not 0 <= column < X.shape[1]:
        raise ValueError(f"column must index one of the {X.shape[1]} columns of X, got {column}")
    X, y = X.detach().cpu().double(), y.detach().cpu().double()
    w, b = fit_least_squares(X, y)
    w_ls = float(w[column])
    without = w.clone()
    without[column] = 0.0
    base = linreg(X, without, b)
    if span is None:
        span = (w_ls - 1.5, w_ls + 1.5)
    span = _check_span(span)
    return _Setup(X, y, base, column, w_ls, span)


def _check_span(span: object) -> tuple[float, float]:
    if isinstance(span, (str, bytes)) or not isinstance(span, Sequence) or len(span) != 2:
        raise TypeError(f"span must be a pair (lowest w, highest w), got {span!r}")
    low, high = (_real("span", v) for v in span)
    if not low < high:
        raise ValueError(f"span must run from a lower to a higher w, got {span!r}")
    return low, high


def _real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TypeError(f"{name} must hold finite real numbers, got {type(value).__name__} {value!r}")
    return float(value)


def _positive(name: str, value: object) -> float:
    value = _real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value:g}")
    return value


def likelihood_slice(
    X: TensorLike,
    y: TensorLike,
    w: float,
    sigma: float,
    *,
    column: int = 0,
    span: tuple[float, float] | None = None,
) -> LikelihoodSlice:
    """The residuals and the Gaussian negative log-likelihood as one weight moves.

    Introduced in chapter 6, *The normal distribution and squared loss*.

    The weight on ``X[:, column]`` is set to ``w``; the other weights and the bias stay
    at their least-squares values (:func:`~d2lmini.fit_least_squares`).  The negative
    log-likelihood is :func:`~d2lmini.gaussian_nll` divided by ``n``, computed in float64.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    w : float
        The weight on ``X[:, column]``.
    sigma : float
        The noise standard deviation the likelihood assumes (positive).
    column : int, default 0
    span : (float, float), optional
        The range of weights the curve covers; by default the least-squares weight
        plus or minus 1.5.

    Returns
    -------
    LikelihoodSlice

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> y = torch.tensor([1.0, 2.9, 5.2, 6.9])
    >>> s = likelihood_slice(X, y, 1.0, sigma=0.5)
    >>> round(s.minimiser, 3), round(s.least_squares, 3)
    (2.0, 2.0)
    """
    setup = _setup(X, y, column, span)
    return _slice(setup, _real("w", w), _positive("sigma", sigma))


def _mean_nll(setup: _Setup, w: float, sigma: float) -> float:
    y_hat = setup.base + w * setup.X[:, setup.column]
    return float(gaussian_nll(setup.y, y_hat, sigma)) / setup.y.shape[0]


def _slice(setup: _Setup, w: float, sigma: float) -> LikelihoodSlice:
    low, high = setup.span
    weights = torch.linspace(low, high, CURVE_POINTS, dtype=torch.float64)
    curve = torch.tensor([_mean_nll(setup, float(v), sigma) for v in weights], dtype=torch.float64)
    # the curve is a parabola in w: its vertex, from the ends and the middle
    fa, fm, fb = float(curve[0]), float(curve[CURVE_POINTS // 2]), float(curve[-1])
    middle, half = float(weights[CURVE_POINTS // 2]), (high - low) / 2
    bend = fb - 2 * fm + fa
    minimiser = middle - half * (fb - fa) / (2 * bend) if bend > 0 else math.nan
    residuals = setup.y - (setup.base + w * setup.X[:, setup.column])
    return LikelihoodSlice(
        weight=w, sigma=sigma, residuals=residuals, nll=_mean_nll(setup, w, sigma), curve_weights=weights,
        curve_nll=curve, minimiser=minimiser, least_squares=setup.least_squares,
    )


def draw_likelihood_slice(
    s: LikelihoodSlice,
    *,
    residual_range: tuple[float, float] | None = None,
    density_top: float | None = None,
    nll_range: tuple[float, float] | None = None,
) -> Frame:
    """One frame: the residuals under ``N(0, sigma^2)``, and the negative log-likelihood against ``w``.

    Parameters
    ----------
    s : LikelihoodSlice
    residual_range : (float, float), optional
        The residual axis of the histogram (default: three times the larger of
        ``sigma`` and the residuals' spread, either side of 0).
    density_top : float, optional
        The top of the histogram's axis (default: a little above the taller of the
        density's peak and a normal peak of the residuals' spread).
    nll_range : (float, float), optional
        The vertical axis of the curve (default: the curve's own range).

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> frame = draw_likelihood_slice(likelihood_slice(X, torch.tensor([1.0, 2.9, 5.2, 6.9]), 1.0, 0.5))
    >>> frame.size, frame.alt.startswith("w = 1, sigma = 0.5")
    ((440, 300), True)
    """
    if not isinstance(s, LikelihoodSlice):
        raise TypeError(f"s must be a LikelihoodSlice (see likelihood_slice), got {type(s).__name__}")
    if residual_range is None:
        reach = 3 * max(s.sigma, s.spread)
        residual_range = (-reach, reach)
    low, high = _check_span(residual_range)
    figure, (left, right) = frame_figure(
        _HEIGHT_PX, ncols=2,
        gridspec_kw={"left": 0.1, "right": 0.98, "top": 0.78, "bottom": 0.16, "wspace": 0.42},
    )
    figure.text(0.02, 0.975, f"w = {s.weight:g}, σ = {s.sigma:g}", ha="left", va="top", fontsize=11)
    figure.text(0.02, 0.9, f"mean NLL {s.nll:.2f}; lowest {s.lowest_nll:.2f} at w = {s.minimiser:.3f}",
                ha="left", va="top", fontsize=10)

    clipped = s.residuals.clamp(low, high).numpy()
    left.hist(clipped, bins=_BINS, range=(low, high), density=True, color=_HIST_COLOR, edgecolor="white",
              linewidth=0.5, label="residuals")
    grid = torch.linspace(low, high, 200, dtype=torch.float64)
    left.plot(grid.numpy(), normal_pdf(grid, 0.0, s.sigma).numpy(), color=_DENSITY_COLOR, linewidth=2.2,
              label=f"N(0, {s.sigma:g}²)")
    left.set_xlim(low, high)
    if density_top is None:
        density_top = 1.15 / (math.sqrt(2 * math.pi) * min(s.sigma, s.spread))
    left.set_ylim(0, _positive("density_top", density_top))
    left.set_xlabel("residual y − ŷ", labelpad=1)
    left.set_ylabel("density", labelpad=1)
    left.legend(loc="upper left", frameon=False, handlelength=1.0, borderaxespad=0.2, borderpad=0.1,
                labelspacing=0.2)

    cw, cn = s.curve_weights.numpy(), s.curve_nll.numpy()
    right.plot(cw, cn, color=_DENSITY_COLOR, linewidth=2.2)
    right.axvline(s.least_squares, color="black", linewidth=1.2, linestyle="--")
    right.plot(s.minimiser, s.lowest_nll, "v", color="black", markersize=8)
    right.set_xlim(float(cw[0]), float(cw[-1]))
    if nll_range is not None:
        right.set_ylim(*_check_span(nll_range))
    ceiling = right.get_ylim()[1]
    if s.nll <= ceiling:
        right.plot(s.weight, s.nll, "o", color=_POINT_COLOR, markersize=9, zorder=3)
    else:  # above the axis: pinned to its top, pointing up
        right.plot(s.weight, ceiling, "^", color=_POINT_COLOR, markersize=10, zorder=3, clip_on=False)
    right.set_xlabel("w   (dashed: least squares)", labelpad=1)
    right.set_ylabel("mean NLL", labelpad=1)
    return to_frame(figure, s.alt)


def likelihood_explorer(
    X: TensorLike,
    y: TensorLike,
    *,
    column: int = 0,
    weights: Sequence[float] | None = None,
    sigmas: Sequence[float] = SIGMAS,
    live: bool = False,
) -> SliderFigure:
    """Sliders for one weight ``w`` and the noise level ``sigma``: the residuals' density and the NLL curve.

    Introduced in chapter 6, *The normal distribution and squared loss*.

    Each frame is :func:`likelihood_slice` drawn by :func:`draw_likelihood_slice`.  All
    frames share their axes: the residual axis covers the widest residuals of the
    grid, the curve axis runs from 0 to above the lowest curve's minimum, so a change of
    ``sigma`` shows as a steeper or flatter, higher or lower curve.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    column : int, default 0
        The column whose weight the slider moves.
    weights : sequence of numbers, optional
        The weights of the static figure, strictly increasing; by default the
        least-squares weight rounded to 0.1 plus :data:`OFFSETS`.
    sigmas : sequence of positive numbers, default :data:`SIGMAS`
    live : bool, default False
        Redraw on every move (needs a running kernel), for weights in steps of 0.1
        across the grid's range and ``sigma`` from 0.1 to 2 in steps of 0.05 (and the
        grid values).

    Returns
    -------
    SliderFigure
        It opens at the middle weight and the middle ``sigma``.

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> fig = likelihood_explorer(X, torch.tensor([1.0, 2.9, 5.2, 6.9]), weights=[1.5, 2.0], sigmas=[0.5])
    >>> len(fig.frames), fig.shown().alt.startswith("w = 1.5, sigma = 0.5")
    (2, True)
    """
    if not isinstance(live, bool):
        raise TypeError(f"live must be True or False, got {type(live).__name__} {live!r}")
    sigmas = check_grid("sigmas", sigmas, MAX_VALUES)
    if sigmas[0] <= 0:
        raise ValueError(f"sigmas must be positive, got {sigmas[0]:g}")
    setup = _setup(X, y, column, None)
    if weights is None:
        centre = round(setup.least_squares, 1)
        weights = [round(centre + offset, 10) for offset in OFFSETS]
    weights = check_grid("weights", weights, MAX_VALUES)
    if not live and len(weights) * len(sigmas) > MAX_FRAMES:
        raise ValueError(
            f"weights and sigmas give {len(weights)} x {len(sigmas)} frames, more than {MAX_FRAMES}; "
            "every frame is stored in the page, so offer fewer values"
        )
    low = min(weights[0], setup.least_squares) - 0.5
    high = max(weights[-1], setup.least_squares) + 0.5
    setup = _Setup(setup.X, setup.y, setup.base, setup.column, setup.least_squares, (low, high))
    live_weights = sorted({round(low + 0.5 + 0.1 * k, 10) for k in range(round((high - low - 1) / 0.1) + 1)}
                          | set(weights))
    live_sigmas = sorted({round(0.1 + 0.05 * k, 10) for k in range(39)} | set(sigmas))
    # shared axes: residuals as wide as the grid's widest, NLL from 0 to the lowest curve's top third
    corners = [_slice(setup, w, s) for w in (weights[0], weights[-1]) for s in (sigmas[0], sigmas[-1])]
    reach = 3 * max(max(c.spread for c in corners), sigmas[-1])
    sharpest = min(corners, key=lambda c: c.sigma)
    top = max(3 * sharpest.lowest_nll, sharpest.lowest_nll + 2, 1.0)
    bottom = min(0.0, min(c.lowest_nll for c in corners) - 0.2)
    best = _slice(setup, setup.least_squares, sigmas[0])
    density_top = 1.15 / (math.sqrt(2 * math.pi) * min(sigmas[0], best.spread))
    knobs = [
        Knob("weight w", weights, live_values=live_weights, fmt="{:g}"),
        Knob("noise σ", sigmas, live_values=live_sigmas, fmt="{:g}"),
    ]

    def draw(w: float, sigma: float) -> Frame:
        return draw_likelihood_slice(_slice(setup, float(w), float(sigma)), residual_range=(-reach, reach),
                                     density_top=density_top, nll_range=(bottom, top))

    return slider_figure(draw, knobs, live=live)
