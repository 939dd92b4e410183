"""Every interactive figure on the built, static site, driven with the keyboard only, network cut.

Truth is the widget state each executed chapter saved (``chapters/NN.ipynb``,
``metadata.widgets``), read here straight from the JSON and never from the page: for each
slider figure (``d2lmini.sliders``: a VBox ``.d2l-slider-figure`` of ``.d2l-control`` rows,
each a knob's name and a ``SelectionSlider``, above nested ``Stack`` widgets of frames), the
knob names, their option labels and start indices, and for every grid point ``(i, j)`` the
``<img>`` the Stacks hold at position ``i`` (then ``j``): its ``src`` (the PNG) and alt text.

On every chapter page that holds figures, in light and dark mode and at desktop and phone
width, each slider is moved with keys alone (focus, then ArrowRight/ArrowLeft/End/Home; Tab
reaches the next slider): after every key the one frame on screen is the stored frame of the
sliders' indices, and each readout and each handle's ``aria-valuetext`` read the stored label.
Also measured: text >= 10 px, handles >= 24 x 24 px, a focus ring, nothing wider than the
column, page weight, no request off the site, no console error, and axe-core finds no critical
or serious violation inside a widget. Run with ``-s`` to see page weights and key-to-frame times.
"""

from __future__ import annotations

import html
import json
import re
import statistics
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from conftest import HTML, ROOT, screenshot_dir

from tools.audit_axe import AXE_JS, Violation, axe_version, blocking
from tools.browser import DESKTOP, PHONE, show_widgets

pytestmark = pytest.mark.project

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FIGURE, CONTROL, KNOB_NAME, SLIDER = "d2l-slider-figure", "d2l-control", "d2l-knob-name", "d2l-slider"
# Issue 12: at least one interactive figure in each of these chapters.
ISSUE_CHAPTERS = ("01", "02", "03", "04", "06", "07")
PAGE_BUDGET = 3_000_000  # bytes a chapter page loads with its figures shown, uncompressed
MIN_TEXT_PX = 10
MIN_HANDLE_PX = 24
MAX_KEY_TO_FRAME_MS = 500


# --------------------------------------------------------------------------- truth: the notebooks


@dataclass(frozen=True)
class Knob:
    name: str
    labels: tuple[str, ...]
    start: int


@dataclass(frozen=True)
class Frame:
    classes: tuple[str, ...]
    alt: str
    src: str


@dataclass(frozen=True)
class StoredFigure:
    key: str  # "<model id of the displayed widget>/<figure number inside it>"
    knobs: tuple[Knob, ...]
    frames: dict[tuple[int, ...], Frame]


class _Parts(HTMLParser):
    """The text and the ``<img>`` attributes of an HTML widget's value."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.images: list[dict[str, str]] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append({k: v or "" for k, v in attrs})


def _parts(value: str) -> _Parts:
    parser = _Parts()
    parser.feed(value)
    parser.close()
    return parser


def _ref(value: str) -> str:
    return value.removeprefix("IPY_MODEL_")


def _figure(key: str, model: dict, by_id: dict) -> StoredFigure:
    """One figure from its VBox: knob rows, then the Stack tree of frames (the last child)."""
    children = [by_id[_ref(c)] for c in model["state"]["children"]]
    rows = [c for c in children if CONTROL in c["state"].get("_dom_classes", ())]
    assert rows and len(rows) == len(children) - 1, f"{key}: a figure is its knob rows, then its picture"
    knobs = []
    for row in rows:
        name_model, slider = (by_id[_ref(c)] for c in row["state"]["children"])
        assert KNOB_NAME in name_model["state"]["_dom_classes"] and SLIDER in slider["state"]["_dom_classes"]
        assert slider["model_name"] == "SelectionSliderModel"
        name = html.unescape("".join(_parts(name_model["state"]["value"]).text)).strip()
        knobs.append(Knob(name, tuple(slider["state"]["_options_labels"]), slider["state"]["index"]))
    frames: dict[tuple[int, ...], Frame] = {}

    def walk(model: dict, position: tuple[int, ...]) -> None:
        if model["model_name"] == "StackModel":
            for k, child in enumerate(model["state"]["children"]):
                walk(by_id[_ref(child)], (*position, k))
            return
        assert model["model_name"] == "HTMLModel", f"{key}: a frame is an HTML widget, not {model['model_name']}"
        (image,) = _parts(model["state"]["value"]).images
        frames[position] = Frame(tuple(image["class"].split()), image["alt"], image["src"])

    view = children[-1]
    assert view["model_name"] == "StackModel", (
        f"{key}: the picture is not a Stack of frames; a live figure (live=True) was saved in the page, "
        "and it cannot move without a kernel"
    )
    walk(view, ())
    sizes = [len(k.labels) for k in knobs]
    expected = {(i,) for i in range(sizes[0])} if len(sizes) == 1 else {
        (i, j) for i in range(sizes[0]) for j in range(sizes[1])
    }
    assert frames.keys() == expected, f"{key}: one frame per grid point {sizes}"
    return StoredFigure(key, tuple(knobs), frames)


def stored_figures(chapter: str) -> list[StoredFigure]:
    """Every slider figure a chapter's notebook displays, in page order."""
    notebook = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    by_id = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    figures = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            number = 0

            def visit(model_id: str, root: str) -> None:
                nonlocal number
                model = by_id[model_id]
                if FIGURE in model["state"].get("_dom_classes", ()):
                    figures.append(_figure(f"{root}/{number}", model, by_id))
                    number += 1
                    return
                for child in model["state"].get("children", []):
                    visit(_ref(child), root)

            visit(view["model_id"], view["model_id"])
    return figures


