"""Two interactive figures of minibatch SGD: the learning rate and batch size explorer, and loss against seconds.

Introduced in chapter 4, *Minibatch stochastic gradient descent*.  Both are
:func:`~d2lmini.sliders.slider_figure` figures, and each comes in three layers:

* computing: :func:`sgd_runs` trains :func:`~d2lmini.fit_sgd` at every point of a small
  (learning rate x batch size) grid, and :func:`timed_runs` records the loss on all the data
  after every update of one run per batch size (torch only: no widgets, no matplotlib);
* drawing one frame: :func:`draw_sgd_run` and :func:`draw_timed_runs` (matplotlib, no widgets);
* the figure: :func:`sgd_explorer` and :func:`sgd_time_explorer`, one ``slider_figure`` call each.

Wall-clock time is the one thing here that is not deterministic.  :func:`sgd_time_explorer`
therefore does not time anything: it takes the measured seconds per update of each batch size
(measure them with :func:`~d2lmini.benchmark`) and multiplies, so the same measurements give
the same frames.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from ._validation import TensorLike, as_dataset, check_bool, check_int, check_positive_float, check_positive_int
from .losses import half_mse, zero_rounding
from .optim import SGDResult, fit_least_squares, fit_sgd
from .sliders import (
    MAX_FRAMES,
    MAX_VALUES,
    MIN_FONT_PT,
    Frame,
    Knob,
    SliderFigure,
    frame_figure,
    frame_style,
    slider_figure,
    to_frame,
)
from .timing import format_seconds

DEFAULT_LEARNING_RATES = (0.03, 0.1, 0.3, 1.0, 3.0)
"""The explorer's learning rates: on unit-scale features the largest diverges."""
_DEFAULT_BATCH_SIZES = (1, 10, 50, 250)
DEFAULT_TIME_LEARNING_RATES = (0.003, 0.01, 0.03, 0.1, 0.3)
"""The learning rates of :func:`sgd_time_explorer`."""
_TARGET_FACTORS = (1.2, 2.0, 5.0, 20.0, 200.0)  # default targets, in multiples of the least-squares loss
_EXPLORER_HEIGHT_PX = 490
_E24 = (1.0, 1.1, 1.2, 1.3, 1.5, 1.6, 1.8, 2.0, 2.2, 2.4, 2.7, 3.0, 3.3, 3.6, 3.9, 4.3, 4.7, 5.1, 5.6, 6.2,
        6.8, 7.5, 8.2, 9.1)  # live learning-rate and target knobs: round, nearly log-spaced values

# Okabe and Ito's colour-blind-safe colours, dark enough to read when the theme dims the picture.
_BLUE, _SKY, _VERMILLION, _GREEN, _PURPLE = "#0072B2", "#56B4E9", "#D55E00", "#009E73", "#CC79A7"
_ALARM = "#B2182B"  # dark red text on white: 6.4:1
_BATCH_STYLES = (  # colour, line style, marker: never colour alone
    (_BLUE, "-", "o"), (_VERMILLION, "--", "s"), (_GREEN, "-.", "^"), ("#000000", ":", "D"),
    (_PURPLE, (0, (5, 1, 1, 1, 1, 1)), "v"),
)


# ---- computing: the explorer's grid of runs ------------------------------------------------------


@dataclass(frozen=True)
class SGDRun:
    """One grid point of the explorer: a :func:`~d2lmini.fit_sgd` run and what its frame compares it with.

    Attributes
    ----------
    lr : float
        Learning rate.
    batch_size : int
        Examples per minibatch.
    num_epochs : int
        Epochs asked for; ``result.epoch_losses`` is shorter when training broke down.
    result : SGDResult
        What ``fit_sgd`` returned (with ``track_path=True``).  ``result.diverged`` says
        whether training broke down (the loss or the parameters left the floating-point range)
        and ``fit_sgd`` stopped it.
    initial_loss : float
        Loss on all the data at the starting parameters.
    least_squares : tensor, shape (d + 1,)
        ``(w..., b)`` of :func:`~d2lmini.fit_least_squares`, float64: the star of the path panel.
    least_squares_loss : float
        Its loss on all the data, the lowest any parameters reach.
    examples : int
        n, the number of examples.
    """

    lr: float
    batch_size: int
    num_epochs: int
    result: SGDResult
    initial_loss: float
    least_squares: torch.Tensor
    least_squares_loss: float
    examples: int

    @property
    def final_loss(self) -> float:
        """Loss on all the data after the last epoch run (infinite or NaN when training broke down)."""
        return float(self.result.epoch_losses[-1])

    @property
    def loss_grew(self) -> bool:
        """True when the loss ended above where it started (a loss that is not a number counts as above).

        A run can grow without breaking down: a learning rate a little too large multiplies the
        error at every step, and a few epochs leave a large but finite loss (``result.diverged``
        stays False).  Every run that broke down also grew.
        """
        return not self.final_loss <= self.initial_loss

    @property
    def verdict(self) -> str:
        """``"diverged in epoch 2: training stopped"``, ``"diverging: loss grew 40x in 3 epochs"``, or ``""``."""
        epochs = len(self.result.epoch_losses)
        if self.result.diverged:
            return f"diverged in epoch {epochs}: training stopped"
        if self.loss_grew:
            return f"diverging: loss grew {self.final_loss / self.initial_loss:.2g}x in {epochs} epochs"
        return ""


