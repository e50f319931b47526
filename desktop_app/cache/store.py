"""The local history cache: one SQLite file per deployment.

Reads are safe from any thread (WAL lets them run while the one writer, a
sync round, holds its transaction). A file that fails the integrity check,
or is not a database at all, is moved aside and a fresh one is made; the
caller learns this from `recovered_from` and re-syncs from the server.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, create_engine, event, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError

from desktop_app.cache import codec
from desktop_app.cache import schema as s
from desktop_app.cache.writer import CacheWriter
from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import (
    CHANGE_ORDER,
    AssetChange,
    ChangeType,
    DiffSummary,
    diff_definitions,
)
from desktop_app.core.loads import (
    AssetHistoryEntry,
    LoadStatus,
    LocationLoad,
    LocationSummary,
)
from desktop_app.core.session import Capabilities, Viewer

# Above this many keys, a diff reads whole snapshots instead of seeking per key.
_SEEK_LIMIT = 400
DIFF_DETAIL_LIMIT = 250
"""Diffs with more changed assets than this carry change types only."""

_KeyState = tuple[int, int | None, bytes | None]
"""(state, definition id, fingerprint) of one key at one load."""
_GONE: _KeyState = (s.REMOVED, None, None)
_DEF_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class CachedLocation:
    name: str
    active: bool
    heartbeat: str | None
    status: str
    asset_count: int
    newest_loaded_at: float | None
    newest_status: LoadStatus | None


class CorruptCache(Exception):  # noqa: N818 (internal signal, never leaves this module)
    pass


def _engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions start.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


class HistoryCache:
    """History of every location of one deployment, as last synced."""

    def __init__(self, path: Path, engine: Engine, recovered_from: Path | None) -> None:
        self.path = path
        self.engine = engine
        self.recovered_from = recovered_from
        self._defs: dict[int, AssetDefinition] = {}
        self._key_by_id: dict[int, AssetKey] = {}

    # -- lifecycle ---------------------------------------------------------
    @classmethod
    def open(cls, path: Path) -> HistoryCache:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = cls._open_checked(path)
            recovered = None
        except CorruptCache:
            recovered = cls._move_aside(path)
            engine = cls._open_checked(path)
        return cls(path, engine, recovered)

    @staticmethod
    def _open_checked(path: Path) -> Engine:
        engine = _engine(path)
        try:
            with engine.begin() as conn:
                check = conn.exec_driver_sql("PRAGMA quick_check").scalar()
                if check != "ok":
                    raise CorruptCache(str(check))
                tables = set(
                    conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                    ).scalars()
                )
                if "schema_version" not in tables:
                    if tables:
                        raise CorruptCache("not a cache file of this app")
                    s.create(conn)
                else:
                    found = conn.execute(select(s.schema_version.c.version)).scalar()
                    if found is None or found > s.SCHEMA_VERSION:
                        raise CorruptCache(f"unknown schema version {found}")
                    if found < s.SCHEMA_VERSION:
                        s.migrate(conn, int(found))
        except DatabaseError as exc:
            engine.dispose()
            raise CorruptCache(str(exc)) from exc
        except CorruptCache:
            engine.dispose()
            raise
        return engine

    @staticmethod
    def _move_aside(path: Path) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
            n += 1
        path.replace(target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.replace(target.with_name(target.name + suffix))
        return target

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> HistoryCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[CacheWriter]:
        """One transaction: everything written inside is kept, or nothing."""
        with self.engine.begin() as conn:
            yield CacheWriter(conn)

    # -- session -------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar()
        return str(value) if value is not None else None

    def viewer(self) -> Viewer | None:
        text = self._meta("viewer")
        return codec.viewer_from_text(text) if text else None

    def capabilities(self) -> Capabilities | None:
        text = self._meta("capabilities")
        return codec.capabilities_from_text(text) if text else None

    def last_sync(self) -> float | None:
        text = self._meta("last_sync")
        return float(text) if text else None

    # -- locations -----------------------------------------------------------
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
        value = conn.execute(select(s.location.c.id).where(s.location.c.name == location)).scalar()
        return int(value) if value is not None else None

    # -- history -------------------------------------------------------------
    def history_count(self, location: str) -> int:
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return 0
            value = conn.execute(
                select(func.count()).select_from(s.load).where(s.load.c.location_id == loc)
            ).scalar()
            return int(value or 0)

    def history(
        self, location: str, limit: int | None = None, offset: int = 0
    ) -> list[LocationLoad]:
        """Loads newest first, each with its summary of changed keys."""
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return []
            query = (
                select(s.load)
                .where(s.load.c.location_id == loc)
                .order_by(s.load.c.loaded_at.desc())
                .offset(offset)
            )
            if limit is not None:
                query = query.limit(limit)
            rows = conn.execute(query).all()
            if not rows:
                return []
            c = s.asset_change.c
            changes = conn.execute(
                select(c.loaded_at, c.asset_id, c.types).where(
                    and_(
                        c.location_id == loc,
                        c.loaded_at >= rows[-1].loaded_at,
                        c.loaded_at <= rows[0].loaded_at,
                        c.changed == 1,
                    )
                )
            ).all()
            keys = self._keys(conn, {aid for _t, aid, _m in changes})
        by_load: dict[float, dict[AssetKey, tuple[ChangeType, ...]]] = {}
        for loaded_at, aid, mask in changes:
            by_load.setdefault(loaded_at, {})[keys[aid]] = codec.mask_to_types(mask)
        return [
            LocationLoad(
                location=location,
                loaded_at=r.loaded_at,
                status=LoadStatus(r.status),
                triggered_at=r.triggered_at,
                document=codec.loads_json(r.document),
                display_metadata=codec.loads_json(r.display) or {},
                summary=_summary(by_load.get(r.loaded_at, {})),
                error=r.error,
            )
            for r in rows
        ]

    # -- definitions -----------------------------------------------------------
    def _definitions(self, conn: Connection, ids: set[int]) -> dict[int, AssetDefinition]:
        """Decoded definitions by id. Decoded ones are kept (they never change);
        readers on several threads may fill the memo at once, which is harmless."""
        found = {i: d for i in ids if (d := self._defs.get(i)) is not None}
        missing = [i for i in ids if i not in found]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = conn.execute(
                select(s.definition.c.id, s.definition.c.body).where(s.definition.c.id.in_(chunk))
            )
            for ident, body in rows:
                found[int(ident)] = codec.decode_definition(body)
        if len(self._defs) + len(found) > _DEF_CACHE_LIMIT:
            self._defs = {}
        self._defs.update(found)
        return found

    def _states(
        self, conn: Connection, loc: int, at: float, asset_ids: list[int] | None = None
    ) -> dict[int, _KeyState]:
        """asset id -> (state, def_id, fingerprint) of each key's newest row at
        or before `at`."""
        if asset_ids is not None and len(asset_ids) <= _SEEK_LIMIT:
            out: dict[int, _KeyState] = {}
            for aid in asset_ids:
                row = conn.exec_driver_sql(
                    "SELECT a.state, a.def_id, d.fields FROM asset_change AS a"
                    " LEFT JOIN definition AS d ON d.id = a.def_id"
                    " WHERE a.location_id = ? AND a.asset_id = ? AND a.loaded_at <= ?"
                    " ORDER BY a.loaded_at DESC LIMIT 1",
                    (loc, aid, at),
                ).first()
                if row is not None:
                    out[aid] = (int(row[0]), row[1], row[2])
            return out
        rows = conn.exec_driver_sql(
            "SELECT n.asset_id, n.state, n.def_id, d.fields FROM"
            " (SELECT asset_id, state, def_id, max(loaded_at) FROM asset_change"
            "  WHERE location_id = ? AND loaded_at <= ? GROUP BY asset_id) AS n"
            " LEFT JOIN definition AS d ON d.id = n.def_id",
            (loc, at),
        )
        wanted = set(asset_ids) if asset_ids is not None else None
        return {
            int(aid): (int(state), def_id, fields)
            for aid, state, def_id, fields in rows
            if wanted is None or aid in wanted
        }

    def _recorded_types(
        self, conn: Connection, loc: int, asset_ids: list[int], lo: float, hi: float
    ) -> dict[int, tuple[ChangeType, ...]]:
        """Change types the sync recorded for these keys in (lo, hi]: what a
        diff reports where a definition at either end is unknown."""
        if not asset_ids:
            return {}
        where = "location_id = ? AND loaded_at > ? AND loaded_at <= ? AND changed = 1"
        masks: dict[int, int] = {}
        if len(asset_ids) <= 20:
            for aid in asset_ids:
                rows = conn.exec_driver_sql(
                    f"SELECT types FROM asset_change WHERE {where} AND asset_id = ?",
                    (loc, lo, hi, aid),
                )
                for (value,) in rows:
                    masks[aid] = masks.get(aid, 0) | int(value)
        else:
            # SQLite has no bitwise-or aggregate; OR the bits one by one.
            bits = " + ".join(f"max(types & {1 << i})" for i in range(len(CHANGE_ORDER)))
            wanted = set(asset_ids)
            rows = conn.exec_driver_sql(
                f"SELECT asset_id, {bits} FROM asset_change WHERE {where} GROUP BY asset_id",
                (loc, lo, hi),
            )
            masks = {int(aid): int(mask) for aid, mask in rows if aid in wanted}
        return {aid: codec.mask_to_types(mask) for aid, mask in masks.items()}

    def _keys(self, conn: Connection, ids: set[int]) -> dict[int, AssetKey]:
        """Asset keys by id; ids never change meaning, so they are kept in memory."""
        missing = [i for i in ids if i not in self._key_by_id]
        if len(missing) > 200:
            rows = conn.exec_driver_sql("SELECT id, key FROM asset_key")
            self._key_by_id.update({int(i): codec.key_from_text(t) for i, t in rows})
            missing = []
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = conn.exec_driver_sql(
                f"SELECT id, key FROM asset_key WHERE id IN ({marks})", tuple(chunk)
            )
            for ident, text in rows:
                self._key_by_id[int(ident)] = codec.key_from_text(text)
        known = self._key_by_id
        return {i: key for i in ids if (key := known.get(i)) is not None}

    def snapshot_at(self, location: str, loaded_at: float) -> dict[AssetKey, AssetDefinition]:
        """Every asset definition known after the load at `loaded_at` (keys
        whose definition the server never told us are left out)."""
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return {}
            states = self._states(conn, loc, loaded_at)
            present = {
                a: d for a, (st, d, _f) in states.items() if st == s.PRESENT and d is not None
            }
            defs = self._definitions(conn, set(present.values()))
        return {defs[d].key: defs[d] for d in present.values() if d in defs}

    def diff(self, location: str, from_loaded_at: float, to_loaded_at: float) -> list[AssetChange]:
        """How the definitions changed from one load to another (either order),
        sorted by key. Change types come from per-field fingerprints; old and
        new definitions (and the field-level details) are filled in when at
        most `DIFF_DETAIL_LIMIT` assets changed, which keeps a diff across
        thousands of changed assets fast. `asset_diff` gives one asset's
        details for any pair of loads."""
        return self._diff(location, from_loaded_at, to_loaded_at, None)

    def asset_diff(
        self, location: str, key: AssetKey, from_loaded_at: float, to_loaded_at: float
    ) -> AssetChange | None:
        """One asset's change between two loads, with full details."""
        found = self._diff(location, from_loaded_at, to_loaded_at, key)
        return found[0] if found else None

    def _diff(
        self, location: str, from_at: float, to_at: float, only: AssetKey | None
    ) -> list[AssetChange]:
        if from_at == to_at:
            return []
        lo, hi = sorted((from_at, to_at))
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            if loc is None:
                return []
            sql = (
                "SELECT DISTINCT asset_id FROM asset_change WHERE location_id = ?"
                " AND loaded_at > ? AND loaded_at <= ? AND changed = 1"
            )
            params: tuple[Any, ...] = (loc, lo, hi)
            if only is not None:
                aid = conn.execute(
                    select(s.asset_key.c.id).where(s.asset_key.c.key == codec.key_to_text(only))
                ).scalar()
                if aid is None:
                    return []
                sql += " AND asset_id = ?"
                params += (aid,)
            touched = sorted(int(row[0]) for row in conn.exec_driver_sql(sql, params))
            before = self._states(conn, loc, from_at, touched)
            after = self._states(conn, loc, to_at, touched)
            unknown = [
                aid
                for aid in touched
                if s.UNKNOWN in (before.get(aid, _GONE)[0], after.get(aid, _GONE)[0])
            ]
            recorded = self._recorded_types(conn, loc, unknown, lo, hi)
            found: list[tuple[int, tuple[ChangeType, ...], _KeyState, _KeyState]] = []
            for aid in touched:
                old = before.get(aid, _GONE)
                new = after.get(aid, _GONE)
                types = _types(old, new, recorded.get(aid, ()))
                if types is not None:
                    found.append((aid, types, old, new))
            detailed = only is not None or len(found) <= DIFF_DETAIL_LIMIT
            defs: dict[int, AssetDefinition] = {}
            if detailed:
                ids = {st[1] for _a, _t, o, n in found for st in (o, n) if st[1] is not None}
                defs = self._definitions(conn, ids)
            keys = self._keys(conn, {aid for aid, *_ in found})
        changes: list[AssetChange] = []
        for aid, types, old, new in found:
            old_def = defs.get(old[1]) if old[1] is not None else None
            new_def = defs.get(new[1]) if new[1] is not None else None
            change = None
            if old_def is not None and new_def is not None:
                change = diff_definitions(old_def, new_def)
            changes.append(
                change
                if change is not None and change.change_types
                else AssetChange(key=keys[aid], change_types=types, old=old_def, new=new_def)
            )
        changes.sort(key=lambda ch: ch.key)
        return changes

    def asset_history(self, location: str, key: AssetKey) -> list[AssetHistoryEntry]:
        """Every load that changed `key`, newest first."""
        c = s.asset_change.c
        with self.engine.connect() as conn:
            loc = self._location_id(conn, location)
            aid = conn.execute(
                select(s.asset_key.c.id).where(s.asset_key.c.key == codec.key_to_text(key))
            ).scalar()
            if loc is None or aid is None:
                return []
            rows = conn.execute(
                select(c.loaded_at, c.state, c.def_id, c.changed, c.types)
                .where(and_(c.location_id == loc, c.asset_id == aid))
                .order_by(c.loaded_at)
            ).all()
            defs = self._definitions(conn, {r.def_id for r in rows if r.def_id is not None})
            loads = {
                r.loaded_at: r
                for r in conn.execute(
                    select(s.load.c.loaded_at, s.load.c.document, s.load.c.display).where(
                        s.load.c.location_id == loc
                    )
                )
            }
        times = sorted(loads)
        entries: list[AssetHistoryEntry] = []
        old_state, old_def = s.REMOVED, None
        for row in rows:
            new_def = defs.get(row.def_id) if row.def_id is not None else None
            if row.changed:
                change = _change(
                    key, old_state, old_def, row.state, new_def, codec.mask_to_types(row.types)
                )
                if change is not None:
                    index = times.index(row.loaded_at) if row.loaded_at in loads else -1
                    previous = times[index - 1] if index > 0 else None
                    entries.append(
                        AssetHistoryEntry(
                            location=location,
                            loaded_at=row.loaded_at,
                            change=change,
                            commit_hash=_commit(loads.get(row.loaded_at)),
                            previous_commit_hash=_commit(loads.get(previous))
                            if previous is not None
                            else None,
                        )
                    )
            old_state, old_def = row.state, new_def
        entries.reverse()
        return entries


