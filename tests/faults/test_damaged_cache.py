"""A damaged cache is detected, said so, moved aside and rebuilt from the
server, keeping the rollback reasons it still yields; a locked one is
waited for or reported busy, and never moved aside."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_app.cache import database
from desktop_app.cache.store import CacheBusy, CacheDamaged, HistoryCache
from tests.faults.conftest import Recorded
from tests.faults.corpus import Replayer
from tests.faults.helpers import place_cache, run_history

Damage = Callable[[Path], None]


def _sql(*statements: str) -> Damage:
    def damage(path: Path) -> None:
        conn = sqlite3.connect(path)
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.close()

    return damage


def _bytes(edit: Callable[[bytes], bytes]) -> Damage:
    def damage(path: Path) -> None:
        path.write_bytes(edit(path.read_bytes()))

    return damage


def _link(path: Path) -> None:
    target = path.with_name("elsewhere.sqlite")
    path.replace(target)
    path.symlink_to(target)


def _flip_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 8192]) + data[
        middle + 8192 :
    ]


CASES: dict[str, Damage] = {
    "schema version 999": _sql("UPDATE schema_version SET version = 999"),
    "schema version -1": _sql("UPDATE schema_version SET version = -1"),
    "schema version 0": _sql("UPDATE schema_version SET version = 0"),
    "schema version text": _sql("UPDATE schema_version SET version = 'three'"),
    "schema version real": _sql("UPDATE schema_version SET version = 2.5"),
    "schema version missing": _sql("DELETE FROM schema_version"),
    "schema version twice": _sql("INSERT INTO schema_version VALUES (3)"),
    "schema_version dropped": _sql("DROP TABLE schema_version"),
    "load dropped": _sql("DROP TABLE load"),
    "asset_change dropped": _sql("DROP TABLE asset_change"),
    "definition dropped": _sql("DROP TABLE definition"),
    "meta dropped": _sql("DROP TABLE meta"),
    "load with other columns": _sql(
        "DROP TABLE load", "CREATE TABLE load (id INTEGER PRIMARY KEY, other TEXT)"
    ),
    "location with an extra column": _sql("ALTER TABLE location ADD COLUMN extra TEXT"),
    "unknown load status": _sql("UPDATE load SET status = 'EXPLODED'"),
    "bad JSON document": _sql("UPDATE load SET document = '{not json'"),
    "bad JSON display": _sql("UPDATE load SET display = '[1,'"),
    "bad JSON deploy": _sql("UPDATE location SET deploy = 'nope'"),
    "bad JSON viewer": _sql("UPDATE meta SET value = '{' WHERE key = 'viewer'"),
    "bad JSON asset key": _sql("UPDATE asset_key SET key = 'x[' WHERE id = 1"),
    "type mask 999": _sql("UPDATE asset_change SET types = 999"),
    "type mask negative": _sql("UPDATE asset_change SET types = -3"),
    "type mask text": _sql("UPDATE asset_change SET types = 'abc'"),
    "unknown change state": _sql("UPDATE asset_change SET state = 7"),
    "load at 1e308": _sql("UPDATE load SET loaded_at = 1e308 WHERE id = 1"),
    "load at -inf": _sql("UPDATE load SET loaded_at = -9e999 WHERE id = 1"),
    "truncated file": _bytes(lambda data: data[: len(data) // 3]),
    "garbage header": _bytes(lambda data: b"\x00" * 100 + data[100:]),
    "flipped page": _bytes(_flip_middle),
    "not a database": _bytes(lambda _data: b"hello, I am a text file\n" * 100),
    "another app's database": _sql(
        "DROP TABLE schema_version", "CREATE TABLE other_app (x INTEGER)"
    ),
    "a symlink": _link,
}
NOTE = "the deploy broke checkout"


def _add_note(path: Path, location: str) -> None:
    conn = sqlite3.connect(path)
    loc = conn.execute("SELECT id FROM location WHERE name = ?", (location,)).fetchone()[0]
    conn.execute(
        "INSERT INTO rollback_note (location_id, target_loaded_at, reason, requested_by,"
        " submitted_at) VALUES (?, 1.5, ?, 'editor@example.com', 2.5)",
        (loc, NOTE),
    )
    conn.commit()
    conn.close()


def _notes(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT reason FROM rollback_note")]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def clean_history(recorded: Recorded, tmp_path_factory: pytest.TempPathFactory) -> list[object]:
    with Replayer(recorded.first) as url:
        run = run_history(url, tmp_path_factory.mktemp("clean"), recorded.location)
    assert run.code == 0, run.err
    return _comparable(run.out)


def _comparable(out: str) -> list[object]:
    return json.loads(out)  # type: ignore[no-any-return]


SAMPLE = ("schema version text", "load dropped", "type mask negative", "truncated file")


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=() if n in SAMPLE else pytest.mark.faults) for n in CASES],
)
def test_damaged_cache_is_said_moved_aside_and_rebuilt(
    name: str, recorded: Recorded, clean_history: list[object], tmp_path: Path, record_property
) -> None:
    with Replayer(recorded.first) as url:
        path = place_cache(recorded.synced_cache, url, tmp_path)
        _add_note(path, recorded.location)
        CASES[name](path)
        run = run_history(url, tmp_path, recorded.location)
    record_property("latency", run.seconds)
    assert run.code == 0, run.err
    assert "The cache file was damaged; moved it to" in run.err, run.err
    assert "rebuilt it" in run.err
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name and p.suffix != ".sqlite-wal"]
    assert aside, list(tmp_path.iterdir())
    assert _comparable(run.out) == clean_history
    assert not path.is_symlink()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    readable = not any(word in name for word in ("file", "header", "page", "database", "link"))
    readable = readable and "dropped" not in name and "columns" not in name
    if readable:
        assert _notes(path) == [NOTE], "the rollback reason did not survive the rebuild"


_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA locking_mode=EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
conn.close()
"""


