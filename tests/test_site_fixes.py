"""_ext/site_fixes.py's weight fixes on small hand-written inputs: what each keeps and drops."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.project  # imports Sphinx

_spec = importlib.util.spec_from_file_location("site_fixes", ROOT / "_ext" / "site_fixes.py")
assert _spec is not None and _spec.loader is not None
site_fixes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_fixes)


# ---- purge_css -------------------------------------------------------------------------------


def test_purge_keeps_rules_whose_classes_are_used_and_drops_the_rest():
    css = ".a{color:red}.b{color:blue}.a .c{x:1}div{y:2}"
    assert site_fixes.purge_css(css, {"a"}) == ".a{color:red}div{y:2}"


def test_a_comment_between_rules_does_not_count_as_the_next_rules_selector():
    # Pygments labels each rule; "Literal.Number.Integer" once made the purge drop `.mi`.
    css = ".k { color: red } /* Keyword */\n.mi { color: green } /* Literal.Number.Integer */\n"
    purged = site_fixes.purge_css(css, {"k", "mi"})
    assert ".mi { color: green }" in purged and ".k { color: red }" in purged


def test_bootstrap_classes_stay_unless_their_component_is_unused():
    css = ".bs-tooltip-auto{a:1}.bs-popover-auto{b:2}.bs-popover{c:3}.popover{d:4}"
    purged = site_fixes.purge_css(css, set(), ("popover",))
    assert purged == ".bs-tooltip-auto{a:1}"


def test_media_blocks_are_purged_inside_and_dropped_when_empty():
    css = "@media (min-width:1px){.a{x:1}.b{y:2}}@media print{.b{z:3}}"
    assert site_fixes.purge_css(css, {"a"}) == "@media (min-width:1px){.a{x:1}}"


# ---- purge_custom_properties -----------------------------------------------------------------


def test_unread_custom_properties_go_and_read_ones_stay():
    sheets = {Path("a.css"): ":root{--used:1px;--unused:2px}.x{width:var(--used)}"}
    out = site_fixes.purge_custom_properties(sheets, "")[Path("a.css")]
    assert "--used:1px" in out and "--unused" not in out and ".x{width:var(--used)}" in out


def test_a_fallback_inside_var_counts_as_read():
    sheets = {Path("a.css"): ":root{--a:1px;--b:2px}.x{width:var(--a,var(--b))}"}
    assert "--b:2px" in site_fixes.purge_custom_properties(sheets, "")[Path("a.css")]


def test_dropping_one_property_can_leave_another_unread():
    sheets = {Path("a.css"): ":root{--base:red;--derived:var(--base)}.x{color:blue}"}
    # --derived is unread, so it goes; then --base is unread too; then the rule is empty.
    assert site_fixes.purge_custom_properties(sheets, "")[Path("a.css")] == ".x{color:blue}"


def test_properties_named_in_scripts_or_other_sheets_stay():
    sheets = {Path("a.css"): ":root{--bs-position:static;--other:1}"}
    out = site_fixes.purge_custom_properties(sheets, 'getPropertyValue("--bs-position")')[Path("a.css")]
    assert "--bs-position:static" in out and "--other" not in out


def test_a_value_with_a_semicolon_inside_quotes_is_one_declaration():
    sheets = {Path("a.css"): ':root{--icon:url("data:image/svg+xml;charset=utf-8,x");--keep:1}.x{a:var(--keep)}'}
    out = site_fixes.purge_custom_properties(sheets, "")[Path("a.css")]
    assert out.startswith(":root{") and "data:" not in out and "--keep:1" in out


# ---- plain Pygments tokens -------------------------------------------------------------------

PYGMENTS = """
html[data-theme="light"] .highlight { background: #fff; color: #111 }
html[data-theme="light"] .highlight .n { color: #111 } /* Name */
html[data-theme="light"] .highlight .p { color: #111 } /* Punctuation */
html[data-theme="light"] .highlight .o { color: #0a0 } /* Operator */
html[data-theme="dark"] .highlight { background: #000; color: #eee }
html[data-theme="dark"] .highlight .n { color: #eee } /* Name */
html[data-theme="dark"] .highlight .p { color: #f00 } /* Punctuation */
html[data-theme="dark"] .highlight .o { color: #0f0 } /* Operator */
"""


def test_a_token_is_plain_only_if_it_looks_like_the_box_in_every_theme():
    # n: the box colour in both themes; p: red in dark; o: coloured; w: no rule at all.
    assert site_fixes.plain_tokens(PYGMENTS) == {"n", "w"}


def test_a_bold_token_in_the_box_colour_is_not_plain():
    css = PYGMENTS.replace('.n { color: #111 }', '.n { color: #111; font-weight: bold }')
    assert "n" not in site_fixes.plain_tokens(css)


def test_plain_spans_are_unwrapped_only_inside_code_blocks():
    page = (
        '<p><span class="n">prose</span></p>'
        '<div class="highlight"><pre><span class="n">x</span><span class="w"> </span>'
        '<span class="o">=</span><span class="w"> </span><span class="mi">1</span></pre></div>'
    )
    out = site_fixes.unwrap_plain_tokens(page, {"n", "w"})
    assert out == (
        '<p><span class="n">prose</span></p>'
        '<div class="highlight"><pre>x <span class="o">=</span> <span class="mi">1</span></pre></div>'
    )


# ---- fonts and figures -----------------------------------------------------------------------


def test_css_characters_reads_escapes_and_plain_text_in_strings():
    css = ('.a:before{content:"\\f105"}.b{--icon:"\\1D465 y"}.c{content:\'z\'}'
           '@font-face{font-family:"Q";src:url("f.woff") format("woff")}.d{background:url("data:q")}')
    assert site_fixes.css_characters(css) == {"\uf105", "\U0001d465", "y", "z"}


def test_subset_fonts_keeps_exactly_the_characters_the_css_draws(tmp_path):
    import matplotlib  # ships DejaVu Sans; fontTools comes with it
    from fontTools.ttLib import TTFont

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "f.ttf").write_bytes(dejavu.read_bytes())
    sheet = tmp_path / "s.css"
    css = '@font-face{font-family:F;src:url(fonts/f.woff2) format("woff2"),url(fonts/f.ttf) format("truetype")}' \
          '.a:before{content:"ab"}'
    out = site_fixes.subset_fonts({sheet: css}, '.b:before{content:"\\3a9"}')
    assert 'src:url("fonts/f.woff") format("woff")' in out[sheet]
    woff = tmp_path / "fonts" / "f.woff"
    assert woff.read_bytes()[:4] == b"wOFF"
    cmap = set(TTFont(woff).getBestCmap())
    assert cmap == {ord("a"), ord("b"), 0x3A9}
    assert woff.stat().st_size < dejavu.stat().st_size / 20


def test_figures_load_lazily_with_their_size_reserved(tmp_path):
    from PIL import Image

    (tmp_path / "_images").mkdir()
    Image.new("RGB", (64, 30)).save(tmp_path / "_images" / "fig.png")
    page = (
        '<img alt="logo" src="_static/logo.png">'
        '<img alt="A figure." src="_images/fig.png" />'
        '<img loading="eager" alt="kept" src="_images/fig.png">'
    )
    out = site_fixes.lazy_images(page, tmp_path)
    assert out == (
        '<img alt="logo" src="_static/logo.png">'
        '<img loading="lazy" decoding="async" width="64" height="30" alt="A figure." src="_images/fig.png" />'
        '<img loading="eager" alt="kept" src="_images/fig.png">'
    )


# ---- maths of closed boxes -------------------------------------------------------------------

TYPESET = '<mjx-container class="MathJax" jax="CHTML"><mjx-math>{0}</mjx-math><mjx-assistive-mml>' \
          '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>{0}</mi></math></mjx-assistive-mml></mjx-container>'


def test_maths_in_closed_boxes_waits_in_a_file_beside_the_page(tmp_path):
    page = (
        "<body><p>" + TYPESET.format("a") + "</p>"
        '<div class="solution dropdown admonition"><p class="admonition-title">S</p>'
        "<div><p>" + TYPESET.format("b") + "</p></div><div>" + TYPESET.format("c") + "</div></div>"
        "<p>" + TYPESET.format("d") + "</p></body>"
    )
    state = tmp_path / "p.maths.js"
    out = site_fixes.defer_hidden_maths(page, state)
    # Outside the box the maths stays typeset; inside, each equation becomes its MathML.
    assert TYPESET.format("a") in out and TYPESET.format("d") in out
    assert TYPESET.format("b") not in out and TYPESET.format("c") not in out
    assert '<span class="d2l-math-later" data-k="0"><math xmlns="http://www.w3.org/1998/Math/MathML"><mi>b</mi></math></span>' in out
    assert '<span class="d2l-math-later" data-k="1">' in out
    prefix = "window.d2lMaths = "
    text = state.read_text(encoding="utf-8")
    assert text.startswith(prefix)
    assert json.loads(text[len(prefix):].rstrip().rstrip(";")) == [TYPESET.format("b"), TYPESET.format("c")]
    # The loader names the file and comes once, at the end of the body.
    assert out.count('"p.maths.js"') == 1 and out.endswith("</script>\n</body>")


def test_a_page_without_closed_maths_is_left_alone_and_loses_an_old_file(tmp_path):
    state = tmp_path / "p.maths.js"
    state.write_text("old")
    page = '<body><div class="dropdown admonition"><p>no maths</p></div>' + TYPESET.format("a") + "</body>"
    assert site_fixes.defer_hidden_maths(page, state) == page
    assert not state.exists()
