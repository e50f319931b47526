"""Background mode: a minimized (or hidden) window keeps polling and alerts
on a failed deploy, through the tray where there is one, and by asking
for attention and listing unseen alerts where there is none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.server.demo import DEMO_USERS
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui import tray
from desktop_app.ui.main_window import MainWindow

OpenApp = Callable[..., MainWindow]
LOCATION = "ml_features"


@pytest.fixture
def with_tray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tray, "system_tray_available", lambda: True)


@pytest.fixture
def without_tray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tray, "system_tray_available", lambda: False)


def _break(server: EmbeddedServer, window: MainWindow) -> None:
    """Deploy an image the server does not know: the location fails."""
    assert server.url is not None
    good = window.context.connection.cache.history(LOCATION)[0]
    assert good.document is not None
    broken = {**good.document, "image": "registry.example.com/ml-features:missing"}
    settings = ConnectionSettings(url=server.url, token=DEMO_USERS["admin@example.com"][1])
    with DeploymentClient(settings) as client:
        assert client.submit_document(broken).ok


def _minimized(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    window.setWindowState(Qt.WindowState.WindowMinimized)
    assert window.isMinimized()
    assert not window.poller.paused


def test_minimized_with_a_tray_alerts_in_the_tray(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer, with_tray: None
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url, poll_interval=0.3)
    assert window.tray is not None
    assert window.tray.icon.toolTip().endswith("all code locations loaded")
    _minimized(qtbot, window)
    _break(demo_server, window)
    # No nudge: the poller's own timer finds it while minimized.
    with qtbot.waitSignal(window.tray.message_shown, timeout=20000) as shown:
        pass
    assert shown.args[0] == "Code location failed to load"
    assert LOCATION in shown.args[1]
    assert LOCATION in window.tray.icon.toolTip()
    assert window.tray.failing == (LOCATION,)
    window.close()


def test_minimized_without_a_tray_asks_for_attention_and_lists_it(
    qtbot: QtBot,
    open_app: OpenApp,
    demo_server: EmbeddedServer,
    without_tray: None,
    tmp_path: Path,
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url, poll_interval=0.3)
    assert window.tray is None
    assert not window.tray_action.isEnabled()
    _minimized(qtbot, window)
    notifier = window.context.notifier
    _break(demo_server, window)
    with qtbot.waitSignal(notifier.attention_requested, timeout=20000) as asked:
        pass
    assert asked.args[0] == "Code location failed to load"
    assert LOCATION in asked.args[1]

    window.setWindowState(Qt.WindowState.WindowNoState)  # the user returns
    assert window.unseen.isVisibleTo(window)
    texts = [window.unseen.list.item(i).text() for i in range(window.unseen.list.count())]
    assert any(LOCATION in text and "failed to load" in text for text in texts)
    assert "while you were away" in window.unseen.title.text()
    window.poller.pause()
    window.grab().save(str(tmp_path / "unseen-events.png"))
    window.unseen.dismiss.click()
    assert not window.unseen.isVisibleTo(window)
    assert notifier.unseen == []
    window.close()


def test_pause_polling_from_the_tray_and_close_to_the_tray(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer, with_tray: None
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url, poll_interval=0.3)
    assert window.tray is not None
    names = [a.text() for a in window.tray.menu.actions() if a.text()]
    assert names == ["&Open", "&Pause polling", "&Quit"]
    window.tray.pause_action.trigger()
    assert window.poller.paused
    assert window.pause_action.isChecked()
    window.tray.pause_action.trigger()
    assert not window.poller.paused

    window.show()
    window.tray_action.setChecked(True)
    window.close()  # leaves the app in the tray, still polling
    assert not window.isVisible()
    assert window.poller.timer_active or window.poller.in_flight
    with qtbot.waitSignal(window.round_done, timeout=15000):
        pass
    window.tray.open_action.trigger()
    assert window.isVisible()
    window.tray.quit_action.trigger()
    qtbot.waitUntil(lambda: not isValid(window), timeout=5000)  # closed for good
