"""The cache file: creation, integrity, schema version, queries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app.cache import schema
from desktop_app.cache.paths import cache_path_for
from desktop_app.cache.store import HistoryCache
from desktop_app.cache.writer import ChangeRow
from desktop_app.core.assets import AssetDefinition
from desktop_app.core.diff import ChangeType
from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.core.roles import Role
from desktop_app.core.session import Capabilities, Viewer


def _load(at: float, status: LoadStatus = LoadStatus.LOADED) -> LocationLoad:
    return LocationLoad(
        location="loc",
        loaded_at=at,
        status=status,
        document={"location_name": "loc", "image": f"img:{at}"},
        display_metadata={"action": "deploy"},
    )


def test_paths_default_to_the_user_data_dir_and_differ_per_url(tmp_path):
    one = cache_path_for("http://127.0.0.1:3000/graphql")
    two = cache_path_for("https://acme.dagster.cloud/prod/graphql")
    assert one != two
    assert "desktop-app" in str(one)
    assert one.suffix == ".sqlite"
    assert cache_path_for("http://x/graphql", tmp_path).parent == tmp_path


def test_new_file_uses_wal_and_records_the_schema_version(tmp_path):
    path = tmp_path / "c.sqlite"
    HistoryCache.open(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == (
            schema.SCHEMA_VERSION
        )
    conn.close()


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 100, b""],
    ids=["garbage", "empty"],
)
def test_garbage_file(tmp_path, content):
    path = tmp_path / "c.sqlite"
    path.write_bytes(content)
    with HistoryCache.open(path) as cache:
        if content:
            assert cache.recovered_from is not None
            assert cache.recovered_from.read_bytes() == content
        else:
            assert cache.recovered_from is None  # an empty file is a new database
        assert cache.locations() == []


def test_someone_elses_database_is_moved_aside(tmp_path):
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()
    with HistoryCache.open(path) as cache:
        assert cache.recovered_from is not None
        assert cache.history_count("loc") == 0


def test_a_file_from_a_newer_version_is_not_trusted(tmp_path):
    path = tmp_path / "c.sqlite"
    HistoryCache.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 999")
    conn.close()
    with HistoryCache.open(path) as cache:
        assert cache.recovered_from is not None


def test_older_schema_is_migrated(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"
    HistoryCache.open(path).close()
    steps: list[int] = []
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION - 1, lambda conn: steps.append(1))
    with HistoryCache.open(path) as cache:
        assert cache.recovered_from is None
    assert steps == [1]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == (
            schema.SCHEMA_VERSION
        )
    conn.close()


def test_session_values_round_trip(tmp_path):
    viewer = Viewer("a@example.com", Role.VIEWER, {"loc": Role.EDITOR})
    caps = Capabilities(history_api=True, identity=True, deploy=False)
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        assert cache.viewer() is None
        with cache.write() as w:
            w.set_viewer(viewer)
            w.set_capabilities(caps)
            w.set_last_sync(12.5)
        assert cache.viewer() == viewer
        assert cache.capabilities() == caps
        assert cache.last_sync() == 12.5


def test_definitions_are_stored_once_per_content(tmp_path):
    a1 = AssetDefinition(("a",), code_version="1")
    b = AssetDefinition(("b",), code_version="1")
    a2 = AssetDefinition(("a",), code_version="2")
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        with cache.write() as w:
            w.add_load(
                _load(1.0),
                [
                    ChangeRow(("a",), schema.PRESENT, a1, types=(ChangeType.NEW,)),
                    ChangeRow(("b",), schema.PRESENT, b, types=(ChangeType.NEW,)),
                ],
            )
            w.add_load(_load(2.0), [])
            w.add_load(
                _load(3.0),
                [ChangeRow(("a",), schema.PRESENT, a2, types=(ChangeType.CODE_VERSION,))],
            )
            w.add_load(_load(4.0), [ChangeRow(("b",), schema.REMOVED, types=(ChangeType.REMOVED,))])
            w.add_load(
                _load(5.0),
                [ChangeRow(("a",), schema.PRESENT, a1, types=(ChangeType.CODE_VERSION,))],
            )
        with cache.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM definition").scalar() == 3
            assert conn.exec_driver_sql("SELECT count(*) FROM asset_change").scalar() == 5
        assert cache.snapshot_at("loc", 2.0) == {("a",): a1, ("b",): b}
        assert cache.snapshot_at("loc", 3.5) == {("a",): a2, ("b",): b}
        assert cache.snapshot_at("loc", 4.0) == {("a",): a2}
        assert cache.snapshot_at("loc", 5.0) == {("a",): a1}
        assert [(c.key, c.change_types) for c in cache.diff("loc", 1.0, 5.0)] == [
            (("b",), (ChangeType.REMOVED,))
        ]
        assert [(c.key, c.change_types) for c in cache.diff("loc", 2.0, 3.0)] == [
            (("a",), (ChangeType.CODE_VERSION,))
        ]
        history = cache.history("loc")
        assert [h.loaded_at for h in history] == [5.0, 4.0, 3.0, 2.0, 1.0]
        assert history[1].summary.removed == (("b",),)
        assert not history[3].summary
        assert [h.loaded_at for h in cache.history("loc", limit=2, offset=1)] == [4.0, 3.0]
        # Read apart (the history dialog reads summaries for the rows it shows):
        bare = cache.history("loc", summaries=False)
        assert [h.loaded_at for h in bare] == [5.0, 4.0, 3.0, 2.0, 1.0]
        assert not any(h.summary for h in bare)
        assert cache.summaries("loc", [4.0, 2.0, 1.0]) == {
            h.loaded_at: h.summary for h in history if h.loaded_at in (4.0, 1.0)
        }
        assert cache.change_counts("loc", 2.0, 5.0) == {5.0: 1, 4.0: 1, 3.0: 1}
        assert cache.summaries("gone", [1.0]) == {}
        assert cache.history_count("loc") == 5
        loaded = cache.load_at("loc", 3.0)
        assert loaded is not None
        assert loaded.summary.change_types == {("a",): (ChangeType.CODE_VERSION,)}
        assert cache.load_at("loc", 3.5) is None
        assert [e.loaded_at for e in cache.asset_history("loc", ("a",))] == [5.0, 3.0, 1.0]


def test_a_failed_write_keeps_nothing(tmp_path: Path):
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:

        def write_then_fail() -> None:
            with cache.write() as w:
                w.add_load(_load(1.0), [])
                raise RuntimeError("stop")

        with pytest.raises(RuntimeError):
            write_then_fail()
        assert cache.history_count("loc") == 0


def test_large_diffs_carry_types_and_single_assets_carry_details(tmp_path, monkeypatch):
    from desktop_app.cache import definitions

    monkeypatch.setattr(definitions, "DIFF_DETAIL_LIMIT", 1)
    a1 = AssetDefinition(("a",), code_version="1", tags={"t": "x"})
    a2 = AssetDefinition(("a",), code_version="2", tags={"t": "y"})
    b1 = AssetDefinition(("b",), metadata={})
    b2 = AssetDefinition(("b",), dependencies=frozenset({("a",)}))
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        with cache.write() as w:
            w.add_load(
                _load(1.0),
                [
                    ChangeRow(("a",), schema.PRESENT, a1, types=(ChangeType.NEW,)),
                    ChangeRow(("b",), schema.PRESENT, b1, types=(ChangeType.NEW,)),
                ],
            )
            w.add_load(
                _load(2.0),
                [
                    ChangeRow(("a",), schema.PRESENT, a2, types=(ChangeType.CODE_VERSION,)),
                    ChangeRow(("b",), schema.PRESENT, b2, types=(ChangeType.DEPENDENCIES,)),
                    ChangeRow(("c",), schema.UNKNOWN, None, types=(ChangeType.NEW,)),
                ],
            )
            w.add_load(_load(3.0), [ChangeRow(("c",), schema.UNKNOWN, None, types=())])
        quick = cache.diff("loc", 1.0, 2.0)
        assert [(c.key, c.change_types, c.old, c.new) for c in quick] == [
            (("a",), (ChangeType.CODE_VERSION, ChangeType.TAGS), None, None),
            (("b",), (ChangeType.DEPENDENCIES,), None, None),
            (("c",), (ChangeType.NEW,), None, None),
        ]
        detail = cache.asset_diff("loc", ("a",), 1.0, 2.0)
        assert detail is not None
        assert detail.old == a1
        assert detail.new == a2
        assert detail.tags is not None
        assert detail.tags.changed == {"t": ("x", "y")}
        # modified while its definition is unknown: listed, with no types
        unknown = cache.diff("loc", 2.0, 3.0)
        assert [(c.key, c.change_types) for c in unknown] == [(("c",), ())]


def test_readers_on_other_threads_see_the_last_commit_during_a_write(tmp_path):
    import threading

    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        with cache.write() as w:
            w.add_load(_load(1.0), [])
        seen: list[int] = []
        with cache.write() as w:
            w.add_load(_load(2.0), [])
            reader = threading.Thread(target=lambda: seen.append(cache.history_count("loc")))
            reader.start()
            reader.join()
        assert seen == [1]  # not blocked, and not the uncommitted load
        assert cache.history_count("loc") == 2


@pytest.mark.parametrize("count", [3, 30])
def test_diffs_over_unknown_definitions_report_recorded_types(tmp_path, count):
    keys = [(f"k{i:02d}",) for i in range(count)]
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        with cache.write() as w:
            w.add_load(
                _load(1.0), [ChangeRow(k, schema.UNKNOWN, types=(ChangeType.NEW,)) for k in keys]
            )
            w.add_load(
                _load(2.0),
                [ChangeRow(k, schema.UNKNOWN, types=(ChangeType.TAGS,)) for k in keys],
            )
            w.add_load(
                _load(3.0),
                [ChangeRow(k, schema.UNKNOWN, types=(ChangeType.CODE_VERSION,)) for k in keys],
            )
        changes = cache.diff("loc", 1.0, 3.0)
        assert [c.key for c in changes] == keys
        assert {c.change_types for c in changes} == {(ChangeType.CODE_VERSION, ChangeType.TAGS)}
        assert {c.change_types for c in cache.diff("loc", 0.0, 2.0)} == {(ChangeType.NEW,)}
