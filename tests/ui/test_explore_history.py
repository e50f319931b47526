"""Exploring history through the whole app against the bundled server:
compare two versions, search, timeline, export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from pytestqt.qtbot import QtBot

from desktop_app.cache import compare as compare_module
from desktop_app.core.assets import key_to_str
from desktop_app.core.diff import diff_snapshots
from desktop_app.core.export import FIELDS, group_record
from desktop_app.core.loads import LoadStatus
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.compare_dialog import CompareDialog
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.main_window import MainWindow
from tests.sync.helpers import client_for, commit_of, deploy, register
from tests.sync.test_bundled_sync import V1, V2

OpenApp = Callable[..., MainWindow]


def _select_rows(dialog: HistoryDialog, *rows: int) -> None:
    selection = dialog.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(dialog.model.index(row, 0), flags)
    selection.setCurrentIndex(dialog.model.index(rows[0], 0), flags)


def _open_compare(qtbot: QtBot, dialog: HistoryDialog) -> CompareDialog:
    menu = dialog.build_context_menu()
    action = next(a for a in menu.actions() if a.objectName() == "compareAction")
    assert action.isEnabled(), action.toolTip()
    compare = dialog.explorer.compare_selected()
    assert compare is not None
    assert compare.objectName() == "compareDialog"
    qtbot.waitUntil(lambda: compare.comparison is not None, timeout=10000)
    return compare


def _sync(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.round_done, timeout=15000):
        window.poller_sync_now()


def _two_versions(qtbot: QtBot, open_app: OpenApp, server: EmbeddedServer) -> MainWindow:
    """The app watching `loc` go from img:1 to img:2 (it sees both versions)."""
    register(server, "img:1", V1)
    register(server, "img:2", V2)
    client = client_for(server)
    deploy(client, "loc", "img:1")
    assert server.url is not None
    window = open_app(server.url)
    deploy(client, "loc", "img:2")
    client.close()
    _sync(qtbot, window)
    return window


def test_two_selected_rows_compare_keys_types_and_values(
    qtbot: QtBot, open_app: OpenApp, empty_server: EmbeddedServer
) -> None:
    window = _two_versions(qtbot, open_app, empty_server)
    dialog = window.open_history("loc")
    assert dialog.model.rowCount() == 2
    _select_rows(dialog, 0, 1)
    menu = dialog.build_context_menu()
    compare_action = next(a for a in menu.actions() if a.objectName() == "compareAction")
    assert compare_action.text() == "Compare these versions"

    compare = _open_compare(qtbot, dialog)
    assert compare.old.deploy.image == "img:1"
    assert compare.new.deploy.image == "img:2"
    shown = compare.shown_changes()
    assert set(shown) == {
        "+ g",
        "\u2212 f",
        "~ a",
        "~ b",
        "~ c",
        "~ d",
        "~ e",
    }
    assert shown["~ a"] == [("code version", "v1", "v2")]
    assert shown["~ b"] == [("tag team", "x", "y")]
    assert shown["~ c"] == [("metadata rows", "1", "2")]
    assert ("dependency", "—", "b") in shown["~ d"]
    cache = window.context.connection.cache
    expected = diff_snapshots(
        cache.snapshot_at("loc", compare.old.loaded_at),
        cache.snapshot_at("loc", compare.new.loaded_at),
    )
    assert compare.comparison is not None
    assert [(c.key, c.change_types) for c in compare.comparison.changes] == [
        (c.key, c.change_types) for c in expected
    ]
    assert "1 added, 1 removed, 5 changed" in compare.summary_label.text()
    for side, load in (("old", compare.old), ("new", compare.new)):
        assert load.deploy.commit_hash[:7] in compare.side_labels[(side, "Commit")].text()
        assert compare.side_labels[(side, "Image")].text() == load.deploy.image
        assert "editor@example.com" in compare.side_labels[(side, "Initiated by")].text()
    url = f"https://github.com/acme/loc/compare/{commit_of('img:1')}...{commit_of('img:2')}"
    assert compare.compare_url == url
    compare.link_label.linkActivated.emit(url)
    assert window.opened_urls == [url]  # type: ignore[attr-defined]
    compare.grab()  # paints without error
    compare.close()


def test_a_large_comparison_reads_an_assets_details_when_opened(
    qtbot: QtBot,
    open_app: OpenApp,
    empty_server: EmbeddedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compare_module, "DIFF_DETAIL_LIMIT", 0)
    window = _two_versions(qtbot, open_app, empty_server)
    dialog = window.open_history("loc")
    _select_rows(dialog, 0, 1)
    compare = _open_compare(qtbot, dialog)
    assert compare.comparison is not None
    assert not compare.comparison.complete
    assert compare.shown_changes()["~ a"] == []
    item = next(
        compare.tree.topLevelItem(i)
        for i in range(compare.tree.topLevelItemCount())
        if compare.tree.topLevelItem(i).text(0) == "~ a"
    )
    item.setExpanded(True)
    assert compare.shown_changes()["~ a"] == [("code version", "v1", "v2")]
    compare.close()


def test_one_row_compares_with_current_and_links_to_gitlab(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history("ingest_raw")
    dialog.collapse_box.setChecked(False)
    newest = dialog.model.newest
    assert newest is not None
    row = next(
        r
        for r in range(dialog.model.rowCount())
        if dialog.model.row_at(r).head.status == LoadStatus.LOADED
        and dialog.model.row_at(r).head.deploy.commit_hash != newest.deploy.commit_hash
    )
    _select_rows(dialog, row)
    dialog.build_context_menu()
    assert dialog.explorer.compare_action.text() == "Compare with current"
    compare = _open_compare(qtbot, dialog)
    old_sha = dialog.model.row_at(row).head.deploy.commit_hash
    assert compare.compare_url is not None
    assert compare.compare_url.startswith("https://git.example-corp.com/data-eng/ingest/-/compare/")
    assert compare.compare_url.endswith(f"/compare/{old_sha}...{compare.new.deploy.commit_hash}")
    assert "GitLab" in compare.link_label.text()
    compare.close()


def _filter(qtbot: QtBot, dialog: HistoryDialog, text: str) -> None:
    with qtbot.waitSignal(dialog.explorer.filtered, timeout=10000):
        dialog.explorer.filter.setText(text)


def test_filter_narrows_by_asset_key_commit_prefix_and_status(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history("ingest_raw")
    dialog.collapse_box.setChecked(False)
    total = dialog.model.total
    dialog.explorer.find_action.trigger()
    assert dialog.explorer.filter.objectName() == "historyFilter"

    touched = next(load.summary.modified[0] for load in dialog.model.loads if load.summary.modified)
    needle = key_to_str(touched)[1:5]
    _filter(qtbot, dialog, needle)
    loads = [dialog.model.row_at(r).head for r in range(dialog.model.rowCount())]
    assert 0 < len(loads) < total
    for load in loads:
        keys = (*load.summary.added, *load.summary.removed, *load.summary.modified)
        assert any(needle in key_to_str(k) for k in keys)
    assert dialog.explorer.count_label.text() == f"{len(loads)} of {total} loads"

    commit = loads[-1].deploy.commit_hash
    assert commit is not None
    _filter(qtbot, dialog, commit[:6])
    loads = [dialog.model.row_at(r).head for r in range(dialog.model.rowCount())]
    assert loads
    assert all((ld.deploy.commit_hash or "").startswith(commit[:6]) for ld in loads)

    _filter(qtbot, dialog, "failed")
    loads = [dialog.model.row_at(r).head for r in range(dialog.model.rowCount())]
    assert loads
    assert all(ld.status == LoadStatus.ERROR for ld in loads)

    _filter(qtbot, dialog, "")
    assert dialog.model.rowCount() == total
    assert dialog.explorer.count_label.text() == ""


def test_timeline_click_selects_the_loads_row(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history("analytics_core")
    with qtbot.waitExposed(dialog):
        dialog.show()
    timeline = dialog.explorer.timeline
    assert timeline.objectName() == "historyTimeline"
    qtbot.waitUntil(lambda: len(timeline.marks) == dialog.model.total, timeout=10000)
    x = timeline.x_of(timeline.marks.times[0])  # the oldest load: the last row
    index = timeline.mark_at(x)
    assert index is not None
    wanted = timeline.marks.times[index]
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, timeline.height() // 2))
    group = dialog.current_group()
    assert group is not None
    assert any(load.loaded_at == wanted for load in group.loads)
    assert timeline.selected == group.head.loaded_at
    described = timeline.describe(index)
    assert "—" in described
    commit = group.loads[0].deploy.commit_hash
    if any(load.loaded_at == wanted for load in group.loads) and commit:
        assert commit[:7] in described


def test_export_writes_the_shown_rows_as_csv_and_json(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer, tmp_path: Path
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history("ml_features")
    target = tmp_path / "out.csv"
    window.context.prompts.save_path = str(target)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dialog.explorer.exported, timeout=10000):
        dialog.explorer.export_action.trigger()
    parsed = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    rows = dialog.model.rows
    assert len(parsed) == len(rows)
    for record, row in zip(parsed, rows, strict=True):
        expected = group_record(row)
        assert tuple(record) == FIELDS
        for name in ("loaded_at", "status", "image", "commit_hash", "initiated_by", "count"):
            value = expected[name]
            assert record[name] == ("" if value is None else str(value))

    _filter(qtbot, dialog, "failed")
    target = tmp_path / "out.json"
    window.context.prompts.save_path = str(target)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dialog.explorer.exported, timeout=10000):
        dialog.explorer.export_action.trigger()
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [r["loaded_at"] for r in exported] == [
        group_record(row)["loaded_at"] for row in dialog.model.rows
    ]
    assert exported
    assert all(r["status"] == "ERROR" for r in exported)


def test_keyboard_reaches_search_and_compare(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history("analytics_core")
    with qtbot.waitExposed(dialog):
        dialog.show()
    dialog.activateWindow()
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert dialog.explorer.filter.hasFocus()
    _select_rows(dialog, 0, 3)
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    opened = [d for d in dialog.findChildren(CompareDialog) if d.isVisible()]
    assert len(opened) == 1
    qtbot.waitUntil(lambda: opened[0].comparison is not None, timeout=10000)
    opened[0].close()
