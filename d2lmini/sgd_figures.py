"""Sliders for the learning rate and the batch size of minibatch SGD, live and on the static site.

:func:`sgd_frames` trains :func:`~d2lmini.fit_sgd` once for every point of a small
(learning rate x batch size) grid and draws each run.  :func:`sgd_explorer` shows those
frames under two ``SelectionSlider`` widgets ``jslink``-ed to nested ``Stack`` widgets.
The links run in the browser, so the sliders work the same in a running notebook and
on the static website, where no kernel exists.  ipywidgets 7 (Colab's front end) has no
``Stack``: there the kernel swaps the frame shown by one ``Image`` when a slider moves,
which needs a running kernel, as Colab always has.  With ``live=True`` it returns
sliders that retrain on every move instead (any learning rate, any batch size); those
need a running kernel too.

Each picture has two layers: a background with the axes, ticks and legends, drawn once,
and a transparent frame per run with its curves and title, laid over it.  The
background is shared, so the frames stored in the page stay small.
"""

from __future__ import annotations

import io
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from ._validation import TensorLike, as_dataset, check_bool, check_int, check_positive_float, check_positive_int
from .losses import half_mse
from .optim import SGDResult, fit_least_squares, fit_sgd

DEFAULT_LEARNING_RATES = (0.03, 0.1, 0.3, 1.0, 3.0)
_DEFAULT_BATCH_SIZES = (1, 10, 50, 250)
MAX_FRAMES = 64
_SIZE_INCHES = (7.2, 2.8)
_DPI = 96
_COLORS = 32  # palette PNG: a third of the bytes of full colour for line art
_STEP_COLOR = "#9ecae1"
_EPOCH_COLOR = "#08519c"
_ALARM_COLOR = "#d62728"


@dataclass(frozen=True)
class SGDFrame:
    """One grid point of the explorer: a training run and its picture.

    Attributes
    ----------
    lr : float
        Learning rate.
    batch_size : int
        Examples per minibatch.
    result : SGDResult
        What :func:`~d2lmini.fit_sgd` returned (with ``track_path=True``).
    initial_loss : float
        Loss on all the data at the starting parameters.
    png : bytes
        The run's curves, title and any divergence banner, on a transparent PNG
        (empty when not drawn).  Lay it over ``background``.
    background : bytes
        Axes, ticks and legends, as an opaque PNG of the same size; every frame of a
        grid shares the same one.
    """

    lr: float
    batch_size: int
    result: SGDResult
    initial_loss: float
    png: bytes = b""
    background: bytes = b""

    @property
    def diverged(self) -> bool:
        """True when ``fit_sgd`` stopped a diverging run (``result.diverged``) or the loss ended above where it started."""
        return self.result.diverged or float(self.result.epoch_losses[-1]) > self.initial_loss

    @property
    def message(self) -> str:
        """The warning written across a diverged frame; empty for a run that made progress."""
        epochs = len(self.result.epoch_losses)
        if self.result.diverged:
            return f"diverged in epoch {epochs}: training stopped"
        if self.diverged:
            growth = float(self.result.epoch_losses[-1]) / self.initial_loss
            return f"diverging: loss grew {growth:.3g}x in {epochs} epochs"
        return ""

    @property
    def label(self) -> str:
        """``"learning rate 0.1, batch size 10"``, plus the warning if there is one."""
        text = f"learning rate {self.lr:g}, batch size {self.batch_size}"
        return f"{text}: {self.message}" if self.message else text


