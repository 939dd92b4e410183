"""Benchmarks of the course: build, training throughput, scaling, test suite, site.

Run with ``make bench`` or ``python -m benchmarks`` (``--help`` for options). Each measurement is a
module with ``run(ctx) -> Section``; this file holds what they share: the timing helpers, the
result model, and the Markdown written to ``benchmarks/RESULTS.md`` and to the README block.

Every figure is a median over repeated runs with its spread (min–max). A comparison is a ratio
computed round by round from measurements taken in the same run (alternating the contenders), then
summarised the same way. Nothing here passes or fails: targets are reported as met or not.
"""

from __future__ import annotations

import contextlib
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

ROOT = Path(__file__).resolve().parent.parent
PY = Path(sys.executable)
BIN = PY.parent
RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"
RESULTS_JSON = Path(__file__).resolve().parent / "results.json"
README = ROOT / "README.md"
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"

# Run order; the site benchmark reuses the site the build benchmark built.
NAMES = ("build", "training", "scaling", "site", "suite")
DEFAULT = ("build", "training", "scaling", "site")


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Spread:
    """Median and range of repeated measurements."""

    median: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        values = [float(v) for v in values]
        if not values:
            raise ValueError("values must hold at least one measurement")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def scaled(self, factor: float) -> Spread:
        """Every figure times ``factor`` (a negative factor swaps min and max)."""
        lo, hi = sorted((self.min * factor, self.max * factor))
        return Spread(self.median * factor, lo, hi, self.n)


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Spread:
    """Round-by-round ratios ``numerators[i] / denominators[i]``, summarised as a :class:`Spread`."""
    if len(numerators) != len(denominators):
        raise ValueError(f"need paired rounds, got {len(numerators)} and {len(denominators)} values")
    return Spread.of([a / b for a, b in zip(numerators, denominators)])


_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))


def _g3(x: float) -> str:
    """3 significant digits, never in exponent notation: 0.9996 -> '1.00', 1234.5 -> '1235'."""
    if x == 0:
        return "0"
    rounded = float(f"{x:.3g}")  # decide the digits on the rounded value
    digits = max(0, 2 - int(f"{abs(rounded):e}".split("e")[1]))
    return f"{x:.{digits}f}"


def fmt_time(s: Spread) -> str:
    """``'1.23 s (1.20–1.31)'``: median with 3 significant digits, the range in the median's unit."""
    for unit, scale in _UNITS:
        if float(_g3(s.median / scale)) >= 1 or unit == "ns":
            break
    if s.n == 1:
        return f"{_g3(s.median / scale)} {unit}"
    return f"{_g3(s.median / scale)} {unit} ({_g3(s.min / scale)}–{_g3(s.max / scale)})"


def fmt_num(s: Spread, suffix: str = "") -> str:
    """``'3.4× (3.1–3.6)'`` for ``suffix='×'``; large numbers get thousands separators."""

    def one(x: float) -> str:
        return f"{x:,.0f}" if abs(x) >= 1000 else _g3(x)

    if s.n == 1:
        return f"{one(s.median)}{suffix}"
    return f"{one(s.median)}{suffix} ({one(s.min)}–{one(s.max)})"


def fmt_bytes(s: Spread | float) -> str:
    """``'3.89 MB'``, or ``'3.75 MB (3.75–3.90)'`` for a spread that is not a single value."""
    if not isinstance(s, Spread):
        s = Spread.of([s])
    unit, scale = next(((u, f) for u, f in (("MB", 1e6), ("kB", 1e3)) if s.median >= f), ("B", 1.0))
    if unit == "B":
        return f"{s.median:.0f} B" + ("" if s.min == s.max else f" ({s.min:.0f}–{s.max:.0f})")
    text = f"{_g3(s.median / scale)} {unit}"
    if s.min != s.max:
        text += f" ({_g3(s.min / scale)}–{_g3(s.max / scale)})"
    return text


# --------------------------------------------------------------------------- measuring


def interleaved(fns: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each function, measured in alternation: round 1 of each, round 2 of each, ...

    Each function is first calibrated (and warmed up) with :func:`d2lmini.benchmark`, which picks the
    number of calls per round (1, 2, 5, 10, ... taking at least 0.2 s). Alternating the contenders
    exposes them to the same machine state, so round-by-round ratios are fair comparisons.
    """
    from d2lmini import benchmark

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
    """One run of an external command: wall time, exit status, output."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str

    def tail(self, lines: int = 5) -> str:
        return "\n".join((self.stdout + self.stderr).strip().splitlines()[-lines:])


def run_command(args: Sequence[str | Path], *, cwd: Path = ROOT, env: Mapping[str, str] | None = None,
                timeout: float | None = None) -> Command:
    """Run a command to completion and time it with a wall clock (start-up included)."""
    start = time.perf_counter()
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=None if env is None else dict(env),
                          capture_output=True, text=True, timeout=timeout)
    return Command(time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr)


