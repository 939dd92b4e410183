"""Generate the reader notebooks: ``notebooks/NN-name.ipynb`` from ``chapters/NN-name.ipynb``.

A reader notebook is the executed MyST chapter rewritten as plain Jupyter Markdown, for Colab,
SageMaker Studio Lab and Jupyter, which show MyST raw: roles become the numbers, titles and
author-year citations the website prints (counted as Sphinx's ``numfig`` counts them), labels and
options go, every figure gets a caption cell with its alt text folded below, hints and solutions are
folded (solution code for Colab and for JupyterLab alike), and outputs are kept except widget views
and those of hidden and solution cells. README.md, "Reading in Colab, Studio Lab or Jupyter", says
what a reader sees and why.

Every reader notebook records, under ``metadata.course_reader``, its source chapter and a
SHA-256 of that chapter's ``.ipynb``, of this tool and of every cross-reference fact it used
(numbers, titles, citation texts, the website's URL). ``--check`` regenerates each notebook
in memory and fails when the stored one differs.

Usage::

    python tools/reader_notebooks.py            # (re)write notebooks/*.ipynb
    python tools/reader_notebooks.py --check    # exit 1 if any reader notebook is stale
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import posixpath
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = "notebooks"
META_KEY = "course_reader"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# Sphinx's default numfig formats (``numfig_format``), as the website shows them.
NUMFIG_FORMAT = {"figure": "Fig. %s", "exercise": "Exercise %s"}
ADMONITIONS = {
    "admonition", "attention", "caution", "danger", "error", "hint", "important", "note",
    "seealso", "tip", "warning", "dropdown",
}

# MyST syntax, written strictly enough to catch every construct the chapters use.
ROLE = re.compile(r"\{(?P<name>[A-Za-z][\w:+.-]*)\}`(?P<content>[^`]*)`")
FENCE_OPEN = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE_INFO = re.compile(r"^\s*\{(?P<name>[A-Za-z][\w:+.-]*)\}\s*(?P<arg>.*)$")
OPTION_LINE = re.compile(r"^[ \t]*:(?P<key>[A-Za-z][\w-]*):(?:[ \t]+(?P<value>.*))?$")
TARGET_LINE = re.compile(r"^[ \t]*\((?P<label>[^()\s]+)\)=[ \t]*$")
COMMENT_LINE = re.compile(r"^[ \t]*%")
BLOCK_BREAK = re.compile(r"^[ \t]*\+\+\+")
# A role, or an inline code span (left alone); the role wins when both start at one place.
INLINE = re.compile(
    r"\{(?P<name>[A-Za-z][\w:+.-]*)\}`(?P<content>[^`]*)`|(?P<code>(?P<ticks>`+)[^`].*?(?P=ticks))", re.DOTALL
)
MATH_LABEL = re.compile(r"\$\$[ \t]*\((?P<label>[^()\s]+)\)[ \t]*$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$")


class ReaderError(ValueError):
    """Input the reader notebooks cannot render; the message names the file and the construct."""


def closing_fence(opened: re.Match) -> re.Pattern[str]:
    """The line that closes the fence ``FENCE_OPEN`` matched: the same character, at least as many."""
    fence = opened["fence"]
    return re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")


# ---------------------------------------------------------------------------------------------
# Project configuration


def load_yaml(name: str, root: Path) -> dict:
    path = root / name
    if not path.exists():
        raise ReaderError(f"{name} not found in {root}")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def site_base_url(config: dict) -> str:
    """The website's address, from ``html.baseurl`` in ``_config.yml`` (ends with ``/``)."""
    url = str((config.get("html") or {}).get("baseurl") or "").strip()
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        raise ReaderError(
            f"html.baseurl in _config.yml must be the website's absolute URL, got {url!r}; "
            "the reader notebooks link their citations and {doc} references to it"
        )
    return url.rstrip("/") + "/"


