"""Slider figures: a picture that depends on one or two numbers, with a slider for each.

The engine behind every interactive figure of the course.  A figure is a function
``draw(a)`` or ``draw(a, b)`` that returns a :class:`Frame` (a PNG and the alt text
that says what it shows), and one :class:`Knob` per argument naming the values to
offer.  :func:`slider_figure` turns them into ipywidgets:

* **static** (the default): ``draw`` runs now for every grid point, and the frames
  sit in ``Stack`` widgets whose ``selected_index`` is ``jslink``-ed to the sliders.
  The links run in the browser, so the figure works the same in a running notebook
  and on the static website, which has no kernel.  ipywidgets 7 (Colab's front end)
  has no ``Stack``; there the kernel swaps the one frame shown when a slider moves.
* **live** (``live=True``): ``draw`` runs again on every move, over each knob's
  ``live_values`` (by default the same grid).  That needs a running kernel.

Frames are complete, opaque pictures of :data:`FRAME_WIDTH_PX` pixels or less whose
text is never smaller than :data:`MIN_FONT_PT` points, so they read in light and dark
mode (the theme dims every image alike) and, shrunk to a 390-pixel phone screen,
their smallest text stays about 10 pixels tall.  :func:`to_frame` checks both.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import itertools
import math
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import check_grid

FRAME_WIDTH_PX = 440
"""The widest frame: shown at full size on a laptop, shrunk to about 360 px on a phone."""
FRAME_DPI = 96
MIN_FONT_PT = 10.0
"""The smallest text a frame may hold: 13.3 px at full size, about 10.8 px on a phone."""
MAX_FRAMES = 64
"""The most grid points of a static figure: every frame is stored in the page."""
MAX_VALUES = 16
"""The most values one knob may offer on the static page."""
_FRAME_RC: Any = {  # (matplotlib types rc keys as literals)
"font.size": MIN_FONT_PT, "legend.fontsize": MIN_FONT_PT, "xtick.labelsize": MIN_FONT_PT,
             "ytick.labelsize": MIN_FONT_PT, "axes.titlesize": MIN_FONT_PT + 1, "axes.labelsize": MIN_FONT_PT,
             "figure.titlesize": MIN_FONT_PT + 1}
_COLORS = 48  # palette PNG: a third of the bytes of full colour for line art


@dataclass(frozen=True)
class Frame:
    """One picture of a slider figure and the words that stand in for it.

    Attributes
    ----------
    png : bytes
        The picture, a PNG.
    alt : str
        What the picture shows, for a screen reader: the values and what they give
        ("w = 2, b = 1: loss 0.52"), not "a plot".
    """

    png: bytes
    alt: str

    def __post_init__(self) -> None:
        if not isinstance(self.png, bytes) or self.png[:8] != b"\x89PNG\r\n\x1a\n":
            raise TypeError(f"png must be the bytes of a PNG image, got {type(self.png).__name__}")
        if not isinstance(self.alt, str) or not self.alt.strip():
            raise ValueError(f"alt must be a non-empty description of the picture, got {self.alt!r}")

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` in pixels, read from the PNG header."""
        width, height = struct.unpack(">II", self.png[16:24])
        return width, height

    def html(self, classes: Sequence[str] = ()) -> str:
        """An ``<img>`` holding the PNG, with its alt text and size, scaled down on narrow screens."""
        width, height = self.size
        data = base64.b64encode(self.png).decode("ascii")
        names = " ".join(["d2l-frame", *classes])
        return (
            f'<img class="{names}" src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
            f'width="{width}" height="{height}" style="max-width:100%;height:auto">'
        )


@contextlib.contextmanager
def frame_style() -> Iterator[None]:
    """Matplotlib settings for drawing a frame: text at :data:`MIN_FONT_PT` whatever the notebook set.

    Text added after :func:`frame_figure` (labels, legends, titles) takes its size from the
    settings in force, which a notebook may have made smaller; :func:`slider_figure` calls
    ``draw`` inside this, and a public drawing function called on its own can use it too.
    """
    import matplotlib

    with matplotlib.rc_context(_FRAME_RC):
        yield


def nearest(values: Sequence[float], target: float) -> int:
    """The index of the value closest to ``target`` (the first, on a tie): a :class:`Knob`'s ``start``.

    Examples
    --------
    >>> nearest([0.1, 0.3, 1.0], 0.25), nearest([0, 1, 2, 3], 1.5)
    (1, 1)
    """
    return min(range(len(values)), key=lambda i: (abs(values[i] - target), i))


