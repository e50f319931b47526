"""One round of sync: server to cache.

The round asks the cheap status query first; only locations whose status,
update timestamp or version key moved (or that appeared or vanished) cost
more requests. With nothing new, a round sends exactly one request.

Moved locations are fetched `IN_FLIGHT` at a time over the client's
keep-alive session, and each is written in a transaction of its own as
soon as everything about it has arrived: on a first sync the deployment
table fills in, and each location's history opens, while the others are
still on their way (`progress` says how many are done). A location is
written whole or not at all. A round that fails (a damaged answer, an
endless history, a server gone quiet) takes back what it had committed
(`cache.takeback`): nothing a failed round learnt is kept, and the cache is
as it was before the round. The next round asks again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

from desktop_app.api.client import DeploymentClient
from desktop_app.api.errors import BadResponse
from desktop_app.api.parse import LocationEntry, LocationStatus
from desktop_app.cache.damage import CacheDamaged
from desktop_app.cache.schema import REMOVED
from desktop_app.cache.store import CachedLocation, HistoryCache
from desktop_app.cache.takeback import RoundLedger
from desktop_app.cache.writer import CacheWriter
from desktop_app.core.assets import AssetDefinition, AssetKey, snapshot_hash
from desktop_app.core.diff import ChangeType
from desktop_app.core.loads import (
    DEFINITIONS_HASH_KEY,
    LoadStatus,
    LocationLoad,
    LocationSummary,
)
from desktop_app.core.round import EventKind, RoundEvent, RoundResult
from desktop_app.core.session import Capabilities, Viewer
from desktop_app.sync.derive import derive_rows
from desktop_app.sync.details import first_pages

HISTORY_PAGE = 100
MAX_HISTORY_PAGES = 500
"""At most this many history pages per location and round."""
ROUND_BUDGET = 5000
"""Requests one round may send in all; a server that keeps answering with
more (endless paging) ends the round with an error instead of the memory."""
HISTORY_PAGE_MORE = 500
DETAIL_BUDGET = 25
"""At most this many assets per location and round get their change types
from `assetDiffHistory` (one request or more each): those of the newest
loads, which a history dialog shows first. Beyond it, modified assets of
loads we did not see as current keep unknown change types until someone
opens that asset's history (`details.fill_asset_details`)."""
DETAIL_LOADS = 100
"""Change types are asked for the modified assets of this many newest loads
of a round: the first page a history dialog shows."""
IN_FLIGHT = 3
"""Requests in flight at once during a round that fetches several locations."""

Progress = Callable[[int, int], None]
"""progress(locations done, locations to do), called as each is written."""


SyncResult = RoundResult
"""The former name of what `run_once` returns."""


@dataclass
class _Fetched:
    """What the network said about one moved location."""

    status: LocationStatus
    loads: list[LocationLoad] = field(default_factory=list)  # oldest first
    entry: LocationEntry | None = None
    details: dict[tuple[AssetKey, float], tuple[ChangeType, ...]] = field(default_factory=dict)


def heartbeat(status: LocationStatus) -> str | None:
    if status.load_status == "LOADING":
        return None  # look again next round, whatever else moved
    return f"{status.load_status}|{status.update_timestamp!r}|{status.version_key}"


def run_once(
    client: DeploymentClient, cache: HistoryCache, progress: Progress | None = None
) -> RoundResult:
    """Sync once and return what the GUI shows; raises an ApiError on
    failure (the cache is then as it was before the round). A cache found
    damaged on the way is rebuilt and the round run again."""
    sent_before = client.requests_sent
    client.begin_round(ROUND_BUDGET)
    try:
        try:
            return _round(client, cache, sent_before, progress)
        except CacheDamaged as exc:
            # Found on first use: start again from an empty file (the
            # caller sees `cache.recovered_from`), with what the round
            # already asked counting against its budget.
            moved = cache.rebuild(exc)
            result = _round(client, cache, sent_before, progress)
            # The GUI may read the cache from another process: tell it.
            return replace(result, cache_rebuilt_from=str(moved))
    finally:
        client.begin_round(None)


