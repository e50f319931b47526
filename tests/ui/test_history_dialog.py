"""The history dialog against the bundled server: asset changes, commit
links, and which actions each role gets (and why not)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from desktop_app.core.diff import ChangeType
from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.asset_history_dialog import AssetHistoryDialog
from desktop_app.ui.delegates import PADDING
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.roles import ASSET_LINES_ROLE

OpenApp = Callable[..., MainWindow]


def _action(menu: QMenu, name: str) -> QAction:
    for action in menu.actions():
        if action.objectName() == name:
            return action
    raise AssertionError(f"{name} not in the menu: {[a.text() for a in menu.actions()]}")


def _older_version(dialog: HistoryDialog) -> LocationLoad:
    """A successful load of a different version than the one running."""
    newest = dialog.model.newest
    assert newest is not None
    return next(
        load
        for load in dialog.model.loads[1:]
        if load.status == LoadStatus.LOADED and load.deploy != newest.deploy
    )


def _failed(dialog: HistoryDialog) -> LocationLoad:
    return next(load for load in dialog.model.loads if load.status == LoadStatus.ERROR)


def test_assets_cell_lists_keys_and_opens_asset_history(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history("ingest_raw")
    with qtbot.waitExposed(dialog):
        dialog.show()
    dialog.collapse_box.setChecked(False)
    assets = dialog.model.column_named("Assets")
    row = next(
        r for r in range(dialog.model.rowCount()) if dialog.model.row_at(r).head.summary.modified
    )
    load = dialog.model.row_at(row).head
    lines = dialog.model.index(row, assets).data(ASSET_LINES_ROLE)
    summary = load.summary
    expected = {*summary.added, *summary.removed, *summary.modified}
    shown = {line.key for line in lines if line.key is not None}
    assert shown <= expected
    assert len(shown) == min(len(expected), 4)

    dialog.table.scrollTo(dialog.model.index(row, assets))
    first = next(line for line in lines if line.key in summary.modified)
    number = lines.index(first)
    rect = dialog.table.visualRect(dialog.model.index(row, assets))
    line_height = dialog.table.fontMetrics().lineSpacing()
    pos = QPoint(rect.left() + 20, rect.top() + PADDING + number * line_height + line_height // 2)
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=pos)

    opened = [d for d in dialog.children_dialogs if isinstance(d, AssetHistoryDialog)]
    assert opened, "clicking a key opens its change history"
    history = opened[-1]
    assert history.objectName() == "assetHistoryDialog"
    assert history.key == first.key
    assert history.table.objectName() == "assetHistoryTable"
    entries = window.context.connection.cache.asset_history("ingest_raw", first.key)
    entry = next(e for e in entries if e.loaded_at == load.loaded_at)
    rows = [r for r in history.model.rows if r.loaded_at == load.loaded_at]
    assert rows
    change = entry.change
    if change.code_version is not None:
        assert ("code version", change.code_version.old or "—", change.code_version.new or "—") in [
            (r.field, r.old, r.new) for r in rows
        ]
    if change.tags is not None:
        for key, (old, new) in change.tags.changed.items():
            assert (f"tag {key}", old, new) in [(r.field, r.old, r.new) for r in rows]
    assert all(r.old != r.new for r in rows)
    assert ChangeType.NEW not in change.change_types
    history.close()
    dialog.close()


@pytest.mark.parametrize(
    ("location", "prefix"),
    [
        ("analytics_core", "https://github.com/acme-data/analytics-core/commit/"),
        ("ingest_raw", "https://git.example-corp.com/data-eng/ingest/-/commit/"),
    ],
)
def test_commit_links_open_the_right_page(
    qtbot: QtBot,
    open_app: OpenApp,
    demo_server: EmbeddedServer,
    location: str,
    prefix: str,
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(location)
    with qtbot.waitExposed(dialog):
        dialog.show()
    commit = dialog.model.column_named("Commit")
    index = dialog.model.index(1, commit)
    load = dialog.model.row_at(1).head
    sha = load.deploy.commit_hash
    assert sha
    rect = dialog.table.visualRect(index)
    qtbot.mouseClick(
        dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.topLeft() + QPoint(12, 8)
    )
    assert window.opened_urls == [prefix + sha]  # type: ignore[attr-defined]

    menu = dialog.build_context_menu()
    _action(menu, "openCommitAction").trigger()
    assert window.opened_urls[-1] == prefix + sha  # type: ignore[attr-defined]
    _action(menu, "copyCommitAction").trigger()
    assert QGuiApplication.clipboard().text() == sha
    dialog.close()


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("editor@example.com", True),
        ("admin@example.com", True),
        ("org-admin@example.com", True),
        ("viewer@example.com", False),
        ("launcher@example.com", False),
    ],
)
def test_rollback_action_follows_the_role(
    open_app: OpenApp, demo_server: EmbeddedServer, email: str, allowed: bool
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url, email)
    dialog = window.open_history("analytics_core")
    dialog.collapse_box.setChecked(False)

    assert dialog.select_load(_older_version(dialog).loaded_at)
    menu = dialog.build_context_menu()
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    assert names[:4] == [
        "viewMetadataAction",
        "rollbackAction",
        "openCommitAction",
        "copyCommitAction",
    ]
    rollback = _action(menu, "rollbackAction")
    assert rollback.text() == "Rollback to this version"
    assert rollback.isEnabled() is allowed
    if not allowed:
        role = email.split("@")[0].title()
        assert f"Your role here is {role}" in rollback.toolTip()
    # The Actions cell's drop-down holds the same action.
    assert _action(dialog.build_actions_menu(), "rollbackAction") is rollback

    newest = dialog.model.newest
    assert newest is not None
    assert newest.status == LoadStatus.LOADED
    assert dialog.select_load(newest.loaded_at)
    running = _action(dialog.build_context_menu(), "rollbackAction")
    assert not running.isEnabled()
    if allowed:
        assert running.toolTip() == "This is the version that is running now."

    assert dialog.select_load(_failed(dialog).loaded_at)
    failed = _action(dialog.build_context_menu(), "rollbackAction")
    assert not failed.isEnabled()
    if allowed:
        assert "This load failed" in failed.toolTip()
    dialog.close()


def test_view_metadata_shows_document_and_display_metadata(
    open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history("ml_features")
    dialog.collapse_box.setChecked(False)
    failed = _failed(dialog)
    assert dialog.select_load(failed.loaded_at)
    status = dialog.model.index(
        dialog.table.currentIndex().row(), dialog.model.column_named("Status")
    ).data()
    assert status.startswith("Failed")
    _action(dialog.build_context_menu(), "viewMetadataAction").trigger()
    metadata = dialog.children_dialogs[-1]
    assert metadata.objectName() == "metadataDialog"
    text = metadata.document.toPlainText()  # type: ignore[attr-defined]
    assert "location_name: ml_features" in text
    assert failed.deploy.image
    assert failed.deploy.image in text
    metadata.close()
    dialog.close()


def test_actions_cell_button_and_drop_down(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history("marketing_attribution")
    with qtbot.waitExposed(dialog):
        dialog.show()
    column = dialog.model.actions_column()
    index = dialog.model.index(2, column)
    assert index.data() == "View metadata"
    delegate = dialog.actions_delegate
    option = QStyleOptionViewItem()
    option.initFrom(dialog.table)
    option.rect = dialog.table.visualRect(index)
    button = delegate.button_rect(option, index)
    arrow = delegate.arrow_rect(option, index)
    assert button.contains(arrow.center())  # the arrow is part of the split button

    before = len(dialog.children_dialogs)
    left = QPoint(button.left() + 10, button.center().y())
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=left)
    assert dialog.table.currentIndex().row() == 2
    assert len(dialog.children_dialogs) == before + 1
    metadata = dialog.children_dialogs[-1]
    assert metadata.objectName() == "metadataDialog"
    metadata.close()

    with qtbot.waitSignal(delegate.menu_requested) as requested:
        qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=arrow.center())
    assert requested.args[0].row() == 2
    popups = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible()]
    assert [a.objectName() for a in popups[-1].actions()] == ["rollbackAction"]
    for popup in popups:
        popup.close()
    dialog.close()
