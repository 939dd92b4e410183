"""Binder / repo2docker gets the environment the course is tested in, and this checkout's d2lmini.

repo2docker reads ``binder/`` (it then ignores the root's config files): ``runtime.txt`` picks the
Python, ``requirements.txt`` adds PyTorch's CPU wheel index and includes the root's exact pins,
whose last line installs d2lmini from the repository root. Nothing here reaches a network: pip is
asked, offline, what it would install from ``binder/requirements.txt`` run from the repository root
(as repo2docker runs it) into the tested ``.venv``, where every pin is already satisfied.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.project

BINDER = ROOT / "binder"
CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"


def test_binder_python_is_the_tested_python():
    assert (BINDER / "runtime.txt").read_text().strip() == f"python-{sys.version_info.major}.{sys.version_info.minor}"


def test_binder_takes_the_cpu_torch_wheel():
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    assert CPU_INDEX in lines


def test_binder_requirements_resolve_to_the_tested_pins_and_this_checkout(tmp_path):
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-build-isolation",
         "--quiet", "--report", str(report), "-r", "binder/requirements.txt"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    would_install = [
        (item["metadata"]["name"], item["download_info"]["url"]) for item in json.loads(report.read_text())["install"]
    ]
    # Every pinned library is already satisfied by the tested .venv; only d2lmini, from the
    # repository root (repo2docker's working directory), remains.
    assert would_install == [("d2lmini", ROOT.as_uri())]
