# Set-up and entry points; everything runs in a local virtual environment (.venv).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INDEX ?= data/index
export TOKENIZERS_PARALLELISM := false

.PHONY: setup setup-dev model sample-index run test lint clean-index

# torch first, from the local CPU wheel: otherwise sentence-transformers pulls a CUDA build.
$(VENV)/.deps: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.deps requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.deps model
setup-dev: $(VENV)/.dev-deps model

model: $(VENV)/.deps
	$(PY) -m index fetch-model

sample-index: setup
	$(PY) -m ingest data/sample --index $(INDEX)

run: sample-index
	$(PY) -m index info --index $(INDEX)
	$(PY) -m index search --index $(INDEX) --k 3 "충북 지역혁신클러스터 2기 사업 예산"

test: setup-dev
	$(PY) -m pytest -q

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .

clean-index:
	rm -rf $(INDEX)
