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
    live: bool = False
    """Its text follows the clock ("5 min ago"): formatted at every paint,
    never remembered."""


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        SORT_ROLE,
        ROW_ROLE,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.DecorationRole,
        LINK_ROLE,
        ASSET_LINES_ROLE,
        Qt.ItemDataRole.TextAlignmentRole,
    }
)
_MEMO_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, SORT_ROLE, LINK_ROLE})


class RowTableModel(QAbstractTableModel, Generic[R]):
    """Rows of one frozen dataclass type under declared columns."""

    columns: tuple[Column[R], ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []
        self._cells: dict[tuple[int, int, int], Any] = {}
        """(row, column, role) -> what `data()` answered: a view asks for
        the same cell many times (each paint, each role twice in a
        delegate), and formatting it again is what made repaints slow."""

    # -- content -----------------------------------------------------------
    @property
    def rows(self) -> list[R]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._cells.clear()
        self.endResetModel()

    def forget_cells(self) -> None:
        """Drop what `data()` remembered: call it whenever rows change in
        place (or their text depends on the time, like "5 min ago")."""
        self._cells.clear()

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
        if role not in _ROLES:
            return None  # most of what a view asks for: fonts, colours, check state
        number, col = index.row(), index.column()
        if not (0 <= number < len(self._rows)) or not (0 <= col < len(self.columns)):
            return None  # an invalid index has row -1
        if role in _MEMO_ROLES and not self.columns[col].live:
            key = (number, col, role)
            try:
                return self._cells[key]
            except KeyError:
                value = self._cells[key] = self._cell(number, col, role)
                return value
        return self._cell(number, col, role)

    def _cell(self, number: int, col: int, role: int) -> Any:
        row = self._rows[number]
        column = self.columns[col]
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
