"""Test suite: the wall time of one `make test` after set-up (run with --with-test-suite or --only suite)."""

from __future__ import annotations

import re

from . import ROOT, Context, Section, Spread, Table, Target, fmt_time, run_command

LIMIT_S = 180.0
SUMMARY = re.compile(r"^=+ (.*\b(?:passed|failed|error|errors)\b.*) =+$", re.MULTILINE)


def run(ctx: Context) -> Section:
    # Set-up first (venv stamp, vendored assets), so the timed run is the checks alone.
    run_command(["make", "--no-print-directory", ".venv/.installed", "_extra/VERSIONS.json"], cwd=ROOT)
    command = run_command(["make", "--no-print-directory", "test"], cwd=ROOT)
    found = SUMMARY.findall(command.stdout)
    summary = found[-1] if found else command.tail(1)
    passed = command.returncode == 0
    t = Spread.of([command.seconds])
    return Section(
        name="suite",
        title="Test suite",
        tables=[Table(["command", "wall time", "outcome"],
                      [["`make test`", fmt_time(t), ("passed" if passed else "**failed**") + f": {summary}"]])],
        notes=[
            "One run (it takes minutes), after the set-up steps had run, so the time is the checks alone: "
            "unit tests, nbval on every chapter, pairing, the book build and the browser tests, with "
            "pytest-xdist's 2 workers. Other people may have been editing the tree, so a failure here is "
            "recorded, not investigated."
        ],
        targets=[Target("`make test` after set-up (one run)", f"≤ {LIMIT_S / 60:.0f} min",
                        fmt_time(t) + ("" if passed else " (failed)"), t.median <= LIMIT_S)],
    )
