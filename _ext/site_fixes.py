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
  script a page loads are dropped, then the custom properties nothing reads (0.51 MB → 0.15 MB);
  rules without classes, ``@font-face`` and ``@keyframes`` stay (:func:`lighten_site`).
* **Lighter pages and fonts** (:func:`lighten_site`): code blocks drop the ``<span>`` of tokens
  drawn like the code around them; the maths of closed hint and solution boxes waits in
  ``<page>.maths.js`` until the reader opens one (:func:`defer_hidden_maths`); figures load
  lazily with their size reserved; Font Awesome and MathJax's fonts keep only the characters the
  stylesheets draw.
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
import json
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
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


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


def purge_css(css: str, used: set[str], unused_parts: tuple[str, ...] = ()) -> str:
    """``css`` without the style rules whose every selector names a class outside ``used``.

    A class inside ``:not()`` does not count; selectors with ``:is()``, ``:where()``, ``:has()``
    or an escaped character are kept whole, and so are ``@font-face``, ``@keyframes`` and the
    like; Bootstrap's ``bs-`` classes, which its script builds from pieces, are kept unless they
    belong to one of ``unused_parts`` (``bs-popover-top`` to ``"popover"``).
    """
    unused_part = bootstrap_parts(unused_parts)

    def is_used(name: str) -> bool:
        return name in used or (name.startswith("bs-") and not unused_part.fullmatch(name))

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
            # A comment between two rules (Pygments labels each rule) belongs to neither: its
            # words must not count as the next rule's classes.
            prelude, end = COMMENT.sub("", text[i:brace]), _block_end(text, brace)
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
# Bootstrap's script names every component it has; a component no page mentions is not in use.
BOOTSTRAP_PARTS = ("accordion", "carousel", "modal", "offcanvas", "popover", "toast")


def bootstrap_parts(parts: tuple[str, ...]) -> re.Pattern:
    """Class names of these Bootstrap components: ``modal``, ``modal-body``, ``bs-popover-top``."""
    return re.compile(rf"(?:bs-)?(?:{'|'.join(map(re.escape, parts))})(?:-[\w-]*)?" if parts else r"(?!)")
CUSTOM_PROPERTY = re.compile(r"""(?<=[{;])\s*(--[\w-]+)\s*:(?:"[^"]*"|'[^']*'|[^;{}"'])*(?:;|(?=}))""")
READ = re.compile(r"--[\w-]+(?![\w-]*\s*:)")  # in var(), fallbacks too; not a declaration
EMPTY_RULE = re.compile(r"(?:(?<=[{}])|^)[^{}@;]+\{\s*\}")


def purge_custom_properties(sheets: dict[Path, str], elsewhere: str) -> dict[Path, str]:
    """``sheets`` without the custom properties (``--name: value``) nothing reads.

    A property is read if ``--name`` appears in any of the sheets other than as a declaration or ``--name`` in
    ``elsewhere`` (the other stylesheets, the scripts and the pages, which may read or set it).
    Dropping one can leave another unread, so this repeats until nothing changes; rules left empty
    go too.
    """
    set_or_read_elsewhere = set(re.findall(r"--[\w-]+", elsewhere))
    while True:
        read = set(READ.findall("".join(sheets.values()))) | set_or_read_elsewhere

        def drop_unread(declaration: re.Match, read: set[str] = read) -> str:
            return declaration.group(0) if declaration.group(1) in read else ""

        changed = {path: EMPTY_RULE.sub("", CUSTOM_PROPERTY.sub(drop_unread, css)) for path, css in sheets.items()}
        if changed == sheets:
            return sheets
        sheets = changed


PYGMENTS_RULE = re.compile(r'html\[data-theme="(\w+)"\] \.highlight(?: \.([\w-]+))? \{([^}]*)\}')