def notebook_chapters() -> list[str]:
    return sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))


def figure_chapters() -> list[str]:
    return [c for c in notebook_chapters() if FIGURE in (ROOT / "chapters" / f"{c}.ipynb").read_text("utf-8")]


def test_issue_chapters_have_figures():
    """Issue 12's chapters each display at least one slider figure (so the browser test below drives it)."""
    missing = [n for n in ISSUE_CHAPTERS if not any(c.startswith(n) and stored_figures(c) for c in notebook_chapters())]
    assert missing == [], f"chapters without an interactive figure: {missing}"


@pytest.mark.parametrize("chapter", notebook_chapters())
def test_every_saved_widget_is_a_slider_figure(chapter):
    """What the generic browser test drives is all there is: every displayed widget is a slider figure."""
    notebook = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    by_id = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                assert view["model_id"] in by_id, f"{chapter}: a displayed widget has no saved state"
                classes = by_id[view["model_id"]]["state"].get("_dom_classes", ())
                assert FIGURE in classes, (
                    f"{chapter}: a displayed widget ({by_id[view['model_id']]['model_name']}) is not a "
                    "d2lmini slider figure; make it one, or teach tests/test_widgets_browser.py to drive it"
                )
    for figure in stored_figures(chapter):
        for index, frame in figure.frames.items():
            assert "d2l-frame" in frame.classes and f"d2l-frame-{'-'.join(map(str, index))}" in frame.classes
            assert frame.alt.strip() and frame.src.startswith("data:image/png;base64,")


# --------------------------------------------------------------------------- the page

MARK_FIGURES = r"""
() => [...document.querySelectorAll('.widget-subarea')].map((area) => {
  const tag = area.nextElementSibling;
  const root = JSON.parse(tag.textContent).model_id;
  const figures = [...area.querySelectorAll('.d2l-slider-figure')];
  figures.forEach((figure, k) => { figure.dataset.testFigure = `${root}/${k}`; });
  return {root, figures: figures.map((f) => f.dataset.testFigure), widgets: area.children.length};
})
"""

# Everything the test asserts about one figure, measured in the page.
STATE = r"""
(key) => {
  const figure = document.querySelector(`[data-test-figure="${key}"]`);
  const px = (el, prop) => parseFloat(getComputedStyle(el)[prop]);
  const box = (el) => el.getBoundingClientRect().toJSON();
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      const alpha = colour.match(/rgba\(.*,\s*([\d.]+)\)/);
      if (colour !== 'transparent' && !(alpha && parseFloat(alpha[1]) === 0)) return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  const rows = [...figure.querySelectorAll(':scope > .d2l-control')].map((row) => {
    const name = row.querySelector('.d2l-knob-name');
    const readout = row.querySelector('.widget-readout');
    const handle = row.querySelector('.noUi-handle');
    const track = row.querySelector('.noUi-target');
    const style = getComputedStyle(handle);
    return {
      name: name.textContent.trim(), nameBox: box(name), nameFont: px(name, 'fontSize'),
      nameOverflow: name.scrollWidth > name.clientWidth + 1,
      readout: readout.textContent.trim(), readoutFont: px(readout, 'fontSize'), readoutBox: box(readout),
      readoutEditable: readout.isContentEditable || readout.hasAttribute('contenteditable'),
      readoutTabIndex: readout.tabIndex,
      role: handle.getAttribute('role'), label: handle.getAttribute('aria-label'),
      valuetext: handle.getAttribute('aria-valuetext'), handleBox: box(handle), trackBox: box(track),
      focused: document.activeElement === handle,
      outline: {style: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: style.outlineColor,
                behind: background(row)},
    };
  });
  const images = [...figure.querySelectorAll('img.d2l-frame')];
  const shown = images.filter((img) => img.getClientRects().length > 0);
  return {
    rows, images: images.length,
    shown: shown.map((img) => ({classes: [...img.classList], alt: img.getAttribute('alt'),
                                src: img.getAttribute('src'), box: box(img), loaded: img.complete && img.naturalWidth > 0})),
    box: box(figure), column: box(figure.closest('.widget-subarea')),
    pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
  };
}
"""

