"""Every page of the built site loads offline without errors, and axe-core finds no critical or serious violation.

Every page is opened in the theme's light and dark mode, at desktop (1280 px) and phone
(390 px) width, with every host but 127.0.0.1 blocked: no request may leave the site or fail,
and no console or page error may occur (a screenshot of each view lands in
``_build/screenshots/`` for people to look at). axe-core is pinned in package.json
(``tools/audit_axe.py``) and runs on each view with its interactive
figures rendered and their sliders named (``show_widgets`` waits for the widget runtime's
ready mark; ``tests/test_widgets_browser.py`` also runs axe inside the widgets after moving
every slider). Minor and moderate findings are reported by ``make audit`` (benchmarks/AUDIT.md);
the README says which are left and why.
"""

from __future__ import annotations

import io
import re
import urllib.request

import pytest
from conftest import HTML, ROOT, screenshot_dir, site_pages
from PIL import Image

from tools.audit_axe import axe_version, axe_violations, blocking
from tools.browser import COLOR_MODES, DESKTOP, PHONE, show_widgets

pytestmark = pytest.mark.project

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("mode", COLOR_MODES)
@pytest.mark.parametrize("path", site_pages())
def test_page_loads_offline_and_has_no_serious_axe_violations(open_page, path, mode, width):
    page, log = open_page(path, wait_ms=300, viewport=WIDTHS[width], color_mode=mode)
    show_widgets(page)  # rendered widgets are part of the page (the maths is typeset at build time)
    assert page.evaluate("document.documentElement.dataset.theme") == mode, "the colour mode was not applied"
    page.screenshot(path=str(screenshot_dir() / f"{path.replace('/', '_')}-{mode}-{width}.png"))
    assert log.problems() == []
    assert log.bytes_loaded > 0
    found = axe_violations(page)
    assert blocking(found) == [], f"axe-core {axe_version()}:\n" + "\n".join(map(str, blocking(found)))


def test_axe_sees_violations(open_page):
    """The check can fail: a page with a nameless button and unreadable text is caught."""
    page, _ = open_page("intro.html", wait_ms=0)
    page.evaluate("""() => {
      const b = document.createElement('button'); b.innerHTML = '<svg width="10" height="10"></svg>';
      const t = document.createElement('p'); t.textContent = 'faint'; t.style.color = '#eee';
      document.querySelector('main').append(b, t);
    }""")
    rules = {v.rule for v in blocking(axe_violations(page))}
    assert {"button-name", "color-contrast"} <= rules


def test_front_page_is_a_page(built_site, open_page):
    """index.html (a redirect to the first page) has a language and a title; axe finds it clean."""
    text = (HTML / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="en">', text)
    assert re.search(r"<title>[^<]+</title>", text)
    (target,) = re.findall(r'http-equiv="Refresh" content="0; url=([^"]+)"', text)
    assert (HTML / target).is_file()
    # axe on the page itself, before it redirects: serve it without the refresh.
    page, _ = open_page("genindex.html", wait_ms=0)
    page.route("**/index.html", lambda route: route.fulfill(
        status=200, content_type="text/html", body=re.sub(r"<meta http-equiv[^>]*>", "", text)))
    page.goto(page.url.replace("genindex.html", "index.html"))
    assert page.title()
    assert blocking(axe_violations(page)) == []


def test_every_page_has_an_icon(site_url, built_site):
    """Pages name the site's icon; /favicon.ico (asked for by pages that name none) is that icon."""
    for path in site_pages():
        if path != "index.html":
            assert 'rel="icon"' in (HTML / path).read_text(encoding="utf-8"), f"{path} names no icon"
    with urllib.request.urlopen(site_url + "favicon.ico") as response:
        data = response.read()
    assert data[:4] == b"\x00\x00\x01\x00", "favicon.ico is not an ICO file"
    with Image.open(io.BytesIO(data)) as ico, Image.open(ROOT / "_static" / "favicon.png") as png:
        assert ico.format == "ICO"
        assert ico.size[0] >= 16 and abs(ico.size[0] / ico.size[1] - png.size[0] / png.size[1]) < 0.01
