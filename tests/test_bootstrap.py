"""Every chapter installs d2lmini by itself in a kernel holding Colab's own packages, and changes nothing else.

Colab starts with torch, NumPy, matplotlib, ipywidgets 7 and its own Jupyter stack, but without
this repository's helper package. Each chapter's first cell (the bootstrap cell) must install
``d2lmini`` there, alone, and then the chapter must run.

The kernel is Colab's published package set (``requirements-colab.txt``: every pin taken from
``../shared/reference/colab-runtime-2026-08.txt``, on Python 3.13; the file lists where it
departs from Colab), built once by ``tools/colab_env.py`` and cached by its pins in
``~/.cache/d2lmini-course/`` (first run: about 5 GB, a minute or two here; later runs only
check that its ``pip freeze`` still equals the pins). For each chapter the test uninstalls
d2lmini, checks the freeze, registers the environment as a Jupyter kernel, points
``D2LMINI_SOURCE`` at a copy of the checkout (what a clone would hold: git's tracked and
untracked-but-not-ignored files; a copy so that pip's in-tree build writes nothing into the
working tree) and executes the notebook the Colab button opens with nbclient, in a fresh kernel
and an empty working directory, as Colab does in ``/content``. The kernel's pip sees no index,
only Colab's setuptools wheel for building d2lmini (``PIP_NO_INDEX``), so the bootstrap cannot
fetch anything else.

It asserts that the chapter ran without an error in that kernel and that ``pip freeze --all``
afterwards is the freeze before plus d2lmini, a normal (not editable) install of the checkout's
code. The bootstrap cell's decisions and error messages are checked without a kernel below.

``make test`` runs the SGD chapter, whose explorer is where ipywidgets 7 differs (about a minute
with the environment cached); ``make test-colab`` runs every chapter (``BOOTSTRAP_CHAPTERS=all``;
``BOOTSTRAP_CHAPTERS=01-model,02-loss`` selects some, ``BOOTSTRAP_NOTEBOOKS=DIR`` reads them from DIR).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from tools import colab_env, notebooks
from tools.notebooks import ROOT

pytestmark = pytest.mark.project

KERNEL_NAME = "d2lmini-colab-test"
CELL_TIMEOUT_S = 300
PROBE = "import sys, d2lmini\nprint(sys.prefix)\nprint(d2lmini.__file__)"
#: The notebooks the Colab button opens: the reader notebooks once they exist, else the chapters
#: (BOOTSTRAP_NOTEBOOKS names another folder).
READER = ROOT / "notebooks"
NOTEBOOKS = Path(
    os.environ.get("BOOTSTRAP_NOTEBOOKS") or (READER if sorted(READER.glob("[0-9][0-9]-*.ipynb")) else ROOT / "chapters")
)
#: `make test` runs the widget chapter (ipywidgets 7 is where Colab differs most); `make test-colab` all.
DEFAULT_CHAPTERS = "04-sgd"


def selected_notebooks() -> list[Path]:
    every = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    wanted = os.environ.get("BOOTSTRAP_CHAPTERS", DEFAULT_CHAPTERS).strip()
    if wanted == "all":
        return every
    return [NOTEBOOKS / f"{name.strip()}.ipynb" for name in wanted.split(",") if name.strip()]


def run(*args: str | Path, cwd: Path | None = None, check: bool = True, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env, check=False)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc


def bootstrap_source() -> str:
    md = jupytext.read(ROOT / "chapters" / "01-model.md")
    return next(cell.source for cell in md.cells if cell.cell_type == "code")


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """Colab's environment (cached), a kernel spec for it, a copy of the checkout and the build backend's wheel."""
    try:
        python = colab_env.ensure()
        wheels = colab_env.build_backend_wheels()
    except colab_env.ColabEnvError as err:
        pytest.fail(f"could not build Colab's environment: {err}")
    source = notebooks.copy_checkout(tmp_path_factory.mktemp("colab") / "checkout")
    with notebooks.kernel_for(python, KERNEL_NAME) as kernel_env:
        yield python, kernel_env, source, wheels
    run(python, "-m", "pip", "uninstall", "--yes", "--quiet", "d2lmini", check=False)  # leave Colab's set as built


def test_notebooks_to_run_exist():
    assert selected_notebooks(), f"no notebooks in {NOTEBOOKS}"
    for path in selected_notebooks():
        assert path.exists(), f"no {path} (BOOTSTRAP_CHAPTERS names {path.stem!r})"


@pytest.mark.bootstrap
@pytest.mark.parametrize("notebook", selected_notebooks(), ids=lambda path: path.stem)
def test_chapter_runs_in_colabs_runtime_and_installs_only_d2lmini(notebook, colab, tmp_path, monkeypatch):
    python, kernel_env, source, wheels = colab
    workdir = tmp_path / "content"  # an empty working directory, like Colab's /content
    workdir.mkdir()

    # Before: Colab's exact package set, no d2lmini (an earlier chapter installed it).
    run(python, "-m", "pip", "uninstall", "--yes", "--quiet", "d2lmini", check=False)
    before = colab_env.freeze(python)
    assert before == colab_env.pins(), "the cached environment no longer matches requirements-colab.txt"

    monkeypatch.setenv("D2LMINI_SOURCE", str(source))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.delenv("PYTHONPATH", raising=False)

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    # Raises CellExecutionError, with the failing cell and its traceback, if any cell fails.
    notebooks.execute(nb, workdir, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT_S, env=kernel_env)

    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert errors == []
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    said = "".join(o.get("text", "") for o in first.outputs)
    assert said == f"Installed d2lmini from {source} (nothing else)\n"
    kernel_prefix, module_file = map(Path, "".join(o.get("text", "") for o in nb.cells[-1].outputs).split())
    assert kernel_prefix.resolve() == python.parent.parent.resolve(), "the chapter did not run in Colab's environment"
    assert module_file.read_bytes() == (source / "d2lmini" / "__init__.py").read_bytes()
    assert module_file.resolve().is_relative_to(kernel_prefix.resolve()), f"d2lmini came from {module_file}"

    after = colab_env.freeze(python)
    added = sorted(set(after) - set(before))
    assert added == [f"d2lmini @ {source.as_uri()}"], f"added {added}"  # not editable: that freezes as "-e ..."
    assert sorted(set(before) - set(after)) == [], "the bootstrap changed Colab's packages"


# --- the bootstrap cell's decisions and messages, without a kernel --------------------------------


def run_cell_with(missing: list[str], pip_fails: str | None = None) -> subprocess.CompletedProcess:
    """Run the bootstrap cell with d2lmini and ``missing`` hidden from find_spec and pip replaced by a stub."""
    stub = f"""
