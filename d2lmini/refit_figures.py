"""Refitting on many simulated datasets: the interactive figure of chapter 9, *How sure are we?*.

How far do least-squares lines scatter around the true line, and how wide is the confidence
band of a single fit?  Both depend on the noise level and on the number of examples.  The
figure is split like every slider figure of the course: :func:`simulate_refits` computes what
one frame shows (no widgets, no matplotlib), :func:`draw_refits` draws that frame (no widgets)
and :func:`refit_explorer` puts a slider on each of the two numbers.  Every line comes from
:func:`~d2lmini.fit_least_squares` and the band from :func:`~d2lmini.fit_with_uncertainty`,
the code a reader runs in the chapter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import check_bool, check_grid, check_int, check_positive_float, check_real
from .inference import fit_with_uncertainty
from .optim import fit_least_squares
from .sliders import MAX_VALUES, Frame, Knob, SliderFigure, frame_figure, slider_figure, to_frame

# Okabe-Ito colours: told apart with every common colour-vision deficiency, and strong on white.
_BLUE, _VERMILLION = "#0072B2", "#D55E00"
_GREY = "#4D4D4D"
_GRID_POINTS = 101
"""Points across ``x_range`` at which the confidence band is evaluated and drawn."""
_MAX_DATASETS = 500
_MAX_EXAMPLES = 100_000
_LIVE_STEPS = 4
"""A live noise slider offers this many steps between neighbouring grid values."""


@dataclass(frozen=True)
class Refits:
    """What one frame of :func:`refit_explorer` shows: lines refitted to simulated datasets.

    Attributes
    ----------
    sigma : float
        Standard deviation of the Gaussian noise added to the true line.
    n : int
        Examples per dataset.
    w, b : float
        Slope and intercept of the true line.
    level : float
        Confidence level of the band and of the slope's interval.
    x : numpy.ndarray, shape (n,)
        The inputs, evenly spaced over ``x_range``; the same for every dataset.
    y : numpy.ndarray, shape (n,)
        The labels of the first simulated dataset.
    slopes, intercepts : numpy.ndarray, shape (num_datasets,)
        The least-squares line of each simulated dataset (the first is the fit to ``y``).
    grid : numpy.ndarray, shape (101,)
        Inputs across ``x_range`` at which the band is evaluated.
    band_low, band_high : numpy.ndarray, shape (101,)
        The confidence band of the first fit: the interval of its mean prediction at each
        point of ``grid`` (:meth:`~d2lmini.inference.LinearFitInference.mean_interval`).
    slope_low, slope_high : float
        The confidence interval of the first fit's slope.
    """

    sigma: float
    n: int
    w: float
    b: float
    level: float
    x: np.ndarray
    y: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    grid: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    slope_low: float
    slope_high: float

    @property
    def band_width_centre(self) -> float:
        """Width of the band at the middle of ``x_range``, the mean of ``x``, where it is narrowest."""
        middle = len(self.grid) // 2
        return float(self.band_high[middle] - self.band_low[middle])

    @property
    def band_width_edge(self) -> float:
        """Width of the band at the right end of ``x_range``, where it is widest."""
        return float(self.band_high[-1] - self.band_low[-1])


def simulate_refits(
    sigma: float,
    n: int,
    *,
    w: float = 2.0,
    b: float = 1.0,
    num_datasets: int = 20,
    x_range: tuple[float, float] = (-2.0, 2.0),
    level: float = 0.95,
    seed: int = 0,
) -> Refits:
    """Draw ``num_datasets`` datasets from ``y = w x + b + noise`` and fit a line to each.

    Introduced in chapter 9, *How sure are we?*.

    The ``n`` inputs are evenly spaced over ``x_range`` and shared by every dataset; the noise
    is Gaussian with standard deviation ``sigma``, drawn in float64 from a generator seeded with
    ``seed``.  For a given ``n`` and ``seed`` the draws are the same whatever ``sigma`` is, so
    doubling ``sigma`` exactly doubles every line's distance from the true one.  Each dataset
    is fitted with :func:`~d2lmini.fit_least_squares`; the first one also with
    :func:`~d2lmini.fit_with_uncertainty`, which gives its confidence band and the interval
    of its slope.

    Parameters
    ----------
    sigma : float
        Noise standard deviation (0 or more).
    n : int
        Examples per dataset, at least 3 (a line has two coefficients, and one degree of
        freedom must be left to estimate the noise).
    w, b : float, default 2.0 and 1.0
        The true line.
    num_datasets : int, default 20
        How many datasets to draw and fit (1 to 500).
    x_range : (float, float), default (-2.0, 2.0)
        Smallest and largest input.
    level : float, default 0.95
        Confidence level of the band and of the slope's interval.
    seed : int, default 0
        Seed of the noise.

    Returns
    -------
    Refits

    Examples
    --------
    >>> refits = simulate_refits(1.0, 20)
    >>> refits.slopes.shape, round(refits.band_width_centre, 3), round(refits.band_width_edge, 3)
    ((20,), 1.04, 2.004)
    >>> wider = simulate_refits(2.0, 20)  # the same draws, twice the noise: every deviation doubles
    >>> bool(np.allclose(wider.slopes - 2.0, 2 * (refits.slopes - 2.0)))
    True
    """
    sigma = check_positive_float("sigma", sigma, allow_zero=True)
    n = _check_count("n", n, 3, _MAX_EXAMPLES, "a line and its noise need at least 3 examples")
    w, b = check_real("w", w), check_real("b", b)
    num_datasets = _check_count("num_datasets", num_datasets, 1, _MAX_DATASETS)
    low, high = _check_range(x_range)
    level = check_real("level", level)
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1 (0.95 for a 95% band), got {level}")
    seed = check_int("seed", seed)
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(low, high, n, dtype=torch.float64)
    noise = torch.randn(num_datasets, n, generator=generator, dtype=torch.float64)
    labels = w * x + b + sigma * noise
    X = x.unsqueeze(1)
    lines = [fit_least_squares(X, labels[k]) for k in range(num_datasets)]
    first = fit_with_uncertainty(X, labels[0], level=level)
    grid = torch.linspace(low, high, _GRID_POINTS, dtype=torch.float64)
    band_low, band_high = first.mean_interval(grid.unsqueeze(1))
    return Refits(
        sigma=sigma, n=n, w=w, b=b, level=level,
        x=x.numpy(), y=labels[0].numpy(),
        slopes=np.array([float(line_w[0]) for line_w, _ in lines]),
        intercepts=np.array([float(line_b) for _, line_b in lines]),
        grid=grid.numpy(), band_low=band_low.numpy(), band_high=band_high.numpy(),
        slope_low=float(first.ci_low[0]), slope_high=float(first.ci_high[0]),
    )


def draw_refits(refits: Refits, *, ylim: tuple[float, float] | None = None) -> Frame:
    """One frame of :func:`refit_explorer`: the refitted lines, the true line, one dataset and its band.

    Introduced in chapter 9, *How sure are we?*.

    Parameters
    ----------
    refits : Refits
        What :func:`simulate_refits` returned.
    ylim : (float, float), optional
        Vertical limits; :func:`refit_explorer` fixes them for every frame so that the spread
        can be compared.  Default: the true line's range plus four noise standard deviations.

    Returns
    -------
    Frame
        The picture and its alt text, which gives the noise level, the sample size, the range
        of the refitted slopes and the band's widths.

    Examples
    --------
    >>> frame = draw_refits(simulate_refits(1.0, 20))
    >>> frame.size
    (440, 360)
    >>> frame.alt[:60]
    'Noise standard deviation 1, 20 examples per dataset: the 20 '
    """
    if not isinstance(refits, Refits):
        raise TypeError(f"refits must be what simulate_refits returns, got {type(refits).__name__}")
    grid = refits.grid
    true_line = refits.w * grid + refits.b
    if ylim is None:
        ylim = (float(true_line.min()) - 4 * refits.sigma - 0.5, float(true_line.max()) + 4 * refits.sigma + 0.5)
    ylim = _check_range(ylim, "ylim")
    figure, axes = frame_figure(360)
    ends = np.array([grid[0], grid[-1]])
    k = len(refits.slopes)
    for slope, intercept in zip(refits.slopes[1:], refits.intercepts[1:]):
        axes.plot(ends, slope * ends + intercept, color=_GREY, lw=0.9, zorder=2)
    axes.plot([], [], color=_GREY, lw=0.9, label=f"{k} refits")  # one legend entry for all of them
    percent = f"{100 * refits.level:g}%"
    axes.fill_between(grid, refits.band_low, refits.band_high, color=_VERMILLION, alpha=0.2, lw=0, zorder=1)
    axes.plot(grid, refits.band_low, "--", color=_VERMILLION, lw=1.5, zorder=3, label=f"{percent} band")
    axes.plot(grid, refits.band_high, "--", color=_VERMILLION, lw=1.5, zorder=3)
    axes.plot(ends, refits.w * ends + refits.b, color="black", lw=2.2, zorder=4, label="true line")
    axes.plot(ends, refits.slopes[0] * ends + refits.intercepts[0], color=_VERMILLION, lw=2, zorder=5,
              label="fit to dots")
    # the dots lie under the lines, so that the lines stay visible through 200 of them
    axes.plot(refits.x, refits.y, "o", color=_BLUE, ms=4 if refits.n <= 50 else 3, zorder=1.5, label="one dataset")
    axes.set_xlim(float(grid[0]), float(grid[-1]))
    axes.set_ylim(*ylim)
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.set_title(
        f"σ = {refits.sigma:g}, n = {refits.n}: slopes {_number(refits.slopes.min())} "
        f"to {_number(refits.slopes.max())}",
        fontsize=11,
    )
    axes.grid(True, color="0.85", lw=0.6)
    figure.legend(*axes.get_legend_handles_labels(), loc="lower center", ncol=3, frameon=False,
                  handlelength=1.8, columnspacing=1.2, borderaxespad=0.2)
    # fixed margins rather than tight_layout: every frame has the same layout, and measuring it costs more than drawing
    figure.subplots_adjust(left=0.135, right=0.975, top=0.92, bottom=0.27)
    return to_frame(figure, _alt(refits))


def _alt(refits: Refits) -> str:
    k = len(refits.slopes)
    percent = f"{100 * refits.level:g}%"
    centre = (refits.grid[0] + refits.grid[-1]) / 2
    return (
        f"Noise standard deviation {refits.sigma:g}, {refits.n} examples per dataset: "
        f"the {k} lines refitted to {k} simulated datasets have slopes from {_number(refits.slopes.min())} "
        f"to {_number(refits.slopes.max())} around the true slope {refits.w:g}. "
        f"The {percent} confidence band of the fit to the dataset drawn as dots is "
        f"{_number(refits.band_width_centre)} wide at x = {centre:g} and "
        f"{_number(refits.band_width_edge)} wide at x = {refits.grid[-1]:g}; "
        f"its {percent} interval for the slope is {_number(refits.slope_low)} to {_number(refits.slope_high)}."
    )


def refit_explorer(
    *,
    sigmas: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 4.0),
    sizes: Sequence[int] = (5, 10, 20, 50, 200),
    w: float = 2.0,
    b: float = 1.0,
    num_datasets: int = 20,
    live: bool = False,
    seed: int = 0,
) -> SliderFigure:
    """Sliders for the noise level and the sample size over lines refitted to simulated datasets.

    Introduced in chapter 9, *How sure are we?*.

    Each frame draws ``num_datasets`` datasets from ``y = w x + b + noise`` with inputs evenly
    spaced over [-2, 2] (:func:`simulate_refits`), shows the least-squares line of each, the
    true line, the first dataset as dots and the 95% confidence band of its fit
    (:func:`draw_refits`).  The vertical axis is the same in every frame, so the spread of the
    lines and the width of the band can be compared across slider positions.

    Parameters
    ----------
    sigmas : sequence of float
        Noise standard deviations offered on the static page (positive, increasing, at
        most 16).
    sizes : sequence of int
        Sample sizes offered on the static page (whole numbers from 3, increasing, at most 16).
    w, b : float, default 2.0 and 1.0
        The true line.
    num_datasets : int, default 20
        Datasets drawn and refitted per frame (1 to 500).
    live : bool, default False
        Redraw on every move (needs a running kernel), offering noise levels between the
        grid values and every sample size from the smallest to the largest.
    seed : int, default 0
        Seed of the noise (the same for every frame).

    Returns
    -------
    SliderFigure

    Examples
    --------
    >>> fig = refit_explorer(sigmas=[0.5, 1.0], sizes=[10, 40], num_datasets=5)
    >>> len(fig.frames), fig.shown().alt.split(":")[0]
    (4, 'Noise standard deviation 0.5, 10 examples per dataset')
    """
    sigma_grid = check_grid("sigmas", sigmas, MAX_VALUES)
    if sigma_grid[0] <= 0:
        raise ValueError(f"sigmas must be positive noise levels, got {list(sigma_grid)}")
    size_grid = check_grid("sizes", sizes, MAX_VALUES)
    for size in size_grid:
        if not isinstance(size, int) or size < 3:
            raise ValueError(f"sizes must be whole numbers of examples, at least 3, got {list(size_grid)}")
        if size > _MAX_EXAMPLES:
            raise ValueError(f"sizes may not exceed {_MAX_EXAMPLES:,} examples, got {size:,}")
    w, b = check_real("w", w), check_real("b", b)
    num_datasets = _check_count("num_datasets", num_datasets, 1, _MAX_DATASETS)
    live = check_bool("live", live)
    seed = check_int("seed", seed)
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")
    low, high = -2.0, 2.0
    reach = max(abs(w * low + b), abs(w * high + b))
    limit = reach + 2.5 * sigma_grid[-1]
    ylim = (-limit, limit)

    def draw(sigma: float, n: int) -> Frame:
        refits = simulate_refits(sigma, int(n), w=w, b=b, num_datasets=num_datasets, x_range=(low, high), seed=seed)
        return draw_refits(refits, ylim=ylim)

    knobs = [
        Knob("noise σ", sigma_grid, live_values=_finer(sigma_grid), fmt="{:g}"),
        Knob("sample size n", size_grid, live_values=list(range(int(size_grid[0]), int(size_grid[-1]) + 1)),
             fmt="{:d}"),
    ]
    return slider_figure(draw, knobs, live=live)


def _finer(values: tuple[float, ...]) -> list[float]:
    """The grid values and :data:`_LIVE_STEPS` evenly spaced steps between neighbours, to 4 significant digits."""
    finer = {float(v) for v in values}
    for a, c in zip(values, values[1:]):
        finer.update(float(f"{a + (c - a) * k / _LIVE_STEPS:.4g}") for k in range(1, _LIVE_STEPS))
    return sorted(finer)


def _number(value: float) -> str:
    """Three significant digits, no exponent for everyday sizes ("2.03", "0.911", "12.3", "201")."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    magnitude = math.floor(math.log10(abs(value)))
    if not -4 <= magnitude < 9:
        return f"{value:.3g}"
    text = f"{value:.{max(0, 2 - magnitude)}f}"
    return "0" if text in ("-0", "-0.0", "-0.00", "-0.000") else text


def _check_count(name: str, value: object, lowest: int, highest: int, why: str = "") -> int:
    count = check_int(name, value)
    if not lowest <= count <= highest:
        reason = f" ({why})" if why else ""
        raise ValueError(f"{name} must be from {lowest} to {highest:,}{reason}, got {count}")
    return count


def _check_range(value: object, name: str = "x_range") -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {value!r}")
    low, high = check_real(f"{name}[0]", value[0]), check_real(f"{name}[1]", value[1])
    if not low < high:
        raise ValueError(f"{name} must have low < high, got ({low:g}, {high:g})")
    return low, high
