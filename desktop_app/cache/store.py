"""The local history cache: one SQLite file per deployment.

Reads are safe from any thread (WAL lets them run while the one writer, a
sync round, holds its transaction). A file that fails the integrity check,
is not a database at all, or is wrong inside (see `damage`), is moved
aside and a fresh one is made, keeping the rollback reasons it still
yields; the caller learns this from `recovered_from` and re-syncs from the
server. Damage found only when a value fails to decode raises
`CacheDamaged` from the read; `rebuild()` then does the same in place.
A file locked by another process raises `CacheBusy` and is left alone.

One process writes (`open`); another may only read (`open_reader`: the GUI
process, while its sync process writes).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection, Engine

from desktop_app.cache import codec, damage, database
from desktop_app.cache import schema as s
from desktop_app.cache.damage import CacheBusy, CacheDamaged
from desktop_app.cache.definitions import DefinitionReader
from desktop_app.cache.takeback import RoundLedger, take_back
from desktop_app.cache.writer import CacheWriter
from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import (
    AssetChange,
    ChangeType,
    DiffSummary,
)
from desktop_app.core.loads import (
    AssetHistoryEntry,
    DeployInfo,
    LoadAction,
    LoadStatus,
    LocationLoad,
    LocationSummary,
)
from desktop_app.core.rollback import SAME_TIME, RollbackNote, assign_notes
from desktop_app.core.session import Capabilities, Viewer

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

CacheNotReady = database.NotReady

_IN_CHUNK = 500
"""Values bound in one `IN (...)` (SQLite allows 999 variables in all)."""

_CHANGED_KEYS = (
    "SELECT c.loaded_at, c.asset_id, c.types, k.key FROM asset_change AS c {index}"
    " JOIN asset_key AS k ON k.id = c.asset_id"
    " WHERE c.location_id = ? AND {loads} AND c.changed = 1"
)
"""The keys some loads changed, with their types: (loaded_at, asset id,
types mask, key text) rows, as `_summaries` takes them. `loads` picks the
loads (bound after the location); `index` may name the index to use."""

__all__ = ["CacheBusy", "CacheDamaged", "CacheNotReady", "CachedLocation", "HistoryCache"]


def _decoding(read: Callable[P, T]) -> Callable[P, T]:
    """A read of a HistoryCache that turns what a damaged file makes it
    raise into CacheDamaged, and another process's lock into CacheBusy."""

    @functools.wraps(read)
    def checked(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return read(*args, **kwargs)
        except Exception as exc:
            cache = args[0]
            assert isinstance(cache, HistoryCache)
            found = damage.meaning(exc, cache.path)
            if found is None or found is exc:
                raise
            raise found from exc

    return checked


@dataclass(frozen=True)
class CachedLocation:
    name: str
    active: bool
    heartbeat: str | None
    status: str
    asset_count: int
    newest_loaded_at: float | None
    newest_status: LoadStatus | None


class HistoryCache:
    """History of every location of one deployment, as last synced."""

    def __init__(
        self,
        path: Path,
        engine: Engine,
        recovered_from: Path | None,
        *,
        read_only: bool = False,
    ) -> None:
        self.path = path
        self.engine = engine
        self.recovered_from = recovered_from
        self.read_only = read_only
        self._reader = DefinitionReader(engine)

    # -- lifecycle ---------------------------------------------------------
    @classmethod
    def open(cls, path: Path, busy_timeout: float | None = None) -> HistoryCache:
        """The cache in `path`, rebuilt if damaged; CacheBusy if another
        process holds it locked for longer than `busy_timeout` seconds."""
        path = Path(path)
        if busy_timeout is None:
            busy_timeout = database.BUSY_TIMEOUT
        try:
            engine = database.open_checked(path, busy_timeout)
            recovered = None
        except database.CorruptCache as exc:
            log.warning("cache %s is damaged (%s); rebuilding it", path, exc)
            engine, recovered = _replace(path, busy_timeout)
        return cls(path, engine, recovered)

    @classmethod
    def open_reader(cls, path: Path, recovered_from: Path | None = None) -> HistoryCache:
        """The cache in `path` for a process that only reads it while
        another one writes (WAL): SQLite refuses every write through it.
        CacheNotReady when the file is missing or not (yet) of the current
        schema: the writing process opens it first (`open`)."""
        path = Path(path)
        return cls(path, database.connect_readonly(path), recovered_from, read_only=True)

    def rebuild(self, reason: object) -> Path:
        """Move this damaged file aside and start a fresh one in its place
        (keeping the rollback reasons it still yields); returns where the
        damaged file went."""
        if self.read_only:
            raise CacheDamaged(f"{reason} (the process that writes the cache rebuilds it)")
        log.warning("cache %s is damaged (%s); rebuilding it", self.path, reason)
        self.engine.dispose()
        self.engine, recovered = _replace(self.path, database.BUSY_TIMEOUT)
        self._reader = DefinitionReader(self.engine)
        self.recovered_from = recovered
        return recovered

    def reopen(self, recovered_from: Path) -> None:
        """Another process moved the damaged file aside and rebuilt it:
        read the new file from now on."""
        self.engine.dispose()
        if self.read_only:
            self.engine = database.connect_readonly(self.path)
        else:
            self.engine = database.open_checked(self.path, database.BUSY_TIMEOUT)
        self._reader = DefinitionReader(self.engine)
        self.recovered_from = recovered_from

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> HistoryCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[CacheWriter]:
        """One transaction: everything written inside is kept, or nothing.
        What the file's damage makes the writer's reads raise becomes
        CacheDamaged, and another process's lock (held past the busy
        timeout) CacheBusy, both after the rollback. A reader
        (`open_reader`) has no writer: that is a bug of the caller, said at
        once."""
        if self.read_only:
            raise PermissionError(f"{self.path.name} is open read-only in this process")
        try:
            with self.engine.begin() as conn:
                writer = CacheWriter(conn)
                yield writer
                writer.finish()
        except Exception as exc:
            found = damage.meaning(exc, self.path)
            if found is None or found is exc:
                raise
            raise found from exc

    def take_back(self, ledger: RoundLedger) -> None:
        """Undo what a failed round committed (`takeback`). Best effort: a
        failure here is logged, and the round's own error is what the
        caller reports."""
        try:
            with self.engine.begin() as conn:
                take_back(conn, ledger)
        except Exception as exc:
            if damage.is_busy(exc):  # another process holds the file: one line
                log.warning("could not take back a failed round in %s: it is busy", self.path)
            else:
                log.exception("could not take back a failed round's writes in %s", self.path)

    # -- session -------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar()
        return str(value) if value is not None else None

    @_decoding
    def viewer(self) -> Viewer | None:
        text = self._meta("viewer")
        return codec.viewer_from_text(text) if text else None

    @_decoding
    def capabilities(self) -> Capabilities | None:
        text = self._meta("capabilities")
        return codec.capabilities_from_text(text) if text else None

    @_decoding
    def last_sync(self) -> float | None:
        text = self._meta("last_sync")
        return float(text) if text else None

    # -- locations -----------------------------------------------------------
    @_decoding
    def locations(self) -> list[LocationSummary]:
        c = s.location.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.location).where(c.active == 1).order_by(c.name))
            return [
                LocationSummary(
                    name=r.name,
                    status=r.status,
                    updated_at=r.updated_at,
                    deploy=codec.deploy_from_text(r.deploy),
                    asset_count=r.asset_count,
                    error=r.error,
                    version_key=r.version_key,
                )
                for r in rows
            ]

    @_decoding
    def location_states(self) -> dict[str, CachedLocation]:
        """What the sync compares a poll with, per location (active or not)."""
        query = """
            SELECT l.name, l.active, l.heartbeat, l.status, l.asset_count,
                   n.newest, (SELECT status FROM load
                              WHERE location_id = l.id AND loaded_at = n.newest)
            FROM location AS l
            LEFT JOIN (SELECT location_id, max(loaded_at) AS newest
                       FROM load GROUP BY location_id) AS n ON n.location_id = l.id
        """
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(query).all()
        return {
            name: CachedLocation(
                name=name,
                active=bool(active),
                heartbeat=heartbeat,
                status=status,
                asset_count=int(count or 0),
                newest_loaded_at=newest,
                newest_status=LoadStatus(newest_status) if newest_status else None,
            )
            for name, active, heartbeat, status, count, newest, newest_status in rows
        }

    @_decoding
    def load_at(self, location: str, loaded_at: float) -> LocationLoad | None:
        """One history entry, with its summary."""
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return None
            newer = conn.execute(
                select(func.count())
                .select_from(s.load)
                .where(and_(s.load.c.location_id == loc, s.load.c.loaded_at > loaded_at))
            ).scalar()
        found = self.history(location, limit=1, offset=int(newer or 0))
        return found[0] if found and found[0].loaded_at == loaded_at else None

    def _location_id(self, conn: Connection, location: str) -> int | None:
        return self._reader.location_id(conn, location)

    # -- history -------------------------------------------------------------
    @_decoding
    def history_count(self, location: str) -> int:
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return 0
            value = conn.execute(
                select(func.count()).select_from(s.load).where(s.load.c.location_id == loc)
            ).scalar()
            return int(value or 0)

    @_decoding
    def history(
        self, location: str, limit: int | None = None, offset: int = 0, summaries: bool = True
    ) -> list[LocationLoad]:
        """Loads newest first, each with its summary of changed keys; with
        `summaries=False` each summary is left empty, for a reader that
        asks `summaries` only for the loads it shows (thousands of change
        rows lie behind a page of a busy location's history)."""
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return []
            rows = _fetch(
                conn,
                "SELECT loaded_at, triggered_at, status, document, display, error FROM load"
                " WHERE location_id = ? ORDER BY loaded_at DESC LIMIT ? OFFSET ?",
                (loc, -1 if limit is None else limit, offset),
            )
            if not rows:
                return []
            by_load: dict[float, DiffSummary] = {}
            if summaries:
                # The key text comes with each row (as in the bare SQL for
                # these rows); only keys not seen before are parsed.
                by_load = self._summaries(
                    _fetch(
                        conn,
                        _CHANGED_KEYS.format(
                            index="", loads="c.loaded_at >= ? AND c.loaded_at <= ?"
                        ),
                        (loc, rows[-1][0], rows[0][0]),
                    )
                )
        empty = DiffSummary()
        return [
            LocationLoad(
                location=location,
                loaded_at=loaded_at,
                status=LoadStatus(status),
                triggered_at=triggered_at,
                document=codec.loads_json(document),
                display_metadata=codec.loads_json(display) or {},
                summary=by_load.get(loaded_at, empty),
                error=error,
            )
            for loaded_at, triggered_at, status, document, display, error in rows
        ]

    @_decoding
    def summaries(self, location: str, loaded_at: Sequence[float]) -> dict[float, DiffSummary]:
        """The summary of changed keys of each of these loads of `location`
        (those that changed nothing are left out)."""
        wanted = sorted(set(loaded_at))
        found: list[Any] = []
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return {}
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                # Named, the by-time index: with `IN`, SQLite would rather
                # scan every change of the location by primary key.
                found += _fetch(
                    conn,
                    _CHANGED_KEYS.format(
                        index="INDEXED BY asset_change_by_time",
                        loads=f"c.loaded_at IN ({','.join('?' * len(chunk))})",
                    ),
                    (loc, *chunk),
                )
        return self._summaries(found)

    @_decoding
    def change_counts(self, location: str, lo: float, hi: float) -> dict[float, int]:
        """How many keys each load of `location` from `lo` to `hi` changed
        (loads that changed none are left out): what sizes a history row
        before its summary is read."""
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return {}
            return dict(
                _fetch(
                    conn,
                    "SELECT loaded_at, count(*) FROM asset_change WHERE location_id = ?"
                    " AND loaded_at >= ? AND loaded_at <= ? AND changed = 1 GROUP BY loaded_at",
                    (loc, lo, hi),
                )
            )

    def _summaries(self, changes: Sequence[Any]) -> dict[float, DiffSummary]:
        """(loaded_at, asset id, types mask, key text) rows -> summaries by load."""
        keys = self._reader.keys_of_rows((aid, text) for _t, aid, _m, text in changes)
        by_load: dict[float, dict[AssetKey, tuple[ChangeType, ...]]] = {}
        to_types = codec.mask_to_types
        for loaded_at, aid, mask, _text in changes:
            found = by_load.get(loaded_at)
            if found is None:
                found = by_load[loaded_at] = {}
            found[keys[aid]] = to_types(mask)
        return {at: _summary(changed) for at, changed in by_load.items()}

    # -- rollback notes (rules in core.rollback) ----------------------------------
    @_decoding
    def rollback_note(self, load: LocationLoad) -> RollbackNote | None:
        """The reason given for the rollback entry `load` (None for other
        entries, and for rollbacks asked for without one or elsewhere)."""
        return self.rollback_notes([load]).get(load.loaded_at)

    @_decoding
    def rollback_notes(self, loads: Sequence[LocationLoad]) -> dict[float, RollbackNote]:
        """`rollback_note` for a page of one location's history (none when
        the page holds no rollback): by `loaded_at`. Notes are paired with
        every rollback entry of the location, so a page pairs as the whole
        history does, and each note explains at most one entry."""
        rollbacks = [ld for ld in loads if ld.action == LoadAction.ROLLBACK]
        if not rollbacks:
            return {}
        location = rollbacks[0].location
        c = s.rollback_note.c
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return {}
            rows = conn.execute(select(s.rollback_note).where(c.location_id == loc)).all()
            if not rows:
                return {}
            versions = {
                float(at): DeployInfo.from_document(
                    codec.loads_json(document), codec.loads_json(display)
                )
                for at, document, display in conn.execute(
                    select(s.load.c.loaded_at, s.load.c.document, s.load.c.display).where(
                        s.load.c.location_id == loc,
                        s.load.c.loaded_at.in_([float(row.target_loaded_at) for row in rows]),
                    )
                )
            }
            # Every rollback entry of the location (few), not just this page's.
            entries = [
                LocationLoad(
                    location=location,
                    loaded_at=at,
                    status=LoadStatus(status),
                    document=codec.loads_json(document),
                    display_metadata=codec.loads_json(display) or {},
                )
                for at, status, document, display in _fetch(
                    conn,
                    "SELECT loaded_at, status, document, display FROM load"
                    " WHERE location_id = ? AND display LIKE '%rollback%'",
                    (loc,),
                )
            ]
        notes = [_note(location, row, versions) for row in rows]
        every = {e.loaded_at: e for e in entries if e.action == LoadAction.ROLLBACK}
        every.update((ld.loaded_at, ld) for ld in rollbacks)
        paired = assign_notes(every.values(), notes)
        return {ld.loaded_at: paired[ld.loaded_at] for ld in rollbacks if ld.loaded_at in paired}

    # -- definitions (see definitions.py) ------------------------------------
    @_decoding
    def snapshot_at(self, location: str, loaded_at: float) -> dict[AssetKey, AssetDefinition]:
        """Every asset definition known after the load at `loaded_at` (keys
        whose definition the server never told us are left out)."""
        return self._reader.snapshot_at(location, loaded_at)

    @_decoding
    def diff(self, location: str, from_loaded_at: float, to_loaded_at: float) -> list[AssetChange]:
        """How the definitions changed from one load to another (either order),
        sorted by key; full details for small diffs, change types always. An
        empty `change_types` means the asset changed in ways the server never
        told us (loads seen only in history, beyond the detail budget)."""
        return self._reader.diff(location, from_loaded_at, to_loaded_at)

    @_decoding
    def asset_diff(
        self, location: str, key: AssetKey, from_loaded_at: float, to_loaded_at: float
    ) -> AssetChange | None:
        """One asset's change between two loads, with full details."""
        return self._reader.asset_diff(location, key, from_loaded_at, to_loaded_at)

    @_decoding
    def oldest_loaded_at(self, location: str) -> float | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.min(s.load.c.loaded_at))
                .join(s.location, s.location.c.id == s.load.c.location_id)
                .where(s.location.c.name == location)
            ).scalar()
        return float(value) if value is not None else None

    @_decoding
    def lacks_details(self, location: str, key: AssetKey) -> bool:
        """True when some load changed `key` and the cache has not yet asked
        the server how (`assetDiffHistory`): for loads it saw only in
        history, that is the only way to learn the old and new values."""
        c = s.asset_change.c
        d = s.asset_change_detail.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(c.loaded_at)
                .join(s.location, s.location.c.id == c.location_id)
                .join(s.asset_key, s.asset_key.c.id == c.asset_id)
                .outerjoin(
                    s.asset_change_detail,
                    and_(
                        d.location_id == c.location_id,
                        d.asset_id == c.asset_id,
                        d.loaded_at == c.loaded_at,
                    ),
                )
                .where(
                    and_(
                        s.location.c.name == location,
                        s.asset_key.c.key == codec.key_to_text(key),
                        c.changed == 1,
                        c.state != s.REMOVED,
                        d.body.is_(None),
                    )
                )
                .limit(1)
            ).first()
        return row is not None

    @_decoding
    def asset_history(self, location: str, key: AssetKey) -> list[AssetHistoryEntry]:
        """Every load that changed `key`, newest first."""
        return self._reader.asset_history(location, key)


