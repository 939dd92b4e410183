"""A chapter installs d2lmini by itself in a fresh kernel that has only what Colab ships.

Colab, SageMaker Studio Lab and a reader's fresh kernel start with torch, NumPy, matplotlib,
ipywidgets and ipykernel but without this repository's helper package. Each chapter's first
cell (the bootstrap cell) must install ``d2lmini`` there and then the chapter must run.

This test builds such a kernel for real: a new virtual environment in a temporary directory
(no system site packages, so neither this checkout's ``.venv`` nor the editable ``d2lmini``
can leak in) holding only those libraries, at the exact versions of ``requirements.txt``
(torch comes from the local CPU wheel that pip's find-links point at). It registers the
environment as a Jupyter kernel, points ``D2LMINI_SOURCE`` at a copy of the checkout (what a
clone would hold: git's tracked and untracked-but-not-ignored files; a copy so that pip's
in-tree build writes nothing into the working tree) and executes the chapter's ``.ipynb``
with nbclient in an empty working directory, as Colab does in ``/content``.

It asserts that d2lmini was absent before, that the chapter ran without an error, that the
kernel was the new environment's Python, that d2lmini is installed there afterwards as a
normal (not editable) install of the checkout's code, and that the bootstrap installed
nothing but d2lmini (torch and NumPy were already satisfied, so they were left alone).

The wheels are downloaded once (pinned, by pip, from the registry) into
``_build/bootstrap-wheelhouse/``; the environment is built anew from them on every run, and the
kernel's pip sees only them (``PIP_NO_INDEX``), so the bootstrap cannot fetch anything else.

``make test`` runs it for the first chapter only (about 40 s here with the wheels at hand, most of
it installing torch; the first run adds the downloads).
``make test-bootstrap-all`` runs every chapter in one environment, uninstalling d2lmini
before each. Select chapters with ``BOOTSTRAP_CHAPTERS=all`` or ``BOOTSTRAP_CHAPTERS=01-model,02-loss``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform as host
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import BUILD, ROOT, chapter_names

#: What a Colab / Studio Lab image ships that the course needs; d2lmini deliberately absent.
PLATFORM_LIBRARIES = ["torch", "numpy", "matplotlib", "ipywidgets", "ipykernel"]
#: The build backend d2lmini's pyproject.toml asks for; pip's isolated build installs it.
BUILD_BACKEND = ["setuptools"]
KERNEL_NAME = "d2lmini-bootstrap-test"
WHEELHOUSE = BUILD / "bootstrap-wheelhouse"
CELL_TIMEOUT_S = 300
PROBE = "import sys, d2lmini\nprint(sys.prefix)\nprint(d2lmini.__file__)"


def selected_chapters() -> list[str]:
    wanted = os.environ.get("BOOTSTRAP_CHAPTERS", "01-model").strip()
    if wanted == "all":
        return chapter_names()
    return [name.strip() for name in wanted.split(",") if name.strip()]


def run(*args: str | Path, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc


@dataclass
class Platform:
    """A fresh environment standing in for Colab: its Python and its Jupyter data directory."""

    prefix: Path
    python: Path
    jupyter_path: Path
    wheels: Path

    def pip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run(self.python, "-m", "pip", *args, check=check)

    def packages(self) -> dict[str, dict]:
        listed = json.loads(self.pip("list", "--format=json").stdout)
        return {entry["name"].lower().replace("_", "-"): entry for entry in listed}


def write_constraints(target: Path) -> Path:
    """requirements.txt's exact pins, without the editable d2lmini line.

    ``pip freeze`` leaves setuptools out of requirements.txt, but torch requires it; pin it to
    the version the project's own environment runs, so nothing unpinned is installed.
    """
    pins = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "-"))
    ]
    if not any(line.lower().startswith("setuptools") for line in pins):
        pins.append(f"setuptools=={version('setuptools')}")
    target.write_text("\n".join(pins) + "\n")
    return target


def copy_of_checkout(target: Path) -> Path:
    """The files a clone of this working tree would hold (tracked, plus untracked but not ignored)."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).stdout
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
    assert (target / "pyproject.toml").exists() and (target / "d2lmini" / "__init__.py").exists()
    return target


