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
from desktop_app.server.deployments import Deployment, get_settings
from desktop_app.server.documents import (
    location_display_metadata,
    serialized_deployment_metadata,
    validate_document,
)
from desktop_app.server.loading import load_location
from desktop_app.server.manifest import asset_node, python_error
from desktop_app.server.storage import DEFAULT_DEPLOYMENT_ID, Storage

REPOSITORY_NAME = "__repository__"
MAX_PAGE = 1000
ORGANIZATION_ID = 1


DEFAULT_DEPLOYMENT = Deployment(DEFAULT_DEPLOYMENT_ID, "prod")


@dataclass(frozen=True)
class RequestContext:
    storage: Storage
    user: User
    deployment: Deployment = DEFAULT_DEPLOYMENT

    @property
    def deployment_id(self) -> int:
        return self.deployment.id

    @property
    def deployment_name(self) -> str:
        return self.deployment.name


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
        defs = queries.current_definitions(conn, ctx.deployment_id, name)
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
        return queries.location_rows(conn, ctx.deployment_id, name)


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
        statuses = queries.location_statuses(conn, ctx.deployment_id)
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
    return _permission_list(_role(_ctx(info)))


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


def _role(ctx: RequestContext) -> Role:
    role = ctx.user.role
    assert role is not None  # the WSGI app answers 403 to users without a role here
    return role


def deployment_object(ctx: RequestContext, deployment: Deployment | None = None) -> dict[str, Any]:
    """A `DagsterCloudDeployment`: the request's deployment unless another is given."""
    deployment = deployment or ctx.deployment
    role = _role(ctx)
    admin = role >= Role.ADMIN
    return {
        "__typename": "DagsterCloudDeployment",
        "organizationId": ORGANIZATION_ID,
        "organizationName": "local",
        "organizationStatus": "ACTIVE",
        "deploymentId": deployment.id,
        "deploymentName": deployment.name,
        "deploymentStatus": "ACTIVE",
        "deploymentType": "PRODUCTION",
        "deploymentSettings": lambda _info: {"settings": get_settings(ctx.storage, deployment.id)},
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


def resolve_identity(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    ctx = _ctx(info)
    return {
        "viewer": _user_object(ctx.user),
        "currentDeployment": deployment_object(ctx),
        "permissions": _permission_list(_role(ctx)),
        "featureGates": [],
    }


def _grant(user: User, grant_id: int, scope: str, deployment_id: int) -> dict[str, Any]:
    organization = scope == "ORGANIZATION"
    assert user.role is not None
    return {
        "id": grant_id,
        "organizationId": ORGANIZATION_ID,
        "deploymentId": None if organization else deployment_id,
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


def _user_with_grants(user: User, deployment_id: int) -> dict[str, Any]:
    org_admin = user.role is Role.ORGANIZATION_ADMIN
    assert user.role is not None
    return {
        "id": str(user.id),
        "user": _user_object(user),
        "licensedRole": user.role.grant,
        "organizationPermissionGrant": _grant(user, user.id * 10, "ORGANIZATION", deployment_id)
        if org_admin
        else None,
        "allBranchDeploymentsPermissionGrant": None,
        "perBaseBranchDeploymentsPermissionGrants": [],
        "deploymentPermissionGrants": [_grant(user, user.id * 10 + 1, "DEPLOYMENT", deployment_id)],
    }


def resolve_users(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    ctx = _ctx(info)
    if _role(ctx) >= Role.ADMIN:
        users = list_users(ctx.storage, ctx.deployment_id)
    else:
        users = [ctx.user]
    return {
        "__typename": "DagsterCloudUsersWithScopedPermissionGrants",
        "users": [_user_with_grants(u, ctx.deployment_id) for u in users],
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
            rows = queries.load_history(
                conn, ctx.deployment_id, location_name, _page(limit), cursor
            )
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
            rows = queries.asset_diff_history(conn, ctx.deployment_id, key, _page(limit), cursor)
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
    load_location(
        ctx.storage,
        document,
        initiated_by=ctx.user.email,
        action=LoadAction.DEPLOY,
        deployment_id=ctx.deployment_id,
    )
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
        ctx.storage,
        rows[0].document,
        initiated_by=ctx.user.email,
        action=LoadAction.RELOAD,
        deployment_id=ctx.deployment_id,
    )
    return _location_entry(ctx, _rows(ctx, name)[0])


def resolve_delete_location(
    _root: Any, info: GraphQLResolveInfo, location_name: str
) -> dict[str, Any]:

    ctx = _ctx(info)
    if not can_deploy(ctx.user.role_on(location_name)):
        return _unauthorized(ctx.user, location_name, "deleting a location")
    rows = _rows(ctx, location_name)
    if not rows:
        return python_error(f"Location {location_name} does not exist.", "LocationNotFoundError")
    # The removal is a history entry of its own; the rest of the history stays.
    load_location(
        ctx.storage,
        rows[0].document,
        initiated_by=ctx.user.email,
        deployment_id=ctx.deployment_id,
        removal=True,
    )
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
