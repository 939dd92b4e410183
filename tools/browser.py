"""Headless Chromium for the built site: serve it on 127.0.0.1, open pages with every other host blocked.

Shared by the browser tests (``tests/conftest.py``) and the site benchmark (``benchmarks/book.py``)::

    with serve(Path("_build/html")) as url, chromium() as browser:
        page, log = open_page(browser, url + "index.html")
        print(log.bytes_loaded, log.problems())
        page.context.close()

Debian's ``/usr/bin/chromium`` is driven by Playwright for Python (never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOST = "127.0.0.1"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No host but 127.0.0.1 resolves, so a page cannot reach a CDN even by accident.
    f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {LOCAL_HOST}",
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A page closed while a file was still downloading (a lazily loaded runtime, say) is normal.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 at an ephemeral port; yield the base URL (ending in ``/``)."""
    server = _Server(
        (LOCAL_HOST, 0), functools.partial(_QuietHandler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Launch Debian's Chromium headless through Playwright; yield the Playwright ``Browser``."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium chromium-driver)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """Everything a page did while loading: the evidence the browser tests assert on."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)
    bytes_loaded: int = 0
    resources: list[tuple[str, int]] = field(default_factory=list)  # (url, response body bytes)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed]
            + [f"request to another host: {m}" for m in self.off_host]
        )


DESKTOP = (1280, 900)
PHONE = (390, 844)
COLOR_MODES = ("light", "dark")


def open_page(
    browser: Any,
    url: str,
    *,
    wait_ms: int = 500,
    viewport: tuple[int, int] = DESKTOP,
    color_mode: str | None = None,
) -> tuple[Any, PageLog]:
    """Open ``url`` in a fresh browser context (empty cache) with other hosts blocked.

    ``color_mode`` ("light" or "dark") is the pydata theme's mode, stored in ``localStorage``
    before the page loads as the theme's own switch would; ``None`` keeps the site default.
    A ``viewport`` narrower than 500 px is opened as a phone (touch, mobile layout).
    Waits for the network to be idle, then ``wait_ms`` more. Returns ``(page, log)``;
    close ``page.context`` when done.
    """
    if color_mode not in (None, *COLOR_MODES):
        raise ValueError(f"color_mode must be one of {COLOR_MODES} or None, not {color_mode!r}")
    phone = viewport[0] < 500
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=1,
    )
    if color_mode is not None:
        context.add_init_script(
            f"localStorage.setItem('mode', '{color_mode}'); localStorage.setItem('theme', '{color_mode}');"
        )
    log = PageLog()

    def route(route: Any) -> None:
        if urlparse(route.request.url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            log.off_host.append(route.request.url)
            route.abort()

    def on_response(response: Any) -> None:
        if response.status >= 400:
            log.failed.append(f"HTTP {response.status} {response.url}")

    def on_finished(request: Any) -> None:
        size = request.sizes()["responseBodySize"]
        log.bytes_loaded += size
        log.resources.append((request.url, size))

    def on_failed(request: Any) -> None:
        if urlparse(request.url).hostname == LOCAL_HOST:
            log.failed.append(f"{request.url} ({request.failure})")

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.on("requestfinished", on_finished)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(wait_ms)
    return page, log


def take_screenshots(
    browser: Any,
    base_url: str,
    pages: list[str],
    out_dir: Path,
    *,
    viewports: dict[str, tuple[int, int]] | None = None,
    color_modes: tuple[str, ...] = COLOR_MODES,
    full_page: bool = True,
) -> list[Path]:
    """Screenshot each page at each viewport and colour mode into ``out_dir``; return the files.

    Widgets are rendered first (``show_widgets``), so the pictures show them.

    Files are named ``<page>-<viewport name>-<mode>.png`` (``/`` in the page path becomes ``_``).
    """
    viewports = viewports or {"desktop": DESKTOP, "phone": PHONE}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in pages:
        for name, size in viewports.items():
            for mode in color_modes:
                page, _ = open_page(browser, base_url + path, viewport=size, color_mode=mode, wait_ms=800)
                show_widgets(page)
                target = out_dir / f"{path.removesuffix('.html').replace('/', '_')}-{name}-{mode}.png"
                page.screenshot(path=str(target), full_page=full_page)
                page.context.close()
                written.append(target)
    return written


WIDGET_STATE = "script[type='application/vnd.jupyter.widget-state+json']"
WIDGET_VIEW = "script[type='application/vnd.jupyter.widget-view+json']"


def show_widgets(page: Any, *, timeout_ms: int = 15000) -> int:
    """Scroll each saved widget into view so the site's loader fetches the runtime; wait until
    every one is rendered and its controls are named, scroll back to the top, and return how many
    there are (0: none)."""
    views = page.locator(WIDGET_VIEW).count() if page.locator(WIDGET_STATE).count() else 0
    if views == 0:
        return 0
    page.evaluate(f"document.querySelector(\"{WIDGET_VIEW}\").parentElement.scrollIntoView()")
    # The runtime marks a widget's area ready once its views are built and its controls named.
    page.wait_for_function(
        f"document.querySelectorAll('.widget-subarea[data-widgets-ready] > .jupyter-widgets').length >= {views}",
        timeout=timeout_ms,
    )
    page.evaluate("window.scrollTo(0, 0)")
    return views