def plain_tokens(pygments_css: str) -> set[str]:
    """Pygments' token classes drawn exactly like the code around them in every theme.

    Such a ``<span>`` changes nothing on the page (``course.css`` makes a code block's ``<pre>``
    take the Pygments colour of its ``.highlight`` box), but costs 23 bytes a token.
    """
    box: dict[str, dict[str, str]] = {}  # theme -> the .highlight box's own declarations
    styled: dict[str, dict[str, dict[str, str]]] = {}  # token -> theme -> its declarations
    for theme, token, body in PYGMENTS_RULE.findall(pygments_css):
        declarations = {k.strip(): v.strip() for k, _, v in (d.partition(":") for d in body.split(";")) if v.strip()}
        if token:
            styled.setdefault(token, {})[theme] = declarations
        else:
            box[theme] = {"color": declarations.get("color", "")}
    candidates = {"n", "p", "w"}  # a name, punctuation, whitespace: the usual plain ones
    return {t for t in candidates if box
            and all(styled.get(t, {}).get(theme, colour) == colour for theme, colour in box.items())}


HIGHLIGHT = re.compile(r'<div class="highlight"><pre>.*?</pre></div>', re.DOTALL)


def unwrap_plain_tokens(page: str, plain: set[str]) -> str:
    """``page`` with the ``<span>`` of every plain Pygments token in its code blocks unwrapped."""
    if not plain:
        return page
    token = re.compile(rf'<span class="(?:{"|".join(sorted(plain))})">([^<]*)</span>')
    return HIGHLIGHT.sub(lambda block: token.sub(r"\1", block.group(0)), page)


COLLAPSED_BOX = re.compile(r'<div class="[^"]*\bdropdown admonition\b[^"]*"')
TAG_DIV = re.compile(r"<div\b|</div>")
TYPESET = re.compile(r"<mjx-container\b.*?</mjx-container>", re.DOTALL)
MATHML = re.compile(r"<math\b.*?</math>", re.DOTALL)


def defer_hidden_maths(page: str, state_file: Path) -> str:
    """``page`` with the typeset maths of its closed hint and solution boxes moved to ``state_file``.

    A box of the ``dropdown`` class is closed until the reader opens it, yet its CHTML maths
    (most of chapter 8's page) downloads before the first paint. Each equation in such a box
    becomes its MathML (which the browser draws itself and screen readers read) in a
    ``d2l-math-later`` span, and the CHTML goes to ``state_file`` (a script, so ``file://`` works):
    the page loads it when the reader first opens a box, and swaps it in.
    """
    moved: list[str] = []

    def placeholder(container: re.Match) -> str:
        mathml = MATHML.search(container.group(0))
        moved.append(container.group(0))
        return f'<span class="d2l-math-later" data-k="{len(moved) - 1}">{mathml.group(0) if mathml else ""}</span>'

    out, last = [], 0
    for start in COLLAPSED_BOX.finditer(page):
        if start.start() < last:
            continue  # inside a box already moved
        depth, end = 0, len(page)
        for tag in TAG_DIV.finditer(page, start.start()):
            depth += 1 if tag.group(0) == "<div" else -1
            if depth == 0:
                end = tag.end()
                break
        out += [page[last:start.start()], TYPESET.sub(placeholder, page[start.start():end])]
        last = end
    if not moved:
        state_file.unlink(missing_ok=True)  # from an earlier build
        return page
    out.append(page[last:])
    state_file.write_text(f"window.d2lMaths = {json.dumps(moved, ensure_ascii=False)};\n", encoding="utf-8")
    loader = DEFERRED_MATHS % json.dumps(state_file.name)
    return "".join(out).replace("</body>", f"<script>{loader}</script>\n</body>", 1)


CONTENT_IMAGE = re.compile(r'<img (?![^>]*\bloading=)([^>]*\bsrc="([^"]*_images/[^"]+)"[^>]*)>')


