# Two commands do everything on a fresh machine (Python >= 3.11, pip, make):
#   make run   - create .venv, install negotiation, solve the default Madrid scenario
#   make test  - install the dev extras and run the whole suite (lint, import layers, tests)
# Installs are skipped when pyproject.toml has not changed (stamp files in .venv/).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/negotiation run

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP_DEV)
	$(BIN)/python benchmarks/solvers.py

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache .hypothesis
