"""The history dialog of one code location: every load, collapsed or not,
with commit links, asset changes and the role-gated actions."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QMenuBar,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.assets import AssetKey
from desktop_app.core.diff import DiffSummary
from desktop_app.core.links import commit_url
from desktop_app.core.loads import LocationLoad
from desktop_app.core.rollback import DeployOutcome, RollbackPreview, rollback_preview
from desktop_app.ui import actions as action_specs
from desktop_app.ui import formatting
from desktop_app.ui.actions import HISTORY_ACTIONS, ActionContext
from desktop_app.ui.asset_history_dialog import AssetHistoryDialog
from desktop_app.ui.context import AppContext
from desktop_app.ui.delegates import PADDING, AssetLinesDelegate, LinkDelegate, SplitButtonDelegate
from desktop_app.ui.history_explorer import HistoryExplorer
from desktop_app.ui.history_model import (
    AssetLine,
    HistoryModel,
    HistoryRow,
    all_asset_lines,
)
from desktop_app.ui.metadata_dialog import MetadataDialog
from desktop_app.ui.plain_text import PlainLabel, set_title
from desktop_app.ui.resources import Icon, icon
from desktop_app.ui.rollback_controller import RollbackController
from desktop_app.ui.rollback_dialog import RollbackDialog

log = logging.getLogger(__name__)

SHORTCUTS: dict[str, str | QKeySequence.StandardKey] = {
    "viewMetadataAction": "Ctrl+I",
    "rollbackAction": "Ctrl+Shift+R",
    "openCommitAction": "Ctrl+Shift+O",
    "copyCommitAction": QKeySequence.StandardKey.Copy,
}
"""Built into key sequences only once a QApplication exists."""


class InitiatedByDelegate(QStyledItemDelegate):
    """The "Initiated by" cell: wrapped when the row has room for two lines
    (a rollback reason gets that room), and cut at its end rather than in
    the middle (the view's default, right for image references), so that
    "who (rollback: reason…" keeps who and the start of the reason."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight
        if option.rect.height() >= 2 * option.fontMetrics.lineSpacing():
            option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText


class HistoryDialog(QDialog):
    """Signals: rollback_finished(bool, str): ok and a message, after every
    rollback of this location that the window's controller sent.

    Deleted when closed; the windows it opened (metadata, asset history,
    rollback confirmation) are its children and close with it."""

    rollback_finished = Signal(bool, str)

    def __init__(
        self,
        context: AppContext,
        location: str,
        rollbacks: RollbackController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.location = location
        self.rollbacks = rollbacks
        self._awaiting_rollback = False
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("historyDialog")
        set_title(self, f"{location} — load history")
        self.resize(1260, 640)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.heading = PlainLabel()
        self.heading.setObjectName("historyHeading")
        bold = self.heading.font()
        bold.setBold(True)
        self.heading.setFont(bold)
        top.addWidget(self.heading, 1)
        self.collapse_box = QCheckBox("Collapse similar entries")
        self.collapse_box.setObjectName("collapseCheckBox")
        self.collapse_box.setChecked(True)
        self.collapse_box.setToolTip(
            "Show consecutive loads of the same version with the same status as one row."
        )
        self.collapse_box.toggled.connect(self._on_collapse)
        top.addWidget(self.collapse_box)
        layout.addLayout(top)

        self.model = HistoryModel(self)
        self.model.rowsInserted.connect(self._on_rows_fetched)
        self.model.dataChanged.connect(self._on_rows_changed)
        self.table = QTableView(self)
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self.show_context_menu)
        self.table.activated.connect(lambda _index: self.view_metadata())
        layout.addWidget(self.table, 1)

        self.commit_delegate = LinkDelegate(self.table)
        self.commit_delegate.link_activated.connect(self._on_commit_link)
        self.table.setItemDelegateForColumn(self.model.column_named("Commit"), self.commit_delegate)
        self.assets_delegate = AssetLinesDelegate(self.table)
        self.assets_delegate.key_activated.connect(self._on_asset_key)
        self.assets_delegate.more_activated.connect(self._on_more_assets)
        self.table.setItemDelegateForColumn(self.model.column_named("Assets"), self.assets_delegate)
        self.actions_delegate = SplitButtonDelegate(self.table)
        self.actions_delegate.clicked.connect(self._on_actions_button)
        self.actions_delegate.menu_requested.connect(self._on_actions_arrow)
        self.table.setItemDelegateForColumn(self.model.actions_column(), self.actions_delegate)
        self.initiated_delegate = InitiatedByDelegate(self.table)
        self.table.setItemDelegateForColumn(
            self.model.column_named("Initiated by"), self.initiated_delegate
        )

        bottom = QHBoxLayout()
        self.status_label = PlainLabel()
        self.status_label.setObjectName("historyStatus")
        bottom.addWidget(self.status_label, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)

        self.history_actions: dict[str, QAction] = {}
        for spec in HISTORY_ACTIONS:
            action = QAction(spec.text, self)
            action.setObjectName(spec.object_name)
            self.history_actions[spec.object_name] = action
            self.addAction(action)
        self.history_actions["rollbackAction"].setIcon(icon(Icon.ROLLBACK))
        for name, keys in SHORTCUTS.items():
            self.history_actions[name].setShortcut(QKeySequence(keys))
        self.history_actions["viewMetadataAction"].triggered.connect(self.view_metadata)
        self.history_actions["rollbackAction"].triggered.connect(self.request_rollback)
        self.history_actions["openCommitAction"].triggered.connect(self.open_commit)
        self.history_actions["copyCommitAction"].triggered.connect(self.copy_commit)

        self._build_menu(layout)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.refresh_actions())
        rollbacks.started.connect(self._on_rollback_started)
        rollbacks.finished.connect(self._on_rollback_finished)
        self.explorer = HistoryExplorer(self)
        self.reload()
        self._size_columns()
        self.explorer.restore_layout()
        if self.model.rowCount():
            self.table.selectRow(0)
        self.table.setFocus()

    def _build_menu(self, layout: QVBoxLayout) -> None:
        """A "History" menu with every action and its shortcut, so the
        keyboard reaches rollback without a context-menu key."""
        bar = QMenuBar(self)
        menu = bar.addMenu("&History")
        menu.setObjectName("historyMenu")
        menu.setToolTipsVisible(True)
        menu.aboutToShow.connect(self.refresh_actions)
        for name in ("viewMetadataAction", "rollbackAction"):
            menu.addAction(self.history_actions[name])
        menu.addSeparator()
        for name in ("openCommitAction", "copyCommitAction"):
            menu.addAction(self.history_actions[name])
        menu.addSeparator()
        close = menu.addAction("&Close")
        close.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        close.triggered.connect(self.reject)
        self.menu_bar = bar
        self.history_menu = menu
        layout.setMenuBar(bar)

    # -- content ---------------------------------------------------------------
    def awaiting_history(self) -> bool:
        """Whether this dialog shows no load yet while the cache now has some."""
        return not self.model.read_count and bool(
            self.context.connection.cache.history_count(self.location)
        )

    def reload(self) -> None:
        """Re-read the history from the cache (as many loads as were shown,
        at least a page), keeping the selected load."""
        if self.explorer.after_reload():
            return  # a search is active: it brings the rows
        selected = self.current_load()
        cache = self.context.connection.cache
        location = self.location

        def fetch(limit: int, offset: int) -> list[LocationLoad]:
            return cache.history(location, limit=limit, offset=offset, summaries=False)

        def summaries(loads: Sequence[LocationLoad]) -> Mapping[float, DiffSummary]:
            return cache.summaries(location, [load.loaded_at for load in loads])

        def counts(loads: Sequence[LocationLoad]) -> Mapping[float, int]:
            return cache.change_counts(location, loads[-1].loaded_at, loads[0].loaded_at)

        self.model.set_source(
            fetch,
            cache.history_count(location),
            keep=self.model.read_count,
            notes=cache.rollback_notes,
            summaries=(summaries, counts),
        )
        self._size_rows()
        if selected is not None:
            row = self.model.row_of(selected.loaded_at)
            if row is not None:
                self.table.selectRow(row)
        self._update_heading()
        self.refresh_actions()
        newest = self.model.newest
        if self._awaiting_rollback and newest is not None and newest.action == "rollback":
            self._awaiting_rollback = False
            self.status_label.setText("Rolled back: the new load is at the top.")

    def _update_heading(self) -> None:
        total = self.model.total
        text = f"{self.location} — {total} load{'s' if total != 1 else ''}"
        newest = self.model.newest
        if newest is not None:
            text += f", newest {formatting.exact_time(newest.loaded_at)}"
        rows, read = self.model.rowCount(), self.model.read_count
        if self.model.collapsed and rows != read:
            text += f" ({read} shown in {rows} rows)" if read < total else f" in {rows} rows"
        elif read < total:
            text += f" ({read} shown; scroll for more)"
        self.heading.setText(text)

    def _on_collapse(self, checked: bool) -> None:
        selected = self.current_load()
        self.model.set_collapsed(checked)
        self._size_rows()
        if selected is not None:
            row = self.model.row_of(selected.loaded_at)
            if row is not None:
                self.table.selectRow(row)
        self._update_heading()
        self.refresh_actions()

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        widths = {
            "Loaded": 140,
            "Status": 200,
            "Commit": 80,
            "Image": 120,
            "Assets": 300,
            "Initiated by": 250,
        }
        for name, width in widths.items():
            header.resizeSection(self.model.column_named(name), width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

    def _size_rows(self, first: int = 0, last: int | None = None) -> None:
        """Give rows with several asset lines, or a rollback reason, their
        height (rows first..last)."""
        vertical = self.table.verticalHeader()
        base = vertical.defaultSectionSize()
        line = self.table.fontMetrics().lineSpacing()
        end = self.model.rowCount() - 1 if last is None else last
        self.model.prepare_row_lines(first, end)
        for row in range(first, end + 1):
            lines = self.model.row_lines(row)
            height = max(base, lines * line + 2 * PADDING) if lines > 1 else base
            if vertical.sectionSize(row) != height:
                vertical.resizeSection(row, height)

    def _on_rows_fetched(self, _parent: QModelIndex, first: int, last: int) -> None:
        self._size_rows(first, last)
        self._update_heading()

    def _on_rows_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        self._size_rows(top.row(), bottom.row())

    # -- selection and actions -----------------------------------------------
    def current_group(self) -> HistoryRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(index.row())

    def current_load(self) -> LocationLoad | None:
        group = self.current_group()
        return group.head if group else None

    def select_load(self, loaded_at: float) -> bool:
        """Select the row holding that load, reading older pages if needed."""
        if not self.model.fetch_until(loaded_at):
            return False
        row = self.model.row_of(loaded_at)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))
        return True

    def action_context(self) -> ActionContext:
        connection = self.context.connection
        return ActionContext(
            location=self.location,
            load=self.current_load(),
            newest=self.model.newest,
            viewer=connection.viewer,
            capabilities=connection.capabilities,
            rollback_in_flight=self.rollback_in_flight,
        )

    def done(self, result: int) -> None:
        """Closing (Close, Escape, the window's close button, the main
        window quitting) closes the windows this dialog opened, at once;
        deletion follows (WA_DeleteOnClose)."""
        for child in self.findChildren(QDialog):
            if child.isVisible():
                child.close()
        super().done(result)

    @property
    def rollback_in_flight(self) -> bool:
        return self.rollbacks.in_flight(self.location)

    @property
    def children_dialogs(self) -> list[QDialog]:
        """The windows this dialog opened that are still open."""
        return [d for d in self.findChildren(QDialog) if d.isVisible()]

    def refresh_actions(self) -> None:
        ctx = self.action_context()
        for spec in HISTORY_ACTIONS:
            action_specs.apply(spec, self.history_actions[spec.object_name], ctx)

    def build_context_menu(self) -> QMenu:
        """The right-click menu for the current row (shown by
        `show_context_menu`; tests inspect it without opening it)."""
        self.refresh_actions()
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        menu.addAction(self.history_actions["viewMetadataAction"])
        menu.addAction(self.history_actions["rollbackAction"])
        menu.addSeparator()
        menu.addAction(self.history_actions["openCommitAction"])
        menu.addAction(self.history_actions["copyCommitAction"])
        self.explorer.add_menu_items(menu)
        group = self.current_group()
        lines = all_asset_lines(group) if group else ()
        if lines:
            menu.addSeparator()
            menu.addMenu(self.build_assets_menu(lines, menu))
        return menu

    def build_actions_menu(self) -> QMenu:
        """The drop-down of the Actions cell."""
        self.refresh_actions()
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        menu.addAction(self.history_actions["rollbackAction"])
        return menu

    def build_assets_menu(self, lines: tuple[AssetLine, ...], parent: QWidget) -> QMenu:
        menu = QMenu("Asset change history", parent)
        for line in lines:
            if line.key is None:
                continue
            action = menu.addAction(line.text)
            action.triggered.connect(partial(self.open_asset_history, line.key))
        return menu

    def show_context_menu(self, pos: QPoint) -> None:
        if self.current_group() is None:
            return
        self._popup(self.build_context_menu(), self.table.viewport().mapToGlobal(pos))

    # -- what the actions do ---------------------------------------------------
    def view_metadata(self) -> MetadataDialog | None:
        row = self.current_group()
        if row is None:
            return None
        dialog = MetadataDialog(row.head, self, note=row.note, show_load=self.select_load)
        dialog.show()
        return dialog

    def open_commit(self) -> str | None:
        load = self.current_load()
        url = commit_url(load.deploy) if load else None
        if url:
            self.context.open_url(url)
        return url

    def copy_commit(self) -> None:
        load = self.current_load()
        if load and load.deploy.commit_hash:
            QGuiApplication.clipboard().setText(load.deploy.commit_hash)
            self.status_label.setText(f"Copied {load.deploy.commit_hash}")

    def open_asset_history(self, key: AssetKey) -> AssetHistoryDialog:
        connection = self.context.connection
        dialog = AssetHistoryDialog(connection.cache, self.location, key, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        if connection.cache.lacks_details(self.location, key):
            # Loads seen only in history name this asset without saying how
            # it changed; the server tells per asset. Ask in the background
            # (the runner drops the answer if the asset window is gone).
            dialog.status_label.setText("Asking the server how older loads changed it…")

            def filled(count: object) -> None:
                dialog.status_label.setText("")
                if count:
                    dialog.reload()
                    self.reload()

            def failed(exc: BaseException) -> None:
                dialog.status_label.setText(f"Could not get the details: {exc}")

            self.context.tasks.run_write(
                "asset details",
                connection.fill_details(self.location, key),
                on_success=filled,
                on_failure=failed,
                owner=dialog,
            )
        return dialog

    def request_rollback(self) -> RollbackDialog | None:
        """Open the confirmation for the selected load (if allowed)."""
        self.refresh_actions()
        target = self.current_load()
        if target is None or not self.history_actions["rollbackAction"].isEnabled():
            return None
        preview = self._preview()
        changes = (
            self.context.connection.cache.diff(
                self.location, preview.baseline.loaded_at, target.loaded_at
            )
            if preview.baseline is not None
            else []
        )
        dialog = RollbackDialog(self.location, preview, target, changes, self)
        dialog.confirmed.connect(lambda reason: self.start_rollback(target, reason))
        dialog.open()
        return dialog

    def _preview(self) -> RollbackPreview:
        """Current and baseline from the loads shown, reading older pages of
        the cache only when no shown load succeeded."""
        preview = rollback_preview(self.model.loads)
        if preview.baseline is None and self.model.total > self.model.read_count:
            cache = self.context.connection.cache
            preview = rollback_preview(cache.history(self.location))
        return preview

    def start_rollback(self, target: LocationLoad, reason: str = "") -> bool:
        """Ask the window's rollback controller to send the chosen load;
        False when a rollback of this location is already in flight (from
        this dialog or any other) or the rules say no. A non-empty `reason`
        is kept in the cache and shown on the rollback entry once the sync
        brings it in."""
        request = self.rollbacks.request_for(target, self.model.newest, reason)
        return self.rollbacks.start(request)

    def _on_rollback_started(self, location: str) -> None:
        if location != self.location:
            return
        self.refresh_actions()
        self.status_label.setText(f"Rolling back {self.location}…")

    def _on_rollback_finished(self, location: str, outcome: DeployOutcome) -> None:
        if location != self.location:
            return
        self.refresh_actions()
        if outcome.ok:
            self.status_label.setText("Rollback accepted; waiting for the new load…")
            self._awaiting_rollback = True
        elif outcome.kind == "Failed":
            self.status_label.setText("Rollback failed.")
        else:
            self.status_label.setText("Rollback refused.")
        self.rollback_finished.emit(outcome.ok, outcome.message)

    # -- cell clicks -------------------------------------------------------------
    def _on_commit_link(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        self.open_commit()

    def _on_asset_key(self, index: QModelIndex, line: AssetLine) -> None:
        self.table.setCurrentIndex(index)
        if line.key is not None:
            self.open_asset_history(line.key)

    def _on_more_assets(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        group = self.current_group()
        if group is None:
            return
        menu = self.build_assets_menu(all_asset_lines(group), self)
        rect = self.table.visualRect(index)
        self._popup(menu, self.table.viewport().mapToGlobal(rect.bottomLeft()))

    def _on_actions_button(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        self.view_metadata()

    def _on_actions_arrow(self, index: QModelIndex, cell: QRect) -> None:
        self.table.setCurrentIndex(index)
        self._popup(self.build_actions_menu(), self.table.viewport().mapToGlobal(cell.bottomLeft()))

    @staticmethod
    def _popup(menu: QMenu, where: QPoint) -> None:
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(where)
