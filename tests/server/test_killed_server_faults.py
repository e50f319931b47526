"""The server killed (SIGKILL) at points spread over a first sync: the
sync fails with an ApiError, the cache keeps nothing partial, and the next
sync against the restarted server equals a clean one."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.api.errors import ApiError
from desktop_app.cache.store import HistoryCache
from desktop_app.sync.engine import run_once
from tests.server.helpers import token_of
from tests.server.process import ServerProcess

pytestmark = pytest.mark.faults

KILL_POINTS = 8


def _sync(url: str, cache_path: Path) -> BaseException | None:
    settings = ConnectionSettings(url=url, token=token_of("editor@example.com"))
    try:
        with DeploymentClient(settings) as client, HistoryCache.open(cache_path) as cache:
            run_once(client, cache)
    except BaseException as exc:  # reported to the test, which judges it
        return exc
    return None


def _sync_into(outcome: list[BaseException | None], url: str, cache_path: Path) -> None:
    outcome.append(_sync(url, cache_path))


def _contents(cache_path: Path) -> dict[str, Any]:
    with HistoryCache.open(cache_path) as cache:
        return {
            summary.name: (summary.status, repr(cache.history(summary.name)))
            for summary in cache.locations()
        }


@pytest.mark.timeout(900)  # seventeen server starts
def test_killed_mid_first_sync_leaves_nothing_partial(
    tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    db, log = tmp_path / "server.sqlite3", tmp_path / "server.log"
    server = ServerProcess(db, log)
    try:
        began = time.monotonic()
        assert _sync(server.url, tmp_path / "clean.sqlite3") is None
        duration = time.monotonic() - began
    finally:
        server.stop()
    clean = _contents(tmp_path / "clean.sqlite3")
    assert clean

    failed_cleanly = 0
    for point in range(KILL_POINTS):
        cache_path = tmp_path / f"killed-{point}.sqlite3"
        server = ServerProcess(db, log)
        outcome: list[BaseException | None] = []
        syncing = threading.Thread(target=_sync_into, args=(outcome, server.url, cache_path))
        syncing.start()
        time.sleep(duration * point / KILL_POINTS)
        server.kill()
        syncing.join(timeout=120)
        assert not syncing.is_alive()
        [error] = outcome
        assert error is None or isinstance(error, ApiError), repr(error)
        if error is not None:
            failed_cleanly += 1
            # The failed round took back what it had written.
            assert _contents(cache_path) == {}, point
        restarted = ServerProcess(db, log)
        try:
            assert _sync(restarted.url, cache_path) is None
        finally:
            restarted.stop()
        assert _contents(cache_path) == clean
    record_property("latency", duration)
    assert failed_cleanly >= KILL_POINTS // 2  # most kill points fall inside the sync
    assert "Traceback" not in log.read_text()