def sgd_frames(
    X: TensorLike,
    y: TensorLike,
    *,
    learning_rates: Sequence[float] = DEFAULT_LEARNING_RATES,
    batch_sizes: Sequence[int] | None = None,
    num_epochs: int = 3,
    seed: int = 0,
    draw: bool = True,
) -> list[list[SGDFrame]]:
    """Train with :func:`~d2lmini.fit_sgd` at every (learning rate, batch size) and draw each run.

    Every run starts from its own ``torch.Generator().manual_seed(seed)``, so all runs
    share their initial weights and each can be repeated on its own.  The
    ``RuntimeWarning`` of a diverging run is absorbed: its frame says so instead.

    Each picture shows, on the left, the loss of each minibatch (pale), the loss on all
    the data after each epoch (dots) and the least-squares loss, the best any
    parameters can do; on the right, the path of the first two of ``(w..., b)`` from
    the start towards the least-squares answer (star).  A diverged run gets a red banner.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    learning_rates : sequence of float, strictly increasing
        Default ``(0.03, 0.1, 0.3, 1.0, 3.0)``; on unit-scale features the largest diverges.
    batch_sizes : sequence of int, strictly increasing, at most n
        Default ``1, 10, 50, 250`` (those below n) and ``n``, the full batch.
    num_epochs : int, default 3
    seed : int, default 0
    draw : bool, default True
        Render the pictures (False leaves ``png`` and ``background`` empty; the training is the same).

    Returns
    -------
    list of lists of SGDFrame
        ``frames[i][j]`` was trained with ``learning_rates[i]`` and ``batch_sizes[j]``.

    Examples
    --------
    >>> import torch
    >>> X = torch.randn(50, 1, generator=torch.Generator().manual_seed(0))
    >>> frames = sgd_frames(X, 2 * X[:, 0], learning_rates=[0.1, 3.0], batch_sizes=[10, 50], draw=False)
    >>> [[f.diverged for f in row] for row in frames]
    [[False, False], [True, True]]
    >>> frames[1][0].message.split(":")[0]  # growing, still finite after 3 epochs
    'diverging'
    """
    X, y, learning_rates, batch_sizes, num_epochs, seed = _check_inputs(
        X, y, learning_rates, batch_sizes, num_epochs, seed
    )
    draw = check_bool("draw", draw)
    frames = [[_run(X, y, lr, batch_size, num_epochs, seed) for batch_size in batch_sizes] for lr in learning_rates]
    if draw:
        painter = _FramePainter(X, y, num_epochs, _path(frames[0][0].result)[0])
        frames = [[painter.draw(frame) for frame in row] for row in frames]
    return frames


def _check_grid(name: str, values: object, check: Callable[[str, object], Any]) -> tuple:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of numbers, got {values!r}")
    checked = tuple(check(f"{name}[{i}]", v) for i, v in enumerate(values))
    if any(a >= b for a, b in zip(checked, checked[1:])):
        raise ValueError(f"{name} must be strictly increasing, got {list(checked)}")
    return checked


def _default_batch_sizes(n: int) -> tuple[int, ...]:
    """1, 10, 50, 250 (those below n), then n itself: the full batch."""
    return (*(size for size in _DEFAULT_BATCH_SIZES if size < n), n)


def _check_inputs(
    X: object, y: object, learning_rates: object, batch_sizes: object, num_epochs: object, seed: object
) -> tuple[torch.Tensor, torch.Tensor, tuple[float, ...], tuple[int, ...], int, int]:
    X, y = as_dataset(X, y)
    n = X.shape[0]
    if X.shape[1] == 0:
        raise ValueError("X must have at least one feature column, got shape (n, 0)")
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


def _path(result: SGDResult) -> torch.Tensor:
    """The path of a run of the explorer (each is trained with ``track_path=True``)."""
    if result.path is None:
        raise ValueError("the SGD explorer draws runs trained with track_path=True")
    return result.path


