"""Per-load asset rows from what a server tells us.

A server with a history API gives, per load, which keys were added,
modified and removed, but full definitions only for the current load. An
open-source webserver gives only the current definitions. Both cases are
one computation: walk the new loads backwards from the current snapshot
using the summaries (what a summary says changed has an unknown definition
before that load), then compare what is left with the cached state. Keys
that differ although no summary names them are recorded as changed by the
newest load (for the open-source webserver, every change arrives that way).

Decision: definitions of older loads that the server cannot give us are
stored as "unknown", with the change types the summary implies (NEW,
REMOVED, or modified without types); we do not page `assetDiffHistory` per
asset, which would cost one request per changed asset. Every load that we
observe as the current one gets exact definitions and diffs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

from desktop_app.cache.codec import definition_hash
from desktop_app.cache.schema import PRESENT, REMOVED, UNKNOWN
from desktop_app.cache.writer import ChangeRow
from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import ChangeType, diff_definitions
from desktop_app.core.loads import LocationLoad


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


ABSENT: Final = _Absent()
UNKNOWN_DEF: Final = _Unknown()
Value = AssetDefinition | _Absent | _Unknown
"""A key's state: its definition, absent, or present with an unknown definition."""

PriorState = Mapping[AssetKey, bytes | None]
"""Cached state after the newest cached load: key -> definition hash (None: unknown)."""


def _hash(definition: AssetDefinition) -> bytes:
    return definition_hash(definition)


def derive_rows(
    prior: PriorState,
    load_prior: Callable[[Iterable[bytes]], Mapping[bytes, AssetDefinition]],
    loads: Sequence[LocationLoad],
    final: Mapping[AssetKey, AssetDefinition] | None,
) -> list[list[ChangeRow]]:
    """Rows for each of `loads` (oldest first). `final` is the snapshot after
    the last load, or None when the server could not give it."""
    if not loads:
        return []
    # 1. Backwards from the final snapshot through the summaries.
    state: dict[AssetKey, Value] = dict(final) if final is not None else {}
    default: Value = ABSENT if final is not None else UNKNOWN_DEF
    after: list[dict[AssetKey, Value]] = [{} for _ in loads]
    touched: set[AssetKey] = set()
    for index in range(len(loads) - 1, -1, -1):
        summary = loads[index].summary
        keys = set(summary.added) | set(summary.modified) | set(summary.removed)
        after[index] = {k: state.get(k, default) for k in keys}
        touched |= keys
        for key in summary.added:
            state[key] = ABSENT
        for key in (*summary.modified, *summary.removed):
            state[key] = UNKNOWN_DEF
    learned: dict[AssetKey, Value] = {}
    # 2. Keys no summary names: compare with the cache.
    if final is not None:
        for key in (set(final) | set(prior)) - touched:
            now: Value = final.get(key, ABSENT)
            if key not in prior:
                if now is not ABSENT:
                    after[-1][key] = now
            elif isinstance(now, AssetDefinition):
                was = prior[key]
                if was is None:
                    learned[key] = now
                elif was != _hash(now):
                    after[-1][key] = now
            else:
                after[-1][key] = ABSENT
    # 3. Forwards from the cached state: states and change types.
    wanted = {digest for rows in after for key in rows if (digest := prior.get(key)) is not None}
    prior_defs = load_prior(wanted) if wanted else {}
    current: dict[AssetKey, Value] = {}
    for key, digest in prior.items():
        if digest is None:
            current[key] = UNKNOWN_DEF
        elif key in touched or key in after[-1]:
            current[key] = prior_defs.get(digest, UNKNOWN_DEF)
    out: list[list[ChangeRow]] = []
    for index, rows in enumerate(after):
        result: list[ChangeRow] = []
        if index == 0:
            result += [
                ChangeRow(key, PRESENT, value, changed=False)
                for key, value in sorted(learned.items())
                if isinstance(value, AssetDefinition)
            ]
        for key in sorted(rows):
            old = current.get(key, ABSENT if key not in prior else UNKNOWN_DEF)
            new = rows[key]
            row = _row(key, old, new)
            if row is not None:
                result.append(row)
            current[key] = new
        out.append(result)
    return out


def _row(key: AssetKey, old: Value, new: Value) -> ChangeRow | None:
    if new is ABSENT:
        if old is ABSENT:
            return None
        return ChangeRow(key, REMOVED, types=(ChangeType.REMOVED,))
    definition = new if isinstance(new, AssetDefinition) else None
    state = PRESENT if definition is not None else UNKNOWN
    if old is ABSENT:
        return ChangeRow(key, state, definition, types=(ChangeType.NEW,))
    if isinstance(old, AssetDefinition) and definition is not None:
        change = diff_definitions(old, definition)
        if change is None or not change.change_types:
            if _hash(old) == _hash(definition):
                return None
            return ChangeRow(key, state, definition, changed=False)
        return ChangeRow(key, state, definition, types=change.change_types)
    return ChangeRow(key, state, definition, types=())
