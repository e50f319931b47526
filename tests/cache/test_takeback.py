"""Taking back a failed round: every location it noted is as it was, and
the keys and definitions only it had stored are gone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_app.cache.notes import RollbackNote
from desktop_app.cache.schema import PRESENT, REMOVED
from desktop_app.cache.store import HistoryCache
from desktop_app.cache.takeback import RoundLedger
from desktop_app.cache.writer import ChangeRow
from desktop_app.core.assets import AssetDefinition
from desktop_app.core.loads import LoadStatus, LocationLoad, LocationSummary


def _load(location: str, at: float) -> LocationLoad:
    return LocationLoad(location=location, loaded_at=at, status=LoadStatus.LOADED)


def _row(name: str, version: str) -> ChangeRow:
    key = ("shop", name)
    return ChangeRow(key, PRESENT, AssetDefinition(key, code_version=version))


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _summary(name: str, count: int) -> LocationSummary:
    return LocationSummary(name=name, status="LOADED", updated_at=1.0, asset_count=count)


def test_a_round_is_taken_back_to_the_row(tmp_path: Path) -> None:
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        with cache.write() as w:
            w.add_load(_load("kept", 100.0), [_row("orders", "1")])
            w.update_location(_summary("kept", 1), "LOADED|1.0|v1")
            w.add_rollback_note(RollbackNote("noted", 50.0, "why", None, 60.0))
        before = _dump(cache.path)

        ledger = RoundLedger()
        with cache.write() as w:  # one location moves on, two appear
            ledger.note(w.conn, "kept")
            w.add_load(_load("kept", 200.0), [_row("orders", "2"), _row("users", "1")])
            w.update_location(_summary("kept", 2), "LOADED|2.0|v2")
        with cache.write() as w:
            for name in ("new", "noted"):
                ledger.note(w.conn, name)
                w.add_load(_load(name, 300.0), [_row(f"{name}_asset", "1")])
                w.update_location(_summary(name, 1), None)
        with cache.write() as w:
            w.add_load(
                _load("kept", 400.0), [ChangeRow(("shop", "users"), REMOVED)]
            )  # a second write of a noted location: its first note counts
        assert _dump(cache.path) != before

        cache.take_back(ledger)
        assert _dump(cache.path) == before
        assert cache.history_count("kept") == 1
        assert cache.history_count("new") == 0


def test_a_new_location_given_a_rollback_note_meanwhile_keeps_its_row(tmp_path: Path) -> None:
    """Another writer (a rollback's reason) may refer to a location the
    round first wrote: its row stays, without the round's history."""
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        ledger = RoundLedger()
        with cache.write() as w:
            ledger.note(w.conn, "fresh")
            w.add_load(_load("fresh", 300.0), [_row("a", "1")])
            w.update_location(_summary("fresh", 1), None)
        with cache.write() as w:
            w.add_rollback_note(RollbackNote("fresh", 300.0, "why", None, 310.0))
        cache.take_back(ledger)
        assert cache.history_count("fresh") == 0
        assert cache.rollback_note(_rollback_to("fresh", 300.0)) is not None


def _rollback_to(location: str, target: float) -> LocationLoad:
    return LocationLoad(
        location=location,
        loaded_at=target + 100,
        status=LoadStatus.LOADED,
        display_metadata={"action": "rollback", "rollback_target": repr(target)},
    )
