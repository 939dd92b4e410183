"""The reader notebooks (notebooks/*.ipynb, made by tools/reader_notebooks.py) read like the website.

They are what Colab, Studio Lab and Binder open: plain Jupyter Markdown, no MyST. Checked here:
they are fresh; no Markdown cell holds a role, a directive fence, an option line or a label;
every figure shows its caption and keeps its alt text; every solution is folded in Colab and in
JupyterLab; numbers and citations agree with the built website; the website's launch buttons and
``.ipynb`` download lead to them.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import HTML, ROOT, chapter_names

from tools import reader_notebooks as reader

pytestmark = pytest.mark.project

READER = ROOT / "notebooks"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
BRANCH = CONFIG["repository"]["branch"]

# Raw MyST, written independently of the tool's own patterns and strictly: any {name}` is a
# role; any fence whose info string starts with { or any run of three colons is a directive
# fence; any line starting with :word: is a directive option; equation labels, (target)= lines
# and \label are labels.
MYST_LEFTOVERS = {
    "role": re.compile(r"\{[A-Za-z][\w:+.-]*\}`"),
    "directive fence": re.compile(r"^[ \t>]*(?:(?:`{3,}|~{3,})[ \t]*\{|:{3,})", re.MULTILINE),
    "option line": re.compile(r"^[ \t>]*:[A-Za-z][\w-]*:(?:[ \t]|$)", re.MULTILINE),
    "label": re.compile(r"\$\$[ \t]*\([^()\s]*\)|^[ \t>]*\([^()\s]+\)=[ \t]*$|\\label\{", re.MULTILINE),
}
SOLUTION_MARKER = re.compile(r"^[ \t]*:{3,}\{solution-(?P<kind>start|end)\}", re.MULTILINE)


def myst_leftovers(markdown: str) -> list[tuple[str, str]]:
    """Every raw MyST construct in a Markdown cell, as (kind, matched text)."""
    return [(kind, m.group()) for kind, pattern in MYST_LEFTOVERS.items() for m in pattern.finditer(markdown)]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def chapter_and_reader(name: str) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """The executed chapter and the reader notebook made from it."""
    return read(ROOT / "chapters" / f"{name}.ipynb"), read(READER / f"{name}.ipynb")


def by_id(nb: nbformat.NotebookNode) -> dict[str, int]:
    return {cell.get("id"): index for index, cell in enumerate(nb.cells)}


def split_details(markdown: str) -> tuple[str, str]:
    """(visible text, text folded inside <details> blocks, nested ones included)."""
    visible, hidden, depth = [], [], 0
    for line in markdown.splitlines():
        opens, closes = line.count("<details>"), line.count("</details>")
        (hidden if depth or opens else visible).append(line)
        depth += opens - closes
        assert depth >= 0, "a </details> without its <details>"
    assert depth == 0, "an unclosed <details>"
    return "\n".join(visible), "\n".join(hidden)


def solution_regions(chapter: nbformat.NotebookNode) -> tuple[set[str], dict[str, str]]:
    """Ids of the chapter's solution code cells, and per Markdown cell id its solution prose."""
    code, prose, inside = set(), {}, False
    for cell in chapter.cells:
        if cell.cell_type == "code":
            if inside:
                code.add(cell.id)
            continue
        if cell.cell_type != "markdown":
            continue
        position, parts = 0, []
        for marker in SOLUTION_MARKER.finditer(cell.source):
            if inside:
                parts.append(cell.source[position : marker.start()])
            inside = marker["kind"] == "start"
            position = marker.end()
        if inside:
            parts.append(cell.source[position:])
        if parts:
            prose[cell.id] = "\n".join(parts)
    return code, prose


def plain_prose_lines(markdown: str) -> list[str]:
    """Lines a renderer keeps word for word: no MyST, no maths blocks, no fences."""
    return [
        line.strip()
        for line in markdown.splitlines()
        if len(line.strip()) > 20
        and not myst_leftovers(line)
        and "$$" not in line
        and not line.lstrip().startswith(("`", ":", "#"))
    ]


# ---------------------------------------------------------------------------------------------
# Fresh and well formed


def test_reader_notebooks_are_fresh():
    problems = reader.stale(reader.load_project())
    assert problems == [], "\n".join(problems) + "\nRun `make notebooks`."


def test_every_chapter_has_a_reader_notebook_and_nothing_else_is_there():
    assert sorted(p.stem for p in READER.glob("*.ipynb")) == chapter_names()


