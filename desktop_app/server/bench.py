"""Measure the bundled server against its targets and print JSON.

    python -m desktop_app.server.bench [--quick] [--db-dir DIR] [--keep FILE]

Data set: 20 locations; the largest has 5,000 assets and 2,000 loads, each
load changing about 1% of the assets. Figures: a 100-entry
`locationLoadHistory` page (target under 50 ms) and 50 clients polling
`locationStatusesOrError` once a second against a server pinned to two
cores (target p99 under 100 ms). `run()` returns the same figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests

from desktop_app.core.assets import AssetDefinition, MetadataValue
from desktop_app.core.loads import LoadAction
from desktop_app.core.roles import Role
from desktop_app.server.accounts import add_user
from desktop_app.server.loading import load_location
from desktop_app.server.manifest import ImageContent
from desktop_app.server.storage import Storage

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


def _asset(rng: random.Random, location: str, index: int) -> AssetDefinition:
    return AssetDefinition(
        key=(location, f"asset_{index:05d}"),
        code_version="1",
        tags={"team": rng.choice(["a", "b", "c"]), "tier": rng.choice(["gold", "silver"])},
        metadata={
            "rows": MetadataValue("Int", rng.randrange(10**9)),
            "note": MetadataValue("Text", f"asset {index} of {location}"),
        },
        dependencies=frozenset({(location, f"asset_{index - 1:05d}")}) if index else frozenset(),
    )


def build_location(
    storage: Storage, name: str, assets: int, loads: int, seed: int, start: float
) -> None:
    """Write `loads` loads of `name`, each changing about 1% of its assets."""
    rng = random.Random(seed)
    current = [_asset(rng, name, i) for i in range(assets)]
    hashes = [a.content_hash() for a in current]
    per_load = max(1, assets // 100)
    for n in range(loads):
        if n:
            for _ in range(per_load):
                i = rng.randrange(len(current))
                old = current[i]
                changed = replace(old, code_version=str(int(old.code_version or "0") + 1))
                if rng.random() < 0.3:
                    changed = replace(changed, tags={**old.tags, "tier": f"t{n}"})
                current[i] = changed
                hashes[i] = changed.content_hash()
        commit = f"{seed:04x}{n:036x}"
        document = {
            "location_name": name,
            "code_source": {"package_name": name},
            "image": f"registry.example.com/{name}:{commit[:12]}",
            "git": {"commit_hash": commit, "url": f"https://github.com/acme/{name}/tree/{commit}"},
        }
        at = start + n * 3600.0
        load_location(
            storage,
            document,
            initiated_by="bench@example.com",
            action=LoadAction.DEPLOY,
            triggered_at=at - 60,
            uploaded_at=at,
            content=ImageContent(
                ref=str(document["image"]), assets=tuple(current), hashes=tuple(hashes)
            ),
        )


def build_dataset(storage: Storage, quick: bool = False) -> dict[str, Any]:
    start = time.time() - 2000 * 3600.0
    began = time.perf_counter()
    largest = (500, 200) if quick else (5000, 2000)
    build_location(storage, "largest", largest[0], largest[1], 1, start)
    for n in range(19):
        build_location(storage, f"location_{n:02d}", 200, 20 if quick else 100, n + 2, start)
    return {"build_seconds": round(time.perf_counter() - began, 1)}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def measure_history(url: str, token: str, passes: int = 3) -> dict[str, Any]:
    """Walk the whole history of the largest location in 100-entry pages,
    `passes` times, timing each request (HTTP round trip on loopback)."""
    session = requests.Session()
    session.headers["Dagster-Cloud-Api-Token"] = token

    def page(cursor: str | None) -> tuple[float, list[dict[str, Any]]]:
        body = {"query": HISTORY, "variables": {"name": "largest", "limit": 100, "cursor": cursor}}
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


def _serve(db_url: str, cores: int) -> tuple[subprocess.Popen[str], str]:
    def pin() -> None:
        if hasattr(os, "sched_setaffinity"):
            available = sorted(os.sched_getaffinity(0))
            os.sched_setaffinity(0, available[:cores])

    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.server.cli", "serve", "--db", db_url, "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=pin,  # affinity must be set in the child, before exec
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("http://"):
            return process, line.strip()
    raise RuntimeError("the server did not start")


def run(
    quick: bool = False, db_dir: Path | None = None, keep: Path | None = None
) -> dict[str, Any]:
    """Build the data set (or reuse the one at `keep`), serve it pinned to
    two cores and measure."""
    with tempfile.TemporaryDirectory(dir=db_dir) as folder:
        path = keep or Path(folder) / "bench.sqlite3"
        db_url = f"sqlite:///{path}"
        existing = path.exists()
        storage = Storage(db_url)
        token = add_user(storage, "bench@example.com", Role.EDITOR)
        figures: dict[str, Any] = (
            {"build_seconds": 0.0} if existing else build_dataset(storage, quick)
        )
        storage.close()
        figures["db_megabytes"] = round(path.stat().st_size / 1e6, 1)
        process, url = _serve(db_url, cores=2)
        try:
            figures.update(measure_history(url, token))
            figures.update(measure_polling(url, token, 50, 5 if quick else 20))
        finally:
            process.terminate()
            process.communicate(timeout=30)
        figures["targets"] = {"history_page_100_ms": 50, "poll_ms_p99": 100}
        return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.server.bench")
    parser.add_argument("--quick", action="store_true", help="a smaller data set, shorter run")
    parser.add_argument("--db-dir", type=Path, default=None, help="where the temporary db goes")
    parser.add_argument("--keep", type=Path, default=None, help="build once into this file, reuse")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick, args.db_dir, args.keep), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