def sgd_runs(
    X: TensorLike,
    y: TensorLike,
    *,
    learning_rates: Sequence[float] = DEFAULT_LEARNING_RATES,
    batch_sizes: Sequence[int] | None = None,
    num_epochs: int = 3,
    seed: int = 0,
) -> list[list[SGDRun]]:
    """Train :func:`~d2lmini.fit_sgd` at every (learning rate, batch size) of a grid.

    Every run starts from its own ``torch.Generator().manual_seed(seed)``, so all runs share
    their initial weights and each can be repeated on its own.  The ``RuntimeWarning`` of a
    run that breaks down is absorbed: ``result.diverged`` and :attr:`SGDRun.verdict` say so.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    learning_rates : sequence of float, strictly increasing
        Default ``(0.03, 0.1, 0.3, 1.0, 3.0)``; at most 16 values.
    batch_sizes : sequence of int, strictly increasing, at most n
        Default ``1, 10, 50, 250`` (those below n) and ``n``, the full batch; at most 16 values.
    num_epochs : int, default 3
    seed : int, default 0

    Returns
    -------
    list of lists of SGDRun
        ``runs[i][j]`` was trained with ``learning_rates[i]`` and ``batch_sizes[j]``.

    Examples
    --------
    >>> import torch
    >>> X = torch.randn(50, 1, generator=torch.Generator().manual_seed(0))
    >>> runs = sgd_runs(X, 2 * X[:, 0], learning_rates=[0.1, 3.0], batch_sizes=[10, 50])
    >>> [[(run.result.diverged, run.loss_grew) for run in row] for row in runs]
    [[(False, False), (False, False)], [(False, True), (False, True)]]
    >>> runs[1][0].verdict.split(":")[0]  # growing, still finite after 3 epochs
    'diverging'
    """
    X, y, learning_rates, batch_sizes, num_epochs, seed = _check_inputs(
        X, y, learning_rates, batch_sizes, num_epochs, seed
    )
    best, best_loss = _least_squares(X, y)
    return [
        [_run(X, y, lr, size, num_epochs, seed, best, best_loss) for size in batch_sizes] for lr in learning_rates
    ]


