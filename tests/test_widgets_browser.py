"""The SGD explorer on the built, static page: sliders move frames with no kernel and no network.

Truth: the PNG frames and slider labels stored in the executed notebook's widget state
(``metadata.widgets``), read here straight from the JSON.  The browser must show, for the
values the readouts display, exactly the stored frame of that grid point.
Run with ``-s`` to see the page weight, the stored-state size and the slider response times.
"""

from __future__ import annotations

import base64
import io
import json
import re
import statistics

import numpy as np
import pytest
from conftest import HTML, ROOT, screenshot_dir
from PIL import Image

from tools.browser import show_widgets

pytestmark = pytest.mark.project

CHAPTER = "04-sgd"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PAGE_BUDGET = 3_000_000  # bytes, everything the page loads with the explorer shown, uncompressed
FRAME_CLASS = re.compile(r"^sgd-frame-(\d+)-(\d+)$")

# Watches the explorer: the time of the last key press, and each time the displayed frame
# changes, which frame it is and when its image finished loading (it is then on screen).
WATCH = r"""
() => {
  const root = document.querySelector('img.sgd-frame').closest('.widget-vbox');
  const state = window.__sgd = {key: null, shown: []};
  document.addEventListener('keydown', () => { state.key = performance.now(); }, true);
  const frameOf = (img) => [...img.classList].find((c) => /^sgd-frame-\d+-\d+$/.test(c));
  const seen = new WeakSet();
  const check = () => {
    for (const img of root.querySelectorAll('img')) {
      if (seen.has(img) || !frameOf(img)) continue;  // the runtime adds classes after insertion
      seen.add(img);
      const entry = {frame: frameOf(img), inserted: performance.now(), loaded: null};
      state.shown.push(entry);
      const done = () => { entry.loaded = performance.now(); };
      if (img.complete && img.naturalWidth > 0) done(); else img.addEventListener('load', done, {once: true});
    }
  };
  new MutationObserver(check).observe(root, {childList: true, subtree: true, attributes: true,
                                            attributeFilter: ['class', 'src']});
  check();
}
"""

DISPLAYED = r"""
async () => {
  const out = [];
  for (const img of document.querySelectorAll('img.sgd-frame, img.sgd-background')) {
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    const box = img.getBoundingClientRect();
    out.push({frame: [...img.classList].find((c) => /^sgd-frame-\d+-\d+$/.test(c)), png: btoa(text),
              width: box.width, height: box.height, natural: img.naturalWidth,
              box: [box.x, box.y, box.width, box.height]});
  }
  return out;
}
"""

READOUTS = r"""
() => Object.fromEntries([...document.querySelectorAll('.sgd-control')].map((row) => [
  row.querySelector('.widget-html-content').textContent.trim(),
  row.querySelector('.widget-readout').textContent.trim(),
]))
"""


@pytest.fixture(scope="module")
def stored():
    """Slider labels and PNG frames from the committed notebook's widget state."""
    notebook = json.loads((ROOT / "chapters" / f"{CHAPTER}.ipynb").read_text())
    widgets = notebook["metadata"]["widgets"]
    models = widgets[WIDGET_STATE]["state"].values()
    by_id = widgets[WIDGET_STATE]["state"]
    labels = {}
    for model in models:  # each slider sits in a row (HBox) after an HTML widget holding its name
        if model["model_name"] == "HBoxModel" and "sgd-control" in model["state"]["_dom_classes"]:
            name, slider = (by_id[ref.removeprefix("IPY_MODEL_")]["state"] for ref in model["state"]["children"])
            labels[name["value"]] = slider["_options_labels"]
    frames, backgrounds = {}, []
    for model in models:
        if model["model_name"] != "ImageModel":
            continue
        (buffer,) = [b for b in model["buffers"] if b["path"] == ["value"]]
        png = base64.b64decode(buffer["data"])
        classes = model["state"]["_dom_classes"]
        if "sgd-background" in classes:
            backgrounds.append(png)
            continue
        (name,) = [c for c in classes if FRAME_CLASS.match(c)]
        frames[name] = png
    state_bytes = len(json.dumps(widgets, separators=(",", ":")))
    print(f"\n{CHAPTER}: stored widget state {state_bytes / 1e6:.2f} MB ({len(frames)} frames, "
          f"{sum(map(len, frames.values())) / 1e6:.2f} MB of PNG)")
    (background,) = backgrounds
    return {
        "lr": labels["learning rate"], "batch": labels["batch size"], "frames": frames,
        "background": background, "bytes": state_bytes,
    }


def frame_name(stored, readouts) -> str:
    i = stored["lr"].index(readouts["learning rate"])
    j = stored["batch"].index(readouts["batch size"])
    return f"sgd-frame-{i}-{j}"


def shown(page, stored) -> tuple[str, bytes]:
    """The one frame on screen; checks it is the stored frame of what the readouts say, on its background."""
    images = page.evaluate(DISPLAYED)
    frames = [image for image in images if image["frame"]]
    assert len(frames) == 1, f"expected exactly one frame on screen, found {[i['frame'] for i in frames]}"
    (image,) = frames
    expected = frame_name(stored, page.evaluate(READOUTS))
    assert image["frame"] == expected
    png = base64.b64decode(image["png"])
    assert png == stored["frames"][expected], "the displayed PNG is not the stored frame"
    assert image["natural"] > 0 and image["width"] > 300 and image["height"] > 100
    (background,) = [image for image in images if not image["frame"]]
    assert base64.b64decode(background["png"]) == stored["background"]
    assert background["box"] == image["box"], "the frame must lie exactly over the background"
    return expected, png


