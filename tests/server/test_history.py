"""Load history: order and paging, diff summaries and per-asset diffs for
every change type, failed loads, reloads and rollback detection."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import DEPLOY, RELOAD, asset, display, document, gql, history, summary

DAILY = {
    "type": "TIME_WINDOW",
    "description": "Daily, starting 2024-01-01 UTC.",
    "fmt": "%Y-%m-%d",
    "dimensions": [{"name": "default", "type": "TIME_WINDOW"}],
}
REGIONS = {"type": "STATIC", "description": "'us', 'eu'"}

V1 = [
    asset("raw/orders", code_version="v1", tags={"team": "ingest"}),
    asset("orders_clean", code_version="v1", dependencies=[["raw", "orders"]]),
    asset("revenue", metadata={"rows": {"kind": "Int", "value": 10}}),
    asset("daily", partitions=DAILY),
    asset("legacy"),
    asset("docs_only", description="before"),
]
V2 = [
    asset("raw/orders", code_version="v2", tags={"team": "ingest", "tier": "gold"}),
    asset("orders_clean", code_version="v1", dependencies=[["raw", "orders"], ["revenue"]]),
    asset(
        "revenue",
        metadata={
            "rows": {"kind": "Int", "value": 11},
            "url": {"kind": "Url", "value": "https://x"},
        },
    ),
    asset("daily", partitions=REGIONS),
    asset("fresh"),
    asset("docs_only", description="after"),
]

ASSET_HISTORY = """
query($key: AssetKeyInput!, $limit: Int!, $cursor: String) {
  assetDiffHistory(assetKey: $key, limit: $limit, cursor: $cursor) {
    assetKey { path } locationName codeLocationDataUploadTimestamp
    gitCommitHash lastLoadGitCommitHash
    diffSinceLastLoad {
      changeTypes
      changeDiff {
        codeVersion { old new }
        partitionsDefinition { old new }
        dependencies { addedKeys changedKeys removedKeys }
        tags { addedKeys changedKeys removedKeys }
        metadata { addedKeys changedKeys removedKeys }
      }
    }
  }
}
"""


def _url(server: EmbeddedServer) -> str:
    assert server.url is not None
    return server.url


def _deploy(url: str, doc: dict[str, Any], as_user: str = "editor@example.com") -> None:
    result = gql(url, DEPLOY, {"document": doc}, as_user=as_user)
    assert result["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry", result


def _asset_history(
    url: str, key: str, limit: int = 50, cursor: str | None = None
) -> list[dict[str, Any]]:
    data = gql(
        url, ASSET_HISTORY, {"key": {"path": key.split("/")}, "limit": limit, "cursor": cursor}
    )
    entries: list[dict[str, Any]] = data["assetDiffHistory"]
    return entries


@pytest.fixture
def two_loads(empty_server: EmbeddedServer) -> str:
    empty_server.register_image("shop:v1", {"assets": V1})
    empty_server.register_image("shop:v2", {"assets": V2})
    url = _url(empty_server)
    _deploy(url, document("shop", "shop:v1", "1" * 40))
    _deploy(url, document("shop", "shop:v2", "2" * 40))
    return url


def test_diff_summary_lists_added_modified_and_removed(two_loads: str) -> None:
    newest, first = history(two_loads, "shop")
    assert summary(first) == {
        "added": sorted(tuple(a["key"]) for a in V1),
        "modified": [],
        "removed": [],
    }
    # A description-only edit is not a tracked change (as in Dagster+).
    assert summary(newest) == {
        "added": [("fresh",)],
        "modified": [("daily",), ("orders_clean",), ("raw", "orders"), ("revenue",)],
        "removed": [("legacy",)],
    }
    assert newest["diffSummary"]["repositoryDiffs"][0]["repositoryName"] == "__repository__"


def test_asset_diff_history_reports_every_change_type(two_loads: str) -> None:
    def latest(key: str) -> dict[str, Any]:
        entry = _asset_history(two_loads, key)[0]
        assert entry["locationName"] == "shop"
        assert entry["gitCommitHash"] == "2" * 40
        assert entry["lastLoadGitCommitHash"] == "1" * 40
        diff: dict[str, Any] = entry["diffSinceLastLoad"]
        return diff

    raw = latest("raw/orders")
    assert raw["changeTypes"] == ["CODE_VERSION", "TAGS"]
    assert raw["changeDiff"]["codeVersion"] == {"old": "v1", "new": "v2"}
    assert raw["changeDiff"]["tags"] == {
        "addedKeys": ["tier"],
        "changedKeys": [],
        "removedKeys": [],
    }
    assert raw["changeDiff"]["metadata"] is None

    deps = latest("orders_clean")
    assert deps["changeTypes"] == ["DEPENDENCIES"]
    assert deps["changeDiff"]["dependencies"] == {
        "addedKeys": ["revenue"],
        "changedKeys": [],
        "removedKeys": [],
    }
    meta = latest("revenue")
    assert meta["changeTypes"] == ["METADATA"]
    assert meta["changeDiff"]["metadata"] == {
        "addedKeys": ["url"],
        "changedKeys": ["rows"],
        "removedKeys": [],
    }
    parts = latest("daily")
    assert parts["changeTypes"] == ["PARTITIONS_DEFINITION"]
    assert parts["changeDiff"]["partitionsDefinition"] == {
        "old": "TIME_WINDOW: Daily, starting 2024-01-01 UTC.",
        "new": "STATIC: 'us', 'eu'",
    }
    assert latest("fresh")["changeTypes"] == ["NEW"]
    removed = latest("legacy")
    assert removed["changeTypes"] == ["REMOVED"]
    assert _asset_history(two_loads, "docs_only")[0]["diffSinceLastLoad"]["changeTypes"] == ["NEW"]


def test_asset_diff_history_is_newest_first_across_locations_and_pages(
    two_loads: str, empty_server: EmbeddedServer
) -> None:
    _deploy(two_loads, document("warehouse", "shop:v1", "3" * 40))
    entries = _asset_history(two_loads, "raw/orders")
    assert [(e["locationName"], e["diffSinceLastLoad"]["changeTypes"]) for e in entries] == [
        ("warehouse", ["NEW"]),
        ("shop", ["CODE_VERSION", "TAGS"]),
        ("shop", ["NEW"]),
    ]
    stamps = [e["codeLocationDataUploadTimestamp"] for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    assert entries[0]["lastLoadGitCommitHash"] is None
    page = _asset_history(two_loads, "raw/orders", limit=1, cursor=str(stamps[0]))
    assert [e["codeLocationDataUploadTimestamp"] for e in page] == [stamps[1]]
    assert _asset_history(two_loads, "no/such/asset") == []


def test_history_is_newest_first_and_pages_by_cursor(empty_server: EmbeddedServer) -> None:
    url = _url(empty_server)
    for n in range(7):
        empty_server.register_image(f"img:{n}", {"assets": [asset("a", code_version=str(n))]})
        _deploy(url, document("shop", f"img:{n}", str(n) * 40))
    everything = history(url, "shop")
    stamps = [e["codeLocationDataUploadTimestamp"] for e in everything]
    assert len(stamps) == 7
    assert stamps == sorted(stamps, reverse=True)
    assert len(set(stamps)) == 7
    assert [e["configDocument"]["image"] for e in everything] == [
        f"img:{n}" for n in reversed(range(7))
    ]
    pages, cursor = [], None
    while True:
        page = history(url, "shop", limit=3, cursor=cursor)
        if not page:
            break
        pages.append(page)
        cursor = str(page[-1]["codeLocationDataUploadTimestamp"])
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [e for p in pages for e in p] == everything
    assert history(url, "nowhere") == []
    assert all(
        e["codeLocationUpdateTriggerTimestamp"] <= e["codeLocationDataUploadTimestamp"]
        for e in everything
    )


ENTRY = """query($name: String!) { workspaceLocationEntryOrError(name: $name) {
  __typename
  ... on WorkspaceLocationEntry { loadStatus versionKey
    locationOrLoadError { __typename
      ... on PythonError { message className stack }
      ... on RepositoryLocation {
        repositories { name assetNodes { assetKey { path } opVersion } } } } }
} }"""


def test_failed_loads_are_errors_with_a_python_error(empty_server: EmbeddedServer) -> None:
    url = _url(empty_server)
    empty_server.register_image("img:good", {"assets": [asset("a", code_version="1")]})
    empty_server.register_image(
        "img:broken",
        {
            "error": {
                "message": "ImportError: No module named 'polars'",
                "className": "DagsterImportError",
                "stack": ["  File x, line 1\n"],
            }
        },
    )
    _deploy(url, document("shop", "img:good"))
    _deploy(url, document("shop", "img:broken", "b" * 40))
    entry = gql(url, ENTRY, {"name": "shop"})["workspaceLocationEntryOrError"]
    error = entry["locationOrLoadError"]
    assert error == {
        "__typename": "PythonError",
        "message": "ImportError: No module named 'polars'",
        "className": "DagsterImportError",
        "stack": ["  File x, line 1\n"],
    }
    _deploy(url, document("shop", "img:missing", "c" * 40))
    newest, broken, good = history(url, "shop")
    assert [e["loadStatus"] for e in (newest, broken, good)] == ["ERROR", "ERROR", "LOADED"]
    assert broken["error"]["className"] == "DagsterImportError"
    assert broken["diffSummary"] is None
    assert "img:missing" in newest["error"]["message"]
    assert newest["error"]["className"] == "ImageNotFound"
    # A good load after failures is diffed against the last good one.
    empty_server.register_image("img:fixed", {"assets": [asset("a", code_version="2")]})
    _deploy(url, document("shop", "img:fixed", "d" * 40))
    fixed = history(url, "shop", limit=1)[0]
    assert fixed["loadStatus"] == "LOADED"
    assert summary(fixed)["modified"] == [("a",)]
    assert _asset_history(url, "a")[0]["lastLoadGitCommitHash"] == "a" * 40
    loaded = gql(url, ENTRY, {"name": "shop"})["workspaceLocationEntryOrError"]
    nodes = loaded["locationOrLoadError"]["repositories"][0]["assetNodes"]
    assert nodes == [{"assetKey": {"path": ["a"]}, "opVersion": "2"}]


def test_a_resubmitted_earlier_document_is_a_rollback(empty_server: EmbeddedServer) -> None:
    url = _url(empty_server)
    empty_server.register_image("img:1", {"assets": [asset("a", code_version="1")]})
    empty_server.register_image("img:2", {"assets": [asset("a", code_version="2")]})
    one, two = document("shop", "img:1", "1" * 40), document("shop", "img:2", "2" * 40)
    _deploy(url, one)
    _deploy(url, two)
    _deploy(url, two)  # identical redeploy: not a rollback
    _deploy(url, one, as_user="admin@example.com")
    gql(url, RELOAD, {"name": "shop"})
    reload, rollback, redeploy, _second, first = history(url, "shop")
    assert display(redeploy)["action"] == "deploy"
    assert "rollback_target" not in display(redeploy)
    assert display(rollback)["action"] == "rollback"
    assert display(rollback)["initiated_by"] == "admin@example.com"
    assert float(display(rollback)["rollback_target"]) == first["codeLocationDataUploadTimestamp"]
    assert display(rollback)["rollback_target"] == str(first["codeLocationDataUploadTimestamp"])
    assert summary(rollback)["modified"] == [("a",)]
    assert display(reload)["action"] == "reload"
    assert reload["configDocument"] == one
    assert summary(reload) == {"added": [], "modified": [], "removed": []}
    nodes = gql(url, ENTRY, {"name": "shop"})["workspaceLocationEntryOrError"]
    assert nodes["locationOrLoadError"]["repositories"][0]["assetNodes"][0]["opVersion"] == "1"
