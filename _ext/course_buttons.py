"""Sphinx extension: per-chapter buttons the theme does not provide.

* Every launch button opens the chapter's reader notebook, ``notebooks/NN-name.ipynb``
  (made by ``tools/reader_notebooks.py``: plain Markdown, no MyST), not the MyST twin the
  page is built from: the theme's Colab, Binder (and JupyterHub) links are rewritten, and
  "SageMaker Studio Lab" is added next to them (same repository url and branch as Colab).
* The ``.ipynb`` download serves the reader notebook too: it is copied over the page's
  source under ``_sources/`` once the build has finished.
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
from sphinx.util import logging

STUDIO_LAB = "https://studiolab.sagemaker.aws/import/github"
READER_DIR = "notebooks"  # tools/reader_notebooks.py's output folder, relative to the book root

logger = logging.getLogger(__name__)


def reader_notebook(app: Sphinx, docname: str) -> Path:
    """The reader notebook of a chapter: ``chapters/01-model`` -> ``notebooks/01-model.ipynb``."""
    return Path(app.srcdir) / READER_DIR / f"{Path(docname).name}.ipynb"


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
    reader = reader_notebook(app, pagename)
    if launch is not None and not reader.exists():
        logger.warning(
            f"{reader.relative_to(app.srcdir)} is missing, so the launch buttons of {pagename} "
            "would open nothing; run `make notebooks` (tools/reader_notebooks.py)",
            location=pagename,
        )
        launch = None
    reader_rel = reader.relative_to(app.srcdir).as_posix()
    book_path = options.get("path_to_docs", "").strip("/")
    repo_path = f"{book_path}/{reader_rel}" if book_path else reader_rel
    if launch is not None:
        # The theme points Colab, Binder and JupyterHub at <path_to_book>/<pagename>.ipynb.
        for button in launch["buttons"]:
            if button.get("url"):
                button["url"] = button["url"].replace(f"{pagename}.ipynb", reader_rel)
    if launch is not None and repo_url.startswith("https://github.com/"):
        org_repo = repo_url.removeprefix("https://github.com/")
        launch["buttons"].append(
            {
                "type": "link",
                "text": "SageMaker Studio Lab",
                "tooltip": "Launch on SageMaker Studio Lab",
                "icon": "fas fa-flask",
                "url": f"{STUDIO_LAB}/{org_repo}/blob/{branch}/{repo_path}",
                "label": "studiolab-button",
            }
        )
    download = _find_group(header, "download-buttons")
    for button in (download or {}).get("buttons", []):
        if str(button.get("url", "")).endswith(f"{pagename}.ipynb"):
            button["tooltip"] = "Download the notebook (plain Markdown, for Colab or Jupyter)"
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
    """Put the MyST source and the reader notebook where the download menu points."""
    if exception is not None or app.builder.format != "html":
        return
    for docname in app.env.found_docs:
        source = Path(app.env.doc2path(docname))
        if source.suffix != ".ipynb":
            continue
        myst = source.with_suffix(".md")
        if myst.exists():
            target = Path(app.outdir) / "_sources" / f"{docname}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(myst, target)
        reader = reader_notebook(app, docname)
        if reader.exists():  # add_buttons warned when it is missing
            target = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(reader, target)


def setup(app: Sphinx) -> dict:
    # After sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", add_buttons, priority=502)
    app.connect("html-page-context", drop_thebe)
    app.connect("build-finished", copy_myst_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
