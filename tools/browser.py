"""Headless Chromium for the built site: serve it on 127.0.0.1, open pages with every other host blocked.

Shared by the browser tests (``tests/conftest.py``) and the site benchmark (``benchmarks/site.py``)::

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


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 at an ephemeral port; yield the base URL (ending in ``/``)."""
    server = http.server.ThreadingHTTPServer(
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


def open_page(
    browser: Any, url: str, *, wait_ms: int = 500, viewport: tuple[int, int] = (1280, 900)
) -> tuple[Any, PageLog]:
    """Open ``url`` in a fresh browser context (empty cache) with other hosts blocked.

    Waits for the network to be idle, then ``wait_ms`` more. Returns ``(page, log)``;
    close ``page.context`` when done.
    """
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
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
