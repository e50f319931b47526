"""Reading asset definitions out of the cache: snapshots, diffs and one
asset's change history.

The state of every key at any load is the newest `asset_change` row at or
before that load. Change types between two loads come from per-field
fingerprints, so a diff across thousands of assets decodes nothing; full
definitions are decoded (and kept in memory: they never change) only where
details are asked for.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, select
from sqlalchemy.engine import Connection, Engine

from desktop_app.cache import codec, states
from desktop_app.cache import schema as s
from desktop_app.core.assets import AssetDefinition, AssetKey, MetadataValue
from desktop_app.core.diff import (
    CHANGE_ORDER,
    AssetChange,
    ChangeType,
    DictDiff,
    ValueDiff,
    diff_definitions,
)
from desktop_app.core.loads import AssetHistoryEntry, LoadStatus, LocationLoad

DIFF_DETAIL_LIMIT = 250
"""Diffs with more changed assets than this carry change types only."""

_KeyState = tuple[int, int | None, bytes | None]
"""(state, definition id, fingerprint) of one key at one load."""
_GONE: _KeyState = (s.REMOVED, None, None)
_PACK = states.PACK
"""State and definition id travel packed in one integer: state * _PACK + id."""
_DEF_CACHE_LIMIT = 50_000


class DefinitionReader:
    """Read-only queries on definitions; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._defs: dict[int, AssetDefinition] = {}
        self._key_by_id: dict[int, AssetKey] = {}
        self._fields: dict[int, bytes] = {}
        self._rank = np.zeros(0, dtype=np.int64)
        self._ranked = 0

    def location_id(self, conn: Connection, location: str) -> int | None:
        """The location's id (None when the cache has no such location),
        straight from the driver: every read starts here, and a scrolling
        history view reads often."""
        driver = conn.connection.driver_connection
        assert driver is not None
        found = driver.execute("SELECT id FROM location WHERE name = ?", (location,)).fetchone()
        return int(found[0]) if found else None

    def definitions(self, conn: Connection, ids: set[int]) -> dict[int, AssetDefinition]:
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

    def states(self, conn: Connection, loc: int, at: float) -> dict[int, _KeyState]:
        """asset id -> (state, def_id, fingerprint) of every key's newest row
        at or before `at`: a whole snapshot."""
        rows = conn.exec_driver_sql(
            "SELECT n.asset_id, n.state, n.def_id, d.fields FROM"
            " (SELECT asset_id, state, def_id, max(loaded_at) FROM asset_change"
            "  WHERE location_id = ? AND loaded_at <= ? GROUP BY asset_id) AS n"
            " LEFT JOIN definition AS d ON d.id = n.def_id",
            (loc, at),
        )
        return {int(aid): (int(state), def_id, fields) for aid, state, def_id, fields in rows}

    def keys(self, conn: Connection, ids: set[int]) -> dict[int, AssetKey]:
        """Asset keys by id; ids never change meaning, so they are kept in memory."""
        missing = [i for i in ids if i not in self._key_by_id]
        if len(missing) > 200:
            driver = conn.connection.driver_connection
            assert driver is not None
            rows = driver.execute("SELECT id, key FROM asset_key").fetchall()
            self._key_by_id.update(codec.keys_from_texts(rows))
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

    def keys_of_rows(self, pairs: Iterable[tuple[int, str]]) -> dict[int, AssetKey]:
        """Asset keys by id from (id, key text) rows a query joined in:
        only the ids not seen before are parsed (in one go)."""
        known = self._key_by_id
        todo: dict[int, str] = {}
        for ident, text in pairs:
            if ident not in known and ident not in todo:
                todo[ident] = text
        if todo:
            known.update(codec.keys_from_texts(todo.items()))
        return known

    def _long_span(self, conn: Connection, loc: int, lo: float, hi: float) -> bool:
        spans = conn.exec_driver_sql(
            "SELECT count(*) FROM load WHERE location_id = ? AND loaded_at > ? AND loaded_at <= ?",
            (loc, lo, hi),
        ).scalar()
        return (spans or 0) > _STATES_MIN_LOADS

    def _ends(
        self, conn: Connection, loc: int, lo: float, hi: float, only: int | None
    ) -> list[tuple[int, _KeyState, _KeyState, tuple[ChangeType, ...]]]:
        """For every key changed in (lo, hi], by a seek per key: its state at
        `lo`, its state at `hi`, and the change types recorded in between
        (the cost follows the changed keys)."""
        where_only = " AND asset_id = :only" if only is not None else ""
        sql = _ENDS_BY_SEEK.format(pack=_PACK, only=where_only, **_bits_sql())
        params: dict[str, Any] = {"loc": loc, "lo": lo, "hi": hi, "only": only}
        # Straight from the driver (inside the transaction the location lookup
        # began): thousands of rows, where result objects would cost the most.
        driver = conn.connection.driver_connection
        assert driver is not None
        to_types = codec.mask_to_types
        return [
            (aid, _unpack(at_lo, fields_lo), _unpack(at_hi, fields_hi), to_types(mask or 0))
            for aid, at_lo, at_hi, mask, fields_lo, fields_hi in driver.execute(sql, params)
        ]

    def _moved_by_states(
        self, conn: Connection, loc: int, lo: float, hi: float, forward: bool
    ) -> tuple[list[int], list[tuple[ChangeType, ...]], list[int], list[int], dict[int, bytes]]:
        """The keys that changed between two loads and how, oriented from
        the first to the second, by comparing the two whole states
        (states.py) as arrays: the cost follows the number of keys, however
        many loads lie between, and only keys whose definitions are both
        known are looked at one by one. Same answers as `_ends` and
        `_types`, as asset ids, their types, their packed states before
        and after, and the fingerprints of the definitions on both sides."""
        moved = states.moved_between(
            states.state_rows(conn, loc, lo), states.state_rows(conn, loc, hi)
        )
        before, after = (moved.before, moved.after) if forward else (moved.after, moved.before)
        low = _PACK - 1
        d_old, d_new = before & low, after & low
        gone_old, gone_new = (before >> 32) == s.REMOVED, (after >> 32) == s.REMOVED
        either_gone = gone_old | gone_new
        keep = ~(gone_old & gone_new) & (either_gone | ~((d_old != 0) & (d_old == d_new)))
        codes = np.where(gone_old, _NEW_CODE, np.where(gone_new, _REMOVED_CODE, moved.recorded))
        # Both definitions known (and different): their fingerprints say how.
        known = np.flatnonzero(keep & ~either_gone & (d_old != 0) & (d_new != 0)).tolist()
        fields: dict[int, bytes] = {}
        exact: dict[int, tuple[ChangeType, ...]] = {}
        if known:
            olds, news = d_old[known].tolist(), d_new[known].tolist()
            fields = self.fingerprints(conn, {*olds, *news})
            for i, old_id, new_id in zip(known, olds, news, strict=True):
                f_old, f_new = fields.get(old_id), fields.get(new_id)
                if f_old is None or f_new is None:
                    continue  # what the loads in between recorded
                types = codec.change_types_between(f_old, f_new)
                if types:
                    exact[i] = types
                else:
                    keep[i] = False
        index = np.flatnonzero(keep)
        table = _TYPES_BY_CODE
        found = [table[code] for code in codes[index].tolist()]
        if exact:
            for position, i in enumerate(index.tolist()):
                if i in exact:
                    found[position] = exact[i]
        return (
            moved.aids[index].tolist(),
            found,
            before[index].tolist(),
            after[index].tolist(),
            fields,
        )

    def fingerprints(self, conn: Connection, ids: set[int]) -> dict[int, bytes]:
        """Per-field fingerprints by definition id; kept, as definitions never change."""
        known = self._fields
        missing = [i for i in ids if i not in known]
        driver = conn.connection.driver_connection
        assert driver is not None
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            marks = ",".join("?" * len(chunk))
            known.update(
                driver.execute(
                    f"SELECT id, fields FROM definition WHERE id IN ({marks})", tuple(chunk)
                ).fetchall()
            )
        if len(known) > _DEF_CACHE_LIMIT * 4:
            self._fields = {}
        return {i: f for i in ids if (f := known.get(i)) is not None}

    def _ranks(self) -> npt.NDArray[np.int64]:
        """Asset id -> position of its key in sorted order, over every key
        read so far: sorting thousands of changes by an int, not a tuple."""
        if self._ranked != len(self._key_by_id):
            ordered = sorted(self._key_by_id.items(), key=lambda item: item[1])
            rank = np.zeros(max(self._key_by_id, default=0) + 1, dtype=np.int64)
            rank[[aid for aid, _key in ordered]] = np.arange(len(ordered))
            self._rank, self._ranked = rank, len(ordered)
        return self._rank

    def _bare_changes(
        self, conn: Connection, aids: list[int], types_of: list[tuple[ChangeType, ...]]
    ) -> list[AssetChange]:
        """Changes with their types only, sorted by key (a diff too large
        for details: thousands of them)."""
        known = self._key_by_id
        missing = {aid for aid in aids if aid not in known}
        if missing:
            self.keys(conn, missing)
        order = np.argsort(self._ranks()[aids], kind="stable").tolist()
        new, blank = object.__new__, _BLANK
        changes: list[AssetChange] = []
        append = changes.append
        for i in order:
            # AssetChange(key=..., change_types=...) without the frozen
            # dataclass's field-by-field set-up, a third of the cost.
            change = new(AssetChange)
            fields = change.__dict__
            fields.update(blank)
            fields["key"] = known[aids[i]]
            fields["change_types"] = types_of[i]
            append(change)
        return changes

    def snapshot_at(self, location: str, loaded_at: float) -> dict[AssetKey, AssetDefinition]:
        """Every asset definition known after the load at `loaded_at` (keys
        whose definition the server never told us are left out)."""
        with self.engine.connect() as conn:
            loc = self.location_id(conn, location)
            if loc is None:
                return {}
            states = self.states(conn, loc, loaded_at)
            present = {
                a: d for a, (st, d, _f) in states.items() if st == s.PRESENT and d is not None
            }
            defs = self.definitions(conn, set(present.values()))
        return {defs[d].key: defs[d] for d in present.values() if d in defs}

    def diff(self, location: str, from_loaded_at: float, to_loaded_at: float) -> list[AssetChange]:
        """How the definitions changed from one load to another (either order),
        sorted by key. Change types come from per-field fingerprints; old and
        new definitions (and the field-level details) are filled in when at
        most `DIFF_DETAIL_LIMIT` assets changed, which keeps a diff across
        thousands of changed assets fast. `asset_diff` gives one asset's
        details for any pair of loads."""
        with _collector_paused():
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
            loc = self.location_id(conn, location)
            if loc is None:
                return []
            only_id: int | None = None
            if only is not None:
                only_id = conn.execute(
                    select(s.asset_key.c.id).where(s.asset_key.c.key == codec.key_to_text(only))
                ).scalar()
                if only_id is None:
                    return []
            found: list[tuple[int, tuple[ChangeType, ...], _KeyState, _KeyState]] = []
            if only_id is None and self._long_span(conn, loc, lo, hi):
                aids, types_of, olds, news, fields = self._moved_by_states(
                    conn, loc, lo, hi, forward=from_at <= to_at
                )
                if len(aids) > DIFF_DETAIL_LIMIT:
                    return self._bare_changes(conn, aids, types_of)
                found = [
                    (
                        aid,
                        types,
                        _unpack(p_old, fields.get(p_old % _PACK)),
                        _unpack(p_new, fields.get(p_new % _PACK)),
                    )
                    for aid, types, p_old, p_new in zip(aids, types_of, olds, news, strict=True)
                ]
            else:
                for aid, at_lo, at_hi, recorded in self._ends(conn, loc, lo, hi, only_id):
                    old, new = (at_lo, at_hi) if from_at <= to_at else (at_hi, at_lo)
                    types = _types(old, new, recorded)
                    if types is not None:
                        found.append((aid, types, old, new))
            detailed = only is not None or len(found) <= DIFF_DETAIL_LIMIT
            if not detailed:
                return self._bare_changes(
                    conn, [aid for aid, *_ in found], [types for _a, types, *_ in found]
                )
            defs: dict[int, AssetDefinition] = {}
            if detailed:
                ids = {st[1] for _a, _t, o, n in found for st in (o, n) if st[1] is not None}
                defs = self.definitions(conn, ids)
            keys = self.keys(conn, {aid for aid, *_ in found})
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
            loc = self.location_id(conn, location)
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
            defs = self.definitions(conn, {r.def_id for r in rows if r.def_id is not None})
            d = s.asset_change_detail.c
            details = {
                at: codec.loads_json(body)
                for at, body in conn.execute(
                    select(d.loaded_at, d.body).where(and_(d.location_id == loc, d.asset_id == aid))
                )
            }
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
                if change is not None and row.loaded_at in details:
                    change = with_server_details(change, details[row.loaded_at])
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


