"""Table models built from core types: grouping, asset lines, model tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.cache.notes import RollbackNote
from desktop_app.core.assets import AssetDefinition, MetadataValue
from desktop_app.core.diff import AssetChange, ChangeType, DictDiff, DiffSummary, ValueDiff
from desktop_app.core.loads import (
    AssetHistoryEntry,
    DeployInfo,
    LoadGroup,
    LoadStatus,
    LocationLoad,
    LocationSummary,
    collapse,
)
from desktop_app.ui import formatting, history_model
from desktop_app.ui.asset_history_model import AssetHistoryModel
from desktop_app.ui.deployment_model import DeploymentModel
from desktop_app.ui.history_model import MINUS, TIMES, HistoryModel, asset_lines, line_count
from desktop_app.ui.roles import ASSET_LINES_ROLE, LINK_ROLE, ROW_ROLE, SORT_ROLE


def _load(ts: float, image: str, sha: str, **kw: Any) -> LocationLoad:
    doc = {
        "location_name": "etl",
        "image": image,
        "git": {"commit_hash": sha, "url": "https://github.com/acme/etl"},
    }
    return LocationLoad(
        location="etl",
        loaded_at=ts,
        status=kw.pop("status", LoadStatus.LOADED),
        document=doc,
        **kw,
    )


LOADS = [
    _load(
        50.0,
        "etl:3",
        "c" * 40,
        display_metadata={
            "action": "rollback",
            "initiated_by": "editor@example.com",
            "rollback_target": "10.0",
        },
    ),
    _load(40.0, "etl:2", "b" * 40, status=LoadStatus.ERROR, error="ImportError: no module x"),
    _load(30.0, "etl:2", "b" * 40, summary=DiffSummary(added=(("orders",),))),
    _load(20.0, "etl:2", "b" * 40),
    _load(
        10.0,
        "etl:1",
        "a" * 40,
        summary=DiffSummary(
            added=(("a",), ("b",)),
            removed=(("c",),),
            modified=(("d",), ("e",)),
            change_types={("d",): (ChangeType.CODE_VERSION, ChangeType.TAGS)},
        ),
    ),
]


def test_deployment_model_rows_and_roles(qtmodeltester: Any) -> None:
    model = DeploymentModel()
    model.set_locations(
        [
            LocationSummary(
                "etl",
                "LOADED",
                1.0,
                DeployInfo(image="etl:1", commit_hash="a" * 40, url="https://github.com/a/b"),
                asset_count=12,
            ),
            LocationSummary("ml", "ERROR", 2.0, error="boom"),
        ]
    )
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    commit = model.index(0, model.column_named("Commit"))
    assert commit.data() == "aaaaaaa"
    assert commit.data(LINK_ROLE) == "aaaaaaa"
    assert model.index(1, model.column_named("Commit")).data(LINK_ROLE) is None
    assert model.index(1, model.column_named("Status")).data() == "Failed"
    assert model.index(1, model.column_named("Status")).data(Qt.ItemDataRole.ToolTipRole) == "boom"
    assert model.index(0, model.column_named("Assets")).data(SORT_ROLE) == 12
    assert model.index(0, 0).data(Qt.ItemDataRole.CheckStateRole) is None
    assert model.index(0, 0).data(ROW_ROLE).name == "etl"


def test_deployment_model_repaints_only_what_changed(qtmodeltester: Any) -> None:
    """A sync round refreshes the table after each location: rows that did
    not change are not announced (the view would repaint all of them)."""
    model = DeploymentModel()
    rows = [LocationSummary(name, "LOADED", 1.0, DeployInfo(image=f"{name}:1")) for name in "abc"]
    changed: list[tuple[int, int, int, int]] = []
    reset: list[bool] = []
    inserted: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda a, b, _roles=(): changed.append((a.row(), a.column(), b.row(), b.column()))
    )
    model.modelReset.connect(lambda: reset.append(True))
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.set_locations(rows)  # the first listing: rows arrive, no reset
    assert inserted == [(0, 2)]
    assert reset == []
    qtmodeltester.check(model)

    model.set_locations(list(rows))
    assert changed == []
    assert reset == []

    moved = [rows[0], LocationSummary("b", "ERROR", 1.0, error="boom"), rows[2]]
    model.set_locations(moved)
    assert changed == [(1, 1, 1, len(model.columns) - 1)]  # the name column stays
    assert reset == []
    assert model.index(1, model.column_named("Status")).data() == "Failed"

    model.set_locations([*moved, LocationSummary("d", "LOADED", 2.0)])
    assert reset == [True]  # another set of locations: rows are rebuilt
    assert model.rowCount() == 4


def test_deployment_model_times_follow_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the model remembers of a cell never freezes "just now"."""
    model = DeploymentModel()
    model.set_locations([LocationSummary("a", "LOADED", 1_000_000.0)])
    updated = model.index(0, model.column_named("Updated"))
    monkeypatch.setattr(formatting.time, "time", lambda: 1_000_010.0)
    assert updated.data() == "just now"
    assert model.index(0, 0).data() == "a"
    monkeypatch.setattr(formatting.time, "time", lambda: 1_000_600.0)
    assert updated.data() == "10 min ago"


