"""Keyboard: Enter in the reason field keeps the dialog, Ctrl+Enter
confirms, rollback has a shortcut and a History menu entry. Text: server
text is plain text; times carry the year when it is not this year's; a
rollback's target reads as a time with a link to its row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui import formatting
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.metadata_dialog import MetadataDialog
from desktop_app.ui.rollback_dialog import RollbackDialog
from tests.ui.helpers import older_version

OpenApp = Callable[..., MainWindow]
LOCATION = "analytics_core"
MARKUP = '<b>bold</b> <a href="https://evil.example">click</a> <img src="x">'


def test_enter_in_the_reason_keeps_the_dialog_and_ctrl_enter_confirms(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    assert dialog.select_load(older_version(dialog).loaded_at)
    confirm = dialog.request_rollback()
    assert confirm is not None
    confirm.reason.setFocus()
    qtbot.keyClicks(confirm.reason, "orders job broke")
    sent: list[str] = []
    confirm.confirmed.connect(sent.append)
    qtbot.keyClick(confirm.reason, Qt.Key.Key_Return)
    qtbot.keyClick(confirm.reason, Qt.Key.Key_Enter)
    assert confirm.isVisible()
    assert confirm.result() == 0
    assert confirm.reason.text() == "orders job broke"
    assert sent == []
    with qtbot.waitSignal(dialog.rollback_finished, timeout=15000) as finished:
        qtbot.keyClick(confirm.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == ["orders job broke"]
    assert finished.args[0] is True
    dialog.close()


def test_rollback_has_a_shortcut_and_a_history_menu_entry(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer, tmp_path: Path
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    rollback = dialog.history_actions["rollbackAction"]
    assert rollback in dialog.history_menu.actions()
    assert dialog.history_menu.title() == "&History"
    assert rollback.shortcut() == QKeySequence("Ctrl+Shift+R")
    assert dialog.history_actions["viewMetadataAction"] in dialog.history_menu.actions()
    assert dialog.select_load(older_version(dialog).loaded_at)
    with qtbot.waitExposed(dialog):
        dialog.show()
    dialog.activateWindow()
    qtbot.keyClick(
        dialog.table,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    confirm = dialog.findChild(RollbackDialog)
    assert confirm is not None
    assert confirm.isVisible()
    confirm.reject()
    dialog.grab().save(str(tmp_path / "history-dialog.png"))
    dialog.history_menu.popup(dialog.mapToGlobal(dialog.menu_bar.geometry().bottomLeft()))
    dialog.history_menu.grab().save(str(tmp_path / "history-menu.png"))
    dialog.history_menu.hide()
    dialog.close()


def _rollback_load(target: float) -> LocationLoad:
    return LocationLoad(
        location=LOCATION,
        loaded_at=target + 3600,
        status=LoadStatus.LOADED,
        display_metadata={
            "action": "rollback",
            "rollback_target": repr(target),
            "message": MARKUP,
        },
    )


def test_server_text_is_plain_and_rollback_target_is_a_time_with_a_link(
    qtbot: QtBot,
) -> None:
    target = datetime(2024, 3, 5, 14, 2).timestamp()
    shown: list[float] = []
    dialog = MetadataDialog(_rollback_load(target), show_load=shown.append)
    qtbot.addWidget(dialog)
    markup = [label for label in dialog.findChildren(QLabel) if label.text() == MARKUP]
    assert markup
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in markup)
    link = dialog.target_link
    assert link is not None
    assert formatting.exact_time(target) in link.text()
    assert "2024" in link.text()
    assert repr(target) not in link.text()
    link.linkActivated.emit("load")
    assert shown == [target]
    dialog.close()


def test_times_carry_the_year_when_it_is_not_this_year() -> None:
    now = datetime(2026, 12, 3, 10, 0).timestamp()
    assert formatting.when(datetime(2026, 12, 3, 9, 1, 2).timestamp(), now) == "09:01:02"
    assert formatting.when(datetime(2026, 11, 30, 8, 5).timestamp(), now) == "Nov 30, 08:05"
    assert formatting.when(datetime(2025, 11, 30, 8, 5).timestamp(), now) == "Nov 30 2025, 08:05"


def test_the_metadata_link_selects_the_target_row(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    dialog.collapse_box.setChecked(False)
    entry = next(ld for ld in dialog.model.loads if ld.action == "rollback")
    assert entry.rollback_target is not None
    assert dialog.select_load(entry.loaded_at)
    metadata = dialog.view_metadata()
    assert metadata is not None
    assert metadata.target_link is not None
    metadata.target_link.linkActivated.emit("load")
    current = dialog.current_load()
    assert current is not None
    assert current.loaded_at == entry.rollback_target
    dialog.close()
