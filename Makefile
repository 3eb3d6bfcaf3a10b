# The DeepSeek Shock — two commands do everything:
#   make book   environment, chapter execution against the cached data, the static site
#   make test   the above, then every test (unit, data, notebooks with nbval, the site in a browser)
#   make pdf    the PDF editions (_build/pdf/book.pdf, book-zh.pdf, also offered on the site), printed by Chromium
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

VENV   := .venv
PY     := $(VENV)/bin/python
ENV_OK := $(VENV)/.installed
VENDOR := _assets/vendor
VENDOR_OK := $(VENDOR)/.installed
# pip on these machines warns about local index folders that do not exist; that is noise.
QUIET_PIP := { grep -v -E "is ignored: it is neither a file nor a directory" || true; }

.PHONY: book env vendor fonts run rerun site pdf test pytest browser refresh import verify bench bench-editions clean sources

book: env fonts vendor run site pdf

env: $(ENV_OK)
$(ENV_OK): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt 2>&1 | $(QUIET_PIP)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e . 2>&1 | $(QUIET_PIP)
	@# Kernels start much faster from compiled bytecode; PYTHONDONTWRITEBYTECODE would prevent it.
	$(PY) -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	$(PY) -m pip check
	touch $@

vendor: $(VENDOR_OK)
$(VENDOR_OK): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/mathjax
	cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js \
	   node_modules/vega-embed/build/vega-embed.min.js $(VENDOR)/
	cp -r node_modules/mathjax/es5/tex-chtml.js node_modules/mathjax/es5/input node_modules/mathjax/es5/output \
	   node_modules/mathjax/es5/ui node_modules/mathjax/es5/a11y $(VENDOR)/mathjax/
	for p in vega vega-lite vega-embed mathjax; do cp node_modules/$$p/LICENSE $(VENDOR)/LICENSE.$$p; done
	touch $@

# Execute the chapters against data/ (skips those whose inputs did not change).
run: env
	$(PY) -m shockbook run

# A reader's rerun of one chapter, with its page: the executed notebook, an HTML page and a readable
# notebook go to runs/ (named after the parameters); the book's chapters are untouched.
#   make rerun CHAPTER=01 PARAMS="-p event_date 2025-01-21 -p tickers AMD"
rerun: env vendor
	@[ -n "$(CHAPTER)" ] || { echo 'usage: make rerun CHAPTER=01 PARAMS="-p event_date 2025-01-21 -p tickers AMD"' >&2; exit 2; }
	$(PY) -m shockbook run $(CHAPTER) $(PARAMS) --out runs

# The site is rebuilt only when one of its sources is newer than the last build.
# Both editions are built from the same executed chapters, side by side: the English site at the
# root, the Chinese edition (zh/, generated from translations/zh by shockbook.site.edition) under zh/.
SITE_OK := _build/html/.built
# shockbook/site/*.py: the Chinese edition translates and draws the charts again when it is built (a
# change to the chart theme reaches its pages without any chapter's output changing).
SITE_INPUTS := $(wildcard _config.yml _toc.yml *.md references.bib _static/* chapters/*.ipynb chapters/*.md chapters/figdata/*.csv \
                 data/facts/*.csv data/market/manifest.json data/facts/manifest.json shockbook/site/*.py \
                 zh/_config.yml zh/_toc.yml zh/*.md translations/zh/*)
site: $(SITE_OK)
	@echo "The book: _build/html/index.html (中文版: _build/html/zh/index.html)"
# Sphinx neither re-copies a changed stylesheet nor rewrites pages when only the book's extension
# or a table of contents (every page's sidebar) changed: then every page is rebuilt (--all).
SITE_WIDE := _static/% shockbook/site/sphinxext.py _toc.yml zh/_toc.yml
$(SITE_OK): $(ENV_OK) $(VENDOR_OK) $(SITE_INPUTS)
	@# jupyter-book, side by side for the two editions, from one start-up; the Chinese sources are
	@# generated meanwhile (nothing is executed again). Logs: _build/en.log, _build/zh.log.
	ok=0; $(PY) -m shockbook.site.jupyterbook editions $(if $(filter $(SITE_WIDE),$?),--all,) || ok=$$?; \
	  cat _build/en.log _build/zh.log | grep -v -E "^$$|=====|Finished generating|HTML pages are here|_build/html|look at your book|paste this line|Config Path|Output Path|^Running Jupyter-Book|Source Folder" || true; \
	  [ $$ok = 0 ]
	rm -rf _build/html/zh && cp -r _build/zh/_build/html _build/html/zh
	touch $@

# The Sources page is generated from data/facts/ (facts.csv + sources.csv); a test fails when it is stale.
sources: env
	$(PY) -m shockbook.site.sources

test: book browser
	$(MAKE) --no-print-directory pytest

# The tests alone, on every core (at most 4): pytest-xdist, each test module and each notebook on one
# worker (nbval runs a notebook's cells in order, in one kernel). `make bench` times exactly this.
TEST_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
pytest: env
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadscope

# The PDF edition: the built site printed by the local Chromium (shockbook/site/pdf.py), with a
# cover and a contents page with page numbers; copied into the site as book.pdf. The Chinese edition
# is printed the same way, after the English, into _build/pdf/book-zh.pdf (the site's zh/book.pdf).
# Skipped, with a message, where there is no Chromium.
PDF_OK := _build/pdf/book.pdf
pdf: $(PDF_OK)
$(PDF_OK): $(SITE_OK) shockbook/site/pdf.py | browser fonts
	@if command -v chromium > /dev/null || [ -n "$${CHROMIUM_PATH:-}" ]; then \
	  $(PY) -m shockbook.site.pdf; \
	else echo "chromium is not installed (apt-get install chromium): no PDF edition"; fi

# Chinese outlet names (金融界) need a CJK font in the browser that tests the site and prints the
# PDF: Debian's fonts-noto-cjk, installed here when we are root with apt (as in CI).
fonts:
	@[ -n "$$(fc-list ':family=Noto Sans CJK SC' family 2> /dev/null)" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk > /dev/null; } ; } || \
	  echo "fonts-noto-cjk is not installed (apt-get install fonts-noto-cjk): Chinese names will show as empty boxes"

# The site tests drive Debian's chromium (and compare PDF pages with poppler's pdftoppm). Installed here when we are root with apt (as in CI);
# elsewhere they skip and say how to get it.
browser:
	@{ command -v chromium > /dev/null && command -v pdftoppm > /dev/null; } || { [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils > /dev/null; } ; } || \
	  echo "chromium is not installed (apt-get install chromium): the browser tests will be skipped"

# Maintainers: rebuild data/market from Yahoo Finance (online), or from ../shared/data/raw.
refresh: env
	$(PY) -m shockbook refresh
import: env
	$(PY) -m shockbook import
verify: env
	$(PY) -m shockbook verify

bench: book
	$(PY) tests/bench.py

# Build time of both editions against the English alone (one run, so the ratio is comparable).
bench-editions: book
	$(PY) tests/bench_editions.py

clean:
	rm -rf _build runs $(VENDOR) zh/chapters zh/_build
