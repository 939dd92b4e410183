"""python -m benchmarks: measure, print the tables, update benchmarks/RESULTS.md and the README block.

Measurements, not tests: nothing passes or fails. Sections: build, site, suite (``book.py``) and
training, hotpath, scaling (``training.py``). A full run writes benchmarks/results.json (raw figures),
benchmarks/RESULTS.md and the README block between ``<!-- bench:start -->`` and ``<!-- bench:end -->``.
With ``--only``, the other sections keep their previous figures (each section carries its own date).
``--quick`` is a smoke run: fewer rounds and smaller sizes, printed but not written (unless ``--write``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from d2lmini.timing import Timing, benchmark, format_seconds

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
RESULTS_MD, RESULTS_JSON, README = ROOT / "benchmarks" / "RESULTS.md", ROOT / "benchmarks" / "results.json", ROOT / "README.md"
BLOCK = ("<!-- bench:start -->", "<!-- bench:end -->")
NAMES = ("build", "training", "hotpath", "scaling", "site", "suite")  # run order: site reuses build's site
UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9, "MB": 1e6, "kB": 1e3, "B": 1.0}


@dataclass
class Context:
    """What every section gets: the mode, a scratch folder (builds go there) and the frozen tree."""

    quick: bool
    tmp: Path
    snapshot: Path  # a copy of the tree: chapters are executed and the book is built there

    def rounds(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def spread(values: Sequence[float]) -> Timing:
    """A :class:`~d2lmini.timing.Timing` of one value per round (seconds, rates or ratios)."""
    values = tuple(map(float, values))
    return Timing(statistics.median(values), min(values), max(values), 1, values)


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Timing:
    """Round-by-round ratios ``numerators[i] / denominators[i]``, not a ratio of medians."""
    return spread([a / b for a, b in zip(numerators, denominators, strict=True)])


def interleaved(fns: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each function, alternated: round 1 of each, round 2 of each, ...

    :func:`~d2lmini.timing.benchmark` first calibrates (and warms up) each function, choosing its calls
    per round; alternating exposes the contenders to the same machine state, so per-round ratios are fair.
    """
    number = {name: benchmark(fn, repeat=1).number for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(benchmark(fn, repeat=1, number=number[name]).times[0])
    return times


def timed(args: Sequence[str | Path], cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> tuple[float, str, int]:
    """Run a command; its wall time (start-up included), its output (stdout, then stderr) and exit status."""
    start = time.perf_counter()
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc.stdout + proc.stderr, proc.returncode


def g3(x: float) -> str:
    """3 significant digits, never in exponent notation: 0.9996 -> '1.00', 1234.5 -> '1235'."""
    if x == 0:
        return "0"
    exponent = int(f"{abs(float(f'{x:.3g}')):e}".split("e")[1])  # of the rounded value
    return f"{x:.{max(0, 2 - exponent)}f}"


def fmt(s: Timing, unit: str = "") -> str:
    """The median, then the range (min–max): ``'1.23 s (1.20–1.31)'`` for ``unit='s'`` (rescaled as
    :func:`~d2lmini.timing.format_seconds` picks), ``'3.89 MB'`` for ``'B'`` (a range only where the values
    differ), ``'3.46× (3.10–3.60)'`` for ``'×'``, ``'12,346 (10,000–15,000)'`` for ``''``."""
    show_range = len(s.times) > 1
    if unit == "s":
        unit = format_seconds(s.median).split()[1]
    elif unit == "B":
        unit, show_range = "MB" if s.median >= 1e6 else "kB" if s.median >= 1e3 else "B", s.min != s.max

    def one(x: float) -> str:
        if unit not in UNITS:
            return f"{x:,.0f}" if abs(x) >= 1000 else g3(x)
        return f"{x:.0f}" if unit == "B" else g3(x / UNITS[unit])

    text = f"{one(s.median)} {unit}" if unit in UNITS else f"{one(s.median)}{unit}"
    return text + (f" ({one(s.min)}–{one(s.max)})" if show_range else "")


def table(headers: list[str], rows: list[list[str]], caption: str = "") -> dict:
    return {"headers": headers, "rows": rows, "caption": caption}


def target(what: str, goal: str, measured: str, met: bool | None = None) -> dict:
    """A headline figure; ``met`` is None where there is no target to meet."""
    return {"what": what, "target": goal, "measured": measured, "met": met}


def markdown_table(t: dict) -> str:
    lines = [f"**{t['caption']}**", ""] if t["caption"] else []
    lines += ["| " + " | ".join(t["headers"]) + " |", "|" + "|".join(" --- " for _ in t["headers"]) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in t["rows"]])


def markdown(s: dict) -> str:
    stamp = f"Measured {s['date']} in {s['seconds']:.0f} s (1-minute load average {s['load']})"
    parts = [f"## {s['title']}", "", stamp + (" — quick smoke run, not representative." if s["quick"] else "."), ""]
    parts += [p for t in s["tables"] for p in (markdown_table(t), "")] + [note + "\n" for note in s["notes"]]
    return "\n".join(parts).rstrip() + "\n"


def replace_block(text: str, content: str) -> str:
    """Replace what lies between the README's ``BLOCK`` markers (kept) by ``content``."""
    start, end = BLOCK
    if text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"expected exactly one block between {start!r} and {end!r}")
    head, rest = text.split(start)
    return head + start + "\n" + content.rstrip("\n") + "\n" + end + rest.split(end)[1]


