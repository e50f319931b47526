"""The history dialog's table: one row per load, or per group of similar
consecutive loads when collapsed (`core.loads.collapse`), with the reason
given for a rollback when this computer kept one (`cache.notes`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from desktop_app.core.assets import AssetKey, key_to_str
from desktop_app.core.changes import NetKind, net_changes
from desktop_app.core.diff import ChangeType, DiffSummary
from desktop_app.core.links import commit_url
from desktop_app.core.loads import LoadGroup, LoadStatus, LocationLoad, collapse
from desktop_app.core.rollback import RollbackNote
from desktop_app.ui import formatting
from desktop_app.ui.columns import Column, Index, RowTableModel
from desktop_app.ui.resources import status_icon
from desktop_app.ui.roles import ASSET_LINES_ROLE

MAX_ASSET_LINES = 4
PLUS, MINUS, TILDE = "+", "\u2212", "~"
TIMES = "\u00d7"
REASON_CHARS = 48
"""A rollback reason longer than this is cut short in the cell (the tooltip has it all)."""


@dataclass(frozen=True)
class HistoryRow(LoadGroup):
    """A row: a group of loads, and the note of its newest load when that is
    a rollback someone gave a reason for."""

    note: RollbackNote | None = None


@dataclass(frozen=True)
class AssetLine:
    """One line of the Assets cell: PLUS, MINUS or TILDE, a key and its change
    types; `key` is None for the trailing 'N more…' line."""

    sign: str
    key: AssetKey | None
    change_types: tuple[ChangeType, ...] = ()
    more: int = 0

    @property
    def text(self) -> str:
        """What the line shows (asset keys are server text)."""
        if self.key is None:
            return f"… {self.more} more"
        label = f"{self.sign} {formatting.plain(key_to_str(self.key))}"
        if self.sign == TILDE and self.change_types:
            label += f"  ({formatting.change_labels(self.change_types)})"
        return label


SIGNS = {NetKind.ADDED: PLUS, NetKind.REMOVED: MINUS, NetKind.CHANGED: TILDE}


def all_asset_lines(group: LoadGroup) -> tuple[AssetLine, ...]:
    """Every key the group's loads added, removed or changed
    (`core.changes.net_changes`), in added, removed, changed order and by key."""
    return tuple(
        AssetLine(SIGNS[change.kind], change.key, change.change_types)
        for change in net_changes(group.loads)
    )


def asset_lines(group: LoadGroup) -> tuple[AssetLine, ...]:
    """What the cell shows: the first lines, then 'N more…'."""
    lines = all_asset_lines(group)
    if len(lines) <= MAX_ASSET_LINES:
        return lines
    shown = lines[: MAX_ASSET_LINES - 1]
    return (*shown, AssetLine("", None, more=len(lines) - len(shown)))


def line_count(group: LoadGroup) -> int:
    """How many lines the Assets cell of `group` shows, without building them
    (sizing every row of a long history must stay cheap)."""
    if group.count == 1:
        summary = group.head.summary
        total = len(summary.added) + len(summary.removed) + len(summary.modified)
    else:  # every key any load of the group touched gets one line
        keys: set[AssetKey] = set()
        for load in group.loads:
            keys.update(load.summary.added, load.summary.removed, load.summary.modified)
        total = len(keys)
    return min(total, MAX_ASSET_LINES)


def _assets_display(group: LoadGroup) -> str:
    lines = all_asset_lines(group)
    if not lines:
        return "No changes"
    counts = {sign: sum(1 for line in lines if line.sign == sign) for sign in (PLUS, MINUS, TILDE)}
    return "  ".join(f"{sign}{n}" for sign, n in counts.items() if n)


def _loaded_display(group: LoadGroup) -> str:
    text = formatting.when(group.head.loaded_at)
    return f"{text}  {TIMES}{group.count}" if group.count > 1 else text


def _loaded_tip(group: LoadGroup) -> str:
    head = formatting.exact_time(group.head.loaded_at)
    if group.count == 1:
        return head
    oldest = formatting.exact_time(group.oldest.loaded_at)
    return f"{group.count} similar loads, {oldest} to {head}"


def _status_display(group: LoadGroup) -> str:
    load = group.head
    if load.status == LoadStatus.ERROR:
        kind = formatting.error_kind(load.error)
        return f"Failed ({kind})" if kind else "Failed"
    return "Loaded"


def short_reason(reason: str) -> str:
    """The reason on one line, cut at a word near REASON_CHARS."""
    text = " ".join(reason.split())
    if len(text) <= REASON_CHARS:
        return text
    cut = text[: REASON_CHARS - 1]
    space = cut.rfind(" ")
    if space > REASON_CHARS // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "\u2026"


def _initiated_display(row: HistoryRow) -> str:
    load = row.head
    who = load.initiated_by or ""
    action = load.action
    if action and action != "deploy":
        if row.note is not None:
            action = f"{action}: {short_reason(row.note.reason)}"
        return f"{who} ({action})" if who else action
    return who


def _initiated_tip(row: HistoryRow) -> str | None:
    load = row.head
    if load.action != "rollback":
        return None
    target = load.rollback_target
    when = formatting.exact_time(target) if target else "an earlier load"
    tip = f"Rolled back to the version loaded {when}"
    note = row.note
    if note is not None:
        asked = f"Asked by {note.requested_by}" if note.requested_by else "Asked"
        tip += (
            f"\nReason: {note.reason}"
            f"\n{asked} at {formatting.exact_time(note.submitted_at)}"
            " (the reason is kept only on this computer)"
        )
    return tip


def _commit_link(group: LoadGroup) -> str | None:
    deploy = group.head.deploy
    return formatting.short_sha(deploy.commit_hash) if commit_url(deploy) else None


def _commit_tip(group: LoadGroup) -> str | None:
    deploy = group.head.deploy
    if not deploy.commit_hash:
        return None
    url = commit_url(deploy)
    return f"{deploy.commit_hash}\n{url}" if url else deploy.commit_hash


COLUMNS: tuple[Column[HistoryRow], ...] = (
    Column(
        "Loaded",
        _loaded_display,
        sort=lambda g: g.head.loaded_at,
        tooltip=_loaded_tip,
    ),
    Column(
        "Status",
        _status_display,
        sort=lambda g: str(g.head.status),
        tooltip=lambda g: g.head.error,
        icon=lambda g: status_icon(str(g.head.status)),
    ),
    Column(
        "Commit",
        lambda g: formatting.short_sha(g.head.deploy.commit_hash),
        tooltip=_commit_tip,
        link=_commit_link,
    ),
    Column("Image", lambda g: g.head.deploy.image or "", tooltip=lambda g: g.head.deploy.image),
    Column(
        "Assets",
        _assets_display,
        sort=lambda g: len(all_asset_lines(g)),
        tooltip=lambda g: "\n".join(line.text for line in all_asset_lines(g)) or None,
        asset_lines=asset_lines,
    ),
    Column("Initiated by", _initiated_display, tooltip=_initiated_tip),
    Column("Actions", lambda g: "View metadata", sort=lambda g: 0),
)


PAGE_SIZE = 200
"""Loads read from the cache at a time; more are fetched as the view scrolls."""

Fetch = Callable[[int, int], list[LocationLoad]]
"""(limit, offset) -> loads, newest first: a page of a location's history."""

