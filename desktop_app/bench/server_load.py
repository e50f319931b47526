"""Server figures: a 100-entry `locationLoadHistory` page of the largest
location, and 50 clients polling `locationStatusesOrError` once a second."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import requests

HISTORY = """query($name: String!, $limit: Int!, $cursor: String) {
  locationLoadHistory(locationName: $name, limit: $limit, cursor: $cursor) {
    locationName codeLocationDataUploadTimestamp codeLocationUpdateTriggerTimestamp loadStatus
    configDocument displayMetadata { key value }
    diffSummary { repositoryDiffs { repositoryName addedAssets { path } modifiedAssets { path }
                                    removedAssets { path } } }
    error { message className stack }
  } }"""
STATUS = """{ locationStatusesOrError { __typename ... on WorkspaceLocationStatusEntries {
  entries { name loadStatus updateTimestamp versionKey } } } }"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def measure_history(url: str, token: str, location: str, passes: int = 3) -> dict[str, Any]:
    """Walk the whole history of the largest location in 100-entry pages,
    `passes` times, timing each request (HTTP round trip on loopback)."""
    session = requests.Session()
    session.headers["Dagster-Cloud-Api-Token"] = token

    def page(cursor: str | None) -> tuple[float, list[dict[str, Any]]]:
        body = {"query": HISTORY, "variables": {"name": location, "limit": 100, "cursor": cursor}}
        began = time.perf_counter()
        response = session.post(url, json=body, timeout=30)
        elapsed = time.perf_counter() - began
        response.raise_for_status()
        return elapsed, response.json()["data"]["locationLoadHistory"]

    times: list[float] = []
    entries = 0
    for _ in range(passes):
        cursor: str | None = None
        entries = 0
        while True:
            elapsed, rows = page(cursor)
            if not rows:
                break
            times.append(elapsed)
            entries += len(rows)
            cursor = str(rows[-1]["codeLocationDataUploadTimestamp"])
    session.close()
    return {
        "history_entries": entries,
        "history_page_100_ms_median": _ms(statistics.median(times)),
        "history_page_100_ms_p95": _ms(_percentile(times, 0.95)),
        "history_page_100_ms_max": _ms(max(times)),
    }


def measure_polling(url: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    lock = threading.Lock()
    failures = [0]
    stop_at = time.monotonic() + seconds

    def client(offset: float) -> None:
        session = requests.Session()
        session.headers["Dagster-Cloud-Api-Token"] = token
        next_at = time.monotonic() + offset
        while True:
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if time.monotonic() >= stop_at:
                break
            began = time.perf_counter()
            try:
                response = session.post(url, json={"query": STATUS}, timeout=10)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                failures[0] += not ok
            next_at += 1.0
        session.close()

    threads = [
        threading.Thread(target=client, args=(i / clients,), name=f"poll-{i}")
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "poll_clients": clients,
        "poll_requests": len(latencies),
        "poll_failures": failures[0],
        "poll_ms_p50": _ms(statistics.median(latencies)),
        "poll_ms_p99": _ms(_percentile(latencies, 0.99)),
    }
