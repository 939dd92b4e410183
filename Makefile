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

.PHONY: book notebooks html serve test bench clean help test-bootstrap-all test-oldest

help:
	@echo "make book    build the website into _build/html (sets everything up first)"
	@echo "make test    run every check"
	@echo "make serve   serve _build/html on http://127.0.0.1:8000"
	@echo "make bench   run the benchmarks and update benchmarks/RESULTS.md"
	@echo "make test-bootstrap-all  let every chapter install d2lmini in a fresh Colab-like kernel (slow)"
	@echo "make test-oldest         d2lmini's unit tests on the oldest supported Python and libraries (~2.5 GB download)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

$(ASSETS): node_modules/.package-lock.json tools/vendor_web_assets.py web/assets-path.js | $(STAMP)
	$(PY) tools/vendor_web_assets.py

notebooks: $(STAMP)
	$(PY) tools/execute_notebooks.py

# --all: an incremental Sphinx build skips copying _extra/ and ignores _ext/ and template
# changes when no page changed; a full build of this book takes a few seconds anyway.
html: $(STAMP) $(ASSETS)
	$(VENV)/bin/jupyter-book build --all -W -n --keep-going .

book: notebooks html
	@echo "Open _build/html/index.html, or run 'make serve'."

serve: book
	$(PY) -m http.server --directory _build/html --bind 127.0.0.1 8000

test: $(STAMP) $(ASSETS)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile \
	    --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    tests chapters

bench: $(STAMP) $(ASSETS)
	$(PY) -m benchmarks

clean:
	rm -rf _build _extra

# ---- Run anywhere (issue #6) ------------------------------------------------------------
# `make test` runs tests/test_bootstrap.py for the first chapter; this runs it for every
# chapter, one fresh Colab-like environment shared by all, d2lmini uninstalled before each.
test-bootstrap-all: $(STAMP)
	BOOTSTRAP_CHAPTERS=all $(PY) -m pytest -v tests/test_bootstrap.py

# The oldest supported versions (requirements-oldest.txt: the lower bounds of pyproject.toml)
# on the oldest supported Python, in their own .venv-oldest. Not part of `make test`: PyPI's
# old torch wheels are CUDA builds, about 2.5 GB of downloads. Runs d2lmini's own unit tests:
# every tests/test_*.py but the project-level checks, which need the pinned tool chain (those
# files are ignored; tests elsewhere that need the built site or a browser: tests/unit_only.py).
OLDEST_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.9*/bin/python3.9) python3.9)
OLDEST_VENV   := .venv-oldest
OLDEST_STAMP  := $(OLDEST_VENV)/.installed
PROJECT_TESTS := test_notebooks test_site test_prose test_bootstrap test_binder test_benchmarks_helpers

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
	PYTHONPATH=tests $(OLDEST_VENV)/bin/python -m pytest -q -rfEs --disable-warnings -p unit_only \
	    $(foreach t,$(PROJECT_TESTS),--ignore=tests/$(t).py) tests || status=1; \
	$(PY) tools/execute_in_env.py --python $(OLDEST_VENV)/bin/python || status=1; \
	exit $$status
