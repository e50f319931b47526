"""Asset nodes come back as Dagster's GraphQL returns them."""

from __future__ import annotations

import json

from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import DEPLOY, asset, document, gql

NODES = """query { workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus updatedTimestamp versionKey displayMetadata { key value }
  locationOrLoadError { __typename ... on RepositoryLocation { name repositories { name
    assetNodes { id assetKey { path } opVersion description tags { key value }
      dependencyKeys { path }
      metadataEntries { __typename label description
        ... on TextMetadataEntry { text } ... on IntMetadataEntry { intValue intRepr }
        ... on FloatMetadataEntry { floatValue floatRepr } ... on BoolMetadataEntry { boolValue }
        ... on JsonMetadataEntry { jsonString } ... on UrlMetadataEntry { url }
        ... on PathMetadataEntry { path } ... on MarkdownMetadataEntry { mdStr }
        ... on TimestampMetadataEntry { timestamp } }
      partitionDefinition { type description name fmt
        dimensionTypes { name type description isPrimaryDimension
                         dynamicPartitionsDefinitionName } }
} } } } } } } }"""

METADATA = {
    "text": {"kind": "Text", "value": "hello"},
    "small": {"kind": "Int", "value": 42},
    "big": {"kind": "Int", "value": 2**40},
    "ratio": {"kind": "Float", "value": 0.25},
    "flag": {"kind": "Bool", "value": True},
    "schema": {"kind": "Json", "value": {"a": [1, 2]}},
    "link": {"kind": "Url", "value": "https://example.com"},
    "file": {"kind": "Path", "value": "/data/x.parquet"},
    "doc": {"kind": "Markdown", "value": "# Title"},
    "nothing": {"kind": "Null", "value": None},
    "when": {"kind": "Timestamp", "value": 1700000000.0},
}
MULTI = {
    "type": "MULTIPARTITIONED",
    "description": "Multi-partitioned",
    "dimensions": [
        {"name": "date", "type": "TIME_WINDOW", "description": "Daily"},
        {"name": "customer", "type": "DYNAMIC", "dynamic_name": "customers"},
    ],
}


def test_asset_nodes_have_typed_metadata_and_partitions(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    empty_server.register_image(
        "img:1",
        {
            "assets": [
                asset(
                    "lake/orders",
                    code_version="v7",
                    description="Orders.",
                    tags={"team": "ingest", "tier": "gold"},
                    metadata=METADATA,
                    dependencies=[["raw"], ["lake", "customers"]],
                    partitions=MULTI,
                ),
                asset("raw", partitions={"type": "STATIC", "description": "'a', 'b'"}),
            ]
        },
    )
    gql(url, DEPLOY, {"document": document("lake", "img:1")})
    [entry] = gql(url, NODES)["workspaceOrError"]["locationEntries"]
    assert entry["loadStatus"] == "LOADED"
    assert {p["key"]: p["value"] for p in entry["displayMetadata"]}["image"] == "img:1"
    location = entry["locationOrLoadError"]
    assert location["__typename"] == "RepositoryLocation"
    [repository] = location["repositories"]
    assert repository["name"] == "__repository__"
    orders, raw = repository["assetNodes"]
    assert orders["assetKey"] == {"path": ["lake", "orders"]}
    assert orders["opVersion"] == "v7"
    assert orders["tags"] == [{"key": "team", "value": "ingest"}, {"key": "tier", "value": "gold"}]
    assert orders["dependencyKeys"] == [{"path": ["lake", "customers"]}, {"path": ["raw"]}]
    entries = {m["label"]: m for m in orders["metadataEntries"]}
    assert entries["text"] == {
        "__typename": "TextMetadataEntry",
        "label": "text",
        "description": None,
        "text": "hello",
    }
    assert (entries["small"]["intValue"], entries["small"]["intRepr"]) == (42, "42")
    assert (entries["big"]["intValue"], entries["big"]["intRepr"]) == (None, str(2**40))
    assert (entries["ratio"]["floatValue"], entries["ratio"]["floatRepr"]) == (0.25, "0.25")
    assert entries["flag"]["boolValue"] is True
    assert json.loads(entries["schema"]["jsonString"]) == {"a": [1, 2]}
    assert entries["link"]["url"] == "https://example.com"
    assert entries["file"]["path"] == "/data/x.parquet"
    assert entries["doc"]["mdStr"] == "# Title"
    assert entries["nothing"]["__typename"] == "NullMetadataEntry"
    assert entries["when"]["timestamp"] == 1700000000.0
    assert orders["partitionDefinition"]["type"] == "MULTIPARTITIONED"
    assert orders["partitionDefinition"]["dimensionTypes"] == [
        {
            "name": "date",
            "type": "TIME_WINDOW",
            "description": "Daily",
            "isPrimaryDimension": True,
            "dynamicPartitionsDefinitionName": None,
        },
        {
            "name": "customer",
            "type": "DYNAMIC",
            "description": "",
            "isPrimaryDimension": False,
            "dynamicPartitionsDefinitionName": "customers",
        },
    ]
    assert raw["partitionDefinition"]["dimensionTypes"] == [
        {
            "name": "default",
            "type": "STATIC",
            "description": "",
            "isPrimaryDimension": True,
            "dynamicPartitionsDefinitionName": None,
        }
    ]


def test_an_unknown_location_is_null(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    data = gql(url, '{ workspaceLocationEntryOrError(name: "nowhere") { __typename } }')
    assert data == {"workspaceLocationEntryOrError": None}


def test_workspace_entries_carry_deployment_metadata(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    empty_server.register_image("img:1", {"assets": [asset("a")]})
    doc = document("lake", "img:1", "abc1234", working_directory="/app")
    gql(url, DEPLOY, {"document": doc})
    query = """{ workspace { workspaceEntries { locationName serializedDeploymentMetadata
      hasLoadError canEditCodeLocationPermissions } } }"""
    [entry] = gql(url, query)["workspace"]["workspaceEntries"]
    meta = json.loads(entry["serializedDeploymentMetadata"])
    assert meta["__class__"] == "CodeDeploymentMetadata"
    assert meta["image"] == "img:1"
    assert meta["package_name"] == "lake"
    assert meta["working_directory"] == "/app"
    assert meta["git_metadata"] == {
        "__class__": "GitMetadata",
        "commit_hash": "abc1234",
        "url": doc["git"]["url"],
    }
    assert entry["hasLoadError"] is False
    assert entry["canEditCodeLocationPermissions"] is False
    admin = gql(url, query, as_user="admin@example.com")["workspace"]["workspaceEntries"][0]
    assert admin["canEditCodeLocationPermissions"] is True
