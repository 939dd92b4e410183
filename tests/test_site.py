"""The book builds with warnings as errors, and every page works offline in headless Chromium."""

from __future__ import annotations

import re
import urllib.request

import pytest
import yaml
from conftest import HTML, ROOT, chapter_names, screenshot_dir, site_pages

pytestmark = pytest.mark.project

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
BRANCH = CONFIG["repository"]["branch"]


def test_book_builds_without_warnings(built_site):
    assert built_site.returncode == 0, built_site.log[-3000:]
    warnings = [line for line in built_site.log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert warnings == []


def test_every_toc_chapter_has_a_page(built_site):
    for name in chapter_names():
        assert (HTML / "chapters" / f"{name}.html").exists(), f"chapters/{name} is missing from _toc.yml"


def test_no_page_references_a_cdn(built_site):
    """Scripts, styles and fonts referenced by the HTML must all be local."""
    external = re.compile(r"""(?:src|href)=["'](https?://[^"']+\.(?:js|css|woff2?|ttf))["']""")
    offenders = {
        page.relative_to(HTML).as_posix(): external.findall(page.read_text(encoding="utf-8"))
        for page in HTML.rglob("*.html")
    }
    assert {page: urls for page, urls in offenders.items() if urls} == {}


@pytest.mark.parametrize("path", site_pages())
def test_page_loads_offline_without_errors(open_page, path):
    page, log = open_page(path)
    page.screenshot(path=str(screenshot_dir() / (path.replace("/", "_") + ".png")))
    assert log.problems() == []
    assert log.bytes_loaded > 0


@pytest.mark.parametrize("name", chapter_names())
def test_equations_are_rendered_by_mathjax(open_page, name):
    page, _log = open_page(f"chapters/{name}.html")
    math_nodes = page.locator("div.math, span.math").count()
    unrendered = page.locator("div.math:not(:has(mjx-container)), span.math:not(:has(mjx-container))").count()
    writes_math = "$" in (ROOT / "chapters" / f"{name}.md").read_text()
    assert (math_nodes > 0) == writes_math, f"{math_nodes} math nodes on the page, math in the source: {writes_math}"
    assert unrendered == 0, f"{unrendered} of {math_nodes} math nodes were not typeset"
    assert page.locator("mjx-container mjx-merror").count() == 0, "MathJax reported a TeX error"


@pytest.mark.parametrize("name", chapter_names())
def test_launch_and_download_links(open_page, site_url, name):
    page, _ = open_page(f"chapters/{name}.html")
    notebook = f"notebooks/{name}.ipynb"  # the reader notebook (tests/test_reader_notebooks.py)
    expected = {
        "colab": f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook}",
        "studiolab": f"https://studiolab.sagemaker.aws/import/github/{REPO}/blob/{BRANCH}/{notebook}",
        "binder": f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=tree/{notebook}",
    }
    hrefs = [a.get_attribute("href") for a in page.locator("a").all()]
    for platform, url in expected.items():
        assert url in hrefs, f"no {platform} link to {url}"
    assert (ROOT / notebook).exists()
    assert (ROOT / "binder" / "requirements.txt").exists(), "the Binder link needs binder/ (see README)"
    for suffix in (".ipynb", ".md"):
        link = page.locator(f"a[href$='_sources/chapters/{name}{suffix}']")
        assert link.count() == 1, f"no download link for {suffix}"
        with urllib.request.urlopen(site_url + f"_sources/chapters/{name}{suffix}") as response:
            served = ROOT / ("notebooks" if suffix == ".ipynb" else "chapters") / f"{name}{suffix}"
            assert response.read() == served.read_bytes()


WIDGET_STATE_TAG = re.compile(
    r'<script data-src="([^"]+)" type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.DOTALL
)


def test_widget_state_sits_beside_the_page_not_in_its_head(built_site):
    """The frames of a page's figures download with the widget runtime, not before the first paint.

    Truth: the widget state saved in the chapter's executed notebook.
    """
    import json

    checked = 0
    for name in chapter_names():
        nb = json.loads((ROOT / "chapters" / f"{name}.ipynb").read_text(encoding="utf-8"))
        saved = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json")
        text = (HTML / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        tags = WIDGET_STATE_TAG.findall(text)
        if saved is None:
            assert "widget-state+json" not in text, name
            continue
        assert len(tags) == 1 and tags[0] == (f"{name}.widgets.js", ""), f"{name}: {[t[0] for t in tags]}"
        script = (HTML / "chapters" / tags[0][0]).read_text(encoding="utf-8")
        prefix = "window.d2lWidgetState = "
        assert script.startswith(prefix) and script.endswith(";\n")
        assert json.loads(script[len(prefix):-2].replace("<\\/", "</")) == saved
        checked += 1
    assert checked >= 7  # chapters 01-04, 06, 07 and 09 have figures


def test_figures_work_from_a_folder_without_a_server(built_site, browser):
    """A classroom may open the site from a USB stick: file://, where a page may not fetch()."""
    from tools.browser import show_widgets

    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((HTML / "chapters" / "04-sgd.html").as_uri())
        assert show_widgets(page) == 2
        shown = page.locator(".d2l-slider-figure img.d2l-frame").evaluate_all(
            "imgs => imgs.filter(i => i.offsetParent !== null && i.complete && i.naturalWidth > 0).length"
        )
        assert shown == 2 and errors == []
    finally:
        page.close()
