"""Telling a damaged cache from a busy one, and what survives a rebuild.

A cache file can be wrong inside while SQLite opens it fine: a schema
version that is not one of ours, a table dropped or with other columns,
values that do not decode (unknown status, bad JSON, a change-type mask
out of range). `verify` finds these on open with cheap SQL; what it cannot
see is found on first use, when decoding fails (`CacheDamaged`). Either
way the file is moved aside and rebuilt from the server.

A file locked by another process is not damage: `CacheBusy` says so and
nothing is moved.

Rollback reasons live only here, so before a damaged file is moved aside
the ones that can still be read are salvaged into the new file.
"""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from desktop_app.cache import schema as s
from desktop_app.core.diff import CHANGE_ORDER
from desktop_app.core.loads import LoadStatus
from desktop_app.core.untrusted import MAX_TIMESTAMP, MIN_TIMESTAMP


class CacheBusy(Exception):  # noqa: N818 (a state, not a failure of ours)
    """Another process holds the cache file locked (for longer than the
    busy timeout): nothing is wrong with it, and nothing was written."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__(
            f"The cache file {self.path.name} is in use by another process (another copy of "
            "the app?); try again when it has finished."
        )

    def __reduce__(self) -> tuple[type[CacheBusy], tuple[str]]:
        # It crosses from the sync process to the GUI's: rebuilt from its path.
        return (CacheBusy, (str(self.path),))


class CacheDamaged(Exception):  # noqa: N818 (named for what the user is told)
    """The cache file opened, but what it holds does not decode."""


class Corrupt(Exception):  # noqa: N818 (internal signal: move aside and rebuild)
    pass


DECODE_ERRORS = (ValueError, KeyError, TypeError, IndexError, OverflowError, zlib.error)


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's 'database is locked' and 'busy', not for damage."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.OperationalError | OperationalError):
        return False
    text = str(orig).lower()
    return "locked" in text or "busy" in text


def meaning(exc: BaseException, path: Path) -> CacheBusy | CacheDamaged | None:
    """What an exception met while using the cache in `path` means for the
    caller: CacheBusy for another process's lock, CacheDamaged for damage,
    None for anything else."""
    if isinstance(exc, CacheBusy):
        return exc
    if is_busy(exc):
        return CacheBusy(path)
    return damage_of(exc)


def damage_of(exc: BaseException) -> CacheDamaged | None:
    """The CacheDamaged an exception met while reading the cache means, or
    None when it is no sign of damage (a busy file, or anything else)."""
    if isinstance(exc, CacheDamaged):
        return exc
    if isinstance(exc, DatabaseError | sqlite3.DatabaseError):
        return None if is_busy(exc) else CacheDamaged(f"unreadable ({_first_line(exc)})")
    if isinstance(exc, DECODE_ERRORS):
        return CacheDamaged(f"a value does not decode ({type(exc).__name__})")
    return None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_STATUSES = ", ".join(f"'{status.value}'" for status in LoadStatus)
_MAX_MASK = (1 << len(CHANGE_ORDER)) - 1
_TIME = f"BETWEEN {MIN_TIMESTAMP!r} AND {MAX_TIMESTAMP!r}"
# Each finds a row no decoder would accept.
_CONTENT_CHECKS = {
    "a load with an unknown status": f"SELECT 1 FROM load WHERE status NOT IN ({_STATUSES})",
    "a load at an impossible time": f"SELECT 1 FROM load WHERE NOT (loaded_at {_TIME})",
    "a load document that is not JSON": (
        "SELECT 1 FROM load WHERE (document IS NOT NULL AND NOT json_valid(document))"
        " OR (display IS NOT NULL AND NOT json_valid(display))"
    ),
    "a location summary that is not JSON": (
        "SELECT 1 FROM location WHERE deploy IS NOT NULL AND NOT json_valid(deploy)"
    ),
    "a session value that is not JSON": (
        "SELECT 1 FROM meta WHERE key IN ('viewer', 'capabilities') AND NOT json_valid(value)"
    ),
    "an asset key that is not JSON": "SELECT 1 FROM asset_key WHERE NOT json_valid(key)",
    "a change with an unknown kind": (
        f"SELECT 1 FROM asset_change WHERE typeof(types) != 'integer' OR types < 0"
        f" OR types > {_MAX_MASK} OR state NOT IN ({s.REMOVED}, {s.PRESENT}, {s.UNKNOWN})"
    ),
    "a change detail that is not JSON": (
        "SELECT 1 FROM asset_change_detail WHERE NOT json_valid(body)"
    ),
}


def schema_version(conn: Connection) -> int:
    """The file's schema version; Corrupt unless it is one well-formed row."""
    rows = conn.exec_driver_sql("SELECT version, typeof(version) FROM schema_version").all()
    if len(rows) != 1 or rows[0][1] != "integer":
        raise Corrupt(f"schema_version holds {[tuple(r) for r in rows][:3]!r}")
    found = int(rows[0][0])
    if not 1 <= found <= s.SCHEMA_VERSION:
        raise Corrupt(f"unknown schema version {found}")
    return found


def verify(conn: Connection) -> None:
    """Corrupt when a table is missing or has other columns than ours, or a
    row holds a value that would not decode."""
    for table in s.metadata.sorted_tables:
        columns = [row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info('{table.name}')")]
        if not columns:
            raise Corrupt(f"table {table.name} is missing")
        if set(columns) != {column.name for column in table.columns}:
            raise Corrupt(f"table {table.name} has other columns")
    for what, query in _CONTENT_CHECKS.items():
        if conn.exec_driver_sql(query + " LIMIT 1").first() is not None:
            raise Corrupt(f"it holds {what}")


Note = tuple[str, float, str, Any, float]
"""(location, target_loaded_at, reason, requested_by, submitted_at)"""


def salvage_notes(path: Path) -> list[Note]:
    """The rollback reasons a damaged file still yields (none if unreadable)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute(
            "SELECT l.name, n.target_loaded_at, n.reason, n.requested_by, n.submitted_at"
            " FROM rollback_note AS n JOIN location AS l ON l.id = n.location_id"
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [
        (name, float(target), reason, by if isinstance(by, str) else None, float(at))
        for name, target, reason, by, at in rows
        if isinstance(name, str) and isinstance(reason, str)
        and isinstance(target, int | float) and isinstance(at, int | float)
    ]  # fmt: skip


def restore_notes(engine: Engine, notes: list[Note]) -> None:
    """Put salvaged notes into a fresh file; their locations wait, inactive,
    for the next sync to fill them in."""
    if not notes:
        return
    with engine.begin() as conn:
        ids: dict[str, int] = {}
        for name, target, reason, by, at in notes:
            if name not in ids:
                result = conn.execute(
                    s.location.insert().values(name=name, status="LOADING", active=0)
                )
                ids[name] = int(result.inserted_primary_key[0])  # type: ignore[index]
            conn.execute(
                s.rollback_note.insert().values(
                    location_id=ids[name],
                    target_loaded_at=target,
                    reason=reason,
                    requested_by=by,
                    submitted_at=at,
                )
            )
