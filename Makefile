# metis-env: every command creates or reuses .venv itself.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SHARED ?= ../shared
AUTOBAHN_OUT ?= build/autobahn

.PHONY: help venv node-deps test lint typecheck pytest demo conformance bench clean

help:
	@echo "make demo         set up, start the embedded simulator and run every example"
	@echo "make test         set up, lint (ruff), type-check (mypy --strict) and run the tests"
	@echo "make conformance  run Autobahn|Testsuite against WebSocketApi (every transport)"
	@echo "make bench        benchmarks side by side with websockets, aiohttp and picows"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,fast,bench]'
	@touch $(STAMP)

venv: $(STAMP)

# The METIS tests run exported TypeScript under Node (tsx, ws): installed from the lockfile.
NODE_DIR   := tests/metis/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

LINTED := $(wildcard src tests benchmarks examples)

lint: venv
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: venv
	$(BIN)/mypy

pytest: venv node-deps
	PYTHONASYNCIODEBUG=1 PYTHONWARNINGS=default $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test: lint typecheck pytest

demo: venv
	$(BIN)/metis-env demo

conformance: venv
	@bash tests/conformance/run_all.sh "$(SHARED)" "$(AUTOBAHN_OUT)"

bench: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build .mypy_cache .pytest_cache .ruff_cache .hypothesis
