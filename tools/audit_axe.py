"""axe-core on pages of the built site: which accessibility rules a page breaks, and how badly.

axe-core is pinned in package.json (``npm ci`` puts it in node_modules/); its ``axe.min.js`` is
injected into the page after it has loaded, then ``axe.run`` checks the whole document::

    with serve(Path("_build/html")) as url, chromium() as browser:
        page, _ = open_page(browser, url + "intro.html", color_mode="dark", viewport=PHONE)
        for violation in axe_violations(page):
            print(violation.impact, violation.rule, violation.nodes)

Used by ``tests/test_accessibility.py`` (fails on critical/serious) and ``tools/audit.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks: its id, impact, help text and the first few offending nodes."""

    rule: str
    impact: str
    help: str
    count: int
    nodes: tuple[str, ...]

    def __str__(self) -> str:
        return f"[{self.impact}] {self.rule} ×{self.count}: {self.help} — " + " | ".join(self.nodes)


def axe_version() -> str:
    """The installed axe-core version (from node_modules/axe-core/package.json)."""
    meta = AXE_JS.parent / "package.json"
    if not meta.exists():
        raise FileNotFoundError(f"{AXE_JS.parent} is missing: run `npm ci` (make does) to install axe-core")
    return json.loads(meta.read_text())["version"]


def axe_violations(page: Any) -> list[Violation]:
    """Run axe-core on ``page`` (a loaded Playwright page); return every violation, worst first."""
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `npm ci` (make does) to install axe-core")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map((v) => ({
            rule: v.id, impact: v.impact || 'minor', help: v.help, count: v.nodes.length,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '')
                                                   .replace(/\\s+/g, ' ').slice(0, 160)),
          }));
        }"""
    )
    violations = [Violation(v["rule"], v["impact"], v["help"], v["count"], tuple(v["nodes"])) for v in result]
    return sorted(violations, key=lambda v: (IMPACTS.index(v.impact), v.rule))


def blocking(violations: list[Violation]) -> list[Violation]:
    """The critical and serious violations: what ``make test`` refuses."""
    return [v for v in violations if v.impact in BLOCKING]
