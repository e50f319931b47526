"""Image manifests: what is accepted, and errors that name the spot."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.core.assets import AssetDefinition, MetadataValue, PartitionsDefinition
from desktop_app.server.manifest import ManifestError, asset_node, parse_manifest
from desktop_app.server.runner import EmbeddedServer


def test_a_manifest_is_the_canonical_asset_definition_form() -> None:
    definition = AssetDefinition(
        key=("lake", "orders"),
        code_version="v2",
        tags={"team": "x"},
        metadata={"rows": MetadataValue("Int", 3), "ok": MetadataValue("Bool", True)},
        dependencies=frozenset({("raw",)}),
        partitions=PartitionsDefinition("STATIC", "'a', 'b'"),
        description="Orders.",
    )
    content = parse_manifest("img", {"assets": [definition.to_json()]})
    assert content.assets == (definition,)
    assert content.error is None


def test_an_error_manifest_becomes_a_python_error() -> None:
    content = parse_manifest("img", {"error": {"message": "boom", "className": "KeyError"}})
    assert content.assets == ()
    assert content.error is not None
    assert content.error["__typename"] == "PythonError"
    assert (content.error["message"], content.error["className"]) == ("boom", "KeyError")
    assert content.error["stack"] == []


@pytest.mark.parametrize(
    ("manifest", "spot"),
    [
        ([], "a manifest is a JSON object"),
        ({}, "exactly one of 'assets' and 'error'"),
        ({"assets": [], "error": {"message": "x"}}, "exactly one"),
        ({"assets": [], "extra": 1}, "unknown manifest keys: extra"),
        ({"assets": {}}, "assets must be a list"),
        ({"assets": [{"key": []}]}, "assets[0].key"),
        ({"assets": [{"key": ["a"], "tags": {"t": 1}}]}, "assets[0].tags"),
        ({"assets": [{"key": ["a"], "metadata": {"m": {"kind": "Blob"}}}]}, "assets[0].metadata.m"),
        ({"assets": [{"key": ["a"], "metadata": {"m": {"kind": "Int", "value": "7"}}}]}, "m: '7'"),
        ({"assets": [{"key": ["a"], "dependencies": ["b"]}]}, "assets[0].dependencies"),
        ({"assets": [{"key": ["a"], "code_version": 3}]}, "assets[0].code_version"),
        ({"assets": [{"key": ["a"], "partitions": {"type": "WEEKLY"}}]}, "partitions.type"),
        ({"assets": [{"key": ["a"]}, {"key": ["a"]}]}, "duplicate asset keys: a"),
        ({"error": {"message": 5}}, "error.message"),
        ({"error": {"message": "x", "stack": "line"}}, "error.stack"),
    ],
)
def test_invalid_manifests_name_the_problem(manifest: Any, spot: str) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_manifest("img", manifest)
    assert spot in str(caught.value)


def test_registering_an_invalid_manifest_stores_nothing(empty_server: EmbeddedServer) -> None:
    with pytest.raises(ManifestError):
        empty_server.register_image("img", {"assets": [{"key": "a"}]})
    with empty_server.storage.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM images").scalar() == 0


def test_nan_and_infinite_floats_keep_their_repr() -> None:
    node = asset_node(
        AssetDefinition(key=("a",), metadata={"x": MetadataValue("Float", float("inf"))}), "loc"
    )
    [entry] = node["metadataEntries"]
    assert entry["floatValue"] is None
    assert entry["floatRepr"] == "inf"