ADDED, CHANGED, GONE = "added", "changed", "removed"
"""What a dict entry's old/new read when the server named the key but not
its values (`DictDiff` carries keys only)."""


def with_server_details(change: AssetChange, details: Any) -> AssetChange:
    """Fill the field-level parts of a change the cache could not compute
    (a definition is unknown) from the server's `changeDiff`."""
    if not isinstance(details, dict) or (change.old is not None and change.new is not None):
        return change

    def keys(name: str, field: str) -> list[str]:
        part = details.get(name)
        values = part.get(field) if isinstance(part, dict) else None
        return [str(k) for k in values] if isinstance(values, list) else []

    def tags() -> DictDiff[str]:
        return DictDiff(
            added=dict.fromkeys(keys("tags", "addedKeys"), ADDED),
            changed=dict.fromkeys(keys("tags", "changedKeys"), (CHANGED, CHANGED)),
            removed=dict.fromkeys(keys("tags", "removedKeys"), GONE),
        )

    def metadata() -> DictDiff[MetadataValue]:
        def text(word: str) -> MetadataValue:
            return MetadataValue("Text", word)

        return DictDiff(
            added={k: text(ADDED) for k in keys("metadata", "addedKeys")},
            changed={k: (text(CHANGED), text(CHANGED)) for k in keys("metadata", "changedKeys")},
            removed={k: text(GONE) for k in keys("metadata", "removedKeys")},
        )

    def dependencies() -> DictDiff[bool]:
        return DictDiff(
            added=dict.fromkeys(keys("dependencies", "addedKeys"), True),
            removed=dict.fromkeys(keys("dependencies", "removedKeys"), True),
        )

    code = details.get("codeVersion")
    code_version = (
        ValueDiff(
            None if code.get("old") is None else str(code["old"]),
            None if code.get("new") is None else str(code["new"]),
        )
        if isinstance(code, dict)
        else None
    )
    return replace(
        change,
        code_version=code_version or change.code_version,
        tags=tags() or change.tags,
        metadata=metadata() or change.metadata,
        dependencies=dependencies() or change.dependencies,
    )


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


