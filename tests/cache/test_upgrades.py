"""The cache opens files written by earlier releases: the committed file
of release 8c0ca6b, and the form files had before two changes that were
made without a new version number."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from pathlib import Path

from desktop_app.cache import codec
from desktop_app.cache import schema as s
from desktop_app.cache.store import HistoryCache
from desktop_app.core.assets import AssetDefinition

FIXTURE = Path(__file__).parents[1] / "fixtures" / "release-8c0ca6b" / "cache.sqlite3"


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT version FROM schema_version").fetchone()[0])


def test_the_release_file_opens_with_its_history(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    shutil.copyfile(FIXTURE, path)
    with HistoryCache.open(path) as cache:
        assert cache.recovered_from is None  # opened, not moved aside and rebuilt
        entries = cache.history("fixture")
        assert [e.status.value for e in entries] == ["ERROR", "LOADED", "LOADED"]
        second, first = entries[1].summary, entries[2].summary
        assert set(first.added) == {("fixture", "raw"), ("fixture", "clean")}
        assert second.added == (("fixture", "report"),)
        assert ("fixture", "raw") in second.modified
        assert entries[0].deploy.image == "registry.example.com/fixture:broken"
        assert cache.history_count("analytics_core") == 32
    assert _version(path) == s.SCHEMA_VERSION


def _write_pre_0695fb9_file(path: Path) -> AssetDefinition:
    """A version-1 file in the form it had before 0695fb9 and 1711e92."""
    with HistoryCache.open(path):
        pass
    definition = AssetDefinition.from_json(
        {"key": ["old", "asset"], "code_version": "7", "tags": {"team": "x"}}
    )
    old_body = zlib.compress(definition.canonical_json().encode(), 6)
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            DROP TABLE definition;
            CREATE TABLE definition (id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,
                                     body BLOB NOT NULL);
            DROP INDEX asset_change_by_time;
            CREATE INDEX asset_change_by_time ON asset_change (location_id, loaded_at);
            DROP TABLE rollback_note;
            DROP TABLE asset_change_detail;
            UPDATE schema_version SET version = 1;
            """
        )
        conn.execute(
            "INSERT INTO definition (id, hash, body) VALUES (1, ?, ?)",
            (bytes.fromhex(definition.content_hash()), old_body),
        )
    return definition


def test_files_from_before_the_unversioned_changes_are_repaired(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    definition = _write_pre_0695fb9_file(path)
    with HistoryCache.open(path) as cache:
        assert cache.recovered_from is None
        with cache.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT hash, body, fields FROM definition").one()
            index = [r[2] for r in conn.exec_driver_sql("PRAGMA index_info(asset_change_by_time)")]
    assert codec.decode_definition(row[1]) == definition
    assert row[0] == codec.definition_hash(definition)
    assert row[2] == codec.fingerprint(definition)
    assert index == ["location_id", "loaded_at", "changed"]
    assert _version(path) == s.SCHEMA_VERSION
    assert json.loads(definition.canonical_json())["code_version"] == "7"
