# pipemon: `make demo` runs the main job on the embedded DuckDB warehouse; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)/profiles
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export PIPEMON_PROJECT_DIR := $(CURDIR)

.PHONY: setup demo test lint bench browser clean

$(BIN)/pipemon: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24,<27"
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/pipemon

demo: setup
	$(BIN)/pipemon demo

lint: setup
	$(BIN)/ruff check src tests/python
	$(BIN)/ruff format --check src tests/python
	$(BIN)/mypy
	$(BIN)/sqlfluff lint models tests --processes 2

test: setup lint
	$(BIN)/pytest -q tests/python

bench: setup
	$(BIN)/python scripts/bench.py

clean:
	rm -rf target logs warehouse out
