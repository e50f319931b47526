"""Exploring a location's history from its dialog: the search field, the
timeline, comparing two versions and exporting the shown rows.

`HistoryExplorer` adds its widgets and actions to a `HistoryDialog` and
works through the dialog's model and table. Everything that reads the
whole history (a search, the timeline's marks, an export) runs on a worker;
results carry a token so a late answer to an older question is dropped.

Signals: filtered(): the rows now match the search text (or the search
was cleared); timeline_ready(); exported(str): the path written.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QMenu, QPushButton, QVBoxLayout

from desktop_app.cache.compare import current_load
from desktop_app.cache.explore import SearchResult, TimelineMarks, search, timeline_marks
from desktop_app.core.export import group_record, to_csv
from desktop_app.core.loads import LoadGroup, LocationLoad, collapse
from desktop_app.ui import formatting
from desktop_app.ui.compare_dialog import CompareDialog
from desktop_app.ui.history_timeline import HistoryTimeline, legend_html
from desktop_app.ui.plain_text import PlainLabel

if TYPE_CHECKING:
    from desktop_app.ui.history_dialog import HistoryDialog

SEARCH_DELAY_MS = 200
"""Typing pauses this long before a search starts."""


class HistoryExplorer(QObject):
    filtered = Signal()
    timeline_ready = Signal()
    exported = Signal(str)

    def __init__(self, dialog: HistoryDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self._token = 0
        self._timeline_token = 0
        # The timeline reads the whole history on a worker thread; started
        # from the event loop once the dialog has painted its rows, so that
        # thread does not compete with the GUI thread for the interpreter
        # while the dialog reads and paints its first page.
        self._timeline_timer = QTimer(self)
        self._timeline_timer.setSingleShot(True)
        self._timeline_timer.setInterval(0)
        self._timeline_timer.timeout.connect(self._read_timeline)
        self.active_text = ""

        self.filter = QLineEdit(dialog)
        self.filter.setObjectName("historyFilter")
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(
            "Search: asset key, commit, image, who, status or error (Ctrl+F)"
        )
        self.count_label = PlainLabel(parent=dialog)
        self.count_label.setObjectName("historyFilterCount")
        self.export_action = QAction("Export…", dialog)
        self.export_action.setObjectName("exportAction")
        self.export_action.setToolTip("Save the rows shown (as filtered) as CSV or JSON.")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.export)
        dialog.addAction(self.export_action)
        export_button = QPushButton("Export…", dialog)
        export_button.setObjectName("exportButton")
        export_button.setToolTip(self.export_action.toolTip())
        export_button.clicked.connect(self.export_action.trigger)
        self.legend = QLabel(legend_html(dialog.palette()), dialog)
        self.legend.setObjectName("historyTimelineLegend")
        self.legend.setToolTip("The timeline's marks: one per load, along time.")
        row = QHBoxLayout()
        row.addWidget(self.filter, 1)
        row.addWidget(self.count_label)
        row.addSpacing(12)
        row.addWidget(self.legend)
        row.addSpacing(12)
        row.addWidget(export_button)

        self.timeline = HistoryTimeline(dialog)
        self.timeline.setToolTip("")
        self.timeline.load_clicked.connect(self.select_from_timeline)
        self.timeline.describer = self.describe_load

        layout = dialog.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertLayout(1, row)
        layout.insertWidget(2, self.timeline)

        self.find_action = QAction("Search the history", dialog)
        self.find_action.setObjectName("historyFindAction")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_filter)
        dialog.addAction(self.find_action)
        clear = QAction("Clear search", self.filter)
        clear.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear.triggered.connect(self.filter.clear)
        self.filter.addAction(clear)
        self.filter.returnPressed.connect(dialog.table.setFocus)

        self.compare_action = QAction("Compare these versions", dialog)
        self.compare_action.setObjectName("compareAction")
        self.compare_action.setShortcut(QKeySequence("Ctrl+D"))
        self.compare_action.triggered.connect(self.compare_selected)
        dialog.addAction(self.compare_action)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.filter.textChanged.connect(lambda _text: self._debounce.start())
        dialog.table.selectionModel().selectionChanged.connect(self._on_selection)
        menu = getattr(dialog, "history_menu", None)
        if isinstance(menu, QMenu) and menu.actions():  # the keyboard's way in
            menu.aboutToShow.connect(self.refresh_compare)
            close = menu.actions()[-1]  # stays last
            for action in (self.find_action, self.compare_action, self.export_action):
                menu.insertAction(close, action)
            menu.insertSeparator(close)
        layout_settings = dialog.context.layout
        dialog.collapse_box.setChecked(layout_settings.collapse())
        dialog.collapse_box.toggled.connect(layout_settings.set_collapse)
        dialog.finished.connect(lambda _result: self.save_layout())

    # -- remembered layout -------------------------------------------------------
    def restore_layout(self) -> None:
        """Size and column widths as the last history dialog was left."""
        dialog = self.dialog
        dialog.context.layout.restore_widget("history", dialog, dialog.table.horizontalHeader())

    def save_layout(self) -> None:
        dialog = self.dialog
        dialog.context.layout.save_widget("history", dialog, dialog.table.horizontalHeader())

    def _on_selection(self, *_args: object) -> None:
        self.follow_selection()
        self.refresh_compare()

    # -- search ----------------------------------------------------------------
    @property
    def filtering(self) -> bool:
        return bool(self.active_text)

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def apply_filter(self) -> None:
        """Search for the field's text now (on a worker); an empty text
        shows the whole history again."""
        self._debounce.stop()
        text = self.filter.text().strip()
        self._token += 1
        token = self._token
        self.active_text = text
        if not text:
            self.count_label.setText("")
            self.dialog.reload()
            self.filtered.emit()
            return
        if self.dialog.context.tasks.closed:
            return  # the app is closing
        self.count_label.setText("Searching…")
        self.dialog.context.tasks.run_io(
            "search history",
            partial(search, self.dialog.context.connection.cache, self.dialog.location, text),
            on_success=partial(self._on_found, token),
            on_failure=partial(self._on_search_failed, token),
        )

    def _on_found(self, token: int, result: SearchResult) -> None:
        if token != self._token or not shiboken6.isValid(self.dialog):
            return
        dialog = self.dialog
        selected = dialog.current_load()
        dialog.model.set_loads(result.loads, result.notes)
        dialog._size_rows()
        if selected is not None and (row := dialog.model.row_of(selected.loaded_at)) is not None:
            dialog.table.selectRow(row)
        elif dialog.model.rowCount():
            dialog.table.selectRow(0)
        dialog._update_heading()
        dialog.refresh_actions()
        total = result.total
        self.count_label.setText(f"{len(result.loads)} of {total} load{'s' if total != 1 else ''}")
        self.filtered.emit()

    def _on_search_failed(self, token: int, exc: BaseException) -> None:
        if token == self._token and shiboken6.isValid(self.dialog):
            self.count_label.setText(f"Search failed: {exc}")
            self.filtered.emit()

    def after_reload(self) -> bool:
        """Called when the dialog re-reads the history: with a search
        active, search again (True: the dialog leaves the rows to us)."""
        self.refresh_timeline()
        if not self.filtering:
            return False
        self.apply_filter()
        return True

    # -- timeline ------------------------------------------------------------------
    def refresh_timeline(self) -> None:
        """Read the timeline's marks again, soon (reloads in a row read once)."""
        self._timeline_timer.start()

    def _read_timeline(self) -> None:
        if self.dialog.context.tasks.closed:
            return  # the app is closing
        self._timeline_token += 1
        token = self._timeline_token
        self.dialog.context.tasks.run_io(
            "history timeline",
            partial(timeline_marks, self.dialog.context.connection.cache, self.dialog.location),
            on_success=partial(self._on_marks, token),
        )

    def _on_marks(self, token: int, marks: TimelineMarks) -> None:
        if token != self._timeline_token or not shiboken6.isValid(self.timeline):
            return
        self.timeline.set_marks(marks)
        self.follow_selection()
        self.timeline_ready.emit()

    def describe_load(self, loaded_at: float) -> str | None:
        """Commit, image and who of a load already read into the table."""
        row = self.dialog.model.row_of(loaded_at)
        if row is None:
            return None
        load = next(ld for ld in self.dialog.model.row_at(row).loads if ld.loaded_at == loaded_at)
        deploy = load.deploy
        parts = [
            formatting.short_sha(deploy.commit_hash),
            deploy.image or "",
            f"by {load.initiated_by}" if load.initiated_by else "",
        ]
        text = "  ".join(p for p in parts if p)
        if load.error:
            text += f"\n{formatting.first_line(load.error)}"
        return text or None

    def follow_selection(self) -> None:
        load = self.dialog.current_load()
        self.timeline.set_selected(load.loaded_at if load else None)

    def select_from_timeline(self, loaded_at: float) -> bool:
        """Select the row of a load clicked on the timeline (reading older
        pages as needed; a search that hides it is cleared first)."""
        if self.dialog.select_load(loaded_at):
            self.dialog.table.setFocus()
            return True
        if self.filtering:
            self.filter.blockSignals(True)
            self.filter.clear()
            self.filter.blockSignals(False)
            self.apply_filter()
            return self.dialog.select_load(loaded_at)
        return False

    # -- compare -----------------------------------------------------------------------
    def selected_groups(self) -> list[LoadGroup]:
        rows = sorted(index.row() for index in self.dialog.table.selectionModel().selectedRows())
        return [self.dialog.model.row_at(row) for row in rows]

    def compare_pair(self) -> tuple[LocationLoad, LocationLoad] | None:
        """The two loads "Compare" would compare now, or None."""
        groups = self.selected_groups()
        if len(groups) == 2:
            return groups[0].head, groups[1].head
        if len(groups) == 1:
            # Usually among the loads shown: no need to read the cache again.
            current = self.dialog.model.running_load() or current_load(
                self.dialog.context.connection.cache, self.dialog.location
            )
            if current is not None and current.loaded_at != groups[0].head.loaded_at:
                return groups[0].head, current
        return None

    def refresh_compare(self) -> None:
        groups = self.selected_groups()
        action = self.compare_action
        action.setText("Compare with current" if len(groups) == 1 else "Compare these versions")
        if len(groups) > 2 or not groups:
            action.setEnabled(False)
            action.setToolTip("Select one load (to compare with the current one) or two.")
        elif self.compare_pair() is None:
            action.setEnabled(False)
            action.setToolTip("This is the version running now.")
        else:
            action.setEnabled(True)
            action.setToolTip("Show what changed between the two versions.")

    def add_menu_items(self, menu: QMenu) -> None:
        self.refresh_compare()
        menu.addSeparator()
        menu.addAction(self.compare_action)
        menu.addAction(self.export_action)

    def compare_selected(self) -> CompareDialog | None:
        pair = self.compare_pair()
        if pair is None:
            return None
        dialog = CompareDialog(self.dialog.context, pair[0], pair[1], self.dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- export --------------------------------------------------------------------------
    def export(self) -> bool:
        """Ask where, then write the rows shown (every row of the history
        when nothing is searched for, as collapsed or not) as CSV or JSON."""
        dialog = self.dialog
        suggested = f"{dialog.location}-history.csv"
        path = dialog.context.prompts.save_file(
            dialog, "Export history", suggested, "CSV (*.csv);;JSON (*.json)"
        )
        if not path:
            return False
        dialog.context.tasks.run_io(
            "export history",
            partial(
                _export,
                dialog.context.connection.cache,
                dialog.location,
                self.active_text,
                dialog.model.collapsed,
                Path(path),
            ),
            on_success=self._on_exported,
            on_failure=self._on_export_failed,
        )
        return True

    def _on_exported(self, answer: tuple[str, int]) -> None:
        path, count = answer
        if shiboken6.isValid(self.dialog):
            self.dialog.status_label.setText(f"Exported {count} rows to {path}")
        self.exported.emit(path)

    def _on_export_failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self.dialog):
            self.dialog.context.prompts.error(self.dialog, "Export failed", str(exc))


def _export(cache: Any, location: str, text: str, collapsed: bool, path: Path) -> tuple[str, int]:
    """Worker side of "Export…": the rows the dialog shows, written to `path`
    (JSON when it ends in .json, otherwise CSV)."""
    found = search(cache, location, text)
    loads = found.loads
    groups = collapse(loads) if collapsed else [LoadGroup((load,)) for load in loads]
    records = [group_record(group, found.notes.get(group.head.loaded_at)) for group in groups]
    if path.suffix.lower() == ".json":
        body = json.dumps(records, indent=2) + "\n"
    else:
        body = to_csv(records)
    path.write_text(body, encoding="utf-8")
    return str(path), len(records)
