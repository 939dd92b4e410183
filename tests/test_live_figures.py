"""Every interactive figure of every chapter, live in a kernel: a move redraws the picture.

The static path is driven in the browser (test_widgets_browser.py); this drives the live
one.  For each chapter, a kernel runs the chapter's code up to its last interactive figure;
after each figure cell it builds the same figure again with ``live=True`` and moves every
slider, as a reader's drag would (``continuous_update=False``: one change per release).
Truth: the figure cells are found from the committed notebooks' outputs (a widget view),
not from a list kept by hand, so a new figure is covered without editing this file.
"""

from __future__ import annotations

import ast
import json

import nbformat
import pytest
from conftest import ROOT

from tools.notebooks import execute

pytestmark = pytest.mark.project

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.ipynb"))

PROBE = '''
import json as _json

def _probe_live(figure):
    """Move each slider of a live figure to two other values; report what the picture did."""
    report = {"live": figure.live, "moves": []}
    for slider in figure.sliders:
        start = slider.index
        for index in (len(slider.options) - 1, 0):
            if index == slider.index:
                continue
            before_html, before = figure.view.value, figure.shown()
            slider.index = index
            after = figure.shown()
            report["moves"].append({
                "knob": slider.options[index][0],
                "html_changed": figure.view.value != before_html,
                "png_changed": after.png != before.png,
                "alt_changed": after.alt != before.alt,
                "alt_in_view": after.alt in __import__("html").unescape(figure.view.value),
            })
        slider.index = start
    print("LIVE-PROBE " + _json.dumps(report))
'''


def _figure_cells(nb: nbformat.NotebookNode) -> list[int]:
    return [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and any(WIDGET_VIEW in out.get("data", {}) for out in cell.get("outputs", []))
    ]


def _live_version(source: str) -> str:
    """The cell with its last expression, a call, given ``live=True`` and probed."""
    tree = ast.parse(source)
    last = tree.body[-1]
    assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call), (
        f"an interactive figure cell should end with the call that makes the figure:\n{source}"
    )
    call = last.value
    call.keywords = [k for k in call.keywords if k.arg != "live"] + [ast.keyword("live", ast.Constant(True))]
    tree.body[-1] = ast.Expr(ast.Call(ast.Name("_probe_live", ast.Load()), [call], []))
    return ast.unparse(ast.fix_missing_locations(tree))


@pytest.mark.parametrize("path", [p for p in CHAPTERS if _figure_cells(nbformat.read(p, as_version=4))],
                         ids=lambda p: p.stem)
def test_every_figure_redraws_live_in_a_kernel(path):
    nb = nbformat.read(path, as_version=4)
    figures = _figure_cells(nb)
    cells = [nbformat.v4.new_code_cell(PROBE)]
    for i, cell in enumerate(nb.cells[: figures[-1] + 1]):
        if cell.cell_type != "code":
            continue
        if i in figures:
            cells.append(nbformat.v4.new_code_cell(_live_version(cell.source)))
        else:
            cells.append(nbformat.v4.new_code_cell(cell.source))
    probe_nb = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    execute(probe_nb, path.parent)
    reports = [
        json.loads(line.removeprefix("LIVE-PROBE "))
        for cell in probe_nb.cells for out in cell.get("outputs", []) if out.get("name") == "stdout"
        for line in out["text"].splitlines() if line.startswith("LIVE-PROBE ")
    ]
    assert len(reports) == len(figures), f"{len(figures)} figures in {path.name}, {len(reports)} probed live"
    for report in reports:
        assert report["live"] and report["moves"], report
        for move in report["moves"]:
            assert all(move[k] for k in ("html_changed", "png_changed", "alt_changed", "alt_in_view")), move