def wheelhouse(constraints: Path) -> Path:
    """Wheels of the pinned libraries and the build backend, downloaded once and kept in _build.

    Only downloads are reused (pip's own cache is not available on every machine); each test
    run still creates a brand-new environment from them. Keyed by the pins, the Python and the
    machine, so a change of requirements.txt downloads afresh.
    """
    key = hashlib.sha256(
        "\n".join([constraints.read_text(), *PLATFORM_LIBRARIES, *BUILD_BACKEND, sys.version, host.machine()]).encode()
    ).hexdigest()[:16]
    target = WHEELHOUSE / key
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".bootstrap-wheelhouse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            shutil.rmtree(WHEELHOUSE, ignore_errors=True)
            partial = WHEELHOUSE / f"{key}.partial"
            run(sys.executable, "-m", "pip", "download", "--quiet", "--dest", partial,
                "-c", constraints, *PLATFORM_LIBRARIES, *BUILD_BACKEND)
            (partial / ".complete").touch()
            partial.rename(target)
    return target


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Platform:
    base = tmp_path_factory.mktemp("platform")
    prefix = base / "venv"
    # No --system-site-packages: this checkout's .venv (editable d2lmini) must stay invisible.
    run(sys.executable, "-m", "venv", prefix)
    constraints = write_constraints(base / "constraints.txt")
    wheels = wheelhouse(constraints)
    env = Platform(prefix, prefix / "bin" / "python", base / "jupyter" / "share" / "jupyter", wheels)
    # --no-compile: byte-compiling all of torch costs more than the modules a chapter imports.
    env.pip("install", "--quiet", "--no-compile", "--no-index", "--find-links", str(wheels),
            "-c", str(constraints), *PLATFORM_LIBRARIES)
    run(env.python, "-m", "ipykernel", "install", "--prefix", base / "jupyter", "--name", KERNEL_NAME)
    assert (env.jupyter_path / "kernels" / KERNEL_NAME / "kernel.json").exists()
    return env


def d2lmini_importable(env: Platform, cwd: Path) -> bool:
    probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('d2lmini') else 1)"
    return run(env.python, "-c", probe, cwd=cwd, check=False).returncode == 0


@pytest.mark.bootstrap
@pytest.mark.parametrize("name", selected_chapters())
def test_chapter_bootstraps_d2lmini_in_a_fresh_kernel(name, platform, tmp_path, monkeypatch):
    notebook = ROOT / "chapters" / f"{name}.ipynb"
    assert notebook.exists(), f"no {notebook.relative_to(ROOT)} (BOOTSTRAP_CHAPTERS names {name!r})"
    workdir = tmp_path / "content"  # an empty working directory, like Colab's /content
    workdir.mkdir()

    # Before: no d2lmini anywhere in the platform (uninstall first when the environment is reused).
    platform.pip("uninstall", "--yes", "--quiet", "d2lmini", check=False)
    assert platform.pip("show", "d2lmini", check=False).returncode != 0
    assert not d2lmini_importable(platform, workdir)
    before = platform.packages()
    for library in PLATFORM_LIBRARIES:
        assert library in before, f"the stand-in platform lacks {library}"

    source = copy_of_checkout(tmp_path / "checkout")
    monkeypatch.setenv("D2LMINI_SOURCE", str(source))
    monkeypatch.setenv("JUPYTER_PATH", str(platform.jupyter_path))
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    # The kernel's pip sees no index, only the wheels the platform was built from (the build
    # backend among them): the bootstrap must get by with what is installed plus d2lmini itself.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(platform.wheels))
    monkeypatch.delenv("PYTHONPATH", raising=False)

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    # Raises CellExecutionError, with the failing cell and its traceback, if any cell fails.
    NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(workdir)}},
        record_timing=False,
    ).execute()

    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert errors == []
    probe_lines = "".join(o.get("text", "") for o in nb.cells[-1].outputs).split()
    kernel_prefix, module_file = Path(probe_lines[0]), Path(probe_lines[1])
    assert kernel_prefix.resolve() == platform.prefix.resolve(), "the chapter did not run in the fresh environment"
    assert module_file.resolve().is_relative_to(platform.prefix.resolve()), f"d2lmini came from {module_file}"

    # After: d2lmini installed by the bootstrap cell, a normal install of the checkout's code.
    assert platform.pip("show", "d2lmini", check=False).returncode == 0
    after = platform.packages()
    assert "editable_project_location" not in after["d2lmini"]
    assert module_file.read_bytes() == (source / "d2lmini" / "__init__.py").read_bytes()
    changed = {pkg for pkg in after if before.get(pkg, {}).get("version") != after[pkg]["version"]}
    assert changed == {"d2lmini"}, f"the bootstrap installed or changed more than d2lmini: {sorted(changed)}"
    assert set(before) <= set(after)
