# Sourcing decisions. The two commands: `make run` and `make test` (README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := run
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
# Debian packages WeasyPrint needs (and pdftotext for the PDF tests).
APT_PKGS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation poppler-utils
BROWSER_PKGS := chromium

# A Python >= 3.12: python3.13/python3.12 on PATH, or pyenv's 3.12.1.
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.12.1/bin/python3.12; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	  then command -v $$p; break; fi; done)

.PHONY: run test worker bench lint format check-python apt browser-deps deps dev-deps migrate demo clean

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.12 or newer found. Install one (e.g. 'pyenv install 3.12.1', or Debian/Ubuntu 'apt-get install python3.12 python3.12-venv') and run make again."; \
	  exit 1; fi

# Install only the Debian packages that are missing; apt-get as root, through sudo otherwise.
define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

apt:
	$(call apt_install,$(APT_PKGS))

browser-deps:
	$(call apt_install,$(BROWSER_PKGS))

$(PY): | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes, so a second `make run` is fast.
$(VENV)/.deps: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.dev-deps: pyproject.toml $(VENV)/.deps
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

$(VENV)/.bench-deps: pyproject.toml $(VENV)/.dev-deps
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $@

deps: apt $(VENV)/.deps
dev-deps: apt browser-deps $(VENV)/.dev-deps

migrate: deps
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (demo users in README.md)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: deps
	$(VENV)/bin/celery -A sourcing worker --loglevel=INFO --concurrency=2 --beat

lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: dev-deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# Speed figures (printed, never asserted in tests): every scripts/bench_*.py in turn.
bench: apt $(VENV)/.bench-deps
	@set -e; for script in scripts/bench_*.py; do echo "== $$script"; $(PY) $$script; done

clean:
	rm -rf $(VENV) var