_NEW: tuple[ChangeType, ...] = (ChangeType.NEW,)
_REMOVED: tuple[ChangeType, ...] = (ChangeType.REMOVED,)
_MODIFIED_TYPES: list[tuple[ChangeType, ...]] = [
    tuple(t for t in codec.mask_to_types(mask) if t not in (ChangeType.NEW, ChangeType.REMOVED))
    for mask in range(1 << len(CHANGE_ORDER))
]
"""Recorded type mask -> the modification types in it."""
_NEW_CODE = len(_MODIFIED_TYPES)
_REMOVED_CODE = _NEW_CODE + 1
_TYPES_BY_CODE = [*_MODIFIED_TYPES, _NEW, _REMOVED]
"""Change types by code: a recorded type mask, or _NEW_CODE / _REMOVED_CODE."""


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a diff builds its objects (none of
    them cyclic): a diff across 20,000 assets creates some 100,000 objects,
    enough to set off collections that walk the whole heap. Measured on the
    4x data set: 290 -> 200 ms of CPU for the first-to-last diff."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_BLANK = vars(AssetChange(key=(), change_types=()))


_STATES_MIN_LOADS = 20
"""Above this many loads between the two ends, comparing the two whole
states beats a seek per changed key (at 1% of the keys changed per load,
20 loads change a fifth of them)."""


