# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-dagster lint bench venv clean faults

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
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not dagster and not faults" $(ARGS)

# The whole fault suite (tests/faults and every case marked `faults`), with
# its figures table at the end.
faults: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "not dagster" tests/faults \
		$$(grep -rl "mark.faults" tests --include='test_*.py' | grep -v '^tests/faults/') $(ARGS)

$(VENV)/.dagster: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,dagster]'
	touch $(VENV)/.dagster

test-dagster: $(VENV)/.dagster
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m dagster $(ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m desktop_app.bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
