"""Shared fixtures: the built site, a local web server and a headless Chromium with the network cut."""

from __future__ import annotations

import fcntl
import functools
import http.server
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOST = "127.0.0.1"


@dataclass
class BuildResult:
    returncode: int
    log: str


@pytest.fixture(scope="session")
def built_site(testrun_uid: str) -> BuildResult:
    """Build the book once per test run, shared by all xdist workers through a lock file."""
    BUILD.mkdir(exist_ok=True)
    log_file = BUILD / f".test-build-{testrun_uid}.log"
    code_file = BUILD / f".test-build-{testrun_uid}.code"
    with open(BUILD / ".test-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not code_file.exists():
            for old in BUILD.glob(".test-build-*"):
                old.unlink()
            jupyter_book = Path(sys.executable).parent / "jupyter-book"
            proc = subprocess.run(
                [str(jupyter_book), "build", "--all", "-W", "-n", "--keep-going", str(ROOT)],
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            log_file.write_text(proc.stdout + proc.stderr)
            code_file.write_text(str(proc.returncode))
    return BuildResult(int(code_file.read_text()), log_file.read_text())


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: BuildResult):
    """Serve _build/html on 127.0.0.1 (an ephemeral port) for the browser tests."""
    if built_site.returncode != 0:
        pytest.fail("the book did not build; see test_book_builds_without_warnings")
    server = http.server.ThreadingHTTPServer(
        (LOCAL_HOST, 0), functools.partial(_QuietHandler, directory=str(HTML))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOCAL_HOST}:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright, unable to resolve any host but 127.0.0.1."""
    if not CHROMIUM.exists():
        pytest.fail("browser tests need Debian's chromium: apt-get install chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {LOCAL_HOST}",
            ],
        )
        yield launched
        launched.close()


@dataclass
class PageLog:
    """Everything a page did while loading: the evidence the browser tests assert on."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)
    bytes_loaded: int = 0

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed]
            + [f"request to another host: {m}" for m in self.off_host]
        )


@pytest.fixture
def open_page(browser, site_url):
    """Open a page of the site in a fresh context; return (page, log). Other hosts are blocked."""
    contexts = []

    def _open(path: str, *, wait_ms: int = 500):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        log = PageLog()

        def route(route):
            if urlparse(route.request.url).hostname == LOCAL_HOST:
                route.continue_()
            else:
                log.off_host.append(route.request.url)
                route.abort()

        def on_response(response):
            if response.status >= 400:
                log.failed.append(f"HTTP {response.status} {response.url}")

        def on_finished(request):
            sizes = request.sizes()
            log.bytes_loaded += sizes["responseBodySize"]

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))
        page.on("requestfailed", lambda r: urlparse(r.url).hostname == LOCAL_HOST and log.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", on_response)
        page.on("requestfinished", on_finished)
        page.goto(site_url + path, wait_until="networkidle")
        page.wait_for_timeout(wait_ms)
        return page, log

    yield _open
    for context in contexts:
        context.close()


def screenshot_dir() -> Path:
    """Where browser tests leave screenshots for people to look at."""
    target = BUILD / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


def chapter_names() -> list[str]:
    """Chapter stems, e.g. ``01-model``, from the MyST sources."""
    return sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))


def site_pages() -> list[str]:
    """Every page the site must serve, known before the build: one per chapter plus the fixed ones."""
    return ["index.html", "intro.html", "references.html", "genindex.html", "search.html"] + [
        f"chapters/{name}.html" for name in chapter_names()
    ]

