"""Sync rounds run in a process of their own; when it dies the app says so
and the next round starts a new one, with nothing half-written."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.exc import OperationalError

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.server.runner import EmbeddedServer
from desktop_app.sync.worker import SyncWorker
from desktop_app.ui.main_window import MainWindow
from tests.ui.helpers import older_version

OpenApp = Callable[..., MainWindow]


def test_rounds_run_in_another_process(open_app: OpenApp, demo_server: EmbeddedServer) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    worker = window.context.connection.worker
    assert isinstance(worker, SyncWorker)
    assert worker.pid is not None
    assert worker.pid != os.getpid()
    assert window.model.rowCount() > 1  # what the other process wrote, read here


def _notes(window: MainWindow) -> list[tuple[str, str | None]]:
    with window.context.connection.cache.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT reason, requested_by FROM rollback_note").all()
    return [(reason, by) for reason, by in rows]


def test_the_gui_process_only_reads_the_cache(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    """SQLite refuses writes through the GUI's connection; what the app
    does write (a rollback's reason, an asset's details) the sync process
    writes, and it is there to read once the answer comes back."""
    assert demo_server.url is not None
    window = open_app(demo_server.url)  # on a cache dir the sync process made
    connection = window.context.connection
    assert connection.cache.read_only
    for statement in ("DELETE FROM load", "INSERT INTO meta (key, value) VALUES ('k', 'v')"):
        with connection.cache.engine.connect() as conn, pytest.raises(OperationalError):
            conn.exec_driver_sql(statement)

    dialog = window.open_history("analytics_core")
    request = window.rollbacks.request_for(older_version(dialog), dialog.model.newest, "why not")
    with qtbot.waitSignal(dialog.rollback_finished, timeout=30000) as finished:
        assert window.rollbacks.start(request)
    assert finished.args[0] is True, finished.args
    # Written by the sync process before it answered; no round was needed.
    assert _notes(window) == [("why not", "editor@example.com")]
    dialog.close()


def test_a_crashed_sync_process_is_reported_and_restarted(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    worker = window.context.connection.worker
    assert worker is not None
    first = worker.pid
    assert first is not None
    rows = window.model.rowCount()
    history = {
        loc.name: window.context.connection.cache.history_count(loc.name)
        for loc in window.context.connection.cache.locations()
    }

    os.kill(first, signal.SIGKILL)
    with qtbot.waitSignal(window.round_done, timeout=30000) as blocker:
        window.poller_sync_now()
    assert blocker.args == [False]
    assert "sync process stopped unexpectedly" in window.banner_text.text()
    assert not window.banner.isHidden()
    # The cache is as the last good round left it, and still opens.
    assert window.model.rowCount() == rows
    dialog = window.open_history(next(iter(history)))
    assert dialog.model.rowCount() > 0
    dialog.close()

    with qtbot.waitSignal(window.round_done, timeout=60000) as blocker:
        window.poller_sync_now()
    assert blocker.args == [True]
    assert worker.pid is not None
    assert worker.pid != first
    assert worker.starts == 2
    assert window.banner.isHidden()
    cache = window.context.connection.cache
    assert {loc.name: cache.history_count(loc.name) for loc in cache.locations()} == history


def test_closing_the_window_ends_the_sync_process(
    open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    worker = window.context.connection.worker
    assert worker is not None
    pid = worker.pid
    assert pid is not None
    window.close()
    assert worker.pid is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:  # a zombie at most: reaped by join, so this should not happen
        raise AssertionError("the sync process outlived the window")


def test_a_history_opened_during_the_first_sync_fills_as_its_location_arrives(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    settings = ConnectionSettings(url=demo_server.url, token="demo-token-viewer")
    with DeploymentClient(settings) as client:
        names = sorted(status.name for status in client.location_statuses())
    window = open_app(demo_server.url, wait=False)
    dialog = window.open_history(names[0])  # before anything is cached
    assert dialog.model.loads == []
    seen: list[tuple[int, int, int]] = []
    window.sync_progress.progressed.connect(
        lambda done, total: seen.append((done, total, len(dialog.model.loads)))
    )
    with qtbot.waitSignal(window.round_done, timeout=60000) as blocker:
        pass
    assert blocker.args == [True]
    # The dialog had its loads when its location was written, before the
    # round's end (the last report comes with the last location).
    filled = [done for done, _total, loads in seen if loads]
    assert filled
    assert filled[0] < len(names) or len(names) == 1
    assert dialog.model.loads
