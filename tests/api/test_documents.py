"""Every document the client sends is valid where it is sent."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from desktop_app.api import documents

DATA = Path(__file__).parent / "data"
# The Dagster+ subset as published (the bundled server serves it plus extensions).
PLUS = build_schema(
    resources.files("desktop_app.server").joinpath("dagster-plus-subset.graphql").read_text()
)
OSS = build_schema((DATA / "schema-dagster-graphql-1.13.28.graphql").read_text())

BOTH = [
    "CAPABILITIES",
    "LOCATION_STATUSES",
    "PERMISSIONS",
    "LOCATION_ENTRY_PLUS",
    "RELOAD_LOCATION",
    "HEARTBEAT_OSS",
]
PLUS_ONLY = [
    "IDENTITY",
    "IDENTITY_ONLY",
    "HEARTBEAT",
    "HEARTBEAT_NO_USERS",
    "LOCATION_LOAD_HISTORY",
    "ASSET_DIFF_HISTORY",
    "ADD_OR_UPDATE_LOCATION",
]


@pytest.mark.parametrize("name", BOTH + PLUS_ONLY)
def test_valid_against_the_dagster_plus_subset(name):
    assert validate(PLUS, parse(getattr(documents, name))) == []


@pytest.mark.parametrize("name", [*BOTH, "LOCATION_ENTRY_OSS"])
def test_valid_against_open_source_dagster(name):
    assert validate(OSS, parse(getattr(documents, name))) == []


def test_the_open_source_entry_document_is_not_sent_to_the_subset():
    assert validate(PLUS, parse(documents.LOCATION_ENTRY_OSS)) != []


@pytest.mark.parametrize("count", [1, 2, 25])
def test_the_batched_asset_diff_document_is_valid_against_the_subset(count):
    assert validate(PLUS, parse(documents.asset_diff_histories(count, 20))) == []
