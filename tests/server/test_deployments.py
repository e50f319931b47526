"""Several deployments on one server: routes, roles per deployment, and
the app's client reaching a named one."""

from __future__ import annotations

import requests

from desktop_app.api.client import ConnectionSettings
from desktop_app.core.roles import Role
from desktop_app.server.deployments import add_deployment
from desktop_app.server.manifest import register_image
from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import DEPLOY, HISTORY, TIMEOUT, document, gql, history, post

IDENTITY = "{ identity { currentDeployment { deploymentName deploymentId } } }"


def _root(server: EmbeddedServer) -> str:
    assert server.url is not None
    return server.url.removesuffix("/graphql")


def _staging(server: EmbeddedServer) -> str:
    """A staging deployment with one location of its own; its URL."""
    add_deployment(server.storage, "staging")
    register_image(server.storage, "img:staging", {"assets": [{"key": ["s"], "code_version": "1"}]})
    token = server.add_user("stager@example.com", Role.EDITOR, deployment="staging")
    url = f"{_root(server)}/staging/graphql"
    result = gql(url, DEPLOY, {"document": document("only_staging", "img:staging")}, token=token)
    assert result["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
    return url


def test_path_and_header_pick_the_deployment(demo_server: EmbeddedServer) -> None:
    _staging(demo_server)
    root = _root(demo_server)
    org_admin = "org-admin@example.com"
    by_path = gql(f"{root}/staging/graphql", IDENTITY, as_user=org_admin)
    assert by_path["identity"]["currentDeployment"]["deploymentName"] == "staging"
    default = gql(f"{root}/graphql", IDENTITY, as_user=org_admin)
    assert default["identity"]["currentDeployment"]["deploymentName"] == "prod"
    headers = {
        "Dagster-Cloud-Api-Token": "demo-token-org-admin",
        "Dagster-Cloud-Deployment": "staging",
    }
    response = requests.post(
        f"{root}/graphql", json={"query": IDENTITY}, headers=headers, timeout=TIMEOUT
    )
    assert response.json()["data"]["identity"]["currentDeployment"]["deploymentName"] == "staging"
    prod = gql(f"{root}/prod/graphql", IDENTITY, as_user=org_admin)
    assert prod["identity"]["currentDeployment"]["deploymentId"] == 1


def test_unknown_deployment_is_a_clear_error(demo_server: EmbeddedServer) -> None:
    root = _root(demo_server)
    response = post(f"{root}/nope/graphql", {"query": IDENTITY})
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "no deployment named 'nope' on this server"
    headers = {"Dagster-Cloud-Api-Token": "demo-token-editor", "Dagster-Cloud-Deployment": "nope"}
    response = requests.post(
        f"{root}/graphql", json={"query": IDENTITY}, headers=headers, timeout=TIMEOUT
    )
    assert response.status_code == 404


def test_locations_and_history_are_per_deployment(demo_server: EmbeddedServer) -> None:
    staging = _staging(demo_server)
    names = "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"
    token = "demo-token-org-admin"
    in_staging = gql(staging, names, token=token)["workspaceOrError"]["locationEntries"]
    assert [e["name"] for e in in_staging] == ["only_staging"]
    assert demo_server.url is not None
    in_prod = gql(demo_server.url, names, token=token)["workspaceOrError"]["locationEntries"]
    assert "only_staging" not in [e["name"] for e in in_prod]
    assert history(demo_server.url, "only_staging") == []


def test_roles_are_per_deployment_and_org_admin_spans_all(demo_server: EmbeddedServer) -> None:
    staging = _staging(demo_server)
    # The prod Editor has no role in staging.
    response = post(staging, {"query": IDENTITY}, token="demo-token-editor")
    assert response.status_code == 403
    assert "no role in deployment 'staging'" in response.text
    # Viewer in staging, Editor in prod: one user, one token per grant.
    viewer = demo_server.add_user("editor@example.com", Role.VIEWER, deployment="staging")
    refused = gql(
        staging, DEPLOY, {"document": document("only_staging", "img:staging")}, token=viewer
    )
    assert refused["addOrUpdateLocationFromDocument"]["__typename"] == "UnauthorizedError"
    assert demo_server.url is not None
    allowed = gql(demo_server.url, DEPLOY, {"document": document("x", "img:staging")}, token=viewer)
    assert allowed["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
    # The Organization Admin may deploy anywhere without a grant.
    boss = gql(
        staging,
        DEPLOY,
        {"document": document("only_staging", "img:staging", commit="b" * 40)},
        as_user="org-admin@example.com",
    )
    assert boss["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"


def test_the_apps_url_reaches_a_named_deployment(demo_server: EmbeddedServer) -> None:
    _staging(demo_server)
    settings = ConnectionSettings(url=f"{_root(demo_server)}/staging", token="demo-token-org-admin")
    assert settings.graphql_url() == f"{_root(demo_server)}/staging/graphql"
    variables = {"name": "only_staging", "limit": 10, "cursor": None}
    data = gql(settings.graphql_url(), HISTORY, variables, token=settings.token)
    assert len(data["locationLoadHistory"]) == 1


def test_deployment_names_are_not_told_to_unknown_tokens(demo_server: EmbeddedServer) -> None:
    response = post(f"{_root(demo_server)}/nope/graphql", {"query": IDENTITY}, token="user:bad")
    assert response.status_code == 401