def frame_figure(height_px: int = 300, **subplots: Any) -> tuple[Any, Any]:
    """A matplotlib ``Figure`` (no pyplot) of the frame width and its axes, for a :class:`Frame`.

    Parameters
    ----------
    height_px : int, default 300
        Height in pixels; the width is :data:`FRAME_WIDTH_PX`.
    **subplots
        Passed to ``Figure.subplots`` (``nrows``, ``ncols``, ``gridspec_kw``, ...).

    Returns
    -------
    (Figure, axes)
        What ``Figure.subplots`` returns, on a figure with a white background and
        :data:`MIN_FONT_PT`-point text.

    Examples
    --------
    >>> figure, axes = frame_figure(200)
    >>> [round(v) for v in figure.get_size_inches() * figure.dpi]
    [440, 200]
    """
    from matplotlib.figure import Figure

    if isinstance(height_px, bool) or not isinstance(height_px, int) or not 50 <= height_px <= 1200:
        raise ValueError(f"height_px must be a whole number of pixels from 50 to 1200, got {height_px!r}")
    with frame_style():
        figure = Figure(figsize=(FRAME_WIDTH_PX / FRAME_DPI, height_px / FRAME_DPI), dpi=FRAME_DPI,
                        facecolor="white")
        axes = figure.subplots(**subplots)
    return figure, axes


def to_frame(figure: Any, alt: str) -> Frame:
    """Render a matplotlib figure to a small palette PNG and pair it with its alt text.

    Refuses a figure wider than :data:`FRAME_WIDTH_PX` pixels or with visible text
    smaller than :data:`MIN_FONT_PT` points: either would be unreadable on a phone.

    Examples
    --------
    >>> figure, axes = frame_figure(150)
    >>> _ = axes.plot([0, 1], [0, 1])
    >>> frame = to_frame(figure, "a rising line")
    >>> frame.size, frame.alt
    ((440, 150), 'a rising line')
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text
    from PIL import Image

    canvas = FigureCanvasAgg(figure)
    width = figure.get_figwidth() * figure.dpi
    if width > FRAME_WIDTH_PX + 0.5:
        raise ValueError(f"figure is {width:.0f} px wide; a frame is at most {FRAME_WIDTH_PX} px (frame_figure)")
    canvas.draw()
    for text in figure.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < MIN_FONT_PT - 1e-9:
            raise ValueError(
                f"the text {text.get_text()!r} is {text.get_fontsize():g} pt; "
                f"frames use at least {MIN_FONT_PT:g} pt so that they read on a phone"
            )
    rgb = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])
    out = io.BytesIO()
    image = Image.fromarray(rgb).quantize(colors=_COLORS, method=Image.Quantize.FASTOCTREE)
    image.save(out, format="png", optimize=True)
    return Frame(out.getvalue(), alt)


@dataclass(frozen=True)
class Knob:
    """One slider of a :func:`slider_figure`: its name, the values it offers and how they read.

    Parameters
    ----------
    name : str
        The slider's accessible name, shown beside it ("learning rate").
    values : sequence of numbers, strictly increasing
        The grid the static figure draws a frame for (at most :data:`MAX_VALUES`).
    live_values : sequence of numbers, strictly increasing, optional
        What the slider offers in a live figure (default: ``values``).
    fmt : str, default ``"{:g}"``
        How a value reads on the slider and in the screen reader's announcement.
    start : int, optional
        Index into ``values`` shown first (default: the middle one).  In a live figure
        the slider starts at the same value, which must be among ``live_values``.

    Examples
    --------
    >>> knob = Knob("learning rate", [0.1, 0.3, 1.0])
    >>> knob.labels, knob.start
    (('0.1', '0.3', '1'), 1)
    """

    name: str
    values: Sequence[float]
    live_values: Sequence[float] | None = None
    fmt: str = "{:g}"
    start: int | None = None
    labels: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        values = check_grid(f"values of knob {self.name!r}", self.values, MAX_VALUES)
        live = values if self.live_values is None else check_grid(
            f"live_values of knob {self.name!r}", self.live_values, 10_000
        )
        if not isinstance(self.fmt, str):
            raise TypeError(f"fmt must be a format string such as '{{:g}}', got {self.fmt!r}")
        try:
            labels = tuple(self.fmt.format(v) for v in values)
            live_labels = [self.fmt.format(v) for v in live]
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"fmt {self.fmt!r} cannot format the values of knob {self.name!r}: {error}") from None
        for name, texts in (("values", labels), ("live_values", live_labels)):
            if len(set(texts)) != len(texts):
                raise ValueError(
                    f"two {name} of knob {self.name!r} read the same with fmt {self.fmt!r} ({list(texts)}); "
                    "a reader could not tell them apart"
                )
        start = (len(values) - 1) // 2 if self.start is None else self.start
        if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start < len(values):
            raise ValueError(f"start must be an index into the {len(values)} values, got {self.start!r}")
        if values[start] not in live:
            raise ValueError(f"live_values of knob {self.name!r} must include the start value {values[start]:g}")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "live_values", live)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "labels", labels)

    @property
    def start_value(self) -> float:
        """The value shown first."""
        return self.values[self.start or 0]  # __post_init__ has made start an index

    def label(self, value: float) -> str:
        """How ``value`` reads on the slider."""
        return self.fmt.format(value)


@dataclass(frozen=True)
class SliderFigure:
    """What :func:`slider_figure` returns: the widget, and handles on its parts.

    Displaying it (the last line of a cell) shows ``widget``.

    Attributes
    ----------
    widget : ipywidgets.VBox
        One row per knob (its name, then its slider) above the picture.
    knobs : tuple of Knob
    sliders : tuple of ipywidgets.SelectionSlider
        One per knob; each option's value is the knob's value.
    frames : dict
        Static: ``frames[i, j]`` (or ``frames[i,]``) is the frame of ``values[i]`` (and
        ``values[j]``).  Live: the frames drawn so far, keyed by the values themselves.
    view : ipywidgets widget
        What shows the frame: nested ``Stack`` widgets of ``HTML`` frames (static,
        ipywidgets 8), else one ``HTML`` widget whose content the kernel replaces.
    links : tuple of ipywidgets.Link
        Browser-side links from the sliders to the stacks (static, ipywidgets 8 only).
    live : bool
    """

    widget: Any
    knobs: tuple[Knob, ...]
    sliders: tuple[Any, ...]
    frames: dict[tuple[Any, ...], Frame]
    view: Any
    links: tuple[Any, ...] = ()
    live: bool = False

    def shown(self) -> Frame:
        """The frame for the sliders' current values (as the kernel sees them)."""
        if self.live:
            return self.frames[tuple(slider.value for slider in self.sliders)]
        return self.frames[tuple(slider.index for slider in self.sliders)]

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


