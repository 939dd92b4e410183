"""Execute chapters whose sources changed and write their paired, executed .ipynb.

Each ``chapters/NN-name.md`` (MyST, the file people edit) is paired with
``chapters/NN-name.ipynb`` (executed, committed; the website, Colab and nbval use it).
The notebook records a hash of its ``.md`` and of the ``d2lmini`` sources it ran
against; a chapter is re-executed only when that hash no longer matches.

Usage::

    python tools/execute_notebooks.py            # execute stale chapters
    python tools/execute_notebooks.py --force    # execute all
    python tools/execute_notebooks.py --check    # exit 1 if any chapter is stale
    python tools/execute_notebooks.py chapters/01-model.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
HASH_KEY = "course_source_hash"
TIMEOUT_S = 120
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MODEL_ID = re.compile(r"[0-9a-f]{32}")


def source_hash(md_path: Path) -> str:
    """Hash of the chapter source and every d2lmini module it can import."""
    digest = hashlib.sha256()
    for path in [md_path, *sorted((ROOT / "d2lmini").rglob("*.py"))]:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ipynb_for(md_path: Path) -> Path:
    return md_path.with_suffix(".ipynb")


def is_stale(md_path: Path) -> bool:
    nb_path = ipynb_for(md_path)
    if not nb_path.exists():
        return True
    stored = nbformat.read(nb_path, as_version=4).metadata.get(HASH_KEY)
    return stored != source_hash(md_path)


def stable_widget_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Rename the random widget model ids to ones that depend only on the widgets themselves.

    ipywidgets names every model with a fresh uuid, so each re-execution would rewrite the whole
    stored widget state and every view. Models are numbered in a fixed order: first those reached
    from the views in the outputs, depth first through their references; then the rest (links),
    ordered by their content with already-numbered references spelled out.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return nb
    new_ids: dict[str, str] = {}

    def number(model_id: str) -> None:
        if model_id in new_ids or model_id not in state:
            return
        new_ids[model_id] = f"{len(new_ids):032x}"
        for ref in MODEL_ID.findall(json.dumps(state[model_id], sort_keys=True)):
            number(ref)

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view:
                number(view["model_id"])
    while len(new_ids) < len(state):

        def content(model_id: str) -> str:
            text = json.dumps(state[model_id], sort_keys=True)
            return MODEL_ID.sub(lambda m: new_ids.get(m.group(), "?"), text)

        number(min((m for m in state if m not in new_ids), key=content))
    text = MODEL_ID.sub(lambda m: new_ids.get(m.group(), m.group()), json.dumps(nb))
    return nbformat.from_dict(json.loads(text))


def stable_cell_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give cells ids derived from their source (jupytext draws random ones on every read)."""
    seen: set[str] = set()
    for cell in nb.cells:
        base = hashlib.sha1(cell.source.encode()).hexdigest()[:8]
        cell_id, n = base, 1
        while cell_id in seen:
            cell_id, n = f"{base}-{n}", n + 1
        seen.add(cell_id)
        cell["id"] = cell_id
    return nb


def execute(md_path: Path) -> float:
    """Execute one chapter in a fresh kernel; return the seconds it took."""
    nb = jupytext.read(md_path)
    nb.metadata.pop("jupytext", None)
    nb.metadata["jupytext"] = {"formats": "ipynb,md:myst"}
    nb.metadata[HASH_KEY] = source_hash(md_path)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(md_path.parent)}},
        record_timing=False,
        store_widget_state=True,
        # Outputs and widget state are collected before shutdown; a graceful one only costs ~0.4 s.
        shutdown_kernel="immediate",
    ).execute()
    elapsed = time.perf_counter() - start
    nbformat.write(stable_widget_ids(stable_cell_ids(nb)), ipynb_for(md_path))
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", type=Path, help="chapter .md files (default: all)")
    parser.add_argument("--force", action="store_true", help="execute even if up to date")
    parser.add_argument("--check", action="store_true", help="only report stale chapters; exit 1 if any")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="chapters executed at once")
    args = parser.parse_args()

    chapters = [p.resolve() for p in args.chapters] or sorted(CHAPTERS.glob("*.md"))
    stale = [p for p in chapters if args.force or is_stale(p)]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run `make notebooks`)")
        return 1 if stale else 0
    if not stale:
        print("all chapter notebooks are up to date")
        return 0
    # Kernels inherit this; a fixed hash seed keeps any set/dict-order output stable.
    os.environ["PYTHONHASHSEED"] = "0"
    with ProcessPoolExecutor(max_workers=max(1, min(args.jobs, len(stale)))) as pool:
        for path, seconds in zip(stale, pool.map(execute, stale)):
            print(f"executed {path.relative_to(ROOT)} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