def toc_docnames(toc: dict) -> tuple[list[str], bool]:
    """Documents in reading order (root excluded) and whether chapters are numbered."""
    entries: list[str] = []
    numbered = bool((toc.get("options") or {}).get("numbered", False))

    def walk(items: list) -> None:
        for item in items or []:
            if "file" in item:
                entries.append(str(PurePosixPath(item["file"]).with_suffix("")))
            walk(item.get("sections", []))

    if "parts" in toc:
        for part in toc["parts"]:
            numbered = numbered or bool(part.get("numbered", False))
            walk(part.get("chapters", []))
    else:
        walk(toc.get("chapters", []))
    return entries, numbered


# ---------------------------------------------------------------------------------------------
# MyST block parsing (line based: fences, directives, options)


@dataclass
class Directive:
    name: str
    arg: str
    options: dict
    body: list  # of str lines and nested Directive blocks


def parse_blocks(lines: list[str], where: str) -> list:
    """Split Markdown lines into plain lines and (possibly nested) directive blocks."""
    out: list = []
    i = 0
    while i < len(lines):
        line = lines[i]
        opened = FENCE_OPEN.match(line)
        if not opened:
            out.append(line)
            i += 1
            continue
        directive = DIRECTIVE_INFO.match(opened["info"])
        close = closing_fence(opened)
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j == len(lines):
            raise ReaderError(f"{where}: the fence {line.strip()!r} is never closed")
        inner = lines[i + 1 : j]
        if directive is None:
            if opened["fence"][0] == ":":
                raise ReaderError(f"{where}: a colon fence without a directive name: {line.strip()!r}")
            out.extend(lines[i : j + 1])  # an ordinary code block: kept verbatim
        else:
            options, k = {}, 0
            if inner and inner[0].strip() == "---":
                end = next((n for n in range(1, len(inner)) if inner[n].strip() == "---"), None)
                if end is None:
                    raise ReaderError(f"{where}: unterminated YAML options in {{{directive['name']}}}")
                options = yaml.safe_load("\n".join(inner[1:end])) or {}
                k = end + 1
            else:
                while k < len(inner) and OPTION_LINE.match(inner[k]):
                    m = OPTION_LINE.match(inner[k])
                    options[m["key"]] = (m["value"] or "").strip()
                    k += 1
            body = parse_blocks(inner[k:], where)
            out.append(Directive(directive["name"], directive["arg"].strip(), options, body))
        i = j + 1
    return out


def iter_directives(blocks: list):
    for block in blocks:
        if isinstance(block, Directive):
            yield block
            yield from iter_directives(block.body)


def code_free_lines(lines: list[str]) -> list[str]:
    """The lines outside ordinary fenced code blocks (directive fences are not code)."""
    kept, fence = [], None
    for line in lines:
        if fence is None:
            opened = FENCE_OPEN.match(line)
            if opened and opened["fence"][0] != ":" and not DIRECTIVE_INFO.match(opened["info"]):
                fence = closing_fence(opened)
                continue
            kept.append(line)
        elif fence.match(line):
            fence = None
    return kept


# ---------------------------------------------------------------------------------------------
# What every chapter defines: numbers, titles, figures


@dataclass
class Target:
    kind: str  # "equation", "figure", "exercise", "section", "doc"
    docname: str
    number: str = ""
    title: str = ""


@dataclass
class Project:
    root: Path
    base_url: str
    docnames: list[str]
    chapter_numbers: dict[str, str]
    targets: dict[str, Target] = field(default_factory=dict)
    doc_titles: dict[str, str] = field(default_factory=dict)
    bibliography_doc: str | None = None
    bib_entries: dict = field(default_factory=dict)
    bib_order: list[str] = field(default_factory=list)

    def url(self, docname: str, anchor: str = "") -> str:
        return f"{self.base_url}{docname}.html" + (f"#{anchor}" if anchor else "")


