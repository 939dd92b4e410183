"""Benchmarks of the course: build, training throughput, hot path, scaling, test suite, site.

Run with ``make bench`` or ``python -m benchmarks`` (``--help``). Each measurement is a module with
``run(ctx) -> Section``; this file holds what they share: summaries and formatting on top of
:mod:`d2lmini.timing`, the result model, and the Markdown of ``benchmarks/RESULTS.md`` and the README
block. Every figure is a median over repeated runs with its range (min–max); a comparison is a ratio
taken round by round from measurements alternated within one run. Nothing here passes or fails.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from d2lmini import benchmark
from d2lmini.timing import Timing, format_seconds

ROOT = Path(__file__).resolve().parent.parent
PY = Path(sys.executable)
BIN = PY.parent
RESULTS_MD, RESULTS_JSON = ROOT / "benchmarks" / "RESULTS.md", ROOT / "benchmarks" / "results.json"
README = ROOT / "README.md"
NAMES = ("build", "training", "hotpath", "scaling", "site", "suite")  # run order: site reuses build's site
DEFAULT = NAMES[:-1]
UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}


class Spread(Timing):
    """A :class:`d2lmini.timing.Timing` of values, one per round (seconds, rates or ratios)."""

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        times = tuple(map(float, values))
        if not times:
            raise ValueError("values must hold at least one measurement")
        return cls(statistics.median(times), min(times), max(times), 1, times)


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Spread:
    """Round-by-round ratios ``numerators[i] / denominators[i]``."""
    if len(numerators) != len(denominators):
        raise ValueError(f"need paired rounds, got {len(numerators)} and {len(denominators)} values")
    return Spread.of([a / b for a, b in zip(numerators, denominators)])


def _g3(x: float) -> str:
    """3 significant digits, never in exponent notation: 0.9996 -> '1.00', 1234.5 -> '1235'."""
    if x == 0:
        return "0"
    exponent = int(f"{abs(float(f'{x:.3g}')):e}".split("e")[1])  # of the rounded value
    return f"{x:.{max(0, 2 - exponent)}f}"


def _fmt(s: Timing, one: Callable[[float], str], unit: str, show_range: bool) -> str:
    return f"{one(s.median)}{unit}" + (f" ({one(s.min)}–{one(s.max)})" if show_range else "")


def fmt_time(s: Timing) -> str:
    """``'1.23 s (1.20–1.31)'``: the unit :func:`d2lmini.timing.format_seconds` picks, the range in it."""
    unit = format_seconds(s.median).split()[1]
    return _fmt(s, lambda x: _g3(x / UNITS[unit]), f" {unit}", len(s.times) > 1)


def fmt_num(s: Timing, suffix: str = "") -> str:
    """``'3.4× (3.1–3.6)'`` for ``suffix='×'``; large numbers get thousands separators."""
    return _fmt(s, lambda x: f"{x:,.0f}" if abs(x) >= 1000 else _g3(x), suffix, len(s.times) > 1)


def fmt_bytes(s: Timing | float) -> str:
    """``'3.89 MB'``, or ``'3.75 MB (3.75–3.90)'`` for a spread that is not a single value."""
    s = s if isinstance(s, Timing) else Spread.of([s])
    unit, scale = next(((u, f) for u, f in (("MB", 1e6), ("kB", 1e3)) if s.median >= f), ("B", 1.0))
    return _fmt(s, (lambda x: f"{x:.0f}") if unit == "B" else (lambda x: _g3(x / scale)), f" {unit}", s.min != s.max)


def interleaved(fns: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each function, alternated: round 1 of each, round 2 of each, ...

    :func:`d2lmini.benchmark` first calibrates (and warms up) each function, choosing its calls per
    round; alternating exposes the contenders to the same machine state, so per-round ratios are fair.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    number = {name: benchmark(fn, repeat=1).number for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(benchmark(fn, repeat=1, number=number[name]).times[0])
    return times


@dataclass
class Command:
    """One run of an external command: wall time (start-up included), exit status, output."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str

    def tail(self, lines: int = 5) -> str:
        return "\n".join((self.stdout + self.stderr).strip().splitlines()[-lines:])


