"""The root fields the official Dagster+ CLI needs, over plain GraphQL."""

from __future__ import annotations

from typing import Any

from desktop_app.server.manifest import register_image
from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import DEPLOY, display, document, gql, history

RECONCILE = """
mutation Sync($document: GenericScalar!) {
  reconcileLocationsFromDocument(document: $document) {
    __typename
    ... on ReconcileLocationsSuccess { locations { locationName } }
    ... on InvalidLocationError { errors }
    ... on UnauthorizedError { message }
  }
}
"""

CLI_DOCUMENT: dict[str, Any] = {
    "location_name": "shop",
    "code_source": {"autoload_defs_module_name": "shop.defs"},
    "image": "img:1",
    "git": {
        "commit_hash": "c" * 40,
        "url": "https://github.com/acme/shop/tree/" + "c" * 40,
        "provider": "github",
        "repo_owner": "acme",
        "repo_name": "shop",
        "base_branch": "main",
        "defs_base_path": "shop/defs",
    },
    "pex_metadata": {"pex_tag": "files=abc:deps=def", "python_version": "3.11"},
    "pex_bundle": True,
    "defs_state_info": {"info_mapping": {}},
    "container_context": {"k8s": {"namespace": "data"}},
    "agent_queue": "default",
}


def _server(server: EmbeddedServer) -> str:
    register_image(server.storage, "img:1", {"assets": [{"key": ["a"], "code_version": "1"}]})
    assert server.url is not None
    return server.url


def test_agents_report_the_server_itself_running(empty_server: EmbeddedServer) -> None:
    url = _server(empty_server)
    data = gql(url, "{ agents { status lastHeartbeatTime errors { error { message } } } }")
    (agent,) = data["agents"]
    assert agent["status"] == "RUNNING"
    assert agent["errors"] == []
    current = gql(url, "{ currentDeployment { deploymentName agentType } }")
    assert current["currentDeployment"] == {"deploymentName": "prod", "agentType": "HYBRID"}


def test_every_key_the_cli_writes_is_accepted_and_stored_verbatim(
    empty_server: EmbeddedServer,
) -> None:
    url = _server(empty_server)
    result = gql(url, DEPLOY, {"document": CLI_DOCUMENT})
    assert result["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
    (entry,) = history(url, "shop")
    assert entry["configDocument"] == CLI_DOCUMENT
    assert display(entry)["autoload_defs_module_name"] == "shop.defs"
    bad = gql(url, DEPLOY, {"document": {**CLI_DOCUMENT, "pex_metadata": {"tag": 1}}})
    assert bad["addOrUpdateLocationFromDocument"]["__typename"] == "InvalidLocationError"
    assert bad["addOrUpdateLocationFromDocument"]["errors"] == [
        "pex_metadata.tag: unknown key",
        "pex_metadata.pex_tag: required, a string",
    ]
    unknown = gql(url, DEPLOY, {"document": {**CLI_DOCUMENT, "colour": "blue"}})
    assert unknown["addOrUpdateLocationFromDocument"]["errors"] == [
        "colour: unknown key in a location document"
    ]


def test_reconcile_adds_updates_and_removes_each_as_an_entry(
    empty_server: EmbeddedServer,
) -> None:
    url = _server(empty_server)
    two = {"locations": [document("one", "img:1"), document("two", "img:1")]}
    result = gql(url, RECONCILE, {"document": two})["reconcileLocationsFromDocument"]
    assert result["__typename"] == "ReconcileLocationsSuccess"
    assert [loc["locationName"] for loc in result["locations"]] == ["one", "two"]
    changed = {"locations": [document("one", "img:1", commit="d" * 40)]}
    gql(url, RECONCILE, {"document": changed})
    assert [display(e)["action"] for e in history(url, "one")] == ["deploy", "deploy"]
    assert [display(e)["action"] for e in history(url, "two")] == ["remove", "deploy"]
    removal = history(url, "two")[0]
    assert removal["diffSummary"]["repositoryDiffs"][0]["removedAssets"] == [{"path": ["a"]}]


def test_reconcile_refuses_a_bad_document_or_role_and_changes_nothing(
    empty_server: EmbeddedServer,
) -> None:
    url = _server(empty_server)
    gql(url, DEPLOY, {"document": document("kept", "img:1")})
    bad = {"locations": [document("one", "img:1"), {"location_name": "two"}]}
    result = gql(url, RECONCILE, {"document": bad})["reconcileLocationsFromDocument"]
    assert result["__typename"] == "InvalidLocationError"
    assert result["errors"][0].startswith("locations[1] (two): code_source: required")
    viewer = gql(url, RECONCILE, {"document": {"locations": []}}, as_user="viewer@example.com")
    assert viewer["reconcileLocationsFromDocument"]["__typename"] == "UnauthorizedError"
    assert len(history(url, "kept")) == 1
    assert history(url, "one") == []


def test_deployment_settings_are_stored_for_admins(empty_server: EmbeddedServer) -> None:
    url = _server(empty_server)
    mutation = """mutation Set($s: DeploymentSettingsInput!) {
      setDeploymentSettings(deploymentSettings: $s) {
        __typename ... on DeploymentSettings { settings } ... on UnauthorizedError { message }
      }
    }"""
    settings = {"run_queue": {"max_concurrent_runs": 4}}
    refused = gql(url, mutation, {"s": {"settings": settings}})
    assert refused["setDeploymentSettings"]["__typename"] == "UnauthorizedError"
    done = gql(url, mutation, {"s": {"settings": settings}}, as_user="admin@example.com")
    assert done["setDeploymentSettings"] == {
        "__typename": "DeploymentSettings",
        "settings": settings,
    }
    read = gql(url, "{ deploymentSettings { settings } }")
    assert read["deploymentSettings"]["settings"] == settings
    via_identity = gql(
        url, "{ identity { currentDeployment { deploymentSettings { settings } } } }"
    )
    assert (
        via_identity["identity"]["currentDeployment"]["deploymentSettings"]["settings"] == settings
    )
