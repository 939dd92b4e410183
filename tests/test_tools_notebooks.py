"""tools/notebooks.py: same results give the same bytes, the hash follows the code, copies are clones."""

from __future__ import annotations

import re
import subprocess
import uuid

import nbformat
import pytest

from tools import notebooks

pytestmark = pytest.mark.project  # the tool chain: jupytext, nbclient, git

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
    first = notebooks.stable_widget_ids(widget_notebook([uuid.uuid4().hex for _ in range(4)]))
    second = notebooks.stable_widget_ids(widget_notebook([uuid.uuid4().hex for _ in range(4)]))
    # nbformat writes JSON with sorted keys, so equal dicts give equal files.
    assert first.metadata == second.metadata
    assert first.cells[0].outputs == second.cells[0].outputs


def test_renamed_widget_references_still_resolve():
    nb = notebooks.stable_widget_ids(widget_notebook([uuid.uuid4().hex for _ in range(4)]))
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
    ids = [c.id for c in notebooks.stable_cell_ids(nb).cells]
    again = [c.id for c in notebooks.stable_cell_ids(nbformat.from_dict(nb)).cells]
    assert ids == again
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", i) for i in ids)
    nbformat.validate(nb)


def chapter_tree(root, module: str):
    (root / "chapters").mkdir(parents=True)
    (root / "d2lmini").mkdir()
    (root / "chapters" / "01-a.md").write_text("# A\n")
    (root / "d2lmini" / "__init__.py").write_text(module)
    return root / "chapters" / "01-a.md"


def test_source_hash_ignores_docstrings_comments_and_layout(tmp_path):
    code = 'def f(x):\n    return x + 1\n\nclass C:\n    pass\n'
    documented = (
        '"""Module doc."""\n# a comment\ndef f(x):\n    """Add one."""\n    return (x +  1)  # why\n\n\n'
        'class C:\n    """Only a docstring."""\n'
    )
    plain = notebooks.source_hash(chapter_tree(tmp_path / "a", code), tmp_path / "a")
    assert notebooks.source_hash(chapter_tree(tmp_path / "b", documented), tmp_path / "b") == plain


@pytest.mark.parametrize(
    "change",
    [
        'def f(x):\n    return x + 2\n\nclass C:\n    pass\n',  # the code
        'def f(x):\n    return x + 1\n\nclass C:\n    pass\nMESSAGE = "x must be positive"\n',  # a string
        'def f(x):\n    """Add one."""\n    "a second string is code"\n    return x + 1\n\nclass C:\n    pass\n',
    ],
    ids=["code", "string", "second-string"],
)
def test_source_hash_follows_the_code(tmp_path, change):
    code = 'def f(x):\n    return x + 1\n\nclass C:\n    pass\n'
    plain = notebooks.source_hash(chapter_tree(tmp_path / "a", code), tmp_path / "a")
    assert notebooks.source_hash(chapter_tree(tmp_path / "b", change), tmp_path / "b") != plain


def test_source_hash_follows_the_chapter_and_other_files(tmp_path):
    md = chapter_tree(tmp_path, "X = 1\n")
    before = notebooks.source_hash(md, tmp_path)
    md.write_text("# B\n")
    after_md = notebooks.source_hash(md, tmp_path)
    (tmp_path / "d2lmini" / "table.csv").write_text("1,2\n")
    assert len({before, after_md, notebooks.source_hash(md, tmp_path)}) == 3


def test_copy_checkout_copies_what_a_clone_would_hold(tmp_path):
    root = tmp_path / "tree"
    for name in ("chapters/01-a.md", "_templates/layout.html", "d2lmini/__init__.py", "_toc.yml",
                 "untracked-new.md", ".venv-oldest/lib/huge.so", "_build/html/index.html",
                 "d2lmini/__pycache__/x.pyc", "_extra/mathjax/tex-chtml.js", ".gitignore"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    (root / ".gitignore").write_text(".venv-oldest/\n_build/\n__pycache__/\n_extra/\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "chapters", "_templates", "d2lmini", "_toc.yml", ".gitignore"], cwd=root, check=True)
    copy = notebooks.copy_checkout(tmp_path / "copy", root=root)
    copied = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file())
    assert copied == [".gitignore", "_templates/layout.html", "_toc.yml", "chapters/01-a.md",
                      "d2lmini/__init__.py", "untracked-new.md"]
    assert (copy / "chapters/01-a.md").read_text() == "chapters/01-a.md"


def test_execute_runs_in_a_fresh_kernel_with_a_fixed_hash_seed(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.environ['PYTHONHASHSEED'], os.getcwd())")]
    notebooks.execute(nb, tmp_path)
    assert nb.cells[0].outputs[0]["text"].split() == ["0", str(tmp_path)]


def test_kernel_for_registers_another_python(tmp_path):
    import sys

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")]
    with notebooks.kernel_for(sys.executable, "course-test-kernel") as env:
        notebooks.execute(nb, tmp_path, kernel_name="course-test-kernel", env=env)
    assert nb.cells[0].outputs[0]["text"].strip() == sys.executable


def test_book_command_builds_every_page_with_warnings_as_errors(tmp_path):
    command = notebooks.book_command(tmp_path / "src", tmp_path / "out")
    assert command[1:] == ["build", "--all", "-W", "-n", "--keep-going", "--path-output", str(tmp_path / "out"),
                           str(tmp_path / "src")]


def test_merged_streams_joins_consecutive_prints_of_one_stream_only():
    out = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("print(1); print(2)")
    cell.outputs = [
        out("stream", name="stdout", text="a\n"), out("stream", name="stdout", text="b\n"),
        out("stream", name="stderr", text="w\n"), out("stream", name="stdout", text="c\n"),
        out("execute_result", data={"text/plain": "3"}, execution_count=1),
        out("stream", name="stdout", text="d\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("text")])
    got = notebooks.merged_streams(nb).cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in got] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "w\n"), ("stream", "stdout", "c\n"),
        ("execute_result", None, None), ("stream", "stdout", "d\n"),
    ]
