"""tools/execute_notebooks.py writes the same bytes for the same results: no random ids survive."""

from __future__ import annotations

import re
import sys
import uuid

import nbformat

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import execute_notebooks  # noqa: E402

STATE = "application/vnd.jupyter.widget-state+json"
VIEW = "application/vnd.jupyter.widget-view+json"


def widget_notebook(ids: list[str]) -> nbformat.NotebookNode:
    """A slider, its layout, a box holding the slider, and a link to the slider, under random ids."""
    layout, slider, box, link = ids
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("box")
    cell.outputs = [nbformat.v4.new_output("display_data", data={VIEW: {"model_id": box, "version_major": 2}})]
    nb.cells = [cell]
    nb.metadata["widgets"] = {
        STATE: {
            "state": {
                link: {"model_name": "LinkModel", "state": {"source": [f"IPY_MODEL_{slider}", "value"]}},
                box: {"model_name": "BoxModel", "state": {"children": [f"IPY_MODEL_{slider}"]}},
                slider: {"model_name": "IntSliderModel", "state": {"layout": f"IPY_MODEL_{layout}", "value": 3}},
                layout: {"model_name": "LayoutModel", "state": {"width": "10px"}},
            },
            "version_major": 2,
            "version_minor": 0,
        }
    }
    return nb


def test_widget_ids_do_not_depend_on_the_random_ones():
    first = execute_notebooks.stable_widget_ids(widget_notebook([uuid.uuid4().hex for _ in range(4)]))
    second = execute_notebooks.stable_widget_ids(widget_notebook([uuid.uuid4().hex for _ in range(4)]))
    # nbformat writes JSON with sorted keys, so equal dicts give equal files.
    assert first.metadata == second.metadata
    assert first.cells[0].outputs == second.cells[0].outputs


def test_renamed_widget_references_still_resolve():
    nb = execute_notebooks.stable_widget_ids(widget_notebook([uuid.uuid4().hex for _ in range(4)]))
    state = nb.metadata["widgets"][STATE]["state"]
    view = nb.cells[0].outputs[0]["data"][VIEW]["model_id"]
    assert state[view]["model_name"] == "BoxModel"
    text = nbformat.writes(nb)
    for ref in re.findall(r"IPY_MODEL_([0-9a-f]{32})", text):
        assert ref in state
    names = sorted(state[m]["model_name"] for m in state)
    assert names == ["BoxModel", "IntSliderModel", "LayoutModel", "LinkModel"]


def test_cell_ids_are_unique_valid_and_follow_the_source():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("same"), nbformat.v4.new_code_cell("same"), nbformat.v4.new_code_cell("x")]
    ids = [c.id for c in execute_notebooks.stable_cell_ids(nb).cells]
    again = [c.id for c in execute_notebooks.stable_cell_ids(nbformat.from_dict(nb)).cells]
    assert ids == again
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", i) for i in ids)
    nbformat.validate(nb)