def figure_metadata(cell) -> tuple[dict, dict]:
    """myst-nb's figure and image options of a code cell (``mystnb.figure`` or ``figure``)."""
    meta = cell.get("metadata", {})
    nested = meta.get("mystnb", {}) if isinstance(meta.get("mystnb"), dict) else {}
    figure = nested.get("figure", meta.get("figure", {})) or {}
    image = nested.get("image", meta.get("image", {})) or {}
    return figure, image


def cells_of(root: Path, docname: str) -> list:
    """A toc document's cells: the executed chapter's, or a plain page's text as one Markdown cell."""
    if (root / f"{docname}.ipynb").exists():
        return nbformat.read(root / f"{docname}.ipynb", as_version=4).cells
    if (root / f"{docname}.md").exists():
        return [nbformat.v4.new_markdown_cell((root / f"{docname}.md").read_text(encoding="utf-8"))]
    raise ReaderError(f"_toc.yml lists {docname}, but neither {docname}.ipynb nor .md exists")


def load_project(root: Path = ROOT) -> Project:
    config, toc = load_yaml("_config.yml", root), load_yaml("_toc.yml", root)
    docnames, numbered = toc_docnames(toc)
    numbers = {doc: (str(n) if numbered else "") for n, doc in enumerate(docnames, start=1)}
    project = Project(root, site_base_url(config), docnames, numbers)

    def number(docname: str, count: int) -> str:
        prefix = project.chapter_numbers.get(docname, "")
        return f"{prefix}.{count}" if prefix else str(count)

    for docname in docnames:
        counts = {"equation": 0, "figure": 0, "exercise": 0}
        pending_targets: list[str] = []
        for index, cell in enumerate(cells_of(root, docname)):
            where = f"{docname} cell {index}"
            if cell.cell_type == "code":
                figure, _ = figure_metadata(cell)
                if figure.get("name") and figure.get("caption"):
                    counts["figure"] += 1
                    project.targets[figure["name"]] = Target("figure", docname, number(docname, counts["figure"]))
                continue
            if cell.cell_type != "markdown":
                continue
            lines = code_free_lines(cell.source.splitlines())
            # Headings give the page title and the text of (label)= targets.
            for line in lines:
                target = TARGET_LINE.match(line)
                if target:
                    pending_targets.append(target["label"])
                    continue
                heading = HEADING.match(line)
                if heading:
                    text = heading["text"].strip()
                    if docname not in project.doc_titles:
                        project.doc_titles[docname] = text
                    for label in pending_targets:
                        project.targets[label] = Target("section", docname, title=text)
                    pending_targets = []
                equation = MATH_LABEL.search(line)
                if equation:
                    counts["equation"] += 1
                    project.targets[equation["label"]] = Target("equation", docname, number(docname, counts["equation"]))
                if re.search(r"\{bibliography\}", line) and FENCE_OPEN.match(line):
                    project.bibliography_doc = docname
            for directive in iter_directives(parse_blocks(cell.source.splitlines(), where)):
                if directive.name not in ("exercise", "exercise-start"):
                    continue
                numbered_exercise = "nonumber" not in directive.options
                if numbered_exercise:
                    counts["exercise"] += 1
                if directive.options.get("label"):
                    text = number(docname, counts["exercise"]) if numbered_exercise else ""
                    project.targets[directive.options["label"]] = Target("exercise", docname, text, directive.arg)
    bibfiles = config.get("bibtex_bibfiles") or []
    if bibfiles:
        load_bibliography(project, [root / name for name in bibfiles])
    return project


# ---------------------------------------------------------------------------------------------
# Citations: sphinxcontrib-bibtex's "author_year" style, parenthetical by default


def load_bibliography(project: Project, paths: list[Path]) -> None:
    import pybtex.database
    import pybtex.plugin

    entries = {key: entry for path in paths for key, entry in pybtex.database.parse_file(str(path)).entries.items()}
    project.bib_entries = entries
    # The website lists (and orders citations in a role) by the "plain" style's sort.
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")()
    project.bib_order = [entry.key for entry in style.sort(entries.values())]


