"""Build, cache and check Python environments that hold exactly a pin file's packages.

Colab's own package set (requirements-colab.txt) is the main user; the live front-end test's
Notebook 6 and JupyterLab 4 environments (tests/frontend-*.txt) are built the same way.
An environment lives in ``$XDG_CACHE_HOME/d2lmini-course/<name>-<key>`` (``~/.cache`` by
default; ``D2LMINI_CACHE`` overrides the parent folder), where the key hashes the pins, the
Python that runs it and the machine, so a change of any builds a new one (and the old one of the
same name is deleted).  Colab's first build downloads and installs about 5 GB (PyPI's torch is a
CUDA build; a minute or two here); later calls only check it: ``pip freeze --all`` must equal the
pins, else it is built again.  d2lmini is left out of that
comparison and never uninstalled here: tests/test_bootstrap.py installs and uninstalls it, and
may be running a chapter in another process at the time.

``tests/test_bootstrap.py`` and ``tests/test_sgd_figures.py`` call :func:`ensure`; from the shell,
``python tools/colab_env.py`` prints the environment's Python, building it first if needed, and
``--pytest`` also prints a folder that puts pytest on that Python's ``PYTHONPATH`` without
installing anything into the environment itself.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "requirements-colab.txt"
#: Colab runs Python 3.13; pyenv's 3.13.0 here (override with COLAB_PYTHON).
COLAB_PYTHON = os.environ.get("COLAB_PYTHON", str(Path.home() / ".pyenv/versions/3.13.0/bin/python3.13"))
#: pytest for the unit tests in that Python, kept outside the environment (pure Python wheels).
PYTEST_PINS = ["pytest==8.4.2", "pluggy==1.6.0", "iniconfig==2.1.0"]


class ColabEnvError(RuntimeError):
    """The Colab environment could not be built."""


def cache_root() -> Path:
    if "D2LMINI_CACHE" in os.environ:
        return Path(os.environ["D2LMINI_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "d2lmini-course"


def normalize(requirement: str) -> str:
    """``Jinja2==3.1.6`` -> ``jinja2==3.1.6`` (PEP 503 names, no local version such as ``+cpu``)."""
    name, _, pinned = requirement.strip().partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={pinned.split('+')[0]}"


def pins(requirements: Path = PINS) -> list[str]:
    """The ``name==version`` lines of a pin file (comments dropped), normalized, sorted."""
    lines = (line.split("#")[0].strip() for line in requirements.read_text().splitlines())
    return sorted(normalize(line) for line in lines if line)


def _run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_NO_INDEX", "PIP_FIND_LINKS")}
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, check=False)
    if check and proc.returncode != 0:
        raise ColabEnvError(
            f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    return proc


def _python_version(python: str) -> str:
    if not Path(python).exists():
        raise ColabEnvError(f"no Python at {python}: install CPython 3.13 (pyenv install 3.13.0) or set COLAB_PYTHON")
    return _run(python, "-c", "import sys; print(sys.version)").stdout.strip()


def freeze(python: Path) -> list[str]:
    """``pip freeze --all`` of an environment, names normalized, sorted."""
    lines = _run(python, "-m", "pip", "freeze", "--all").stdout.splitlines()
    return sorted(normalize(line) if "==" in line else line.strip() for line in lines if line.strip())


def ensure(python: str = COLAB_PYTHON, requirements: Path = PINS, name: str = "colab") -> Path:
    """The Python of a cached environment whose ``pip freeze --all`` equals ``requirements``.

    d2lmini is left out of the comparison, and so is pip when the pin file does not pin it.
    Safe to call from several processes at once (a lock file serializes the check and the build).
    """
    version = _python_version(python)
    wanted = pins(requirements)
    key = hashlib.sha256("\n".join([*wanted, version, python, platform.machine()]).encode()).hexdigest()[:12]
    prefix = cache_root() / f"{name}-{key}"
    env_python = prefix / "bin" / "python"
    pinned_pip = any(line.startswith("pip==") for line in wanted)

    def installed() -> list[str]:
        return [
            line for line in freeze(env_python)
            if not line.startswith("d2lmini") and (pinned_pip or not line.startswith("pip=="))
        ]

    cache_root().mkdir(parents=True, exist_ok=True)
    with open(cache_root() / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (prefix / ".complete").exists() and installed() == wanted:
            return env_python
        for old in cache_root().glob(f"{name}-*"):  # stale pins or a build cut short (Colab's: 5 GB)
            if old.is_dir():
                shutil.rmtree(old)
        _run(python, "-m", "venv", prefix)
        first = [line for line in wanted if line.startswith("pip==")]
        if first:
            _run(env_python, "-m", "pip", "install", "--quiet", *first)
        # --no-compile: byte-compiling all of torch costs more than the modules a chapter imports.
        _run(env_python, "-m", "pip", "install", "--quiet", "--no-compile", "-r", requirements)
        got = installed()
        if got != wanted:
            extra, missing = sorted(set(got) - set(wanted)), sorted(set(wanted) - set(got))
            raise ColabEnvError(f"{requirements.name} is not a closed set: pip added {extra}, left out {missing}")
        (prefix / ".complete").touch()
    return env_python


def _pip_once(target: Path, lock_name: str, python: Path | str, *pip_args: str | Path) -> Path:
    """Run ``python -m pip *pip_args`` (which fill ``target``) unless done before; other workers wait for it."""
    cache_root().mkdir(parents=True, exist_ok=True)
    with open(cache_root() / lock_name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            _run(python, "-m", "pip", *pip_args)
            (target / ".complete").touch()
    return target


def build_backend_wheels() -> Path:
    """A folder holding Colab's setuptools wheel, for pip's isolated build of d2lmini without an index."""
    pinned = [line for line in pins() if line.startswith("setuptools==")]
    target = cache_root() / f"wheels-{pinned[0].split('==')[1]}"
    return _pip_once(target, "wheels.lock", sys.executable, "download", "--quiet", "--no-deps", "--dest", target, *pinned)


def pytest_path(env_python: Path) -> Path:
    """A folder with pytest for ``env_python``'s version, to put on its PYTHONPATH."""
    version = _run(env_python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").stdout.strip()
    target = cache_root() / f"pytest-py{version}-{hashlib.sha256(' '.join(PYTEST_PINS).encode()).hexdigest()[:8]}"
    return _pip_once(target, "pytest.lock", env_python, "install", "--quiet", "--no-deps", "--target", target, *PYTEST_PINS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pytest", action="store_true", help="also print a PYTHONPATH folder holding pytest")
    args = parser.parse_args()
    try:
        env_python = ensure()
        print(env_python)
        if args.pytest:
            print(pytest_path(env_python))
    except ColabEnvError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
