"""Side by side: the cheap status query against a real open-source
`dagster-webserver` (when installed) and against the bundled server."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

STATUS = "{ locationStatusesOrError { __typename ... on WorkspaceLocationStatusEntries { entries { name loadStatus updateTimestamp versionKey } } } }"  # noqa: E501

DEFS = """import dagster as dg


@dg.asset(code_version="1")
def orders():
    return 1


defs = dg.Definitions(assets=[orders])
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_latency_ms(url: str, token: str | None, runs: int = 100) -> float:
    session = requests.Session()
    if token:
        session.headers["Dagster-Cloud-Api-Token"] = token
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = session.post(url, json={"query": STATUS}, timeout=10)
        response.raise_for_status()
        times.append(time.perf_counter() - began)
    session.close()
    return round(statistics.median(times) * 1000, 2)


def measure(bundled_url: str, token: str) -> dict[str, Any]:
    if importlib.util.find_spec("dagster_webserver") is None:
        return {"dagster_webserver": "not installed (make test-dagster installs it)"}
    executable = shutil.which("dagster-webserver") or str(
        Path(sys.executable).with_name("dagster-webserver")
    )
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "defs.py").write_text(DEFS)
        Path(folder, "workspace.yaml").write_text(
            "load_from:\n  - python_file:\n      relative_path: defs.py\n"
            "      location_name: bench_loc\n"
        )
        port = _free_port()
        process = subprocess.Popen(
            [executable, "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**__import__("os").environ, "DAGSTER_HOME": folder},
        )
        url = f"http://127.0.0.1:{port}/graphql"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    requests.post(url, json={"query": STATUS}, timeout=2).raise_for_status()
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline or process.poll() is not None:
                        return {"dagster_webserver": "did not start"}
                    time.sleep(0.5)
            theirs = status_latency_ms(url, None)
            derivation = derivation_poll_ms(url, Path(folder) / "cache")
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    ours = status_latency_ms(bundled_url, token)
    return {
        "status_query_ms_dagster_webserver": theirs,
        "status_query_ms_bundled_server": ours,
        "status_query_ratio_bundled_to_webserver": round(ours / theirs, 2) if theirs else None,
        # Our poll of a webserver (history derived by polling) against the
        # query its own UI polls with: what deriving history costs per poll.
        "derivation_poll_ms": derivation,
        "derivation_poll_ratio_to_webserver_ui_poll": (
            round(derivation / theirs, 2) if theirs else None
        ),
    }


def derivation_poll_ms(url: str, cache_dir: Path, runs: int = 30) -> float:
    """Median wall time of a steady-state sync round against the webserver
    (after a first round that derived its history)."""
    from desktop_app.api.client import ConnectionSettings, DeploymentClient
    from desktop_app.cache.store import HistoryCache
    from desktop_app.sync.engine import run_once

    cache_dir.mkdir(parents=True, exist_ok=True)
    with (
        DeploymentClient(ConnectionSettings(url=url)) as client,
        HistoryCache.open(cache_dir / "webserver.sqlite") as cache,
    ):
        run_once(client, cache)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            run_once(client, cache)
            times.append(time.perf_counter() - began)
    return round(statistics.median(times) * 1000, 2)