def red_pixels(stored, png: bytes) -> int:
    """Pixels of the alarm red in the picture the reader sees (frame over background)."""
    background = Image.open(io.BytesIO(stored["background"])).convert("RGBA")
    front = Image.open(io.BytesIO(png)).convert("RGBA")
    rgb = np.asarray(Image.alpha_composite(background, front).convert("RGB")).astype(int)
    return int((np.abs(rgb - np.array([0xD6, 0x27, 0x28])).sum(axis=-1) < 40).sum())


def press(page, stored, slider: str, key: str, times: list[float]) -> str:
    """Press ``key`` on a slider's handle; wait for the matching frame; record key-to-frame time."""
    handle = page.locator(".sgd-control", has_text=slider).locator(".noUi-handle")
    handle.focus()
    before = len(page.evaluate("window.__sgd.shown"))
    handle.press(key)
    page.wait_for_function(
        "n => window.__sgd.shown.length > n && window.__sgd.shown.at(-1).loaded !== null", arg=before, timeout=5000
    )
    name, _ = shown(page, stored)
    last = page.evaluate("window.__sgd.shown.at(-1)")
    assert last["frame"] == name
    times.append(last["loaded"] - page.evaluate("window.__sgd.key"))
    return name


def snapshot(page, label: str) -> None:
    explorer = page.locator(".widget-vbox", has=page.locator("img.sgd-frame")).last
    explorer.screenshot(path=str(screenshot_dir() / f"{CHAPTER}-explorer-{label}.png"))


def test_page_serves_the_explorer_with_its_state(built_site, stored):
    html = (HTML / "chapters" / f"{CHAPTER}.html").read_text(encoding="utf-8")
    assert WIDGET_STATE in html, "the page lost its widget state: sliders would vanish"
    assert len(stored["frames"]) == len(stored["lr"]) * len(stored["batch"])
    assert stored["frames"].keys() == {
        f"sgd-frame-{i}-{j}" for i in range(len(stored["lr"])) for j in range(len(stored["batch"]))
    }
    assert stored["bytes"] < 400_000


def test_sliders_switch_frames_offline(open_page, stored):
    page, log = open_page(f"chapters/{CHAPTER}.html")
    # The runtime loads when the explorer nears the screen (web/widgets-loader.js): not before.
    assert page.locator(".widget-subarea").count() == 0
    assert not any(url.endswith("widgets.js") for url, _ in log.resources), "the runtime loaded too early"
    assert show_widgets(page) == 1
    page.wait_for_selector("img.sgd-frame", timeout=15000)
    page.wait_for_function("document.querySelector('img.sgd-frame').naturalWidth > 0")
    # Weigh the page once MathJax has typeset everything and fetched its fonts.
    # (A MathJax failure is not swallowed: it reaches log.problems() through the console.)
    page.evaluate("async () => { try { await window.MathJax.startup.promise; } catch (error) {} }")
    page.wait_for_load_state("networkidle")
    loaded = log.bytes_loaded
    print(f"{CHAPTER}: page loaded {loaded / 1e6:.2f} MB")

    readouts = page.evaluate(READOUTS)
    assert readouts["learning rate"] in stored["lr"] and readouts["batch size"] in stored["batch"]
    assert page.locator(".widget-slider .noUi-handle").count() == 2
    start, _ = shown(page, stored)
    page.evaluate(WATCH)
    snapshot(page, "start")

    times: list[float] = []
    visited = [start]
    # Learning rate up one step, batch size down to 1 (the jittery corner), then the largest rate.
    visited.append(press(page, stored, "learning rate", "ArrowRight", times))
    for _ in range(stored["batch"].index(page.evaluate(READOUTS)["batch size"])):
        visited.append(press(page, stored, "batch size", "ArrowLeft", times))
    assert page.evaluate(READOUTS)["batch size"] == stored["batch"][0]
    visited.append(press(page, stored, "learning rate", "ArrowLeft", times))
    snapshot(page, "batch-1")
    visited.append(press(page, stored, "learning rate", "End", times))
    assert page.evaluate(READOUTS)["learning rate"] == stored["lr"][-1]
    _, png = shown(page, stored)
    assert red_pixels(stored, png) > 1000, "the largest learning rate must show the red 'diverged' banner"
    snapshot(page, "diverged")
    visited.append(press(page, stored, "batch size", "End", times))
    assert page.evaluate(READOUTS)["batch size"] == stored["batch"][-1]
    visited.append(press(page, stored, "learning rate", "ArrowLeft", times))
    snapshot(page, "full-batch")

    assert len(set(visited)) == len(visited), f"each key press must show a new frame: {visited}"
    calm = [f for f in visited if red_pixels(stored, stored["frames"][f]) == 0]
    assert calm, "some visited frames must be free of the divergence banner"
    print(f"{CHAPTER}: key press to new frame on screen, ms: median {statistics.median(times):.0f}, "
          f"max {max(times):.0f} over {len(times)} presses")
    assert max(times) < 500
    assert log.bytes_loaded == loaded, "moving the sliders must not fetch anything"
    assert loaded < PAGE_BUDGET
    assert log.problems() == [], "\n".join(log.problems())