def _check_grid(name: str, values: object, check: Callable[[str, object], Any]) -> tuple[Any, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of numbers, got {values!r}")
    if len(values) > MAX_VALUES:
        raise ValueError(
            f"{name} has {len(values)} values, more than {MAX_VALUES}; every frame is stored in the page"
        )
    checked = tuple(check(f"{name}[{i}]", v) for i, v in enumerate(values))
    if any(a >= b for a, b in zip(checked, checked[1:])):
        raise ValueError(f"{name} must be strictly increasing, got {list(checked)}")
    return checked


def _default_batch_sizes(n: int) -> tuple[int, ...]:
    """1, 10, 50, 250 (those below n), then n itself: the full batch."""
    return (*(size for size in _DEFAULT_BATCH_SIZES if size < n), n)


def _check_data(X: object, y: object) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = as_dataset(X, y)
    if X.shape[1] == 0:
        raise ValueError("X must have at least one feature column, got shape (n, 0)")
    return X, y


def _check_inputs(
    X: object, y: object, learning_rates: object, batch_sizes: object, num_epochs: object, seed: object
) -> tuple[torch.Tensor, torch.Tensor, tuple[float, ...], tuple[int, ...], int, int]:
    X, y = _check_data(X, y)
    n = X.shape[0]
    learning_rates = _check_grid("learning_rates", learning_rates, check_positive_float)
    batch_sizes = _check_grid(
        "batch_sizes", _default_batch_sizes(n) if batch_sizes is None else batch_sizes, check_positive_int
    )
    if batch_sizes[-1] > n:
        raise ValueError(f"batch_sizes must not exceed the number of examples ({n}), got {batch_sizes[-1]}")
    if len(learning_rates) * len(batch_sizes) > MAX_FRAMES:
        raise ValueError(
            f"the grid has {len(learning_rates)} x {len(batch_sizes)} frames, more than {MAX_FRAMES}; "
            "every frame is stored in the page, so choose fewer values"
        )
    num_epochs = check_positive_int("num_epochs", num_epochs)
    return X, y, learning_rates, batch_sizes, num_epochs, check_int("seed", seed)


def _loss(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> float:
    """The loss on all the data at ``(w, b)``, with the residual itself computed in float64."""
    return float(half_mse(X.double() @ w.double().to(X.device) + b.double().to(X.device) - y.double()))


def _least_squares(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, float]:
    """``(w..., b)`` of the least-squares fit (float64, on the CPU) and its loss."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a rank-deficient X still has a (minimum-norm) answer
        w_best, b_best = fit_least_squares(X, y)
    best = torch.cat([w_best.double().cpu(), b_best.double().reshape(1).cpu()])
    return best, zero_rounding(_loss(X, y, w_best, b_best), y)  # exactly fitted data: 0 on every LAPACK


def _run(
    X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, num_epochs: int, seed: int,
    best: torch.Tensor, best_loss: float,
) -> SGDRun:
    """One grid point: fit_sgd from a fresh generator; a breakdown is reported by the run, not a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = fit_sgd(
            X, y, lr=lr, batch_size=batch_size, num_epochs=num_epochs,
            generator=torch.Generator().manual_seed(seed), track_path=True,
        )
    start = _path(result)[0]
    initial_loss = _loss(X, y, start[:-1], start[-1])
    return SGDRun(lr, batch_size, num_epochs, result, initial_loss, best, best_loss, X.shape[0])


def _path(result: SGDResult) -> torch.Tensor:
    if result.path is None:
        raise ValueError("the SGD explorer draws runs trained with track_path=True")
    return result.path


# ---- drawing one frame of the explorer -----------------------------------------------------------


def _path_names(d: int) -> tuple[str, str]:
    """The two coordinates the path panel shows: (w, b) for one feature, else the first two weights."""
    return ("w", "b") if d == 1 else ("w1", "w2")


def _path_limits(start: torch.Tensor, best: torch.Tensor) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits of the path panel: the start and the star with a margin (the same for every frame of a grid)."""
    corners = torch.stack([start[:2], best[:2]])
    low, high = corners.min(0).values, corners.max(0).values
    pad = float(torch.clamp(0.3 * (high - low).max(), min=0.5))
    return (float(low[0]) - pad, float(high[0]) + pad), (float(low[1]) - pad, float(high[1]) + pad)


def _loss_limits(start_loss: float, best_loss: float) -> tuple[float, float]:
    floor = max(best_loss, 1e-9 * start_loss, 1e-30)  # exact data: a least-squares loss of 0
    return floor / 30, max(start_loss, floor) * 100


def sgd_run_alt(run: SGDRun) -> str:
    """The alt text of a run's frame: its settings, final loss against least squares, diverged or not.

    Examples
    --------
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> X = torch.randn(50, 1, generator=g)
    >>> y = 2 * X[:, 0] + 1 + 0.1 * torch.randn(50, generator=g)
    >>> (run,), = sgd_runs(X, y, learning_rates=[0.5], batch_sizes=[10])
    >>> print(sgd_run_alt(run))
    Learning rate 0.5, batch size 10, 3 epochs: the loss on all the data fell from 2.9 to 0.00503
    (least squares reaches 0.00469); it did not diverge. The path of (w, b) ends at (1.97, 1.01);
    the least-squares star is at (1.99, 1.01).
    """
    d = run.least_squares.numel() - 1
    head = f"Learning rate {run.lr:g}, batch size {run.batch_size}"
    if run.batch_size >= run.examples:
        head += " (the full batch)"
    head += f", {run.num_epochs} epoch{'s' if run.num_epochs != 1 else ''}"
    best = f"least squares reaches {run.least_squares_loss:.3g}"
    epochs = len(run.result.epoch_losses)
    if run.result.diverged:
        body = (f"diverged: the loss left the floating-point range in epoch {epochs} and training stopped "
                f"(it started at {run.initial_loss:.2g}; {best})")
    elif run.loss_grew:
        body = (f"diverging: the loss on all the data grew from {run.initial_loss:.2g} to {run.final_loss:.3g}, "
                f"{run.final_loss / run.initial_loss:.2g} times as high; {best}")
    else:
        body = (f"the loss on all the data fell from {run.initial_loss:.2g} to {run.final_loss:.3g} "
                f"({best}); it did not diverge")
    a, b = _path_names(d)
    path = _path(run.result).double()
    finite = path[torch.isfinite(path).all(dim=1)]
    (x_low, x_high), (y_low, y_high) = _path_limits(path[0], run.least_squares)
    end, star = finite[-1], run.least_squares
    if x_low <= end[0] <= x_high and y_low <= end[1] <= y_high:
        where = f"ends at ({end[0]:.2f}, {end[1]:.2f})"
    else:
        where = "leaves the chart"
    where = f"The path of ({a}, {b}) {where}; the least-squares star is at ({star[0]:.2f}, {star[1]:.2f})."
    return f"{head}: {body}. {where}"


def draw_sgd_run(run: SGDRun) -> Frame:
    """One frame of the explorer: the run's loss curves above the path of its parameters.

    The top panel shows the loss of each minibatch (thin), the loss on all the data after each
    epoch (dots) and the least-squares loss (dashed), on a log scale; the bottom panel the path
    of the first two of ``(w..., b)`` from the start (circle) towards the least-squares answer
    (star).  A run that diverged says so in dark red above the panels.  Axis limits depend
    only on the data, the seed and ``num_epochs``, so the frames of a grid line up.

    Examples
    --------
    >>> import torch
    >>> X = torch.randn(50, 1, generator=torch.Generator().manual_seed(0))
    >>> (run,), = sgd_runs(X, 2 * X[:, 0] + 1, learning_rates=[0.5], batch_sizes=[10])
    >>> frame = draw_sgd_run(run)
    >>> frame.size, frame.alt == sgd_run_alt(run)
    ((440, 490), True)
    """
    if not isinstance(run, SGDRun):
        raise TypeError(f"run must be an SGDRun (see sgd_runs), got {type(run).__name__}")
    with frame_style():
        return _draw_sgd_run(run)


def _draw_sgd_run(run: SGDRun) -> Frame:
    result = run.result
    path = _path(result).double()
    start, best = path[0], run.least_squares
    figure, (loss_axes, path_axes) = frame_figure(
        _EXPLORER_HEIGHT_PX, nrows=2, gridspec_kw={"height_ratios": [1, 1.05], "hspace": 0.66, "top": 0.915,
                                                   "bottom": 0.16, "left": 0.15, "right": 0.97},
    )
    steps_per_epoch = math.ceil(run.examples / run.batch_size)
    steps = result.step_losses.double()
    step_x = (torch.arange(len(steps), dtype=torch.float64) / steps_per_epoch).numpy()
    finite = torch.isfinite(steps).numpy()
    step_line = loss_axes.plot(step_x[finite], steps[finite].clamp(min=1e-30).numpy(), color=_SKY, lw=0.9)[0]
    losses = torch.cat([torch.tensor([run.initial_loss], dtype=torch.float64), result.epoch_losses.double()])
    finite = torch.isfinite(losses).numpy()
    epoch_line = loss_axes.plot(np.arange(len(losses))[finite], losses.numpy()[finite], "o-", color=_BLUE, ms=5,
                                lw=1.5)[0]
    best_line = loss_axes.axhline(run.least_squares_loss, color="k", ls="--", lw=1.2)
    loss_axes.set_yscale("log")
    loss_axes.set_ylim(*_loss_limits(run.initial_loss, run.least_squares_loss))
    loss_axes.set_xlim(0, run.num_epochs)
    loss_axes.set_xticks(range(run.num_epochs + 1) if run.num_epochs <= 10 else loss_axes.get_xticks())
    loss_axes.set(xlabel="epoch", ylabel="loss (log scale)")
    below = {"loc": "upper center", "ncols": 3, "frameon": False, "handlelength": 1.6, "columnspacing": 1.0,
             "borderaxespad": 0.0}
    loss_axes.legend([step_line, epoch_line, best_line], ["each minibatch", "all data", "least squares"],
                     bbox_to_anchor=(0.43, -0.31), **below)

    finite_path = path[torch.isfinite(path).all(dim=1)]
    path_axes.plot(finite_path[:, 0].numpy(), finite_path[:, 1].numpy(), "-", color=_BLUE, lw=1.0)
    start_marker = path_axes.plot([float(start[0])], [float(start[1])], "o", color="0.35", ms=7)[0]
    star = path_axes.plot([float(best[0])], [float(best[1])], "*", color="k", ms=15)[0]
    end_marker = path_axes.plot(finite_path[-1:, 0].numpy(), finite_path[-1:, 1].numpy(), "o", color=_BLUE,
                                ms=7, mfc="white", mew=2, zorder=4)[0]  # on the star when it gets there
    x_limits, y_limits = _path_limits(start, best)
    path_axes.set_xlim(*x_limits)
    path_axes.set_ylim(*y_limits)
    a, b = _path_names(best.numel() - 1)
    path_axes.set(xlabel=a, ylabel=b)
    path_axes.legend([start_marker, end_marker, star], ["start", "end", "least squares"],
                     bbox_to_anchor=(0.43, -0.3), **below)
    for axes in (loss_axes, path_axes):
        axes.grid(True, alpha=0.35)
    if run.verdict:
        figure.text(0.5, 0.975, run.verdict, ha="center", va="top", color=_ALARM, weight="bold",
                    fontsize=MIN_FONT_PT + 2)
    else:
        figure.text(0.5, 0.975, f"loss after {run.num_epochs} epochs: {run.final_loss:.3g}", ha="center",
                    va="top", fontsize=MIN_FONT_PT + 1)
    return to_frame(figure, sgd_run_alt(run))


# ---- the explorer ---------------------------------------------------------------------------------


def _live_range(values: Sequence[float]) -> list[float]:
    """``values`` and the round numbers of the E24 series between the smallest and the largest of them.

    E24 (1, 1.1, 1.2, 1.3, 1.5, ..., 9.1 per factor of ten) is close to 24 log-spaced steps per
    decade made of two-digit numbers, so a reader can pick 0.2 or 0.3.  A round number within
    3 % of one of ``values`` is left out: the two would look like one value on the slider.
    """
    low, high = values[0], values[-1]
    fine = {
        float(f"{m * 10.0 ** e:.2g}")
        for e in range(math.floor(math.log10(low)), math.floor(math.log10(high)) + 1)
        for m in _E24
    }
    fine = {v for v in fine if low <= v <= high and all(abs(math.log(v / g)) > 0.03 for g in values)}
    return sorted(fine | set(values))


def _live_batch_sizes(n: int, batch_sizes: Sequence[int]) -> list[int]:
    """About 40 sizes, evenly spread on a log scale from 1 to n, plus the grid (less near-twins of it)."""
    fine = {max(1, round(n ** (k / 40))) for k in range(41)}
    fine = {v for v in fine if all(v == g or abs(math.log(v / g)) > 0.03 for g in batch_sizes)}
    return sorted(fine | set(batch_sizes))


def sgd_explorer(
    X: TensorLike,
    y: TensorLike,
    *,
    learning_rates: Sequence[float] = DEFAULT_LEARNING_RATES,
    batch_sizes: Sequence[int] | None = None,
    num_epochs: int = 3,
    seed: int = 0,
    live: bool = False,
) -> SliderFigure:
    """Sliders for the learning rate and the batch size, above the SGD run they give.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Every grid point is trained by :func:`sgd_runs` and drawn by :func:`draw_sgd_run`; a
    :func:`~d2lmini.sliders.slider_figure` shows the frames, so the sliders work on the static
    website too.  With ``live=True`` the sliders retrain on every move instead (that needs a
    running kernel), for a learning rate from a fine, nearly log-spaced range of round numbers
    (24 per factor of ten) between the smallest and the largest of ``learning_rates`` and about forty batch sizes from 1 to n.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    learning_rates, batch_sizes, num_epochs, seed
        As in :func:`sgd_runs`.
    live : bool, default False
        Retrain on every move instead of showing frames drawn now.

    Returns
    -------
    SliderFigure
        Display it to show the sliders and the picture.

    Examples
    --------
    >>> import torch
    >>> X = torch.randn(40, 1, generator=torch.Generator().manual_seed(0))
    >>> fig = sgd_explorer(X, 3 * X[:, 0] - 1, learning_rates=[0.1, 1.0], batch_sizes=[4, 40])
    >>> [slider.options for slider in fig.sliders]
    [(('0.1', 0.1), ('1', 1.0)), (('4', 4), ('40', 40))]
    >>> sorted(fig.frames)  # one frame per grid point
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    >>> fig.shown().alt.split(":")[0]
    'Learning rate 0.1, batch size 4, 3 epochs'
    """
    X, y, learning_rates, batch_sizes, num_epochs, seed = _check_inputs(
        X, y, learning_rates, batch_sizes, num_epochs, seed
    )
    live = check_bool("live", live)
    knobs = [
        Knob("learning rate", learning_rates, live_values=_live_range(learning_rates), fmt="{:.3g}"),
        Knob("batch size", batch_sizes, live_values=_live_batch_sizes(X.shape[0], batch_sizes), fmt="{:d}"),
    ]
    if not live:  # every grid point trained now, then drawn
        grid = sgd_runs(X, y, learning_rates=learning_rates, batch_sizes=batch_sizes, num_epochs=num_epochs,
                        seed=seed)
        runs = {(run.lr, run.batch_size): run for row in grid for run in row}
        return slider_figure(lambda lr, size: draw_sgd_run(runs[lr, size]), knobs)
    best, best_loss = _least_squares(X, y)

    def draw(lr: float, size: int) -> Frame:
        return draw_sgd_run(_run(X, y, float(lr), int(size), num_epochs, seed, best, best_loss))

    return slider_figure(draw, knobs, live=True)


# ---- computing: loss against seconds --------------------------------------------------------------


@dataclass(frozen=True)
class TimedRun:
    """One run of :func:`timed_runs`: the loss on all the data after every update, and what an update costs.

    Attributes
    ----------
    lr : float
    batch_size : int
    seconds_per_update : float
        Measured elsewhere (see :func:`sgd_time_explorer`); the time axis is ``updates * seconds_per_update``.
    losses : ndarray, shape (updates run + 1,)
        Loss on all the data (half the mean squared residual, float64) at the start and after every
        update, computed afterwards from the run's recorded path: that arithmetic is not timed.
    broke_down : bool
        ``fit_sgd`` stopped a run whose loss or parameters left the floating-point range (its
        ``result.diverged``); ``losses`` then ends at the last finite parameters.
    """

    lr: float
    batch_size: int
    seconds_per_update: float
    losses: np.ndarray
    broke_down: bool

    @property
    def seconds(self) -> np.ndarray:
        """Seconds of training at each entry of ``losses``: ``0, s, 2s, ...`` for ``s = seconds_per_update``."""
        return np.arange(len(self.losses)) * self.seconds_per_update

    def updates_to(self, target: float) -> int | None:
        """The first update after which the loss is below ``target`` (0: already at the start); None if never."""
        below = np.flatnonzero(self.losses < target)
        return int(below[0]) if below.size else None


def _check_seconds(seconds_per_update: object) -> dict[int, float]:
    if not isinstance(seconds_per_update, Mapping) or not 1 <= len(seconds_per_update) <= len(_BATCH_STYLES):
        raise TypeError(
            f"seconds_per_update must be a dict from 1 to {len(_BATCH_STYLES)} batch sizes to the measured seconds "
            f"per update, such as {{1: 3e-05, 32: 4e-05}}, got {seconds_per_update!r}"
        )
    checked = {}
    for size, seconds in seconds_per_update.items():
        size = check_positive_int(f"seconds_per_update key {size!r}", size)
        checked[size] = check_positive_float(f"seconds_per_update[{size}]", seconds)
    return dict(sorted(checked.items()))


def timed_runs(
    X: TensorLike,
    y: TensorLike,
    seconds_per_update: Mapping[int, float],
    *,
    learning_rates: Sequence[float] = DEFAULT_TIME_LEARNING_RATES,
    updates: int = 2000,
    seed: int = 0,
) -> list[list[TimedRun]]:
    """Run :func:`~d2lmini.fit_sgd` for ``updates`` updates at every learning rate and batch size.

    Each run starts from ``torch.Generator().manual_seed(seed)`` and records its path; the loss
    on all the data after every update is computed from that path afterwards.  Nothing is timed
    here: each run's time axis is its update count times the measured ``seconds_per_update``.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    seconds_per_update : dict from batch size to seconds
        One to five batch sizes (each at most n) and the seconds one update of that size takes.
    learning_rates : sequence of float, strictly increasing
        Default ``(0.003, 0.01, 0.03, 0.1, 0.3)``; at most 16 values.
    updates : int, default 2000
        Updates per run, the same for every batch size (at most 100 000).
    seed : int, default 0

    Returns
    -------
    list of lists of TimedRun
        ``runs[i][j]``: ``learning_rates[i]`` and the j-th smallest batch size.

    Examples
    --------
    >>> import torch
    >>> X = torch.randn(100, 1, generator=torch.Generator().manual_seed(0))
    >>> (small, large), = timed_runs(X, 2 * X[:, 0], {1: 2e-5, 100: 5e-5}, learning_rates=[0.1], updates=50)
    >>> len(small.losses), bool(small.seconds[-1] == 50 * 2e-5), large.updates_to(0.01) is not None
    (51, True, True)
    """
    X, y = _check_data(X, y)
    seconds = _check_seconds(seconds_per_update)
    learning_rates = _check_grid("learning_rates", learning_rates, check_positive_float)
    updates = check_positive_int("updates", updates)
    if updates > 100_000:
        raise ValueError(f"updates must be at most 100000, got {updates}")
    seed = check_int("seed", seed)
    if max(seconds) > X.shape[0]:
        raise ValueError(f"the batch sizes of seconds_per_update must not exceed the number of examples "
                         f"({X.shape[0]}), got {max(seconds)}")
    return [[_timed_run(X, y, lr, size, s, updates, seed) for size, s in seconds.items()] for lr in learning_rates]


def _timed_run(X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, seconds_per_update: float,
               updates: int, seed: int) -> TimedRun:
    num_epochs = math.ceil(updates / math.ceil(X.shape[0] / batch_size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = fit_sgd(X, y, lr=lr, batch_size=batch_size, num_epochs=num_epochs,
                         generator=torch.Generator().manual_seed(seed), track_path=True)
    path = _path(result)[: updates + 1].double()
    path = path[: int(torch.isfinite(path).all(dim=1).cumprod(0).sum())]  # up to the last finite parameters
    X64, y64 = X.double(), y.double()
    losses = torch.cat([
        half_mse(X64 @ chunk[:, :-1].T.to(X.device) + chunk[:, -1].to(X.device) - y64[:, None]).cpu()
        for chunk in path.split(256)  # (n, 256) residuals at a time: memory stays small for large n
    ])
    broke_down = result.diverged and len(path) <= updates
    return TimedRun(lr, batch_size, seconds_per_update, losses.numpy(), broke_down)


# ---- drawing one frame of loss against seconds ----------------------------------------------------


def timed_runs_alt(runs: Sequence[TimedRun], target: float) -> str:
    """The alt text of a frame of :func:`sgd_time_explorer`: when each batch size first gets below ``target``.

    Examples
    --------
    >>> import numpy as np
    >>> runs = [TimedRun(0.1, 1, 1e-5, np.array([4.0, 2.0, 0.5]), False),
    ...         TimedRun(0.1, 8, 3e-5, np.array([4.0, 0.8, 0.2]), False)]
    >>> print(timed_runs_alt(runs, 1.0))
    Learning rate 0.1, target loss 1: batch size 1 first gets below it after 2 updates, 20 µs; batch size 8 after 1 update, 30 µs. First: batch size 1.
    """
    parts, reached = [], []
    for k, run in enumerate(runs):
        steps = run.updates_to(target)
        name = f"batch size {run.batch_size}"
        if steps is None:
            end = f"the loss stopped at {run.losses[-1]:.3g}" if len(run.losses) else "no loss"
            why = "it broke down" if run.broke_down else end
            parts.append(f"{name} never does in {len(run.losses) - 1} updates ({why})")
            continue
        seconds = steps * run.seconds_per_update
        reached.append((seconds, run.batch_size))
        when = f"after {steps} update{'' if steps == 1 else 's'}, {format_seconds(seconds)}"
        if not run.losses[-1] < target:
            when += f", but ends above it at {run.losses[-1]:.3g}"
        parts.append(f"{name} first gets below it {when}" if k == 0 else f"{name} {when}")
    head = f"Learning rate {runs[0].lr:g}, target loss {target:g}: "
    if not reached:
        verdict = "No batch size reaches it."
    else:
        verdict = f"First: batch size {min(reached)[1]}."
    return head + "; ".join(parts) + ". " + verdict


def draw_timed_runs(runs: Sequence[TimedRun], target: float) -> Frame:
    """One frame of :func:`sgd_time_explorer`: loss on all the data against seconds, one curve per batch size.

    Both axes are logarithmic; the thin grey line is ``target`` and a marker on each curve shows
    where it first gets below it.  The title names the batch size that gets there first.

    Examples
    --------
    >>> import torch
    >>> X = torch.randn(100, 1, generator=torch.Generator().manual_seed(0))
    >>> (row,) = timed_runs(X, 2 * X[:, 0], {1: 2e-5, 100: 5e-5}, learning_rates=[0.1], updates=50)
    >>> draw_timed_runs(row, 0.01).size
    (440, 360)
    """
    if isinstance(runs, TimedRun) or not isinstance(runs, Sequence) or not runs \
            or not all(isinstance(run, TimedRun) for run in runs):
        raise TypeError(f"runs must be a non-empty list of TimedRun (a row of timed_runs), got {runs!r}")
    if len(runs) > len(_BATCH_STYLES):
        raise ValueError(f"runs holds {len(runs)} batch sizes; a frame tells at most {len(_BATCH_STYLES)} apart")
    target = check_positive_float("target", target)
    with frame_style():
        return _draw_timed_runs(runs, target)


def _draw_timed_runs(runs: Sequence[TimedRun], target: float) -> Frame:
    figure, axes = frame_figure(360, gridspec_kw={"top": 0.86, "bottom": 0.3, "left": 0.15, "right": 0.96})
    first_seconds = min(run.seconds_per_update for run in runs)
    last_seconds = max(run.seconds[-1] for run in runs if len(run.losses) > 1) if any(
        len(run.losses) > 1 for run in runs) else 1.0
    start_loss = max(float(run.losses[0]) for run in runs)
    floor = min(float(np.nanmin(run.losses)) for run in runs)
    low = max(min(floor, target) / 3, 1e-12 * start_loss, 1e-30)
    handles, labels, reached = [], [], []
    for run, (color, style, marker) in zip(runs, _BATCH_STYLES):
        seconds, losses = run.seconds[1:], run.losses[1:]
        (line,) = axes.plot(seconds, np.clip(losses, low, None), color=color, ls=style, lw=1.6)
        steps = run.updates_to(target)
        if steps is not None and steps > 0:
            axes.plot([steps * run.seconds_per_update], [run.losses[steps]], marker, color=color, ms=8,
                      mec="white", mew=1.0, zorder=5)
            reached.append((steps * run.seconds_per_update, run.batch_size))
        handles.append(line)
        labels.append(f"batch {run.batch_size}")
    axes.axhline(target, color="0.4", lw=1.0, zorder=1)
    axes.set(xscale="log", yscale="log", xlabel="seconds of training (measured time per update × updates)",
             ylabel="loss on all data")
    axes.xaxis.label.set_fontsize(MIN_FONT_PT)
    axes.set_xlim(first_seconds / 1.5, last_seconds * 1.5)
    axes.set_ylim(low, start_loss * 3)
    axes.grid(True, alpha=0.35)
    axes.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.45, -0.33), ncols=len(runs), frameon=False,
                handlelength=2.2, columnspacing=1.0, borderaxespad=0.0)
    if reached:
        when, size = min(reached)
        title = f"first below {target:g}: batch {size}, after {format_seconds(when)}"
    else:
        title = f"no batch size gets below {target:g}"
    figure.text(0.5, 0.975, title, ha="center", va="top", fontsize=MIN_FONT_PT + 1)
    return to_frame(figure, timed_runs_alt(runs, target))


# ---- the figure -----------------------------------------------------------------------------------


def _nice(value: float) -> float:
    """``value`` to two significant digits."""
    return float(f"{value:.2g}")


def sgd_time_explorer(
    X: TensorLike,
    y: TensorLike,
    seconds_per_update: Mapping[int, float],
    *,
    learning_rates: Sequence[float] = DEFAULT_TIME_LEARNING_RATES,
    targets: Sequence[float] | None = None,
    updates: int = 2000,
    seed: int = 0,
    live: bool = False,
) -> SliderFigure:
    """Loss against seconds of training for several batch sizes, with sliders for the learning rate and a target loss.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    The curves come from :func:`timed_runs`: the loss on all the data after every update, with
    ``updates`` updates per batch size.  The seconds are not measured here: pass the seconds
    one update of each batch size takes, measured once (for instance with
    :func:`~d2lmini.benchmark`), and each curve's time axis is its update count times that
    number.  So the frames are the same for the same measurements.  The frame marks where each
    batch size first gets below the target loss and names the one that gets there first.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    seconds_per_update : dict from batch size to seconds
        One to five batch sizes, each at most n, and the measured seconds of one update.
    learning_rates : sequence of float, strictly increasing
        Default ``(0.003, 0.01, 0.03, 0.1, 0.3)``.
    targets : sequence of float, strictly increasing, optional
        Target losses; default 1.2, 2, 5, 20 and 200 times the least-squares loss, to two
        significant digits.
    updates : int, default 2000
    seed : int, default 0
    live : bool, default False
        Retrain and redraw on every move (needs a running kernel), over a fine, nearly log-spaced
        range of round learning rates and targets (24 per factor of ten) between the smallest and
        the largest given.

    Returns
    -------
    SliderFigure

    Examples
    --------
    >>> import torch
    >>> X = torch.randn(100, 1, generator=torch.Generator().manual_seed(0))
    >>> fig = sgd_time_explorer(X, 2 * X[:, 0], {1: 2e-5, 100: 5e-5}, learning_rates=[0.1, 0.3],
    ...                       targets=[0.01, 0.1], updates=50)
    >>> [knob.name for knob in fig.knobs], len(fig.frames)
    (['learning rate', 'target loss'], 4)
    """
    X, y = _check_data(X, y)
    seconds = _check_seconds(seconds_per_update)
    learning_rates = _check_grid("learning_rates", learning_rates, check_positive_float)
    live = check_bool("live", live)
    if targets is None:
        _, best_loss = _least_squares(X, y)
        if not best_loss > 0:
            raise ValueError("the data are fitted exactly (least-squares loss 0): pass targets")
        targets = sorted({_nice(best_loss * factor) for factor in _TARGET_FACTORS})
    targets = _check_grid("targets", targets, check_positive_float)
    if len(learning_rates) * len(targets) > MAX_FRAMES:
        raise ValueError(
            f"the grid has {len(learning_rates)} x {len(targets)} frames, more than {MAX_FRAMES}; "
            "every frame is stored in the page, so choose fewer values"
        )
    updates = check_positive_int("updates", updates)
    rows: dict[float, list[TimedRun]] = {}

    def row(lr: float) -> list[TimedRun]:
        if lr not in rows:
            if len(rows) >= MAX_FRAMES:  # a long live session keeps only the latest runs
                rows.clear()
            (rows[lr],) = timed_runs(X, y, seconds, learning_rates=[lr], updates=updates, seed=seed)
        return rows[lr]

    if not live:
        for lr, runs in zip(learning_rates, timed_runs(X, y, seconds, learning_rates=learning_rates,
                                                      updates=updates, seed=seed)):
            rows[lr] = runs
    knobs = [
        Knob("learning rate", learning_rates, live_values=_live_range(learning_rates), fmt="{:.3g}"),
        Knob("target loss", targets, live_values=_live_range(targets), fmt="{:.3g}"),
    ]
    return slider_figure(lambda lr, target: draw_timed_runs(row(float(lr)), float(target)), knobs, live=live)
