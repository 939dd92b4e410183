"""Site: bytes each chapter page loads, and how fast a slider shows its next frame, in headless Chromium.

The built site (from the build benchmark, else a fresh build of the working tree into the scratch
folder) is served on 127.0.0.1; every other host is blocked (``tools/browser.py``, as in the browser
tests). Each load uses a fresh browser context, so nothing comes from the cache; a page's widgets are
scrolled into view (their runtime loads only then), so its weight includes them.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from urllib.parse import urlparse

from . import BIN, ROOT, Context, Section, Spread, Table, Target, fmt_bytes, fmt_time, run_command

# Installed after the page has loaded: a key press on the slider starts the clock; the first DOM change
# outside the slider (the stacked frame switching) stops it once that frame's images are decoded and
# the browser has painted (the next animation frame, then a task after it).
WATCH_JS = """(handle) => {
  const slider = handle.closest('.widget-slider, .widget-hslider, .jupyter-widgets') || handle;
  const state = {latencies: [], t0: null};
  window.__bench = state;
  document.addEventListener('keydown', () => { state.t0 = performance.now(); }, true);
  new MutationObserver((records) => {
    if (state.t0 === null || records.every((r) => slider.contains(r.target))) return;
    const t0 = state.t0;
    state.t0 = null;
    const images = [...document.querySelectorAll('.jupyter-widgets img, .widget-image')]
      .filter((img) => img.tagName === 'IMG' && img.offsetParent !== null);
    Promise.all(images.map((img) => img.decode().catch(() => null))).then(() =>
      requestAnimationFrame(() => setTimeout(() => state.latencies.push(performance.now() - t0), 0)));
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
HANDLE = ".noUi-handle"


def build_site(ctx: Context) -> Path:
    out = ctx.tmp / "site-only"
    command = run_command([BIN / "jupyter-book", "build", "--all", "--path-output", out, ctx.snapshot or ROOT])
    html = out / "_build" / "html"
    if not html.exists():
        raise RuntimeError("the book did not build: " + command.tail(5))
    return html


def slider_latencies(page, presses: int) -> list[float]:
    """Milliseconds from a key press on the first slider to its next frame on screen, per press."""
    handle = page.locator(HANDLE).first
    page.evaluate(WATCH_JS, handle.element_handle())
    handle.focus()
    key, attempts = "ArrowRight", 0
    while attempts < 3 * presses:
        attempts += 1
        count = page.evaluate("window.__bench.latencies.length")
        if count >= presses:
            break
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"window.__bench.latencies.length > {count}", timeout=2000)
        except Exception:  # noqa: BLE001  (a time-out: no frame changed, the slider is at its end; turn round)
            page.evaluate("window.__bench.t0 = null")
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
    return list(page.evaluate("window.__bench.latencies"))


def run(ctx: Context) -> Section:
    from tools.browser import chromium, open_page, serve, show_widgets

    html = ctx.site_html or build_site(ctx)
    pages = sorted(p.relative_to(html).as_posix() for p in (html / "chapters").glob("*.html"))
    loads = ctx.rounds(3, 1)
    presses = ctx.rounds(15, 3)
    rows, slider_rows, notes, weights = [], [], [], []
    with serve(html) as base, chromium() as browser:
        version = browser.version
        for path in pages:
            total, requests, load_s, problems, biggest = [], [], [], set(), []
            for _ in range(loads):
                page, log = open_page(browser, base + path, wait_ms=0)
                show_widgets(page)  # the runtime loads when a widget nears the screen
                page.wait_for_load_state("networkidle")
                total.append(log.bytes_loaded)
                requests.append(len(log.resources))
                page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
                load_s.append(page.evaluate(
                    "performance.getEntriesByType('navigation')[0].loadEventEnd") / 1e3)
                problems.update(log.problems())
                biggest = sorted(log.resources, key=lambda r: -r[1])[:3]
                if page.locator(HANDLE).count() and not any(r[0] == path for r in slider_rows):
                    latencies = slider_latencies(page, presses)
                    if latencies:
                        slider_rows.append([path, fmt_time(Spread.of([t / 1e3 for t in latencies])),
                                            str(len(latencies))])
                    else:
                        slider_rows.append([path, "no frame change seen", "0"])
                page.context.close()
            top = ", ".join(f"{Path(urlparse(u).path).name} {fmt_bytes(b)}" for u, b in biggest)
            weights.append((path, Spread.of(total)))
            weight = fmt_bytes(weights[-1][1])
            rows.append([f"`{path}`", weight, f"{statistics.median(requests):.0f}",
                         fmt_time(Spread.of(load_s)), top])
            if problems:
                notes.append(f"`{path}` had problems: " + "; ".join(sorted(problems))[:300])
            print(f"  {path}: {weight}", flush=True)
    sgd_page = "chapters/04-sgd.html"
    if not any(r[0] == sgd_page for r in slider_rows):
        notes.append(f"`{sgd_page}` has no slider ({HANDLE}) in this build, so its slider latency is not measured.")
    tables = [Table(["page", "bytes loaded", "requests", "load event", "largest three"], rows,
                    caption="Page weight (fresh context, no cache)")]
    if slider_rows:
        tables.append(Table(["page (first slider)", "key press → new frame painted", "presses"],
                            [[f"`{p}`", t, n] for p, t, n in slider_rows], caption="Slider latency"))
    notes.append(
        f"Chromium {version} (Debian, headless) through Playwright; the site served on 127.0.0.1 with every "
        f"other host blocked. {loads} load(s) per page: bytes are response bodies as the browser counted them, "
        "load event is the navigation's `loadEventEnd`. Slider latency: arrow keys on the first slider's handle "
        "(turning round at its ends); the clock runs from the key event to the first change outside the slider "
        "plus image decoding and the next painted frame.")
    heaviest = max(weights, key=lambda item: item[1].median)
    targets = [Target("heaviest chapter page (bytes loaded, no cache)", "—",
                      f"{fmt_bytes(heaviest[1])} (`{heaviest[0]}`)", None)]
    targets += [Target(f"slider key press → new frame, `{p}`", "—", t, None) for p, t, _ in slider_rows]
    return Section(name="site", title="Site: page weight and slider latency", tables=tables, notes=notes,
                   targets=targets)
