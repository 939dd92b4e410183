"""Build and copy the pinned browser runtime from node_modules/ into _extra/, served at the site root.

The site must work offline, so nothing is loaded from a CDN:

* ``_extra/widgets/widgets.js`` and ``widgets.css``: the course's static widget runtime
  (``web/widgets-runtime.js``, ``web/widgets.css``), bundled with the pinned esbuild from the
  npm sources of ``@jupyter-widgets/html-manager``'s packages, holding only the controls a
  course page can show (about 0.5 MB instead of html-manager's 3.6 MB ``embed-amd.js``, with no
  RequireJS and no second icon font). Only pages that saved widget state load anything: a
  deferred 1 kB ``loader.js`` (``web/widgets-loader.js``), which fetches ``widgets.js`` when a
  widget is about to scroll into view.
* ``_extra/mathjax/output/chtml/fonts/woff-v2/``: MathJax 3's CHTML fonts. The maths itself
  is typeset when the site is built (``web/typeset-maths.js``, run by ``_ext/site_fixes.py``
  from ``node_modules/mathjax``), so no page loads MathJax's JavaScript; the stylesheet the
  typesetting writes (``mathjax/chtml.css``) names these fonts.

No vendored script keeps a ``sourceMappingURL`` comment: the maps are not shipped, and a
browser's developer tools would otherwise ask for them (a 404 on every page load with tools open).
Versions are pinned in package.json / package-lock.json; ``_extra/VERSIONS.json`` records the
version and licence of every package whose code is served, and ``_extra/licences/`` holds the
licence files they ship. Run ``npm ci`` first (``make`` does both).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
EXTRA = ROOT / "_extra"
WEB = ROOT / "web"
ESBUILD = MODULES / ".bin" / "esbuild"

# (package, file or glob inside it, destination folder under _extra)
FILES = [
    # MathJax's CHTML fonts; the maths is typeset at build time (web/typeset-maths.js).
    ("mathjax", "es5/output/chtml/fonts/woff-v2/*.woff", "mathjax/output/chtml/fonts/woff-v2"),
]
SOURCE_MAP = re.compile(rb"\n?//# sourceMappingURL=[^\n]*\n?\s*\Z")

# esbuild: one browser script (no module loader on the page), ES2019 for older tablets.
# sanitize-html (with postcss and htmlparser2, ~0.25 MB) only serves descriptions written with
# description_allow_html; the runtime escapes descriptions instead (web/no-sanitize.js).
BUNDLE_ARGS = [
    "--bundle", "--minify", "--format=iife", "--target=es2019", "--legal-comments=none",
    "--log-level=warning", f"--alias:sanitize-html={(WEB / 'no-sanitize.js').as_posix()}",
]


def strip_source_map(path: Path) -> None:
    """Drop a trailing ``//# sourceMappingURL=`` comment from a vendored script, in place."""
    data = path.read_bytes()
    stripped = SOURCE_MAP.sub(b"\n", data)
    if stripped != data:
        path.write_bytes(stripped)


def _package_of(module_path: str) -> str | None:
    """``node_modules/@scope/name/lib/x.js`` -> ``@scope/name``; None for our own sources."""
    parts = module_path.split("/")
    if "node_modules" not in parts:
        return None
    rest = parts[len(parts) - parts[::-1].index("node_modules"):]
    return "/".join(rest[:2]) if rest[0].startswith("@") else rest[0]


def build_widget_runtime() -> tuple[list[Path], set[str]]:
    """Bundle web/widgets-runtime.js and web/widgets.css; return the files and the npm packages inside."""
    if not ESBUILD.exists():
        sys.exit(f"{ESBUILD} is missing: run `npm ci` first")
    out = EXTRA / "widgets"
    out.mkdir(parents=True, exist_ok=True)
    meta = EXTRA / ".widgets-meta.json"
    packages: set[str] = set()
    written = []
    for source, target in (("widgets-loader.js", "loader.js"), ("widgets-runtime.js", "widgets.js"),
                           ("widgets.css", "widgets.css")):
        subprocess.run(
            [str(ESBUILD), str(WEB / source), *BUNDLE_ARGS, f"--outfile={out / target}", f"--metafile={meta}"],
            check=True,
            cwd=ROOT,
        )
        inputs = json.loads(meta.read_text())["inputs"]
        packages.update(p for p in map(_package_of, inputs) if p)
        strip_source_map(out / target)
        written.append(out / target)
    meta.unlink()
    return written, packages


def copy_assets() -> list[Path]:
    """Build the widget runtime and copy every other asset; return the files written."""
    if not MODULES.is_dir():
        sys.exit("node_modules/ is missing: run `npm ci` first")
    if EXTRA.exists():
        shutil.rmtree(EXTRA)
    written, bundled = build_widget_runtime()
    for package, pattern, destination in FILES:
        matches = sorted((MODULES / package).glob(pattern))
        if not matches:
            sys.exit(f"{package}: nothing matches {pattern}; is package-lock.json installed?")
        for source in matches:
            target = EXTRA / destination / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            if target.suffix == ".js":
                strip_source_map(target)
            written.append(target)
    # Licence texts of every package whose code the site serves, and each SPDX id.
    manifest = {}
    for package in sorted(bundled | {package for package, _, _ in FILES}):
        meta = json.loads((MODULES / package / "package.json").read_text())
        manifest[package] = {"version": meta["version"], "license": meta.get("license", "see package")}
        for licence in (MODULES / package).glob("LICEN[CS]E*"):
            target = EXTRA / "licences" / f"{package.replace('/', '__')}.{licence.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(licence, target)
            written.append(target)
    (EXTRA / "VERSIONS.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return written


if __name__ == "__main__":
    files = copy_assets()
    print(f"vendored {len(files)} files into {EXTRA.relative_to(ROOT)}/")
