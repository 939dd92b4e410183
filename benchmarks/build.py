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
from pathlib import Path

from tools.notebooks import book_command

from . import PY, Command, Context, Section, Spread, Table, Target, fmt_num, fmt_time, ratios, run_command

EXECUTED = re.compile(r"^executed (\S+) in ([\d.]+) s$", re.MULTILINE)
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)\s*$", re.MULTILINE)
HTML_LIMIT_S, FULL_LIMIT_S = 10.0, 30.0


def pulled_in(importtime: str, top: str = "d2lmini") -> tuple[int, list[tuple[str, int]]]:
    """From ``python -X importtime`` output: µs to import ``top``, and the top-level packages first imported
    meanwhile (not counting their own dependencies) with their µs, biggest first."""
    total, found, inside, stack = 0, [], False, []  # stack[i]: is the ancestor at level i + 1 outside `top`?
    for cumulative, indent, name in reversed(IMPORT_LINE.findall(importtime)):  # reversed: parents first
        level = (len(indent) - 1) // 2
        if level == 0:
            inside, stack = name == top, []
            total = int(cumulative) if inside else total
            continue
        del stack[level - 1:]
        below_other = not inside or any(stack)
        external = not below_other and "." not in name and name != top
        if external:
            found.append((name, int(cumulative)))
        stack.append(below_other or external)
    return total, sorted(found, key=lambda item: -item[1])


