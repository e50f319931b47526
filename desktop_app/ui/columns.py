"""A column declared once: its header and how a row reads under each role.

Table models hold a tuple of `Column` and a list of frozen-dataclass rows;
`RowTableModel.data()` dispatches on the role and returns None for roles
the column does not handle. Text shown (display, tooltip, link text) is
server text: this is where every table applies the rule of `plain_text`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from desktop_app.core.untrusted import printable
from desktop_app.ui.plain_text import tooltip
from desktop_app.ui.roles import ASSET_LINES_ROLE, LINK_ROLE, ROW_ROLE, SORT_ROLE

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str
    display: Callable[[R], str]
    sort: Callable[[R], Any] | None = None
    tooltip: Callable[[R], str | None] | None = None
    icon: Callable[[R], QIcon | None] | None = None
    link: Callable[[R], str | None] | None = None
    asset_lines: Callable[[R], tuple[Any, ...]] | None = None
    align: Qt.AlignmentFlag | None = None


class RowTableModel(QAbstractTableModel, Generic[R]):
    """Rows of one frozen dataclass type under declared columns."""

    columns: tuple[Column[R], ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []

    # -- content -----------------------------------------------------------
    @property
    def rows(self) -> list[R]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def column_named(self, header: str) -> int:
        for number, column in enumerate(self.columns):
            if column.header == header:
                return number
        raise KeyError(header)

    # -- Qt ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not (0 <= index.column() < len(self.columns)):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return printable(column.display(row))
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else column.display(row).lower()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            tip = column.tooltip(row)
            return tooltip(tip) if tip else tip
        if role == Qt.ItemDataRole.DecorationRole and column.icon:
            return column.icon(row)
        if role == LINK_ROLE and column.link:
            link = column.link(row)
            return printable(link) if link else link
        if role == ASSET_LINES_ROLE and column.asset_lines:
            return column.asset_lines(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align is not None:
            return int(column.align | Qt.AlignmentFlag.AlignVCenter)
        return None