def slider_figure(draw: Callable[..., Frame], knobs: Sequence[Knob], *, live: bool = False) -> SliderFigure:
    """A picture with a slider for each argument of ``draw``.

    Introduced in chapter 1, *The linear model*; every interactive figure of the course
    is one.

    Parameters
    ----------
    draw : callable
        ``draw(a)`` or ``draw(a, b)``, called with knob values, returning a :class:`Frame`
        (make one with :func:`frame_figure` and :func:`to_frame`).
    knobs : sequence of one or two Knob
        One per argument of ``draw``, in order.
    live : bool, default False
        Draw on every move (needs a running kernel) instead of drawing every grid point now.

    Returns
    -------
    SliderFigure
        Display it to show the sliders and the picture.

    Examples
    --------
    >>> def draw(a):
    ...     figure, axes = frame_figure(120)
    ...     axes.plot([0, 1], [0, a])
    ...     return to_frame(figure, f"a line of slope {a:g}")
    >>> fig = slider_figure(draw, [Knob("slope", [1, 2, 3])])
    >>> fig.shown().alt, fig.sliders[0].options
    ('a line of slope 2', (('1', 1), ('2', 2), ('3', 3)))
    """
    import ipywidgets as widgets

    if not callable(draw):
        raise TypeError(f"draw must be a function of the knob values returning a Frame, got {draw!r}")
    if isinstance(knobs, Knob) or not isinstance(knobs, Sequence) or not 1 <= len(knobs) <= 2:
        raise TypeError(f"knobs must be a list of one or two Knob, got {knobs!r}")
    for i, knob in enumerate(knobs):
        if not isinstance(knob, Knob):
            raise TypeError(f"knobs[{i}] must be a Knob, got {type(knob).__name__}")
    knobs = tuple(knobs)
    if not isinstance(live, bool):
        raise TypeError(f"live must be True or False, got {type(live).__name__} {live!r}")

    def checked(*values: float) -> Frame:
        with frame_style():
            frame = draw(*values)
        if not isinstance(frame, Frame):
            raise TypeError(f"draw{values} returned {type(frame).__name__}, not a Frame (see to_frame)")
        return frame

    if live:
        return _live_figure(widgets, checked, knobs)
    grid = math.prod(len(k.values) for k in knobs)
    if grid > MAX_FRAMES:
        raise ValueError(
            f"the grid has {' x '.join(str(len(k.values)) for k in knobs)} frames, more than {MAX_FRAMES}; "
            "every frame is stored in the page, so offer fewer values"
        )
    frames = {
        index: checked(*(k.values[i] for k, i in zip(knobs, index)))
        for index in itertools.product(*(range(len(k.values)) for k in knobs))
    }
    sliders = tuple(_slider(widgets, k, k.values, k.start_value) for k in knobs)
    controls = _controls(widgets, knobs, sliders)
    if not hasattr(widgets, "Stack"):  # ipywidgets 7: the kernel swaps the frames
        view = widgets.HTML(layout=widgets.Layout(margin="0"))

        def show(change: object = None) -> None:
            index = tuple(slider.index for slider in sliders)
            view.value = frames[index].html([_frame_class(index)])

        show()
        for slider in sliders:
            slider.observe(show, names="index")
        return SliderFigure(_box(widgets, controls, view), knobs, sliders, frames, view)
    view, links = _stacks(widgets, frames, knobs, sliders)
    return SliderFigure(_box(widgets, controls, view), knobs, sliders, frames, view, links)


