"""python -m benchmarks: measure, print the tables, update benchmarks/RESULTS.md and the README block.

A full run writes benchmarks/results.json (raw figures), benchmarks/RESULTS.md and the README block
between ``<!-- bench:start -->`` and ``<!-- bench:end -->``. With ``--only``, the other sections keep
their previous figures (each section carries its own date). ``--quick`` is a smoke run: fewer rounds
and smaller sizes, printed but not written (unless ``--write``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from tools.notebooks import copy_checkout

from . import NAMES, RESULTS_JSON, ROOT, Context, book, machine, markdown, render, training, write

RUNS = {"build": book.build, "training": training.training, "hotpath": training.hotpath,
        "scaling": training.scaling, "site": book.site, "suite": book.suite}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: few rounds, small sizes, no writing")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help=f"run only these benchmarks (repeat or comma-separate): {', '.join(NAMES)}")
    parser.add_argument("--with-test-suite", action="store_true",
                        help="also time one `make test` run (minutes; records pass/fail)")
    parser.add_argument("--write", action="store_true", help="write results even with --quick")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md and README alone")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the scratch folder (snapshot, built site)")
    args = parser.parse_args(argv)
    selected = ([n.strip() for item in args.only for n in item.split(",") if n.strip()] if args.only
                else [n for n in NAMES if n != "suite" or args.with_test_suite])
    if unknown := sorted(set(selected) - set(NAMES)):
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    writing = (not args.quick or args.write) and not args.no_write

    # Other people edit the tree meanwhile: chapters are executed and the book built in a frozen copy
    # (with the built web assets, which git ignores).
    tmp = Path(tempfile.mkdtemp(prefix="d2lmini-bench-"))
    snapshot = copy_checkout(tmp / "repo")
    shutil.copytree(ROOT / "_extra", snapshot / "_extra", symlinks=True)
    ctx = Context(quick=args.quick, tmp=tmp, snapshot=snapshot)
    info = machine()
    print(f"{info['machine']}\n{info['versions']}\nscratch: {tmp}\n", flush=True)
    fresh, crashed, start_all = {}, [], time.perf_counter()
    try:
        for name in (n for n in NAMES if n in selected):
            print(f"== {name}", flush=True)
            start, load = time.perf_counter(), os.getloadavg()[0]
            try:
                section = RUNS[name](ctx)
            except Exception:  # noqa: BLE001  (a broken benchmark must not cost the others' results)
                traceback.print_exc()
                crashed.append(name)
                continue
            fresh[name] = {"name": name, **section, "date": time.strftime("%Y-%m-%d %H:%M %Z"),
                           "seconds": time.perf_counter() - start, "quick": args.quick,
                           "load": f"{load:.1f} → {os.getloadavg()[0]:.1f}"}
            print(markdown(fresh[name]), flush=True)
    finally:
        if args.keep_tmp:
            print(f"scratch kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"all benchmarks took {time.perf_counter() - start_all:.0f} s")
    if crashed:
        print(f"crashed (previous results kept): {', '.join(crashed)}", file=sys.stderr)
    previous = json.loads(RESULTS_JSON.read_text(encoding="utf-8")) if writing else {}
    results = {"sections": {**previous.get("sections", {}), **fresh}, **info}
    if writing:
        write(results)
        print("wrote benchmarks/RESULTS.md, benchmarks/results.json and the README block")
    else:
        print(render(results)[1])
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
