"""The committed notebooks match their MyST sources, are up to date, and follow the house rules."""

from __future__ import annotations

import json
import re

import jupytext
import nbformat
import pytest
import yaml
from conftest import ROOT, chapter_names

from tools import notebooks

pytestmark = pytest.mark.project

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = (ROOT / "_toc.yml").read_text()
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CHAPTERS = chapter_names()


def load(name: str):
    md = jupytext.read(ROOT / "chapters" / f"{name}.md")
    nb = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    return md, nb


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_every_source_has_a_notebook_and_back():
    sources = {p.stem for p in (ROOT / "chapters").glob("*.md")}
    notebooks = {p.stem for p in (ROOT / "chapters").glob("*.ipynb")}
    assert sources == notebooks
    assert len(sources) >= 1


@pytest.mark.parametrize("name", CHAPTERS)
def test_notebook_holds_the_same_cells_as_its_source(name):
    md, nb = load(name)
    summary = lambda book: [
        (c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in book.cells
    ]
    assert summary(nb) == summary(md)


@pytest.mark.parametrize("name", CHAPTERS)
def test_notebook_was_executed_from_the_current_sources(name):
    assert not notebooks.is_stale(ROOT / "chapters" / f"{name}.md"), (
        f"chapters/{name}.ipynb is older than its .md or d2lmini: run `make notebooks` and commit it"
    )


@pytest.mark.parametrize("name", CHAPTERS)
def test_notebook_ran_cleanly_in_order(name):
    _, nb = load(name)
    counts = [cell.execution_count for cell in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), "cells must run top to bottom, each once"
    for cell in code_cells(nb):
        for output in cell.outputs:
            assert output.output_type != "error", f"stored error in: {cell.source[:60]}"
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"stderr in stored output (non-deterministic noise): {output.text[:200]}"
            )


@pytest.mark.parametrize("name", CHAPTERS)
def test_figures_are_png_with_alt_text(name):
    _, nb = load(name)
    for cell in code_cells(nb):
        for output in cell.outputs:
            data = output.get("data", {})
            assert "image/svg+xml" not in data, "SVG output carries dates and random ids; use PNG"
            if "image/png" in data:
                alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
                assert len(alt) >= 20, f"figure without alt text in cell: {cell.source[:60]}"


def bootstrap_cell() -> str:
    """The first code cell every chapter starts with, built from the one repository URL in _config.yml."""
    return code_cells(jupytext.read(ROOT / "chapters" / "01-model.md"))[0].source


def test_bootstrap_cell_installs_from_the_configured_repository():
    url = CONFIG["repository"]["url"]
    branch = CONFIG["repository"]["branch"]
    source = bootstrap_cell()
    assert f'"git+{url}@{branch}"' in source
    assert "D2LMINI_SOURCE" in source, "tests need to point the install at the checkout"
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    for pinned in ("torch", "numpy", "matplotlib", "ipywidgets"):
        assert f'"{pinned}"' in code and not re.search(rf"{pinned}\s*[=<>~!]", code), f"{pinned} must not be pinned"
    assert '"--no-deps"' in code, "with every library present, only d2lmini is installed"


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_starts_with_the_bootstrap_cell(name):
    md, _ = load(name)
    first = code_cells(md)[0]
    assert first.source == bootstrap_cell()
    assert "remove-cell" in first.metadata.get("tags", [])  # the website never shows it


@pytest.mark.parametrize("name", CHAPTERS)
def test_widget_views_have_stored_state(name):
    """A widget view without metadata.widgets silently vanishes from the static site."""
    _, nb = load(name)
    views = {
        output["data"][WIDGET_VIEW]["model_id"]
        for cell in code_cells(nb)
        for output in cell.outputs
        if WIDGET_VIEW in output.get("data", {})
    }
    if not views:
        return
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    assert views <= set(state), f"views without stored state: {sorted(views - set(state))}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_is_in_the_table_of_contents(name):
    assert f"file: chapters/{name}\n" in TOC


def test_notebooks_are_valid_nbformat():
    for name in CHAPTERS:
        nbformat.validate(nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4))
        json.loads((ROOT / "chapters" / f"{name}.ipynb").read_text())
