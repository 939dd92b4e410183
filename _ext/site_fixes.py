"""Sphinx extension: accessibility and weight fixes to the pages the theme builds.

* **Maths typeset at build time.** After the build, ``web/typeset-maths.js`` (node, with the
  pinned ``mathjax`` npm package and its liteDOM adaptor) turns every ``\\(...\\)`` and
  ``\\[...\\]`` maths node into MathJax 3's CHTML output with the assistive MathML screen
  readers read, and links the CHTML stylesheet (``mathjax/chtml.css``, local fonts) from the
  pages with maths. No page loads MathJax's JavaScript: the first paint already shows the
  typeset equations (no layout shift), and the phone's main thread has nothing to typeset.
  Sphinx's MathJax scripts are dropped from every page.
* **Citations are list items.** docutils writes the bibliography as ``role="list"`` holding
  ``role="doc-biblioentry"`` entries: a list with no list items for assistive technology (axe:
  critical), and a role ARIA 1.3 deprecates. The entries become ``role="listitem"``.
* **"Solution to Exercise N".** sphinx-exercise puts the space inside the link, so the link's
  underline starts with it; the space moves before the link.
* **Smaller stylesheets.** Every stylesheet in ``<head>`` blocks the first paint, and the
  theme's (Bootstrap 5 and all of Font Awesome's icon classes) is 0.4 MB. After the build, the
  rules of the theme's, myst-nb's (mostly ANSI colours), Sphinx's ``basic.css``, Pygments' and
  MathJax's stylesheets whose every selector names a class that appears on no page and in no
  script a page loads are dropped (0.51 MB → 0.17 MB); rules without classes, ``@font-face`` and
  ``@keyframes`` stay.
* **Display equations fit a phone.** MathJax 3 does not break lines; on pages with maths a small
  inline script at the end of the body shrinks each display equation wider than its column (to
  70 % at most), and again on resize; one that still overflows scrolls in its own box, made
  keyboard-focusable so it can be scrolled without a mouse (axe scrollable-region-focusable).
  It reads every equation's widths in one pass and then writes, so a page costs one layout,
  not one per equation (CHTML sizes everything in em, so the width scales with the font size).
* **Widget state beside the page, not in it.** myst-nb writes a page's saved widget state (every
  frame of its slider figures) into ``<head>``, where all of it must download before the first
  paint; it moves to ``<page>.widgets.js``, loaded with the widget runtime when a figure nears the
  screen (:func:`externalise_widget_state`).
* **A real ``index.html``.** sphinx-external-toc writes a bare ``<meta http-equiv="Refresh">``
  file (no ``<title>``, no ``lang``). This writes a small page with both, the same redirect, and
  a link for browsers that block it; sphinx-external-toc keeps an existing ``index.html``.
* **A ``/favicon.ico``.** A page that names no icon (the redirect, which leaves before an icon
  it named could load) makes browsers ask for ``/favicon.ico``; the site's icon is written
  there too, as a real ICO file.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

INDEX = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta http-equiv="Refresh" content="0; url={target}">
</head>
<body>
<main>
<h1>{title}</h1>
<p><a href="{target}">Open the course</a>.</p>
</main>
</body>
</html>
"""


CSS_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
WORD = re.compile(r"[\w-]+")
NOT = re.compile(r":not\([^()]*\)")
GROUPING = (":is(", ":where(", ":has(", "\\")


def _block_end(css: str, start: int) -> int:
    """Index just past the ``}`` closing the block whose ``{`` is at ``start``."""
    depth, i, n = 0, start, len(css)
    while i < n:
        c = css[i]
        if c in "\"'":
            i = css.index(c, i + 1)
        elif css.startswith("/*", i):
            i = css.index("*/", i) + 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced braces in stylesheet")


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, last = [], 0, 0
    for i, c in enumerate(prelude):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(prelude[last:i])
            last = i + 1
    parts.append(prelude[last:])
    return parts


