"""Matplotlib helpers: line plots, residuals, loss contours and timings against size.

Every function draws into a matplotlib ``Axes`` (a new figure when none is given) and
returns it, so a chapter can add marks afterwards. Figures render as PNG in notebooks
(the matplotlib-inline default). pyplot is imported only when a figure is made.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from ._validation import TensorLike, as_feature_vector, check_positive_int, check_real
from .timing import Timing

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def set_figsize(figsize: tuple[float, float] = (4.5, 3.0)) -> None:
    """Set the default size of new figures, in inches.

    Introduced in chapter 2, *The loss*.

    Examples
    --------
    >>> set_figsize((4, 3))
    """
    try:
        valid = len(figsize) == 2 and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and v > 0 for v in figsize
        )
    except TypeError:
        valid = False
    if not valid:
        raise ValueError(f"figsize must be two positive numbers (width, height), got {figsize!r}")
    import matplotlib

    matplotlib.rcParams["figure.figsize"] = tuple(float(v) for v in figsize)


def _new_axes() -> Axes:
    import matplotlib.pyplot as plt  # deferred: importing pyplot picks a backend

    return plt.figure().gca()


def _vector(name: str, values: object) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite")
    return array


def _as_numpy(values: object) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def _check_strings(name: str, value: object) -> None:
    """Refuse anything but a list or tuple of strings (a bare string or a bool is not a list of labels)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of strings, one per curve, got {type(value).__name__} {value!r}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{i}] must be a string, got {type(item).__name__} {item!r}")


def plot(
    x: object,
    ys: object | Sequence[object],
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: Sequence[str] | None = None,
    fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
    xscale: str = "linear",
    yscale: str = "linear",
    axes: Axes | None = None,
) -> Axes:
    """Plot one or several curves ``ys`` against a shared ``x``.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Parameters
    ----------
    x : array-like or tensor, shape (m,)
    ys : array-like or tensor of shape (m,), or a list of them
    xlabel, ylabel : str, optional
    legend : list of str, optional
        One label per curve.
    fmts : list of str
        Matplotlib format strings, used in turn.
    xscale, yscale : {"linear", "log"}
    axes : matplotlib Axes, optional
        Draw into these instead of a new figure.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot([0, 1, 2], [[0, 1, 4], [0, 1, 2]], legend=["square", "identity"])
    >>> len(ax.lines)
    2
    """
    x = _as_numpy(x)
    curves = ys if isinstance(ys, (list, tuple)) and len(ys) and np.ndim(_as_numpy(ys[0])) == 1 else [ys]
    curves = [_as_numpy(c) for c in curves]
    for i, curve in enumerate(curves):
        if curve.shape != x.shape:
            raise ValueError(f"ys[{i}] has shape {curve.shape} but x has shape {x.shape}")
    _check_strings("fmts", fmts)
    if len(fmts) == 0:
        raise ValueError("fmts must hold at least one format string, got none")
    if legend is not None:
        _check_strings("legend", legend)
    if legend is not None and len(legend) != len(curves):
        raise ValueError(f"legend needs one label per curve ({len(curves)}), got {len(legend)}")
    if axes is None:
        axes = _new_axes()
    for i, curve in enumerate(curves):
        axes.plot(x, curve, fmts[i % len(fmts)], label=None if legend is None else legend[i])
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlabel:
        axes.set_xlabel(xlabel)
    if ylabel:
        axes.set_ylabel(ylabel)
    if legend is not None:
        axes.legend()
    axes.grid(True, alpha=0.3)
    return axes


def plot_residuals(
    x: TensorLike,
    y: TensorLike,
    w: float | torch.Tensor,
    b: float | torch.Tensor,
    *,
    axes: Axes | None = None,
    line_label: str | None = None,
    color: str = "C0",
) -> Axes:
    """Draw one-feature data, the line ``w * x + b`` and each example's residual.

    Introduced in chapter 2, *The loss*.

    The residual of example ``i`` is the vertical segment from the label
    ``y[i]`` to the prediction ``w * x[i] + b``: the gap the squared loss charges for.

    Parameters
    ----------
    x : tensor, shape (n,) or (n, 1)
    y : tensor, shape (n,)
    w, b : float
        Slope and intercept of the line (tensors with one element are accepted).
    axes : matplotlib Axes, optional
        Draw into these instead of a new figure.
    line_label : str, optional
        Legend entry for the line (the legend is left to the caller).
    color : str, default "C0"
        Colour of the line.

    Returns
    -------
    matplotlib Axes
        Its last ``LineCollection`` holds the residual segments.

    Examples
    --------
    >>> import torch
    >>> ax = plot_residuals(torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.5, 0.5, 2.5]), 1.0, 0.0)
    >>> len(ax.collections[-1].get_segments())
    3
    """
    x_np = _vector("x", as_feature_vector("x", x))
    y_np = _vector("y", y)
    if x_np.shape != y_np.shape:
        raise ValueError(f"x and y must have the same number of examples, got {x_np.size} and {y_np.size}")
    w, b = check_real("w", w), check_real("b", b)
    if axes is None:
        axes = _new_axes()
    y_hat = w * x_np + b
    line_x = np.array([x_np.min(), x_np.max()])
    axes.plot(line_x, w * line_x + b, "-", color=color, label=line_label, zorder=2)
    axes.scatter(x_np, y_np, s=16, color="black", zorder=3)
    axes.vlines(x_np, np.minimum(y_np, y_hat), np.maximum(y_np, y_hat), colors="C3", linewidth=1, zorder=1)
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    return axes


