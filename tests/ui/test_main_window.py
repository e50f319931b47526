"""The main window built by `create_main_window` against the bundled
server: the Deployment table, the filter, opening the history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QTableView
from pytestqt.qtbot import QtBot

from desktop_app.core.loads import collapse
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.roles import LINK_ROLE

OpenApp = Callable[..., MainWindow]
DEMO_LOCATIONS = ["analytics_core", "ingest_raw", "marketing_attribution", "ml_features"]


def _cell(window: MainWindow, row: int, header: str) -> QModelIndex:
    return window.proxy.index(row, window.model.column_named(header))


def _row_of(window: MainWindow, name: str) -> int:
    for row in range(window.proxy.rowCount()):
        if _cell(window, row, "Code location").data() == name:
            return row
    raise AssertionError(f"{name} not in the table")


def test_table_lists_the_demo_locations(open_app: OpenApp, demo_server: EmbeddedServer) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    assert window.objectName() == "mainWindow"
    table = window.findChild(QTableView, "deploymentTable")
    assert table is window.table
    names = [_cell(window, row, "Code location").data() for row in range(window.proxy.rowCount())]
    assert names == DEMO_LOCATIONS
    cache = window.context.connection.cache
    for row, summary in enumerate(cache.locations()):
        assert _cell(window, row, "Status").data() == "Loaded"
        assert _cell(window, row, "Image").data() == summary.deploy.image
        assert summary.deploy.image
        sha = summary.deploy.commit_hash
        assert sha
        assert _cell(window, row, "Commit").data() == sha[:7]
        assert _cell(window, row, "Commit").data(LINK_ROLE) == sha[:7]
        assert _cell(window, row, "Updated").data(LINK_ROLE) == "View history"
    status = window.findChild(QLabel, "syncStatusLabel")
    assert status is not None
    assert status.text().startswith("Synced ")
    viewer = window.findChild(QLabel, "viewerLabel")
    assert viewer is not None
    assert viewer.text() == "editor@example.com (Editor)"


def test_filter_narrows_the_table(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    with qtbot.waitExposed(window):
        window.show()
    box = window.findChild(QLineEdit, "locationFilter")
    assert box is not None
    with qtbot.waitActive(window):
        window.activateWindow()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClicks(box, "ml_")
    assert window.proxy.rowCount() == 1
    assert _cell(window, 0, "Code location").data() == "ml_features"
    box.clear()
    assert window.proxy.rowCount() == len(DEMO_LOCATIONS)
    qtbot.keyClicks(box, "ghcr.io")  # the filter reads every column, the image too
    assert window.proxy.rowCount() == 2


def test_double_click_and_enter_open_history(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    with qtbot.waitExposed(window):
        window.show()
    row = _row_of(window, "ingest_raw")
    rect = window.table.visualRect(_cell(window, row, "Code location"))
    # A real double click: press and release, then the double-click event.
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = window.history_dialogs.get("ingest_raw")
    assert dialog is not None
    assert dialog.objectName() == "historyDialog"
    assert dialog.isVisible()
    dialog.close()
    assert "ingest_raw" not in window.history_dialogs

    row = _row_of(window, "ml_features")
    window.table.setFocus()
    window.table.setCurrentIndex(_cell(window, row, "Code location"))
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    dialog = window.history_dialogs.get("ml_features")
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.location == "ml_features"


def test_view_history_link_opens_history(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    with qtbot.waitExposed(window):
        window.show()
    index = _cell(window, _row_of(window, "analytics_core"), "Updated")
    rect = window.table.visualRect(index)
    # "View history" is drawn after the relative time: click near the right end.
    plain = str(index.data())
    offset = window.table.fontMetrics().horizontalAdvance(plain + "   ") + 12
    pos = rect.topLeft() + type(rect.topLeft())(offset, rect.height() // 2)
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert "analytics_core" in window.history_dialogs


def test_collapse_changes_rows_as_core_groups(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    for location in DEMO_LOCATIONS:
        dialog = window.open_history(location)
        loads = window.context.connection.cache.history(location)
        assert dialog.collapse_box.objectName() == "collapseCheckBox"
        assert dialog.collapse_box.isChecked()
        assert dialog.table.objectName() == "historyTable"
        assert dialog.model.rowCount() == len(collapse(loads))
        dialog.collapse_box.setChecked(False)
        assert dialog.model.rowCount() == len(loads)
        dialog.collapse_box.setChecked(True)
        assert dialog.model.rowCount() == len(collapse(loads))
        dialog.close()
    # The demo data has reloads of the same version: collapsing must matter.
    loads = window.context.connection.cache.history("ingest_raw")
    assert len(collapse(loads)) < len(loads)


def test_models_pass_the_model_tester(
    qtmodeltester: Any, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    qtmodeltester.check(window.model)
    qtmodeltester.check(window.proxy)
    dialog = window.open_history("ingest_raw")
    qtmodeltester.check(dialog.model)
    dialog.collapse_box.setChecked(False)
    qtmodeltester.check(dialog.model)
    key = next(load.summary.modified[0] for load in dialog.model.loads if load.summary.modified)
    asset_dialog = dialog.open_asset_history(key)
    qtmodeltester.check(asset_dialog.model)
    asset_dialog.close()
    dialog.close()


def test_minimizing_keeps_polling(open_app: OpenApp, demo_server: EmbeddedServer) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    window.show()
    window.setWindowState(Qt.WindowState.WindowMinimized)
    assert not window.poller.paused
    assert window.poller.timer_active
    window.setWindowState(Qt.WindowState.WindowNoState)
    assert not window.poller.paused


def test_closing_stops_poller_and_pool(open_app: OpenApp, demo_server: EmbeddedServer) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url, poll_interval=0.1)
    window.show()
    window.close()
    assert not window.poller.timer_active
    assert not window.countdown.isActive()
    assert window.context.tasks.pending == 0


def test_keyboard_only_filter_and_open(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    with qtbot.waitExposed(window):
        window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.filter, "marketing")
    qtbot.keyClick(window.filter, Qt.Key.Key_Return)
    assert window.table.hasFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    dialog = window.history_dialogs.get("marketing_attribution")
    assert dialog is not None
    assert dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    window.filter.setFocus()
    qtbot.keyClick(window.filter, Qt.Key.Key_Escape)
    assert window.filter.text() == ""
    assert window.proxy.rowCount() == len(DEMO_LOCATIONS)
