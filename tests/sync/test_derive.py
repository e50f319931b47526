"""Deriving per-load rows from summaries and snapshots (no server needed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from desktop_app.cache.codec import definition_hash
from desktop_app.cache.schema import PRESENT, REMOVED, UNKNOWN
from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import ChangeType, DiffSummary
from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.sync.derive import derive_rows

A1 = AssetDefinition(("a",), code_version="1")
A2 = AssetDefinition(("a",), code_version="2")
B1 = AssetDefinition(("b",), tags={"t": "1"})
C1 = AssetDefinition(("c",))


def _load(at: float, summary: DiffSummary | None = None) -> LocationLoad:
    return LocationLoad("loc", at, LoadStatus.LOADED, summary=summary or DiffSummary())


def _prior(defs: Iterable[AssetDefinition]) -> dict[AssetKey, bytes | None]:
    return {d.key: definition_hash(d) for d in defs}


def _loader(defs: Iterable[AssetDefinition]):
    by_hash = {definition_hash(d): d for d in defs}

    def load(hashes: Iterable[bytes]) -> Mapping[bytes, AssetDefinition]:
        return {h: by_hash[h] for h in hashes}

    return load


def test_without_summaries_the_snapshot_is_compared_with_the_cache():
    rows = derive_rows(_prior([A1, B1]), _loader([A1, B1]), [_load(2.0)], {("a",): A2, ("c",): C1})
    assert [(r.key, r.state, r.types) for r in rows[0]] == [
        (("a",), PRESENT, (ChangeType.CODE_VERSION,)),
        (("b",), REMOVED, (ChangeType.REMOVED,)),
        (("c",), PRESENT, (ChangeType.NEW,)),
    ]


def test_identical_snapshot_gives_no_rows():
    rows = derive_rows(_prior([A1, B1]), _loader([A1, B1]), [_load(2.0)], {("a",): A1, ("b",): B1})
    assert rows == [[]]


def test_first_sight_of_many_loads_walks_back_through_the_summaries():
    loads = [
        _load(1.0, DiffSummary(added=(("a",), ("b",)))),
        _load(2.0, DiffSummary(modified=(("a",),))),
        _load(3.0, DiffSummary(added=(("c",),), removed=(("b",),))),
    ]
    rows = derive_rows({}, _loader([]), loads, {("a",): A2, ("c",): C1})
    first, second, third = ([(r.key, r.state, r.definition, r.types) for r in x] for x in rows)
    # a was modified later, so its first definition is unknown; b's too
    assert first == [
        (("a",), UNKNOWN, None, (ChangeType.NEW,)),
        (("b",), UNKNOWN, None, (ChangeType.NEW,)),
    ]
    assert second == [(("a",), PRESENT, A2, ())]  # modified, types unknown
    assert third == [
        (("b",), REMOVED, None, (ChangeType.REMOVED,)),
        (("c",), PRESENT, C1, (ChangeType.NEW,)),
    ]


def test_an_unknown_definition_is_learned_without_a_change():
    prior = {("a",): None}
    rows = derive_rows(prior, _loader([]), [_load(2.0)], {("a",): A1})
    assert [(r.key, r.state, r.changed) for r in rows[0]] == [(("a",), PRESENT, False)]


def test_a_failed_load_without_snapshot_changes_nothing():
    rows = derive_rows(_prior([A1]), _loader([A1]), [_load(2.0)], None)
    assert rows == [[]]