def _commit(row: Any) -> str | None:
    if row is None:
        return None
    load = LocationLoad(
        location="",
        loaded_at=row.loaded_at,
        status=LoadStatus.LOADED,
        document=codec.loads_json(row.document),
        display_metadata=codec.loads_json(row.display) or {},
    )
    return load.deploy.commit_hash


def _change(
    key: AssetKey,
    old_state: int,
    old: AssetDefinition | None,
    new_state: int,
    new: AssetDefinition | None,
    stored: tuple[ChangeType, ...],
) -> AssetChange | None:
    """One key's change between two states; falls back to the change types
    recorded at sync time when a definition is unknown."""
    if old_state == s.REMOVED and new_state == s.REMOVED:
        return None
    if old_state == s.REMOVED:
        return AssetChange(key=key, change_types=(ChangeType.NEW,), new=new)
    if new_state == s.REMOVED:
        return AssetChange(key=key, change_types=(ChangeType.REMOVED,), old=old)
    if old is not None and new is not None:
        change = diff_definitions(old, new)
        return change if change is not None and change.change_types else None
    types = tuple(t for t in stored if t not in (ChangeType.NEW, ChangeType.REMOVED))
    return AssetChange(key=key, change_types=types, old=old, new=new)


def _types(
    old: _KeyState, new: _KeyState, stored: tuple[ChangeType, ...]
) -> tuple[ChangeType, ...] | None:
    """Change types between two states of one key, without decoding; None
    when nothing tracked changed, () when it changed in ways unknown to us."""
    if old[0] == s.REMOVED and new[0] == s.REMOVED:
        return None
    if old[0] == s.REMOVED:
        return (ChangeType.NEW,)
    if new[0] == s.REMOVED:
        return (ChangeType.REMOVED,)
    if old[1] is not None and old[1] == new[1]:
        return None
    if old[2] is not None and new[2] is not None:
        return codec.change_types_between(old[2], new[2]) or None
    # a definition is unknown: what the loads in between recorded
    return tuple(t for t in stored if t not in (ChangeType.NEW, ChangeType.REMOVED))


def _summary(changes: dict[AssetKey, tuple[ChangeType, ...]]) -> DiffSummary:
    added = tuple(sorted(k for k, t in changes.items() if ChangeType.NEW in t))
    removed = tuple(sorted(k for k, t in changes.items() if ChangeType.REMOVED in t))
    modified = tuple(
        sorted(
            k for k, t in changes.items() if ChangeType.NEW not in t and ChangeType.REMOVED not in t
        )
    )
    return DiffSummary(added=added, removed=removed, modified=modified, change_types=changes)