def lazy_images(page: str, folder: Path) -> str:
    """``page`` with its figures (``_images/``) loaded lazily, their size reserved.

    Off screen, a figure waits until the reader scrolls near it instead of sharing a slow link
    with the text at the top; ``width`` and ``height`` (the PNG's own) keep its place, so nothing
    below it moves when it arrives.
    """
    from PIL import Image  # matplotlib's dependency, so in every environment that builds the book

    def lazy(tag: re.Match) -> str:
        attributes, src = tag.group(1), tag.group(2)
        size = ""
        path = folder / html.unescape(src)
        if " width=" not in f" {attributes}" and path.is_file():
            with Image.open(path) as image:
                size = f' width="{image.width}" height="{image.height}"'
        return f'<img loading="lazy" decoding="async"{size} {attributes}>'

    return CONTENT_IMAGE.sub(lazy, page)


def lighten_site(outdir: Path) -> None:
    """Shrink the theme's render-blocking stylesheets and the pages to what this site can use.

    "Used" is every word of every built page and of every script a page loads (the widget
    runtime too, which ``widgets/loader.js`` fetches): the classes the theme's, Bootstrap's and
    Sphinx's scripts add at run time are written in them, except Bootstrap's components that no
    page mentions (:data:`BOOTSTRAP_PARTS`). Then the custom properties nothing reads go
    (:func:`purge_custom_properties`) and the web fonts keep only the characters the stylesheets
    draw (:func:`subset_fonts`). In the pages, plain Pygments tokens lose their ``<span>``
    (:func:`plain_tokens`) and figures load lazily (:func:`lazy_images`).
    """
    pygments = outdir / "_static" / "pygments.css"
    plain = plain_tokens(pygments.read_text(encoding="utf-8")) if pygments.is_file() else set()
    used: set[str] = set()
    scripts: set[Path] = set()
    pages = sorted(outdir.rglob("*.html"))
    texts = []
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        maths = page.with_suffix(".maths.js")
        unwrapped = defer_hidden_maths(lazy_images(unwrap_plain_tokens(text, plain), page.parent), maths)
        if maths.is_file():
            scripts.add(maths.resolve())  # its classes keep their rules in chtml.css
        if unwrapped != text:
            page.write_text(unwrapped, encoding="utf-8")
        texts.append(unwrapped)
        used.update(WORD.findall(unwrapped))
        scripts.update((page.parent / src).resolve() for src in SCRIPT_SRC.findall(unwrapped))
    scripts.update(outdir.resolve().glob("widgets/widgets.js"))
    unused = tuple(part for part in BOOTSTRAP_PARTS if not any(map(bootstrap_parts((part,)).fullmatch, used)))
    unused_part = bootstrap_parts(unused)
    script_texts = []
    for script in sorted(scripts):
        if script.is_file() and "mathjax" not in script.parts:
            script_texts.append(script.read_text(encoding="utf-8", errors="replace"))
            used.update(w for w in WORD.findall(script_texts[-1]) if not unused_part.fullmatch(w))
    purged = {}
    for sheet in (found for pattern in PURGED_STYLESHEETS for found in sorted(outdir.glob(pattern))):
        if sheet.is_file():
            css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/\s*$", "", sheet.read_text(encoding="utf-8"))
            purged[sheet] = purge_css(css, used, unused)
    others = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(outdir.rglob("*.css")) if p not in purged]
    purged = purge_custom_properties(purged, "".join(others + script_texts + texts))
    purged = subset_fonts(purged, "".join(others))
    for sheet, css in purged.items():
        sheet.write_text(css, encoding="utf-8")


FONT_FACE = re.compile(r"@font-face[^{]*\{[^}]*\}")
FONT_URL = re.compile(r"""url\(["']?([^"')?#]+\.(?:woff2?|ttf))["']?\)(?:\s*format\([^)]*\))?""")
CSS_STRING = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")
NOT_TEXT = re.compile(r"\b(?:url|format)\((?:\"[^\"]*\"|'[^']*'|[^)]*)\)")
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)")


def css_characters(css: str) -> set[str]:
    """Every character a CSS string can draw (``content: "\\f105"``, ``--icon: "x"``).

    Strings in ``@font-face`` rules, ``url()`` and ``format()`` name files, not text: skipped.
    """
    chars: set[str] = set()
    drawn = NOT_TEXT.sub("", FONT_FACE.sub("", css))
    for double, single in CSS_STRING.findall(drawn):
        text = CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), double or single)
        chars.update(text)
    return chars


