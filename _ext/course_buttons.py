"""Sphinx extension: per-chapter buttons the theme does not provide.

* "SageMaker Studio Lab" next to the theme's Colab button, opening the chapter's
  ``.ipynb`` from the repository (same repository url and branch as Colab).
* A ``.md`` entry in the download menu: the MyST source of the chapter, copied
  next to the ``.ipynb`` under ``_sources/``.
* No thebe: Jupyter Book always loads sphinx-thebe, whose inline config is added
  twice and throws "THEBE_JS_URL has already been declared" on every page. The
  course does not use live code on the website, so its scripts are dropped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx

STUDIO_LAB = "https://studiolab.sagemaker.aws/import/github"


def _find_group(buttons: list[dict], label: str) -> dict | None:
    return next((b for b in buttons if b.get("label") == label), None)


def add_buttons(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    source = Path(app.env.doc2path(pagename))
    if source.suffix != ".ipynb":
        return
    header = context.get("header_buttons", [])
    options = app.config.html_theme_options
    repo_url = options.get("repository_url", "").rstrip("/")
    branch = options.get("repository_branch", "main")
    launch = _find_group(header, "launch-buttons")
    if launch is not None and repo_url.startswith("https://github.com/"):
        org_repo = repo_url.removeprefix("https://github.com/")
        launch["buttons"].append(
            {
                "type": "link",
                "text": "SageMaker Studio Lab",
                "tooltip": "Launch on SageMaker Studio Lab",
                "icon": "fas fa-flask",
                "url": f"{STUDIO_LAB}/{org_repo}/blob/{branch}/{pagename}.ipynb",
                "label": "studiolab-button",
            }
        )
    download = _find_group(header, "download-buttons")
    if download is not None and source.with_suffix(".md").exists():
        download["buttons"].insert(
            1,
            {
                "type": "link",
                "text": ".md",
                "tooltip": "Download the MyST Markdown source",
                "icon": "fas fa-file-lines",
                "url": f"{context['pathto']('_sources', 1)}/{pagename}.md",
                "label": "download-myst-button",
            },
        )


def drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    def is_thebe(script) -> bool:
        return "thebe" in str(script.filename or "") or "THEBE_JS_URL" in script.attributes.get("body", "")

    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not is_thebe(s)]


def copy_myst_sources(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for docname in app.env.found_docs:
        myst = Path(app.env.doc2path(docname)).with_suffix(".md")
        if myst.exists() and Path(app.env.doc2path(docname)).suffix == ".ipynb":
            target = Path(app.outdir) / "_sources" / f"{docname}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(myst, target)


def setup(app: Sphinx) -> dict:
    # After sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", add_buttons, priority=502)
    app.connect("html-page-context", drop_thebe)
    app.connect("build-finished", copy_myst_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