def author_year(project: Project, key: str) -> tuple[str, str]:
    """("Liu and Nocedal", "1989") as sphinxcontrib-bibtex's author_year style writes them."""
    import pybtex.plugin

    entry = project.bib_entries[key]
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names_style = pybtex.plugin.find_plugin("pybtex.style.names", "last")()
    names = [names_style.format(person, True).format().render_as("markdown") for person in persons]
    if not names:
        authors = entry.fields.get("title", key)
    elif len(names) == 1:
        authors = names[0]
    elif len(names) == 2:
        authors = f"{names[0]} and {names[1]}"
    else:
        authors = f"{names[0]} *et al.*"
    return authors, entry.fields.get("year", "n.d.")


# ---------------------------------------------------------------------------------------------
# Rendering one chapter


def escape_markdown(text: str) -> str:
    """Plain text that no Markdown or maths renderer changes: special characters as HTML entities.

    Backslash escapes would not do: ``\\[`` and ``\\(`` start maths in MathJax and KaTeX.
    """
    return re.sub(r"[\\`*_\[\]<>&$#|{}]", lambda m: f"&#{ord(m.group())};", text)


@dataclass
class Renderer:
    project: Project
    docname: str
    used: dict = field(default_factory=dict)

    def target(self, label: str, role: str, where: str) -> Target:
        target = self.project.targets.get(label)
        if target is None:
            raise ReaderError(f"{where}: {{{role}}}`{label}` points at no label the book defines")
        self.used[f"target:{label}"] = [target.kind, target.docname, target.number, target.title]
        return target

    # -- roles --------------------------------------------------------------------------------
    def role(self, name: str, content: str, where: str) -> str:
        explicit = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", content, re.DOTALL)
        text, label = (explicit["text"], explicit["target"]) if explicit else ("", content.strip())
        if name == "eq":
            target = self.target(label, name, where)
            if target.kind != "equation":
                raise ReaderError(f"{where}: {{eq}}`{label}` is not an equation label")
            return f"({target.number})"
        if name == "numref":
            target = self.target(label, name, where)
            if target.kind not in NUMFIG_FORMAT or not target.number:
                raise ReaderError(f"{where}: {{numref}}`{label}` points at a {target.kind}, which has no number")
            template = text or NUMFIG_FORMAT[target.kind]
            return template.replace("%s", target.number).replace("{number}", target.number)
        if name == "ref":
            target = self.target(label, name, where)
            if text:
                return text
            if target.kind == "exercise":
                return NUMFIG_FORMAT["exercise"] % target.number
            if target.kind == "section":
                return target.title
            raise ReaderError(f"{where}: {{ref}}`{label}` needs an explicit text for a {target.kind}")
        if name == "doc":
            relative = label.lstrip("/") if label.startswith("/") else f"{PurePosixPath(self.docname).parent}/{label}"
            docname = posixpath.normpath(relative)
            if docname not in self.project.doc_titles:
                raise ReaderError(f"{where}: {{doc}}`{content}` points at no page of the book")
            title = text or self.project.doc_titles[docname]
            url = self.project.url(docname)
            self.used[f"doc:{docname}"] = [title, url]
            return f"[{title}]({url})"
        if name in ("cite", "cite:p", "cite:t", "cite:ps", "cite:ts"):
            return self.cite(name, content, where)
        if name == "math":
            return f"${content}$"
        raise ReaderError(
            f"{where}: the role {{{name}}} has no reader-notebook rendering; add one to tools/reader_notebooks.py"
        )

    def cite(self, name: str, content: str, where: str) -> str:
        keys = [key.strip() for key in content.split(",") if key.strip()]
        missing = [key for key in keys if key not in self.project.bib_entries]
        if missing:
            raise ReaderError(f"{where}: {{{name}}} cites {missing}, which references.bib does not define")
        if self.project.bibliography_doc is None:
            raise ReaderError(f"{where}: {{{name}}} but no page of the book holds a {{bibliography}}")
        url = self.project.url(self.project.bibliography_doc)
        ordered = [key for key in self.project.bib_order if key in keys]
        parts = []
        for key in ordered:
            authors, year = author_year(self.project, key)
            self.used[f"cite:{key}"] = [authors, year, url]
            parts.append(f"{authors} [{year}]" if name.startswith("cite:t") else f"{authors}, {year}")
        # One link around the whole citation, brackets inside the link text: a backslash-escaped
        # bracket outside it, \[, would start display maths in MathJax and KaTeX.
        text = ", ".join(parts)
        return f"[{text}]({url})" if name.startswith("cite:t") else f"[[{text}]]({url})"

    def inline(self, text: str, where: str) -> str:
        """Resolve the roles of a run of Markdown, leaving inline code spans alone."""

        def replace(match: re.Match) -> str:
            if match["code"] is not None:
                return match["code"]
            return self.role(match["name"], match["content"], where)

        return INLINE.sub(replace, text)

    # -- blocks -------------------------------------------------------------------------------
    def lines(self, blocks: list, where: str, solution: SolutionState) -> list[str]:
        """Render parsed blocks to Markdown lines; solution-start/end switch ``solution``."""
        out: list[str] = []
        text: list[str] = []

        def flush() -> None:
            if text:
                out.extend(self.text_lines(text, where))
                text.clear()

        for block in blocks:
            if isinstance(block, str):
                if solution.pending_switch is not None:
                    raise ReaderError(f"{where}: text after a solution marker was not split")
                text.append(block)
                continue
            flush()
            out.extend(self.directive(block, where, solution))
        flush()
        return out

    def text_lines(self, lines: list[str], where: str) -> list[str]:
        out: list[str] = []
        fence: re.Pattern[str] | None = None
        buffer: list[str] = []

        def emit() -> None:
            if buffer:
                out.extend(self.inline("\n".join(buffer), where).split("\n"))
                buffer.clear()

        for line in lines:
            if fence is not None:
                out.append(line)
                if fence.match(line):
                    fence = None
                continue
            opened = FENCE_OPEN.match(line)
            if opened:
                emit()
                fence = closing_fence(opened)
                out.append(line)
                continue
            if TARGET_LINE.match(line) or COMMENT_LINE.match(line) or BLOCK_BREAK.match(line):
                continue
            label = MATH_LABEL.search(line)
            if label:
                target = self.target(label["label"], "eq", where)
                before = line[: label.start()].rstrip()
                tag = f"\\tag{{{target.number}}}"
                if before.strip() and before.strip() != "$$":
                    buffer.append(f"{before} {tag} $$")
                else:
                    indent = before[: len(before) - len(before.lstrip())]
                    buffer += [f"{indent}{tag}", f"{indent}$$"]
                continue
            buffer.append(line)
        emit()
        if "\\label{" in "\n".join(out):
            raise ReaderError(f"{where}: \\label inside maths has no reader-notebook rendering")
        return out

    def directive(self, block: Directive, where: str, solution: SolutionState) -> list[str]:
        name, options = block.name, block.options
        if name in ("exercise", "exercise-start"):
            label = options.get("label")
            target = self.project.targets.get(label) if label else None
            heading = "**Exercise" + (f" {target.number}" if target and target.number else "") + "**"
            if block.arg:
                heading += f" ({self.inline(block.arg, where)})"
            body = self.lines(block.body, where, solution)
            return [heading, "", *body, ""]
        if name == "exercise-end":
            return []
        if name in ("solution-start", "solution"):
            label = block.arg.split()[0] if block.arg else ""
            target = self.target(label, name, where)
            title = f"Solution to Exercise {target.number}".rstrip()
            if name == "solution-start":
                solution.pending_switch = ("start", title)
                return []
            body = self.lines(block.body, where, solution)
            return details(title, body)
        if name == "solution-end":
            solution.pending_switch = ("end", "")
            return []
        if name in ADMONITIONS:
            title = block.arg if name in ("admonition", "dropdown") else name.capitalize()
            title = self.inline(title or "Details", where)
            body = self.lines(block.body, where, solution)
            classes = str(options.get("class", "")).split()
            if name == "dropdown" or "dropdown" in classes:
                return details(title, body)
            return [f"> **{title}**", ">", *[f"> {line}".rstrip() for line in body], ""]
        raise ReaderError(
            f"{where}: the directive {{{name}}} has no reader-notebook rendering; add one to tools/reader_notebooks.py"
        )