def _bits_sql() -> dict[str, str]:
    return {
        "bits_max": " + ".join(f"max(types & {1 << i})" for i in range(len(CHANGE_ORDER))),
    }


_ENDS_BY_SEEK = """
    WITH touched AS (
        SELECT DISTINCT asset_id FROM asset_change
        WHERE location_id = :loc AND loaded_at > :lo AND loaded_at <= :hi
          AND changed = 1{only}),
    ends AS (
        SELECT t.asset_id,
          (SELECT state * {pack} + ifnull(def_id, 0) FROM asset_change AS a
            WHERE a.location_id = :loc AND a.asset_id = t.asset_id AND a.loaded_at <= :lo
            ORDER BY a.loaded_at DESC LIMIT 1) AS at_lo,
          (SELECT state * {pack} + ifnull(def_id, 0) FROM asset_change AS a
            WHERE a.location_id = :loc AND a.asset_id = t.asset_id AND a.loaded_at <= :hi
            ORDER BY a.loaded_at DESC LIMIT 1) AS at_hi,
          (SELECT {bits_max} FROM asset_change AS a
            WHERE a.location_id = :loc AND a.asset_id = t.asset_id AND a.loaded_at > :lo
              AND a.loaded_at <= :hi AND a.changed = 1) AS mask
        FROM touched AS t)
    SELECT e.asset_id, e.at_lo, e.at_hi, e.mask, dl.fields, dh.fields
    FROM ends AS e
    LEFT JOIN definition AS dl ON dl.id = e.at_lo % {pack}
    LEFT JOIN definition AS dh ON dh.id = e.at_hi % {pack}
"""
"""Per changed key: its state at each end and its change types, by seeks."""


def _unpack(packed: int | None, fields: bytes | None) -> _KeyState:
    if packed is None:
        return _GONE  # no row yet: the key did not exist
    state, def_id = divmod(packed, _PACK)
    return (state, def_id or None, fields)


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
