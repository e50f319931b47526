"""Whole-history reads for exploring a location: the loads a search
matches, and the compact marks of the timeline. Both read every load of a
location, so callers run them on a worker, never on the GUI thread."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from desktop_app.cache.notes import RollbackNote
from desktop_app.cache.store import HistoryCache
from desktop_app.core.loads import LocationLoad
from desktop_app.core.search import load_matches

LOADED, FAILED, ROLLBACK = 0, 1, 2
"""Kinds of timeline marks."""


@dataclass(frozen=True)
class SearchResult:
    text: str
    loads: list[LocationLoad]
    notes: dict[float, RollbackNote]
    total: int


def search(cache: HistoryCache, location: str, text: str) -> SearchResult:
    """The loads of `location` that `text` names (`core.search`), newest
    first, with their rollback notes."""
    loads = cache.history(location)
    found = [load for load in loads if load_matches(load, text)]
    return SearchResult(text, found, cache.rollback_notes(found), len(loads))


@dataclass(frozen=True)
class TimelineMarks:
    """One mark per load, oldest first: `times[i]` (loaded_at) and
    `kinds[i]` (LOADED, FAILED or ROLLBACK). Plain arrays: a timeline of
    thousands of loads paints from these without an object per mark."""

    times: array[float] = field(default_factory=lambda: array("d"))
    kinds: bytes = b""

    def __len__(self) -> int:
        return len(self.times)


def timeline_marks(cache: HistoryCache, location: str) -> TimelineMarks:
    sql = (
        "SELECT l.loaded_at, l.status, json_extract(l.display, '$.action') FROM load AS l"
        " JOIN location AS c ON c.id = l.location_id WHERE c.name = ? ORDER BY l.loaded_at"
    )
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, (location,)).all()
    times = array("d", (row[0] for row in rows))
    kinds = bytes(
        FAILED if status == "ERROR" else ROLLBACK if action == "rollback" else LOADED
        for _at, status, action in rows
    )
    return TimelineMarks(times, kinds)
