"""Everything the course does with notebooks: execute, hash, stabilise, copy the checkout, build the book.

Each ``chapters/NN-name.md`` (MyST, the file people edit) is paired with ``chapters/NN-name.ipynb``
(executed, committed; the website, the reader notebooks and nbval use it). The notebook records a
hash of what its outputs can depend on (:func:`source_hash`); a chapter is re-executed only when
that hash no longer matches. The Makefile, the tests and the benchmarks all come here for:

- :func:`execute`, the one ``NotebookClient`` set-up (fresh kernel, ``PYTHONHASHSEED=0``);
- :func:`kernel_for`, a kernel spec for another Python (``make test-oldest``, the Colab test);
- :func:`source_hash`, :func:`stable_cell_ids`, :func:`stable_widget_ids`, :func:`merged_streams`
  (same results, same bytes);
- :func:`copy_checkout`, what a clone of this working tree would hold;
- :func:`book_command`, the ``jupyter-book build`` command line.

Usage::

    python tools/notebooks.py execute                 # execute stale chapters (make notebooks)
    python tools/notebooks.py execute --force         # execute all
    python tools/notebooks.py execute chapters/01-model.md
    python tools/notebooks.py check                   # exit 1 if any chapter is stale
    python tools/notebooks.py in-env --python .venv-oldest/bin/python   # run chapters there, report errors
    python tools/notebooks.py build                   # build the website into _build/html (make html)
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
HASH_KEY = "course_source_hash"
TIMEOUT_S = 120
#: Every kernel gets a fixed hash seed, so any set- or dict-order output is stable.
KERNEL_ENV = {"PYTHONHASHSEED": "0"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MODEL_ID = re.compile(r"[0-9a-f]{32}")
PROBE_VERSIONS = (
    "import sys, torch, numpy, matplotlib, ipywidgets as w; "
    "print(sys.version.split()[0], torch.__version__, numpy.__version__, matplotlib.__version__, w.__version__)"
)


# --------------------------------------------------------------------------- hash


def code_of(path: Path) -> bytes:
    """A Python file as the interpreter sees it: docstrings and comments dropped, layout normalised.

    A chapter cannot print a docstring (none calls ``help`` or reads ``__doc__``; ``test_notebooks``
    would not notice if one did), so editing one must not re-execute every chapter.
    """
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree).encode()


def source_hash(md_path: Path, root: Path = ROOT) -> str:
    """Hash of a chapter's source and of the code (not the docs) of every ``d2lmini`` file it can import.

    Non-Python files under ``d2lmini/`` count byte for byte. ``ast.unparse`` may lay code out
    differently in another Python version, so hashes are made with the project's ``.venv``.
    """
    digest = hashlib.sha256()
    for path in [md_path, *sorted(p for p in (root / "d2lmini").rglob("*") if p.is_file())]:
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(code_of(path) if path.suffix == ".py" else path.read_bytes())
    return digest.hexdigest()


def ipynb_for(md_path: Path) -> Path:
    return md_path.with_suffix(".ipynb")


def is_stale(md_path: Path) -> bool:
    nb_path = ipynb_for(md_path)
    if not nb_path.exists():
        return True
    stored = nbformat.read(nb_path, as_version=4).metadata.get(HASH_KEY)
    return stored != source_hash(md_path, md_path.resolve().parent.parent)


# --------------------------------------------------------------------------- same results, same bytes


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

    def content(model_id: str) -> str:
        text = json.dumps(state[model_id], sort_keys=True)
        return MODEL_ID.sub(lambda m: new_ids.get(m.group(), "?"), text)

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view:
                number(view["model_id"])
    while len(new_ids) < len(state):
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


def merged_streams(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Join each run of consecutive stdout (or stderr) outputs of a cell into one output.

    How a cell's prints are split into stream messages depends on when the kernel flushes, so
    the same run can store one output or several; joined, the bytes are the same every time.
    """
    for cell in nb.cells:
        merged: list = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if out.output_type == "stream" and last is not None and last.output_type == "stream" \
                    and last.name == out.name:
                last.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged
    return nb


# --------------------------------------------------------------------------- execute


