"""Resolvers of the root query and mutation fields.

Every resolver reads the caller and the storage from `info.context` (a
`RequestContext`). Returned objects are plain dicts in the schema's shape;
fields that cost a query (a location's asset nodes, a deployment's
workspace entries) are callables, so they only run when the document asks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from desktop_app.core.loads import LoadAction
from desktop_app.core.roles import Role, can_deploy, permissions_for
from desktop_app.server import queries
from desktop_app.server.accounts import User, list_users
from desktop_app.server.documents import (
    location_display_metadata,
    serialized_deployment_metadata,
    validate_document,
)
from desktop_app.server.loading import delete_location, load_location
from desktop_app.server.manifest import asset_node, python_error
from desktop_app.server.storage import Storage

REPOSITORY_NAME = "__repository__"
MAX_PAGE = 1000
DEPLOYMENT_ID = 1
ORGANIZATION_ID = 1


@dataclass(frozen=True)
class RequestContext:
    storage: Storage
    user: User
    deployment_name: str = "prod"


def _ctx(info: GraphQLResolveInfo) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context


@cache
def _permissions(role: Role) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"permission": name, "value": value, "disabledReason": None if value else _why(role)}
        for name, value in permissions_for(role).items()
    )


def _why(role: Role) -> str:
    return f"Your role here is {role.label}."


def _permission_list(role: Role) -> list[dict[str, Any]]:
    return list(_permissions(role))


def _pairs(mapping: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in mapping.items()]


def _page(limit: int) -> int:
    if limit < 0:
        raise GraphQLError("limit must not be negative")
    return min(limit, MAX_PAGE)


# -- locations -----------------------------------------------------------------------------


def _location_entry(ctx: RequestContext, row: queries.LocationRow) -> dict[str, Any]:
    def location_or_error(_info: GraphQLResolveInfo) -> dict[str, Any]:
        if row.status == "ERROR":
            return dict(row.error or python_error("the location failed to load", None))
        return {
            "__typename": "RepositoryLocation",
            "id": row.name,
            "name": row.name,
            "repositories": [
                {
                    "id": f"{row.name}:{REPOSITORY_NAME}",
                    "name": REPOSITORY_NAME,
                    "assetNodes": lambda _info: _asset_nodes(ctx, row.name),
                    "displayMetadata": _pairs(location_display_metadata(row.document)),
                }
            ],
        }

    return {
        "__typename": "WorkspaceLocationEntry",
        "id": row.name,
        "name": row.name,
        "locationOrLoadError": location_or_error,
        "loadStatus": "LOADED",
        "displayMetadata": _pairs(location_display_metadata(row.document)),
        "updatedTimestamp": row.updated_at,
        "versionKey": row.version_key,
        "permissions": _permission_list(ctx.user.role_on(row.name)),
    }


def _asset_nodes(ctx: RequestContext, name: str) -> list[dict[str, Any]]:
    with ctx.storage.read() as conn:
        defs = queries.current_definitions(conn, name)
    return [asset_node(d, name) for d in defs]


def _workspace_entry(ctx: RequestContext, row: queries.LocationRow) -> dict[str, Any]:
    return {
        "__typename": "WorkspaceEntry",
        "locationName": row.name,
        "serializedDeploymentMetadata": serialized_deployment_metadata(row.document),
        "metadataTimestamp": row.document_updated_at,
        "dataUpdatedTimestamp": row.updated_at,
        "hasOutdatedData": False,
        "hasLoadError": row.status == "ERROR",
        "canEditCodeLocationPermissions": ctx.user.role_on(row.name) >= Role.ADMIN,
        "sandboxSavedTimestamp": None,
        "connectionInfo": None,
        "sandboxProxyInfo": None,
    }


def _rows(ctx: RequestContext, name: str | None = None) -> list[queries.LocationRow]:
    with ctx.storage.read() as conn:
        return queries.location_rows(conn, name)


def resolve_workspace_or_error(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    ctx = _ctx(info)
    return {
        "__typename": "Workspace",
        "id": "Workspace",
        "locationEntries": [_location_entry(ctx, row) for row in _rows(ctx)],
    }


def resolve_location_statuses(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    ctx = _ctx(info)
    with ctx.storage.read() as conn:
        statuses = queries.location_statuses(conn)
    return {
        "__typename": "WorkspaceLocationStatusEntries",
        "entries": [
            {
                "id": f"location_status:{s.name}",
                "name": s.name,
                "loadStatus": "LOADED",
                "updateTimestamp": s.updated_at,
                "versionKey": s.version_key,
                "permissions": _permission_list(ctx.user.role_on(s.name)),
            }
            for s in statuses
        ],
    }


def resolve_location_entry(
    _root: Any, info: GraphQLResolveInfo, name: str
) -> dict[str, Any] | None:
    ctx = _ctx(info)
    rows = _rows(ctx, name)
    return _location_entry(ctx, rows[0]) if rows else None


def resolve_permissions(_root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    return _permission_list(_ctx(info).user.role)


def _workspace_entries(ctx: RequestContext) -> list[dict[str, Any]]:
    return [_workspace_entry(ctx, row) for row in _rows(ctx)]


def resolve_workspace(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    ctx = _ctx(info)
    return {"workspaceEntries": lambda _info: _workspace_entries(ctx)}


def resolve_locations_as_document(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    return {"document": {"locations": [row.document for row in _rows(_ctx(info))]}}


# -- identity and users --------------------------------------------------------------------


def _user_object(user: User) -> dict[str, Any]:
    first, _, last = user.name.replace(".", " ").replace("-", " ").partition(" ")
    return {
        "id": str(user.id),
        "userId": user.id,
        "email": user.email,
        "name": user.name,
        "firstName": first.capitalize() or None,
        "lastName": last.capitalize() or None,
        "picture": None,
        "isScimProvisioned": False,
    }


def resolve_identity(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    ctx = _ctx(info)
    role = ctx.user.role
    admin = role >= Role.ADMIN
    deployment = {
        "organizationId": ORGANIZATION_ID,
        "organizationName": "local",
        "organizationStatus": "ACTIVE",
        "deploymentId": DEPLOYMENT_ID,
        "deploymentName": ctx.deployment_name,
        "deploymentStatus": "ACTIVE",
        "deploymentType": "PRODUCTION",
        "deploymentSettings": {"settings": {}},
        "workspaceEntries": lambda _info, **_args: _workspace_entries(ctx),
        "branchDeploymentGitMetadata": None,
        "latestCommit": None,
        "commits": [],
        "isBranchDeployment": False,
        "agentType": "HYBRID",
        "parentDeployment": None,
        "canHaveBranchDeployments": False,
        "canEditDeploymentSettings": admin,
        "canEditDeploymentPermissions": admin,
        "canDeleteDeployment": role >= Role.ORGANIZATION_ADMIN,
        "canAccessDeployment": True,
        "editableSecretLocations": {"allLocations": admin, "locationNames": []},
    }
    return {
        "viewer": _user_object(ctx.user),
        "currentDeployment": deployment,
        "permissions": _permission_list(role),
        "featureGates": [],
    }


def _grant(user: User, grant_id: int, scope: str) -> dict[str, Any]:
    organization = scope == "ORGANIZATION"
    return {
        "id": grant_id,
        "organizationId": ORGANIZATION_ID,
        "deploymentId": None if organization else DEPLOYMENT_ID,
        "grant": user.role.grant,
        "customRoleId": None,
        "locationGrants": []
        if organization
        else [
            {"locationName": name, "grant": role.grant, "customRoleId": None}
            for name, role in sorted(user.location_grants.items())
        ],
        "deploymentScope": scope,
        "ownerDefinitionsRoleHandle": None,
    }


def _user_with_grants(user: User) -> dict[str, Any]:
    org_admin = user.role is Role.ORGANIZATION_ADMIN
    return {
        "id": str(user.id),
        "user": _user_object(user),
        "licensedRole": user.role.grant,
        "organizationPermissionGrant": _grant(user, user.id * 10, "ORGANIZATION")
        if org_admin
        else None,
        "allBranchDeploymentsPermissionGrant": None,
        "perBaseBranchDeploymentsPermissionGrants": [],
        "deploymentPermissionGrants": [_grant(user, user.id * 10 + 1, "DEPLOYMENT")],
    }


def resolve_users(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    ctx = _ctx(info)
    if ctx.user.role >= Role.ADMIN:
        users = list_users(ctx.storage)
    else:
        users = [ctx.user]
    return {
        "__typename": "DagsterCloudUsersWithScopedPermissionGrants",
        "users": [_user_with_grants(u) for u in users],
    }


# -- history -------------------------------------------------------------------------------


def _keys(keys: list[list[str]]) -> list[dict[str, list[str]]]:
    return [{"path": key} for key in keys]


def _history_entry(row: Mapping[str, Any]) -> dict[str, Any]:
    summary = json.loads(row["summary"]) if row["summary"] else None
    return {
        "locationName": row["location"],
        "codeLocationDataUploadTimestamp": row["uploaded_at"],
        "codeLocationUpdateTriggerTimestamp": row["triggered_at"],
        "loadStatus": row["status"],
        "configDocument": json.loads(row["document"]),
        "displayMetadata": _pairs(json.loads(row["display_metadata"])),
        "diffSummary": None
        if summary is None
        else {
            "repositoryDiffs": [
                {
                    "repositoryName": REPOSITORY_NAME,
                    "addedAssets": _keys(summary["added"]),
                    "modifiedAssets": _keys(summary["modified"]),
                    "removedAssets": _keys(summary["removed"]),
                }
            ]
        },
        "error": json.loads(row["error"]) if row["error"] else None,
    }


def resolve_location_load_history(
    _root: Any,
    info: GraphQLResolveInfo,
    limit: int,
    location_name: str,
    cursor: str | None = None,
) -> list[dict[str, Any]]:
    ctx = _ctx(info)
    try:
        with ctx.storage.read() as conn:
            rows = queries.load_history(conn, location_name, _page(limit), cursor)
    except ValueError as exc:
        raise GraphQLError(str(exc)) from None
    return [_history_entry(row) for row in rows]


def resolve_asset_diff_history(
    _root: Any,
    info: GraphQLResolveInfo,
    limit: int,
    asset_key: Mapping[str, Any],
    cursor: str | None = None,
) -> list[dict[str, Any]]:
    ctx = _ctx(info)
    key = tuple(asset_key["path"])
    try:
        with ctx.storage.read() as conn:
            rows = queries.asset_diff_history(conn, key, _page(limit), cursor)
    except ValueError as exc:
        raise GraphQLError(str(exc)) from None
    return [
        {
            "assetKey": {"path": list(row.key)},
            "locationName": row.location,
            "codeLocationDataUploadTimestamp": row.uploaded_at,
            "diffSinceLastLoad": row.change.to_graphql(),
            "gitCommitHash": row.commit_hash,
            "lastLoadGitCommitHash": row.previous_commit_hash,
        }
        for row in rows
    ]


# -- mutations -----------------------------------------------------------------------------


def _unauthorized(user: User, location: str, what: str) -> dict[str, Any]:
    role = user.role_on(location)
    return {
        "__typename": "UnauthorizedError",
        "message": f"{user.email} is {role.label} on code location {location!r}; {what} needs "
        "Editor, Admin or Organization Admin.",
    }


def resolve_add_or_update_location(
    _root: Any, info: GraphQLResolveInfo, document: Any
) -> dict[str, Any]:
    ctx = _ctx(info)
    errors = validate_document(document)
    if errors:
        return {
            "__typename": "InvalidLocationError",
            "message": "Invalid location document: " + "; ".join(errors),
            "errors": errors,
        }
    name = str(document["location_name"])
    if not can_deploy(ctx.user.role_on(name)):
        return _unauthorized(ctx.user, name, "deploying")
    load_location(ctx.storage, document, initiated_by=ctx.user.email, action=LoadAction.DEPLOY)
    return _workspace_entry(ctx, _rows(ctx, name)[0])


def resolve_reload_location(
    _root: Any, info: GraphQLResolveInfo, repository_location_name: str
) -> dict[str, Any]:
    ctx = _ctx(info)
    name = repository_location_name
    rows = _rows(ctx, name)
    if not rows:
        return {
            "__typename": "RepositoryLocationNotFound",
            "message": f"Location {name} does not exist.",
        }
    if not can_deploy(ctx.user.role_on(name)):
        return _unauthorized(ctx.user, name, "reloading")
    load_location(
        ctx.storage, rows[0].document, initiated_by=ctx.user.email, action=LoadAction.RELOAD
    )
    return _location_entry(ctx, _rows(ctx, name)[0])


def resolve_delete_location(
    _root: Any, info: GraphQLResolveInfo, location_name: str
) -> dict[str, Any]:

    ctx = _ctx(info)
    if not can_deploy(ctx.user.role_on(location_name)):
        return _unauthorized(ctx.user, location_name, "deleting a location")
    if not delete_location(ctx.storage, location_name):
        return python_error(f"Location {location_name} does not exist.", "LocationNotFoundError")
    return {"__typename": "DeleteLocationSuccess", "locationName": location_name}


QUERY_RESOLVERS: dict[str, Callable[..., Any]] = {
    "workspaceOrError": resolve_workspace_or_error,
    "locationStatusesOrError": resolve_location_statuses,
    "workspaceLocationEntryOrError": resolve_location_entry,
    "permissions": resolve_permissions,
    "workspace": resolve_workspace,
    "identity": resolve_identity,
    "locationsAsDocument": resolve_locations_as_document,
    "locationLoadHistory": resolve_location_load_history,
    "assetDiffHistory": resolve_asset_diff_history,
    "usersOrError": resolve_users,
}

MUTATION_RESOLVERS: dict[str, Callable[..., Any]] = {
    "addOrUpdateLocationFromDocument": resolve_add_or_update_location,
    "reloadRepositoryLocation": resolve_reload_location,
    "deleteLocation": resolve_delete_location,
}
