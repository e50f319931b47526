"""Rollback notes: the reason given for a rollback, kept only in the cache,
and the schema step that added them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_app.cache import database, schema
from desktop_app.cache.notes import CLOCK_SLACK, RollbackNote
from desktop_app.cache.store import HistoryCache
from desktop_app.core.loads import LoadStatus, LocationLoad

TARGET = 1_000.0


def _load(at: float, location: str = "loc", **display: str) -> LocationLoad:
    return LocationLoad(
        location=location,
        loaded_at=at,
        status=LoadStatus.LOADED,
        document={"location_name": location, "image": f"img:{at}"},
        display_metadata={"action": "deploy", **display},
    )


def _rollback(at: float, target: float = TARGET, location: str = "loc") -> LocationLoad:
    return _load(at, location, action="rollback", rollback_target=repr(target))


def _note(reason: str, submitted_at: float, target: float = TARGET) -> RollbackNote:
    return RollbackNote("loc", target, reason, "editor@example.com", submitted_at)


def test_a_rollback_entry_reads_the_newest_note_submitted_before_it(tmp_path: Path) -> None:
    first, second = _rollback(2_000.0), _rollback(3_000.0)
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        with cache.write() as w:
            for load in (_load(TARGET), _load(1_500.0), first, second):
                w.add_load(load, [])
            w.add_rollback_note(_note("orders job broke", 1_999.0))
            w.add_rollback_note(_note("broke again", 2_999.5))
            w.add_rollback_note(_note("about another version", 2_999.0, target=1_500.0))
        one, two = cache.rollback_note(first), cache.rollback_note(second)
        assert one is not None
        assert two is not None
        assert (one.reason, one.requested_by, one.submitted_at) == (
            "orders job broke",
            "editor@example.com",
            1_999.0,
        )
        assert two.reason == "broke again"
        history = cache.history("loc")
        assert cache.rollback_notes(history) == {2_000.0: one, 3_000.0: two}
        # Only rollback entries have notes, and only for their own target.
        assert cache.rollback_note(_load(3_000.0)) is None
        assert cache.rollback_note(_rollback(3_000.0, target=999.0)) is None
        assert cache.rollback_note(_rollback(3_000.0, location="elsewhere")) is None
        assert cache.rollback_notes([_load(TARGET), _load(1_500.0)]) == {}


def test_a_note_stamped_a_little_after_its_entry_still_belongs_to_it(tmp_path: Path) -> None:
    # The note is stamped by this computer's clock, the load by the server's.
    entry = _rollback(2_000.0)
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        with cache.write() as w:
            w.add_load(_load(TARGET), [])
            w.add_load(entry, [])
            w.add_rollback_note(_note("clock skew", 2_000.0 + CLOCK_SLACK - 1))
        found = cache.rollback_note(entry)
        assert found is not None
        assert found.reason == "clock skew"
        with cache.write() as w:
            w.add_rollback_note(_note("a later rollback's", 2_000.0 + CLOCK_SLACK + 1))
        found = cache.rollback_note(entry)
        assert found is not None
        assert found.reason == "clock skew"
        assert cache.rollback_notes([entry]) == {2_000.0: found}


def test_a_version_1_file_is_upgraded_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    old_tables = [t for t in schema.metadata.sorted_tables if t is not schema.rollback_note]
    engine = database.connect(path)
    with engine.begin() as conn:
        schema.metadata.create_all(conn, tables=old_tables)
        conn.execute(schema.schema_version.insert().values(version=1))
        conn.exec_driver_sql(
            "INSERT INTO location (id, name, active, status, asset_count)"
            " VALUES (1, 'loc', 1, 'LOADED', 0)"
        )
        for at, display in (
            (TARGET, '{"action": "deploy"}'),
            (2_000.0, '{"action": "rollback", "rollback_target": "1000.0"}'),
        ):
            conn.exec_driver_sql(
                "INSERT INTO load (location_id, loaded_at, status, display)"
                " VALUES (1, ?, 'LOADED', ?)",
                (at, display),
            )
    engine.dispose()

    with HistoryCache.open(path) as cache:
        assert cache.recovered_from is None
        history = cache.history("loc")
        assert [load.loaded_at for load in history] == [2_000.0, TARGET]
        assert cache.rollback_note(history[0]) is None
        with cache.write() as w:
            w.add_rollback_note(_note("after the upgrade", 1_999.0))
        found = cache.rollback_note(history[0])
        assert found is not None
        assert found.reason == "after the upgrade"
    assert not list(tmp_path.glob("*.corrupt-*"))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [
            (schema.SCHEMA_VERSION,)
        ]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"rollback_note", "asset_change_detail"} <= tables  # every step ran
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(rollback_note)")}
        assert "rollback_note_by_target" in indexes
    conn.close()
    with HistoryCache.open(path) as cache:  # opening again migrates nothing
        assert cache.recovered_from is None
        assert cache.history_count("loc") == 2
