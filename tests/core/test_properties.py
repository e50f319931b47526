"""Properties of diff and collapse that must hold for any input."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import ChangeType, apply_diff, diff_definitions, diff_snapshots
from desktop_app.core.loads import LocationLoad, collapse

from .strategies import definitions, histories, snapshots


@given(snapshots())
def test_diff_of_a_snapshot_with_itself_is_empty(a: dict[AssetKey, AssetDefinition]) -> None:
    assert diff_snapshots(a, a) == []


@given(snapshots(), snapshots())
def test_applying_the_diff_gives_the_new_snapshot(
    a: dict[AssetKey, AssetDefinition], b: dict[AssetKey, AssetDefinition]
) -> None:
    assert apply_diff(a, diff_snapshots(a, b)) == b


@given(st.data())
def test_change_types_name_exactly_the_fields_that_differ(data: st.DataObject) -> None:
    old = data.draw(definitions(key=("k",)))
    new = data.draw(definitions(key=("k",)))
    change = diff_definitions(old, new)
    types = set(change.change_types) if change else set()
    assert (ChangeType.CODE_VERSION in types) == (old.code_version != new.code_version)
    assert (ChangeType.TAGS in types) == (dict(old.tags) != dict(new.tags))
    assert (ChangeType.METADATA in types) == (dict(old.metadata) != dict(new.metadata))
    assert (ChangeType.DEPENDENCIES in types) == (old.dependencies != new.dependencies)
    assert (ChangeType.PARTITIONS_DEFINITION in types) == (old.partitions != new.partitions)
    assert (old.content_hash() == new.content_hash()) == (old == new)


@given(histories())
def test_collapse_keeps_every_load_in_order(loads: list[LocationLoad]) -> None:
    groups = collapse(loads)
    assert [load for group in groups for load in group.loads] == loads
    assert sum(group.count for group in groups) == len(loads)


@given(histories())
def test_collapse_merges_only_adjacent_equal_loads(loads: list[LocationLoad]) -> None:
    groups = collapse(loads)
    for group in groups:
        assert all(load.same_version_as(group.head) for load in group.loads)
    for before, after in itertools.pairwise(groups):
        assert not before.oldest.same_version_as(after.head)
