"""Both ways the cache computes a diff (a seek per changed key for short
spans, one ordered pass for long ones) agree with each other and with the
diff of the two snapshots, for every pair of loads of a random history."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.cache import definitions, schema
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
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        times = _random_history(cache, seed)
        for lo, hi in itertools.combinations([0.0, *times], 2):
            expected = [
                (c.key, c.change_types)
                for c in diff_snapshots(cache.snapshot_at("loc", lo), cache.snapshot_at("loc", hi))
            ]
            monkeypatch.setattr(definitions, "_PASS_MIN_LOADS", 10**9)
            by_seek = [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            monkeypatch.setattr(definitions, "_PASS_MIN_LOADS", 0)
            by_pass = [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            assert by_seek == expected, (lo, hi)
            assert by_pass == expected, (lo, hi)


@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_both_diff_plans_agree_over_unknown_definitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        times = _random_history(cache, seed, loads=40, unknowns=True)
        for lo, hi in itertools.combinations([0.0, *times], 2):
            monkeypatch.setattr(definitions, "_PASS_MIN_LOADS", 10**9)
            by_seek = [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            monkeypatch.setattr(definitions, "_PASS_MIN_LOADS", 0)
            by_pass = [(c.key, c.change_types) for c in cache.diff("loc", lo, hi)]
            assert by_pass == by_seek, (lo, hi)