def _frame_class(index: tuple[int, ...]) -> str:
    return "d2l-frame-" + "-".join(map(str, index))


def _stacks(widgets: Any, frames: Mapping[tuple[int, ...], Frame], knobs: tuple[Knob, ...],
            sliders: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
    """Nested ``Stack`` widgets of the frames, their ``selected_index`` linked in the browser to the sliders."""
    flush = widgets.Layout(margin="0")

    def leaf(index: tuple[int, ...]) -> Any:
        return widgets.HTML(frames[index].html([_frame_class(index)]), layout=flush)

    first = knobs[0]
    if len(knobs) == 1:
        stack = widgets.Stack([leaf((i,)) for i in range(len(first.values))], selected_index=first.start,
                              layout=flush)
        return stack, (widgets.jslink((sliders[0], "index"), (stack, "selected_index")),)
    second = knobs[1]
    inner = [
        widgets.Stack([leaf((i, j)) for j in range(len(second.values))], selected_index=second.start, layout=flush)
        for i in range(len(first.values))
    ]
    stack = widgets.Stack(inner, selected_index=first.start, layout=flush)
    links = (widgets.jslink((sliders[0], "index"), (stack, "selected_index")),) + tuple(
        widgets.jslink((sliders[1], "index"), (child, "selected_index")) for child in inner
    )
    return stack, links


def _slider(widgets: Any, knob: Knob, values: Sequence[float], value: float) -> Any:
    return widgets.SelectionSlider(
        options=[(knob.label(v), v) for v in values], value=value, continuous_update=False,
        # No width: the site's stylesheet lays the row out (name above the slider on a phone).
        _dom_classes=("d2l-slider",),
    )


def _controls(widgets: Any, knobs: tuple[Knob, ...], sliders: tuple[Any, ...]) -> list[Any]:
    """One row per knob: its name in an ``HTML`` widget, then the slider, whose readout shows the value.

    The name is an ``HTML`` widget rather than the slider's ``description``, which
    ipywidgets cuts at a fixed width; the names share a minimum width, so that the tracks
    line up in a notebook too.  The runtime of the static site gives the slider's handle
    the name as its ``aria-label`` and the readout's text as its ``aria-valuetext``.
    """
    return [
        widgets.HBox([widgets.HTML(html.escape(knob.name), layout=widgets.Layout(min_width="10em"),
                                   _dom_classes=("d2l-knob-name",)), slider],
                     _dom_classes=("d2l-control",))
        for knob, slider in zip(knobs, sliders)
    ]


def _box(widgets: Any, controls: list[Any], view: Any) -> Any:
    return widgets.VBox([*controls, view], _dom_classes=("d2l-slider-figure",))


def _live_figure(widgets: Any, draw: Callable[..., Frame], knobs: tuple[Knob, ...]) -> SliderFigure:
    """Sliders over each knob's ``live_values`` that redraw on every move (needs a running kernel)."""
    sliders = tuple(_slider(widgets, k, k.live_values or k.values, k.start_value) for k in knobs)
    frames: dict[tuple[Any, ...], Frame] = {}
    view = widgets.HTML(layout=widgets.Layout(margin="0"))

    def redraw(change: object = None) -> None:
        values = tuple(slider.value for slider in sliders)
        if values not in frames:
            if len(frames) >= MAX_FRAMES:  # a long session of moves keeps only the latest pictures
                frames.clear()
            frames[values] = draw(*values)
        view.value = frames[values].html()

    redraw()
    for slider in sliders:
        slider.observe(redraw, names="value")
    return SliderFigure(_box(widgets, _controls(widgets, knobs, sliders), view), knobs, sliders, frames, view,
                        live=True)
