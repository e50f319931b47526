"""Pictures of the history views for the README (`--screenshot-history`,
`--screenshot-compare`, `--screenshot-timeline`): the history dialog, its
top strip with the timeline, and a comparison of the newest load with an
older version, each taken once its data has arrived."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QRect, QTimer

from desktop_app.core.loads import LoadStatus
from desktop_app.ui.history_dialog import HistoryDialog

COMPARE_ROWS_APART = 5
"""The older side of the pictured comparison: this many rows down, or the
nearest successful load of another version below that."""


def shoot_history_views(
    dialog: HistoryDialog,
    history_path: Path | None,
    compare_path: Path | None,
    timeline_path: Path | None,
    done: Callable[[], object],
) -> None:
    """Save the pictures asked for (each once its data has arrived), then
    call `done`."""
    explorer = dialog.explorer

    def timeline_shot() -> None:
        if history_path is not None:
            _save(dialog.grab(), history_path)
        if timeline_path is not None:
            bottom = explorer.timeline.geometry().bottom() + 6
            _save(dialog.grab(QRect(0, 0, dialog.width(), bottom)), timeline_path)
        compare_shot()

    def compare_shot() -> None:
        if compare_path is None or dialog.model.rowCount() < 2:
            done()
            return
        dialog.collapse_box.setChecked(False)
        newest = dialog.model.row_at(0).head
        rows = range(min(COMPARE_ROWS_APART, dialog.model.rowCount() - 1), dialog.model.rowCount())
        older = next(
            (
                r
                for r in rows
                if dialog.model.row_at(r).head.status == LoadStatus.LOADED
                and dialog.model.row_at(r).head.deploy != newest.deploy
            ),
            dialog.model.rowCount() - 1,
        )
        selection = dialog.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        selection.clearSelection()
        for row in (0, older):
            selection.select(dialog.model.index(row, 0), flags)
        compare = explorer.compare_selected()
        if compare is None:
            done()
            return

        def save_compare() -> None:
            _save(compare.grab(), compare_path)
            compare.close()
            done()

        compare.ready.connect(lambda: QTimer.singleShot(100, dialog, save_compare))

    if explorer.timeline.loaded:
        QTimer.singleShot(100, dialog, timeline_shot)
    else:
        explorer.timeline_ready.connect(lambda: QTimer.singleShot(100, dialog, timeline_shot))


def _save(picture: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(str(path))  # type: ignore[attr-defined]
