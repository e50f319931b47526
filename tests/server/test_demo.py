"""The demo data set has what the app needs to show: four locations with
weeks of history, identical redeploys, failures, a rollback, every change
type, GitHub and self-hosted GitLab commits."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from typing import Any

import pytest

from desktop_app.core.diff import ChangeType
from desktop_app.server.demo import DEFAULT_DEMO_EMAIL, DEMO_USERS, read_demo
from desktop_app.server.demo_data import build
from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import display, gql, history

LOCATIONS = ["analytics_core", "ingest_raw", "marketing_attribution", "ml_features"]
CHANGES = """query($key: AssetKeyInput!) { assetDiffHistory(assetKey: $key, limit: 100) {
  diffSinceLastLoad { changeTypes } } }"""


@pytest.fixture
def demo(demo_server: EmbeddedServer) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    url = demo_server.url
    assert url is not None
    return url, {name: history(url, name, limit=1000) for name in LOCATIONS}


def test_the_committed_files_are_what_the_generator_writes() -> None:
    images, events = read_demo()
    assert (images, events) == build()


def test_demo_users_have_fixed_tokens_and_distinct_roles() -> None:
    assert DEFAULT_DEMO_EMAIL == "editor@example.com"
    assert len({role for role, _ in DEMO_USERS.values()}) == 5
    assert len({token for _, token in DEMO_USERS.values()}) == 5


def test_four_locations_with_weeks_of_history(
    demo: tuple[str, dict[str, list[dict[str, Any]]]],
) -> None:
    url, histories = demo
    statuses = gql(
        url,
        """{ locationStatusesOrError {
          ... on WorkspaceLocationStatusEntries { entries { name } } } }""",
    )
    assert [e["name"] for e in statuses["locationStatusesOrError"]["entries"]] == LOCATIONS
    now = time.time()
    for name, entries in histories.items():
        assert 15 <= len(entries) <= 40, name
        oldest = entries[-1]["codeLocationDataUploadTimestamp"]
        newest = entries[0]["codeLocationDataUploadTimestamp"]
        assert now - oldest > 7 * 7 * 86400, name
        assert newest < now


def test_the_history_has_redeploys_failures_and_rollbacks(
    demo: tuple[str, dict[str, list[dict[str, Any]]]],
) -> None:
    _url, histories = demo
    entries = [e for h in histories.values() for e in h]
    actions = Counter(display(e)["action"] for e in entries)
    assert actions["rollback"] >= 1
    assert actions["reload"] >= 1
    assert sum(e["loadStatus"] == "ERROR" for e in entries) >= 4
    assert any(e["error"] and "not registered" in e["error"]["message"] for e in entries)
    redeploys = [
        (newer, older)
        for h in histories.values()
        for newer, older in itertools.pairwise(h)
        if newer["configDocument"] == older["configDocument"]
        and display(newer)["action"] == "deploy"
    ]
    assert redeploys
    for entries_of_location in histories.values():
        stamps = {e["codeLocationDataUploadTimestamp"] for e in entries_of_location}
        for entry in entries_of_location:
            if display(entry)["action"] == "rollback":
                assert float(display(entry)["rollback_target"]) in stamps
    providers = Counter(e["configDocument"]["git"]["provider"] for e in entries)
    assert set(providers) == {"github", "gitlab"}
    assert any(
        e["configDocument"]["git"]["url"].startswith("https://git.example-corp.com/")
        for e in entries
    )
    assert {display(e)["initiated_by"] for e in entries} <= set(DEMO_USERS)


def test_every_change_type_occurs(demo: tuple[str, dict[str, list[dict[str, Any]]]]) -> None:
    url, histories = demo
    keys = {
        tuple(asset["path"])
        for h in histories.values()
        for e in h
        if e["diffSummary"]
        for kind in ("modifiedAssets", "removedAssets")
        for asset in e["diffSummary"]["repositoryDiffs"][0][kind]
    }
    seen: set[str] = set()
    for key in sorted(keys):
        for entry in gql(url, CHANGES, {"key": {"path": list(key)}})["assetDiffHistory"]:
            seen.update(entry["diffSinceLastLoad"]["changeTypes"])
    assert seen == {str(c) for c in ChangeType}
