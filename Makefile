# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-dagster test-cli test-postgres lint bench venv clean faults

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

# -- installing it as a desktop app (README "Install") -------------------------------------
.PHONY: wheel test-wheel bundle install-desktop uninstall-desktop

wheel: $(STAMP)
	rm -rf dist/wheel
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist/wheel .
	@ls -sh dist/wheel/*.whl

# Build the wheel, install it into a fresh venv, run it from another folder.
test-wheel:
	PYTHON=$(PYTHON) tests/smoke/installed_wheel.sh

$(VENV)/.bundle: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,bundle]'
	touch $@

# A one-folder app that needs no Python: dist/desktop-app/desktop-app.
bundle: $(VENV)/.bundle
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/desktop-app.spec
	tar -C dist -czf dist/desktop-app-linux-$$(uname -m).tar.gz desktop-app
	@echo "dist/desktop-app/desktop-app: $$(du -sh dist/desktop-app | cut -f1) on disk," \
		"$$(du -h dist/desktop-app-linux-*.tar.gz | cut -f1) as dist/$$(cd dist && ls desktop-app-linux-*.tar.gz)"

# The menu entry and icon, for the current user. DESKTOP_EXEC picks the program:
# the venv's by default; `make install-desktop DESKTOP_EXEC=$$PWD/dist/desktop-app/desktop-app`
# for the bundle, `DESKTOP_EXEC=desktop-app` for a pipx install.
XDG_DATA_HOME ?= $(HOME)/.local/share
DESKTOP_EXEC ?= $(abspath $(BIN)/desktop-app)
install-desktop:
	@command -v $(DESKTOP_EXEC) >/dev/null || \
		{ echo "no $(DESKTOP_EXEC): run make venv or make bundle first, or set DESKTOP_EXEC" >&2; exit 2; }
	install -D -m 644 desktop_app/ui/icons/app.svg \
		$(XDG_DATA_HOME)/icons/hicolor/scalable/apps/desktop-app.svg
	mkdir -p $(XDG_DATA_HOME)/applications
	sed 's|^Exec=.*|Exec=$(DESKTOP_EXEC)|' packaging/desktop-app.desktop \
		> $(XDG_DATA_HOME)/applications/desktop-app.desktop
	if command -v update-desktop-database >/dev/null; then \
		update-desktop-database $(XDG_DATA_HOME)/applications; fi
	@echo "installed $(XDG_DATA_HOME)/applications/desktop-app.desktop (Exec=$(DESKTOP_EXEC))"

uninstall-desktop:
	rm -f $(XDG_DATA_HOME)/applications/desktop-app.desktop \
		$(XDG_DATA_HOME)/icons/hicolor/scalable/apps/desktop-app.svg