def _replace(path: Path, busy_timeout: float) -> tuple[Engine, Path]:
    notes = damage.salvage_notes(path)
    recovered = database.move_aside(path)
    engine = database.open_checked(path, busy_timeout)
    damage.restore_notes(engine, notes)
    return engine, recovered


def _fetch(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """Rows straight from the driver, on the connection's own DBAPI
    connection: the history dialog reads thousands of rows, and
    result-object overhead would dominate."""
    driver = conn.connection.driver_connection
    assert driver is not None
    return list(driver.execute(sql, params).fetchall())


def _note(location: str, row: Any, versions: Mapping[float, DeployInfo]) -> RollbackNote:
    target = float(row.target_loaded_at)
    version = next((v for at, v in versions.items() if abs(at - target) < SAME_TIME), None)
    return RollbackNote(
        location=location,
        target_loaded_at=target,
        reason=str(row.reason),
        requested_by=row.requested_by,
        submitted_at=float(row.submitted_at),
        target_deploy=version,
    )


def _summary(changes: dict[AssetKey, tuple[ChangeType, ...]]) -> DiffSummary:
    added: list[AssetKey] = []
    removed: list[AssetKey] = []
    modified: list[AssetKey] = []
    for key, types in changes.items():
        if ChangeType.NEW in types:
            added.append(key)
        elif ChangeType.REMOVED in types:
            removed.append(key)
        else:
            modified.append(key)
    added.sort()
    removed.sort()
    modified.sort()
    return DiffSummary(
        added=tuple(added), removed=tuple(removed), modified=tuple(modified), change_types=changes
    )
