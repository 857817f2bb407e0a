# growattweb — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint bench install install-dev browser clean

$(PYTHON):
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip

$(STAMP_RUN): requirements.txt | $(PYTHON)
	$(PYTHON) -m pip install -q -r requirements.txt
	@touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PYTHON)
	$(PYTHON) -m pip install -q -r requirements-dev.txt
	@touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)

## Browser tests drive Debian's Chromium; install it when missing (needs root, as on CI).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

## Runs the whole suite. Uses PostgreSQL and Redis on loopback when they answer,
## the embedded defaults (SQLite, filesystem broker) otherwise.
test: $(STAMP_DEV) browser lint
	$(PYTHON) scripts/run_tests.py $(ARGS)

run: $(STAMP_RUN)
	$(PYTHON) scripts/run_demo.py

bench: $(STAMP_DEV)
	$(PYTHON) benchmarks/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
