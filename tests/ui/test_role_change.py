"""A role changed on the server while the app is open reaches the status
bar and the rollback action within one round, down and up."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable

from pytestqt.qtbot import QtBot

from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.main_window import MainWindow
from tests.ui.helpers import older_version

OpenApp = Callable[..., MainWindow]
LOCATION = "analytics_core"
EMAIL = "editor@example.com"


def _user_add(server: EmbeddedServer, role: str) -> None:
    """`desktop-app server user add` on the existing user: changes its role."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_app",
            "server",
            "user",
            "add",
            EMAIL,
            "--role",
            role,
            "--db",
            server.storage.url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _one_round(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.round_done, timeout=15000) as blocker:
        window.poller.sync_now()
    assert blocker.args == [True]


def test_demoted_then_promoted_user_follows_within_one_round(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url, EMAIL)
    dialog = window.open_history(LOCATION)
    assert dialog.select_load(older_version(dialog).loaded_at)
    rollback = dialog.history_actions["rollbackAction"]
    assert window.viewer_label.text() == f"{EMAIL} (Editor)"
    assert rollback.isEnabled()

    _user_add(demo_server, "viewer")  # the app's token stays valid
    _one_round(qtbot, window)
    assert window.viewer_label.text() == f"{EMAIL} (Viewer)"
    assert not rollback.isEnabled()
    assert "Viewer" in rollback.toolTip()
    assert dialog.request_rollback() is None

    _user_add(demo_server, "editor")
    _one_round(qtbot, window)
    assert window.viewer_label.text() == f"{EMAIL} (Editor)"
    assert rollback.isEnabled()
    dialog.close()


def test_the_gui_does_not_read_back_what_a_round_told_it(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer, monkeypatch
) -> None:
    """After a round, the window and the dialog show the round's value; the
    GUI thread never asks the cache for the viewer, capabilities, location
    rows or sync time (the worker may)."""
    assert demo_server.url is not None
    window = open_app(demo_server.url, EMAIL)
    dialog = window.open_history(LOCATION)
    cache = window.context.connection.cache
    asked: list[str] = []
    for name in ("viewer", "capabilities", "locations", "last_sync"):
        real = getattr(cache, name)

        def watched(*args, _name=name, _real=real):  # type: ignore[no-untyped-def]
            if threading.current_thread() is threading.main_thread():
                asked.append(_name)
            return _real(*args)

        monkeypatch.setattr(cache, name, watched)
    _one_round(qtbot, window)
    for row in range(min(5, dialog.model.rowCount())):
        dialog.table.selectRow(row)
    dialog.build_context_menu().deleteLater()
    assert asked == []
    dialog.close()
