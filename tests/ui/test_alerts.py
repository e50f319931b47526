"""Desktop alerts: a location that fails to load, then recovers."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.server.demo import DEMO_USERS
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.main_window import MainWindow

OpenApp = Callable[..., MainWindow]


def test_failure_and_recovery_are_announced(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    cache = window.context.connection.cache
    good = cache.history("ml_features")[0]
    assert good.document is not None
    broken = {**good.document, "image": "registry.example.com/ml-features:does-not-exist"}
    settings = ConnectionSettings(url=demo_server.url, token=DEMO_USERS["admin@example.com"][1])
    with DeploymentClient(settings) as client:
        assert client.submit_document(broken).ok
        with qtbot.waitSignal(window.context.notifier.notified, timeout=15000) as failed:
            window.poller.sync_now()
        assert failed.args[0] == "Code location failed to load"
        assert "ml_features" in failed.args[1]
        row = window.model.row_of("ml_features")
        assert row is not None
        status = window.model.index(row, window.model.column_named("Status"))
        assert status.data() == "Failed"
        assert status.data(Qt.ItemDataRole.ToolTipRole)  # the load error

        assert client.submit_document(good.document).ok
        with qtbot.waitSignal(window.context.notifier.notified, timeout=15000) as recovered:
            window.poller.sync_now()
        assert recovered.args[0] == "Code location recovered"
    assert window.model.index(row, window.model.column_named("Status")).data() == "Loaded"
