"""Client figures: a steady-state poll, the diff between the first and last
load of the largest location, and the bare SQL floor for its history."""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.cache.paths import cache_path_for
from desktop_app.cache.store import HistoryCache
from desktop_app.sync.engine import run_once


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _median_time(fn: Any, runs: int = 5) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def sql_floor(path: Path, location: str, limit: int = -1) -> float:
    """The bare SQL for the history rows: the newest `limit` loads of the
    location (all when -1) and their changed keys, fetched with the
    standard library."""
    conn = sqlite3.connect(path)
    try:
        (loc,) = conn.execute("SELECT id FROM location WHERE name = ?", (location,)).fetchone()

        def query() -> int:
            loads = conn.execute(
                "SELECT loaded_at, * FROM load WHERE location_id = ? "
                "ORDER BY loaded_at DESC LIMIT ?",
                (loc, limit),
            ).fetchall()
            changes = conn.execute(
                "SELECT c.loaded_at, k.key, c.types FROM asset_change c "
                "JOIN asset_key k ON k.id = c.asset_id "
                "WHERE c.location_id = ? AND c.changed = 1 AND c.loaded_at >= ?",
                (loc, loads[-1][0] if loads else 0.0),
            ).fetchall()
            return len(loads) + len(changes)

        seconds, _ = _median_time(query)
        return seconds
    finally:
        conn.close()


def measure(
    url: str, token: str, cache_dir: Path, location: str, page_rows: int | None = None
) -> dict[str, Any]:
    """`page_rows`: how many loads the history dialog read for its first
    paint; the floor for the dialog is the bare SQL for those rows."""
    settings = ConnectionSettings(url=url, token=token)
    path = cache_path_for(settings.graphql_url(), cache_dir)
    client = DeploymentClient(settings)
    cache = HistoryCache.open(path)
    try:
        run_once(client, cache)  # warm: capabilities, viewer
        requests_before, bytes_before = client.requests_sent, client.bytes_received
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        result = run_once(client, cache)
        cpu = time.process_time() - cpu_before
        wall = time.perf_counter() - wall_before
        loads = cache.history(location)
        newest, oldest = loads[0].loaded_at, loads[-1].loaded_at
        diff_seconds, changes = _median_time(lambda: cache.diff(location, oldest, newest))
        history_seconds, _ = _median_time(lambda: cache.history(location), 3)
        figures = {
            "steady_poll_requests": client.requests_sent - requests_before,
            "steady_poll_bytes": client.bytes_received - bytes_before,
            "steady_poll_client_cpu_ms": _ms(cpu),
            "steady_poll_wall_ms": _ms(wall),
            "steady_poll_new_loads": result.new_loads,
            "largest_loads": len(loads),
            "diff_first_last_ms": _ms(diff_seconds),
            "diff_first_last_changes": len(changes),
            "history_query_cache_ms": _ms(history_seconds),
            "history_sql_floor_ms": _ms(sql_floor(path, location)),
        }
        if page_rows:
            figures["history_sql_floor_page_ms"] = _ms(sql_floor(path, location, page_rows))
    finally:
        cache.close()
        client.close()
    figures["cache_file_mb"] = round(
        sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6, 2
    )
    return figures


def full_sync(url: str, token: str, cache_dir: Path) -> dict[str, Any]:
    """The first sync into an empty cache, without the GUI."""
    settings = ConnectionSettings(url=url, token=token)
    client = DeploymentClient(settings)
    cache = HistoryCache.open(cache_path_for(settings.graphql_url(), cache_dir))
    try:
        began = time.perf_counter()
        run_once(client, cache)
        return {
            "first_sync_s": round(time.perf_counter() - began, 2),
            "sync_bytes": client.bytes_received,
            "sync_requests": client.requests_sent,
        }
    finally:
        cache.close()
        client.close()
