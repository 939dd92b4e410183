"""The slider-figure engine (d2lmini.sliders), without a browser.

Truth: PIL reads the PNGs back; the widget tree is inspected through ipywidgets' own
traits; the draw function records what it was called with.
"""

from __future__ import annotations

import base64
import html
import io
import re

import ipywidgets
import pytest
from PIL import Image

from d2lmini.sliders import (
    FRAME_WIDTH_PX,
    MAX_FRAMES,
    Frame,
    Knob,
    SliderFigure,
    frame_figure,
    frame_style,
    nearest,
    slider_figure,
    to_frame,
)


def _png(width: int = 4, height: int = 3) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="png")
    return out.getvalue()


class Recorder:
    """A draw function that remembers its calls and draws a tiny picture naming its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, ...]] = []

    def __call__(self, *values: float) -> Frame:
        self.calls.append(values)
        return Frame(_png(2 + len(self.calls), 2), "values " + ", ".join(f"{v:g}" for v in values))


def _img(widget: ipywidgets.HTML) -> dict[str, str]:
    tag = re.fullmatch(r"<img (.*)>", widget.value)
    assert tag, widget.value
    return {k: html.unescape(v) for k, v in re.findall(r'(\w+)="([^"]*)"', tag.group(1))}


# ---- Frame, frame_figure, to_frame -------------------------------------------------------


def test_frame_reads_its_size_and_its_html_holds_the_png_and_the_escaped_alt_text():
    png = _png(7, 5)
    frame = Frame(png, 'w = 2 & b = "1" <best>')
    assert frame.size == (7, 5)
    attrs = _img(ipywidgets.HTML(frame.html(["extra"])))
    assert attrs["alt"] == 'w = 2 & b = "1" <best>'
    assert attrs["class"].split() == ["d2l-frame", "extra"]
    assert (attrs["width"], attrs["height"]) == ("7", "5")
    assert base64.b64decode(attrs["src"].removeprefix("data:image/png;base64,")) == png


@pytest.mark.parametrize("png", [b"", b"GIF89a....", "not bytes"])
def test_frame_refuses_what_is_not_a_png(png):
    with pytest.raises(TypeError, match="png must be the bytes of a PNG"):
        Frame(png, "text")


@pytest.mark.parametrize("alt", ["", "   ", None])
def test_frame_refuses_missing_alt_text(alt):
    with pytest.raises(ValueError, match="alt must be a non-empty description"):
        Frame(_png(), alt)


def test_frame_figure_is_the_frame_width_and_the_asked_height():
    figure, axes = frame_figure(222, ncols=2)
    assert len(axes) == 2
    assert round(figure.get_figwidth() * figure.dpi) == FRAME_WIDTH_PX
    assert round(figure.get_figheight() * figure.dpi) == 222


@pytest.mark.parametrize("height", [0, 49, 1201, 2.5, True, "300"])
def test_frame_figure_refuses_odd_heights(height):
    with pytest.raises(ValueError, match="height_px"):
        frame_figure(height)


def test_to_frame_renders_a_palette_png_of_the_figure_size():
    figure, axes = frame_figure(160)
    axes.plot([0, 1, 2], [2, 0, 1], "o-")
    axes.set(xlabel="x", ylabel="y", title="three points")
    frame = to_frame(figure, "three points")
    image = Image.open(io.BytesIO(frame.png))
    assert image.size == (FRAME_WIDTH_PX, 160)
    assert image.mode == "P"  # palette: small
    assert min(image.convert("RGBA").getpixel((0, 0))) >= 250  # opaque white: reads in dark mode too
    assert to_frame(figure, "again").png == frame.png  # deterministic bytes


def test_to_frame_refuses_text_too_small_for_a_phone():
    figure, axes = frame_figure(160)
    axes.set_title("fine print", fontsize=8)
    with pytest.raises(ValueError, match="'fine print' is 8 pt"):
        to_frame(figure, "text")


def test_to_frame_ignores_hidden_small_text():
    figure, axes = frame_figure(160)
    axes.text(0.5, 0.5, "hidden", fontsize=6, visible=False)
    assert to_frame(figure, "text").size == (FRAME_WIDTH_PX, 160)


def test_to_frame_refuses_a_figure_wider_than_a_frame():
    from matplotlib.figure import Figure

    with pytest.raises(ValueError, match="691 px wide"):
        to_frame(Figure(figsize=(7.2, 2), dpi=96), "text")


# ---- Knob ---------------------------------------------------------------------------------


def test_knob_defaults_start_in_the_middle_and_labels_with_g():
    knob = Knob("learning rate", [0.03, 0.1, 0.3, 1.0])
    assert knob.values == (0.03, 0.1, 0.3, 1.0)
    assert knob.labels == ("0.03", "0.1", "0.3", "1")
    assert knob.start == 1 and knob.start_value == 0.1
    assert knob.live_values == knob.values


def test_knob_keeps_integers_as_integers():
    knob = Knob("batch size", [1, 10, 100], fmt="{} examples", start=2)
    assert knob.values == (1, 10, 100) and all(type(v) is int for v in knob.values)
    assert knob.labels[-1] == "100 examples" and knob.start_value == 100


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": ""}, ValueError, "name must be a non-empty string"),
        ({"values": []}, TypeError, "values of knob 'k' must be a non-empty sequence"),
        ({"values": "123"}, TypeError, "non-empty sequence"),
        ({"values": [1, 1, 2]}, ValueError, "strictly increasing"),
        ({"values": [2, 1]}, ValueError, "strictly increasing"),
        ({"values": [0, float("nan")]}, TypeError, r"values of knob 'k'\[1\] must be a finite real"),
        ({"values": [True, 2]}, TypeError, "finite real number, got True"),
        ({"values": list(range(17))}, ValueError, "17 entries, more than 16"),
        ({"fmt": "{:.0f}", "values": [0.1, 0.2]}, ValueError, "read the same with fmt"),
        ({"fmt": "{:d}", "values": [0.5]}, ValueError, "cannot format"),
        ({"fmt": 3}, TypeError, "fmt must be a format string"),
        ({"start": 3}, ValueError, "start must be an index into the 3 values"),
        ({"start": -1}, ValueError, "start must be an index"),
        ({"live_values": [1, 3]}, ValueError, "must include the start value 2"),
        ({"live_values": [1, 2, 2.5, 2.4]}, ValueError, "live_values of knob 'k' must be strictly increasing"),
    ],
)
def test_knob_refuses_bad_input_naming_it(kwargs, error, match):
    arguments = {"name": "k", "values": [1, 2, 3], **kwargs}
    with pytest.raises(error, match=match):
        Knob(**arguments)


# ---- slider_figure: static ------------------------------------------------------------------

needs_stack = pytest.mark.skipif(
    not hasattr(ipywidgets, "Stack"), reason="ipywidgets 7 has no Stack; its kernel-swap path is tested below"
)


@needs_stack
def test_one_knob_draws_every_value_once_and_stacks_the_frames():
    draw = Recorder()
    figure = slider_figure(draw, [Knob("slope", [1, 2, 3, 4])])
    assert draw.calls == [(1,), (2,), (3,), (4,)]
    assert isinstance(figure, SliderFigure) and not figure.live
    (slider,) = figure.sliders
    assert slider.options == (("1", 1), ("2", 2), ("3", 3), ("4", 4))
    assert slider.index == 1 and figure.shown().alt == "values 2"
    stack = figure.view
    assert isinstance(stack, ipywidgets.Stack) and stack.selected_index == 1
    assert [_img(leaf)["alt"] for leaf in stack.children] == ["values 1", "values 2", "values 3", "values 4"]
    assert [_img(leaf)["class"].split()[-1] for leaf in stack.children] == [f"d2l-frame-{i}" for i in range(4)]
    (link,) = figure.links
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")


@needs_stack
def test_two_knobs_nest_stacks_and_link_every_inner_one():
    draw = Recorder()
    figure = slider_figure(draw, [Knob("a", [1, 2, 3], start=2), Knob("b", [10, 20], start=0)])
    assert draw.calls == [(1, 10), (1, 20), (2, 10), (2, 20), (3, 10), (3, 20)]
    assert sorted(figure.frames) == [(i, j) for i in range(3) for j in range(2)]
    outer = figure.view
    assert outer.selected_index == 2 and [inner.selected_index for inner in outer.children] == [0, 0, 0]
    assert _img(outer.children[1].children[1])["alt"] == "values 2, 20"
    assert _img(outer.children[1].children[1])["class"].split()[-1] == "d2l-frame-1-1"
    a, b = figure.sliders
    targets = {link.target[0].model_id for link in figure.links if link.source == (b, "index")}
    assert targets == {inner.model_id for inner in outer.children}
    assert [link.target for link in figure.links if link.source == (a, "index")] == [(outer, "selected_index")]
    b.index = 1  # the kernel's view of a move
    assert figure.shown().alt == "values 3, 20"


def test_the_figure_box_holds_one_named_row_per_knob_then_the_picture():
    figure = slider_figure(Recorder(), [Knob("noise <σ>", [1, 2]), Knob("size", [5, 6])])
    rows = figure.widget.children
    assert "d2l-slider-figure" in figure.widget._dom_classes
    assert [row.children[0].value for row in rows[:2]] == ["noise &lt;σ&gt;", "size"]
    assert [row.children[1] for row in rows[:2]] == list(figure.sliders)
    assert rows[2] is figure.view


def test_without_stack_the_kernel_swaps_the_frame(monkeypatch):
    monkeypatch.delattr(ipywidgets, "Stack", raising=False)  # as in ipywidgets 7, Colab's front end
    figure = slider_figure(Recorder(), [Knob("a", [1, 2, 3]), Knob("b", [10, 20])])
    assert isinstance(figure.view, ipywidgets.HTML) and figure.links == ()
    assert _img(figure.view)["alt"] == "values 2, 10"
    figure.sliders[0].index = 2
    figure.sliders[1].index = 1
    attrs = _img(figure.view)
    assert attrs["alt"] == "values 3, 20" and attrs["class"].split()[-1] == "d2l-frame-2-1"


def test_a_grid_too_large_for_the_page_is_refused_before_drawing():
    draw = Recorder()
    with pytest.raises(ValueError, match=f"9 x 8 frames, more than {MAX_FRAMES}"):
        slider_figure(draw, [Knob("a", list(range(9))), Knob("b", list(range(8)))])
    assert draw.calls == []


@pytest.mark.parametrize(
    ("draw", "knobs", "live", "error", "match"),
    [
        (None, [Knob("a", [1])], False, TypeError, "draw must be a function"),
        (Recorder(), Knob("a", [1]), False, TypeError, "knobs must be a list of one or two Knob"),
        (Recorder(), [], False, TypeError, "knobs must be a list"),
        (Recorder(), [Knob("a", [1])] * 3, False, TypeError, "knobs must be a list"),
        (Recorder(), [("a", [1])], False, TypeError, r"knobs\[0\] must be a Knob, got tuple"),
        (Recorder(), [Knob("a", [1])], 1, TypeError, "live must be True or False"),
        (lambda a: "picture", [Knob("a", [1])], False, TypeError, r"draw\(1,\) returned str, not a Frame"),
        (lambda a: None, [Knob("a", [1])], True, TypeError, r"returned NoneType, not a Frame"),
    ],
)
def test_slider_figure_refuses_bad_input_naming_it(draw, knobs, live, error, match):
    with pytest.raises(error, match=match):
        slider_figure(draw, knobs, live=live)


# ---- slider_figure: live ----------------------------------------------------------------------


def test_live_draws_on_each_move_over_the_live_values():
    draw = Recorder()
    figure = slider_figure(draw, [Knob("a", [1, 2, 3], live_values=[1, 1.5, 2, 2.5, 3])], live=True)
    (slider,) = figure.sliders
    assert figure.live and draw.calls == [(2,)]
    assert [label for label, _ in slider.options] == ["1", "1.5", "2", "2.5", "3"]
    slider.value = 2.5
    assert draw.calls[-1] == (2.5,) and _img(figure.view)["alt"] == "values 2.5"
    assert figure.shown().alt == "values 2.5"
    slider.value = 2  # drawn before: shown again without redrawing
    assert len(draw.calls) == 2 and _img(figure.view)["alt"] == "values 2"


def test_live_keeps_a_bounded_number_of_frames():
    figure = slider_figure(Recorder(), [Knob("a", [0], live_values=list(range(200)))], live=True)
    for value in range(1, 200):
        figure.sliders[0].value = value
        assert len(figure.frames) <= MAX_FRAMES
    assert figure.shown().alt == "values 199"


def test_frames_are_drawn_in_their_own_text_size_whatever_the_notebook_set():
    import matplotlib

    def draw(a):
        figure, axes = frame_figure(150)
        axes.text(0.5, 0.5, f"a = {a}")  # sized when it is made, from the rc settings in force
        return to_frame(figure, f"a = {a}")

    with matplotlib.rc_context({"font.size": 6, "axes.labelsize": 6}):
        figure = slider_figure(draw, [Knob("a", [1, 2])])
    assert figure.shown().alt == "a = 1"


def test_nearest_picks_the_closest_value_and_the_first_on_a_tie():
    assert nearest([0.03, 0.1, 0.3, 1.0], 0.29) == 2
    assert nearest([1, 2, 3, 4], 2.5) == 1
    assert nearest([5.0], -100.0) == 0


def test_frame_style_lets_a_drawing_called_on_its_own_pass_to_frame():
    import matplotlib

    with matplotlib.rc_context({"font.size": 6}):
        figure, axes = frame_figure(150)
        axes.text(0.5, 0.5, "small")
        with pytest.raises(ValueError, match="6 pt"):
            to_frame(figure, "text")
        with frame_style():
            figure, axes = frame_figure(150)
            axes.text(0.5, 0.5, "readable")
            assert to_frame(figure, "text").size == (FRAME_WIDTH_PX, 150)