def _copy_book(tmp_path: Path) -> Path:
    for name in ("_config.yml", "_toc.yml", "references.bib", "references.md", "intro.md"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("chapters", "notebooks"):
        (tmp_path / folder).mkdir()
        for path in (ROOT / folder).glob("*.ipynb"):
            shutil.copy2(path, tmp_path / folder / path.name)
    return tmp_path


def test_staleness_check_notices_a_changed_chapter_and_a_hand_edit(tmp_path):
    root = _copy_book(tmp_path)
    assert reader.stale(reader.load_project(root)) == []

    chapter = root / "chapters" / "01-model.ipynb"
    nb = read(chapter)
    next(c for c in nb.cells if c.cell_type == "markdown").source += "\n\nOne more sentence."
    nbformat.write(nb, chapter)
    problems = reader.stale(reader.load_project(root))
    assert len(problems) == 1 and problems[0].startswith("notebooks/01-model.ipynb is stale"), problems
    assert reader.main(["--check", "--root", str(root)]) == 1

    assert reader.main(["--root", str(root)]) == 0
    assert reader.stale(reader.load_project(root)) == []
    assert "One more sentence." in (root / "notebooks" / "01-model.ipynb").read_text()

    edited = root / "notebooks" / "02-loss.ipynb"
    edited.write_text(edited.read_text().replace("squared", "squarred", 1))
    assert reader.stale(reader.load_project(root)) == ["notebooks/02-loss.ipynb was edited by hand"]


def test_a_new_equation_makes_later_references_stale(tmp_path):
    """Numbers cross chapters: an equation added to chapter 6 renumbers (6.7), which 08 cites."""
    root = _copy_book(tmp_path)
    chapter = root / "chapters" / "06-gaussian-mle.ipynb"
    nb = read(chapter)
    first = next(c for c in nb.cells if c.cell_type == "markdown" and "$$ (" in c.source)
    first.source = "$$\nx = 1\n$$ (eq-planted)\n\n" + first.source
    nbformat.write(nb, chapter)
    stale = {line.split()[0] for line in reader.stale(reader.load_project(root))}
    assert {"notebooks/06-gaussian-mle.ipynb", "notebooks/08-exercises.ipynb"} <= stale


def test_missing_base_url_is_a_clear_error(tmp_path):
    root = _copy_book(tmp_path)
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["html"].pop("baseurl")
    (root / "_config.yml").write_text(yaml.safe_dump(config))
    with pytest.raises(reader.ReaderError, match=r"html\.baseurl in _config\.yml"):
        reader.load_project(root)


@pytest.mark.parametrize("name", chapter_names())
def test_reader_notebook_is_valid_and_has_no_widget_state(name):
    nb = read(READER / f"{name}.ipynb")
    nbformat.validate(nb)
    assert "widgets" not in nb.metadata
    assert nb.metadata["course_reader"]["source"] == f"chapters/{name}.ipynb"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})


# ---------------------------------------------------------------------------------------------
# No raw MyST


@pytest.mark.parametrize("name", chapter_names())
def test_no_raw_myst_in_any_markdown_cell(name):
    nb = read(READER / f"{name}.ipynb")
    found = {
        index: myst_leftovers(cell.source) for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
    }
    assert {index: hits for index, hits in found.items() if hits} == {}


@pytest.mark.parametrize(
    "kind, planted",
    [
        ("role", "see {eq}`eq-price`"),
        ("role", "as {numref}`fig-houses` shows"),
        ("role", "SGD {cite}`bottou2010large` works"),
        ("role", "{cite:p}`a,b`"),
        ("role", "the chapter {doc}`02-loss`"),
        ("role", "{doc}`The loss <02-loss>`"),
        ("role", "{ref}`sec-intro`"),
        ("role", "{math}`x^2`"),
        ("directive fence", ":::::{exercise}"),
        ("directive fence", "::::{solution-start} ex-constant"),
        ("directive fence", "::::"),
        ("directive fence", "```{admonition} Hint"),
        ("directive fence", "~~~{note}"),
        ("directive fence", "  ```{code-cell} ipython3"),
        ("option line", ":label: ex-constant"),
        ("option line", ":class: dropdown"),
        ("option line", "  :nonumber:"),
        ("label", "x = 1\n$$ (eq-price)"),
        ("label", "(sec-intro)="),
        ("label", "\\begin{equation}\\label{eq:a} x \\end{equation}"),
    ],
)
def test_the_myst_check_catches_each_construct(kind, planted):
    cell = f"Some prose.\n\n{planted}\n\nMore prose."
    assert kind in {found_kind for found_kind, _ in myst_leftovers(cell)}