def details(summary: str, body: list[str]) -> list[str]:
    """A folded block: <details> needs blank lines around Markdown inside it to render it."""
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


@dataclass
class SolutionState:
    title: str | None = None  # set while inside a solution-start ... solution-end region
    pending_switch: tuple | None = None
    parts: int = 0  # folded prose blocks of the current solution so far


def split_at_solution_markers(blocks: list) -> list[list]:
    """Top-level blocks split so that each solution-start / -end marker ends a segment."""
    segments, current = [], []
    for block in blocks:
        current.append(block)
        if isinstance(block, Directive) and block.name in ("solution-start", "solution-end"):
            segments.append(current)
            current = []
    segments.append(current)
    return segments


def tidy(lines: list[str]) -> str:
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def render_markdown(renderer: Renderer, source: str, where: str, state: SolutionState) -> str:
    blocks = parse_blocks(source.splitlines(), where)
    out: list[str] = []
    for segment in split_at_solution_markers(blocks):
        lines = renderer.lines(segment, where, state)
        if state.title is not None and tidy(lines):
            lines = details(state.title + (" (continued)" if state.parts else ""), lines)
            state.parts += 1
        out.extend(lines)
        if state.pending_switch is not None:
            kind, title = state.pending_switch
            state.title = title if kind == "start" else None
            state.pending_switch = None
            state.parts = 0
    return tidy(out)


