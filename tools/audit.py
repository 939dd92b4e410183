"""`make audit`: axe-core and Lighthouse over the built site, written to benchmarks/AUDIT.md.

The site (``_build/html``, or ``--site``) is copied to a scratch folder, so a build running
meanwhile cannot change it under the audit, and served by Python's plain ``http.server`` on
127.0.0.1: no compression, as from a laptop or a USB stick in a classroom. Chromium (Debian's
``/usr/bin/chromium``, or ``$CHROME_PATH``) runs headless with every host but 127.0.0.1
unresolvable, so nothing can come from the network.

* axe-core (pinned in package.json) on every page, light and dark mode, desktop (1280 px) and
  phone (390 px) width: the number of violations by impact, and which rules.
* Lighthouse (pinned in package.json) on every page, desktop and mobile presets (mobile uses
  Lighthouse's simulated slow 4G and 4x CPU slowdown): performance and accessibility scores, the
  main timings, bytes, and the audits that errored in this Chromium.

These are measurements, not tests: ``make test`` enforces only axe's critical/serious count
(tests/test_accessibility.py). Usage::

    python tools/audit.py [--site _build/html] [--pages intro.html chapters/04-sgd.html]
                          [--runs 3] [--no-axe] [--no-lighthouse] [--out benchmarks/AUDIT.md]

``--runs N`` runs Lighthouse N times per page and form factor and keeps the run with the median
performance score (a shared machine makes single runs noisy); every run's score is kept in the
JSON next to the report.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.audit_axe import IMPACTS, axe_version, axe_violations
from tools.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COLOR_MODES,
    DESKTOP,
    PHONE,
    chromium,
    open_page,
    serve,
    show_widgets,
)

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}
GOALS = "accessibility ≥ 98 on every page; performance desktop ≥ 90 and mobile ≥ 70 on intro and the heaviest chapter"


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site but the redirecting index.html, front page first."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if not p.name.startswith("_"))
    pages = [p for p in pages if p != "index.html" and not p.startswith("_")]
    return sorted(pages, key=lambda p: (p != "intro.html", p.startswith("chapters/") is False, p))


def run_axe(base: str, pages: list[str]) -> dict[str, dict]:
    """Per page: violations counted by impact over the four views, and the rules seen per impact."""
    results: dict[str, dict] = {}
    with chromium() as browser:
        for path in pages:
            counts: collections.Counter = collections.Counter()
            rules: dict[str, set[str]] = collections.defaultdict(set)
            for mode in COLOR_MODES:
                for width, size in WIDTHS.items():
                    page, _ = open_page(browser, base + path, wait_ms=300, viewport=size, color_mode=mode)
                    page.evaluate("async () => { try { await window.MathJax.startup.promise; } catch (e) {} }")
                    show_widgets(page)
                    for violation in axe_violations(page):
                        counts[violation.impact] += 1
                        rules[violation.impact].add(f"{violation.rule} ({mode}, {width})")
                    page.context.close()
            results[path] = {"counts": dict(counts), "rules": {k: sorted(v) for k, v in rules.items()}}
            print(f"  axe {path}: {dict(counts) or 'clean'}", flush=True)
    return results


def run_lighthouse(url: str, form_factor: str, scratch: Path) -> dict:
    """One Lighthouse run; returns scores (0-100), metric values, bytes and errored audits."""
    out = scratch / f"lh-{form_factor}.json"
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS]).replace("MAP * ~NOTFOUND , EXCLUDE", "MAP * ~NOTFOUND,EXCLUDE")
    command = [
        str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
        "--only-categories=performance,accessibility", f"--chrome-flags={flags}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", str(CHROMIUM))}
    proc = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0 or not out.exists():
        return {"error": (proc.stderr or proc.stdout)[-300:]}
    report = json.loads(out.read_text())
    audits = report["audits"]
    errored = sorted(
        f"{key}: {(a.get('errorMessage') or '').splitlines()[0][:80] if a.get('errorMessage') else 'error'}"
        for key, a in audits.items() if a.get("scoreDisplayMode") == "error"
    )
    return {
        "version": report["lighthouseVersion"],
        "chrome": report.get("environment", {}).get("hostUserAgent", ""),
        "scores": {k: (round(100 * c["score"]) if c["score"] is not None else None)
                   for k, c in report["categories"].items()},
        "metrics": {name: audits[key].get("numericValue") for key, name in METRICS.items() if key in audits},
        "bytes": audits.get("total-byte-weight", {}).get("numericValue"),
        "errored": errored,
        "failed_a11y": sorted(key for key, a in audits.items()
                              if key in {r["id"] for r in report["categories"]["accessibility"]["auditRefs"]}
                              and a.get("score") == 0),
        "run_warnings": report.get("runWarnings", []),
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median performance score (the lower middle one for an even count)."""
    scored = [r for r in runs if r.get("scores", {}).get("performance") is not None]
    if not scored:
        return runs[-1]
    scored.sort(key=lambda r: r["scores"]["performance"])
    chosen = dict(scored[(len(scored) - 1) // 2])
    chosen["all_performance"] = [r.get("scores", {}).get("performance") for r in runs]
    return chosen


def fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value / 1000:.1f} s"


def fmt_tbt(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def write_report(out: Path, pages: list[str], axe: dict, lh: dict, meta: dict) -> None:
    lines = [
        "# Site audit: accessibility and weight",
        "",
        (
            f"Measured {meta['date']} by `make audit` (`tools/audit.py`) on {meta['machine']}: axe-core "
            f"{meta['axe']}, Lighthouse {meta.get('lighthouse', '—')}, {meta['chrome']} (headless); the built "
            "site served by Python's `http.server` on 127.0.0.1 (no compression), every other host "
            "unresolvable. Measurements, not tests; `make test` fails only on axe critical/serious "
            "(tests/test_accessibility.py)."
        ),
        "",
        f"Goals (issue 13): {GOALS}; axe 0 critical / 0 serious everywhere.",
        "",
        (
            "| page | Lighthouse performance desktop / mobile | accessibility desktop / mobile "
            "| bytes (Lighthouse, mobile) | mobile FCP / LCP / TBT | axe critical / serious | axe moderate / minor |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for path in pages:
        d, m = lh.get(path, {}).get("desktop", {}), lh.get(path, {}).get("mobile", {})

        def score(run: dict, category: str) -> str:
            value = run.get("scores", {}).get(category)
            return "—" if value is None else str(value)

        counts = axe.get(path, {}).get("counts", {})
        metrics = m.get("metrics", {})
        weight = f"{m['bytes'] / 1e6:.2f} MB" if m.get("bytes") else "—"
        lines.append(
            f"| `{path}` | {score(d, 'performance')} / {score(m, 'performance')} "
            f"| {score(d, 'accessibility')} / {score(m, 'accessibility')} | {weight} "
            f"| {fmt_ms(metrics.get('FCP'))} / {fmt_ms(metrics.get('LCP'))} / "
            f"{fmt_tbt(metrics.get('TBT'))} "
            + (f"| {counts.get('critical', 0)} / {counts.get('serious', 0)} "
               f"| {counts.get('moderate', 0)} / {counts.get('minor', 0)} |" if path in axe else "| — | — |")
        )
    note = ("axe counts are violations summed over light/dark × desktop/phone (a rule broken in all "
            "four views counts four times).")
    lines += ["", note, ""]
    remaining = collections.defaultdict(set)
    for path, result in axe.items():
        for impact, rules in result["rules"].items():
            for rule in rules:
                remaining[(impact, rule.split(" (")[0])].add(path)
    if remaining:
        lines += ["## axe findings left", "", "| impact | rule | pages |", "|---|---|---|"]
        for (impact, rule), where in sorted(remaining.items(), key=lambda i: (IMPACTS.index(i[0][0]), i[0][1])):
            lines.append(f"| {impact} | `{rule}` | {', '.join(f'`{p}`' for p in sorted(where))} |")
        lines.append("")
    errored = collections.defaultdict(set)
    failed = collections.defaultdict(set)
    for path, runs in lh.items():
        for form, run in runs.items():
            for item in run.get("errored", []):
                errored[item].add(form)
            for item in run.get("failed_a11y", []):
                failed[item].add(path)
            if "error" in run:
                errored[f"(whole run failed: {run['error'][:120]})"].add(f"{path} {form}")
    if failed:
        lines += ["## Lighthouse accessibility audits failed", ""]
        lines += [f"- `{a}`: {', '.join(f'`{p}`' for p in sorted(p))}" for a, p in sorted(failed.items())]
        lines.append("")
    if errored:
        lines += ["## Lighthouse audits that errored in this Chromium", "",
                  "They score nothing and are left out of the category score.", ""]
        lines += [f"- `{a}` ({', '.join(sorted(f))})" for a, f in sorted(errored.items())]
        lines.append("")
    out.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--pages", nargs="*", help="pages to audit (default: every page)")
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page and form (median kept)")
    parser.add_argument("--no-axe", action="store_true")
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "AUDIT.md")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs {args.runs}: must be at least 1")
    if not (args.site / "intro.html").exists():
        parser.error(f"--site {args.site}: no built site there (run `make html`)")
    if not args.no_lighthouse and not LIGHTHOUSE.exists():
        parser.error(f"{LIGHTHOUSE} is missing: run `npm ci` (make does)")
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        site = scratch / "site"
        shutil.copytree(args.site, site)
        pages = args.pages or site_pages(site)
        missing = [p for p in pages if not (site / p).is_file()]
        if missing:
            parser.error(f"--pages: no such page in {args.site}: {', '.join(missing)}")
        meta = {"date": datetime.date.today().isoformat(), "axe": axe_version(),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
        with serve(site) as base:
            axe: dict[str, dict] = {}
            if not args.no_axe:
                print("axe-core:", flush=True)
                axe = run_axe(base, pages)
            lh: dict[str, dict] = {}
            if not args.no_lighthouse:
                print("Lighthouse:", flush=True)
                for path in pages:
                    lh[path] = {}
                    for form in ("desktop", "mobile"):
                        runs = [run_lighthouse(base + path, form, scratch) for _ in range(args.runs)]
                        lh[path][form] = run = median_run(runs)
                        shown = run.get("all_performance") or run.get("scores", run.get("error"))
                        print(f"  {path} {form}: {shown}", flush=True)
                        meta.setdefault("lighthouse", run.get("version"))
        version = subprocess.run([str(CHROMIUM), "--version"], check=False, capture_output=True, text=True).stdout.strip()
        meta["chrome"] = version or "Chromium"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_report(args.out, pages, axe, lh, meta)
    (args.out.with_suffix(".json")).write_text(json.dumps({"meta": meta, "axe": axe, "lighthouse": lh}, indent=1))
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
