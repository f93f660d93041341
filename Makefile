# The README's two commands: `make run` and `make test`. Both work on a fresh
# Debian/Ubuntu machine with Python 3.11+: they create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install system-packages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,whisper]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/helpline run

system-packages:
	@bash scripts/ensure-system-packages.sh

# The suite starts its own Redis on a free port unless REDIS_URL is set, and also
# runs the database tests on TEST_DATABASE_URL (PostgreSQL) when that is set.
test: $(STAMP) system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/helpline bench routing --json
	$(BIN)/helpline bench transcription --json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
