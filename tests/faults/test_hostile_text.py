"""Hostile text from a server, everywhere the GUI shows it: location names,
emails, commit hashes, image references, metadata, asset keys and error
messages carrying NUL, ANSI escapes, an RTL override and line breaks are
shown with those characters escaped, in every table, dialog, tooltip,
alert and title; the values underneath stay as the server sent them."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QGroupBox,
    QLabel,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from desktop_app import diff_command, headless
from desktop_app.app import create_main_window
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.prompts import RecordingPrompts
from desktop_app.ui.roles import ASSET_LINES_ROLE, LINK_ROLE
from tests.faults.conftest import TOKEN, Recorded
from tests.faults.corpus import JSON, Replayer, Reply

EVIL = "\x00\x1b[31m\u202egnp.exe\n\u200bnext line\x07"
"""Appended to every server string below: NUL, an ANSI colour, an RTL
override, a line break, a zero-width space and a bell."""
HOSTILE_KEYS = {
    "locationName", "location_name", "email", "image", "commit_hash", "gitCommitHash",
    "lastLoadGitCommitHash", "path", "message", "old", "new", "text", "description", "label",
    "addedKeys", "removedKeys", "changedKeys", "value", "name",
}  # fmt: skip
PLAIN_VALUES = {"deploy", "reload", "rollback"}  # what the app reads as actions
HIDDEN = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def _hostile(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _hostile(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_hostile(v, key) for v in value]
    if isinstance(value, str) and key in HOSTILE_KEYS and value not in PLAIN_VALUES:
        try:
            float(value)  # a rollback target's time stays one
        except ValueError:
            return value + EVIL
    return value


class HostileReplayer(Replayer):
    """Answers as recorded, every hostile field made hostile; a request
    naming a hostile value is looked up by the original."""

    def __init__(self, recording: Any) -> None:
        super().__init__(recording)
        self.replay(recording)

    def replay(self, recording: Any) -> None:
        """Answer from `recording` from now on."""
        self._table = {req: (status, body) for req, status, body in recording}

    def _recorded(self, _headers: dict[str, str], body: bytes) -> Reply:
        escaped = json.dumps(EVIL)[1:-1].encode()
        status, data = self._table.get(body.replace(escaped, b""), (500, b"not recorded"))
        if status != 200:
            return Reply(status, data, JSON)
        answer = json.loads(data)
        if "__schema" in (answer.get("data") or {}):  # field names, not server text
            return Reply(200, data, JSON)
        return Reply(200, json.dumps(_hostile(answer)).encode(), JSON)


# -- what is on the screen ---------------------------------------------------------------
def _hidden(text: str, *, lines: bool) -> list[str]:
    """The characters of `text` a screen would act on or hide."""
    allowed = "\n\t" if lines else ""
    return [c for c in text if c not in allowed and unicodedata.category(c) in HIDDEN]


def _model_texts(
    model: QAbstractItemModel, parent: QModelIndex | None = None
) -> Iterator[tuple[str, str, bool]]:
    parent = parent if parent is not None else QModelIndex()
    for row in range(model.rowCount(parent)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            where = f"{type(model).__name__}[{row},{column}]"
            for role, lines in ((Qt.ItemDataRole.DisplayRole, False), (LINK_ROLE, False),
                                (Qt.ItemDataRole.ToolTipRole, True)):  # fmt: skip
                value = index.data(role)
                if isinstance(value, str):
                    yield where, value, lines
            for line in index.data(ASSET_LINES_ROLE) or ():
                yield where + " asset line", line.text, False
            if column == 0 and model.rowCount(index) > 0:
                yield from _model_texts(model, index)


def _tree_items(item: QTreeWidgetItem) -> Iterator[QTreeWidgetItem]:
    yield item
    for n in range(item.childCount()):
        child = item.child(n)
        if child is not None:
            yield from _tree_items(child)


def shown_texts(widget: QWidget) -> Iterator[tuple[str, str, bool]]:
    """(where, text, may hold line breaks) of everything `widget` shows."""
    name = widget.objectName() or type(widget).__name__
    yield f"{name} title", widget.windowTitle(), False
    for child in [widget, *widget.findChildren(QWidget)]:
        where = child.objectName() or type(child).__name__
        yield f"{where} tooltip", child.toolTip(), True
        if isinstance(child, QLabel):
            yield where, child.text(), child.wordWrap()
        elif isinstance(child, QAbstractButton):
            yield where, child.text(), False
        elif isinstance(child, QGroupBox):
            yield where, child.title(), False
        elif isinstance(child, QPlainTextEdit):
            yield where, child.toPlainText(), True
        if isinstance(child, QTreeWidget):
            for n in range(child.topLevelItemCount()):
                top = child.topLevelItem(n)
                for item in _tree_items(top) if top is not None else ():
                    for column in range(child.columnCount()):
                        yield where, item.text(column), False
                        yield where + " tooltip", item.toolTip(column), True
        elif isinstance(child, QListWidget):
            for n in range(child.count()):
                item = child.item(n)
                if item is not None:
                    yield where, item.text(), False
                    yield where + " tooltip", item.toolTip(), True
        elif isinstance(child, QAbstractItemView) and child.model() is not None:
            yield from _model_texts(child.model())


def _menu_texts(menu: QMenu) -> Iterator[tuple[str, str, bool]]:
    for action in menu.actions():
        yield f"menu {menu.title()}", action.text(), False
        yield f"menu {menu.title()} tooltip", action.toolTip(), True
        if action.menu() is not None:
            yield from _menu_texts(action.menu())  # type: ignore[arg-type]


def assert_clean(texts: Iterator[tuple[str, str, bool]]) -> int:
    """Fails naming every place that shows a hidden character; returns
    how many texts held an escaped one (so the test sees the hostile data)."""
    dirty = []
    escaped = 0
    for where, text, lines in texts:
        found = _hidden(text, lines=lines)
        if found:
            dirty.append(f"{where}: {text[:80]!r}")
        escaped += "\\u202e" in text
    assert not dirty, "\n".join(dirty)
    return escaped


# -- the test ------------------------------------------------------------------------------
@pytest.fixture
def window(qtbot: QtBot, recorded: Recorded, tmp_path: Path) -> Iterator[MainWindow]:
    """The app after a first and an incremental sync (a rollback, so an
    alert too) of the recorded demo deployment, every string of it made
    hostile."""
    replayer = HostileReplayer(recorded.first)
    with replayer as url:
        argv = [
            "--url",
            url,
            "--token",
            TOKEN,
            "--cache-dir",
            str(tmp_path),
            "--poll-interval",
            "600",
        ]
        window = create_main_window(argv)
        window.context.prompts = RecordingPrompts()
        alerts: list[tuple[str, str]] = []
        window.context.notifier.notified.connect(lambda title, text: alerts.append((title, text)))
        window.alerts = alerts  # type: ignore[attr-defined]
        try:
            with qtbot.waitSignal(window.round_done, timeout=60_000) as blocker:
                window.show()
            assert blocker.args == [True], window.banner_text.text()
            replayer.replay(recorded.incremental)
            with qtbot.waitSignal(window.round_done, timeout=60_000) as blocker:
                window.poller_sync_now()
            assert blocker.args == [True], window.banner_text.text()
            yield window
        finally:
            if isValid(window):
                window.close()


def test_nothing_shown_holds_a_control_character(
    qtbot: QtBot, window: MainWindow, recorded: Recorded, tmp_path: Path
) -> None:
    hostile = recorded.location + EVIL
    names = [loc.name for loc in window.context.connection.cache.locations()]
    assert hostile in names  # the data underneath is as the server sent it
    escaped = assert_clean(shown_texts(window))

    history = window.open_history(hostile)
    assert history is not None
    qtbot.waitUntil(lambda: history.model.rowCount() > 0)
    escaped += assert_clean(shown_texts(history))
    window.grab().save(str(tmp_path / "main-hostile.png"))  # to look at
    history.grab().save(str(tmp_path / "history-hostile.png"))
    for number in range(min(history.model.rowCount(), 6)):
        history.table.selectRow(number)
        escaped += assert_clean(_menu_texts(history.build_context_menu()))
        metadata = history.view_metadata()
        assert metadata is not None
        escaped += assert_clean(shown_texts(metadata))
        metadata.close()
    timeline = history.explorer.timeline
    escaped += assert_clean(
        (f"timeline mark {n}", timeline.describe(n), True) for n in range(len(timeline.marks.times))
    )

    # An asset's own history, from the first load that changed any.
    for number in range(history.model.rowCount()):
        group = history.model.row_at(number)
        keys = [k for load in group.loads for k in (*load.summary.added, *load.summary.modified)]
        if keys:
            asset = history.open_asset_history(keys[0])
            escaped += assert_clean(shown_texts(asset))
            asset.close()
            break

    # Two versions compared, and a rollback asked for (rendered, to look at).
    history.table.selectRow(0)
    history.table.selectionModel().select(
        history.model.index(1, 0),
        history.table.selectionModel().SelectionFlag.Select
        | history.table.selectionModel().SelectionFlag.Rows,
    )
    compare = history.explorer.compare_selected()
    assert compare is not None
    qtbot.waitUntil(lambda: compare.comparison is not None, timeout=30_000)
    escaped += assert_clean(shown_texts(compare))
    compare.close()
    for number in range(history.model.rowCount()):
        history.table.selectRow(number)
        rollback = history.request_rollback()
        if rollback is not None:
            break
    assert rollback is not None, "no load could be rolled back to"
    escaped += assert_clean(shown_texts(rollback))
    rollback.grab().save(str(tmp_path / "rollback-hostile.png"))
    rollback.reject()
    history.close()

    # The rollback the round saw, as an alert (and listed while away), and a message box.
    alerts = window.alerts  # type: ignore[attr-defined]
    assert any("\\u202e" in message for _title, message in alerts), alerts
    escaped += assert_clean((f"alert {title}", title + message, True) for title, message in alerts)
    escaped += assert_clean(shown_texts(window.unseen))
    window.context.prompts.error(window, f"Rollback failed{EVIL}", f"{hostile}: {EVIL}")
    prompts = window.context.prompts
    assert isinstance(prompts, RecordingPrompts)
    escaped += assert_clean(
        (kind, part, lines)
        for kind, title, text in prompts.shown
        for part, lines in ((title, False), (text, True))
    )
    assert escaped > 10, "the hostile text never reached the screen"


def test_the_command_line_prints_no_control_character(
    recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = recorded.location + EVIL
    common = ["--url", "", "--token", TOKEN, "--cache-dir", str(tmp_path)]
    with HostileReplayer(recorded.first) as url:
        common[1] = url
        assert headless.main(["history", hostile, *common, "--json"]) == 0
        loads = json.loads(capsys.readouterr().out)
        assert any(EVIL in (load["image"] or "") for load in loads)  # JSON keeps it, escaped
        assert headless.main(["history", hostile, *common]) == 0
        table = capsys.readouterr()
        assert "\\u202e" in table.out
        assert diff_command.main([hostile, "--from", loads[-1]["loaded_at"], "--to", "current",
                                  *common]) == 0  # fmt: skip
        diff = capsys.readouterr()
        assert "\\u202e" in diff.out
    for where, text in (("history", table.out + table.err), ("diff", diff.out + diff.err)):
        assert not _hidden(text, lines=True), (where, text[:300])
