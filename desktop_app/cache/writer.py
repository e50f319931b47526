"""Writes of one sync round, all inside one transaction (`HistoryCache.write()`).

Only the cache-writer thread writes: `sync.run_once` (if it raises, nothing
of the round is kept) and `sync.rollback`, which keeps the reason given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from desktop_app.cache import codec, states
from desktop_app.cache import schema as s
from desktop_app.cache.notes import RollbackNote
from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import ChangeType
from desktop_app.core.loads import LocationLoad, LocationSummary
from desktop_app.core.session import Capabilities, Viewer


@dataclass(frozen=True)
class ChangeRow:
    """The state of one asset key after one load. `definition` is None when
    the key was removed (`state == REMOVED`) or its definition is unknown
    (`state == UNKNOWN`). `changed` is False for rows that only teach us a
    definition the load did not change."""

    key: AssetKey
    state: int
    definition: AssetDefinition | None = None
    changed: bool = True
    types: tuple[ChangeType, ...] = ()


@dataclass
class _Tracker:
    """A location's key states after its newest row, as this round writes."""

    states: dict[int, states.State]
    at: float
    rows_since: int


class CacheWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._location_ids: dict[str, int] = {}
        self._asset_ids: dict[AssetKey, int] = {}
        self._def_ids: dict[bytes, int] = {}
        self._trackers: dict[int, _Tracker] = {}
        self._stale: dict[int, float] = {}
        """location id -> earliest row time whose tally or checkpoints need a rebuild."""

    # -- ids -----------------------------------------------------------------
    def location_id(self, name: str) -> int:
        if name in self._location_ids:
            return self._location_ids[name]
        found = self.conn.execute(select(s.location.c.id).where(s.location.c.name == name))
        row = found.first()
        if row is None:
            result = self.conn.execute(
                s.location.insert().values(name=name, status="LOADING", active=1, asset_count=0)
            )
            ident = int(result.inserted_primary_key[0])  # type: ignore[index]
        else:
            ident = int(row[0])
        self._location_ids[name] = ident
        return ident

    def asset_ids(self, keys: Iterable[AssetKey]) -> dict[AssetKey, int]:
        missing = [k for k in set(keys) if k not in self._asset_ids]
        if missing:
            texts = {codec.key_to_text(k): k for k in missing}
            driver = self._driver()
            driver.executemany(
                "INSERT OR IGNORE INTO asset_key (key) VALUES (?)", [(t,) for t in texts]
            )
            for chunk in _chunks(list(texts), 500):
                marks = ",".join("?" * len(chunk))
                rows = driver.execute(
                    f"SELECT id, key FROM asset_key WHERE key IN ({marks})",
                    chunk,
                )
                for ident, text in rows:
                    self._asset_ids[texts[text]] = int(ident)
        return self._asset_ids

    def _store_definitions(
        self, encoded: Mapping[bytes, tuple[bytes, bytes, bytes]]
    ) -> dict[bytes, int]:
        """Ids of definitions given as `codec.encoded` tuples by hash."""
        missing = [h for h in encoded if h not in self._def_ids]
        if missing:
            driver = self._driver()
            driver.executemany(
                "INSERT OR IGNORE INTO definition (hash, body, fields) VALUES (?, ?, ?)",
                [encoded[h] for h in missing],
            )
            for chunk in _chunks(missing, 500):
                marks = ",".join("?" * len(chunk))
                rows = driver.execute(
                    f"SELECT id, hash FROM definition WHERE hash IN ({marks})",
                    chunk,
                )
                for ident, digest in rows:
                    self._def_ids[bytes(digest)] = int(ident)
        return self._def_ids

    def _driver(self) -> Any:
        """The sqlite3 connection under this transaction: bulk statements go
        straight through it (compiling them cost more than SQLite itself)."""
        driver = self.conn.connection.driver_connection
        assert driver is not None
        return driver

    # -- what is there already -------------------------------------------------
    def latest_state(self, location: str) -> dict[AssetKey, tuple[int, bytes | None]]:
        """Every key that exists after the newest load: (state, definition hash)."""
        loc = self.location_id(location)
        c = s.asset_change.c
        newest = (
            select(c.asset_id, c.state, c.def_id, func.max(c.loaded_at))
            .where(c.location_id == loc)
            .group_by(c.asset_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(s.asset_key.c.key, newest.c.state, s.definition.c.hash)
            .join(s.asset_key, s.asset_key.c.id == newest.c.asset_id)
            .outerjoin(s.definition, s.definition.c.id == newest.c.def_id)
            .where(newest.c.state != s.REMOVED)
        )
        return {
            codec.key_from_text(text): (int(state), bytes(digest) if digest else None)
            for text, state, digest in rows
        }

    def definitions_by_hash(self, hashes: Iterable[bytes]) -> dict[bytes, AssetDefinition]:
        out: dict[bytes, AssetDefinition] = {}
        for chunk in _chunks(list(set(hashes)), 500):
            rows = self.conn.execute(
                select(s.definition.c.hash, s.definition.c.body).where(
                    s.definition.c.hash.in_(chunk)
                )
            )
            for digest, body in rows:
                out[bytes(digest)] = codec.decode_definition(body)
        return out

    def newest_loaded_at(self, location: str) -> float | None:
        loc = self.location_id(location)
        value = self.conn.execute(
            select(func.max(s.load.c.loaded_at)).where(s.load.c.location_id == loc)
        ).scalar()
        return float(value) if value is not None else None

    def has_load(self, location: str, loaded_at: float) -> bool:
        loc = self.location_id(location)
        row = self.conn.execute(
            select(s.load.c.id).where(
                and_(s.load.c.location_id == loc, s.load.c.loaded_at == loaded_at)
            )
        ).first()
        return row is not None

    # -- writes ----------------------------------------------------------------
    def add_load(self, load: LocationLoad, rows: Iterable[ChangeRow]) -> None:
        # Straight through the driver, in the transaction SQLAlchemy began: a
        # first sync writes thousands of loads and 100,000 rows, where
        # compiling statements cost more than SQLite itself.
        loc = self.location_id(load.location)
        driver = self.conn.connection.driver_connection
        assert driver is not None
        driver.execute(
            "INSERT INTO load (location_id, loaded_at, triggered_at, status, document,"
            " display, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                loc,
                load.loaded_at,
                load.triggered_at,
                str(load.status),
                codec.dumps(dict(load.document) if load.document else None),
                codec.dumps(dict(load.display_metadata)),
                load.error,
            ),
        )
        rows = list(rows)
        if not rows:
            return
        asset_ids = self.asset_ids(r.key for r in rows)
        encoded = {
            index: codec.encoded(r.definition)
            for index, r in enumerate(rows)
            if r.definition is not None
        }
        def_ids = self._store_definitions({e[0]: e for e in encoded.values()})
        hashes = [encoded[i][0] if i in encoded else None for i in range(len(rows))]
        at = load.loaded_at
        mask = codec.types_to_mask
        # Rows as lists in the column order of the INSERT: 100,000 of them
        # in a first sync, where building dicts cost more than inserting.
        values = [
            [
                loc,
                asset_ids[r.key],
                at,
                r.state,
                def_ids[digest] if digest is not None else None,
                int(r.changed),
                mask(r.types),
                0,
            ]
            for r, digest in zip(rows, hashes, strict=True)
        ]
        self._track(loc, at, values)
        driver.executemany(
            "INSERT INTO asset_change (location_id, asset_id, loaded_at, state, def_id,"
            " changed, types, tally) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )

    def _track(self, loc: int, loaded_at: float, values: list[list[Any]]) -> None:
        """Fill in the rows' tallies and keep the location's key states,
        writing a checkpoint when one is due (states.py). Rows older than
        the location's newest are left to `finish()`."""
        tracker = self._trackers.get(loc)
        if tracker is None and loc not in self._stale:
            newest = self.conn.execute(
                select(func.max(s.asset_change.c.loaded_at)).where(
                    s.asset_change.c.location_id == loc
                )
            ).scalar()
            at = float(newest) if newest is not None else states.NEVER
            found, _base, replayed = states.state_at(self.conn, loc, at)
            tracker = self._trackers[loc] = _Tracker(found, at, replayed)
        if tracker is None or loaded_at <= tracker.at:
            self._stale[loc] = min(loaded_at, self._stale.get(loc, loaded_at))
            self._trackers.pop(loc, None)
            return
        known = tracker.states
        advance, pack, none = states.advance, states.PACK, (0, 0)
        for row in values:
            _loc, aid, _at, state, def_id, changed, types, _tally = row
            row[7] = tally = advance(known.get(aid, none)[1], bool(changed), types)
            known[aid] = (state * pack + (def_id or 0), tally)
        tracker.at = loaded_at
        tracker.rows_since += len(values)
        if states.checkpoint_due(tracker.rows_since, len(known)):
            driver = self.conn.connection.driver_connection
            states.write_checkpoint(driver, loc, loaded_at, known)
            tracker.rows_since = 0

    def finish(self) -> None:
        """Before the round's transaction commits: rebuild what rows written
        out of order or refilled types left stale."""
        for loc, since in sorted(self._stale.items()):
            states.rebuild(self.conn, loc, since)
        self._stale.clear()

    def fill_details(
        self,
        location: str,
        key: AssetKey,
        found: Mapping[float, tuple[tuple[ChangeType, ...], Mapping[str, Any] | None]],
    ) -> int:
        """Record what the server reports about `key`'s change in loads the
        cache saw only in history: change types where none were known, and
        the `changeDiff` details (used where a definition on either side is
        unknown). Returns how many loads gained something."""
        loc = self.location_id(location)
        aid = self.asset_ids([key])[key]
        c = s.asset_change.c
        filled = 0
        for loaded_at, (types, details) in found.items():
            row = self.conn.execute(
                select(c.state, c.types).where(
                    and_(
                        c.location_id == loc,
                        c.asset_id == aid,
                        c.loaded_at == loaded_at,
                        c.changed == 1,
                    )
                )
            ).first()
            if row is None:
                continue
            gained = False
            mask = codec.types_to_mask(types)
            if mask and not row.types:
                self.conn.execute(
                    s.asset_change.update()
                    .where(and_(c.location_id == loc, c.asset_id == aid, c.loaded_at == loaded_at))
                    .values(types=mask)
                )
                # The tallies from here on count these types now.
                self._stale[loc] = min(loaded_at, self._stale.get(loc, loaded_at))
                self._trackers.pop(loc, None)
                gained = True
            if details is not None and row.state != s.REMOVED:
                self.conn.execute(
                    insert(s.asset_change_detail)
                    .values(
                        location_id=loc,
                        asset_id=aid,
                        loaded_at=loaded_at,
                        body=codec.dumps(dict(details)),
                    )
                    .on_conflict_do_nothing()
                )
                gained = True
            filled += gained
        return filled

    def add_rollback_note(self, note: RollbackNote) -> None:
        self.conn.execute(
            s.rollback_note.insert().values(
                location_id=self.location_id(note.location),
                target_loaded_at=note.target_loaded_at,
                reason=note.reason,
                requested_by=note.requested_by,
                submitted_at=note.submitted_at,
            )
        )

    def update_location(self, summary: LocationSummary, heartbeat: str | None) -> None:
        loc = self.location_id(summary.name)
        self.conn.execute(
            s.location.update()
            .where(s.location.c.id == loc)
            .values(
                active=1,
                status=summary.status,
                updated_at=summary.updated_at,
                version_key=summary.version_key,
                deploy=codec.deploy_to_text(summary.deploy),
                asset_count=summary.asset_count,
                error=summary.error,
                heartbeat=heartbeat,
            )
        )

    def update_location_status(
        self,
        name: str,
        status: str,
        updated_at: float,
        version_key: str,
        heartbeat: str | None,
    ) -> None:
        """A poll moved, but no new load came with it."""
        loc = self.location_id(name)
        self.conn.execute(
            s.location.update()
            .where(s.location.c.id == loc)
            .values(
                active=1,
                status=status,
                updated_at=updated_at,
                version_key=version_key,
                heartbeat=heartbeat,
            )
        )

    def deactivate(self, names: Iterable[str]) -> None:
        for name in names:
            loc = self.location_id(name)
            self.conn.execute(s.location.update().where(s.location.c.id == loc).values(active=0))

    def set_meta(self, values: Mapping[str, str]) -> None:
        for key, value in values.items():
            stmt = insert(s.meta).values(key=key, value=value)
            self.conn.execute(
                stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value})
            )

    def set_viewer(self, viewer: Viewer) -> None:
        self.set_meta({"viewer": codec.viewer_to_text(viewer)})

    def set_capabilities(self, caps: Capabilities) -> None:
        self.set_meta({"capabilities": codec.capabilities_to_text(caps)})

    def set_last_sync(self, when: float) -> None:
        self.set_meta({"last_sync": repr(when)})


def _chunks(items: list[bytes] | list[str], size: int) -> Iterable[list[bytes] | list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
