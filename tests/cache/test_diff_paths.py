"""Both ways the cache computes a diff (a seek per changed key for short
spans, two whole states compared for long ones) agree with each other and with the
diff of the two snapshots, for every pair of loads of a random history."""

from __future__ import annotations

import itertools
import random
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.cache import definitions, schema, states
from desktop_app.cache.store import HistoryCache
from desktop_app.cache.writer import ChangeRow
from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import ChangeType, diff_definitions, diff_snapshots
from desktop_app.core.loads import LoadStatus, LocationLoad


def _random_history(
    cache: HistoryCache, seed: int, loads: int = 25, unknowns: bool = False
) -> list[float]:
    """Random loads over ten keys. With `unknowns`, some changes arrive
    without a definition (only their recorded types) and some rows only
    re-state a definition a load did not change, as a sync writes them."""
    rng = random.Random(seed)
    current: dict[AssetKey, AssetDefinition] = {}
    times = []
    for n in range(loads):
        rows = []
        for name in rng.sample("abcdefghij", rng.randrange(0, 4)):
            key = (name,)
            old = current.get(key)
            if old is not None and rng.random() < 0.2:
                del current[key]
                rows.append(ChangeRow(key, schema.REMOVED, types=(ChangeType.REMOVED,)))
                continue
            if unknowns and old is not None and rng.random() < 0.3:
                del current[key]
                types = (rng.choice([ChangeType.TAGS, ChangeType.METADATA]),)
                rows.append(ChangeRow(key, schema.UNKNOWN, types=types))
                continue
            if unknowns and old is not None and rng.random() < 0.2:
                rows.append(ChangeRow(key, schema.PRESENT, old, changed=False))
                continue
            new = replace(
                old or AssetDefinition(key),
                code_version=rng.choice(["1", "2", "3"]),
                tags={"tier": rng.choice(["gold", "silver"])},
            )
            change = diff_definitions(old, new)
            if change is None or not change.change_types:
                continue
            current[key] = new
            rows.append(ChangeRow(key, schema.PRESENT, new, types=change.change_types))
        at = float(n + 1)
        with cache.write() as w:
            w.add_load(LocationLoad("loc", at, LoadStatus.LOADED), rows)
        times.append(at)
    return times


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_diff_plans_match_the_snapshot_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(states, "CHECKPOINT_MIN_ROWS", 3)  # several checkpoints
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        times = _random_history(cache, seed)
        for lo, hi in itertools.combinations([0.0, *times], 2):
            expected = [
                (c.key, c.change_types)
                for c in diff_snapshots(cache.snapshot_at("loc", lo), cache.snapshot_at("loc", hi))
            ]
            monkeypatch.setattr(definitions, "_STATES_MIN_LOADS", 10**9)
            by_seek = [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            monkeypatch.setattr(definitions, "_STATES_MIN_LOADS", 0)
            by_states = [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            assert by_seek == expected, (lo, hi)
            assert by_states == expected, (lo, hi)


@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_both_diff_plans_agree_over_unknown_definitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(states, "CHECKPOINT_MIN_ROWS", 3)
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        times = _random_history(cache, seed, loads=40, unknowns=True)
        for lo, hi in itertools.permutations([0.0, *times], 2):
            monkeypatch.setattr(definitions, "_STATES_MIN_LOADS", 10**9)
            by_seek = [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            monkeypatch.setattr(definitions, "_STATES_MIN_LOADS", 0)
            by_states = [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            assert by_states == by_seek, (lo, hi)
            # Too many changes for details: types only, the same ones.
            monkeypatch.setattr(definitions, "DIFF_DETAIL_LIMIT", 0)
            bare = cache.diff("loc", lo, hi)
            monkeypatch.setattr(definitions, "DIFF_DETAIL_LIMIT", 250)
            assert [(c.key, c.change_types) for c in bare] == by_seek, (lo, hi)
            assert all(c.old is None and c.new is None for c in bare)


def test_a_state_read_as_rows_equals_the_state_read_as_a_dict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(states, "CHECKPOINT_MIN_ROWS", 3)
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        times = _random_history(cache, 8, loads=30, unknowns=True)
        with cache.engine.connect() as conn:
            loc = conn.exec_driver_sql("SELECT id FROM location WHERE name = 'loc'").scalar()
            assert loc is not None
            for at in [0.0, *times]:
                as_dict, _base, _replayed = states.state_at(conn, loc, at)
                rows = states.state_rows(conn, loc, at).tolist()
                assert rows == [[aid, *as_dict[aid]] for aid in sorted(as_dict)], at


def test_a_version_3_file_gains_state_checkpoints_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache written before checkpoints and tallies existed is upgraded
    when opened: same rows, and every diff still matches the snapshots."""
    path = tmp_path / "c.sqlite"
    monkeypatch.setattr(states, "CHECKPOINT_MIN_ROWS", 8)
    with HistoryCache.open(path) as cache:
        times = _random_history(cache, 11, loads=60, unknowns=True)
        before = {
            (lo, hi): [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            for lo, hi in itertools.combinations([0.0, *times], 2)
        }
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE asset_state")
        conn.execute("ALTER TABLE asset_change DROP COLUMN tally")
        conn.execute("UPDATE schema_version SET version = 3")
    conn.close()

    monkeypatch.setattr(definitions, "_STATES_MIN_LOADS", 0)
    with HistoryCache.open(path) as cache:
        assert cache.recovered_from is None
        assert len(cache.history("loc")) == len(times)
        for (lo, hi), expected in before.items():
            assert [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)] == expected
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT version FROM schema_version").fetchone()[0]
        assert version == schema.SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM asset_state").fetchone()[0] > 1
    conn.close()


def test_refilled_types_reach_the_diffs_of_later_spans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Types filled in later (an asset's history opened) change what long
    spans report, as they do for short ones."""
    monkeypatch.setattr(states, "CHECKPOINT_MIN_ROWS", 2)
    key = ("a",)
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        with cache.write() as w:
            w.add_load(
                LocationLoad("loc", 1.0, LoadStatus.LOADED),
                [ChangeRow(key, schema.UNKNOWN, types=(ChangeType.NEW,))],
            )
            for n in range(2, 8):
                w.add_load(
                    LocationLoad("loc", float(n), LoadStatus.LOADED),
                    [ChangeRow(key, schema.UNKNOWN, types=())],
                )
        with cache.write() as w:
            w.fill_details("loc", key, {3.0: ((ChangeType.TAGS,), None)})
        for plan in (10**9, 0):
            monkeypatch.setattr(definitions, "_STATES_MIN_LOADS", plan)
            (change,) = cache.diff("loc", 1.0, 7.0)
            assert change.change_types == (ChangeType.TAGS,)
            (change,) = cache.diff("loc", 4.0, 7.0)
            assert change.change_types == ()
