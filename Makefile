# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-dagster test-cli test-postgres lint bench venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/desktop-app $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check desktop_app tests
	$(BIN)/mypy desktop_app
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not dagster and not dagster_cloud_cli and not faults" $(ARGS)

$(VENV)/.dagster: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,dagster]'
	touch $(VENV)/.dagster

test-dagster: $(VENV)/.dagster
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m dagster $(ARGS)

# The official Dagster+ CLI against the bundled server (tests marked dagster_cloud_cli).
$(VENV)/.cli: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,cli]'
	touch $(VENV)/.cli

test-cli: $(VENV)/.cli
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m dagster_cloud_cli $(ARGS)

# The server and sync suites on PostgreSQL (a throwaway cluster unless
# DESKTOP_APP_TEST_DB_URL names one).
$(VENV)/.postgres: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(VENV)/.postgres

test-postgres: $(VENV)/.postgres
	QT_QPA_PLATFORM=offscreen .ci/with-postgres $(BIN)/python -m pytest tests/server tests/sync \
		-m "not dagster and not dagster_cloud_cli" $(ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m desktop_app.bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
