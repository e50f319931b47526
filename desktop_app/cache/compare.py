"""Comparing any two loads of a location from the cache (see
`core.compare`): the two loads and the net asset changes between them."""

from __future__ import annotations

from dataclasses import replace

from desktop_app.cache.definitions import DIFF_DETAIL_LIMIT
from desktop_app.cache.store import HistoryCache
from desktop_app.core.compare import Comparison
from desktop_app.core.diff import AssetChange
from desktop_app.core.loads import LoadStatus, LocationLoad


def compare(cache: HistoryCache, old: LocationLoad, new: LocationLoad) -> Comparison:
    """The net changes from `old` to `new` (loads of one location, either
    order in time): an indexed query whose cost follows the changed assets.
    Beyond `DIFF_DETAIL_LIMIT` changed assets the changes carry their types
    only (`complete` False); `details` reads one asset's in full."""
    changes = cache.diff(old.location, old.loaded_at, new.loaded_at)
    complete = len(changes) <= DIFF_DETAIL_LIMIT
    return Comparison(old=old, new=new, changes=tuple(changes), complete=complete)


def details(cache: HistoryCache, comparison: Comparison, change: AssetChange) -> AssetChange:
    """`change` (one asset of `comparison`) with its definitions and field details."""
    if comparison.complete:
        return change
    full = cache.asset_diff(
        comparison.old.location, change.key, comparison.old.loaded_at, comparison.new.loaded_at
    )
    return full if full is not None else change


def with_all_details(cache: HistoryCache, comparison: Comparison) -> Comparison:
    """Every change with its details (one query per changed asset when the
    comparison is not `complete`: for printing, not for the GUI thread)."""
    if comparison.complete:
        return comparison
    changes = tuple(details(cache, comparison, change) for change in comparison.changes)
    return replace(comparison, changes=changes, complete=True)


def compare_at(cache: HistoryCache, location: str, old_at: float, new_at: float) -> Comparison:
    """`compare` for two `loaded_at` times; LookupError for an unknown one."""
    old, new = cache.load_at(location, old_at), cache.load_at(location, new_at)
    if old is None or new is None:
        missing = old_at if old is None else new_at
        raise LookupError(f"{location} has no load at {missing}")
    return compare(cache, old, new)


def current_load(cache: HistoryCache, location: str, page: int = 50) -> LocationLoad | None:
    """The version running now: the newest load that succeeded (the newest
    load at all when none did); None for a location with no history."""
    offset = 0
    newest: LocationLoad | None = None
    while True:
        loads = cache.history(location, limit=page, offset=offset)
        if not loads:
            return newest
        newest = newest or loads[0]
        for load in loads:
            if load.status == LoadStatus.LOADED:
                return load
        offset += page