def render_chapter(project: Project, docname: str) -> tuple[nbformat.NotebookNode, dict]:
    """The reader notebook of one chapter, and the cross-reference facts it used."""
    source_path = project.root / f"{docname}.ipynb"
    if not source_path.exists():
        raise ReaderError(f"{docname}.ipynb does not exist; execute the chapter first (make notebooks)")
    source = nbformat.read(source_path, as_version=4)
    renderer = Renderer(project, docname, {"base_url": project.base_url})
    state = SolutionState()
    cells = []
    title_numbered = False
    for index, original in enumerate(source.cells):
        cell = copy.deepcopy(original)
        where = f"{docname}.ipynb cell {index}"
        tags = set(cell.metadata.get("tags", []))
        if "remove-cell" in tags and cell.cell_type != "code":
            continue
        if cell.cell_type == "markdown":
            cell.source = render_markdown(renderer, cell.source, where, state)
            if not title_numbered and project.chapter_numbers.get(docname):
                cell.source, n = re.subn(
                    r"^# (?!\d)", f"# {project.chapter_numbers[docname]}. ", cell.source, count=1, flags=re.MULTILINE
                )
                title_numbered = bool(n)
            if not cell.source.strip():
                continue
            cells.append(cell)
            continue
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        if state.title is not None:
            collapse(cell, state.title + " (code)")
            cell.outputs, cell.execution_count = [], None
        elif tags & {"hide-input", "remove-input", "hide-cell"}:
            collapse(cell, "Hidden code (double-click to show)")
        # remove-cell hides a cell from the website only: the bootstrap cell carries it, and a
        # Colab reader needs that cell first of all. It stays, without the output of our run.
        if tags & {"hide-output", "remove-output", "hide-cell", "remove-cell"}:
            cell.outputs, cell.execution_count = [], None
        cell.outputs = [out for out in cell.outputs if WIDGET_VIEW not in out.get("data", {})]
        cells.append(cell)
        figure, image = figure_metadata(cell)
        if figure.get("caption"):
            caption = renderer.inline(figure["caption"], where + " caption")
            number = project.targets[figure["name"]].number if figure.get("name") in project.targets else ""
            lines = [f"**Fig. {number}** {caption}" if number else caption]
            if image.get("alt"):
                lines += ["", *details(f"Image description{' of Fig. ' + number if number else ''}",
                                       [escape_markdown(image["alt"])])]
            if state.title is not None:
                lines = details(state.title + " (figure)", lines)
            caption_cell = nbformat.v4.new_markdown_cell(tidy(lines))
            caption_cell.id = f"{cell.get('id', index)}-fig"[:64]
            cells.append(caption_cell)
    if state.title is not None:
        raise ReaderError(f"{docname}.ipynb: a {{solution-start}} has no {{solution-end}}")
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {key: source.metadata[key] for key in ("kernelspec", "language_info") if key in source.metadata}
    nb.metadata["colab"] = {"provenance": [], "toc_visible": True}
    digest = hashlib.sha256()
    used = json.dumps(renderer.used, sort_keys=True).encode()
    for part in (source_path.read_bytes(), Path(__file__).read_bytes(), used):
        digest.update(hashlib.sha256(part).digest())
    nb.metadata[META_KEY] = {
        "source": f"{docname}.ipynb",
        "generated_by": "tools/reader_notebooks.py",
        "source_hash": digest.hexdigest(),
        "note": "Generated from the chapter; edit chapters/*.md and run `make notebooks`, never this file.",
    }
    nbformat.validate(nb)
    return nb, renderer.used


