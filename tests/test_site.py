"""The book builds with warnings as errors; its maths, links, fonts, code and figures work offline in headless Chromium.

Every page's own offline load (no failed or off-site request, no console error) is checked in
tests/test_accessibility.py, in both colour modes at both widths, together with axe-core.
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import HTML, ROOT, chapter_names

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


@pytest.mark.parametrize("name", chapter_names())
def test_equations_are_rendered_by_mathjax(open_page, name):
    """Every equation is typeset; those in closed hint and solution boxes once the reader opens one.

    Until then such an equation is its MathML, and its typeset form waits in ``<page>.maths.js``.
    """
    page, log = open_page(f"chapters/{name}.html")
    boxes = page.locator(".dropdown.admonition")
    later = page.locator(".d2l-math-later")
    assert later.count() == page.locator(".dropdown.admonition .d2l-math-later").count()
    assert later.count() == later.locator("math").count()
    assert not any(url.endswith(".maths.js") for url, _ in log.resources)
    if later.count():
        boxes.first.locator(".toggle-button").click()
        page.wait_for_function("document.querySelectorAll('.d2l-math-later').length === 0")
        # The browser's own record: the test's request log may hear of the response only after the script ran.
        fetches = f"performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/{name}.maths.js')).length"
        assert page.evaluate(fetches) == 1
    for k in range(boxes.count()):
        if "toggle-hidden" in (boxes.nth(k).get_attribute("class") or ""):
            boxes.nth(k).locator(".toggle-button").click()
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


FONT_FACE = re.compile(r"@font-face[^{]*\{([^}]*)\}")
FONT_SRC = re.compile(r"""url\(["']?([^"')]+)["']?\)""")
CSS_STRING = re.compile(r'content\s*:\s*"((?:[^"\\]|\\.)*)"|--[\w-]+\s*:\s*"((?:[^"\\]|\\.)*)"')


def _drawn(css: str) -> set[str]:
    """Characters written in ``content`` and custom-property strings (an independent reading)."""
    chars: set[str] = set()
    for a, b in CSS_STRING.findall(css):
        text = re.sub(r"\\([0-9a-fA-F]{1,6}) ?", lambda m: chr(int(m.group(1), 16)), a or b)
        chars.update(re.sub(r"\\(.)", r"\1", text))
    return chars


def test_web_fonts_are_small_and_hold_every_glyph_the_stylesheets_draw(built_site):
    """The build cuts Font Awesome and MathJax's fonts down to the characters the CSS draws.

    Truth: every icon (a private-use character) the stylesheets draw is in an icon font the
    site declares, and every character of MathJax's stylesheet is in one of its fonts.
    """
    from fontTools.ttLib import TTFont

    def fonts(sheet: Path) -> dict[Path, set[int]]:
        found = {}
        for body in FONT_FACE.findall(sheet.read_text(encoding="utf-8")):
            urls = FONT_SRC.findall(body)
            assert len(urls) == 1 and urls[0].endswith(".woff"), (sheet, urls)
            path = (sheet.parent / urls[0]).resolve()
            assert path.is_file(), path
            assert path.stat().st_size < 40_000, f"{path.name}: {path.stat().st_size} bytes"
            found[path] = set(TTFont(path).getBestCmap() or {})  # MathJax_Zero: no character at all
        return found

    theme = HTML / "_static" / "styles" / "pydata-sphinx-theme.css"
    icon_fonts = fonts(theme)
    icons = {ord(c) for sheet in HTML.rglob("*.css") for c in _drawn(sheet.read_text(encoding="utf-8"))
             if 0xE000 <= ord(c) <= 0xF8FF}
    assert len(icons) >= 10 and icons <= set().union(*icon_fonts.values()), sorted(map(hex, icons))
    chtml = HTML / "mathjax" / "chtml.css"
    maths = {ord(c) for c in _drawn(chtml.read_text(encoding="utf-8"))}
    assert len(maths) >= 50
    assert maths <= set().union(*fonts(chtml).values()), sorted(map(hex, maths - set().union(*fonts(chtml).values())))


def test_code_blocks_drop_plain_token_spans_but_look_the_same(built_site, open_page):
    """Names and punctuation lose their <span>; they must still have the colour their span gave.

    Truth: Pygments' own stylesheet as Sphinx wrote it (the rule for ``.n``, a name), against the
    colour the browser draws the unwrapped text in; numbers (``.mi``) keep a colour of their own.
    """
    text = (HTML / "chapters" / "04-sgd.html").read_text(encoding="utf-8")
    assert '<span class="n">' not in text and '<span class="p">' not in text
    assert text.count('<span class="mi">') > 20
    for mode in ("light", "dark"):
        page, _ = open_page("chapters/04-sgd.html", color_mode=mode)
        pre, number = page.evaluate("""() => {
            const pre = document.querySelector('.cell_input div.highlight pre');
            const mi = pre.querySelector('span.mi');
            return [getComputedStyle(pre).color, getComputedStyle(mi).color];
        }""")
        name_colour = page.evaluate(f"""() => {{
            const probe = document.createElement('span');
            probe.className = 'n';
            document.querySelector('html[data-theme="{mode}"] .cell_input div.highlight pre').append(probe);
            return getComputedStyle(probe).color;
        }}""")
        assert pre == name_colour, mode
        assert number != pre, mode
        page.context.close()


def test_figures_load_lazily_at_their_own_size(built_site):
    """Chapter figures wait until the reader nears them, with width and height the PNG's own."""
    from PIL import Image

    checked = 0
    for name in chapter_names():
        text = (HTML / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        for tag in re.findall(r'<img [^>]*src="\.\./_images/[^"]+"[^>]*>', text):
            src = re.search(r'src="\.\./(_images/[^"]+)"', tag).group(1)
            with Image.open(HTML / src) as image:
                size = f'width="{image.width}" height="{image.height}"'
            assert 'loading="lazy"' in tag and size in tag, tag[:160]
            checked += 1
    assert checked >= 15  # 19 figures when this was written
