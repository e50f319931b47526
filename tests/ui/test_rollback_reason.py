"""The reason given for a rollback: kept in the local cache and shown on the
rollback entry the next sync brings in (no server has a field for it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox
from pytestqt.qtbot import QtBot

from desktop_app.cache.store import HistoryCache
from desktop_app.core.roles import Role
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.main_window import MainWindow
from tests.ui.helpers import older_version

OpenApp = Callable[..., MainWindow]
LOCATION = "analytics_core"


def _roll_back(qtbot: QtBot, window: MainWindow, dialog: HistoryDialog, reason: str) -> None:
    """Confirm a rollback to an older version with `reason` and wait for the
    sync it starts (the dialog reloads before `round_done`)."""
    target = older_version(dialog)
    assert dialog.select_load(target.loaded_at)
    confirm = dialog.request_rollback()
    assert confirm is not None
    confirm.reason.setText(reason)
    with (
        qtbot.waitSignal(window.round_done, timeout=15000) as synced,
        qtbot.waitSignal(dialog.rollback_finished, timeout=15000) as finished,
    ):
        confirm.rollback_button.click()
    assert finished.args[0] is True, finished.args
    assert synced.args == [True]
    newest = dialog.model.newest
    assert newest is not None
    assert newest.action == "rollback"
    assert newest.rollback_target == target.loaded_at


def _initiated_by(dialog: HistoryDialog, row: int = 0) -> tuple[str, str]:
    index = dialog.model.index(row, dialog.model.column_named("Initiated by"))
    return index.data(), index.data(Qt.ItemDataRole.ToolTipRole) or ""


def _note_count(cache: HistoryCache) -> int:
    with cache.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM rollback_note").scalar() or 0)


def test_the_reason_shows_on_the_new_rollback_entry(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    assert all(row.note is None for row in dialog.model.rows)  # demo rollbacks had none
    _roll_back(qtbot, window, dialog, "orders job broke")

    text, tip = _initiated_by(dialog)
    assert text == "editor@example.com (rollback: orders job broke)"
    assert "Reason: orders job broke" in tip
    assert "Asked by editor@example.com" in tip
    assert [row for row in dialog.model.rows if row.note is not None] == [dialog.model.row_at(0)]
    dialog.collapse_box.setChecked(False)
    assert _initiated_by(dialog)[0] == text

    dialog.table.selectRow(0)
    metadata = dialog.view_metadata()
    assert metadata is not None
    assert metadata.reason.text() == "orders job broke"
    assert metadata.findChild(QGroupBox, "metadataRollbackNote") is not None
    metadata.close()
    dialog.close()

    # Still there when the history is opened again.
    again = window.open_history(LOCATION)
    assert _initiated_by(again)[0] == text
    again.close()


def test_without_a_reason_nothing_is_shown(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    _roll_back(qtbot, window, dialog, "   ")

    text, tip = _initiated_by(dialog)
    assert text == "editor@example.com (rollback)"
    assert tip.startswith("Rolled back to the version loaded")
    assert "Reason" not in tip
    assert _note_count(window.context.connection.cache) == 0
    dialog.table.selectRow(0)
    metadata = dialog.view_metadata()
    assert metadata is not None
    assert metadata.findChild(QGroupBox, "metadataRollbackNote") is None
    metadata.close()
    dialog.close()


def test_a_refused_rollback_records_no_reason(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    """The last round said Editor; the server has demoted the user since."""
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    target = older_version(dialog)
    window.poller.stop()
    demo_server.add_user("editor@example.com", Role.VIEWER)
    with qtbot.waitSignal(dialog.rollback_finished, timeout=15000) as finished:
        assert dialog.start_rollback(target, "should not be kept")
    assert finished.args[0] is False
    cache = window.context.connection.cache
    assert _note_count(cache) == 0
    window.poller.start()
    with qtbot.waitSignal(window.round_done, timeout=15000):
        pass
    assert _note_count(cache) == 0
    rows = range(dialog.model.rowCount())
    assert all("should not be kept" not in _initiated_by(dialog, row)[1] for row in rows)
    dialog.close()
