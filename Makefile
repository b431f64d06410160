# libcity: make run | make test | make lint | make bench | make clean
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

.PHONY: help venv install run test lint bench clean

help:
	@echo "make run    install, migrate, load the demo city once, serve on http://$(HOST):$(PORT)"
	@echo "make test   lint, then pytest on SQLite and on a throwaway PostgreSQL (ARGS=... to pytest)"
	@echo "make lint   ruff check, ruff format --check, lint-imports"
	@echo "make bench  run bench/bench_*.py, figures to bench/results/<name>.json"
	@echo "make clean  remove var/ and caches (keeps $(VENV))"

# The virtualenv, made once with Python 3.11.
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
	  || { echo "libcity needs Python 3.11; $(PYTHON) is $$($(PYTHON) -V 2>&1)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

venv: $(PY)

# Reinstalled only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/libcity migrate --noinput
	$(VENV)/bin/libcity demo --scale small --seed 1 --if-empty
	$(VENV)/bin/libcity serve --host $(HOST) --port $(PORT)

test: install
	$(PY) tools/run_tests.py $(ARGS)

lint: install
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	$(VENV)/bin/lint-imports || status=1; \
	exit $$status

bench: install
	$(PY) bench/run.py

clean:
	rm -rf var .pytest_cache .ruff_cache .import_linter_cache .hypothesis test-artifacts \
	  bench/results/*.tmp
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
