# pipemon: `make demo` runs the main job on the embedded DuckDB warehouse; `make test` runs every
# check; `make check` is the inner loop (lint and the fast tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)/profiles
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export PIPEMON_PROJECT_DIR := $(CURDIR)

.PHONY: setup demo test check lint sqllint pytest bench docs clean

# The environment: a virtualenv with the pinned dependencies and the package (editable).
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24,<27"
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# Generate a season with incidents, run the monitor on it (dbt build + alerts), print the
# status answer and write the HTML report.
demo: setup
	$(BIN)/pipemon demo

lint: setup
	$(BIN)/ruff check src tests/python deploy
	$(BIN)/ruff format --check src tests/python deploy
	$(BIN)/mypy

# sqlfluff compiles through dbt against a throwaway DuckDB file
sqllint: setup
	PIPEMON_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(BIN)/sqlfluff lint models tests/generic tests/intermediate tests/sources

# Two processes (pytest-xdist), a test module per process at a time so its module fixtures are
# built once; what a session builds is built once for both (tests/python/session_cache.py).
PYTEST_WORKERS ?= 2
PYTEST_XDIST := -n $(PYTEST_WORKERS) --dist loadfile

pytest: setup
	$(BIN)/pytest -q $(PYTEST_XDIST) $(PYTEST_ARGS) tests/python

test: lint sqllint pytest

# The inner loop, under 2 minutes: ruff + mypy and the tests that are not `slow` (no dbt build or
# parse of the project, generated season, BigQuery emulator or browser; tests/python/conftest.py
# says which are). `make test` before pushing runs everything, sqlfluff included.
check: lint
	$(BIN)/pytest -q -m "not slow" tests/python

# Side-by-side costs at {1, 5} seasons x scale {1, 10}, written to docs/benchmarks.md;
# `make bench BENCH_ARGS=--quick` for 1 season x scale 1, or BENCH_ARGS="--sizes 1x1,2x1".
bench: setup
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

docs: setup
	PIPEMON_DUCKDB_PATH=$(CURDIR)/warehouse/pipemon.duckdb $(BIN)/dbt docs generate --static

clean:
	rm -rf target logs out
