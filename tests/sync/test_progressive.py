"""A round that fetches several locations writes each as soon as it has
arrived and says how far it got; when a later location fails, it takes
back what it wrote, so the cache is as it was before the round."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

from desktop_app.api.client import DeploymentClient
from desktop_app.api.errors import ServerError
from desktop_app.cache.store import HistoryCache
from desktop_app.sync.engine import run_once
from tests.sync.helpers import client_for


def test_progress_counts_locations_as_they_are_written(demo_server, cache: HistoryCache) -> None:
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        # What the cache holds when each location is reported done.
        with_history = sum(1 for loc in cache.locations() if cache.history_count(loc.name))
        seen.append((done, total, with_history))

    with client_for(demo_server) as client:
        run_once(client, cache, progress)
    total = len(cache.locations())
    assert total > 1
    assert [(d, t) for d, t, _h in seen] == [(n, total) for n in range(total + 1)]
    assert [h for _d, _t, h in seen] == list(range(total + 1))


def _rows(cache: HistoryCache) -> list[str]:
    conn = sqlite3.connect(cache.path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _failing_history(
    monkeypatch: pytest.MonkeyPatch, after: int, wait: threading.Event | None = None
) -> list[str]:
    """Make `location_history` fail for the location asked about after
    `after` others (once `wait` is set); returns the names asked, in order."""
    original = DeploymentClient.location_history
    names: list[str] = []
    lock = threading.Lock()

    def failing(self: DeploymentClient, location: str, *args: Any, **kwargs: Any) -> Any:
        with lock:
            if location not in names:
                names.append(location)
            doomed = names.index(location) == after
        if doomed:
            if wait is not None:
                assert wait.wait(30)
            raise ServerError("the server failed on this one")
        return original(self, location, *args, **kwargs)

    monkeypatch.setattr(DeploymentClient, "location_history", failing)
    return names


def test_a_failed_first_sync_takes_back_what_it_wrote(
    demo_server, cache: HistoryCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _rows(cache)
    written = threading.Event()
    names = _failing_history(monkeypatch, after=3, wait=written)

    def progress(done: int, _total: int) -> None:
        if done:
            assert cache.history_count(names[0]) or any(cache.history_count(n) for n in names)
            written.set()

    with client_for(demo_server) as client, pytest.raises(ServerError):
        run_once(client, cache, progress)
    assert written.is_set()  # some locations were written before the failure...
    assert _rows(cache) == before  # ...and taken back
    monkeypatch.undo()
    with client_for(demo_server) as client:
        result = run_once(client, cache)
    assert set(names) <= set(result.changed_locations)
    assert all(cache.history_count(name) > 0 for name in names)
    with client_for(demo_server) as client:
        assert run_once(client, cache).changed_locations == ()


def test_a_failed_incremental_round_leaves_the_cache_as_it_was(
    demo_server, cache: HistoryCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    with client_for(demo_server) as client:
        run_once(client, cache)
        # Two locations move: each redeploys the version before its current one.
        moved = [loc.name for loc in cache.locations() if cache.history_count(loc.name) > 1][:2]
        for name in moved:
            older = cache.history(name)[1]
            assert older.document is not None
            assert client.submit_document(older.document).ok
    before = _rows(cache)
    names = _failing_history(monkeypatch, after=1)
    with client_for(demo_server) as client, pytest.raises(ServerError):
        run_once(client, cache)
    assert len(names) == 2
    assert _rows(cache) == before
    monkeypatch.undo()
    with client_for(demo_server) as client:
        result = run_once(client, cache)
    assert set(moved) <= set(result.changed_locations)
    assert result.new_loads == 2
