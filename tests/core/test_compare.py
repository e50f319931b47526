"""The net change between two versions equals applying the loads in
between one by one (property), and reads plainly field by field."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.assets import AssetDefinition, AssetKey, MetadataValue
from desktop_app.core.compare import NOT_RECORDED, detail_lines, field_details, net_changes
from desktop_app.core.diff import AssetChange, ChangeType, apply_diff, diff_snapshots

from .strategies import snapshots

Snapshot = dict[AssetKey, AssetDefinition]


@given(st.lists(snapshots(), min_size=1, max_size=5))
def test_net_changes_equal_the_direct_diff(history: list[Snapshot]) -> None:
    steps = [diff_snapshots(a, b) for a, b in itertools.pairwise(history)]
    assert net_changes(steps) == diff_snapshots(history[0], history[-1])


@given(st.lists(snapshots(), min_size=1, max_size=5))
def test_applying_the_net_change_equals_applying_each_load(history: list[Snapshot]) -> None:
    one_by_one = dict(history[0])
    for a, b in itertools.pairwise(history):
        one_by_one = apply_diff(one_by_one, diff_snapshots(a, b))
    steps = [diff_snapshots(a, b) for a, b in itertools.pairwise(history)]
    assert apply_diff(history[0], net_changes(steps)) == one_by_one == history[-1]


def test_a_change_undone_in_between_is_no_change() -> None:
    a = {("x",): AssetDefinition(("x",), code_version="1")}
    b = {("x",): AssetDefinition(("x",), code_version="2"), ("y",): AssetDefinition(("y",))}
    assert net_changes([diff_snapshots(a, b), diff_snapshots(b, a)]) == []


def test_unknown_definitions_keep_the_recorded_types() -> None:
    steps = [
        [AssetChange(("x",), (ChangeType.TAGS,))],
        [AssetChange(("x",), (ChangeType.CODE_VERSION,))],
    ]
    (change,) = net_changes(steps)
    assert change.change_types == (ChangeType.CODE_VERSION, ChangeType.TAGS)
    assert field_details(change) == {"code_version": None, "tags": None}
    assert ("code version", NOT_RECORDED, NOT_RECORDED) in detail_lines(change)


def test_details_name_old_and_new_values() -> None:
    old = AssetDefinition(
        ("x",),
        code_version="1",
        tags={"tier": "gold", "team": "a"},
        metadata={"rows": MetadataValue("Int", 3)},
        dependencies=frozenset({("up",)}),
    )
    new = AssetDefinition(
        ("x",),
        code_version="2",
        tags={"tier": "silver", "owner": "b"},
        metadata={"rows": MetadataValue("Int", 4)},
        dependencies=frozenset({("other",)}),
    )
    (change,) = diff_snapshots({("x",): old}, {("x",): new})
    details = field_details(change)
    assert details["code_version"] == {"old": "1", "new": "2"}
    assert details["tags"] == {
        "old": {"team": "a", "tier": "gold"},
        "new": {"owner": "b", "tier": "silver"},
    }
    assert details["metadata"] == {"old": {"rows": "3"}, "new": {"rows": "4"}}
    assert details["dependencies"] == {"old": ["up"], "new": ["other"]}
    lines = detail_lines(change)
    assert ("tag tier", "gold", "silver") in lines
    assert ("tag owner", "—", "b") in lines
    assert ("dependency", "up", "—") in lines


def test_a_known_side_shows_its_whole_value() -> None:
    new = AssetDefinition(("x",), code_version="7", tags={"tier": "gold"})
    change = AssetChange(("x",), (ChangeType.CODE_VERSION, ChangeType.TAGS), old=None, new=new)
    assert field_details(change) == {
        "code_version": {"new": "7"},
        "tags": {"new": {"tier": "gold"}},
    }
    assert detail_lines(change) == [
        ("code version", NOT_RECORDED, "7"),
        ("tags", NOT_RECORDED, "tier=gold"),
    ]
