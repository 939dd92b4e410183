"""The book from outside: ``build`` (make book piece by piece, per chapter, a fresh kernel's cost), ``site``
(page weight and slider latency in headless Chromium, ``tools/browser.py``) and ``suite`` (one `make test`).

Build and site work on the snapshot of the tree: its own ``tools/notebooks.py execute`` re-executes its
chapters (the committed notebooks are never touched) and every build goes to a clean ``--path-output``.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

from tools.notebooks import book_command

from . import PY, Context, fmt, ratios, spread, table, target, timed

EXECUTED = re.compile(r"^executed (\S+) in ([\d.]+) s$", re.MULTILINE)
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)\s*$", re.MULTILINE)
SUMMARY = re.compile(r"^=+ (.*\b(?:passed|failed|error|errors)\b.*) =+$", re.MULTILINE)
HTML_LIMIT_S, FULL_LIMIT_S, TEST_LIMIT_S = 10.0, 30.0, 180.0
STARTUP = {  # key: row label; "python", "torch" and "d2lmini" are `python -c` runs
    "python": "`python -c pass`", "torch": "`python -c 'import torch'`", "d2lmini": "`python -c 'import d2lmini'`",
    "kernel": "start a python3 kernel (until it answers)", "import": "`import d2lmini` in that fresh kernel",
    "shutdown": "shut the kernel down (graceful: nbclient's default)",
    "fixed": "fixed cost of a fresh kernel (sum of the last three)",
    "kill": "shut it down immediately (`shutdown_kernel='immediate'`, what the execute tool does)"}
# Installed once the page has loaded: a key press starts the clock, the first DOM change outside the slider
# stops it once that frame's images are decoded and painted (the next animation frame, then a task after it).
WATCH_JS = """(handle) => {
  const slider = handle.closest('.widget-slider, .widget-hslider, .jupyter-widgets') || handle;
  const state = window.__bench = {latencies: [], t0: null};
  document.addEventListener('keydown', () => { state.t0 = performance.now(); }, true);
  new MutationObserver((records) => {
    if (state.t0 === null || records.every((r) => slider.contains(r.target))) return;
    const t0 = state.t0;
    state.t0 = null;
    const images = [...document.querySelectorAll('.jupyter-widgets img, img.widget-image')]
      .filter((img) => img.offsetParent !== null);
    Promise.all(images.map((img) => img.decode().catch(() => null))).then(() =>
      requestAnimationFrame(() => setTimeout(() => state.latencies.push(performance.now() - t0), 0)));
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
HANDLE = ".noUi-handle"
LOAD_EVENT_END = "performance.getEntriesByType('navigation')[0].loadEventEnd"


def pulled_in(importtime: str, top: str = "d2lmini") -> tuple[int, list[tuple[str, int]]]:
    """From ``python -X importtime`` output: µs to import ``top``, and the top-level packages that ``top``'s
    own modules import first (not counting their own dependencies) with their µs, biggest first."""
    total, found, path = 0, [], []  # path: the names from the root down to the current line
    for cumulative, indent, name in reversed(IMPORT_LINE.findall(importtime)):  # reversed: parents first
        path[(len(indent) - 1) // 2:] = [name]
        if path == [top]:
            total = int(cumulative)
        elif path[0] == top and "." not in name and all(p.split(".")[0] == top for p in path[:-1]):
            found.append((name, int(cumulative)))
    return total, sorted(found, key=lambda item: -item[1])


def kernel_cycle(env: dict[str, str], cwd: Path, *, immediate: bool = False) -> tuple[float, float, float]:
    """Seconds to start a python3 kernel (until it answers), to run ``import d2lmini`` in it, to shut it down
    (gracefully as nbclient's default: a request, then waiting for the exit; or ``immediate``: killed)."""
    from jupyter_client.manager import start_new_kernel

    start = time.perf_counter()
    km, kc = start_new_kernel(120, "python3", cwd=str(cwd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = time.perf_counter()
    reply = kc.execute_interactive("import d2lmini", timeout=120, output_hook=lambda msg: None)
    imported = time.perf_counter()
    kc.stop_channels()
    km.shutdown_kernel(now=immediate)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"import d2lmini failed in a fresh kernel: {reply['content']}")
    return ready - start, imported - ready, time.perf_counter() - imported


def build(ctx: Context) -> dict:
    snap, rounds, notes = ctx.snapshot, ctx.rounds(3, 1), []
    env = {**os.environ, "PYTHONPATH": str(snap)}
    startup: dict[str, list[float]] = {key: [] for key in STARTUP}
    for _ in range(ctx.rounds(5, 2)):
        for key, code in (("python", "pass"), ("torch", "import torch"), ("d2lmini", "import d2lmini")):
            startup[key].append(timed([PY, "-c", code], snap, env)[0])
        pieces = kernel_cycle(env, snap)
        for key, seconds in zip(("kernel", "import", "shutdown", "fixed"), (*pieces, sum(pieces))):
            startup[key].append(seconds)
        startup["kill"].append(kernel_cycle(env, snap, immediate=True)[2])
    s = {key: spread(v) for key, v in startup.items()}

    chapters = [c.relative_to(snap) for c in sorted((snap / "chapters").glob("*.md"))[: 1 if ctx.quick else None]]
    execute = [PY, "tools/notebooks.py", "execute", "--jobs"]  # the snapshot's tool: its ROOT is the snapshot
    times: dict[str, list[float]] = {"j1": [], "j2": [], "noop": [], "html": []}
    per_chapter: dict[str, list[float]] = {}
    for r in range(rounds):
        for jobs in (1, 2) if r % 2 == 0 else (2, 1):  # alternate which goes first
            seconds, output, status = timed([*execute, jobs, "--force", *chapters], snap, env)
            if status != 0:
                raise RuntimeError(f"chapter execution failed: {output.strip().splitlines()[-1]}")
            times[f"j{jobs}"].append(seconds)
            for name, chapter_seconds in EXECUTED.findall(output) if jobs == 1 else []:
                per_chapter.setdefault(Path(name).stem, []).append(float(chapter_seconds))
        seconds, output, _ = timed([*execute, 2, *chapters], snap, env)
        times["noop"].append(seconds)
        if "up to date" not in output:
            notes.append("The no-op `make notebooks` step still found stale chapters: " + output.strip()[-300:])
        seconds, output, status = timed(book_command(snap, ctx.tmp / f"site{r}"), snap)
        times["html"].append(seconds)
        if status != 0:  # -W: a warning fails the build; --keep-going: every page is still built
            first = next((line for line in output.splitlines() if "WARNING" in line or "ERROR" in line), "")
            notes.append(f"The book build failed or warned in round {r + 1} ({first[:200]}); its time is still "
                         "that of a full build.")
        print(f"  round {r + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()), flush=True)

    t = {k: spread(v) for k, v in times.items()}
    make_book = spread([a + b for a, b in zip(times["noop"], times["html"])])
    full = spread([a + b for a, b in zip(times["j2"], times["html"])])
    speedup = ratios(times["j1"], times["j2"])
    chapter = {name: spread(v) for name, v in sorted(per_chapter.items())}
    fixed_share = s["fixed"].median * len(chapter) / sum(c.median for c in chapter.values())
    total, external = pulled_in(timed([PY, "-X", "importtime", "-c", "import d2lmini"], snap, env)[1])
    overlap = "overlap well" if speedup.median >= 1.15 else "compete for the same cores"
    notes += [
        f"What dominates execution: every chapter starts a fresh kernel and imports torch, a fixed cost of "
        f"{fmt(s['fixed'], 's')} per chapter, {fixed_share:.0%} of the summed per-chapter times (`import torch` "
        f"alone: {fmt(s['torch'], 's')}; a bare interpreter: {fmt(s['python'], 's')}). `--jobs 2` (the default "
        f"here) against `--jobs 1`: {fmt(speedup, '×')}; two kernels, mostly importing and single-threaded, {overlap}.",
        f"`python -X importtime -c 'import d2lmini'` (one run, inflated by the tracing): {total / 1e3:.0f} ms "
        "in all; packages it pulls in: " + ", ".join(f"{name} {us / 1e3:.0f} ms" for name, us in external[:5])
        + f"; d2lmini's own modules and the rest: {(total - sum(us for _, us in external)) / 1e3:.0f} ms.",
        f"{rounds} rounds for execution and build (`--jobs 1` and `--jobs 2` in alternating order), "
        f"{ctx.rounds(5, 2)} for the start-up pieces. Per-chapter times: the `--jobs 1` runs, as "
        "`tools/notebooks.py execute` prints them (a fresh kernel each, start and shutdown included), "
        f"over every `chapters/*.md` in the tree at the time ({len(chapter)}).",
    ]
    steps = [["`make notebooks` with every chapter up to date (hash check only)", fmt(t["noop"], "s")],
             ["`jupyter-book build --all -W -n --keep-going` into a clean `_build`", fmt(t["html"], "s")],
             ["**`make book`, notebooks up to date** (the two above)", fmt(make_book, "s")],
             ["execute every chapter, `--jobs 1`", fmt(t["j1"], "s")],
             ["execute every chapter, `--jobs 2` (the default here)", fmt(t["j2"], "s")],
             ["parallel speed-up (jobs 1 / jobs 2, per round)", fmt(speedup, "×")],
             ["**full re-execution (`--jobs 2`) + build**", fmt(full, "s")]]
    chapter_rows = [[f"`{name}`", fmt(c, "s"), f"{min(1.0, s['fixed'].median / c.median):.0%}"]
                    for name, c in chapter.items()]
    tables = [table(["step", "time"], steps, "make book, piece by piece"),
              table(["chapter", "execution in a fresh kernel", "of which fixed kernel cost"], chapter_rows,
                    "Per chapter (`--jobs 1`)"),
              table(["start-up piece", "time"], [[label, fmt(s[k], "s")] for k, label in STARTUP.items()],
                    "Start-up costs")]
    targets = [target("`make book`, clean `_build`, notebooks up to date", f"≤ {HTML_LIMIT_S:.0f} s",
                      fmt(make_book, "s"), make_book.median <= HTML_LIMIT_S),
               target("full re-execution + build (`--jobs 2`)", f"≤ {FULL_LIMIT_S:.0f} s on 2 cores",
                      fmt(full, "s"), full.median <= FULL_LIMIT_S)]
    return {"title": "Build and execution", "tables": tables, "notes": notes, "targets": targets}


def slider_latencies(page, presses: int) -> list[float]:
    """Milliseconds from a key press on the first slider to its next frame on screen, per press; a press
    that changes nothing (the slider is at its end) turns the direction round."""
    handle, key = page.locator(HANDLE).first, "ArrowRight"
    page.evaluate(WATCH_JS, handle.element_handle())
    handle.focus()
    for _ in range(3 * presses):
        count = page.evaluate("window.__bench.latencies.length")
        if count >= presses:
            break
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"window.__bench.latencies.length > {count}", timeout=2000)
        except Exception:  # noqa: BLE001  (a time-out: no frame changed)
            page.evaluate("window.__bench.t0 = null")
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
    return list(page.evaluate("window.__bench.latencies"))


def site(ctx: Context) -> dict:
    from tools.browser import chromium, open_page, serve, show_widgets

    html = max(ctx.tmp.glob("site*/_build/html"), default=None)  # the last one build made
    if html is None:  # --only site: build one
        timed(book_command(ctx.snapshot, ctx.tmp / "site"), ctx.snapshot)
        html = ctx.tmp / "site" / "_build" / "html"
    pages = sorted(p.relative_to(html).as_posix() for p in (html / "chapters").glob("*.html"))
    if not pages:
        raise RuntimeError(f"no chapter pages in {html}: the book did not build")
    loads, presses = ctx.rounds(3, 1), ctx.rounds(15, 3)
    rows, weights, sliders, notes = [], {}, {}, []
    with serve(html) as base, chromium() as browser:
        for path in pages:
            total, requests, load_s, problems = [], [], [], set()
            for _ in range(loads):
                page, log = open_page(browser, base + path, wait_ms=0)
                show_widgets(page)  # the runtime loads when a widget nears the screen
                page.wait_for_load_state("networkidle")
                total.append(log.bytes_loaded)
                requests.append(len(log.resources))
                page.wait_for_function(f"{LOAD_EVENT_END} > 0")
                load_s.append(page.evaluate(LOAD_EVENT_END) / 1e3)
                problems.update(log.problems())
                if path not in sliders and page.locator(HANDLE).count():
                    sliders[path] = slider_latencies(page, presses)
                page.context.close()
            weights[path] = spread(total)
            biggest = sorted(log.resources, key=lambda r: -r[1])[:3]
            rows.append([f"`{path}`", fmt(weights[path], "B"), f"{statistics.median(requests):.0f}",
                         fmt(spread(load_s), "s"),
                         ", ".join(f"{Path(urlparse(u).path).name} {fmt(spread([b]), 'B')}" for u, b in biggest)])
            if problems:
                notes.append(f"`{path}` had problems: " + "; ".join(sorted(problems))[:300])
            print(f"  {path}: {rows[-1][1]}", flush=True)
        version = browser.version
    latency = {p: fmt(spread([t / 1e3 for t in ms]), "s") if ms else "no frame change seen" for p, ms in sliders.items()}
    heaviest = max(weights, key=lambda p: weights[p].median)
    notes.append(
        f"Chromium {version} (Debian, headless) through Playwright; the site served on 127.0.0.1 with every "
        f"other host blocked. {loads} load(s) per page: bytes are response bodies as the browser counted them, "
        "load event is the navigation's `loadEventEnd`. Slider latency: arrow keys on the first slider's handle "
        "(turning round at its ends); the clock runs from the key event to the first change outside the slider "
        "plus image decoding and the next painted frame.")
    tables = [table(["page", "bytes loaded", "requests", "load event", "largest three"], rows,
                    "Page weight (fresh context, no cache)")]
    if sliders:
        tables.append(table(["page (first slider)", "key press → new frame painted", "presses"],
                            [[f"`{p}`", latency[p], str(len(ms))] for p, ms in sliders.items()], "Slider latency"))
    targets = [target("heaviest chapter page (bytes loaded, no cache)", "—",
                      f"{fmt(weights[heaviest], 'B')} (`{heaviest}`)"),
               *(target(f"slider key press → new frame, `{p}`", "—", latency[p]) for p in sliders)]
    return {"title": "Site: page weight and slider latency", "tables": tables, "notes": notes, "targets": targets}


def suite(ctx: Context) -> dict:
    timed(["make", "--no-print-directory", ".venv/.installed", "_extra/VERSIONS.json"])  # set-up, not timed
    seconds, output, status = timed(["make", "--no-print-directory", "test"])
    summary = (SUMMARY.findall(output) or output.strip().splitlines())[-1]
    t, verdict = spread([seconds]), "passed" if status == 0 else "**failed**"
    note = ("One run (it takes minutes), after the set-up steps had run, so the time is the checks alone: unit "
            "tests, nbval on every chapter, pairing, the book build and the browser tests, with pytest-xdist's 2 "
            "workers. Other people may have been editing the tree, so a failure here is recorded, not investigated.")
    return {"title": "Test suite", "notes": [note],
            "tables": [table(["command", "wall time", "outcome"], [["`make test`", fmt(t, "s"), f"{verdict}: {summary}"]])],
            "targets": [target("`make test` after set-up (one run)", f"≤ {TEST_LIMIT_S / 60:.0f} min",
                               fmt(t, "s") + ("" if status == 0 else " (failed)"), t.median <= TEST_LIMIT_S)]}