def test_the_myst_check_passes_what_the_reader_notebooks_write():
    clean = (
        "# 4. Minibatch SGD\n\nAs (4.2) shows, see Fig. 4.1 and [[Li *et al.*, 2014]](https://x/references.html).\n\n"
        "$$\n(\\mathbf{w}, b) \\leftarrow (\\mathbf{w}, b) - \\eta \\, g\n\\tag{4.2}\n$$\n\n"
        "<details>\n<summary>Hint</summary>\n\nA hint with $x_{(i)}$ and `code({x: 1})`.\n\n</details>\n\n"
        "```python\nprint({'a': 1})\n```\n"
    )
    assert myst_leftovers(clean) == []


# ---------------------------------------------------------------------------------------------
# Figures: caption visible next to the figure, alt text kept


@pytest.mark.parametrize("name", chapter_names())
def test_every_figure_shows_its_caption_and_keeps_its_alt_text(name):
    chapter, nb = chapter_and_reader(name)
    solution_code, _ = solution_regions(chapter)
    index = by_id(nb)
    figures = 0
    for cell in chapter.cells:
        meta = cell.metadata.get("mystnb", cell.metadata)
        caption = meta.get("figure", {}).get("caption")
        alt = meta.get("image", {}).get("alt")
        if cell.cell_type != "code" or not caption:
            continue
        figures += 1
        position = index[cell.id]
        after = nb.cells[position + 1]
        assert after.cell_type == "markdown", f"no caption cell after the figure of cell {cell.id}"
        visible, hidden = split_details(after.source)
        # Roles in a caption are resolved, so look for the text around them, in order.
        pieces = [re.escape(p.strip()) for p in re.split(r"\{[A-Za-z][\w:+.-]*\}`[^`]*`", caption) if p.strip()]
        shown = hidden if cell.id in solution_code else visible
        assert re.search(".*".join(pieces), shown, re.DOTALL), f"caption of {cell.id} not shown: {caption!r}"
        if alt:
            assert alt in html.unescape(after.source), f"alt text of {cell.id} missing"
            assert nb.cells[position].metadata["mystnb"]["image"]["alt"] == alt
    assert figures == sum(
        1
        for c in chapter.cells
        if c.cell_type == "code" and c.metadata.get("mystnb", {}).get("figure", {}).get("caption")
    )


# ---------------------------------------------------------------------------------------------
# Solutions folded in Colab and JupyterLab


@pytest.mark.parametrize("name", chapter_names())
def test_solutions_are_hidden_until_asked_for(name):
    chapter, nb = chapter_and_reader(name)
    solution_code, solution_prose = solution_regions(chapter)
    index = by_id(nb)
    for cell in chapter.cells:
        if cell.cell_type != "code":
            continue
        folded = nb.cells[index[cell.id]]
        collapsed_colab = folded.metadata.get("cellView") == "form" and folded.source.startswith("#@title ")
        collapsed_lab = folded.metadata.get("jupyter", {}).get("source_hidden") is True
        if cell.id in solution_code:
            assert collapsed_colab and collapsed_lab, f"solution cell {cell.id} is not collapsed"
            assert folded.outputs == [], f"solution cell {cell.id} shows its output"
            assert folded.source.split("\n", 1)[1] == cell.source, "the solution code changed"
        elif "hide-input" not in cell.metadata.get("tags", []):
            assert not (collapsed_colab or collapsed_lab), f"cell {cell.id} is collapsed but no solution"
    for cell_id, prose in solution_prose.items():
        visible, hidden = split_details(nb.cells[index[cell_id]].source)
        for line in plain_prose_lines(prose):
            assert line in hidden and line not in visible, f"solution text visible in {cell_id}: {line!r}"


def test_chapter_08_has_its_solutions_folded():
    """The exercises chapter is where solutions live: the check above must have something to check."""
    chapter = read(ROOT / "chapters" / "08-exercises.ipynb")
    code, prose = solution_regions(chapter)
    assert len(code) >= 8 and len(prose) >= 8
    nb = read(READER / "08-exercises.ipynb")
    summaries = re.findall(r"<summary>Solution to Exercise (8\.\d+)", "\n".join(c.source for c in nb.cells))
    markers = sum(len(re.findall(r"\{solution-start\}", c.source)) for c in chapter.cells if c.cell_type == "markdown")
    assert len(set(summaries)) == markers


# ---------------------------------------------------------------------------------------------
# Numbers and citations agree with the built website


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _site(name: str) -> str:
    return (HTML / "chapters" / f"{name}.html").read_text(encoding="utf-8")


