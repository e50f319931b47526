"""The Dagster+ documents the client sends validate against the running
server's schema (read by introspection) and return data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import build_client_schema, get_introspection_query, parse, validate

from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import gql

DOCUMENTS = sorted((Path(__file__).parent / "documents").glob("plus_*.graphql"))
VARIABLES: dict[str, dict[str, Any]] = {
    "plus_asset_diff_history": {"assetKey": {"path": None}, "limit": 20, "cursor": None},
    "plus_location_load_history": {"locationName": "analytics_core", "limit": 20, "cursor": None},
}


def test_every_reference_document_is_here() -> None:
    assert [d.stem for d in DOCUMENTS] == [
        "plus_asset_diff_history",
        "plus_identity",
        "plus_location_load_history",
        "plus_users_grants",
        "plus_workspace_entries_full",
    ]


@pytest.mark.parametrize("path", DOCUMENTS, ids=[d.stem for d in DOCUMENTS])
def test_reference_document_validates_and_returns_data(
    demo_server: EmbeddedServer, path: Path
) -> None:
    url = demo_server.url
    assert url is not None
    schema = build_client_schema(gql(url, get_introspection_query()))  # type: ignore[arg-type]
    source = path.read_text("utf-8")
    assert validate(schema, parse(source)) == []
    variables = dict(VARIABLES.get(path.stem, {}))
    if "assetKey" in variables:
        history = gql(
            url,
            """{ locationLoadHistory(locationName: "analytics_core", limit: 1) {
              diffSummary { repositoryDiffs { modifiedAssets { path } } } } }""",
        )
        modified = history["locationLoadHistory"][0]["diffSummary"]["repositoryDiffs"][0][
            "modifiedAssets"
        ]
        variables["assetKey"] = {"path": modified[0]["path"]}
    data = gql(url, source, variables, as_user="admin@example.com")
    assert data
    assert all(value for value in data.values()), f"{path.stem} returned an empty field"
    if path.stem == "plus_location_load_history":
        assert len(data["locationLoadHistory"]) == 20
    if path.stem == "plus_asset_diff_history":
        assert data["assetDiffHistory"][0]["diffSinceLastLoad"]["changeTypes"]
    if path.stem == "plus_users_grants":
        assert len(data["usersOrError"]["users"]) == 5
    if path.stem == "plus_workspace_entries_full":
        assert len(data["workspace"]["workspaceEntries"]) == 4
    if path.stem == "plus_identity":
        assert data["identity"]["viewer"]["email"] == "admin@example.com"
        assert len(data["locationStatusesOrError"]["entries"]) == 4
