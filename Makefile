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

.PHONY: run test drill worker bench bench-load lint format check-python apt browser-deps deps dev-deps migrate demo clean

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.12 or newer found. Install one (e.g. 'pyenv install 3.12.1', or Debian/Ubuntu 'apt-get install python3.12 python3.12-venv') and run make again."; \
	  exit 1; fi

# Install only the Debian packages that are missing (one dpkg-query for all of them); apt-get as
# root, through sudo otherwise.
define apt_install
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(1) 2>/dev/null | awk '/ ok installed$$/ {print $$1}' | \
	  sort | comm -13 - <(printf '%s\n' $(1) | sort) | tr '\n' ' '); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

apt:
	$(call apt_install,$(APT_PKGS))

# `make run` checks the Debian packages again only when dpkg's status file (or this Makefile)
# has changed since they were last found installed: the check, a dpkg-query, was 0.03 to 0.1 s
# of every warm start. Where there is no dpkg status file, it checks every time (`apt`).
APT_OK := $(if $(wildcard /var/lib/dpkg/status),var/.apt-ok,apt)
var/.apt-ok: /var/lib/dpkg/status Makefile
	$(call apt_install,$(APT_PKGS))
	@mkdir -p var && touch $@

browser-deps:
	$(call apt_install,$(BROWSER_PKGS))

# The interpreter is looked for only when the venv is made (not on every run). uv installs the
# requirements (ADR 0034): the uv on PATH, or else one put into the venv by scripts/uv-bootstrap.sh:
# the copy an earlier clone kept in ~/.cache/sourcing-decisions/uv-<version>/ (ADR 0038: 8 s less
# at load average 5), or one from PyPI by pip, the interpreter's own (`pip --python`, so the venv
# is made without pip: no ensurepip) or, when the interpreter has none, the venv's through
# ensurepip. If uv cannot be installed, pip installs the requirements (slower: about 50 s
# against 14 s with nothing cached on these machines).
UV_PATH := $(shell command -v uv 2>/dev/null)
UV_REQ := uv>=0.5,<1
$(PY):
	@$(MAKE) --no-print-directory check-python
	$(if $(UV_PATH),$(UV_PATH) venv -q --python $(PYTHON) $(VENV),$(PYTHON) -m venv --without-pip $(VENV))
	$(if $(UV_PATH),,@bash scripts/uv-bootstrap.sh '$(PYTHON)' $(VENV) '$(UV_REQ)')

# Install the requirements of pyproject.toml (plus the extras named) without building the
# project: a .pth file puts the checkout on the venv's path, as an editable install would, so
# no isolated build environment is made; no bytecode is compiled up front either (Python
# compiles what it imports, once). With uv (on PATH or in the venv), else pip.
define install
	$(PY) -c "import sys, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	  print('\n'.join(p['dependencies'] + [d for x in sys.argv[1:] for d in p['optional-dependencies'][x]]))" \
	  $(1) > $(VENV)/requirements$(2).txt
	uv=$(or $(UV_PATH),$(VENV)/bin/uv); if [ -x "$$uv" ]; then "$$uv" pip install -q --python $(PY) -r $(VENV)/requirements$(2).txt; \
	  else $(PY) -m pip install -q --no-compile -r $(VENV)/requirements$(2).txt; fi
	$(PY) -c "import pathlib, sysconfig; pathlib.Path(sysconfig.get_path('purelib'), 'sourcing-checkout.pth').write_text(str(pathlib.Path.cwd()) + '\n')"
endef

# Stamp files: reinstall only when pyproject.toml changes, so a second `make run` is fast.
$(VENV)/.deps: pyproject.toml | $(PY)
	$(call install,,)
	touch $@

$(VENV)/.dev-deps: pyproject.toml $(VENV)/.deps
	$(call install,dev,-dev)
	touch $@

$(VENV)/.bench-deps: pyproject.toml $(VENV)/.dev-deps
	$(call install,dev bench,-bench)
	touch $@

deps: $(APT_OK) $(VENV)/.deps
dev-deps: apt browser-deps $(VENV)/.dev-deps

migrate: deps
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# One process prepares and serves: it migrates only when a migration is unapplied and loads the
# demo data only when it is missing or changed (manage.py run_demo), so a warm start does no work.
# By default no autoreloader (it starts Django twice) and no system checks (`make test` runs
# them); `make run RUN_ARGS=` reloads on code changes and runs the checks. Emails link to the
# port served unless SERVICE_URL says otherwise. Without the reloader the development identity
# provider starts a second after the server listens (ADR 0037).
# Python writes the bytecode of what it imports on the first run (none is compiled up front), so
# later starts read it: PYTHONDONTWRITEBYTECODE, which some machines set, is cleared for this
# command (with it set, every start compiled Django and the packages again: 3 s of CPU, not 1).
RUN_ARGS ?= --noreload --skip-checks
run: deps
	@echo "Serving on http://127.0.0.1:$(PORT)/ (demo users in README.md)"
	SERVICE_URL="$${SERVICE_URL:-http://127.0.0.1:$(PORT)}" PYTHONDONTWRITEBYTECODE= $(PY) manage.py run_demo $(RUN_ARGS) 127.0.0.1:$(PORT)

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

# --skip-checks: the system checks of PostgreSQL's generated columns connect to DATABASE_URL,
# which only the test run creates (CI's sourcing_ci); tests/sourcing/test_system_checks.py runs them.
test: lint
	$(PY) manage.py makemigrations --check --dry-run --skip-checks
	$(PY) -m pytest $(PYTEST_ARGS)

# The PDF drills alone: their own Redis, gunicorn and a Celery worker with beat on PostgreSQL,
# with no fault, the worker killed, Redis stopped; they print their figures. `make test` runs
# them when RUN_DRILLS=1 (CI's .ci/run sets it).
drill: dev-deps
	RUN_DRILLS=1 $(PY) -m pytest -m drill $(PYTEST_ARGS)

# Speed figures (printed, never asserted in tests): every scripts/bench_*.py in turn (the load
# bench, scripts/bench_load.py, needs PostgreSQL: it makes its own <DATABASE_URL name>_bench).
bench: apt $(VENV)/.bench-deps
	@set -e; for script in scripts/bench_*.py; do echo "== $$script"; $(PY) $$script; done

# The load bench alone: BENCH_DURATION (seconds per level, default 120), BENCH_TOP_DURATION
# (seconds at the highest level, judged against the targets, default 360), BENCH_USERS (1,10,30),
# BENCH_MULTIPLIER (10), BENCH_WORKERS (3), BENCH_PORT (8200); BENCH_ARGS=--strict fails on targets.
bench-load: apt $(VENV)/.bench-deps
	$(PY) scripts/bench_load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
