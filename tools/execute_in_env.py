"""Execute chapters in the kernel of another Python environment and report any cell that fails.

``make test-oldest`` uses it to run every chapter on the oldest supported versions
(``.venv-oldest``). Outputs are not compared with the committed ones (other library versions
may print other last digits or draw slightly different figures) and nothing is written:
each chapter runs in memory, in a fresh kernel of ``--python`` registered in a temporary
directory, and the tool exits 1 if any cell raised.

Usage::

    .venv/bin/python tools/execute_in_env.py --python .venv-oldest/bin/python
    .venv/bin/python tools/execute_in_env.py --python /path/to/python chapters/01-model.ipynb
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
KERNEL_NAME = "course-other-env"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", required=True, type=Path, help="the environment's Python (needs ipykernel)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="chapter .ipynb files (default: all)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args()
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "chapters").glob("*.ipynb"))

    failures = 0
    with tempfile.TemporaryDirectory(prefix="course-env-") as tmp:
        prefix = Path(tmp) / "jupyter"
        subprocess.run(
            [str(args.python), "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", KERNEL_NAME],
            check=True, capture_output=True,
        )
        os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
        os.environ["PYTHONHASHSEED"] = "0"
        version = subprocess.run(
            [str(args.python), "-c", "import sys, torch, numpy, matplotlib, ipywidgets as w; "
             "print(sys.version.split()[0], torch.__version__, numpy.__version__, matplotlib.__version__, w.__version__)"],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        print("python {} torch {} numpy {} matplotlib {} ipywidgets {}".format(*version))
        for path in notebooks:
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            try:
                NotebookClient(
                    nb, kernel_name=KERNEL_NAME, timeout=args.timeout, resources={"metadata": {"path": str(path.parent)}}
                ).execute()
                status = "ok"
            except CellExecutionError as err:
                failures += 1
                status = f"FAILED\n{err}"
            print(f"{path.relative_to(ROOT)}: {status} ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"{len(notebooks) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
