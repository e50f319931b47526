"""The abuse queries, against a server in its own process: each gets a
GraphQL error within 100 ms, the server's memory stays within 50 MB of
where it started, and each refusal is one line of its log.

Besides the latency a client sees, the figures give the server's CPU time
per refusal: on a loaded machine the slowest answers wait for a core, and
the CPU time shows whether the refusal itself is cheap."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import requests

from desktop_app.api import documents
from desktop_app.server.body import MAX_BODY
from tests.server import rawhttp
from tests.server.abuse import (
    deep,
    fragment_doubling,
    huge_int,
    large_document,
    many_aliases,
)
from tests.server.helpers import TIMEOUT, post
from tests.server.process import ServerProcess

pytestmark = pytest.mark.faults

LATENCY = 0.1
RSS_MARGIN = 50 * 1024 * 1024


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the server's memory from /proc")
    process = ServerProcess(tmp_path / "server.sqlite3", tmp_path / "server.log")
    try:
        yield process
    finally:
        process.stop()


def _warm_up(url: str) -> None:
    """What a client does, so the baseline holds the caches it fills."""
    variables = {"locationName": "ingest_raw", "limit": 100, "cursor": None}
    for _ in range(3):
        for query in (documents.LOCATION_STATUSES, documents.IDENTITY):
            assert post(url, {"query": query}).status_code == 200
        history = {"query": documents.LOCATION_LOAD_HISTORY, "variables": variables}
        assert post(url, history).status_code == 200


def _refused(url: str, query: str, limit: str) -> float:
    start = time.monotonic()
    response = post(url, {"query": query})
    elapsed = time.monotonic() - start
    assert response.status_code == 400, response.text[:300]
    limits = {e.get("extensions", {}).get("limit") for e in response.json()["errors"]}
    assert limit in limits
    return elapsed


def _huge_body(url: str) -> float:
    """Announce 200 MB and start sending it; the 413 comes at once."""
    headers = {"Content-Type": "application/json", "Content-Length": str(200 * 1024 * 1024)}
    start = time.monotonic()
    with rawhttp.connect(url) as sock:
        sock.sendall(rawhttp.head(url, headers))
        with contextlib.suppress(OSError):
            sock.sendall(b"x" * MAX_BODY)
        status, _ = rawhttp.read_response(sock)
    assert status == 413
    return time.monotonic() - start


def test_abuse_queries_are_refused_fast_and_memory_stays_put(
    server: ServerProcess, record_property: pytest.RecordProperty
) -> None:
    url = server.url
    _warm_up(url)
    baseline = server.rss()
    times: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}

    def worst(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)

    def refused(name: str, queries: Iterable[str], limit: str) -> None:
        start = server.cpu_seconds()
        for query in queries:
            worst(name, _refused(url, query, limit))
        cpu[name] = (server.cpu_seconds() - start) / len(times[name])

    refused("fragment doubling x22", [fragment_doubling(22)] * 20, "max_selections")
    refused("5000 aliases, limit 1000", [many_aliases(5000)] * 20, "max_document_chars")
    refused("60 aliases, limit 1000", [many_aliases(60)] * 20, "max_aliases")
    refused("nested 1000 deep", [deep(1000)] * 20, "max_depth")
    refused("6000 tokens", ["{" + "a " * 6000 + "}"] * 20, "max_tokens")
    refused("5000-digit integer", [huge_int(5000)] * 20, "max_number_chars")
    documents_1mb = (large_document(1_000_000, seed) for seed in range(100))
    refused("distinct 1 MB documents", documents_1mb, "max_document_chars")
    for seed in range(100):
        start = time.monotonic()
        response = post(url, {"query": large_document(45_000, seed)})
        assert response.status_code == 200
        worst("distinct 45 KB documents (accepted)", time.monotonic() - start)
    for _ in range(5):
        worst("200 MB body", _huge_body(url))
    _warm_up(url)
    grown = server.rss() - baseline

    latencies = {name: max(values) for name, values in times.items()}
    print()
    for name, values in times.items():
        median = statistics.median(values)
        line = f"  {name:<38} median {median * 1000:5.1f} ms, worst {max(values) * 1000:5.1f} ms"
        if name in cpu:
            line += f", server CPU {cpu[name] * 1000:4.1f} ms each"
        print(line)
    print(f"  server RSS {baseline / 2**20:.0f} MB, grew {grown / 2**20:+.1f} MB")
    record_property("latency", max(v for k, v in latencies.items() if "accepted" not in k))
    # The target is the typical answer; on a loaded machine a single one
    # may wait for a core, so the worst gets room (before these limits,
    # the same queries ran for many seconds).
    refused = {k: v for k, v in times.items() if "accepted" not in k}
    assert all(statistics.median(v) < LATENCY for v in refused.values()), refused
    assert all(max(v) < 10 * LATENCY for v in refused.values()), refused
    assert grown < RSS_MARGIN

    server.stop()
    log = server.log.read_text()
    assert "Traceback" not in log
    refusals = [line for line in log.splitlines() if "refused" in line]
    assert len(refusals) == 20 * 6 + 100 + 5


def test_requests_still_work_after_the_abuse(server: ServerProcess) -> None:
    url = server.url
    for _ in range(3):
        post(url, {"query": fragment_doubling(22)})
    response = requests.post(
        url,
        json={"query": "{ identity { viewer { email } } }"},
        headers={"Dagster-Cloud-Api-Token": "demo-token-viewer"},
        timeout=TIMEOUT,
    )
    assert response.json()["data"]["identity"]["viewer"]["email"] == "viewer@example.com"