def test_history_model_collapse_matches_core(qtmodeltester: Any) -> None:
    model = HistoryModel()
    model.set_loads(LOADS)
    qtmodeltester.check(model)
    assert model.rowCount() == len(collapse(LOADS)) == 4
    assert f"{TIMES}2" in model.index(2, 0).data()
    model.set_collapsed(False)
    qtmodeltester.check(model)
    assert model.rowCount() == len(LOADS)
    status = model.index(1, model.column_named("Status")).data()
    assert status == "Failed (ImportError)"
    initiated = model.index(0, model.column_named("Initiated by")).data()
    assert "rollback" in initiated
    assert "editor@example.com" in initiated


def test_asset_lines_list_keys_with_change_types() -> None:
    model = HistoryModel()
    model.set_loads(LOADS)
    lines = model.index(3, model.column_named("Assets")).data(ASSET_LINES_ROLE)
    texts = [line.text for line in lines]
    assert texts[:3] == ["+ a", "+ b", f"{MINUS} c"]
    assert texts[3] == "… 2 more"
    all_lines = asset_lines(model.row_at(3))
    assert all_lines[-1].more == 2
    tip = model.index(3, model.column_named("Assets")).data(Qt.ItemDataRole.ToolTipRole)
    assert "~ d  (code version, tags)" in tip


def test_asset_history_model_old_to_new(qtmodeltester: Any) -> None:
    old = AssetDefinition(("orders",), code_version="1", tags={"team": "a"})
    new = AssetDefinition(
        ("orders",),
        code_version="2",
        tags={"team": "b"},
        metadata={"rows": MetadataValue("Int", 5)},
    )
    change = AssetChange(
        key=("orders",),
        change_types=(ChangeType.CODE_VERSION, ChangeType.TAGS, ChangeType.METADATA),
        old=old,
        new=new,
        code_version=ValueDiff("1", "2"),
        tags=DictDiff(changed={"team": ("a", "b")}),
        metadata=DictDiff(added={"rows": MetadataValue("Int", 5)}),
    )
    created = AssetChange(key=("orders",), change_types=(ChangeType.NEW,), new=old)
    model = AssetHistoryModel()
    model.set_entries(
        [
            AssetHistoryEntry("etl", 20.0, change, commit_hash="b" * 40),
            AssetHistoryEntry("etl", 10.0, created, commit_hash="a" * 40),
        ]
    )
    qtmodeltester.check(model)
    rows = [(r.field, r.old, r.new) for r in model.rows]
    assert ("code version", "1", "2") in rows
    assert ("tag team", "a", "b") in rows
    assert ("metadata rows", "—", "5") in rows
    assert rows[-1][0] == "definition"
    assert rows[-1][1] == "—"
    assert "code version: 1" in rows[-1][2]


@pytest.mark.parametrize("collapsed", [True, False])
def test_history_row_of_finds_grouped_loads(collapsed: bool) -> None:
    model = HistoryModel()
    model.set_loads(LOADS)
    model.set_collapsed(collapsed)
    row = model.row_of(20.0)
    assert row is not None
    assert any(load.loaded_at == 20.0 for load in model.row_at(row).loads)


@pytest.mark.parametrize("collapsed", [True, False])
def test_line_count_matches_the_lines_drawn(collapsed: bool) -> None:
    model = HistoryModel()
    model.set_loads(LOADS)
    model.set_collapsed(collapsed)
    assets = model.column_named("Assets")
    for row, group in enumerate(model.rows):
        assert line_count(group) == len(model.index(row, assets).data(ASSET_LINES_ROLE))


