"""Small matplotlib helpers; figures render as PNG in notebooks (the matplotlib-inline default)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def set_figsize(figsize: tuple[float, float] = (4.5, 3.0)) -> None:
    """Set the default size of new figures, in inches.

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


def _as_numpy(values: object) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


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
    if len(fmts) == 0:
        raise ValueError("fmts must hold at least one format string, got none")
    if legend is not None and len(legend) != len(curves):
        raise ValueError(f"legend needs one label per curve ({len(curves)}), got {len(legend)}")
    if axes is None:
        import matplotlib.pyplot as plt  # deferred: importing pyplot picks a backend

        axes = plt.figure().gca()
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
