"""The server goes away or stops accepting the token in the middle of a
session: the round fails with a clear error, the cache keeps no partial
rows, and the next round against a healthy server equals a clean sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.badserver import Reply
from tests.faults.conftest import Recorded
from tests.faults.corpus import JSON, Replayer
from tests.faults.helpers import (
    cache_file,
    fingerprint,
    history_rows,
    place_cache,
    run_history,
)


def _dies_at(k: int):
    """The server sends half of answer `k` and drops the connection."""

    def override(n: int, _request: dict[str, Any], recorded: Reply | None) -> Reply | None:
        if n != k or recorded is None:
            return None
        body = recorded.body
        return Reply(200, body[: len(body) // 2], JSON, length=len(body))

    return override


def _check_killed(recorded: Recorded, tmp_path: Path, k: int, incremental: bool) -> float:
    recording = recorded.incremental if incremental else recorded.first
    with Replayer(recording, override=_dies_at(k)) as url:
        if incremental:
            place_cache(recorded.synced_cache, url, tmp_path)
        path = cache_file(url, tmp_path)
        before = fingerprint(path)
        broken = run_history(url, tmp_path, recorded.location)
        assert broken.code == 1, broken.err
        assert "Sync failed:" in broken.err
        assert "broke off its answer" in broken.err, broken.err
        if before != "absent":
            assert fingerprint(path) == before
        else:  # what the first sync wrote before the break is taken back
            assert not history_rows(path)
    # The server comes back: the next round equals a clean one.
    with Replayer(recording) as url:
        if incremental:
            place_cache(recorded.synced_cache, url, tmp_path / "clean")
        clean = run_history(url, tmp_path / "clean", recorded.location)
        # The same cache directory the broken round used, under this URL.
        broken_file = cache_file(url, tmp_path)
        if not broken_file.exists():
            place_cache(path, url, tmp_path)
        again = run_history(url, tmp_path, recorded.location)
    assert clean.code == 0, clean.err
    assert again.code == 0, again.err
    assert json.loads(again.out) == json.loads(clean.out)
    return broken.seconds


@pytest.mark.faults
@pytest.mark.parametrize("k", range(20))
def test_server_killed_during_a_first_sync(
    recorded: Recorded, tmp_path: Path, k: int, record_property
) -> None:
    if k >= len(recorded.first):
        pytest.skip("the first sync sends fewer requests")
    record_property("latency", _check_killed(recorded, tmp_path, k, incremental=False))


@pytest.mark.faults
@pytest.mark.parametrize("k", range(5))
def test_server_killed_during_an_incremental_sync(
    recorded: Recorded, tmp_path: Path, k: int, record_property
) -> None:
    if k >= len(recorded.incremental):
        pytest.skip("the incremental sync sends fewer requests")
    record_property("latency", _check_killed(recorded, tmp_path, k, incremental=True))


@pytest.mark.parametrize(("part", "incremental"), [(0.75, False), (0.6, True)])
def test_server_killed_mid_sync_sample(
    recorded: Recorded, tmp_path: Path, part: float, incremental: bool, record_property
) -> None:
    sent = len(recorded.incremental if incremental else recorded.first)
    k = int(sent * part)
    record_property("latency", _check_killed(recorded, tmp_path, k, incremental))


@pytest.mark.parametrize("at", ["Heartbeat", "LocationLoadHistory", "LocationEntry"])
def test_token_refused_in_the_middle_of_a_session(
    recorded: Recorded, tmp_path: Path, at: str, record_property
) -> None:
    def refuse(_n: int, request: dict[str, Any], _recorded: Reply | None) -> Reply | None:
        if f"query {at}" in request["query"]:
            return Reply(401, b'{"errors": [{"message": "token revoked"}]}', JSON)
        return None

    with Replayer(recorded.incremental, override=refuse) as url:
        place_cache(recorded.synced_cache, url, tmp_path)
        path = cache_file(url, tmp_path)
        before = fingerprint(path)
        run = run_history(url, tmp_path, recorded.location)
    record_property("latency", run.seconds)
    assert run.code == 1
    assert "refused the API token (HTTP 401)" in run.err
    assert "Showing the cached history." in run.err
    assert json.loads(run.out)  # the cached history is still shown
    assert fingerprint(path) == before