@contextlib.contextmanager
def _held(path: Path, seconds: float, *, kill: bool = True) -> Iterator[None]:
    """Another process holds `path` locked for `seconds` (or until the block
    ends, when `kill`)."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        try:
            yield
        finally:
            if kill:
                holder.kill()
            holder.wait()


def test_a_locked_cache_is_reported_busy_and_left_alone(
    recorded: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record_property
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.5)
    with Replayer(recorded.first) as url:
        path = place_cache(recorded.synced_cache, url, tmp_path)
        _add_note(path, recorded.location)
        before = path.read_bytes()
        with _held(path, 30):
            run = run_history(url, tmp_path, recorded.location)
    record_property("latency", run.seconds)
    assert run.code == 1
    assert "in use by another process" in run.err
    assert sorted(p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name) == []
    assert path.read_bytes() == before
    assert _notes(path) == [NOTE]


def test_a_briefly_locked_cache_is_waited_for(recorded: Recorded, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    HistoryCache.open(path).close()
    started = time.monotonic()
    with _held(path, 1.0, kill=False), HistoryCache.open(path, busy_timeout=20) as cache:
        assert cache.recovered_from is None
    assert time.monotonic() - started >= 0.5


def test_busy_is_not_damage_at_the_store_either(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    HistoryCache.open(path).close()
    with _held(path, 30), pytest.raises(CacheBusy):
        HistoryCache.open(path, busy_timeout=0.3)
    assert [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name] == []


def test_damage_found_on_first_use_is_said_and_rebuilt(
    recorded: Recorded, tmp_path: Path
) -> None:
    """A definition that no longer decodes is not looked at on open; the
    first read that needs it says so, and `rebuild` keeps the notes."""
    path = tmp_path / "c.sqlite"
    path.write_bytes(recorded.synced_cache.read_bytes())
    _add_note(path, recorded.location)
    _sql("UPDATE definition SET body = x'00112233'")(path)
    with HistoryCache.open(path) as cache:
        assert cache.recovered_from is None
        loads = cache.history(recorded.location)
        with pytest.raises(CacheDamaged, match="does not decode"):
            cache.snapshot_at(recorded.location, loads[0].loaded_at)
        aside = cache.rebuild("a definition does not decode")
        assert aside.exists()
        assert cache.recovered_from == aside
        assert cache.history(recorded.location) == []
    assert _notes(path) == [NOTE]


def test_damage_met_by_a_round_rebuilds_and_syncs_again(
    recorded: Recorded, tmp_path: Path, record_property
) -> None:
    """The incremental round needs the stored definitions; finding them
    undecodable, it rebuilds the file and syncs from scratch in one go."""
    with Replayer(recorded.first + recorded.incremental) as url:
        path = place_cache(recorded.synced_cache, url, tmp_path)
        _add_note(path, recorded.location)
        _sql("UPDATE definition SET body = x'00112233'")(path)
        run = run_history(url, tmp_path, recorded.location)
    record_property("latency", run.seconds)
    assert run.code == 0, run.err
    assert "The cache file was damaged; moved it to" in run.err
    assert json.loads(run.out)
    assert _notes(path) == [NOTE]
