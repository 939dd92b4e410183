"""pytest plugin for `make test-oldest`: deselect tests that need the built site or a browser.

The oldest-versions environment holds d2lmini's runtime libraries and pytest only, not the
book tool chain (Jupyter Book, Playwright); tests asking for those fixtures are project-level
checks that ``make test`` runs. Load with ``PYTHONPATH=tests pytest -p unit_only``.
"""

from __future__ import annotations

PROJECT_FIXTURES = {"built_site", "site_url", "browser", "open_page", "testrun_uid"}


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        (drop if PROJECT_FIXTURES & set(getattr(item, "fixturenames", ())) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