def purge_css(css: str, used: set[str]) -> str:
    """``css`` without the style rules whose every selector names a class outside ``used``.

    A class inside ``:not()`` does not count; selectors with ``:is()``, ``:where()``, ``:has()``
    or an escaped character are kept whole, and so are ``@font-face``, ``@keyframes`` and the
    like; Bootstrap's ``bs-`` classes, which its script builds from pieces, are always kept.
    """

    def is_used(name: str) -> bool:
        return name in used or name.startswith("bs-")

    def keep(selector: str) -> bool:
        if any(g in selector for g in GROUPING):
            return True
        return all(is_used(name) for name in CSS_CLASS.findall(NOT.sub("", selector)))

    def walk(text: str) -> str:
        out, i, n = [], 0, len(text)
        while i < n:
            if text.startswith("/*", i):
                end = text.index("*/", i) + 2
                if text.startswith("/*!", i):
                    out.append(text[i:end])  # licence comments stay
                i = end
                continue
            brace, semi = text.find("{", i), text.find(";", i)
            if brace == -1 or (semi != -1 and semi < brace and text[i:semi].lstrip().startswith("@")):
                end = n if semi == -1 else semi + 1
                out.append(text[i:end])
                i = end
                continue
            prelude, end = text[i:brace], _block_end(text, brace)
            head = prelude.strip()
            if head.startswith(("@media", "@supports", "@layer", "@container")):
                inner = walk(text[brace + 1:end - 1])
                if inner.strip():
                    out.append(f"{prelude}{{{inner}}}")
            elif head.startswith("@"):
                out.append(text[i:end])
            else:
                kept = [s for s in _split_selectors(prelude) if keep(s)]
                if kept:
                    out.append(",".join(kept) + text[brace:end])
            i = end
        return "".join(out)

    return walk(css)


SCRIPT_SRC = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"?#]+\.js)')
PURGED_STYLESHEETS = (
    "_static/styles/pydata-sphinx-theme.css", "_static/styles/sphinx-book-theme.css", "_static/mystnb.*.css",
    "_static/basic.css", "_static/pygments.css", "mathjax/chtml.css",
)


def purge_theme_css(outdir: Path) -> None:
    """Shrink the theme's render-blocking stylesheets to the rules this site can use.

    "Used" is every word of every built page and of every script a page loads (the widget
    runtime too, which ``widgets/loader.js`` fetches): the classes the theme's, Bootstrap's and
    Sphinx's scripts add at run time are written in them.
    """
    used: set[str] = set()
    scripts: set[Path] = set()
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        used.update(WORD.findall(text))
        scripts.update((page.parent / src).resolve() for src in SCRIPT_SRC.findall(text))
    scripts.update(outdir.resolve().glob("widgets/widgets.js"))
    for script in scripts:
        if script.is_file() and "mathjax" not in script.parts:
            used.update(WORD.findall(script.read_text(encoding="utf-8", errors="replace")))
    for sheet in (found for pattern in PURGED_STYLESHEETS for found in sorted(outdir.glob(pattern))):
        if sheet.is_file():
            css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/\s*$", "", sheet.read_text(encoding="utf-8"))
            sheet.write_text(purge_css(css, used), encoding="utf-8")


SOLUTION_TITLE = re.compile(r"(Solution to)(<a [^>]*>) ")

FIT_EQUATIONS = """
(() => {
  const fit = () => {
    const eqs = [...document.querySelectorAll('.bd-content div.math > mjx-container')];
    // The scale goes on the maths inside, so the container keeps its own size (chtml.css).
    for (const eq of eqs) eq.firstElementChild.style.fontSize = '';
    // One layout for the page: every read first, then every write.
    const widths = eqs.map((eq) => [eq.clientWidth, eq.scrollWidth]);
    eqs.forEach((eq, i) => {
      const [room, need] = widths[i];
      const scale = need > room + 1 ? Math.max(0.7, room / need) : 1;
      if (scale < 1) eq.firstElementChild.style.fontSize = (100 * scale).toFixed(2) + '%';
      if (need * scale > room + 1) {
        eq.tabIndex = 0;
      } else if (eq.hasAttribute('tabindex')) {
        eq.removeAttribute('tabindex');
      }
    });
  };
  let pending = null;
  fit();
  window.addEventListener('resize', () => { cancelAnimationFrame(pending); pending = requestAnimationFrame(fit); });
})();
"""

