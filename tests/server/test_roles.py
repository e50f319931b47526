"""Roles: who may deploy, reload and delete, what `permissions` and
`usersOrError` say, and that a forbidden mutation changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.core.roles import Role
from desktop_app.server.runner import EmbeddedServer
from tests.server.helpers import DELETE, DEPLOY, RELOAD, asset, document, gql, history

ROLES = {
    "viewer@example.com": Role.VIEWER,
    "launcher@example.com": Role.LAUNCHER,
    "editor@example.com": Role.EDITOR,
    "admin@example.com": Role.ADMIN,
    "org-admin@example.com": Role.ORGANIZATION_ADMIN,
}
STATE = """
{
  locationsAsDocument { document }
  locationStatusesOrError { ... on WorkspaceLocationStatusEntries { entries { name versionKey } } }
}
"""


@pytest.fixture
def server(empty_server: EmbeddedServer) -> EmbeddedServer:
    empty_server.register_image("img:1", {"assets": [asset("a", code_version="1")]})
    empty_server.register_image("img:2", {"assets": [asset("a", code_version="2")]})
    url = empty_server.url
    assert url is not None
    result = gql(url, DEPLOY, {"document": document("shop", "img:1")})
    assert result["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
    return empty_server


def _state(url: str) -> tuple[Any, ...]:
    data = gql(url, STATE)
    return (data, [e["codeLocationDataUploadTimestamp"] for e in history(url, "shop")])


@pytest.mark.parametrize("email", ["viewer@example.com", "launcher@example.com"])
def test_viewers_and_launchers_cannot_change_anything(server: EmbeddedServer, email: str) -> None:
    url = server.url
    assert url is not None
    before = _state(url)
    deploy = gql(url, DEPLOY, {"document": document("shop", "img:2")}, as_user=email)
    new = gql(url, DEPLOY, {"document": document("other", "img:2")}, as_user=email)
    reload = gql(url, RELOAD, {"name": "shop"}, as_user=email)
    delete = gql(url, DELETE, {"name": "shop"}, as_user=email)
    for result in (deploy, new, reload, delete):
        [payload] = result.values()
        assert payload["__typename"] == "UnauthorizedError"
        assert ROLES[email].label in payload["message"]
    assert _state(url) == before


@pytest.mark.parametrize(
    "email", ["editor@example.com", "admin@example.com", "org-admin@example.com"]
)
def test_editors_and_above_deploy_reload_and_delete(server: EmbeddedServer, email: str) -> None:
    url = server.url
    assert url is not None
    deploy = gql(url, DEPLOY, {"document": document("shop", "img:2")}, as_user=email)
    assert deploy["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
    reload = gql(url, RELOAD, {"name": "shop"}, as_user=email)
    assert reload["reloadRepositoryLocation"]["__typename"] == "WorkspaceLocationEntry"
    entries = history(url, "shop")
    assert [{p["key"]: p["value"] for p in e["displayMetadata"]}["action"] for e in entries] == [
        "reload",
        "deploy",
        "deploy",
    ]
    assert {p["value"] for p in entries[0]["displayMetadata"] if p["key"] == "initiated_by"} == {
        email
    }
    delete = gql(url, DELETE, {"name": "shop"}, as_user=email)
    assert delete["deleteLocation"] == {
        "__typename": "DeleteLocationSuccess",
        "locationName": "shop",
    }
    assert gql(url, STATE)["locationsAsDocument"]["document"] == {"locations": []}


def test_a_location_grant_raises_the_role_there_only(server: EmbeddedServer) -> None:
    url = server.url
    assert url is not None
    token = server.add_user("ana@example.com", Role.LAUNCHER, {"shop": Role.EDITOR})
    ok = gql(url, DEPLOY, {"document": document("shop", "img:2")}, token=token)
    assert ok["addOrUpdateLocationFromDocument"]["__typename"] == "WorkspaceEntry"
    other = gql(url, DEPLOY, {"document": document("other", "img:2")}, token=token)
    assert other["addOrUpdateLocationFromDocument"]["__typename"] == "UnauthorizedError"
    query = """{ permissions { permission value }
      locationStatusesOrError { ... on WorkspaceLocationStatusEntries {
        entries { name permissions { permission value } } } } }"""
    data = gql(url, query, token=token)
    deployment = {p["permission"]: p["value"] for p in data["permissions"]}
    assert deployment["reload_repository_location"] is False
    [entry] = data["locationStatusesOrError"]["entries"]
    assert {p["permission"]: p["value"] for p in entry["permissions"]}["reload_repository_location"]


def test_a_grant_never_lowers_a_role(server: EmbeddedServer) -> None:
    url = server.url
    assert url is not None
    token = server.add_user("boss@example.com", Role.ADMIN, {"shop": Role.VIEWER})
    result = gql(url, RELOAD, {"name": "shop"}, token=token)
    assert result["reloadRepositoryLocation"]["__typename"] == "WorkspaceLocationEntry"


@pytest.mark.parametrize(("email", "role"), list(ROLES.items()))
def test_permissions_reflect_the_role(server: EmbeddedServer, email: str, role: Role) -> None:
    url = server.url
    assert url is not None
    query = """{ permissions { permission value }
      identity { permissions { permission value } viewer { email } }
      workspaceLocationEntryOrError(name: "shop") {
        ... on WorkspaceLocationEntry { permissions { permission value } } } }"""
    data = gql(url, query, as_user=email)
    for perms in (
        data["permissions"],
        data["identity"]["permissions"],
        data["workspaceLocationEntryOrError"]["permissions"],
    ):
        values = {p["permission"]: p["value"] for p in perms}
        assert values["reload_repository_location"] is (role >= Role.EDITOR)
        assert values["launch_pipeline_execution"] is (role >= Role.LAUNCHER)


USERS = """{ usersOrError { __typename ... on DagsterCloudUsersWithScopedPermissionGrants {
  users { user { email } licensedRole
          organizationPermissionGrant { grant deploymentId deploymentScope }
          deploymentPermissionGrants { grant deploymentId locationGrants { locationName grant } } }
} } }"""


@pytest.mark.parametrize("email", ["admin@example.com", "org-admin@example.com"])
def test_admins_see_every_user_and_their_grants(server: EmbeddedServer, email: str) -> None:
    url = server.url
    assert url is not None
    server.add_user("ana@example.com", Role.LAUNCHER, {"shop": Role.EDITOR})
    users = gql(url, USERS, as_user=email)["usersOrError"]["users"]
    by_email = {u["user"]["email"]: u for u in users}
    assert set(by_email) == {*ROLES, "ana@example.com"}
    ana = by_email["ana@example.com"]
    assert ana["deploymentPermissionGrants"] == [
        {
            "grant": "LAUNCHER",
            "deploymentId": 1,
            "locationGrants": [{"locationName": "shop", "grant": "EDITOR"}],
        }
    ]
    org = by_email["org-admin@example.com"]["organizationPermissionGrant"]
    assert org == {"grant": "ADMIN", "deploymentId": None, "deploymentScope": "ORGANIZATION"}
    assert by_email["admin@example.com"]["organizationPermissionGrant"] is None
    assert by_email["admin@example.com"]["deploymentPermissionGrants"][0]["grant"] == "ADMIN"


@pytest.mark.parametrize(
    "email", ["viewer@example.com", "launcher@example.com", "editor@example.com"]
)
def test_others_see_only_themselves(server: EmbeddedServer, email: str) -> None:
    url = server.url
    assert url is not None
    users = gql(url, USERS, as_user=email)["usersOrError"]["users"]
    assert [u["user"]["email"] for u in users] == [email]
    assert users[0]["licensedRole"] == ROLES[email].grant


def test_reloading_or_deleting_an_unknown_location(server: EmbeddedServer) -> None:
    url = server.url
    assert url is not None
    reload = gql(url, RELOAD, {"name": "nowhere"})
    assert reload["reloadRepositoryLocation"]["__typename"] == "RepositoryLocationNotFound"
    delete = gql(url, DELETE, {"name": "nowhere"})
    assert delete["deleteLocation"]["__typename"] == "PythonError"
    assert "nowhere" in delete["deleteLocation"]["message"]
