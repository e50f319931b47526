"""The app as a whole: the embedded default, switching demo users, going
offline and coming back, and --screenshot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from desktop_app.api.client import ConnectionSettings
from desktop_app.app import create_main_window
from desktop_app.server.demo import DEMO_USERS
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.credentials import SavedConnection
from desktop_app.ui.main_window import MainWindow

OpenApp = Callable[..., MainWindow]


@pytest.fixture
def embedded_app(qtbot: QtBot) -> Iterator[MainWindow]:
    window = create_main_window(["--poll-interval", "60"])
    try:
        with qtbot.waitSignal(window.round_done, timeout=30000) as blocker:
            pass
        assert blocker.args == [True]
        yield window
    finally:
        if isValid(window):
            window.close()


def test_no_settings_starts_the_embedded_demo_as_editor(embedded_app: MainWindow) -> None:
    window = embedded_app
    assert window.context.embedded
    url = window.context.connection.url
    assert url.startswith("http://127.0.0.1:")
    assert window.viewer_label.text() == "editor@example.com (Editor)"
    assert window.model.rowCount() == 4
    assert window.demo_menu is not None
    assert sorted(window.demo_actions) == sorted(
        [
            "viewer@example.com",
            "launcher@example.com",
            "editor@example.com",
            "admin@example.com",
            "org-admin@example.com",
        ]
    )
    assert window.demo_actions["editor@example.com"].isChecked()


def test_switch_demo_user(qtbot: QtBot, embedded_app: MainWindow) -> None:
    window = embedded_app
    dialog = window.open_history("ml_features")
    dialog.collapse_box.setChecked(False)
    newest = dialog.model.newest
    assert newest is not None
    older = next(
        load
        for load in dialog.model.loads[1:]
        if load.status == "LOADED" and load.deploy != newest.deploy
    )
    dialog.select_load(older.loaded_at)
    dialog.refresh_actions()
    assert dialog.history_actions["rollbackAction"].isEnabled()

    with qtbot.waitSignal(window.round_done, timeout=15000):
        window.demo_actions["viewer@example.com"].trigger()
        # Until the server confirms who we are, nobody's role is assumed.
        assert not dialog.history_actions["rollbackAction"].isEnabled()
    assert window.viewer_label.text() == "viewer@example.com (Viewer)"
    assert window.demo_actions["viewer@example.com"].isChecked()
    rollback = dialog.history_actions["rollbackAction"]
    assert not rollback.isEnabled()
    assert "Your role here is Viewer" in rollback.toolTip()

    with qtbot.waitSignal(window.round_done, timeout=15000):
        window.switch_demo_user("admin@example.com")
    assert window.viewer_label.text() == "admin@example.com (Admin)"
    assert dialog.history_actions["rollbackAction"].isEnabled()
    dialog.close()


def test_offline_banner_cache_and_recovery(qtbot: QtBot, open_app: OpenApp, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    server = EmbeddedServer(db, demo=True)
    url = server.start()
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    restarted: EmbeddedServer | None = None
    try:
        window = open_app(url, poll_interval=0.2)
        assert not window.banner.isVisible()
        window.show()
        server.stop()
        rounds = window.poller.rounds
        with qtbot.waitSignal(window.round_done, timeout=15000) as blocker:
            pass
        assert blocker.args == [False]
        assert window.poller.rounds == rounds + 1  # within one poll
        assert window.banner.objectName() == "offlineBanner"
        assert window.banner.isVisible()
        assert "showing cached data from" in window.banner_text.text()
        status = window.sync_label.text()
        assert status.startswith("Offline since ")
        assert "retrying in" in status

        # Everything cached still opens.
        dialog = window.open_history("ingest_raw")
        assert dialog.model.rowCount() > 0
        dialog.collapse_box.setChecked(False)
        assert len(dialog.model.loads) == window.context.connection.cache.history_count(
            "ingest_raw"
        )
        dialog.close()

        restarted = EmbeddedServer(db, port=port)
        assert restarted.start() == url
        qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=30000)
        assert window.sync_label.text().startswith("Synced ")
    finally:
        if restarted is not None:
            restarted.stop()
        else:
            server.stop()


def test_screenshot_renders_and_exits(
    qtbot: QtBot, demo_server: EmbeddedServer, tmp_path: Path
) -> None:
    main_png = tmp_path / "shots" / "main.png"
    history_png = tmp_path / "shots" / "history.png"
    assert demo_server.url is not None
    window = create_main_window(
        [
            "--url",
            demo_server.url,
            "--token",
            "demo-token-editor",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--screenshot",
            str(main_png),
            "--screenshot-history",
            str(history_png),
        ]
    )
    try:
        gone: list[bool] = []
        window.destroyed.connect(lambda: gone.append(True))
        window.show()  # renders after the first sync, then closes itself
        qtbot.waitUntil(lambda: bool(gone), timeout=30000)
    finally:
        if isValid(window):
            window.close()
    for path in (main_png, history_png):
        image = QImage(str(path))
        assert not image.isNull()
        assert image.width() > 400


def test_connection_is_remembered(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer, tmp_path: Path
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    admin = ConnectionSettings(url=demo_server.url, token=DEMO_USERS["admin@example.com"][1])
    with qtbot.waitSignal(window.round_done, timeout=15000):
        window.connect_to(admin, SavedConnection(url=demo_server.url))
    assert window.viewer_label.text() == "admin@example.com (Admin)"
    window.close()

    again = create_main_window(["--cache-dir", str(tmp_path / "cache")])
    try:
        with qtbot.waitSignal(again.round_done, timeout=15000) as blocker:
            pass
        assert blocker.args == [True]
        assert again.context.embedded_url is None  # no embedded server started
        assert again.context.connection.url == demo_server.url
        assert again.viewer_label.text() == "admin@example.com (Admin)"
    finally:
        again.close()


def test_token_from_the_environment(
    qtbot: QtBot, demo_server: EmbeddedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert demo_server.url is not None
    monkeypatch.setenv("DAGSTER_CLOUD_API_TOKEN", DEMO_USERS["launcher@example.com"][1])
    window = create_main_window(["--url", demo_server.url, "--cache-dir", str(tmp_path)])
    try:
        with qtbot.waitSignal(window.round_done, timeout=15000) as blocker:
            pass
        assert blocker.args == [True]
        assert window.viewer_label.text() == "launcher@example.com (Launcher)"
    finally:
        window.close()


def test_connect_dialog_switches_and_remembers(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_connect_dialog()
    assert dialog.objectName() == "connectDialog"
    assert dialog.isVisible()
    dialog.url.setText(demo_server.url)
    dialog.token.setText(DEMO_USERS["org-admin@example.com"][1])
    with qtbot.waitSignal(window.round_done, timeout=15000):
        dialog.connect_button.click()
    assert not isValid(dialog) or not dialog.isVisible()  # closed, then deleted
    assert window.viewer_label.text() == "org-admin@example.com (Organization Admin)"
    saved = window.context.credentials.load()
    assert saved == SavedConnection(url=demo_server.url)
    assert window.context.credentials.token(saved.key) == DEMO_USERS["org-admin@example.com"][1]
