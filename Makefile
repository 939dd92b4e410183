# Two commands do everything on a fresh machine:
#   make book   set up .venv and the web assets, re-execute changed chapters, build _build/html
#   make test   the same set-up, then every check (unit, nbval, pairing, book build, browser, prose)
# Needs: python3 (3.11), npm, and for `make test` Debian's chromium (installed by .ci/run).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ASSETS := _extra/VERSIONS.json
PYTEST_WORKERS ?= 2

.PHONY: book notebooks html serve test bench audit clean help test-colab test-oldest

help:
	@echo "make book    build the website into _build/html (sets everything up first)"
	@echo "make test    run every check"
	@echo "make serve   serve _build/html on http://127.0.0.1:8000"
	@echo "make bench   run the benchmarks and update benchmarks/RESULTS.md"
	@echo "make audit   axe-core and Lighthouse over the built site -> benchmarks/AUDIT.md (~10 min)"
	@echo "make test-colab          every chapter, and d2lmini's unit tests, in Colab's package set on Python 3.13 (~5 GB, cached)"
	@echo "make test-oldest         d2lmini's unit tests on the oldest supported Python and libraries (~2.5 GB download)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

$(ASSETS): node_modules/.package-lock.json tools/vendor_web_assets.py $(wildcard web/*) | $(STAMP)
	$(PY) tools/vendor_web_assets.py

notebooks: $(STAMP)
	$(PY) tools/notebooks.py execute
	$(PY) tools/reader_notebooks.py

# --all: an incremental Sphinx build skips copying _extra/ and ignores _ext/ and template
# changes when no page changed; a full build of this book takes a few seconds anyway.
html: $(STAMP) $(ASSETS)
	$(PY) tools/notebooks.py build

book: notebooks html
	@echo "Open _build/html/index.html, or run 'make serve'."

serve: book
	$(PY) -m http.server --directory _build/html --bind 127.0.0.1 8000

# ruff and mypy at the versions pinned in requirements.txt; settings in pyproject.toml
.PHONY: lint
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy d2lmini

test: lint $(STAMP) $(ASSETS)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile \
	    --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    tests chapters

bench: $(STAMP) $(ASSETS)
	$(PY) -m benchmarks

# axe-core and Lighthouse (pinned in package.json) over the built site, served uncompressed on
# 127.0.0.1 with the network cut; writes benchmarks/AUDIT.md. Measurements, not tests.
audit: html
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(PY) tools/audit.py

clean:
	rm -rf _build _extra

# ---- Colab's runtime (issue #10) ----------------------------------------------------------
# Colab's package set (requirements-colab.txt) on Python 3.13, built and cached by pins by
# tools/colab_env.py (~/.cache/d2lmini-course; the first run installs about 5 GB). `make test`
# runs the SGD chapter there; this runs every chapter, then d2lmini's unit tests on that Python
# and ipywidgets 7.7.1 (pytest from a folder on PYTHONPATH, so the environment stays Colab's).
test-colab: $(STAMP)
	status=0; \
	BOOTSTRAP_CHAPTERS=all $(PY) -m pytest -v tests/test_bootstrap.py || status=1; \
	set -- $$($(PY) tools/colab_env.py --pytest) && \
	PYTHONPATH=$$2 $$1 -m pytest -q -rfEs -m "not project" tests || status=1; \
	test -d _build/ipywidgets-7.6.0 || $$1 -m pip install --quiet --no-deps --target _build/ipywidgets-7.6.0 ipywidgets==7.6.0; \
	PYTHONPATH=_build/ipywidgets-7.6.0:$$2 $$1 -m pytest -q -rfEs -m "not project" tests/test_sliders.py tests/test_sgd_figures.py || status=1; \
	exit $$status

# The oldest supported versions (requirements-oldest.txt: the lower bounds of pyproject.toml)
# on the oldest supported Python, in their own .venv-oldest. Not part of `make test`: PyPI's
# old torch wheels are CUDA builds, about 2.5 GB of downloads. Runs d2lmini's own unit tests:
# every test but the project-level checks (marker `project`), which need the pinned tool chain.
OLDEST_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.9*/bin/python3.9) python3.9)
OLDEST_VENV   := .venv-oldest
OLDEST_STAMP  := $(OLDEST_VENV)/.installed

# Installing d2lmini with the pins as constraints proves its declared ranges accept them.
$(OLDEST_STAMP): requirements-oldest.txt pyproject.toml
	rm -rf $(OLDEST_VENV)
	$(OLDEST_PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet -r requirements-oldest.txt
	$(OLDEST_VENV)/bin/python -m pip install --quiet -c requirements-oldest.txt -e .
	touch $@

# Then every chapter runs there too (errors only; outputs may differ in the last digits).
test-oldest: $(OLDEST_STAMP) $(STAMP)
	status=0; \
	$(OLDEST_VENV)/bin/python -m pytest -q -rfEs --disable-warnings -m "not project" tests || status=1; \
	$(PY) tools/notebooks.py in-env --python $(OLDEST_VENV)/bin/python || status=1; \
	exit $$status
