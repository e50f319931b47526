"""The cache's diff between any two loads equals applying the loads in
between one by one (`core.compare.net_changes`), for random histories."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.cache import schema
from desktop_app.cache.compare import compare_at
from desktop_app.cache.store import HistoryCache
from desktop_app.cache.writer import ChangeRow
from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.compare import net_changes
from desktop_app.core.diff import diff_snapshots
from desktop_app.core.loads import LoadStatus, LocationLoad
from tests.cache.test_diff_paths import _random_history
from tests.core.strategies import snapshots

Snapshot = dict[AssetKey, AssetDefinition]


def _write(cache: HistoryCache, history: list[Snapshot]) -> list[float]:
    times = []
    before: Snapshot = {}
    for n, snapshot in enumerate(history):
        rows = []
        for change in diff_snapshots(before, snapshot):
            if change.new is None:
                rows.append(ChangeRow(change.key, schema.REMOVED, types=change.change_types))
            else:
                rows.append(
                    ChangeRow(change.key, schema.PRESENT, change.new, types=change.change_types)
                )
        at = float(n + 1)
        with cache.write() as w:
            w.add_load(LocationLoad("loc", at, LoadStatus.LOADED), rows)
        times.append(at)
        before = snapshot
    return times


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(snapshots(), min_size=2, max_size=6))
def test_cache_diff_equals_the_loads_in_between_applied_one_by_one(
    history: list[Snapshot],
) -> None:
    with tempfile.TemporaryDirectory() as tmp, HistoryCache.open(Path(tmp) / "c.sqlite") as cache:
        times = _write(cache, history)
        steps = [cache.diff("loc", a, b) for a, b in itertools.pairwise(times)]
        for i, j in itertools.combinations(range(len(times)), 2):
            direct = cache.diff("loc", times[i], times[j])
            assert direct == net_changes(steps[i:j]), (i, j)
            assert direct == diff_snapshots(history[i], history[j]), (i, j)
            backwards = cache.diff("loc", times[j], times[i])
            assert backwards == diff_snapshots(history[j], history[i]), (j, i)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_types_agree_over_unknown_definitions(tmp_path: Path, seed: int) -> None:
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        times = _random_history(cache, seed, loads=30, unknowns=True)
        steps = [cache.diff("loc", a, b) for a, b in itertools.pairwise(times)]
        for i, j in itertools.combinations(range(len(times)), 2):
            direct = [(c.key, c.change_types) for c in cache.diff("loc", times[i], times[j])]
            folded = [(c.key, c.change_types) for c in net_changes(steps[i:j])]
            assert direct == folded, (i, j)


def test_compare_at_names_both_loads_and_refuses_unknown_times(tmp_path: Path) -> None:
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        times = _random_history(cache, 1, loads=5)
        comparison = compare_at(cache, "loc", times[0], times[-1])
        assert (comparison.old.loaded_at, comparison.new.loaded_at) == (times[0], times[-1])
        assert list(comparison.changes) == cache.diff("loc", times[0], times[-1])
        with pytest.raises(LookupError):
            compare_at(cache, "loc", times[0], 999.0)


def test_large_comparisons_read_details_per_asset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.cache import compare as compare_module
    from desktop_app.cache import definitions

    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        times = _random_history(cache, 2, loads=8)
        monkeypatch.setattr(definitions, "DIFF_DETAIL_LIMIT", 0)
        monkeypatch.setattr(compare_module, "DIFF_DETAIL_LIMIT", 0)
        light = compare_at(cache, "loc", times[0], times[-1])
        assert not light.complete
        changed = [c for c in light.changes if c.old is None and c.new is None]
        assert changed, "types only: too many to read at once"
        full = compare_module.with_all_details(cache, light)
        assert full.complete
        expected = diff_snapshots(
            cache.snapshot_at("loc", times[0]), cache.snapshot_at("loc", times[-1])
        )
        assert list(full.changes) == expected
