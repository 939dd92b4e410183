"""Sphinx extension: accessibility and weight fixes to the pages the theme builds.

* **MathJax only where there is maths.** Sphinx decides per page, but counts every page a
  toctree includes, so the front page (whose toctree holds every chapter) loaded MathJax
  (1.2 MB) without a single equation. Here a page keeps MathJax only if its own doctree has a
  ``math`` or ``math_block`` node.
* **Citations are list items.** docutils writes the bibliography as ``role="list"`` holding
  ``role="doc-biblioentry"`` entries: a list with no list items for assistive technology (axe:
  critical), and a role ARIA 1.3 deprecates. The entries become ``role="listitem"``.
* **"Solution to Exercise N".** sphinx-exercise puts the space inside the link, so the link's
  underline starts with it; the space moves before the link.
* **Display equations fit a phone.** MathJax 3 does not break lines; on pages with maths a small
  inline script shrinks each display equation wider than its column (to 70 % at most) once
  MathJax has typeset it (and again on resize); one that still overflows scrolls in its own
  box, made keyboard-focusable so it can be scrolled without a mouse (axe
  scrollable-region-focusable).
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
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

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


SOLUTION_TITLE = re.compile(r"(Solution to)(<a [^>]*>) ")

FIT_EQUATIONS = """
(() => {
  const fit = () => {
    for (const eq of document.querySelectorAll('.bd-content div.math > mjx-container')) {
      // MathJax sets its own font-size (matching the text's x-height): scale relative to it.
      if (!eq.dataset.fontSize) eq.dataset.fontSize = parseFloat(eq.style.fontSize) || 100;
      const base = Number(eq.dataset.fontSize);
      eq.style.fontSize = base + '%';
      const room = eq.clientWidth, need = eq.scrollWidth;
      if (need > room + 1) eq.style.fontSize = base * Math.max(0.7, room / need) + '%';
      if (eq.scrollWidth > eq.clientWidth + 1) {
        eq.tabIndex = 0;
      } else if (eq.hasAttribute('tabindex')) {
        eq.removeAttribute('tabindex');
      }
    }
  };
  let pending = null;
  const refit = () => { cancelAnimationFrame(pending); pending = requestAnimationFrame(fit); };
  document.addEventListener('DOMContentLoaded', () => {
    const ready = window.MathJax && MathJax.startup && MathJax.startup.promise;
    (ready || Promise.resolve()).then(fit);
    window.addEventListener('resize', refit);
  });
})();
"""


def _has_math(doctree: nodes.document | None) -> bool:
    if doctree is None:
        return False
    return any(True for _ in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))))


def _is_mathjax(script, mathjax_path: str) -> bool:
    """MathJax itself, or the inline ``window.MathJax = {...}`` configuration Sphinx puts before it."""
    body = getattr(script, "attributes", {}).get("body", "")
    return mathjax_path in str(getattr(script, "filename", "") or "") or body.startswith("window.MathJax")


def page_fixes(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    mathjax = app.config.mathjax_path
    if "script_files" in context and mathjax:
        if _has_math(doctree):
            # At the end of the page's body: runs before DOMContentLoaded, costs no request.
            context["body"] = context.get("body", "") + f"<script>{FIT_EQUATIONS}</script>\n"
        else:
            context["script_files"] = [s for s in context["script_files"] if not _is_mathjax(s, mathjax)]
    body = context.get("body")
    if body:
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
        context["body"] = SOLUTION_TITLE.sub(r"\1 \2", body)


def write_index(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
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


def setup(app: Sphinx) -> dict:
    # After sphinx.ext.mathjax adds its script (default priority 500).
    app.connect("html-page-context", page_fixes, priority=900)
    # Before sphinx-external-toc writes its bare redirect (default priority 500).
    app.connect("build-finished", write_index, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
