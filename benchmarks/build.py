"""Build: the pieces of `make book`, per-chapter execution, and what a fresh kernel costs.

Everything runs on a snapshot of the working tree in a scratch folder, so the committed
``chapters/*.ipynb`` are never touched and other people's builds are not disturbed. The snapshot's own
``tools/notebooks.py execute`` re-executes its chapters (its ``ROOT`` is the snapshot), exactly as
``make notebooks`` would. Every build goes to a fresh ``--path-output`` (a clean ``_build``).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.notebooks import book_command

from . import PY, ROOT, Command, Context, Section, Spread, Table, Target, fmt_num, fmt_time, ratios, run_command

EXECUTED = re.compile(r"^executed (\S+) in ([\d.]+) s$", re.MULTILINE)
HTML_LIMIT_S = 10.0
FULL_LIMIT_S = 30.0


# --------------------------------------------------------------------------- -X importtime


@dataclass
class ImportNode:
    name: str
    self_us: int
    cumulative_us: int
    children: list[ImportNode] = field(default_factory=list)


def parse_importtime(stderr: str) -> list[ImportNode]:
    """The import tree printed by ``python -X importtime`` (children are printed before their parent)."""
    pending: dict[int, list[ImportNode]] = {}
    line_re = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")
    for line in stderr.splitlines():
        match = line_re.match(line)
        if not match:
            continue
        level = (len(match.group(3)) - 1) // 2
        node = ImportNode(match.group(4), int(match.group(1)), int(match.group(2)),
                          pending.pop(level + 1, []))
        pending.setdefault(level, []).append(node)
    return pending.get(0, [])


def external_imports(node: ImportNode) -> list[ImportNode]:
    """Top-level packages first imported while importing ``node`` (not counting their own dependencies)."""
    own = node.name.split(".")[0]
    found = []
    for child in node.children:
        if child.name.split(".")[0] != own and "." not in child.name:
            found.append(child)
        else:
            found += external_imports(child)
    return sorted(found, key=lambda c: -c.cumulative_us)


def importtime_note(snap: Path, env: dict[str, str]) -> str:
    proc = run_command([PY, "-X", "importtime", "-c", "import d2lmini"], cwd=snap, env=env)
    roots = [n for n in parse_importtime(proc.stderr) if n.name == "d2lmini"]
    if proc.returncode != 0 or not roots:
        return "`python -X importtime -c 'import d2lmini'` failed: " + proc.tail(2)
    top = roots[0]
    external = external_imports(top)
    rest = top.cumulative_us - sum(e.cumulative_us for e in external)
    listed = ", ".join(f"{e.name} {e.cumulative_us / 1e3:.0f} ms" for e in external[:5])
    return (
        f"`python -X importtime -c 'import d2lmini'` (one run, inflated by the tracing): "
        f"{top.cumulative_us / 1e3:.0f} ms in all; packages it pulls in: {listed or 'none'}; "
        f"d2lmini's own modules and the rest: {rest / 1e3:.0f} ms."
    )


# --------------------------------------------------------------------------- fresh kernels


def kernel_cycle(env: dict[str, str] | None = None, *, immediate: bool = False) -> tuple[float, float, float]:
    """Seconds to start a python3 kernel (until it answers), to run ``import d2lmini`` in it, to shut it down.

    The shutdown is graceful (a shutdown request, then waiting for the process to exit), as nbclient's
    default, or ``immediate`` (the process is killed).
    """
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    start = time.perf_counter()
    cwd = Path(env["PYTHONPATH"].split(os.pathsep)[0]) if env and env.get("PYTHONPATH") else ROOT
    km.start_kernel(cwd=str(cwd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    ready = time.perf_counter()
    reply = kc.execute_interactive("import d2lmini", timeout=120, output_hook=lambda msg: None)
    imported = time.perf_counter()
    kc.stop_channels()
    km.shutdown_kernel(now=immediate)
    done = time.perf_counter()
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"import d2lmini failed in a fresh kernel: {reply['content']}")
    return ready - start, imported - ready, done - imported


# --------------------------------------------------------------------------- the snapshot


def execute(snap: Path, chapters: list[Path], *, jobs: int, force: bool = True) -> Command:
    """The snapshot's execute tool (its ROOT is the snapshot); kernels import the snapshot's d2lmini."""
    args = [PY, snap / "tools" / "notebooks.py", "execute", *(["--force"] if force else []), "--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(snap)}
    return run_command(args + [c.relative_to(snap) for c in chapters], cwd=snap, env=env)


def per_chapter(command: Command) -> dict[str, float]:
    return {Path(name).stem: float(seconds) for name, seconds in EXECUTED.findall(command.stdout)}


def build_html(snap: Path, out: Path) -> Command:
    return run_command(book_command(snap, out), cwd=snap)


def warnings_in(command: Command) -> int:
    return sum("WARNING" in line or "ERROR" in line for line in (command.stdout + command.stderr).splitlines())


# --------------------------------------------------------------------------- the benchmark


def run(ctx: Context) -> Section:
    rounds = ctx.rounds(3, 1)
    notes: list[str] = []
    if ctx.snapshot is None:  # executing with --force rewrites the chapters' .ipynb: never in the real tree
        raise ValueError("the build benchmark needs ctx.snapshot, a copy of the tree")
    snap = ctx.snapshot
    env = {**ctx.env, "PYTHONPATH": str(snap)}

    # Start-up pieces: a bare interpreter, torch, d2lmini, and a fresh kernel.
    startup: dict[str, list[float]] = {k: [] for k in ("python", "torch", "d2lmini", "kernel", "kernel import",
                                                       "shutdown", "kill")}
    for _ in range(ctx.rounds(5, 2)):
        startup["python"].append(run_command([PY, "-c", "pass"], cwd=snap, env=env).seconds)
        startup["torch"].append(run_command([PY, "-c", "import torch"], cwd=snap, env=env).seconds)
        startup["d2lmini"].append(run_command([PY, "-c", "import d2lmini"], cwd=snap, env=env).seconds)
        for key, seconds in zip(("kernel", "kernel import", "shutdown"), kernel_cycle(env)):
            startup[key].append(seconds)
        startup["kill"].append(kernel_cycle(env, immediate=True)[2])
    print("  start-up measured", flush=True)
    s = {k: Spread.of(v) for k, v in startup.items()}
    fixed = [a + b + c for a, b, c in zip(startup["kernel"], startup["kernel import"], startup["shutdown"])]
    startup_rows = [
        ["`python -c pass`", fmt_time(s["python"])],
        ["`python -c 'import torch'`", fmt_time(s["torch"])],
        ["`python -c 'import d2lmini'`", fmt_time(s["d2lmini"])],
        ["start a python3 kernel (until it answers)", fmt_time(s["kernel"])],
        ["`import d2lmini` in that fresh kernel", fmt_time(s["kernel import"])],
        ["shut the kernel down (graceful: nbclient's default)", fmt_time(s["shutdown"])],
        ["fixed cost of a fresh kernel (sum of the last three)", fmt_time(Spread.of(fixed))],
        ["shut it down immediately (`shutdown_kernel='immediate'`, what the execute tool does)", fmt_time(s["kill"])],
    ]

    chapters = sorted((snap / "chapters").glob("*.md"))
    if ctx.quick:
        chapters = chapters[:1]
    j1, j2, noop, html, warn = [], [], [], [], []
    chapter_times: dict[str, list[float]] = {}
    out = None
    for r in range(rounds):
        order = (1, 2) if r % 2 == 0 else (2, 1)  # alternate which goes first
        results = {jobs: execute(snap, chapters, jobs=jobs) for jobs in order}
        failed = [c for c in results.values() if c.returncode != 0]
        if failed and r == 0:
            raise RuntimeError("chapter execution failed: " + failed[0].tail(1))
        if failed:  # flaky chapter: keep the rounds already measured
            notes.append(f"Execution failed in round {r + 1}, so only {r} rounds count: {failed[0].tail(1)[:200]}")
            break
        j1.append(results[1].seconds)
        j2.append(results[2].seconds)
        for name, seconds in per_chapter(results[1]).items():
            chapter_times.setdefault(name, []).append(seconds)
        up_to_date = execute(snap, chapters, jobs=2, force=False)
        if "up to date" not in up_to_date.stdout:
            notes.append("The no-op `make notebooks` step still found stale chapters: " + up_to_date.tail(2))
        noop.append(up_to_date.seconds)
        out = ctx.tmp / f"site{r}"
        built = build_html(snap, out)
        html.append(built.seconds)
        warn.append(warnings_in(built) if built.returncode == 0 else -1)
        print(f"  round {r + 1}: jobs=1 {j1[-1]:.1f} s, jobs=2 {j2[-1]:.1f} s, no-op {noop[-1]:.1f} s, "
              f"build {html[-1]:.1f} s (exit {built.returncode})", flush=True)
    if out is not None and (out / "_build" / "html").exists():
        ctx.site_html = out / "_build" / "html"

    make_book = Spread.of([a + b for a, b in zip(noop, html)])
    full = Spread.of([a + b for a, b in zip(j2, html)])
    speedup = ratios(j1, j2)
    build_rows = [
        ["`make notebooks` with every chapter up to date (hash check only)", fmt_time(Spread.of(noop))],
        ["`jupyter-book build --all -W -n --keep-going` into a clean `_build`", fmt_time(Spread.of(html))],
        ["**`make book`, notebooks up to date** (the two above)", fmt_time(make_book)],
        ["execute every chapter, `--jobs 1`", fmt_time(Spread.of(j1))],
        ["execute every chapter, `--jobs 2` (the default here)", fmt_time(Spread.of(j2))],
        ["parallel speed-up (jobs 1 / jobs 2, per round)", fmt_num(speedup, "×")],
        ["**full re-execution (`--jobs 2`) + build**", fmt_time(full)],
    ]
    fixed_median = Spread.of(fixed).median
    chapter_rows = []
    for name, times in sorted(chapter_times.items()):
        t = Spread.of(times)
        chapter_rows.append([f"`{name}`", fmt_time(t), f"{min(1.0, fixed_median / t.median):.0%}"])
    total_chapters = sum(Spread.of(t).median for t in chapter_times.values())
    fixed_share = fixed_median * len(chapter_times) / total_chapters if total_chapters else float("nan")

    if any(w != 0 for w in warn):
        notes.append(f"The book build reported warnings or failed in some rounds (warning lines per round, "
                     f"-1 = failed: {warn}); its time is still the time of a full build.")
    if speedup.median >= 1.15:
        parallel = (f"Running chapters two at a time (`--jobs 2`, the default on this 2-core machine) is "
                    f"{fmt_num(speedup, '×')} faster than one at a time: a kernel spends most of its life "
                    "importing and in single-threaded Python, so two overlap well.")
    else:
        parallel = (f"Running chapters two at a time (`--jobs 2`) gains little over one at a time "
                    f"({fmt_num(speedup, '×')}): the two kernels compete for the same 2 cores.")
    notes += [
        f"What dominates execution: every chapter starts a fresh kernel and imports torch. That fixed cost "
        f"is {fmt_time(Spread.of(fixed))} per chapter, {fixed_share:.0%} of the summed per-chapter times; "
        f"`import torch` alone costs {fmt_time(s['torch'])} in a fresh interpreter against "
        f"{fmt_time(s['python'])} for a bare one. " + parallel,
        importtime_note(snap, env),
        f"{rounds} rounds for execution and build (orders of `--jobs 1` and `--jobs 2` alternated), "
        f"{ctx.rounds(5, 2)} for the start-up pieces. Per-chapter times come from the `--jobs 1` runs "
        "(a fresh kernel each, start and shutdown included), as printed by `tools/notebooks.py execute`. "
        f"Chapters: every `chapters/*.md` in the tree at the time ({len(chapter_times)}).",
    ]
    return Section(
        name="build",
        title="Build and execution",
        tables=[
            Table(["step", "time"], build_rows, caption="make book, piece by piece"),
            Table(["chapter", "execution in a fresh kernel", "of which fixed kernel cost"], chapter_rows,
                  caption="Per chapter (`--jobs 1`)"),
            Table(["start-up piece", "time"], startup_rows, caption="Start-up costs"),
        ],
        notes=notes,
        targets=[
            Target("`make book`, clean `_build`, notebooks up to date", f"≤ {HTML_LIMIT_S:.0f} s",
                   fmt_time(make_book), make_book.median <= HTML_LIMIT_S),
            Target("full re-execution + build (`--jobs 2`)", f"≤ {FULL_LIMIT_S:.0f} s on 2 cores",
                   fmt_time(full), full.median <= FULL_LIMIT_S),
        ],
    )
