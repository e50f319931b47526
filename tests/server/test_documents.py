"""Invalid location documents get an InvalidLocationError naming each
field, and store nothing."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import DEPLOY, asset, document, gql, post

GOOD = document("shop", "img:1")


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in GOOD.items() if k != key}


@pytest.mark.parametrize(
    ("doc", "fields"),
    [
        (_without("location_name"), ["location_name"]),
        ({**GOOD, "location_name": ""}, ["location_name"]),
        ({**GOOD, "code_source": {"package_name": "a", "python_file": "b.py"}}, ["code_source"]),
        (_without("code_source"), ["code_source"]),
        ({**GOOD, "code_source": {}}, ["code_source"]),
        ({**GOOD, "image": 42}, ["image"]),
        ({**GOOD, "imagee": "x", "colour": "red"}, ["colour", "imagee"]),
        ({**GOOD, "git": {"commit_hash": 1, "branch": "main"}}, ["git.branch", "git.commit_hash"]),
        ({"image": ["x"], "extra": 1}, ["extra", "location_name", "code_source", "image"]),
        ("not a mapping", ["document"]),
        ([GOOD], ["document"]),
    ],
    ids=[
        "no-name",
        "empty-name",
        "two-code-sources",
        "no-code-source",
        "empty-code-source",
        "image-not-string",
        "unknown-keys",
        "bad-git",
        "everything-wrong",
        "string",
        "list",
    ],
)
def test_invalid_documents_name_each_field(
    empty_server: EmbeddedServer, doc: Any, fields: list[str]
) -> None:
    url = empty_server.url
    assert url is not None
    empty_server.register_image("img:1", {"assets": [asset("a")]})
    result = gql(url, DEPLOY, {"document": doc})["addOrUpdateLocationFromDocument"]
    assert result["__typename"] == "InvalidLocationError"
    named = [error.split(":", 1)[0] for error in result["errors"]]
    assert sorted(named) == sorted(fields)
    for field in fields:
        assert field in result["message"]
    state = gql(
        url,
        """{ locationsAsDocument { document }
          locationLoadHistory(locationName: "shop", limit: 5) { loadStatus } }""",
    )
    assert state == {
        "locationsAsDocument": {"document": {"locations": []}},
        "locationLoadHistory": [],
    }


def test_a_document_given_inline_as_a_literal_works(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    empty_server.register_image("img:1", {"assets": [asset("a")]})
    query = """mutation { addOrUpdateLocationFromDocument(document: {
        location_name: "shop", code_source: {module_name: "shop.defs"}, image: "img:1",
        working_directory: "/app", container_context: {k8s: {env_vars: ["A=1"]}}}) {
      __typename ... on WorkspaceEntry { locationName serializedDeploymentMetadata } } }"""
    response = post(url, {"query": query})
    entry = response.json()["data"]["addOrUpdateLocationFromDocument"]
    assert entry["__typename"] == "WorkspaceEntry"
    assert entry["locationName"] == "shop"
    assert '"module_name":"shop.defs"' in entry["serializedDeploymentMetadata"]


def test_valid_documents_with_every_known_key_are_accepted(empty_server: EmbeddedServer) -> None:
    url = empty_server.url
    assert url is not None
    empty_server.register_image("img:1", {"assets": [asset("a")]})
    doc = {
        **GOOD,
        "working_directory": "/opt/app",
        "executable_path": "/venv/bin/python",
        "attribute": "defs",
        "container_context": {"k8s": {"env_vars": ["FOO=bar"]}},
        "agent_queue": "default",
        "build": {"directory": ".", "registry": "ghcr.io/acme/shop"},
        "git": {
            "commit_hash": "f" * 40,
            "url": "https://git.example-corp.com/acme/shop/-/tree/" + "f" * 40,
            "provider": "gitlab",
            "repo_owner": "acme",
            "repo_name": "shop",
            "base_branch": "main",
        },
    }
    result = gql(url, DEPLOY, {"document": doc})["addOrUpdateLocationFromDocument"]
    assert result["__typename"] == "WorkspaceEntry"
    assert result["hasLoadError"] is False
    assert gql(url, "{ locationsAsDocument { document } }")["locationsAsDocument"]["document"] == {
        "locations": [doc]
    }
