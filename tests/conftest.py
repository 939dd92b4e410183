"""Shared fixtures: the built site, a local web server and a headless Chromium with the network cut."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools import browser as browser_tools  # noqa: E402

BUILD = ROOT / "_build"
HTML = BUILD / "html"


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


@pytest.fixture(scope="session")
def site_url(built_site: BuildResult):
    """Serve _build/html on 127.0.0.1 (an ephemeral port) for the browser tests."""
    if built_site.returncode != 0:
        pytest.fail("the book did not build; see test_book_builds_without_warnings")
    with browser_tools.serve(HTML) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright, unable to resolve any host but 127.0.0.1."""
    try:
        with browser_tools.chromium() as launched:
            yield launched
    except FileNotFoundError as missing:
        pytest.fail(str(missing))


@pytest.fixture
def open_page(browser, site_url):
    """Open a page of the site in a fresh context; return (page, PageLog). Other hosts are blocked."""
    pages = []

    def _open(path: str, *, wait_ms: int = 500):
        page, log = browser_tools.open_page(browser, site_url + path, wait_ms=wait_ms)
        pages.append(page)
        return page, log

    yield _open
    for page in pages:
        page.context.close()


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