def _run(X: torch.Tensor, y: torch.Tensor, lr: float, batch_size: int, num_epochs: int, seed: int) -> SGDFrame:
    """One grid point: fit_sgd from a fresh generator, divergence reported by the frame, not a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = fit_sgd(
            X, y, lr=lr, batch_size=batch_size, num_epochs=num_epochs,
            generator=torch.Generator().manual_seed(seed), track_path=True,
        )
    start = _path(result)[0]
    return SGDFrame(lr, batch_size, result, _loss(X, y, start[:-1], start[-1]))


class _FramePainter:
    """One matplotlib figure (no pyplot: nothing is ever displayed inline) for every frame of a grid.

    Axis limits are fixed by the data and the common starting point, so frames line up
    when the sliders move.  The static parts are rendered once as the background; each
    frame clears the canvas to transparent and draws only its own artists.
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor, num_epochs: int, start: torch.Tensor) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a rank-deficient X still has a (minimum-norm) answer
            w_best, b_best = fit_least_squares(X, y)
        best = torch.cat([w_best.cpu(), b_best.reshape(1).cpu()]).double()
        best_loss = _loss(X, y, w_best, b_best)
        start_loss = _loss(X, y, start[:-1], start[-1])
        start = start.double().cpu()
        self.n = X.shape[0]

        self.figure = Figure(figsize=_SIZE_INCHES, dpi=_DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        loss_axes, path_axes = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        self.step_line = loss_axes.plot([], [], color=_STEP_COLOR, lw=0.8)[0]
        self.epoch_line = loss_axes.plot([], [], "o-", color=_EPOCH_COLOR, ms=4)[0]
        best_line = loss_axes.axhline(best_loss, color="k", ls="--", lw=1)
        loss_axes.set_yscale("log")
        floor = max(best_loss, 1e-9 * start_loss, 1e-30)  # exact data: a least-squares loss of 0
        loss_axes.set_ylim(floor / 30, max(start_loss, floor) * 100)
        loss_axes.set_xlim(0, num_epochs)
        loss_axes.set(xlabel="epoch", ylabel="loss (log scale)")

        self.path_line = path_axes.plot([], [], "-", color=_EPOCH_COLOR, lw=0.8, alpha=0.8)[0]
        start_marker = path_axes.plot(start[0], start[1], "o", color="0.45", ms=6)[0]
        self.end_marker = path_axes.plot([], [], "o", color=_EPOCH_COLOR, ms=6)[0]
        best_marker = path_axes.plot(best[0], best[1], "*", color="k", ms=13)[0]
        corners = torch.stack([start[:2], best[:2]])
        low, high = corners.min(0).values, corners.max(0).values
        pad = float(torch.clamp(0.3 * (high - low).max(), min=0.5))
        path_axes.set_xlim(float(low[0]) - pad, float(high[0]) + pad)
        path_axes.set_ylim(float(low[1]) - pad, float(high[1]) + pad)
        one_feature = X.shape[1] == 1
        path_axes.set(xlabel="w" if one_feature else "w₁", ylabel="b" if one_feature else "w₂")

        legend = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.27), "ncols": 3, "fontsize": 8, "frameon": False}
        loss_axes.legend(
            [self.step_line, self.epoch_line, best_line], ["each minibatch", "all data", "least squares"], **legend
        )
        path_axes.legend([start_marker, self.end_marker, best_marker], ["start", "end", "least squares"], **legend)
        for axes in (loss_axes, path_axes):
            axes.grid(True, alpha=0.3)
        self.title = self.figure.suptitle("loss after 1 epochs: 1", fontsize=10)
        self.banner = self.figure.text(
            0.5, 0.5, "", ha="center", va="center", fontsize=17, color=_ALARM_COLOR, weight="bold",
            bbox={"facecolor": "white", "edgecolor": _ALARM_COLOR, "alpha": 0.9, "boxstyle": "round"},
        )
        for _ in range(3):  # the legends below the axes take a few passes to settle
            self.figure.tight_layout()
        # Drawn for each frame, in this order (later on top); the rest is the background.
        self.dynamic = [
            self.step_line, self.epoch_line, best_line, self.path_line,
            start_marker, self.end_marker, best_marker, self.title, self.banner,
        ]
        for artist in self.dynamic:
            artist.set_animated(True)  # left out of canvas.draw()
        self.canvas.draw()
        self.background = _encode_png(self.canvas, transparent=False)

    def draw(self, frame: SGDFrame) -> SGDFrame:
        """Return ``frame`` with its transparent PNG and the shared background."""
        result = frame.result
        steps = result.step_losses.double()
        step_x = torch.arange(len(steps), dtype=torch.float64) / math.ceil(self.n / frame.batch_size)
        finite = torch.isfinite(steps)
        self.step_line.set_data(step_x[finite].numpy(), steps[finite].clamp(min=1e-30).numpy())
        losses = torch.cat([torch.tensor([frame.initial_loss], dtype=torch.float64), result.epoch_losses.double()])
        finite = torch.isfinite(losses)
        self.epoch_line.set_data(torch.arange(len(losses))[finite].numpy(), losses[finite].numpy())
        path = _path(result).double()
        path = path[torch.isfinite(path).all(dim=1)]
        self.path_line.set_data(path[:, 0].numpy(), path[:, 1].numpy())
        self.end_marker.set_data(path[-1:, 0].numpy(), path[-1:, 1].numpy())

        final = float(result.epoch_losses[-1])
        epochs = len(result.epoch_losses)
        # Short: the sliders' readouts name the learning rate and batch size, and every glyph
        # costs bytes in each of the frames stored in the page.
        self.title.set_text(f"loss after {epochs} epochs: {final:.3g}" if math.isfinite(final) else "")
        self.banner.set_text(frame.message)
        self.banner.set_visible(frame.diverged)

        self.canvas.get_renderer().clear()  # transparent
        for artist in self.dynamic:
            (artist.axes or self.figure).draw_artist(artist)
        return replace(frame, png=_encode_png(self.canvas, transparent=True), background=self.background)