TYPESET_MATHS = Path(__file__).resolve().parent.parent / "web" / "typeset-maths.js"


def typeset_maths(outdir: Path) -> None:
    """Typeset every page's maths into CHTML with assistive MathML (``web/typeset-maths.js``)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("site_fixes: `node` is not on PATH; it typesets the maths (install Node.js 20)")
    done = subprocess.run([node, str(TYPESET_MATHS), str(outdir)], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"site_fixes: typesetting the maths failed:\n{done.stderr.strip()}")
    logger.info("site_fixes: maths typeset at build time %s", done.stdout.strip())


def _has_math(doctree: nodes.document | None) -> bool:
    if doctree is None:
        return False
    return any(True for _ in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))))


def _is_mathjax(script, mathjax_path: str) -> bool:
    """MathJax itself, or the inline ``window.MathJax = {...}`` configuration Sphinx puts before it."""
    body = getattr(script, "attributes", {}).get("body", "")
    return mathjax_path in str(getattr(script, "filename", "") or "") or body.startswith("window.MathJax")


def externalise_widget_state(outdir: Path, pagename: str, scripts: list) -> None:
    """Move a page's saved widget state out of its ``<head>`` into ``<page>.widgets.js`` beside it.

    The state holds every frame of the page's slider figures (hundreds of kB); left in the
    ``<head>``, all of it downloads before the first paint.  The tag stays, empty, with the
    file's name in ``data-src``: ``widgets/loader.js`` loads the file with the runtime when a
    figure nears the screen.  A script file, not JSON for ``fetch``, so that the site also works
    opened from a folder (``file://``), where browsers refuse ``fetch``.
    """
    for k, script in enumerate(scripts):
        attributes = getattr(script, "attributes", {})
        if attributes.get("type") != WIDGET_STATE or not attributes.get("body"):
            continue
        target = outdir / f"{pagename}.widgets.js"
        target.parent.mkdir(parents=True, exist_ok=True)
        # myst-nb has escaped "</script" in the JSON; JSON is a JavaScript expression.
        target.write_text(f"window.d2lWidgetState = {attributes['body']};\n", encoding="utf-8")
        scripts[k] = type(script)("", priority=script.priority, type=WIDGET_STATE, **{"data-src": target.name})


def page_fixes(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "script_files" in context:
        externalise_widget_state(Path(app.outdir), pagename, context["script_files"])
    mathjax = app.config.mathjax_path
    if "script_files" in context and mathjax:
        # The maths is typeset after the build (typeset_maths): no page loads MathJax.
        context["script_files"] = [s for s in context["script_files"] if not _is_mathjax(s, mathjax)]
    if _has_math(doctree):
        # At the end of the page's body, after every equation: costs no request.
        context["body"] = context.get("body", "") + f"<script>{FIT_EQUATIONS}</script>\n"
    body = context.get("body")
    if body:
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
        context["body"] = SOLUTION_TITLE.sub(r"\1 \2", body)


def write_index(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    typeset_maths(Path(app.outdir))
    if app.config.root_doc == "index":
        return
    page = INDEX.format(
        lang=html.escape(app.config.language or "en"),
        title=html.escape(app.config.html_title or app.config.project),
        target=html.escape(f"{app.config.root_doc}.html"),
    )
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")
    favicon = Path(app.confdir) / (app.config.html_favicon or "")
    if app.config.html_favicon and favicon.is_file():
        from PIL import Image  # matplotlib's dependency, so in every environment that builds the book

        with Image.open(favicon) as icon:
            icon.save(Path(app.outdir) / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


def purge_stylesheets(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        purge_theme_css(Path(app.outdir))


def setup(app: Sphinx) -> dict:
    # After sphinx.ext.mathjax adds its script (default priority 500).
    app.connect("html-page-context", page_fixes, priority=900)
    # Before sphinx-external-toc writes its bare redirect (default priority 500).
    app.connect("build-finished", write_index, priority=400)
    # After every other extension has written its static files (myst-nb copies its stylesheet
    # when the build finishes, at the default priority 500) and after the maths is typeset.
    app.connect("build-finished", purge_stylesheets, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
