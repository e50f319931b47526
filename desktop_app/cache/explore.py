"""Whole-history reads for exploring a location: the loads a search
matches, and the compact marks of the timeline. Both read every load of a
location, so callers run them on a worker, never on the GUI thread."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from desktop_app.cache import codec
from desktop_app.cache.store import HistoryCache
from desktop_app.cache.store import _summary as summary_of
from desktop_app.core.assets import AssetKey
from desktop_app.core.diff import ChangeType
from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.core.rollback import RollbackNote
from desktop_app.core.search import fields_match, key_matches, needle_of

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
    first, with their rollback notes. Keys are matched once per key (not
    once per change), the loads they touched found by index, and only the
    matching loads are read in full."""
    needle = needle_of(text)
    total = cache.history_count(location)
    if not needle:
        found = cache.history(location)
        return SearchResult(text, found, cache.rollback_notes(found), total)
    with cache.engine.connect() as conn:
        loc = conn.exec_driver_sql("SELECT id FROM location WHERE name = ?", (location,)).scalar()
        if loc is None:
            return SearchResult(text, [], {}, 0)
        keys = {
            int(ident): codec.key_from_text(key)
            for ident, key in _rows(conn, "SELECT id, key FROM asset_key", ())
        }
        key_ids = [ident for ident, key in keys.items() if key_matches(key, needle)]
        times: set[float] = set()
        for start in range(0, len(key_ids), 500):
            chunk = key_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            times.update(
                at
                for (at,) in _rows(
                    conn,
                    "SELECT DISTINCT loaded_at FROM asset_change WHERE location_id = ?"
                    f" AND changed = 1 AND asset_id IN ({marks})",
                    (loc, *chunk),
                )
            )
        rows = _rows(
            conn,
            "SELECT loaded_at, status, document, display, error FROM load WHERE location_id = ?",
            (loc,),
        )
        for at, status, document, display, error in rows:
            if at in times:
                continue
            bare = LocationLoad(
                location=location,
                loaded_at=at,
                status=LoadStatus(status),
                document=codec.loads_json(document),
                display_metadata=codec.loads_json(display) or {},
                error=error,
            )
            if fields_match(bare, needle):
                times.add(at)
        found = _loads_at(conn, keys, loc, location, sorted(times, reverse=True))
    return SearchResult(text, found, cache.rollback_notes(found), total)


def _rows(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """Rows straight from the driver: thousands of them, where result
    objects would cost the most."""
    driver = conn.connection.driver_connection
    assert driver is not None
    return list(driver.execute(sql, params).fetchall())


def _loads_at(
    conn: Connection,
    keys: dict[int, AssetKey],
    loc: int,
    location: str,
    times: list[float],
) -> list[LocationLoad]:
    """The loads at these times (in that order), each with its summary."""
    rows: dict[float, tuple[Any, ...]] = {}
    changes: dict[float, dict[AssetKey, tuple[ChangeType, ...]]] = {}
    to_types = codec.mask_to_types
    for start in range(0, len(times), 500):
        chunk = times[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in _rows(
            conn,
            "SELECT loaded_at, triggered_at, status, document, display, error FROM load"
            f" WHERE location_id = ? AND loaded_at IN ({marks})",
            (loc, *chunk),
        ):
            rows[row[0]] = tuple(row)
        for at, aid, mask in _rows(
            conn,
            "SELECT loaded_at, asset_id, types FROM asset_change"
            f" WHERE location_id = ? AND changed = 1 AND loaded_at IN ({marks})",
            (loc, *chunk),
        ):
            changes.setdefault(at, {})[keys[aid]] = to_types(mask)
    loads = []
    for at in times:
        if at not in rows:
            continue
        _at, triggered_at, status, document, display, error = rows[at]
        loads.append(
            LocationLoad(
                location=location,
                loaded_at=at,
                status=LoadStatus(status),
                triggered_at=triggered_at,
                document=codec.loads_json(document),
                display_metadata=codec.loads_json(display) or {},
                summary=summary_of(changes.get(at, {})),
                error=error,
            )
        )
    return loads


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
