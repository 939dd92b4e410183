"""Copy the pinned browser runtime from node_modules/ into _extra/, served at the site root.

The site must work offline, so nothing is loaded from a CDN:

* ``_extra/widgets/``: RequireJS and ``@jupyter-widgets/html-manager``'s ``embed-amd.js``
  with the icon fonts it loads, plus ``web/assets-path.js`` (ours);
* ``_extra/mathjax/``: MathJax 3's ``tex-chtml.js``, the CHTML web fonts and the TeX
  extensions it autoloads on demand.

Versions are pinned in package.json / package-lock.json; ``_extra/VERSIONS.json`` records
each version and licence, and ``_extra/licences/`` holds the licence files packages ship.  Run ``npm ci`` first (``make`` does both).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
EXTRA = ROOT / "_extra"

# (package, file or glob inside it, destination folder under _extra)
FILES = [
    ("requirejs", "require.js", "widgets"),
    ("@jupyter-widgets/html-manager", "dist/embed-amd.js", "widgets"),
    ("@jupyter-widgets/html-manager", "dist/*.woff2", "widgets"),
    ("@jupyter-widgets/html-manager", "dist/*.woff", "widgets"),
    ("mathjax", "es5/tex-chtml.js", "mathjax"),
    ("mathjax", "es5/output/chtml/fonts/woff-v2/*.woff", "mathjax/output/chtml/fonts/woff-v2"),
    # TeX packages MathJax autoloads when a page uses one of their macros (e.g. \boldsymbol).
    ("mathjax", "es5/input/tex/extensions/*.js", "mathjax/input/tex/extensions"),
]
PACKAGES = sorted({package for package, _, _ in FILES})


def copy_assets() -> list[Path]:
    """Copy every asset; return the files written."""
    if not MODULES.is_dir():
        sys.exit("node_modules/ is missing: run `npm ci` first")
    if EXTRA.exists():
        shutil.rmtree(EXTRA)
    written = []
    for package, pattern, destination in FILES:
        matches = sorted((MODULES / package).glob(pattern))
        if not matches:
            sys.exit(f"{package}: nothing matches {pattern}; is package-lock.json installed?")
        for source in matches:
            target = EXTRA / destination / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            written.append(target)
    shutil.copy2(ROOT / "web" / "assets-path.js", EXTRA / "widgets" / "assets-path.js")
    # Licence texts: MathJax ships a LICENSE file; require.js states MIT in its own header;
    # html-manager (BSD-3-Clause) ships only third-party notices, so record each SPDX id.
    manifest = {}
    for package in PACKAGES:
        meta = json.loads((MODULES / package / "package.json").read_text())
        manifest[package] = {"version": meta["version"], "license": meta["license"]}
        for licence in (MODULES / package).glob("LICENSE*"):
            target = EXTRA / "licences" / f"{package.replace('/', '__')}.{licence.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(licence, target)
            written.append(target)
    (EXTRA / "VERSIONS.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return written


if __name__ == "__main__":
    files = copy_assets()
    print(f"vendored {len(files)} files into {EXTRA.relative_to(ROOT)}/")
