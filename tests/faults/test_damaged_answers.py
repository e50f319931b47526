"""Damaged answers, replayed into a first and an incremental sync,
headless: the command never raises, says what went wrong, and a failed
round leaves the cache exactly as it was.

A fast sample runs with `make test`; the whole seeded corpus (marker
`faults`) with `make faults`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.faults.conftest import Recorded
from tests.faults.corpus import Case, Recording, Replayer, cases
from tests.faults.helpers import (
    cache_file,
    fingerprint,
    history_rows,
    place_cache,
    run_history,
)

SEED = 20261203
CORPUS = 160  # per recording: 320 cases in all
SAMPLE = 4


def _corpus(recording: Recording, prefix: str) -> list[Case]:
    return cases(recording, SEED, CORPUS, prefix)


def _check(
    recorded: Recorded,
    recording: Recording,
    case: Case,
    tmp_path: Path,
    *,
    incremental: bool,
    record_property: object,
) -> None:
    with Replayer(recording, case) as url:
        cache_dir = tmp_path / "cache"
        path = cache_file(url, cache_dir)
        if incremental:
            place_cache(recorded.synced_cache, url, cache_dir)
        before = fingerprint(path)
        run = run_history(url, cache_dir, recorded.location)
    record_property("latency", run.seconds)  # type: ignore[operator]
    record_property("case", case.id)  # type: ignore[operator]
    assert run.code in (0, 1), (case.id, run.err)
    assert "Traceback" not in run.err
    if run.code == 0:
        assert isinstance(json.loads(run.out), list)
    failed = "Sync failed" in run.err
    if failed:
        # The reason is one line a person can act on.
        reason = run.err.split("Sync failed: ", 1)[1].splitlines()[0]
        assert len(reason) > 10, run.err
        if before != "absent":
            assert fingerprint(path) == before, case.id
        else:
            assert not history_rows(path), case.id  # the first sync took back its writes


@pytest.mark.faults
@pytest.mark.parametrize("n", range(CORPUS))
def test_first_sync_corpus(recorded: Recorded, n: int, tmp_path: Path, record_property) -> None:
    case = _corpus(recorded.first, "first")[n]
    _check(recorded, recorded.first, case, tmp_path, incremental=False,
           record_property=record_property)  # fmt: skip


@pytest.mark.faults
@pytest.mark.parametrize("n", range(CORPUS))
def test_incremental_sync_corpus(
    recorded: Recorded, n: int, tmp_path: Path, record_property
) -> None:
    case = _corpus(recorded.incremental, "incr")[n]
    _check(recorded, recorded.incremental, case, tmp_path, incremental=True,
           record_property=record_property)  # fmt: skip


@pytest.mark.parametrize("n", range(SAMPLE))
def test_sample_of_the_corpus(recorded: Recorded, n: int, tmp_path: Path, record_property) -> None:
    recording = recorded.first if n % 2 else recorded.incremental
    case = _corpus(recording, "sample")[n * 7 % CORPUS]
    _check(recorded, recording, case, tmp_path, incremental=not n % 2,
           record_property=record_property)  # fmt: skip


def test_the_undamaged_recordings_replay_cleanly(recorded: Recorded, tmp_path: Path) -> None:
    with Replayer(recorded.first) as url:
        first = run_history(url, tmp_path / "a", recorded.location)
    assert first.code == 0, first.err
    with Replayer(recorded.incremental) as url:
        place_cache(recorded.synced_cache, url, tmp_path / "b")
        incremental = run_history(url, tmp_path / "b", recorded.location)
    assert incremental.code == 0, incremental.err
    assert len(json.loads(incremental.out)) >= 1