@pytest.mark.parametrize("collapsed", [True, False])
@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_paged_history_groups_like_the_whole(
    qtmodeltester: Any, collapsed: bool, page_size: int
) -> None:
    # Pages end inside groups (the two ingest loads of etl:2): fetching the
    # rest must extend the last row rather than add a second one.
    fetched: list[tuple[int, int]] = []

    def fetch(limit: int, offset: int) -> list[LocationLoad]:
        fetched.append((limit, offset))
        return LOADS[offset : offset + limit]

    model = HistoryModel(page_size=page_size)
    model.set_collapsed(collapsed)
    model.set_source(fetch, len(LOADS))
    assert len(model.loads) == page_size
    assert model.total == len(LOADS)
    assert model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
    qtmodeltester.check(model)
    expected = collapse(LOADS) if collapsed else [LoadGroup((load,)) for load in LOADS]
    assert [row.loads for row in model.rows] == [group.loads for group in expected]
    assert fetched[0] == (page_size, 0)
    assert fetched[1] == (page_size, page_size)


def test_fetch_until_reads_older_pages() -> None:
    model = HistoryModel(page_size=1)
    model.set_source(lambda limit, offset: LOADS[offset : offset + limit], len(LOADS))
    assert model.row_of(10.0) is None
    assert model.fetch_until(10.0)
    assert model.row_of(10.0) is not None
    assert not model.fetch_until(99.0)


def test_a_rollback_row_shows_the_reason_given_for_it(qtmodeltester: Any) -> None:
    reason = "orders job fails since 14:02 because the new partition mapping drops late data"
    note = RollbackNote("etl", 10.0, reason, "editor@example.com", 49.0)
    model = HistoryModel()
    model.set_loads(LOADS, notes={50.0: note})
    qtmodeltester.check(model)
    column = model.column_named("Initiated by")
    text = model.index(0, column).data()
    assert text.startswith("editor@example.com (rollback: orders job fails since")
    assert text.endswith("\u2026)")
    assert len(text) < len(reason)
    tip = model.index(0, column).data(Qt.ItemDataRole.ToolTipRole)
    assert f"Reason: {reason}" in tip
    assert "editor@example.com" in tip
    assert model.row_at(0).note == note
    assert all(model.row_at(row).note is None for row in range(1, model.rowCount()))
    assert "Reason" not in (model.index(1, column).data(Qt.ItemDataRole.ToolTipRole) or "")


def test_a_short_reason_is_shown_whole_and_on_one_line() -> None:
    note = RollbackNote("etl", 10.0, "orders\njob broke", "editor@example.com", 49.0)
    model = HistoryModel()
    model.set_loads(LOADS, notes={50.0: note})
    text = model.index(0, model.column_named("Initiated by")).data()
    assert text == "editor@example.com (rollback: orders job broke)"


@pytest.mark.parametrize("page_size", [1, 3])
def test_paged_history_asks_for_the_notes_of_each_page(page_size: int) -> None:
    note = RollbackNote("etl", 10.0, "orders job broke", "editor@example.com", 49.0)
    asked: list[list[float]] = []

    def notes(loads: Sequence[LocationLoad]) -> dict[float, RollbackNote]:
        asked.append([load.loaded_at for load in loads])
        return {50.0: note} if any(load.loaded_at == 50.0 for load in loads) else {}

    model = HistoryModel(page_size=page_size)
    model.set_source(lambda limit, offset: LOADS[offset : offset + limit], len(LOADS), notes=notes)
    while model.canFetchMore():
        model.fetchMore()
    assert [at for page in asked for at in page] == [load.loaded_at for load in LOADS]
    assert model.row_at(0).note == note
    text = model.index(0, model.column_named("Initiated by")).data()
    assert text == "editor@example.com (rollback: orders job broke)"