NoteLookup = Callable[[Sequence[LocationLoad]], Mapping[float, RollbackNote]]
"""loads -> the rollback notes of those loads, by `loaded_at`."""

SummaryLookup = Callable[[Sequence[LocationLoad]], Mapping[float, DiffSummary]]
"""loads -> their summaries of changed keys, by `loaded_at` (none: no change)."""

CountLookup = Callable[[Sequence[LocationLoad]], Mapping[float, int]]
"""loads -> how many keys each changed, by `loaded_at` (none: no change)."""

SUMMARY_WINDOW = 20
"""Rows whose summaries are read together, from the first one a view asks for."""


class HistoryModel(RowTableModel[HistoryRow]):
    """Rows are `HistoryRow`s: groups of loads (single-load groups when not
    collapsed), each with the rollback note of its newest load, if any.

    With a source (`set_source`) the history is read a page at a time;
    Qt's views call `fetchMore` when scrolled to the end. Appending loads
    only ever extends the last group and adds new ones, so rows already
    shown never move.

    A source may leave the loads' summaries out and give `summaries` to
    read them: they are then read for the rows a view shows (a window of
    `SUMMARY_WINDOW` rows at a time) or hands out (`row_at`), and rows are
    sized from `counts` until then. A page of a busy location's history
    has thousands of changed keys, and a dialog shows a dozen rows."""

    columns = COLUMNS
    _assets_column = next(n for n, c in enumerate(COLUMNS) if c.header == "Assets")

    def __init__(self, parent: object = None, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self._loads: list[LocationLoad] = []
        self._collapsed = True
        self._lines: dict[int, tuple[AssetLine, ...]] = {}
        self._fetch: Fetch | None = None
        self._lookup_notes: NoteLookup | None = None
        self._notes: dict[float, RollbackNote] = {}
        self._total = 0
        self._summarize: SummaryLookup | None = None
        self._count: CountLookup | None = None
        self._pending: set[float] = set()
        """Loads read without their summaries (by `loaded_at`)."""
        self._counts: dict[float, int] = {}
        self.page_size = page_size

    @property
    def loads(self) -> list[LocationLoad]:
        """The loads read so far, newest first, each with its summary."""
        self._ensure_summaries(0, len(self._rows) - 1)
        return list(self._loads)

    @property
    def read_count(self) -> int:
        """How many loads were read so far (`len(loads)`, reading nothing)."""
        return len(self._loads)

    @property
    def total(self) -> int:
        """How many loads the location has (read or not)."""
        return max(self._total, len(self._loads))

    @property
    def newest(self) -> LocationLoad | None:
        return self._loads[0] if self._loads else None

    @property
    def collapsed(self) -> bool:
        return self._collapsed

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self._lines = {}
        super().set_rows(rows)

    @property
    def rows(self) -> list[HistoryRow]:
        self._ensure_summaries(0, len(self._rows) - 1)
        return super().rows

    def row_at(self, row: int) -> HistoryRow:
        self._ensure_summaries(row, row)
        return super().row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._pending and index.column() == self._assets_column and self._lacks(index.row()):
            self._ensure_summaries(index.row(), index.row() + SUMMARY_WINDOW - 1)
        if role == ASSET_LINES_ROLE and index.isValid() and 0 <= index.row() < len(self._rows):
            if index.column() != self._assets_column:
                return None
            lines = self._lines.get(index.row())
            if lines is None:
                lines = self._lines[index.row()] = asset_lines(self._rows[index.row()])
            return lines
        return super().data(index, role)

    # -- content -------------------------------------------------------------------
    def set_loads(
        self, loads: list[LocationLoad], notes: Mapping[float, RollbackNote] | None = None
    ) -> None:
        """Show exactly these loads (no paging), with these rollback notes."""
        self._fetch = None
        self._lookup_notes = None
        self._summarize = self._count = None
        self._pending.clear()
        self._counts.clear()
        self._notes = dict(notes or {})
        self._total = len(loads)
        self._loads = list(loads)
        self._regroup()

    def set_source(
        self,
        fetch: Fetch,
        total: int,
        keep: int = 0,
        notes: NoteLookup | None = None,
        summaries: tuple[SummaryLookup, CountLookup] | None = None,
    ) -> None:
        """Read the newest page (or `keep` loads, to keep what was shown);
        `notes` is asked for the rollback notes of each page read. With
        `summaries`, `fetch` leaves the summaries out: they are read when
        shown, and each page's change counts size its rows meanwhile."""
        self._fetch = fetch
        self._lookup_notes = notes
        self._summarize, self._count = summaries or (None, None)
        self._pending.clear()
        self._counts.clear()
        self._notes = {}
        self._total = total
        self._loads = self._read(max(self.page_size, keep), 0)
        self._regroup()

    def _read(self, limit: int, offset: int) -> list[LocationLoad]:
        assert self._fetch is not None
        loads = self._fetch(limit, offset)
        if self._lookup_notes is not None and loads:
            self._notes.update(self._lookup_notes(loads))
        if self._count is not None and loads:
            self._counts.update(self._count(loads))
            self._pending.update(load.loaded_at for load in loads)
        return loads

    def _lacks(self, number: int) -> bool:
        """Whether some load of row `number` was read without its summary."""
        pending = self._pending
        return 0 <= number < len(self._rows) and any(
            load.loaded_at in pending for load in self._rows[number].loads
        )

    def _ensure_summaries(self, first: int, last: int) -> None:
        """Read the summaries the loads of rows first..last still lack."""
        if not self._pending or self._summarize is None:
            return
        end = min(last, len(self._rows) - 1)
        self._read_summaries([n for n in range(max(first, 0), end + 1) if self._lacks(n)])

    def _read_summaries(self, numbers: list[int]) -> None:
        """Read the summaries the loads of these rows lack, in one query."""
        if not numbers or self._summarize is None:
            return
        pending = self._pending
        wanted = [
            load for n in numbers for load in self._rows[n].loads if load.loaded_at in pending
        ]
        found = self._summarize(wanted)
        empty = DiffSummary()
        read = {
            load.loaded_at: replace(load, summary=found.get(load.loaded_at, empty))
            for load in wanted
        }
        pending.difference_update(read)
        self._loads = [read.get(load.loaded_at, load) for load in self._loads]
        for n in numbers:
            row = self._rows[n]
            loads = tuple(read.get(load.loaded_at, load) for load in row.loads)
            self._rows[n] = replace(row, loads=loads)

    def prepare_row_lines(self, first: int, last: int) -> None:
        """Read, in one go, the summaries `row_lines` needs for rows
        first..last: those of collapsed rows whose loads changed a key more
        than once between them (the counts alone would overstate them)."""
        if not self._pending or self._summarize is None:
            return
        end = min(last, len(self._rows) - 1)
        self._read_summaries(
            [
                number
                for number in range(max(first, 0), end + 1)
                if self._lacks(number) and self._counted_lines(number) is None
            ]
        )

    def _counted_lines(self, number: int) -> int | None:
        """Row `number`'s asset lines from the change counts, or None when
        a key may count twice among its loads."""
        row = self._rows[number]
        total = sum(self._counts.get(load.loaded_at, 0) for load in row.loads)
        if row.count == 1 or total <= 1:
            return min(total, MAX_ASSET_LINES)
        return None

    def row_lines(self, number: int) -> int:
        """How many text lines row `number` needs: its asset lines
        (`line_count`), and two for a rollback with its reason. Known
        from the change counts while the row's summaries are unread,
        unless a collapsed row changed a key twice."""
        least = 2 if self._rows[number].note else 1
        if self._pending and self._lacks(number):
            counted = self._counted_lines(number)
            if counted is not None:
                return max(least, counted)
            self._read_summaries([number])
        row = self._rows[number]
        return max(least, line_count(row))

    def _rows_of(self, groups: Iterable[LoadGroup]) -> list[HistoryRow]:
        notes = self._notes
        return [HistoryRow(g.loads, notes.get(g.head.loaded_at)) for g in groups]

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._fetch is not None and len(self._loads) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        more = self._read(self.page_size, len(self._loads))
        if not more:
            self._total = len(self._loads)  # the history shrank meanwhile
            return
        self._append(more)

    def fetch_until(self, loaded_at: float) -> bool:
        """Read pages until the load at `loaded_at` is in; False if it never is."""
        while self.row_of(loaded_at) is None:
            if not self.canFetchMore():
                return False
            self.fetchMore()
        return True

    def _append(self, more: list[LocationLoad]) -> None:
        self._loads.extend(more)
        if self._collapsed and self._rows:
            # The last group may continue into the new page.
            last = len(self._rows) - 1
            groups = self._rows_of(collapse([*self._rows[last].loads, *more]))
            self._rows[last] = groups[0]
            self._lines.pop(last, None)
            self.forget_cells()
            self.dataChanged.emit(self.index(last, 0), self.index(last, len(self.columns) - 1))
            added = groups[1:]
        elif self._collapsed:
            added = self._rows_of(collapse(more))
        else:
            added = self._rows_of(LoadGroup((load,)) for load in more)
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()

    def set_collapsed(self, collapsed: bool) -> None:
        if collapsed != self._collapsed:
            self._collapsed = collapsed
            self._regroup()

    def _regroup(self) -> None:
        if self._collapsed:
            self.set_rows(self._rows_of(collapse(self._loads)))
        else:
            self.set_rows(self._rows_of(LoadGroup((load,)) for load in self._loads))

    def running_load(self) -> LocationLoad | None:
        """The newest load that succeeded, when the loads read so far are
        the newest of the history (not a search's) and hold one; else None
        (the cache knows: `cache.compare.current_load`)."""
        if self._fetch is None:
            return None
        found = next((load for load in self._loads if load.status == LoadStatus.LOADED), None)
        if found is None or found.loaded_at not in self._pending:
            return found
        row = self.row_of(found.loaded_at)
        assert row is not None
        return next(load for load in self.row_at(row).loads if load.loaded_at == found.loaded_at)

    def row_of(self, loaded_at: float) -> int | None:
        for number, group in enumerate(self._rows):
            if any(load.loaded_at == loaded_at for load in group.loads):
                return number
        return None

    def actions_column(self) -> int:
        return len(self.columns) - 1
