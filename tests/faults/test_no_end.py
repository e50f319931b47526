"""A server cannot keep a round going: endless or repeating pages, a
request budget, answers that drip. Each round ends, in time, with a clear
error and the cache as it was."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.api.errors import ApiError, BadResponse, Unreachable
from desktop_app.api.transport import Transport
from desktop_app.cache.store import HistoryCache
from desktop_app.sync import engine
from tests.api.badserver import Reply
from tests.faults.conftest import TOKEN, Recorded
from tests.faults.corpus import JSON, Replayer
from tests.faults.helpers import cache_file, fingerprint, place_cache


def _page(location: str, newest: float, count: int = 100) -> list[dict[str, Any]]:
    return [
        {
            "locationName": location,
            "loadStatus": "LOADED",
            "codeLocationDataUploadTimestamp": newest - i,
            "codeLocationUpdateTriggerTimestamp": None,
            "configDocument": None,
            "displayMetadata": [],
            "diffSummary": None,
            "error": None,
        }
        for i in range(count)
    ]


def _round(
    url: str, cache_dir: Path, recorded: Recorded, *, incremental: bool, **transport: Any
) -> tuple[BaseException | None, float, bool]:
    """Run one round; returns its error, how long it took, and whether the
    cache's history is as it was. The `location` rows may change: a first
    sync lists the locations a sound status answer named before any history
    arrives (so the table is usable at once); no history row may."""
    if incremental:
        place_cache(recorded.synced_cache, url, cache_dir)
    settings = ConnectionSettings(url=url, token=TOKEN)
    path = cache_file(settings.graphql_url(), cache_dir)
    with HistoryCache.open(path) as cache:
        pass
    before = fingerprint(path)
    headers = {"Dagster-Cloud-Api-Token": TOKEN}
    client = DeploymentClient(settings, Transport(settings.graphql_url(), headers, **transport))
    started = time.monotonic()
    error: BaseException | None = None
    with HistoryCache.open(path) as cache:
        try:
            engine.run_once(client, cache)
        except ApiError as exc:
            error = exc
    client.close()
    return error, time.monotonic() - started, fingerprint(path) == before


def _history_override(make_page):
    def override(_n: int, request: dict[str, Any], _recorded: Reply | None) -> Reply | None:
        if "locationLoadHistory" not in request["query"]:
            return None
        variables = request["variables"]
        page = make_page(variables["locationName"], variables.get("cursor"))
        return Reply(200, json.dumps({"data": {"locationLoadHistory": page}}).encode(), JSON)

    return override


@pytest.mark.parametrize("incremental", [False, True])
def test_the_same_page_for_every_cursor_ends_the_round(
    recorded: Recorded, tmp_path: Path, incremental: bool, record_property
) -> None:
    override = _history_override(lambda loc, _cursor: _page(loc, 2_000_000_000.0))
    recording = recorded.incremental if incremental else recorded.first
    with Replayer(recording, override=override) as url:
        error, seconds, unchanged = _round(url, tmp_path, recorded, incremental=incremental)
    record_property("latency", seconds)
    assert isinstance(error, BadResponse)
    assert "does not advance" in str(error)
    assert unchanged


def test_a_history_without_end_is_cut_at_its_page_limit(
    recorded: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record_property
) -> None:
    monkeypatch.setattr(engine, "MAX_HISTORY_PAGES", 20)

    def older_every_time(location: str, cursor: str | None) -> list[dict[str, Any]]:
        newest = float(cursor) - 1 if cursor else 2_000_000_000.0
        return _page(location, newest)

    with Replayer(recorded.first, override=_history_override(older_every_time)) as url:
        error, seconds, unchanged = _round(url, tmp_path, recorded, incremental=False)
    record_property("latency", seconds)
    assert isinstance(error, BadResponse)
    assert "more than 20 pages" in str(error)
    assert unchanged


def test_a_round_has_a_request_budget(
    recorded: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record_property
) -> None:
    monkeypatch.setattr(engine, "ROUND_BUDGET", 10)
    with Replayer(recorded.first) as url:
        error, seconds, unchanged = _round(url, tmp_path, recorded, incremental=False)
    record_property("latency", seconds)
    assert isinstance(error, BadResponse)
    assert "more requests than one round may send" in str(error)
    assert unchanged


@pytest.mark.parametrize(
    ("which", "incremental"),
    [
        ("Heartbeat", False),
        pytest.param("Heartbeat", True, marks=pytest.mark.faults),
        pytest.param("LocationLoadHistory", False, marks=pytest.mark.faults),
        pytest.param("LocationLoadHistory", True, marks=pytest.mark.faults),
        pytest.param("Capabilities", False, marks=pytest.mark.faults),
        pytest.param("Capabilities", True, marks=pytest.mark.faults),
    ],
)
def test_a_dripping_answer_ends_the_round_within_its_deadline(
    recorded: Recorded, tmp_path: Path, which: str, incremental: bool, record_property
) -> None:
    def drip(_n: int, request: dict[str, Any], recorded_reply: Reply | None) -> Reply | None:
        if f"query {which}" not in request["query"] or recorded_reply is None:
            return None
        return Reply(200, recorded_reply.body, JSON, drip=0.25, drip_size=1)

    deadline, read = 2.0, 1.0
    recording = recorded.incremental if incremental else recorded.first
    with Replayer(recording, override=drip) as url:
        error, seconds, unchanged = _round(
            url, tmp_path, recorded, incremental=incremental, deadline=deadline, read_timeout=read
        )
    record_property("latency", seconds)
    if which == "LocationLoadHistory" and incremental and error is None:
        return  # nothing new to page through: the slow answer was never asked for
    assert isinstance(error, Unreachable), error
    assert "did not finish its answer within 2 s" in str(error)
    assert seconds < deadline + read + 1.0
    assert unchanged


def test_a_history_page_naming_another_location_is_refused(
    recorded: Recorded, tmp_path: Path, record_property
) -> None:
    def stray(_location: str, _cursor: str | None) -> list[dict[str, Any]]:
        return _page("someone_else", 2_000_000_000.0, count=3)

    with Replayer(recorded.first, override=_history_override(stray)) as url:
        error, seconds, unchanged = _round(url, tmp_path, recorded, incremental=False)
    record_property("latency", seconds)
    assert isinstance(error, BadResponse)
    assert "holds loads of another location ('someone_else')" in str(error)
    assert unchanged