def _markdown(name: str) -> str:
    nb = read(READER / f"{name}.ipynb")
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _site_labels(built_site) -> dict[str, str]:
    """label -> number text as the website prints it: (4.2), Fig. 4.1, Exercise 8.1."""
    labels = {}
    for name in chapter_names():
        page = _site(name)
        for label, number in re.findall(r'id="equation-([^"]+)">\s*<span class="eqno">(\([^)<]+\))', page):
            labels[label] = number
        figures = r'<figure[^>]*id="([^"]+)".*?<span class="caption-number">([^<]+?) </span>'
        for label, number in re.findall(figures, page, re.DOTALL):
            labels[label] = number
        exercises = (
            r'class="exercise admonition" id="([^"]+)">\s*'
            r'<p class="admonition-title"><span class="caption-number">([^<]+?) </span>'
        )
        for label, number in re.findall(exercises, page):
            labels[label] = number
    return labels


@pytest.mark.parametrize("name", chapter_names())
def test_numbers_agree_with_the_website(built_site, name):
    assert built_site.returncode == 0, "the book did not build"
    page, markdown = _site(name), _markdown(name)
    assert re.findall(r"\\tag\{([^}]+)\}", markdown) == re.findall(r'<span class="eqno">\(([^)<]+)\)', page)
    for kind in ("Fig.", "Exercise"):
        on_site = re.findall(rf'<span class="caption-number">{re.escape(kind)} ([\d.]+) </span>', page)
        assert re.findall(rf"\*\*{re.escape(kind)} ([\d.]+)\*\*", markdown) == on_site, kind


@pytest.mark.parametrize("name", chapter_names())
def test_references_read_as_on_the_website(built_site, name):
    """{eq} and {numref} give the site's number, {cite} its text, {doc} its title and address."""
    labels = _site_labels(built_site)
    chapter, nb = chapter_and_reader(name)
    index = by_id(nb)
    for cell in chapter.cells:
        if cell.cell_type != "markdown":
            continue
        text = nb.cells[index[cell.id]].source
        for role, label in re.findall(r"\{(eq|numref)\}`([^`<]+)`", cell.source):
            assert labels[label] in text, f"{{{role}}}`{label}` should read {labels[label]}"
    page, markdown = _site(name), _markdown(name)
    site_cites = [_text(span) for span in re.findall(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', page, re.DOTALL)]
    reader_cites = [text.replace("*", "") for text in re.findall(r"\[(\[[^\]]*\])\]\([^)]*\)", markdown)]
    assert reader_cites == site_cites
    for url in re.findall(r"\[\[[^\]]*\]\]\(([^)]*)\)", markdown):
        assert url == CONFIG["html"]["baseurl"] + "references.html"
    doc_links = r'<a class="reference internal" href="([^"#]+)\.html"><span class="doc">(.*?)</span></a>'
    site_docs = re.findall(doc_links, page)
    reader_docs = re.findall(r"\[([^\]]+)\]\(" + re.escape(CONFIG["html"]["baseurl"]) + r"([^)#]+)\.html\)", markdown)
    reader_docs = [(link, text) for text, link in reader_docs if link != "references"]
    assert [(f"chapters/{href}", _text(title)) for href, title in site_docs] == reader_docs


# ---------------------------------------------------------------------------------------------
# The website's launch buttons and download


@pytest.mark.parametrize("name", chapter_names())
def test_launch_buttons_and_download_open_the_reader_notebook(built_site, name):
    assert built_site.returncode == 0, "the book did not build"
    page = _site(name)
    hrefs = {html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)}
    notebook = f"notebooks/{name}.ipynb"
    expected = {
        "Colab": f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook}",
        "Studio Lab": f"https://studiolab.sagemaker.aws/import/github/{REPO}/blob/{BRANCH}/{notebook}",
        "Binder": f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=tree/{notebook}",
    }
    for platform, url in expected.items():
        assert url in hrefs, f"no {platform} link to the reader notebook {url}"
    launchers = [h for h in hrefs if re.search(r"colab|studiolab|mybinder|git-pull", h)]
    assert all(notebook in h for h in launchers), launchers
    assert f"../_sources/chapters/{name}.ipynb" in hrefs
    served = HTML / "_sources" / "chapters" / f"{name}.ipynb"
    assert served.read_bytes() == (READER / f"{name}.ipynb").read_bytes()
    assert json.loads(served.read_text())["metadata"]["course_reader"]["source"] == f"chapters/{name}.ipynb"


@pytest.mark.parametrize("name", chapter_names())
def test_the_bootstrap_cell_comes_first_and_stays_unfolded(name):
    # The website removes the bootstrap cell (tag remove-cell); the Colab reader needs it first of all.
    # (test_notebooks checks that the chapter's first code cell is the bootstrap cell, tagged remove-cell.)
    chapter, nb = chapter_and_reader(name)
    bootstrap = next(c for c in chapter.cells if c.cell_type == "code")
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.source == bootstrap.source
    assert first.outputs == [] and first.execution_count is None
    assert not first.metadata.get("jupyter", {}).get("source_hidden")
    assert "cellView" not in first.metadata
