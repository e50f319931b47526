"""The Deployment table: one row per code location, as the cache has it."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from desktop_app.core.links import commit_url
from desktop_app.core.loads import LocationSummary
from desktop_app.ui import formatting
from desktop_app.ui.columns import Column, RowTableModel
from desktop_app.ui.resources import status_icon

STATUS_TEXT = {"LOADED": "Loaded", "ERROR": "Failed", "LOADING": "Updating"}


def _status_tip(row: LocationSummary) -> str | None:
    return row.error if row.error else None


def _updated_tip(row: LocationSummary) -> str | None:
    if row.updated_at is None:
        return None
    return f"{formatting.exact_time(row.updated_at)}. Double-click or Enter shows the history."


def _commit_tip(row: LocationSummary) -> str | None:
    if not row.deploy.commit_hash:
        return None
    url = commit_url(row.deploy)
    return f"{row.deploy.commit_hash}\n{url}" if url else row.deploy.commit_hash


COLUMNS: tuple[Column[LocationSummary], ...] = (
    Column("Code location", lambda r: r.name, sort=lambda r: r.name.lower()),
    Column(
        "Status",
        lambda r: STATUS_TEXT.get(r.status, r.status.title()),
        tooltip=_status_tip,
        icon=lambda r: status_icon(r.status),
    ),
    Column(
        "Updated",
        lambda r: formatting.relative(r.updated_at),
        live=True,
        sort=lambda r: r.updated_at or 0.0,
        tooltip=_updated_tip,
        link=lambda r: "View history",
    ),
    Column("Image", lambda r: r.deploy.image or "", tooltip=lambda r: r.deploy.image),
    Column(
        "Commit",
        lambda r: formatting.short_sha(r.deploy.commit_hash),
        tooltip=_commit_tip,
        link=lambda r: formatting.short_sha(r.deploy.commit_hash) if commit_url(r.deploy) else None,
    ),
    Column(
        "Assets",
        lambda r: str(r.asset_count),
        sort=lambda r: r.asset_count,
        align=Qt.AlignmentFlag.AlignRight,
    ),
)


_UPDATED = next(column for column in COLUMNS if column.header == "Updated")


class DeploymentModel(RowTableModel[LocationSummary]):
    """Rows are `LocationSummary`; replaced after every sync, repainted
    where they changed."""

    columns = COLUMNS

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self._updated_texts: list[str] = []

    def set_locations(self, locations: list[LocationSummary]) -> None:
        if not self._rows and locations:
            # The first sync lists the locations: rows arrive, nothing was
            # there to reset (a reset lays the view out and paints it twice).
            self._updated_texts = [_UPDATED.display(r) for r in locations]
            self.beginInsertRows(QModelIndex(), 0, len(locations) - 1)
            self._rows = list(locations)
            self.forget_cells()
            self.endInsertRows()
            return
        if [r.name for r in locations] != [r.name for r in self._rows]:
            self._updated_texts = [_UPDATED.display(r) for r in locations]
            self.set_rows(locations)
            return
        # Same locations: update in place so selection and scroll stay put,
        # and tell the view only of the rows that changed (during a first
        # sync that is one row per location synced): repainting every cell
        # each time is what made the GUI thread stall while a sync ran.
        # A row whose relative "Updated" text moved on repaints that cell.
        old, self._rows = self._rows, list(locations)
        self.forget_cells()
        texts = [_UPDATED.display(r) for r in self._rows]
        updated = self.column_named("Updated")
        last = len(self.columns) - 1
        for number, (before, after) in enumerate(zip(old, self._rows, strict=True)):
            if before != after:
                # Not the name column, which did not change: a view sorted
                # by name then need not sort (and repaint) everything again.
                self.dataChanged.emit(self.index(number, 1), self.index(number, last))
            elif texts[number] != self._updated_texts[number]:
                cell = self.index(number, updated)
                self.dataChanged.emit(cell, cell)
        self._updated_texts = texts

    def row_of(self, name: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.name == name:
                return number
        return None
