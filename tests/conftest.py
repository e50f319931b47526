"""Shared fixtures: offscreen Qt, private data paths, leak checks."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fault_figures import (  # noqa: F401 (pytest hooks of the fault suite's figures)
    pytest_collection_modifyitems,
    pytest_runtest_logreport,
    pytest_terminal_summary,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_paths(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every data, config and cache path of the app points into a temp dir."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        path = home / sub
        path.mkdir()
        monkeypatch.setenv(var, str(path))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("DAGSTER_CLOUD_API_TOKEN", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a thread of its own running."""
    before = set(threading.enumerate())
    yield
    deadline = 5.0
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in leaked:
        thread.join(timeout=deadline)
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"test left threads running: {still}"


def _child_processes() -> set[int]:
    """Our child processes (Linux; elsewhere none are tracked), less
    multiprocessing's resource tracker: the first spawned process (the sync
    worker) starts it, and it lives as long as the interpreter, by design."""
    found: set[int] = set()
    for children in Path("/proc/self/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found.update(int(pid) for pid in children.read_text().split())
    return {pid for pid in found if not _is_resource_tracker(pid)}


def _is_resource_tracker(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing.resource_tracker" in command


@pytest.fixture(autouse=True)
def _no_leaked_processes() -> Iterator[None]:
    """Fail a test that leaves a child process (a server it started) running."""
    before = _child_processes()
    yield
    deadline = time.monotonic() + 5.0
    left = _child_processes() - before
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _child_processes() - before
    assert not left, f"test left processes running: {sorted(left)}"


@pytest.fixture(autouse=True)
def _no_leaked_qt_objects() -> Iterator[None]:
    """Fail a test that leaves a window shown or a QTimer running (on the
    application or on any window still alive)."""
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    windows = [w for w in app.topLevelWidgets() if w.isVisible()]
    timers = [t for t in app.findChildren(QTimer) if t.isActive()]
    for widget in app.topLevelWidgets():
        timers += [t for t in widget.findChildren(QTimer) if t.isActive()]
    names = [w.objectName() or type(w).__name__ for w in windows]
    timer_names = [f"{t.objectName() or 'QTimer'} of {type(t.parent()).__name__}" for t in timers]
    for widget in windows:
        widget.close()
    for timer in timers:
        timer.stop()
    assert not names, f"test left windows open: {names}"
    assert not timer_names, f"test left timers running: {timer_names}"


# -- the bundled deployment server ---------------------------------------------------------


from desktop_app.server.demo import add_demo_users, load_demo  # noqa: E402
from desktop_app.server.runner import EmbeddedServer  # noqa: E402
from desktop_app.server.storage import Storage  # noqa: E402
from tests import databases  # noqa: E402


@pytest.fixture(scope="session")
def _demo_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo data set written once per session (no threads involved);
    each `demo_server` gets its own copy. SQLite unless
    DESKTOP_APP_TEST_DB_URL names a PostgreSQL server."""
    url = databases.fresh(tmp_path_factory.mktemp("demo-template"))
    storage = Storage(url)
    load_demo(storage)
    storage.close()
    yield url
    databases.drop(url)


@pytest.fixture
def server_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new, empty server database (SQLite, or PostgreSQL as above)."""
    url = databases.fresh(tmp_path_factory.mktemp("server-db"))
    yield url
    databases.drop(url)


@pytest.fixture
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, _demo_database: str
) -> Iterator[EmbeddedServer]:
    """The bundled deployment server with the demo data set, on a free
    loopback port, on a fresh copy of the demo database; stopped after the test."""
    url = databases.fresh(tmp_path_factory.mktemp("demo-server"), template=_demo_database)
    server = EmbeddedServer(url, demo=True, load_demo_data=False)
    server.start()
    yield server
    server.stop()
    databases.drop(url)


@pytest.fixture
def empty_server(server_db_url: str) -> Iterator[EmbeddedServer]:
    """The bundled deployment server with no locations; the demo users exist."""
    server = EmbeddedServer(server_db_url, demo=True, load_demo_data=False)
    add_demo_users(server.storage)
    server.start()
    yield server
    server.stop()