def render(results: dict) -> tuple[str, str]:
    """The text of RESULTS.md and of the README block, from results.json's content."""
    sections = [results["sections"][n] for n in NAMES if n in results["sections"]]
    where, versions, verdict = results["machine"], results["versions"], {True: "yes", False: "**no**", None: "—"}
    targets = markdown_table(table(["measurement", "target", "measured (median, min–max)", "met"],
                                   [[t["what"], t["target"], t["measured"], verdict[t["met"]]]
                                    for s in sections for t in s["targets"]]))
    header = f"""# Benchmarks

Written by `make bench` (`python -m benchmarks`; see `python -m benchmarks --help`). Do not edit.

- Machine: {where}
- Versions: {versions}

Every figure is the median over repeated runs, with the range (min–max) in brackets. A ratio
is computed round by round from measurements alternated within the same run, then summarised
the same way. These are measurements, not tests: nothing fails when a target is missed.

## Targets

{targets}

"""
    block = f"""Measured on {where}; {versions}.
Medians over repeated runs with the range (min–max); full tables and method in
[benchmarks/RESULTS.md](benchmarks/RESULTS.md). Re-measure with `make bench`.

{targets}"""
    return header + "\n" + "\n".join(markdown(s) for s in sections), block


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, OS, and the versions that matter for these numbers."""
    import numpy
    import torch

    cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    ram = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 2**20
    return {"machine": f"{cpu.group(1) if cpu else platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
                       f"{ram:.1f} GiB RAM, {platform.system()} {platform.release()}",
            "versions": f"Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} "
                        f"threads), NumPy {numpy.__version__}, jupyter-book {metadata.version('jupyter-book')}"}


def main(argv: list[str] | None = None) -> int:
    from tools.notebooks import copy_checkout

    from . import book, training

    runs = {"build": book.build, "training": training.training, "hotpath": training.hotpath,
            "scaling": training.scaling, "site": book.site, "suite": book.suite}
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
    # (with the built web assets, which git ignores, and the npm packages the build typesets maths with).
    tmp = Path(tempfile.mkdtemp(prefix="d2lmini-bench-"))
    ctx = Context(quick=args.quick, tmp=tmp, snapshot=copy_checkout(tmp / "repo"))
    shutil.copytree(ROOT / "_extra", ctx.snapshot / "_extra", symlinks=True)
    (ctx.snapshot / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    info = machine()
    print(f"{info['machine']}\n{info['versions']}\nscratch: {tmp}\n", flush=True)
    fresh, crashed, start_all = {}, [], time.perf_counter()
    try:
        for name in (n for n in NAMES if n in selected):
            print(f"== {name}", flush=True)
            start, load = time.perf_counter(), os.getloadavg()[0]
            try:
                section = runs[name](ctx)
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
    results_md, block = render(results)
    if writing:
        RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        RESULTS_MD.write_text(results_md, encoding="utf-8")
        README.write_text(replace_block(README.read_text(encoding="utf-8"), block), encoding="utf-8")
        print("wrote benchmarks/RESULTS.md, benchmarks/results.json and the README block")
    else:
        print(block)
    return 1 if crashed else 0