def subset_fonts(sheets: dict[Path, str], other_css: str) -> dict[Path, str]:
    """Cut every web font the sheets declare down to the characters the site's CSS can draw with it.

    The icon font (Font Awesome, 156 kB) and MathJax's TeX fonts draw only what a stylesheet
    writes in a string (``content``, or a custom property that ``content`` reads): the icons
    the purge kept, the maths characters the pages use. Fonts are not render-blocking, but on a
    slow link they share it with the text the reader waits for. Each font becomes a WOFF
    (zlib; WOFF2 would need Brotli) holding just those characters, made from the TrueType or
    WOFF file its declaration lists, and the declaration lists that one file.
    """
    import logging

    from fontTools import subset  # matplotlib's dependency, so in every environment that builds the book
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # not its glyph-by-glyph report in the build log

    chars = css_characters("".join(sheets.values()) + other_css)
    unicodes = sorted(ord(c) for c in chars)
    done: set[Path] = set()

    def subset_face(sheet: Path, face: str) -> str:
        # Reading WOFF2 needs Brotli too: subset from the TrueType or WOFF the face also lists.
        urls = [url for url in FONT_URL.findall(face) if not url.endswith(".woff2")]
        source = (sheet.parent / urls[0]).resolve() if urls else None
        if source is None or not source.is_file():
            return face
        target = source.with_suffix(".woff") if source.suffix != ".woff" else source
        if target not in done:
            font = TTFont(source)
            options = subset.Options()
            options.flavor = "woff"
            options.ignore_missing_unicodes = True
            options.drop_tables += ["FFTM"]  # FontForge's timestamps: fontTools would drop it with a warning
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=unicodes)
            subsetter.subset(font)
            font.flavor = "woff"
            font.save(target)
            done.add(target)
        name = Path(urls[0]).with_suffix(".woff").as_posix()
        src = re.search(r"src\s*:[^;}]*", face)
        return face if src is None else face.replace(src.group(0), f'src:url("{name}") format("woff")')

    return {sheet: FONT_FACE.sub(lambda m, sheet=sheet: subset_face(sheet, m.group(0)), css)
            for sheet, css in sheets.items()}


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
  const later = () => { cancelAnimationFrame(pending); pending = requestAnimationFrame(fit); };
  fit();
  window.d2lFitEquations = later;
  window.addEventListener('resize', later);
  // A hint or solution box measures nothing while it is closed: fit again once it opens.
  document.addEventListener('click', (e) => { if (e.target.closest('.dropdown.admonition')) later(); });
})();
"""

DEFERRED_MATHS = """
(() => {
  // The maths of closed hint and solution boxes lives in a file beside the page (site_fixes.
  // defer_hidden_maths); the boxes show its MathML until the reader first opens one.
  let asked = false;
  const load = (e) => {
    if (asked || !(e.target.closest && e.target.closest('.dropdown.admonition'))) return;
    asked = true;
    const script = document.createElement('script');
    script.src = %s;
    script.onload = () => {
      for (const el of document.querySelectorAll('.d2l-math-later')) el.outerHTML = window.d2lMaths[+el.dataset.k];
      if (window.d2lFitEquations) window.d2lFitEquations();
    };
    document.head.append(script);
  };
  document.addEventListener('click', load, true);
  document.addEventListener('keydown', load, true);
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


def lighten(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        lighten_site(Path(app.outdir))


def setup(app: Sphinx) -> dict:
    # After sphinx.ext.mathjax adds its script (default priority 500).
    app.connect("html-page-context", page_fixes, priority=900)
    # Before sphinx-external-toc writes its bare redirect (default priority 500).
    app.connect("build-finished", write_index, priority=400)
    # After every other extension has written its static files (myst-nb copies its stylesheet
    # when the build finishes, at the default priority 500) and after the maths is typeset.
    app.connect("build-finished", lighten, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