@contextlib.contextmanager
def _environ(changes: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the kernels started inside (they inherit this process's)."""
    saved = {key: os.environ.get(key) for key in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute(
    nb: nbformat.NotebookNode,
    cwd: Path,
    *,
    kernel_name: str = "python3",
    timeout: int = TIMEOUT_S,
    env: Mapping[str, str] | None = None,
    widgets: bool = False,
) -> nbformat.NotebookNode:
    """Run ``nb`` in place in a fresh kernel started in ``cwd``; raise ``CellExecutionError`` if a cell fails.

    ``env`` adds environment variables for the kernel (e.g. :func:`kernel_for`'s ``JUPYTER_PATH``);
    ``widgets`` stores the widget state in the notebook's metadata.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        store_widget_state=widgets,
        # Outputs and widget state are collected before shutdown; a graceful one only costs ~0.4 s.
        shutdown_kernel="immediate",
    )
    with _environ({**KERNEL_ENV, **(env or {})}):
        client.execute()
    return nb


def execute_chapter(md_path: Path) -> float:
    """Execute one chapter's source in a fresh kernel, write its paired ``.ipynb``; return the seconds."""
    import jupytext

    nb = jupytext.read(md_path)
    nb.metadata.pop("jupytext", None)
    nb.metadata["jupytext"] = {"formats": "ipynb,md:myst"}
    nb.metadata[HASH_KEY] = source_hash(md_path, md_path.resolve().parent.parent)
    start = time.perf_counter()
    execute(nb, md_path.parent, widgets=True)
    elapsed = time.perf_counter() - start
    nbformat.write(stable_widget_ids(stable_cell_ids(merged_streams(nb))), ipynb_for(md_path))
    return elapsed


@contextlib.contextmanager
def kernel_for(python: Path | str, name: str = "course-other-env") -> Iterator[dict[str, str]]:
    """Register ``python`` (it needs ipykernel) as kernel ``name`` in a temporary folder.

    Yields the environment to pass as :func:`execute`'s ``env`` along with ``kernel_name=name``.
    """
    with tempfile.TemporaryDirectory(prefix="course-kernel-") as tmp:
        proc = subprocess.run(
            [str(python), "-m", "ipykernel", "install", "--prefix", tmp, "--name", name],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"could not register {python} as a Jupyter kernel:\n{proc.stderr[-2000:]}")
        yield {"JUPYTER_PATH": str(Path(tmp) / "share" / "jupyter")}


# --------------------------------------------------------------------------- checkout and book


def copy_checkout(target: Path, root: Path = ROOT) -> Path:
    """Copy what a clone of ``root``'s working tree would hold (tracked, plus untracked but not ignored).

    Tests and benchmarks work on such a copy: other people edit the tree meanwhile, pip's in-tree
    build would write into it, and ignored folders (virtual environments, ``_build``) are not needed.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout
    target.mkdir(parents=True, exist_ok=True)
    for name in filter(None, listed.split("\0")):
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def book_command(source: Path = ROOT, out: Path | None = None) -> list[str]:
    """The ``jupyter-book build`` of ``source`` that ``make html`` runs: every page, warnings are errors."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", "--all", "-W", "-n", "--keep-going"]
    return command + (["--path-output", str(out)] if out else []) + [str(source)]


# --------------------------------------------------------------------------- command line


def run_in_env(python: Path, notebooks: Sequence[Path], timeout: int) -> int:
    """Execute notebooks in memory in a kernel of ``python``; print one line each; return how many failed."""
    from nbclient.exceptions import CellExecutionError

    version = subprocess.run(
        [str(python), "-c", PROBE_VERSIONS],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    print("python {} torch {} numpy {} matplotlib {} ipywidgets {}".format(*version))
    failures = 0
    with kernel_for(python) as env:
        for path in notebooks:
            start = time.perf_counter()
            try:
                execute(nbformat.read(path, as_version=4), path.parent, kernel_name="course-other-env",
                        timeout=timeout, env=env)
                status = "ok"
            except CellExecutionError as err:
                failures += 1
                status = f"FAILED\n{err}"
            print(f"{path.relative_to(ROOT)}: {status} ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"{len(notebooks) - failures} passed, {failures} failed")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("execute", help="execute stale chapters and write their .ipynb")
    run.add_argument("chapters", nargs="*", type=Path, help="chapter .md files (default: all)")
    run.add_argument("--force", action="store_true", help="execute even if up to date")
    run.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="chapters executed at once")
    check = commands.add_parser("check", help="report stale chapters; exit 1 if any")
    check.add_argument("chapters", nargs="*", type=Path)
    other = commands.add_parser("in-env", help="run chapters in another environment's kernel; exit 1 on an error")
    other.add_argument("--python", required=True, type=Path, help="the environment's Python (needs ipykernel)")
    other.add_argument("notebooks", nargs="*", type=Path, help="chapter .ipynb files (default: all)")
    other.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    commands.add_parser("build", help="build the website into _build/html")
    args = parser.parse_args(argv)

    if args.command == "build":
        return subprocess.run(book_command(), cwd=ROOT, check=False).returncode
    if args.command == "in-env":
        notebooks = [p.resolve() for p in args.notebooks] or sorted(CHAPTERS.glob("*.ipynb"))
        return 1 if run_in_env(args.python, notebooks, args.timeout) else 0
    chapters = [p.resolve() for p in args.chapters] or sorted(CHAPTERS.glob("*.md"))
    stale = [p for p in chapters if getattr(args, "force", False) or is_stale(p)]
    if args.command == "check":
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run `make notebooks`)")
        return 1 if stale else 0
    if not stale:
        print("all chapter notebooks are up to date")
        return 0
    with ProcessPoolExecutor(max_workers=max(1, min(args.jobs, len(stale)))) as pool:
        for path, seconds in zip(stale, pool.map(execute_chapter, stale)):
            print(f"executed {path.relative_to(ROOT)} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