def _round(
    client: DeploymentClient, cache: HistoryCache, sent_before: int, progress: Progress | None
) -> RoundResult:
    caps = client.capabilities()
    viewer, statuses = client.heartbeat()
    cached = cache.location_states()

    moved = [
        st
        for st in statuses
        if st.name not in cached
        or not cached[st.name].active
        or cached[st.name].heartbeat != heartbeat(st)
    ]
    seen = {st.name for st in statuses}
    vanished = sorted(n for n, c in cached.items() if c.active and n not in seen)

    ledger = RoundLedger()
    try:
        fetched, events, new_loads, synced_at = _write_round(
            client, cache, caps, viewer, moved, vanished, cached, ledger, progress
        )
    except CacheDamaged:
        raise  # the file is rebuilt: nothing to take back
    except BaseException:
        if not ledger.empty:
            cache.take_back(ledger)
        raise
    # A moved heartbeat changes the location's row even without a new load.
    changed = {f.status.name for f in fetched}
    return RoundResult(
        viewer=viewer,
        capabilities=caps,
        locations=tuple(cache.locations()),
        synced_at=synced_at,
        changed_locations=tuple(sorted({*changed, *vanished})),
        events=tuple(events),
        new_loads=new_loads,
        requests=client.requests_sent - sent_before,
    )


def _write_round(
    client: DeploymentClient,
    cache: HistoryCache,
    caps: Capabilities,
    viewer: Viewer,
    moved: list[LocationStatus],
    vanished: list[str],
    cached: dict[str, CachedLocation],
    ledger: RoundLedger,
    progress: Progress | None,
) -> tuple[list[_Fetched], list[RoundEvent], int, float]:
    """Fetch and write what moved, noting in `ledger` what each write changes."""
    first_sight = [st for st in moved if st.name not in cached]
    if first_sight:
        # The table can list them (with their status) before any history arrives.
        with cache.write() as writer:
            for st in first_sight:
                ledger.note(writer.conn, st.name)
                writer.update_location_status(
                    st.name, st.load_status, st.update_timestamp, st.version_key, None
                )

    new_loads = 0
    events: list[RoundEvent] = []

    def write(item: _Fetched) -> None:
        nonlocal new_loads
        before = cached.get(item.status.name)
        with cache.write() as writer:
            ledger.note(writer.conn, item.status.name)
            newest = _ingest(writer, item, before)
        new_loads += len(item.loads)
        was = before.newest_status if before is not None else None
        if was is None:
            return  # first sight of this location: nothing to announce
        events.extend(_events(item.loads, newest, was))

    fetched = _fetch_all(client, caps, moved, cached, write, progress)
    synced_at = time.time()
    with cache.write() as writer:
        for name in vanished:
            ledger.note(writer.conn, name)
        writer.deactivate(vanished)
        writer.set_capabilities(caps)
        writer.set_viewer(viewer)
        writer.set_last_sync(synced_at)
    return fetched, events, new_loads, synced_at


def _fetch_all(
    client: DeploymentClient,
    caps: Capabilities,
    moved: list[LocationStatus],
    cached: dict[str, CachedLocation],
    write: Callable[[_Fetched], None],
    progress: Progress | None,
) -> list[_Fetched]:
    """Fetch the moved locations, a few at a time, and `write` each as it
    arrives (on this thread: the one writer)."""
    if progress is not None and moved:
        progress(0, len(moved))
    if len(moved) <= 1:
        items = [_fetch(client, caps, st, cached.get(st.name)) for st in moved]
        for item in items:
            write(item)
        if progress is not None and moved:
            progress(1, 1)
        return items
    items = []
    failed = threading.Event()

    def fetch(status: LocationStatus) -> _Fetched | None:
        # Once one fetch has failed, the round is lost: start no other, so
        # it ends as soon as those already in flight do.
        if failed.is_set():
            return None
        try:
            return _fetch(client, caps, status, cached.get(status.name))
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="sync-fetch") as pool:
        futures = [pool.submit(fetch, st) for st in moved]
        try:
            for future in as_completed(futures):
                done = future.result()
                if done is None:
                    continue  # not started: another fetch failed first
                write(done)
                items.append(done)
                if progress is not None:
                    progress(len(items), len(moved))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return items


