# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-dagster lint bench venv clean

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
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not dagster" $(ARGS)

$(VENV)/.dagster: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,dagster]'
	touch $(VENV)/.dagster

test-dagster: $(VENV)/.dagster
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m dagster $(ARGS)

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