# Resolves when the figure shows exactly one loaded frame with the expected class; the time since the last key.
SHOWS = r"""
([key, frameClass]) => {
  const figure = document.querySelector(`[data-test-figure="${key}"]`);
  const shown = [...figure.querySelectorAll('img.d2l-frame')].filter((img) => img.getClientRects().length > 0);
  if (shown.length !== 1 || !shown[0].classList.contains(frameClass) || !shown[0].complete
      || shown[0].naturalWidth === 0) return false;
  return {ms: performance.now() - (window.__lastKey ?? performance.now())};
}
"""

AXE_IN_WIDGETS = r"""
async () => {
  const r = await axe.run({include: [['.widget-subarea']]}, {resultTypes: ['violations']});
  return r.violations.map((v) => ({
    rule: v.id, impact: v.impact || 'minor', help: v.help, count: v.nodes.length,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 160)),
  }));
}
"""


def widget_violations(page) -> list[Violation]:
    """axe-core (pinned in package.json) over the rendered widgets only."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    return [Violation(v["rule"], v["impact"], v["help"], v["count"], tuple(v["nodes"]))
            for v in page.evaluate(AXE_IN_WIDGETS)]


def _luminance(colour: str) -> float:
    r, g, b = (int(float(v)) for v in re.findall(r"[\d.]+", colour)[:3])

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def frame_class(index: tuple[int, ...]) -> str:
    return "d2l-frame-" + "-".join(map(str, index))


def check_state(page, figure: StoredFigure, index: tuple[int, ...], *, phone: bool) -> dict:
    """The figure shows the stored frame of ``index``; readouts and ARIA values read its labels; sizes hold."""
    where = f"{figure.key} at {index}"
    state = page.evaluate(STATE, figure.key)
    assert state["images"] == 1 and len(state["shown"]) == 1, f"{where}: exactly one frame must be on screen"
    (shown,) = state["shown"]
    stored = figure.frames[index]
    assert frame_class(index) in shown["classes"], f"{where}: shows {shown['classes']}"
    assert shown["alt"] == stored.alt, f"{where}: alt text {shown['alt']!r} is not the stored {stored.alt!r}"
    assert shown["src"] == stored.src, f"{where}: the picture is not the stored PNG of this grid point"
    assert shown["loaded"]
    assert len(state["rows"]) == len(figure.knobs)
    for row, knob, i in zip(state["rows"], figure.knobs, index):
        label = knob.labels[i]
        assert row["name"] == knob.name and row["label"] == knob.name, f"{where}: handle named {row['label']!r}"
        assert row["role"] == "slider"
        assert row["readout"] == label, f"{where}, {knob.name}: readout {row['readout']!r}, expected {label!r}"
        assert row["valuetext"] == label, f"{where}, {knob.name}: aria-valuetext {row['valuetext']!r}, not {label!r}"
        assert not row["readoutEditable"] and row["readoutTabIndex"] < 0, f"{knob.name}: the readout is editable"
        assert row["nameFont"] >= MIN_TEXT_PX and row["readoutFont"] >= MIN_TEXT_PX, f"{knob.name}: text under 10 px"
        handle = row["handleBox"]
        small = MIN_HANDLE_PX - 0.01  # a handle moved by a fractional transform measures 23.99997 px
        assert handle["width"] >= small and handle["height"] >= small, f"{knob.name}: handle {handle}"
        column = state["column"]
        for part in ("nameBox", "handleBox", "readoutBox", "trackBox"):
            assert column["left"] - 0.5 <= row[part]["left"] and row[part]["right"] <= column["right"] + 0.5, (
                f"{where}, {knob.name}: {part} {row[part]} sticks out of the widget {column}"
            )
        assert not row["nameOverflow"], f"{knob.name}: the name overflows its box"
        if phone:  # the name above or beside, the track across most of the column
            assert row["trackBox"]["width"] >= 0.6 * state["box"]["width"], f"{knob.name}: track {row['trackBox']}"
    image = shown["box"]
    assert image["right"] <= state["column"]["right"] + 0.5 and image["width"] <= 440.5
    if phone:
        assert image["width"] >= state["box"]["width"] - 1, "the frame must shrink to the column, no less"
    assert state["pageWidth"] <= state["viewport"], "the page scrolls sideways"
    return state


def check_focus_ring(state: dict, knob: Knob) -> None:
    (row,) = [r for r in state["rows"] if r["name"] == knob.name]
    assert row["focused"], f"{knob.name}: its handle lost the keyboard focus"
    ring = row["outline"]
    assert ring["style"] not in ("none", "hidden") and ring["width"] >= 2, f"{knob.name}: no focus ring {ring}"
    assert contrast(ring["colour"], ring["behind"]) >= 3, f"{knob.name}: focus ring {ring} is faint"


def walk(page, figure: StoredFigure, index: list[int], *, full: bool, phone: bool, times: list[float]) -> int:
    """Drive each slider of ``figure`` by keyboard from the indices ``index`` (updated in place); check the
    picture after every key; return how many keys were pressed."""
    check_state(page, figure, tuple(index), phone=phone)
    handles = page.locator(f'[data-test-figure="{figure.key}"] > .d2l-control .noUi-handle')
    pressed = 0
    for s, knob in enumerate(figure.knobs):
        last = len(knob.labels) - 1
        if s == 0:
            handles.nth(0).focus()
        else:  # Tab from the previous handle: the readout between them is not a stop
            page.keyboard.press("Tab")
        assert handles.nth(s).evaluate("el => el === document.activeElement"), f"{knob.name}: Tab missed the handle"
        keys = (["Home"] + ["ArrowRight"] * last + ["End", "ArrowLeft", "Home"]) if full else \
            ["ArrowRight", "End", "ArrowLeft", "Home"]
        for key in keys:
            before = index[s]
            index[s] = {"Home": 0, "End": last, "ArrowRight": min(before + 1, last),
                        "ArrowLeft": max(before - 1, 0)}[key]
            page.keyboard.press(key)
            pressed += 1
            waited = page.wait_for_function(SHOWS, arg=[figure.key, frame_class(tuple(index))], timeout=5000)
            if index[s] != before:
                times.append(waited.json_value()["ms"])
            state = check_state(page, figure, tuple(index), phone=phone)
            check_focus_ring(state, knob)
    return pressed


WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
# One page per width, walked in both colour modes (switched as the theme's button does, by the
# <html> element's data-theme): (mode, full walk or a short one, axe over the widgets afterwards).
# tests/test_accessibility.py runs axe on every page in both modes at both widths as well.
PASSES = {
    "desktop": (("light", True, False), ("dark", False, True)),
    "phone": (("dark", False, False), ("light", False, True)),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("chapter", figure_chapters())
def test_figures_follow_the_keyboard(open_page, chapter, width):
    figures = stored_figures(chapter)
    phone = width == "phone"
    first_mode = PASSES[width][0][0]
    page, log = open_page(f"chapters/{chapter}.html", viewport=WIDTHS[width], color_mode=first_mode, wait_ms=200)
    html_text = (HTML / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    assert WIDGET_STATE in html_text, f"{chapter}: the page lost its widget state: the figures would vanish"
    # The runtime loads when a widget nears the screen (web/widgets-loader.js), not before.
    far = page.evaluate(f"""document.querySelector('script[type="{WIDGET_VIEW}"]').parentElement
                            .getBoundingClientRect().top > window.innerHeight + 1000""")
    if far:
        assert page.locator(".widget-subarea").count() == 0
        assert not any(url.endswith("widgets.js") for url, _ in log.resources), "the runtime loaded too early"
    views = show_widgets(page)
    marked = page.evaluate(MARK_FIGURES)
    assert views == len(marked) and all(m["widgets"] == 1 for m in marked)
    on_page = [key for m in marked for key in m["figures"]]
    assert on_page == [f.key for f in figures], f"{chapter}: the page shows other figures than the notebook saved"
    # The chapter's own figures load lazily, as the reader scrolls: fetch them now, so that
    # what the walk below may fetch is the sliders' doing alone.
    figures_src = set(page.evaluate("""() => [...document.querySelectorAll('img[loading="lazy"]')]
                                             .map(img => { img.loading = 'eager'; return img.src; })"""))
    for _ in range(100):  # the log counts a response once Playwright reports it finished
        if figures_src <= {url for url, _ in log.resources}:
            break
        page.wait_for_timeout(50)
    page.wait_for_load_state("networkidle")
    loaded = log.bytes_loaded
    page.evaluate("document.addEventListener('keydown', () => { window.__lastKey = performance.now(); }, true)")

    indices = {f.key: [k.start for k in f.knobs] for f in figures}
    for mode, full, axe in PASSES[width]:
        page.evaluate("m => { document.documentElement.dataset.theme = m; document.documentElement.dataset.mode = m; }",
                      mode)
        times: list[float] = []
        pressed = 0
        for k, figure in enumerate(figures):
            box = page.locator(f'[data-test-figure="{figure.key}"]')
            box.scroll_into_view_if_needed()
            box.screenshot(path=str(screenshot_dir() / f"{chapter}-figure{k}-{width}-{mode}.png"))
            pressed += walk(page, figure, indices[figure.key], full=full, phone=phone, times=times)
        print(f"\n{chapter} {width} {mode}: {len(figures)} figures, {pressed} keys; page {loaded / 1e6:.2f} MB; "
              f"key to frame ms: median {statistics.median(times):.0f}, max {max(times):.0f}")
        if full:
            assert max(times) < MAX_KEY_TO_FRAME_MS
        assert log.bytes_loaded == loaded, "moving the sliders must not fetch anything"
        if axe:  # axe-core fetches the page's stylesheets again to read them: the page was weighed before
            found = widget_violations(page)
            assert blocking(found) == [], f"axe-core {axe_version()}, {mode} mode, inside the widgets:\n" + \
                "\n".join(map(str, found))
    assert loaded < PAGE_BUDGET, f"{chapter}: {loaded / 1e6:.2f} MB loaded"
    assert log.problems() == [], "\n".join(log.problems())


def test_axe_sees_a_nameless_slider(open_page):
    """The widget check can fail: a handle stripped of its name is a serious violation."""
    (chapter, *_) = figure_chapters() or pytest.fail("no chapter holds a slider figure")
    page, _ = open_page(f"chapters/{chapter}.html", wait_ms=0)
    show_widgets(page)
    page.evaluate("""() => { const h = document.querySelector('.d2l-slider-figure .noUi-handle');
                             h.removeAttribute('aria-label'); h.dataset.stripped = ''; }""")
    assert "aria-input-field-name" in {v.rule for v in blocking(widget_violations(page))}


def test_the_stored_truth_is_read_independently():
    """The notebook parser reads labels, names and frames from hand-made state, not through d2lmini."""
    frame = '<img class="d2l-frame d2l-frame-{i}" src="data:image/png;base64,AA{i}" alt="a &lt; {i}">'
    state = {
        "f": {"model_name": "VBoxModel", "state": {"_dom_classes": [FIGURE], "children": ["IPY_MODEL_r", "IPY_MODEL_s"]}},
        "r": {"model_name": "HBoxModel", "state": {"_dom_classes": [CONTROL], "children": ["IPY_MODEL_n", "IPY_MODEL_k"]}},
        "n": {"model_name": "HTMLModel", "state": {"_dom_classes": [KNOB_NAME], "value": "rate &amp; size"}},
        "k": {"model_name": "SelectionSliderModel",
              "state": {"_dom_classes": [SLIDER], "_options_labels": ["0.1", "0.3"], "index": 1}},
        "s": {"model_name": "StackModel", "state": {"children": ["IPY_MODEL_h0", "IPY_MODEL_h1"]}},
        **{f"h{i}": {"model_name": "HTMLModel", "state": {"value": frame.format(i=i)}} for i in range(2)},
    }
    figure = _figure("f/0", state["f"], state)
    assert figure.knobs == (Knob("rate & size", ("0.1", "0.3"), 1),)
    assert figure.frames[(1,)] == Frame(("d2l-frame", "d2l-frame-1"), "a < 1", "data:image/png;base64,AA1")
    state["s"]["state"]["children"].pop()
    with pytest.raises(AssertionError, match="one frame per grid point"):
        _figure("f/0", state["f"], state)

