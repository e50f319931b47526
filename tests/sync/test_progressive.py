"""A round that fetches several locations writes each as soon as it has
arrived, says how far it got, and keeps what it wrote when a later
location fails."""

from __future__ import annotations

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


def test_a_failing_location_keeps_the_others(
    demo_server, cache: HistoryCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = DeploymentClient.location_history
    names: list[str] = []

    def failing(self: DeploymentClient, location: str, *args: Any, **kwargs: Any) -> Any:
        if not names:
            names.append(location)
        if location == names[0]:
            raise ServerError("the server failed on this one")
        return original(self, location, *args, **kwargs)

    monkeypatch.setattr(DeploymentClient, "location_history", failing)
    with client_for(demo_server) as client, pytest.raises(ServerError):
        run_once(client, cache)
    listed = {loc.name for loc in cache.locations()}
    assert names[0] in listed  # listed from the status query, without history
    assert cache.history_count(names[0]) == 0
    others = [name for name in listed if name != names[0]]
    assert others
    # Each other location is either complete or untouched: never half-written.
    monkeypatch.undo()
    with client_for(demo_server) as client:
        result = run_once(client, cache)
    assert names[0] in result.changed_locations
    assert cache.history_count(names[0]) > 0
    with client_for(demo_server) as client:
        assert run_once(client, cache).changed_locations == ()