import importlib.util, subprocess, sys
real_find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name in {["d2lmini", *missing]!r} else real_find_spec(name, *a)
def fake_run(command, **kwargs):
    print("PIP", *command[1:])
    return subprocess.CompletedProcess(command, 1 if {pip_fails!r} else 0, "", {pip_fails!r} or "")
subprocess.run = fake_run
"""
    env = {k: v for k, v in os.environ.items() if k != "D2LMINI_SOURCE"} | {"D2LMINI_SOURCE": "/src/d2lmini"}
    return subprocess.run([sys.executable, "-c", stub + bootstrap_source()], capture_output=True, text=True, env=env, check=False)


def test_with_every_library_present_it_installs_d2lmini_alone():
    proc = run_cell_with([])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "PIP -m pip install --quiet /src/d2lmini --no-deps",
        "Installed d2lmini from /src/d2lmini (nothing else)",
    ]


def test_a_missing_library_is_installed_with_d2lmini_and_named():
    proc = run_cell_with(["ipywidgets", "torch"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "PIP -m pip install --quiet /src/d2lmini",  # with its dependencies: pip adds what is missing
        "Installed d2lmini from /src/d2lmini with the missing torch, ipywidgets",
    ]


def test_a_pip_failure_ends_in_a_short_message_naming_the_command():
    pip_says = "Collecting x\n  error: subprocess-exited-with-error\n  fatal: unable to access 'https://github.com/x'\n"
    proc = run_cell_with([], pip_fails=pip_says)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-2:] == [
        "RuntimeError: pip could not install d2lmini: fatal: unable to access 'https://github.com/x'",
        "Run  %pip install /src/d2lmini --no-deps  in a cell, then this cell again.",
    ]
    assert proc.stderr.count('File "') == 1, "one frame: the cell's own raise, nothing from inside pip"


@pytest.mark.parametrize(
    ("source", "proxy", "expected"),
    [
        ("/nonexistent/d2lmini", None, "ERROR: Invalid requirement: '/nonexistent/d2lmini'"),
        (None, "http://127.0.0.1:9", "fatal: unable to access 'https://github.com/d2lmini/linear-regression-course/'"),
    ],
    ids=["bad-source", "no-network"],
)
def test_real_pip_failures_in_colabs_runtime_end_in_the_short_message(source, proxy, expected, colab, tmp_path):
    """The real pip and git, failing: a bad D2LMINI_SOURCE, and no network (every connection refused)."""
    python = colab[0]
    run(python, "-m", "pip", "uninstall", "--yes", "--quiet", "d2lmini", check=False)  # a chapter installed it
    env = {k: v for k, v in os.environ.items() if k not in ("D2LMINI_SOURCE", "PYTHONPATH")}
    if source:
        env["D2LMINI_SOURCE"] = source
    if proxy:
        env |= {"https_proxy": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy, "HTTP_PROXY": proxy}
    proc = run(python, "-c", bootstrap_source(), cwd=tmp_path, check=False, env=env)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-2].startswith(f"RuntimeError: pip could not install d2lmini: {expected}"), proc.stderr
    assert lines[-1].startswith("Run  %pip install ") and lines[-1].endswith("--no-deps  in a cell, then this cell again.")
    assert proc.stderr.count('File "') == 1 and "site-packages/pip" not in proc.stderr
    assert colab_env.freeze(python) == colab_env.pins()
