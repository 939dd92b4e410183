"""No sentence of the course is copied from the reference text (checked by the shared tool)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.project

CHECKER = ROOT.parent / "shared" / "tools" / "overlap_check.py"


@pytest.mark.skipif(not CHECKER.exists(), reason="../shared/tools/overlap_check.py is not beside this checkout")
def test_no_copied_runs_of_words():
    proc = subprocess.run([sys.executable, str(CHECKER)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