# --------------------------------------------------------------------------- results


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""

    def markdown(self) -> str:
        lines = [f"**{self.caption}**", ""] if self.caption else []
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("|" + "|".join(" --- " for _ in self.headers) + "|")
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)


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
        data = dict(data)
        data["tables"] = [Table(**t) for t in data.get("tables", [])]
        data["targets"] = [Target(**t) for t in data.get("targets", [])]
        return cls(**data)

    def markdown(self) -> str:
        parts = [f"## {self.title}", ""]
        stamp = f"Measured {self.date} in {self.seconds:.0f} s"
        if self.load:
            stamp += f" (1-minute load average {self.load})"
        parts += [stamp + (" — quick smoke run, not representative." if self.quick else "."), ""]
        for table in self.tables:
            parts += [table.markdown(), ""]
        parts += [note + "\n" for note in self.notes]
        return "\n".join(parts).rstrip() + "\n"


def verdict(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "—"}[met]


def targets_table(sections: Sequence[Section]) -> Table:
    rows = [[t.what, t.target, t.measured, verdict(t.met)] for s in sections for t in s.targets]
    return Table(["measurement", "target", "measured (median, min–max)", "met"], rows)


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, OS, and the versions that matter for these numbers."""
    import numpy
    import torch

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, AttributeError, ValueError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = ""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kib / 2**20:.1f} GiB RAM"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "machine": f"{cpu}, {cores} cores, {ram}, {platform.system()} {platform.release()}",
        "versions": (
            f"Python {platform.python_version()}, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), NumPy {numpy.__version__}, "
            f"jupyter-book {version('jupyter-book')}"
        ),
    }


# --------------------------------------------------------------------------- writing


def replace_block(text: str, content: str, start: str = README_START, end: str = README_END) -> str:
    """Replace what lies between the lines ``start`` and ``end`` (kept) by ``content``."""
    pattern = re.compile(rf"(^{re.escape(start)}[ \t]*\n).*?(^{re.escape(end)}[ \t]*$)", re.S | re.M)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"expected exactly one block between lines {start!r} and {end!r}")
    return pattern.sub(lambda m: m.group(1) + content.rstrip("\n") + "\n" + m.group(2), text)


def load_results(path: Path = RESULTS_JSON) -> dict:
    import json

    if not path.exists():
        return {"sections": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def merge(results: dict, fresh: Sequence[Section], info: Mapping[str, str]) -> dict:
    """Previous results with the freshly measured sections replaced (the others keep their date)."""
    merged = {"sections": dict(results.get("sections", {})), **info}
    for section in fresh:
        merged["sections"][section.name] = asdict(section)
    return merged


def render(results: dict) -> tuple[str, str]:
    """The text of RESULTS.md and of the README block, from merged results."""
    sections = [Section.from_dict(results["sections"][n]) for n in NAMES if n in results["sections"]]
    header = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks`; see `python -m benchmarks --help`). Do not edit.",
        "",
        f"- Machine: {results.get('machine', '?')}",
        f"- Versions: {results.get('versions', '?')}",
        "",
        "Every figure is the median over repeated runs, with the range (min–max) in brackets. A ratio",
        "is computed round by round from measurements alternated within the same run, then summarised",
        "the same way. These are measurements, not tests: nothing fails when a target is missed.",
        "",
        "## Targets",
        "",
        targets_table(sections).markdown(),
        "",
    ]
    results_md = "\n".join(header) + "\n" + "\n".join(s.markdown() for s in sections)
    block = "\n".join([
        f"Measured on {results.get('machine', '?')}; {results.get('versions', '?')}.",
        "Medians over repeated runs with the range (min–max); full tables and method in",
        "[benchmarks/RESULTS.md](benchmarks/RESULTS.md). Re-measure with `make bench`.",
        "",
        targets_table(sections).markdown(),
    ])
    return results_md, block


def write(results: dict) -> None:
    import json

    results_md, block = render(results)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    RESULTS_MD.write_text(results_md, encoding="utf-8")
    if README.exists():
        text = README.read_text(encoding="utf-8")
        try:
            README.write_text(replace_block(text, block), encoding="utf-8")
        except ValueError as error:
            print(f"README.md not updated: {error}", file=sys.stderr)


# --------------------------------------------------------------------------- context


def make_snapshot(target: Path, root: Path = ROOT) -> Path:
    """Copy the working tree git knows (tracked and untracked-not-ignored files) plus the built
    web assets in ``_extra/`` to ``target``.

    Other people edit the tree while the benchmarks run; measuring a frozen copy keeps every round
    on the same code and never touches the committed notebooks. Taking git's view of the tree
    means nothing the build needs is forgotten, and ignored scratch folders (virtual
    environments, ``_build``) are left out.
    """
    import shutil
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    target.mkdir(parents=True)
    for name in filter(None, listed):
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    shutil.copytree(root / "_extra", target / "_extra", symlinks=True)
    return target


@dataclass
class Context:
    """What every benchmark gets: the mode, a scratch folder, the frozen tree, what earlier ones left."""

    quick: bool
    tmp: Path
    snapshot: Path | None = None  # a copy of the tree; its d2lmini is the one imported, here and in kernels
    site_html: Path | None = None  # a built site (set by the build benchmark)

    def rounds(self, full: int, quick: int = 1) -> int:
        return quick if self.quick else full

    @property
    def env(self) -> dict[str, str]:
        """Environment for subprocesses and kernels: the snapshot's d2lmini comes first."""
        env = dict(os.environ)
        if self.snapshot is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.snapshot), env.get("PYTHONPATH")]))
        return env


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def today() -> str:
    return time.strftime("%Y-%m-%d %H:%M %Z")