def collapse(cell, title: str) -> None:
    """Fold a code cell in both front ends: Colab's form view and Jupyter's source_hidden."""
    if not cell.source.startswith("#@title"):
        cell.source = f"#@title {title}\n{cell.source}"
    cell.metadata["cellView"] = "form"
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True


# ---------------------------------------------------------------------------------------------
# Files


def chapter_docnames(project: Project) -> list[str]:
    """Toc documents that are executed chapter notebooks."""
    return [doc for doc in project.docnames if (project.root / f"{doc}.ipynb").exists()]


def reader_path(project: Project, docname: str) -> Path:
    return project.root / OUT_DIR / f"{PurePosixPath(docname).name}.ipynb"


def serialise(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def rendered(project: Project) -> Iterator[tuple[str, Path, str]]:
    """(docname, reader notebook path, its text as this tool writes it now) for every chapter."""
    for docname in chapter_docnames(project):
        nb, _ = render_chapter(project, docname)
        yield docname, reader_path(project, docname), serialise(nb)


def stale(project: Project) -> list[str]:
    """Reader notebooks that are missing or differ from what this tool generates now."""
    problems, expected_files = [], set()
    for docname, path, text in rendered(project):
        expected_files.add(path.name)
        rel = path.relative_to(project.root)
        if not path.exists():
            problems.append(f"{rel} is missing")
        elif stored_hash(path.read_text(encoding="utf-8")) != stored_hash(text):
            problems.append(f"{rel} is stale: {docname}.ipynb, the tool or a cross-reference changed")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{rel} was edited by hand")
    out_dir = project.root / OUT_DIR
    if out_dir.exists():
        for extra in sorted(p.name for p in out_dir.glob("*.ipynb") if p.name not in expected_files):
            problems.append(f"{OUT_DIR}/{extra} has no chapter in _toc.yml")
    return problems


def stored_hash(text: str) -> str | None:
    return nbformat.reads(text, as_version=4).metadata.get(META_KEY, {}).get("source_hash")


def write_all(project: Project) -> list[Path]:
    (project.root / OUT_DIR).mkdir(exist_ok=True)
    written = []
    for _, path, text in rendered(project):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a reader notebook is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's root folder")
    args = parser.parse_args(argv)
    try:
        project = load_project(args.root)
        if args.check:
            problems = stale(project)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                print("Run `make notebooks` (or python tools/reader_notebooks.py).", file=sys.stderr)
            return 1 if problems else 0
        written = write_all(project)
    except ReaderError as error:
        print(f"reader_notebooks: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(args.root)}")
    print(f"{len(chapter_docnames(project))} reader notebooks in {OUT_DIR}/ are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
