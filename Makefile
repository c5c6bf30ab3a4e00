# metis-env: every command creates or reuses .venv itself.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.docs-installed
SHARED ?= ../shared
AUTOBAHN_OUT ?= build/autobahn
#: The Pythons `make test-all` looks for (pythonX.Y on PATH, else pyenv's).
PY_VERSIONS ?= 3.11 3.12 3.13

.PHONY: help venv node-deps test test-all lint typecheck pytest demo docs wheel-check conformance bench clean

help:
	@echo "make demo         set up, start the embedded simulator and run every example"
	@echo "make test         set up, lint (ruff), type-check (mypy --strict) and run the tests"
	@echo "make test-all     make test, then the tests on every other Python found ($(PY_VERSIONS))"
	@echo "make docs         build the documentation site (strict) into build/site"
	@echo "make wheel-check  build sdist and wheel, install the wheel in a fresh venv, run the demo"
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

# The docs tools go into the same venv, only when the docs are built.
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,fast,bench,docs]'
	@touch $(DOCS_STAMP)

LINTED := $(wildcard src tests benchmarks tools)

lint: venv
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: venv
	$(BIN)/mypy

pytest: venv node-deps
	PYTHONASYNCIODEBUG=1 PYTHONWARNINGS=default $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test: lint typecheck pytest

# Lint and types once; pytest on every Python found, each in .venv-X.Y (made once, reused).
test-all: lint typecheck node-deps
	@bash tools/test-all.sh $(PY_VERSIONS)

demo: venv
	$(BIN)/metis-env demo

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

wheel-check: venv
	@bash tools/wheel-check.sh

conformance: venv
	@bash tests/conformance/run_all.sh "$(SHARED)" "$(AUTOBAHN_OUT)"

bench: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build dist .mypy_cache .pytest_cache .ruff_cache .hypothesis
