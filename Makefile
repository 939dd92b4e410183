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

.PHONY: book notebooks html serve test bench clean help

help:
	@echo "make book    build the website into _build/html (sets everything up first)"
	@echo "make test    run every check"
	@echo "make serve   serve _build/html on http://127.0.0.1:8000"
	@echo "make bench   run the benchmarks and update benchmarks/RESULTS.md"

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

html: $(STAMP) $(ASSETS)
	$(VENV)/bin/jupyter-book build -W -n --keep-going .

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