def _events(
    loads: list[LocationLoad], newest: LocationLoad | None, was: LoadStatus
) -> list[RoundEvent]:
    """What to announce about one location's new loads (oldest first):
    a failure or recovery, then every rollback, whoever started it."""
    events: list[RoundEvent] = []
    if newest is not None and loads:
        if newest.status == LoadStatus.ERROR and was != LoadStatus.ERROR:
            lines = (newest.error or "").strip().splitlines()
            events.append(
                RoundEvent(
                    EventKind.FAILED,
                    newest.location,
                    newest.loaded_at,
                    newest.initiated_by,
                    lines[0] if lines else "",
                )
            )
        if newest.status == LoadStatus.LOADED and was == LoadStatus.ERROR:
            events.append(
                RoundEvent(
                    EventKind.RECOVERED, newest.location, newest.loaded_at, newest.initiated_by
                )
            )
    events.extend(
        RoundEvent(
            EventKind.ROLLED_BACK,
            load.location,
            load.loaded_at,
            load.initiated_by,
            load.display_metadata.get("rollback_target", ""),
        )
        for load in loads
        if load.action == "rollback"
    )
    return events


def _fetch(
    client: DeploymentClient,
    caps: Capabilities,
    status: LocationStatus,
    cached: CachedLocation | None,
) -> _Fetched:
    item = _Fetched(status)
    newest = cached.newest_loaded_at if cached is not None else None
    if caps.history_api:
        item.loads = _new_history(client, status.name, newest)
        if item.loads:
            item.entry = client.location_entry(status.name)
            item.details = _details(
                client, status.name, item.loads, exact_newest=newest is not None
            )
        return item
    if status.load_status == "LOADING":
        return item  # the webserver is reloading it; the next round sees the result
    item.entry = client.location_entry(status.name)
    entry = item.entry
    if entry is None or (newest is not None and entry.updated_at <= newest):
        return item
    failed = entry.error is not None
    display = dict(entry.display_metadata)
    if entry.definitions is not None:
        # The webserver's metadata names only the code source, which stays
        # the same when the code changes; the definitions' hash is what
        # tells one version from another (and keeps them from collapsing).
        display[DEFINITIONS_HASH_KEY] = snapshot_hash(entry.definitions)[:12]
    item.loads = [
        LocationLoad(
            location=status.name,
            loaded_at=entry.updated_at,
            status=LoadStatus.ERROR if failed else LoadStatus.LOADED,
            display_metadata=display,
            error=entry.error,
        )
    ]
    return item


def _new_history(
    client: DeploymentClient, location: str, newest: float | None
) -> list[LocationLoad]:
    """History entries newer than `newest`, oldest first. Pages come newest
    first. The first page is small (a poll usually finds a load or two);
    the ones after it are large, for a first sync. A server may cap the
    large ones at less than asked for: a short page is the last unless it
    is as long as an earlier one. A page that does not go further back than
    the one before (the same page again, a cursor that does not advance)
    ends the round."""
    found: list[LocationLoad] = []
    cursor: str | None = None
    oldest: float | None = None
    size, longest = HISTORY_PAGE, 0
    for _ in range(MAX_HISTORY_PAGES):
        page = client.location_history(location, size, cursor)
        if oldest is not None and page and max(load.loaded_at for load in page) >= oldest:
            raise BadResponse(
                f"The server's history of {location} does not advance from one page to the "
                "next (the same page again?); stopped paging."
            )
        strays = {load.location for load in page} - {location}
        if strays:
            raise BadResponse(
                f"The server's history of {location} holds loads of another location "
                f"({sorted(strays)[0]!r}); refused."
            )
        fresh = [load for load in page if newest is None or load.loaded_at > newest]
        found.extend(fresh)
        short = len(page) < size and (longest == 0 or len(page) < longest)
        if not page or len(fresh) < len(page) or short:
            break
        longest = max(longest, len(page))
        oldest = min(load.loaded_at for load in page)
        cursor = repr(oldest)
        size = HISTORY_PAGE_MORE
    else:
        raise BadResponse(
            f"The server's history of {location} goes on for more than "
            f"{MAX_HISTORY_PAGES} pages; stopped paging."
        )
    found.sort(key=lambda load: load.loaded_at)
    return found