def kernel_cycle(env: dict[str, str], cwd: Path, *, immediate: bool = False) -> tuple[float, float, float]:
    """Seconds to start a python3 kernel (until it answers), to run ``import d2lmini`` in it, to shut it down
    (gracefully as nbclient's default: a request, then waiting for the exit; or ``immediate``: killed)."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    start = time.perf_counter()
    km.start_kernel(cwd=str(cwd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    ready = time.perf_counter()
    reply = kc.execute_interactive("import d2lmini", timeout=120, output_hook=lambda msg: None)
    imported = time.perf_counter()
    kc.stop_channels()
    km.shutdown_kernel(now=immediate)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"import d2lmini failed in a fresh kernel: {reply['content']}")
    return ready - start, imported - ready, time.perf_counter() - imported


def execute(snap: Path, chapters: list[Path], env: dict[str, str], *, jobs: int, force: bool = True) -> Command:
    """The snapshot's execute tool (its ROOT is the snapshot); kernels import the snapshot's d2lmini."""
    args = [PY, snap / "tools" / "notebooks.py", "execute", *(["--force"] if force else []), "--jobs", str(jobs)]
    return run_command(args + [c.relative_to(snap) for c in chapters], cwd=snap, env=env)


def run(ctx: Context) -> Section:
    rounds, snap, notes = ctx.rounds(3, 1), ctx.snapshot, []
    env = {**os.environ, "PYTHONPATH": str(snap)}

    # Start-up pieces: a bare interpreter, torch, d2lmini, and a fresh kernel.
    pieces = {"python": "pass", "torch": "import torch", "d2lmini": "import d2lmini"}
    startup: dict[str, list[float]] = {k: [] for k in [*pieces, "kernel", "kernel import", "shutdown", "kill"]}
    for _ in range(ctx.rounds(5, 2)):
        for key, code in pieces.items():
            startup[key].append(run_command([PY, "-c", code], cwd=snap, env=env).seconds)
        for key, seconds in zip(("kernel", "kernel import", "shutdown"), kernel_cycle(env, snap)):
            startup[key].append(seconds)
        startup["kill"].append(kernel_cycle(env, snap, immediate=True)[2])
    print("  start-up measured", flush=True)
    s = {k: Spread.of(v) for k, v in startup.items()}
    fixed = Spread.of([sum(t) for t in zip(startup["kernel"], startup["kernel import"], startup["shutdown"])])
    startup_rows = [[label, fmt_time(t)] for label, t in [
        ("`python -c pass`", s["python"]), ("`python -c 'import torch'`", s["torch"]),
        ("`python -c 'import d2lmini'`", s["d2lmini"]), ("start a python3 kernel (until it answers)", s["kernel"]),
        ("`import d2lmini` in that fresh kernel", s["kernel import"]),
        ("shut the kernel down (graceful: nbclient's default)", s["shutdown"]),
        ("fixed cost of a fresh kernel (sum of the last three)", fixed),
        ("shut it down immediately (`shutdown_kernel='immediate'`, what the execute tool does)", s["kill"])]]

    chapters = sorted((snap / "chapters").glob("*.md"))[: 1 if ctx.quick else None]
    times: dict[str, list[float]] = {"j1": [], "j2": [], "noop": [], "html": []}
    warn: list[int] = []
    chapter_times: dict[str, list[float]] = {}
    for r in range(rounds):
        order = (1, 2) if r % 2 == 0 else (2, 1)  # alternate which goes first
        results = {jobs: execute(snap, chapters, env, jobs=jobs) for jobs in order}
        failed = [c for c in results.values() if c.returncode != 0]
        if failed and r == 0:
            raise RuntimeError("chapter execution failed: " + failed[0].tail(1))
        if failed:  # flaky chapter: keep the rounds already measured
            notes.append(f"Execution failed in round {r + 1}, so only {r} rounds count: {failed[0].tail(1)[:200]}")
            break
        for name, seconds in EXECUTED.findall(results[1].stdout):
            chapter_times.setdefault(Path(name).stem, []).append(float(seconds))
        up_to_date = execute(snap, chapters, env, jobs=2, force=False)
        if "up to date" not in up_to_date.stdout:
            notes.append("The no-op `make notebooks` step still found stale chapters: " + up_to_date.tail(2))
        built = run_command(book_command(snap, ctx.tmp / f"site{r}"), cwd=snap)
        for key, command in (("j1", results[1]), ("j2", results[2]), ("noop", up_to_date), ("html", built)):
            times[key].append(command.seconds)
        output = (built.stdout + built.stderr).splitlines()
        warn.append(sum("WARNING" in line or "ERROR" in line for line in output) if built.returncode == 0 else -1)
        if (ctx.tmp / f"site{r}" / "_build" / "html").exists():
            ctx.site_html = ctx.tmp / f"site{r}" / "_build" / "html"
        print(f"  round {r + 1}: jobs=1 {times['j1'][-1]:.1f} s, jobs=2 {times['j2'][-1]:.1f} s, no-op "
              f"{times['noop'][-1]:.1f} s, build {times['html'][-1]:.1f} s (exit {built.returncode})", flush=True)

    t = {k: Spread.of(v) for k, v in times.items()}
    make_book = Spread.of([a + b for a, b in zip(times["noop"], times["html"])])
    full = Spread.of([a + b for a, b in zip(times["j2"], times["html"])])
    speedup = ratios(times["j1"], times["j2"])
    build_rows = [
        ["`make notebooks` with every chapter up to date (hash check only)", fmt_time(t["noop"])],
        ["`jupyter-book build --all -W -n --keep-going` into a clean `_build`", fmt_time(t["html"])],
        ["**`make book`, notebooks up to date** (the two above)", fmt_time(make_book)],
        ["execute every chapter, `--jobs 1`", fmt_time(t["j1"])],
        ["execute every chapter, `--jobs 2` (the default here)", fmt_time(t["j2"])],
        ["parallel speed-up (jobs 1 / jobs 2, per round)", fmt_num(speedup, "×")],
        ["**full re-execution (`--jobs 2`) + build**", fmt_time(full)],
    ]
    per_chapter = {name: Spread.of(v) for name, v in sorted(chapter_times.items())}
    chapter_rows = [[f"`{name}`", fmt_time(c), f"{min(1.0, fixed.median / c.median):.0%}"]
                    for name, c in per_chapter.items()]
    total_chapters = sum(c.median for c in per_chapter.values())
    fixed_share = fixed.median * len(per_chapter) / total_chapters if total_chapters else float("nan")

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
    traced = run_command([PY, "-X", "importtime", "-c", "import d2lmini"], cwd=snap, env=env)
    total, external = pulled_in(traced.stderr)
    if traced.returncode != 0 or not total:
        importtime = "`python -X importtime -c 'import d2lmini'` failed: " + traced.tail(2)
    else:
        listed = ", ".join(f"{name} {us / 1e3:.0f} ms" for name, us in external[:5])
        importtime = (f"`python -X importtime -c 'import d2lmini'` (one run, inflated by the tracing): "
                      f"{total / 1e3:.0f} ms in all; packages it pulls in: {listed or 'none'}; "
                      f"d2lmini's own modules and the rest: {(total - sum(us for _, us in external)) / 1e3:.0f} ms.")
    notes += [
        f"What dominates execution: every chapter starts a fresh kernel and imports torch. That fixed cost "
        f"is {fmt_time(fixed)} per chapter, {fixed_share:.0%} of the summed per-chapter times; "
        f"`import torch` alone costs {fmt_time(s['torch'])} in a fresh interpreter against "
        f"{fmt_time(s['python'])} for a bare one. " + parallel,
        importtime,
        f"{rounds} rounds for execution and build (orders of `--jobs 1` and `--jobs 2` alternated), "
        f"{ctx.rounds(5, 2)} for the start-up pieces. Per-chapter times come from the `--jobs 1` runs "
        "(a fresh kernel each, start and shutdown included), as printed by `tools/notebooks.py execute`. "
        f"Chapters: every `chapters/*.md` in the tree at the time ({len(chapter_times)}).",
    ]
    return Section(
        name="build", title="Build and execution",
        tables=[Table(["step", "time"], build_rows, caption="make book, piece by piece"),
                Table(["chapter", "execution in a fresh kernel", "of which fixed kernel cost"], chapter_rows,
                      caption="Per chapter (`--jobs 1`)"),
                Table(["start-up piece", "time"], startup_rows, caption="Start-up costs")],
        notes=notes,
        targets=[Target("`make book`, clean `_build`, notebooks up to date", f"≤ {HTML_LIMIT_S:.0f} s",
                        fmt_time(make_book), make_book.median <= HTML_LIMIT_S),
                 Target("full re-execution + build (`--jobs 2`)", f"≤ {FULL_LIMIT_S:.0f} s on 2 cores",
                        fmt_time(full), full.median <= FULL_LIMIT_S)],
    )
