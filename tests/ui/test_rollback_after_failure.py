"""Rolling back after a failed deploy: the confirmation names the failed
load as Current and compares assets with the last successful load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QGroupBox
from pytestqt.qtbot import QtBot

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.core.loads import LoadStatus
from desktop_app.server.demo import DEMO_USERS
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui import formatting
from desktop_app.ui.main_window import MainWindow

OpenApp = Callable[..., MainWindow]
LOCATION = "analytics_core"


def test_after_a_failed_deploy_current_is_the_failed_load(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer, tmp_path: Path
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    cache = window.context.connection.cache
    good = cache.history(LOCATION)[0]
    assert good.status == LoadStatus.LOADED
    assert good.document is not None
    broken = {**good.document, "image": "registry.example.com/analytics:missing"}
    settings = ConnectionSettings(url=demo_server.url, token=DEMO_USERS["editor@example.com"][1])
    with DeploymentClient(settings) as client:
        assert client.submit_document(broken).ok
    with qtbot.waitSignal(window.round_done, timeout=15000):
        window.poller.sync_now()
    failed = cache.history(LOCATION)[0]
    assert failed.status == LoadStatus.ERROR

    dialog = window.open_history(LOCATION)
    dialog.collapse_box.setChecked(False)
    target = next(
        load
        for load in dialog.model.loads
        if load.status == LoadStatus.LOADED
        and load.deploy != good.deploy
        and cache.diff(LOCATION, good.loaded_at, load.loaded_at)
    )
    assert dialog.select_load(target.loaded_at)
    confirm = dialog.request_rollback()
    assert confirm is not None
    assert confirm.current == failed
    fields = confirm.current_fields
    assert fields["Loaded"].text() == formatting.exact_time(failed.loaded_at)
    assert fields["Image"].text() == "registry.example.com/analytics:missing"
    assert fields["Status"].text().startswith("Failed: ")
    assert "\n" not in fields["Status"].text()
    assert fields["Status"].toolTip() == failed.error
    assets = confirm.findChild(QGroupBox, "rollbackAssets")
    assert assets is not None
    assert "compared with the last successful load" in assets.title()
    assert formatting.exact_time(good.loaded_at) in assets.title()
    expected = cache.diff(LOCATION, good.loaded_at, target.loaded_at)
    assert expected  # the older version differs from the last good one
    assert confirm.change_list.count() == len(expected)
    confirm.grab().save(str(tmp_path / "rollback-after-failure.png"))
    confirm.reject()
    dialog.close()