def _details(
    client: DeploymentClient,
    location: str,
    loads: list[LocationLoad],
    *,
    exact_newest: bool,
) -> dict[tuple[AssetKey, float], tuple[ChangeType, ...]]:
    """Change types of modified assets in loads whose diff we cannot compute
    ourselves (all but the newest when the cache already held the one before
    it), for what a history dialog shows first: the newest DETAIL_LOADS
    loads, within DETAIL_BUDGET assets, asked in batches (`first_pages`)."""
    considered = (loads[:-1] if exact_newest else loads)[-DETAIL_LOADS:]
    if not considered:
        return {}
    wanted: dict[AssetKey, None] = {}  # ordered, newest loads' keys first
    for load in reversed(considered):
        wanted.update(dict.fromkeys(load.summary.modified))
        if len(wanted) >= DETAIL_BUDGET:
            break
    keys = list(wanted)[:DETAIL_BUDGET]
    pages = first_pages(client, location, keys, considered[0].loaded_at)
    return {
        (key, loaded_at): entry.change_types
        for key, found in pages.items()
        for loaded_at, entry in found.items()
    }


def _ingest(
    writer: CacheWriter, item: _Fetched, cached: CachedLocation | None
) -> LocationLoad | None:
    """Store one location's new loads and its summary row; returns its newest load."""
    name = item.status.name
    prior_state = writer.latest_state(name) if item.loads else {}
    prior = {k: digest for k, (state, digest) in prior_state.items() if state != REMOVED}
    final: dict[AssetKey, AssetDefinition] | None = None
    entry = item.entry
    if item.loads and item.loads[-1].status == LoadStatus.LOADED and entry is not None:
        final = entry.definitions
    rows = derive_rows(prior, writer.definitions_by_hash, item.loads, final)
    if item.details:
        rows = [
            [
                replace(row, types=found)
                if row.changed
                and not row.types
                and row.state != REMOVED
                and (found := item.details.get((row.key, load.loaded_at)))
                else row
                for row in load_rows
            ]
            for load, load_rows in zip(item.loads, rows, strict=True)
        ]
    keys = set(prior)
    for load, load_rows in zip(item.loads, rows, strict=True):
        writer.add_load(load, load_rows)
        for row in load_rows:
            if row.state == REMOVED:
                keys.discard(row.key)
            else:
                keys.add(row.key)
    newest = item.loads[-1] if item.loads else None
    status = item.status.load_status
    if newest is None:
        if cached is not None and cached.newest_status == LoadStatus.ERROR and status != "LOADING":
            status = "ERROR"
        writer.update_location_status(
            name,
            status,
            item.status.update_timestamp,
            item.status.version_key,
            heartbeat(item.status),
        )
        return None
    error = None
    if newest.status == LoadStatus.ERROR:
        status, error = "ERROR", newest.error
    writer.update_location(
        LocationSummary(
            name=name,
            status=status,
            updated_at=item.status.update_timestamp,
            deploy=newest.deploy,
            asset_count=len(keys),
            error=error,
            version_key=item.status.version_key,
        ),
        heartbeat(item.status),
    )
    return newest
