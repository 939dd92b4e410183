"""Shared fixtures: the built site, a local web server and a headless Chromium with the network cut."""

from __future__ import annotations

import fcntl
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tools import browser as browser_tools

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"

# Project-level checks need the book's tool chain; they carry the marker ``project``: a whole file
# by its line ``pytestmark = pytest.mark.project``, a single test by asking for the built site or a
# browser. ``-m "not project"`` (make test-oldest, test-colab) then does not even import such a file,
# since its imports (jupytext, yaml, nbformat, ...) are missing there.
PROJECT_FILE = re.compile(r"^pytestmark = pytest\.mark\.project\b", re.MULTILINE)
PROJECT_FIXTURES = {"built_site", "site_url", "browser", "open_page"}


def pytest_ignore_collect(collection_path: Path, config):
    if (
        collection_path.suffix == ".py"
        and "not project" in (config.getoption("markexpr") or "")
        and PROJECT_FILE.search(collection_path.read_text(encoding="utf-8"))
    ):
        return True
    return None


def pytest_collection_modifyitems(items):
    for item in items:
        if PROJECT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.project)


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
            from tools.notebooks import book_command

            proc = subprocess.run(book_command(), capture_output=True, text=True, cwd=ROOT, check=False)
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
    """Open a page of the site in a fresh context; return (page, PageLog). Other hosts are blocked.

    Keywords: ``wait_ms``, ``viewport`` (``tools.browser.DESKTOP`` or ``PHONE``), ``color_mode``.
    """
    pages = []

    def _open(path: str, *, wait_ms: int = 500, viewport=browser_tools.DESKTOP, color_mode=None):
        page, log = browser_tools.open_page(
            browser, site_url + path, wait_ms=wait_ms, viewport=viewport, color_mode=color_mode
        )
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


def gen(seed: int = 0) -> Any:
    """A seeded ``torch.Generator``: the tests' data never depend on torch's global random state."""
    import torch  # here, not at the top: the project-level checks need no torch

    return torch.Generator().manual_seed(seed)


def numpy_least_squares(X: Any, y: Any) -> tuple[Any, float, int]:
    """The independent truth for a fit: NumPy's minimum-norm least squares with an intercept, in float64.

    ``X`` (n, d) and ``y`` (n,) may be tensors on the CPU or arrays; returns ``(w, b, rank)``.
    """
    import numpy as np

    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    theta, _, rank, _ = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)
    return theta[:-1], float(theta[-1]), int(rank)


def imported_by(statement: str, module: str) -> bool:
    """Whether running ``statement`` in a fresh interpreter imports ``module`` (import-time weight)."""
    import sys

    code = f"import sys; {statement}; print({module!r} in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.strip() == "True"


@pytest.fixture
def close_figures():
    """Close every pyplot figure after the test (``pytestmark = pytest.mark.usefixtures(...)``)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def one_feature_data(n: int = 25, seed: int = 0) -> tuple[Any, Any]:
    """Noisy points around y = 1.5 x - 1 with x in [1, 4]: the one-feature data of chapters 2 and 5's helpers."""
    import torch  # here, not at the top: the project-level checks need no torch

    g = torch.Generator().manual_seed(seed)
    x = 1 + 3 * torch.rand(n, generator=g)
    y = 1.5 * x - 1 + 0.5 * torch.randn(n, generator=g)
    return x, y


def forbid_reading_values(monkeypatch: Any) -> None:
    """Make every way of reading a tensor's values into Python raise, and check that the trap works.

    On a GPU each such read is a host-device synchronisation, which per-step helpers (linreg,
    squared_loss, sgd) must not do; ``monkeypatch.undo()`` lifts the trap.
    """
    import torch  # here, not at the top: the project-level checks need no torch

    def read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a per-step helper read a tensor's values (on a GPU: the host waits for the device)")

    for method in ("__bool__", "__float__", "__int__", "__index__", "item", "tolist", "numpy"):
        monkeypatch.setattr(torch.Tensor, method, read)
    with pytest.raises(AssertionError, match="read a tensor's values"):  # the trap works
        bool(torch.ones(1).isfinite().all())


def png_rgb(png: bytes) -> Any:
    """A PNG's pixels as PIL reads them back: an (height, width, 3) array of ints, ready for colour arithmetic."""
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def without_matmul(monkeypatch: Any) -> None:
    """Make every matrix product fail as torch 2.1's float16 one does on the CPU (d2lmini's lower bound)."""
    import torch

    def matmul(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("\"addmv_impl_cpu\" not implemented for 'Half'")

    monkeypatch.setattr(torch.Tensor, "__matmul__", matmul)


def half_matmul_on_cpu() -> bool:
    """Whether this torch multiplies float16 matrices on the CPU (torch 2.1 does not)."""
    import torch

    try:
        torch.ones(1, 1, dtype=torch.float16) @ torch.ones(1, dtype=torch.float16)
    except RuntimeError:
        return False
    return True