def test_keys_only_changes_read_as_key_changed(qtmodeltester) -> None:
    """When the server named the keys but the cache never saw the values
    (definitions unknown), a row says which key moved, not 'changed → changed'."""
    from desktop_app.cache.definitions import with_server_details

    bare = AssetChange(key=("orders",), change_types=(ChangeType.TAGS, ChangeType.METADATA))
    change = with_server_details(
        bare,
        {
            "tags": {"addedKeys": ["owner"], "changedKeys": ["tier"], "removedKeys": []},
            "metadata": {"addedKeys": [], "changedKeys": [], "removedKeys": ["rows"]},
        },
    )
    model = AssetHistoryModel()
    model.set_entries([AssetHistoryEntry("etl", 20.0, change)])
    qtmodeltester.check(model)
    rows = [(r.field, r.old, r.new) for r in model.rows]
    assert ("tag `tier` changed", "not recorded", "not recorded") in rows
    assert ("tag `owner` added", "—", "not recorded") in rows
    assert ("metadata `rows` removed", "not recorded", "—") in rows


def _deferred_source(
    loads: Sequence[LocationLoad],
) -> tuple[Any, Any, list[list[float]]]:
    """A source that leaves summaries out, like the cache's, and notes
    which loads' summaries were asked for."""
    asked: list[list[float]] = []
    bare = [replace(load, summary=DiffSummary()) for load in loads]
    by_time = {load.loaded_at: load.summary for load in loads if load.summary}

    def fetch(limit: int, offset: int) -> list[LocationLoad]:
        return bare[offset : offset + limit]

    def summaries(wanted: Sequence[LocationLoad]) -> dict[float, DiffSummary]:
        asked.append([load.loaded_at for load in wanted])
        return {ld.loaded_at: by_time[ld.loaded_at] for ld in wanted if ld.loaded_at in by_time}

    def counts(wanted: Sequence[LocationLoad]) -> dict[float, int]:
        found = {ld.loaded_at: by_time.get(ld.loaded_at, DiffSummary()) for ld in wanted}
        return {at: len(s.added) + len(s.removed) + len(s.modified) for at, s in found.items() if s}

    return fetch, (summaries, counts), asked


@pytest.mark.parametrize("collapsed", [True, False])
def test_summaries_are_read_only_for_the_rows_shown(
    qtmodeltester: Any, monkeypatch: pytest.MonkeyPatch, collapsed: bool
) -> None:
    many = [
        _load(
            float(100 - n),
            f"etl:{n}",
            f"{n:040x}",
            summary=DiffSummary(modified=tuple((f"k{n}.{i}",) for i in range(n % 6))),
        )
        for n in range(40)
    ]
    fetch, lookups, asked = _deferred_source(many)
    monkeypatch.setattr(history_model, "SUMMARY_WINDOW", 8)
    model = HistoryModel(page_size=20)
    model.set_collapsed(collapsed)
    model.set_source(fetch, len(many), summaries=lookups)
    assert asked == []
    # Rows are sized from the counts, exactly as from the summaries.
    lines = [model.row_lines(row) for row in range(model.rowCount())]
    assert asked == []
    assets = model.column_named("Assets")
    model.index(4, assets).data(ASSET_LINES_ROLE)
    assert asked == [[float(100 - n) for n in range(4, 12)]]
    assert model.index(5, assets).data() == "~5"
    assert len(asked) == 1  # within the window read
    assert model.row_at(15).head.summary == many[15].summary
    expected = HistoryModel()
    expected.set_collapsed(collapsed)
    expected.set_loads(many[:20])
    assert lines == [expected.row_lines(row) for row in range(expected.rowCount())]
    assert model.loads == many[:20]  # every load read, with its summary
    model.fetchMore()
    assert model.read_count == 40
    assert model.loads == many
    qtmodeltester.check(model)


def test_a_collapsed_row_that_changed_a_key_twice_is_sized_by_its_keys() -> None:
    twice = DiffSummary(modified=(("a",),), change_types={("a",): (ChangeType.TAGS,)})
    loads = [
        _load(30.0, "etl:2", "b" * 40, summary=twice),
        _load(20.0, "etl:2", "b" * 40, summary=twice),
        _load(10.0, "etl:1", "a" * 40),
    ]
    fetch, lookups, asked = _deferred_source(
        [*loads, *(replace(ld, loaded_at=ld.loaded_at - 100) for ld in loads)]
    )
    model = HistoryModel()
    model.set_source(fetch, 2 * len(loads), summaries=lookups)
    assert model.rowCount() == 4
    model.prepare_row_lines(0, 3)  # both such rows read at once
    assert asked == [[30.0, 20.0, -70.0, -80.0]]
    assert [model.row_lines(row) for row in range(4)] == [1, 1, 1, 1]  # one key each
    assert len(asked) == 1
