"""Parsing real dagster-webserver answers (recorded from 1.13.28) into core types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop_app.api import parse
from desktop_app.api.errors import BadResponse, ServerError, Unauthorized
from desktop_app.core.assets import MetadataValue
from desktop_app.core.diff import ChangeType, diff_snapshots

DATA = Path(__file__).parent / "data"


def _data(name: str) -> dict[str, Any]:
    payload = json.loads((DATA / name).read_text())
    return payload["data"]  # type: ignore[no-any-return]


def test_asset_nodes_become_normalised_definitions():
    entry = parse.location_entry(_data("03_location_asset_nodes.initial.json"))
    assert entry is not None
    assert entry.name == "research_loc"
    assert entry.error is None
    assert entry.definitions is not None
    defs = entry.definitions
    assert sorted(defs) == [
        ("analytics", "orders_enriched"),
        ("dashboard_export",),
        ("raw_customers",),
        ("raw_orders",),
        ("regional_report",),
    ]
    orders = defs[("raw_orders",)]
    assert orders.code_version == "v1"
    assert orders.tags["tier"] == "gold"
    assert orders.metadata["json_meta"] == MetadataValue("Json", {"a": 1, "b": [1, 2]})
    assert orders.metadata["int_meta"] == MetadataValue("Int", 42)
    assert orders.metadata["null_meta"] == MetadataValue("Null", None)
    assert orders.metadata["asset_meta"] == MetadataValue("Asset", "other/thing")
    assert orders.partitions is not None
    assert orders.partitions.type == "TIME_WINDOW"
    enriched = defs[("analytics", "orders_enriched")]
    assert enriched.dependencies == frozenset({("raw_customers",), ("raw_orders",)})
    report = defs[("regional_report",)]
    assert report.partitions is not None
    assert [d.name for d in report.partitions.dimensions] == ["date", "region"]


def test_edited_definitions_diff_like_the_recorded_edit():
    before = parse.location_entry(_data("03_location_asset_nodes.initial.json"))
    after = parse.location_entry(_data("03_location_asset_nodes.v2.json"))
    assert before is not None
    assert after is not None
    assert before.definitions is not None
    assert after.definitions is not None
    changes = {c.key: c.change_types for c in diff_snapshots(before.definitions, after.definitions)}
    assert changes == {
        ("brand_new_asset",): (ChangeType.NEW,),
        ("dashboard_export",): (ChangeType.REMOVED,),
        ("raw_orders",): (ChangeType.CODE_VERSION, ChangeType.TAGS),
    }
    # the same code loaded twice hashes the same
    again = parse.location_entry(_data("03_location_asset_nodes.initial.json"))
    assert again is not None
    assert again.definitions is not None
    assert {k: d.content_hash() for k, d in again.definitions.items()} == {
        k: d.content_hash() for k, d in before.definitions.items()
    }


def test_large_integers_come_from_int_repr():
    value = parse.metadata_value(
        {"__typename": "IntMetadataEntry", "label": "n", "intValue": None, "intRepr": "8589934592"}
    )
    assert value == MetadataValue("Int", 8589934592)


def test_a_failed_load_reports_loaded_but_carries_a_python_error():
    entry = parse.location_entry(_data("03_location_asset_nodes.broken.json"))
    assert entry is not None
    assert entry.load_status == "LOADED"
    assert entry.definitions is None
    assert entry.error is not None
    assert "DagsterUserCodeLoadError" in entry.error


def test_the_real_cause_comes_from_causes():
    entries = _data("01_workspace_entries.broken.json")["workspaceOrError"]["locationEntries"]
    broken = next(e for e in entries if e["name"] == "research_loc")
    text = parse.python_error_text(broken["locationOrLoadError"])
    assert "SyntaxError: invalid syntax" in text
    assert "DagsterUserCodeLoadError" not in text


def test_unknown_location_is_none():
    assert parse.location_entry(_data("03_location_asset_nodes.unknown_name.json")) is None


def test_location_statuses():
    statuses = parse.location_statuses(_data("02_location_statuses.initial.json"))
    assert {s.name for s in statuses} == {"research_loc", "second_loc"}
    first = next(s for s in statuses if s.name == "research_loc")
    assert first.update_timestamp == pytest.approx(1795917770.175899)
    assert first.load_status == "LOADED"


def test_permissions_and_read_only_permissions():
    from desktop_app.core.roles import Role, role_from_permissions

    full = parse.permissions(_data("04_permissions.json")["permissions"])
    read_only = parse.permissions(_data("04_permissions.readonly.json")["permissions"])
    assert role_from_permissions(full) == Role.EDITOR
    assert role_from_permissions(read_only) == Role.VIEWER


def test_missing_used_field_is_bad_response():
    with pytest.raises(BadResponse, match="updateTimestamp"):
        parse.location_statuses(
            {
                "locationStatusesOrError": {
                    "__typename": "WorkspaceLocationStatusEntries",
                    "entries": [{"name": "x", "loadStatus": "LOADED", "versionKey": "1"}],
                }
            }
        )


def test_extra_fields_are_fine():
    statuses = parse.location_statuses(
        {
            "locationStatusesOrError": {
                "__typename": "WorkspaceLocationStatusEntries",
                "entries": [
                    {
                        "name": "x",
                        "loadStatus": "LOADED",
                        "updateTimestamp": 1.5,
                        "versionKey": "1",
                        "somethingNew": [1, 2],
                    }
                ],
                "alsoNew": True,
            }
        }
    )
    assert statuses == [parse.LocationStatus("x", "LOADED", 1.5, "1")]


@pytest.mark.parametrize(
    ("typename", "error"),
    [("UnauthorizedError", Unauthorized), ("PythonError", ServerError)],
)
def test_error_union_members_raise_typed_errors(typename, error):
    with pytest.raises(error):
        parse.location_statuses(
            {"locationStatusesOrError": {"__typename": typename, "message": "nope"}}
        )


def test_history_entry_with_summary_and_document():
    load = parse.history_entry(
        {
            "locationName": "loc",
            "codeLocationDataUploadTimestamp": 10.5,
            "codeLocationUpdateTriggerTimestamp": 10.0,
            "loadStatus": "LOADED",
            "configDocument": {"location_name": "loc", "image": "img:1"},
            "displayMetadata": [{"key": "action", "value": "deploy"}],
            "diffSummary": {
                "repositoryDiffs": [
                    {
                        "repositoryName": "__repository__",
                        "addedAssets": [{"path": ["a"]}],
                        "modifiedAssets": [{"path": ["b", "c"]}],
                        "removedAssets": [],
                    }
                ]
            },
            "error": None,
        }
    )
    assert load.loaded_at == 10.5
    assert load.deploy.image == "img:1"
    assert load.action == "deploy"
    assert load.summary.added == (("a",),)
    assert load.summary.modified == (("b", "c"),)
