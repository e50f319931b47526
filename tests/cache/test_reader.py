"""A process that only reads the cache (the GUI process) opens it read
only: SQLite refuses every write, and it still sees what the writer commits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from desktop_app.cache.store import CacheNotReady, HistoryCache
from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.core.rollback import RollbackNote


def _load(at: float) -> LocationLoad:
    return LocationLoad(
        location="loc",
        loaded_at=at,
        status=LoadStatus.LOADED,
        document={"location_name": "loc", "image": f"img:{at}"},
        display_metadata={"action": "deploy"},
    )


def test_a_reader_refuses_every_write(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    HistoryCache.open(path).close()
    with HistoryCache.open_reader(path) as reader:
        assert reader.read_only
        with pytest.raises(PermissionError), reader.write():
            pass
        # Not only our writer: SQLite itself refuses, whatever the statement.
        for statement in (
            "INSERT INTO meta (key, value) VALUES ('x', 'y')",
            "DELETE FROM schema_version",
            "CREATE TABLE other (x)",
        ):
            with reader.engine.connect() as conn, pytest.raises(OperationalError):
                conn.exec_driver_sql(statement)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'x'").fetchone() == (0,)
    conn.close()


def test_a_reader_sees_what_the_writer_commits(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with HistoryCache.open(path) as writer, HistoryCache.open_reader(path) as reader:
        assert reader.history("loc") == []
        with writer.write() as w:
            w.add_load(_load(1.0), [])
        assert [ld.loaded_at for ld in reader.history("loc")] == [1.0]
        with writer.write() as w:
            w.add_rollback_note(
                RollbackNote(
                    location="loc",
                    target_loaded_at=1.0,
                    reason="broke",
                    requested_by=None,
                    submitted_at=2.0,
                )
            )
        with reader.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT reason FROM rollback_note").scalar() == "broke"


def test_a_reader_waits_for_the_writer_to_make_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with pytest.raises(CacheNotReady):
        HistoryCache.open_reader(path)
    assert not path.exists()  # a reader makes nothing
    path.write_bytes(b"not a database at all, not even close to one" * 100)
    with pytest.raises(CacheNotReady):
        HistoryCache.open_reader(path)
    path.unlink()
    HistoryCache.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = version - 1")
    conn.close()
    with pytest.raises(CacheNotReady, match="schema version"):
        HistoryCache.open_reader(path)
    HistoryCache.open(path).close()  # the writer migrates it
    HistoryCache.open_reader(path).close()