def _encode_png(canvas: Any, *, transparent: bool) -> bytes:
    from PIL import Image

    rgba = np.asarray(canvas.buffer_rgba())
    image = Image.fromarray(rgba if transparent else np.ascontiguousarray(rgba[..., :3]))
    out = io.BytesIO()
    image.quantize(colors=_COLORS, method=Image.Quantize.FASTOCTREE).save(out, format="png", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class SGDExplorer:
    """What :func:`sgd_explorer` returns: a widget, and handles on its parts.

    Displaying it (the last line of a cell) shows ``widget``.

    Attributes
    ----------
    widget : ipywidgets.VBox
        Two rows (a name, then a slider) above the picture.
    lr_slider, batch_slider : ipywidgets widgets
        ``SelectionSlider`` over the grid; when live, a ``FloatLogSlider`` and a
        ``SelectionSlider`` over many batch sizes.
    frames : list of lists of SGDFrame
        The grid; when live, the run on screen, as ``[[frame]]``.
    background : ipywidgets.Image
        The shared background, under the frames.
    stack : ipywidgets.Stack or None
        One child per learning rate, each a Stack of ``Image`` frames, one per batch
        size; None when live or on ipywidgets 7, which has no ``Stack``.
    links : tuple of ipywidgets.Link
        The browser-side links from the sliders to the stacks; empty when ``stack`` is None.
    image : ipywidgets.Image or None
        The one frame on screen when ``stack`` is None: redrawn after each move when live,
        else swapped by the kernel for the pre-computed frame of the sliders' grid point.
        None when ``stack`` holds the frames.
    """

    widget: Any
    lr_slider: Any
    batch_slider: Any
    frames: list[list[SGDFrame]]
    background: Any
    stack: Any = None
    links: tuple = ()
    image: Any = None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if hasattr(self.widget, "_repr_mimebundle_"):  # ipywidgets 8
            return self.widget._repr_mimebundle_(**kwargs)
        # ipywidgets 7 widgets display themselves through _ipython_display_, which publishes this bundle.
        text = repr(self.widget)
        return {
            "text/plain": text if len(text) <= 110 else text[:110] + "…",
            "application/vnd.jupyter.widget-view+json": {
                "version_major": 2, "version_minor": 0, "model_id": self.widget.model_id,
            },
        }


def sgd_explorer(
    X: TensorLike,
    y: TensorLike,
    *,
    learning_rates: Sequence[float] = DEFAULT_LEARNING_RATES,
    batch_sizes: Sequence[int] | None = None,
    num_epochs: int = 3,
    seed: int = 0,
    live: bool = False,
) -> SGDExplorer:
    """Sliders for the learning rate and the batch size, above the SGD run they give.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    By default every grid point is trained now by :func:`sgd_frames` and drawn; the
    sliders are ``jslink``-ed to nested ``Stack`` widgets of those frames.  The links
    run in the browser, so the explorer behaves the same in a running notebook and on
    a static web page without a kernel.  The frame for ``learning_rates[i]`` and
    ``batch_sizes[j]`` carries the CSS classes ``sgd-frame`` and ``sgd-frame-{i}-{j}``.

    ipywidgets 7 (Colab's front end) has no ``Stack``; there, detected by its absence,
    the explorer shows one ``Image``, and the kernel sets its picture and its CSS classes
    to those of the selected frame whenever a slider moves.  That needs a running kernel.

    With ``live=True`` the sliders retrain on every move instead, for any learning rate
    from the smallest to the largest of ``learning_rates`` and any batch size from 1 to
    n.  That needs a running kernel: on a static page those sliders would do nothing.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    learning_rates, batch_sizes, num_epochs, seed
        As in :func:`sgd_frames`.
    live : bool, default False
        Retrain on every move instead of showing pre-computed frames.

    Returns
    -------
    SGDExplorer
        Display it to show the sliders and the picture.

    Examples
    --------
    >>> import torch
    >>> X = torch.randn(40, 1, generator=torch.Generator().manual_seed(0))
    >>> explorer = sgd_explorer(X, 3 * X[:, 0] - 1, learning_rates=[0.1, 1.0], batch_sizes=[4, 40])
    >>> explorer.lr_slider.options, explorer.batch_slider.options
    ((('0.1', 0.1), ('1', 1.0)), (('4', 4), ('40 (all)', 40)))
    >>> [[frame.diverged for frame in row] for row in explorer.frames]  # one frame per grid point
    [[False, False], [False, False]]
    """
    if not isinstance(live, bool):
        raise TypeError(f"live must be True or False, got {type(live).__name__} {live!r}")
    if live:
        return _live_explorer(X, y, learning_rates, batch_sizes, num_epochs, seed)
    import ipywidgets as widgets

    frames = sgd_frames(
        X, y, learning_rates=learning_rates, batch_sizes=batch_sizes, num_epochs=num_epochs, seed=seed
    )
    n = as_dataset(X, y)[0].shape[0]  # sgd_frames has checked them: a 2-D table of examples
    lr_slider = _slider(
        widgets.SelectionSlider, options=[(f"{row[0].lr:g}", row[0].lr) for row in frames]
    )
    batch_slider = _slider(
        widgets.SelectionSlider, options=[_size_option(frame.batch_size, n) for frame in frames[0]]
    )
    lr_slider.index, batch_slider.index = (len(frames) - 1) // 2, (len(frames[0]) - 1) // 2
    background = _background(widgets, frames[0][0].background)
    controls = _controls(widgets, ("learning rate", lr_slider), ("batch size", batch_slider))
    if not hasattr(widgets, "Stack"):  # ipywidgets 7: the kernel swaps the frames
        image = _swapped_frames(widgets, frames, lr_slider, batch_slider)
        box = widgets.VBox([*controls, _overlay(widgets, background, image)])
        return SGDExplorer(box, lr_slider, batch_slider, frames, background, image=image)
    flush = widgets.Layout(margin="0")  # one shared layout: frames sit exactly on the background
    inner = [
        widgets.Stack(
            [
                widgets.Image(value=f.png, format="png", layout=flush, _dom_classes=("sgd-frame", f"sgd-frame-{i}-{j}"))
                for j, f in enumerate(row)
            ],
            selected_index=batch_slider.index,
            layout=flush,
        )
        for i, row in enumerate(frames)
    ]
    stack = widgets.Stack(inner, selected_index=lr_slider.index, layout=_cell(widgets))
    links = (widgets.jslink((lr_slider, "index"), (stack, "selected_index")),) + tuple(
        widgets.jslink((batch_slider, "index"), (child, "selected_index")) for child in inner
    )
    box = widgets.VBox([*controls, _overlay(widgets, background, stack)])
    return SGDExplorer(box, lr_slider, batch_slider, frames, background, stack=stack, links=links)


def _swapped_frames(widgets: Any, frames: list[list[SGDFrame]], lr_slider: Any, batch_slider: Any) -> Any:
    """One ``Image`` showing ``frames[lr_slider.index][batch_slider.index]``, updated by the kernel on every move."""
    image = widgets.Image(format="png", layout=_cell(widgets))

    def show(change: object = None) -> None:
        i, j = lr_slider.index, batch_slider.index
        image.value = frames[i][j].png
        image._dom_classes = ("sgd-frame", f"sgd-frame-{i}-{j}")

    show()
    lr_slider.observe(show, names="index")
    batch_slider.observe(show, names="index")
    return image


def _slider(kind: Any, **kwargs: Any) -> Any:
    return kind(layout={"width": "380px", "max_width": "70%"}, **kwargs)


def _controls(widgets: Any, *sliders: tuple[str, Any]) -> list[Any]:
    """One row per slider: its name in an ``HTML`` widget, then the slider, whose readout shows the value.

    Not the slider's own ``description``: the widget runtime typesets descriptions with the
    MathJax 2 call ``MathJax.Hub.Queue``, which throws on a page that runs MathJax 3.
    The names share one width, so the two tracks line up.
    """
    return [
        widgets.HBox([widgets.HTML(name, layout={"width": "7em"}), slider], _dom_classes=("sgd-control",))
        for name, slider in sliders
    ]


def _size_option(size: int, n: int) -> tuple[str, int]:
    return (f"{size} (all)" if size == n else str(size), size)


def _cell(widgets: Any) -> Any:
    """Layout of a child of :func:`_overlay`: the grid's only cell, no margin."""
    return widgets.Layout(grid_area="1 / 1", margin="0")


def _background(widgets: Any, png: bytes) -> Any:
    return widgets.Image(value=png, format="png", layout=_cell(widgets), _dom_classes=("sgd-background",))


def _overlay(widgets: Any, background: Any, front: Any) -> Any:
    """A grid of one cell holding both children: ``front`` (transparent) is drawn over ``background``."""
    return widgets.GridBox([background, front], layout={"justify_items": "flex-start", "align_items": "flex-start"})


def _live_explorer(
    X: object, y: object, learning_rates: object, batch_sizes: object, num_epochs: object, seed: object
) -> SGDExplorer:
    """Sliders that retrain with fit_sgd and redraw on every move (needs a running kernel)."""
    import ipywidgets as widgets

    X, y, learning_rates, batch_sizes, num_epochs, seed = _check_inputs(
        X, y, learning_rates, batch_sizes, num_epochs, seed
    )
    n = X.shape[0]
    low, high = math.log10(learning_rates[0]), math.log10(learning_rates[-1])
    lr_slider = _slider(
        widgets.FloatLogSlider, value=learning_rates[(len(learning_rates) - 1) // 2],
        base=10, min=low, max=high if high > low else low + 1, step=0.05, readout_format=".3g",
        continuous_update=False,
    )
    sizes = sorted({max(1, round(n ** (k / 24))) for k in range(25)} | set(batch_sizes))
    batch_slider = _slider(
        widgets.SelectionSlider, options=[_size_option(size, n) for size in sizes],
        value=batch_sizes[(len(batch_sizes) - 1) // 2], continuous_update=False,
    )
    first = _run(X, y, float(lr_slider.value), int(batch_slider.value), num_epochs, seed)
    painter = _FramePainter(X, y, num_epochs, _path(first.result)[0])
    frames = [[painter.draw(first)]]
    image = widgets.Image(value=frames[0][0].png, format="png", layout=_cell(widgets), _dom_classes=("sgd-frame",))
    background = _background(widgets, painter.background)
    status = widgets.HTML()

    def redraw(change: object = None) -> None:
        began = time.perf_counter()
        frame = painter.draw(_run(X, y, float(lr_slider.value), int(batch_slider.value), num_epochs, seed))
        image.value = frame.png
        frames[0] = [frame]
        status.value = f"<small>retrained and redrawn in {time.perf_counter() - began:.2f} s</small>"

    lr_slider.observe(redraw, names="value")
    batch_slider.observe(redraw, names="value")
    controls = _controls(widgets, ("learning rate", lr_slider), ("batch size", batch_slider))
    box = widgets.VBox([*controls, _overlay(widgets, background, image), status])
    return SGDExplorer(box, lr_slider, batch_slider, frames, background, image=image)
