"""A cache file another process holds locked mid-session is busy, not
broken: the status bar and banner say so, the next round retries, and the
file is never moved aside."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.cache import database
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.main_window import MainWindow
from tests.locking import moved_aside, write_lock_held

OpenApp = Callable[..., MainWindow]


def test_a_locked_cache_is_reported_busy_and_retried(
    qtbot: QtBot,
    open_app: OpenApp,
    demo_server: EmbeddedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert demo_server.url is not None
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.5)  # the sync process's wait, too
    window = open_app(demo_server.url)
    cache = window.context.connection.cache
    inode = cache.path.stat().st_ino
    rows = window.model.rowCount()

    with write_lock_held(cache.path):
        with qtbot.waitSignal(window.round_done, timeout=30000) as blocker:
            window.poller_sync_now()
        assert blocker.args == [False]
        status = window.sync_label.text()
        banner = window.banner_text.text()
        assert status.startswith("The history cache is busy: another program holds it")
        assert "retrying" in status
        assert "busy" in banner
        assert "fail" not in (status + banner).lower()
        assert not window.banner.isHidden()
        # Reading goes on while another process writes: the table and history stay.
        assert window.model.rowCount() == rows
        dialog = window.open_history(cache.locations()[0].name)
        assert dialog.model.rowCount() > 0
        dialog.close()

    with qtbot.waitSignal(window.round_done, timeout=60000) as blocker:
        window.poller_sync_now()
    assert blocker.args == [True]
    assert window.sync_label.text().startswith("Synced")
    assert window.banner.isHidden()
    assert moved_aside(cache.path.parent) == []
    assert cache.path.stat().st_ino == inode
    assert cache.recovered_from is None