def run_command(args: Sequence[str | Path], *, cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> Command:
    start = time.perf_counter()
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return Command(time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""

    def markdown(self) -> str:
        lines = [f"**{self.caption}**", ""] if self.caption else []
        lines += ["| " + " | ".join(self.headers) + " |", "|" + "|".join(" --- " for _ in self.headers) + "|"]
        return "\n".join(lines + ["| " + " | ".join(map(str, row)) + " |" for row in self.rows])


@dataclass
class Target:
    what: str
    target: str
    measured: str
    met: bool | None  # None: not measured, or no verdict possible


@dataclass
class Section:
    name: str
    title: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    date: str = ""
    seconds: float = 0.0
    quick: bool = False
    load: str = ""  # 1-minute load average before -> after, so a busy machine shows

    @classmethod
    def from_dict(cls, data: dict) -> Section:
        return cls(**{**data, "tables": [Table(**t) for t in data.get("tables", [])],
                      "targets": [Target(**t) for t in data.get("targets", [])]})

    def markdown(self) -> str:
        stamp = f"Measured {self.date} in {self.seconds:.0f} s" + (
            f" (1-minute load average {self.load})" if self.load else "")
        parts = [f"## {self.title}", "", stamp + (" — quick smoke run, not representative." if self.quick else "."), ""]
        parts += [p for table in self.tables for p in (table.markdown(), "")] + [note + "\n" for note in self.notes]
        return "\n".join(parts).rstrip() + "\n"


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, OS, and the versions that matter for these numbers."""
    import numpy
    import torch

    def proc(name: str, pattern: str) -> str | None:
        path = Path("/proc", name)
        found = re.search(pattern, path.read_text(), re.MULTILINE) if path.exists() else None
        return found.group(1) if found else None

    cpu = proc("cpuinfo", r"^model name\s*:\s*(.*)$") or platform.processor() or platform.machine()
    mem = proc("meminfo", r"MemTotal:\s+(\d+)")
    ram = f"{int(mem) / 2**20:.1f} GiB RAM" if mem else ""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        book = metadata.version("jupyter-book")
    except metadata.PackageNotFoundError:
        book = "not installed"
    return {"machine": f"{cpu}, {cores} cores, {ram}, {platform.system()} {platform.release()}",
            "versions": f"Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} "
                        f"threads), NumPy {numpy.__version__}, jupyter-book {book}"}


def replace_block(text: str, content: str, start: str = "<!-- bench:start -->", end: str = "<!-- bench:end -->") -> str:
    """Replace what lies between the lines ``start`` and ``end`` (kept) by ``content``."""
    pattern = re.compile(rf"(^{re.escape(start)}[ \t]*\n).*?(^{re.escape(end)}[ \t]*$)", re.DOTALL | re.MULTILINE)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"expected exactly one block between lines {start!r} and {end!r}")
    return pattern.sub(lambda m: m.group(1) + content.rstrip("\n") + "\n" + m.group(2), text)


def merge(results: dict, fresh: Sequence[Section], info: Mapping[str, str]) -> dict:
    """Previous results with the freshly measured sections replaced (the others keep their date)."""
    return {"sections": {**results.get("sections", {}), **{s.name: asdict(s) for s in fresh}}, **info}


def render(results: dict) -> tuple[str, str]:
    """The text of RESULTS.md and of the README block, from merged results."""
    sections = [Section.from_dict(results["sections"][n]) for n in NAMES if n in results["sections"]]
    where, versions = results.get("machine", "?"), results.get("versions", "?")
    verdict = {True: "yes", False: "**no**", None: "—"}
    targets = Table(["measurement", "target", "measured (median, min–max)", "met"],
                    [[t.what, t.target, t.measured, verdict[t.met]] for s in sections for t in s.targets]).markdown()
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
    return header + "\n" + "\n".join(s.markdown() for s in sections), block


def write(results: dict) -> None:
    results_md, block = render(results)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    RESULTS_MD.write_text(results_md, encoding="utf-8")
    try:
        README.write_text(replace_block(README.read_text(encoding="utf-8"), block), encoding="utf-8")
    except (OSError, ValueError) as error:
        print(f"README.md not updated: {error}", file=sys.stderr)


@dataclass
class Context:
    """What every benchmark gets: the mode, a scratch folder, the frozen tree, what earlier ones left."""

    quick: bool
    tmp: Path
    snapshot: Path  # a copy of the tree; its d2lmini is the one imported, here and in kernels
    site_html: Path | None = None  # a built site (set by the build benchmark)

    def rounds(self, full: int, quick: int = 1) -> int:
        return quick if self.quick else full