def plot_loss_contours(
    w_values: TensorLike,
    b_values: TensorLike,
    losses: TensorLike,
    *,
    minimum: tuple[float, float] | None = None,
    levels: int = 15,
    axes: Axes | None = None,
) -> Axes:
    """Contour plot of a loss over a (w, b) grid, as returned by :func:`d2lmini.loss_grid`.

    Introduced in chapter 2, *The loss*.

    Contour levels sit at heights above the smallest loss that grow
    geometrically (from 0.1 % to 100 % of the range), so the rings near the
    minimum stay visible.

    Parameters
    ----------
    w_values : tensor, shape (p,)
    b_values : tensor, shape (q,)
    losses : tensor, shape (q, p)
        Rows follow ``b_values``, columns follow ``w_values``.
    minimum : (float, float), optional
        ``(w, b)`` to mark with a star, e.g. the least-squares answer.
    levels : int, default 15
        Number of contour levels (at least 2).
    axes : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import torch
    >>> w, b = torch.linspace(-1, 1, 5), torch.linspace(-1, 1, 4)
    >>> ax = plot_loss_contours(w, b, 1 + w[None, :] ** 2 + b[:, None] ** 2, minimum=(0.0, 0.0))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('w', 'b')
    """
    w_np, b_np = _vector("w_values", w_values), _vector("b_values", b_values)
    grid = np.asarray(_as_numpy(losses), dtype=float)
    if grid.shape != (b_np.size, w_np.size):
        raise ValueError(
            f"losses must have shape (len(b_values), len(w_values)) = {(b_np.size, w_np.size)}, got {grid.shape}"
        )
    if not np.isfinite(grid).all() or (grid < 0).any():
        raise ValueError("losses must be finite and non-negative")
    levels = check_positive_int("levels", levels)
    if levels < 2:
        raise ValueError(f"levels must be at least 2, got {levels}")
    if axes is None:
        axes = _new_axes()
    low, high = grid.min(), grid.max()
    if high > low:
        # heights above the minimum spaced geometrically, so rings near the minimum stay visible
        ring_levels = low + (high - low) * np.geomspace(1e-3, 1.0, levels)
        contours = axes.contour(w_np, b_np, grid, levels=ring_levels, cmap="viridis")
        axes.clabel(contours, np.asarray(contours.levels)[levels // 3 :: 3], fontsize=7, fmt="%.3g")  # outer rings only
    if minimum is not None:
        if not isinstance(minimum, (tuple, list)) or len(minimum) != 2:
            raise ValueError(f"minimum must be a pair (w, b), got {minimum!r}")
        w_min, b_min = check_real("minimum[0]", minimum[0]), check_real("minimum[1]", minimum[1])
        axes.plot([w_min], [b_min], marker="*", markersize=12, color="C3", linestyle="none", label="minimum")
    axes.set_xlabel("w")
    axes.set_ylabel("b")
    return axes


def plot_timings(
    sizes: Sequence[int],
    timings: Mapping[str, Sequence[Timing]],
    *,
    xlabel: str = "size",
    ylabel: str = "seconds per call",
    axes: Axes | None = None,
) -> Axes:
    """Log-log plot of time against problem size: the median as a line, the spread as a band.

    Introduced in chapter 5, *Vectorization for speed*.

    Parameters
    ----------
    sizes : sequence of int
        Problem sizes, one per timing.
    timings : mapping from label to a sequence of Timing
        For example ``{"loop": time_sweep(...), "vectorised": time_sweep(...)}``.
    xlabel, ylabel : str
    axes : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One line (medians) and one shaded band (min to max) per label.

    Examples
    --------
    >>> from d2lmini.timing import Timing
    >>> t = [Timing(median=m, min=m, max=m, number=1, times=(m,)) for m in (1e-6, 1e-5)]
    >>> ax = plot_timings([10, 100], {"demo": t})
    >>> ax.get_xscale(), ax.get_yscale(), len(ax.lines)
    ('log', 'log', 1)
    """
    sizes_np = _vector("sizes", sizes)
    if (sizes_np <= 0).any():
        raise ValueError("sizes must be positive (they go on a log axis)")
    if not isinstance(timings, Mapping) or len(timings) == 0:
        raise TypeError("timings must be a non-empty mapping from a label to a sequence of Timing")
    for label, series in timings.items():
        if len(series) != sizes_np.size:
            raise ValueError(f"timings[{label!r}] has {len(series)} entries but there are {sizes_np.size} sizes")
        for t in series:
            if not isinstance(t, Timing):
                raise TypeError(f"timings[{label!r}] must hold Timing objects, got {type(t).__name__}")
    if axes is None:
        axes = _new_axes()
    for i, (label, series) in enumerate(timings.items()):
        color = f"C{i}"
        axes.plot(sizes_np, [t.median for t in series], "o-", color=color, label=label)
        axes.fill_between(sizes_np, [t.min for t in series], [t.max for t in series], color=color, alpha=0.25)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.legend()
    axes.grid(True, which="major", alpha=0.3)
    return axes
