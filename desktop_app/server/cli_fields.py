"""Root fields the official Dagster+ CLI needs beyond the app's subset
(`dagster-plus-cli.graphql`): the server's own agent, deployments and their
settings, and the whole-document location mutations behind `workspace sync`
and `ci deploy`.

The bundled server loads code itself, inside the request that deploys it, so
its one agent is running whenever it can answer; the CLI's wait loop sees
the load finished on its first look, and a failed load as the PythonError of
that location.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLResolveInfo

from desktop_app.core.loads import LoadAction
from desktop_app.core.roles import Role, can_deploy
from desktop_app.server import queries
from desktop_app.server.accounts import deployment_ids_of
from desktop_app.server.deployments import (
    UnknownDeploymentError,
    find_deployment,
    get_settings,
    list_deployments,
    set_settings,
)
from desktop_app.server.documents import document_hash, validate_document
from desktop_app.server.loading import load_location
from desktop_app.server.manifest import python_error
from desktop_app.server.resolvers import (
    RequestContext,
    _ctx,
    _role,
    _rows,
    _unauthorized,
    _workspace_entry,
    deployment_object,
)

AGENT_ID = f"desktop-app-server-{os.getpid()}"
STARTED_AT = time.time()


# -- queries -------------------------------------------------------------------------------


def resolve_agents(_root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    ctx = _ctx(info)
    states = [
        {
            "locationName": row.name,
            "status": "FAILED" if row.status == "ERROR" else "RUNNING",
            "error": row.error if row.status == "ERROR" else None,
        }
        for row in _rows(ctx)
    ]
    return [
        {
            "id": AGENT_ID,
            "agentLabel": "desktop-app server",
            "status": "RUNNING",
            "lastHeartbeatTime": time.time(),
            "errors": [],
            "metadata": [
                {"key": "type", "value": "desktop-app server (loads code in-process)"},
                {"key": "started_at", "value": repr(STARTED_AT)},
            ],
            "codeServerStates": states,
        }
    ]


def resolve_current_deployment(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    return deployment_object(_ctx(info))


def resolve_deployment_by_name(_root: Any, info: GraphQLResolveInfo, name: str) -> dict[str, Any]:
    ctx = _ctx(info)
    try:
        deployment = find_deployment(ctx.storage, name)
    except UnknownDeploymentError as exc:
        return {"__typename": "DeploymentNotFoundError", "message": str(exc)}
    if deployment.id not in _visible(ctx):
        return {"__typename": "DeploymentNotFoundError", "message": f"no deployment {name!r}"}
    return deployment_object(ctx, deployment)


def _visible(ctx: RequestContext) -> set[int]:
    if ctx.user.organization_admin:
        return {d.id for d in list_deployments(ctx.storage)}
    return set(deployment_ids_of(ctx.storage, ctx.user.id))


def resolve_full_deployments(_root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    ctx = _ctx(info)
    visible = _visible(ctx)
    return [deployment_object(ctx, d) for d in list_deployments(ctx.storage) if d.id in visible]


def resolve_deployment_settings(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    ctx = _ctx(info)
    return {"settings": get_settings(ctx.storage, ctx.deployment_id)}


# -- mutations -----------------------------------------------------------------------------


def resolve_set_deployment_settings(
    _root: Any,
    info: GraphQLResolveInfo,
    deployment_settings: Mapping[str, Any],
    deployment_id: int | None = None,
) -> dict[str, Any]:
    ctx = _ctx(info)
    target = ctx.deployment_id if deployment_id is None else deployment_id
    if target != ctx.deployment_id and target not in _visible(ctx):
        return {"__typename": "DeploymentNotFoundError", "message": f"no deployment {target}"}
    if _role(ctx) < Role.ADMIN:
        return {
            "__typename": "UnauthorizedError",
            "message": f"{ctx.user.email} is {_role(ctx).label}; editing deployment settings "
            "needs Admin or Organization Admin.",
        }
    settings = deployment_settings.get("settings")
    if settings is None:
        settings = {}
    if not isinstance(settings, Mapping):
        return python_error("deploymentSettings.settings must be an object", "ValueError")
    set_settings(ctx.storage, target, dict(settings))
    return {"__typename": "DeploymentSettings", "settings": dict(settings)}


def resolve_mark_cli_event(_root: Any, _info: GraphQLResolveInfo, **_event: Any) -> str:
    return "ok"


def _merge(defaults: Mapping[str, Any], location: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in location.items():
        base = merged.get(key)
        if isinstance(base, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge(base, value)
        else:
            merged[key] = value
    return merged


def _locations_of(document: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The location documents of a whole `dagster_cloud.yaml` (defaults
    applied), or the problems with it."""
    if not isinstance(document, Mapping):
        return [], ["document: must be an object with a 'locations' list"]
    unknown = sorted(str(k) for k in document if k not in ("locations", "defaults"))
    errors = [f"{key}: unknown key in a workspace document" for key in unknown]
    items = document.get("locations")
    if not isinstance(items, list):
        return [], [*errors, "locations: required, a list of location documents"]
    defaults = document.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        return [], [*errors, "defaults: must be an object"]
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        doc = _merge(defaults, item) if isinstance(item, Mapping) else item
        problems = validate_document(doc)
        name = doc.get("location_name") if isinstance(doc, Mapping) else None
        where = f"locations[{index}]" + (f" ({name})" if isinstance(name, str) else "")
        errors.extend(f"{where}: {problem}" for problem in problems)
        if not problems:
            if name in seen:
                errors.append(f"{where}: location_name: appears twice")
            seen.add(str(name))
            found.append(dict(doc))
    return found, errors


def _invalid(errors: list[str]) -> dict[str, Any]:
    return {
        "__typename": "InvalidLocationError",
        "message": "Invalid workspace document: " + "; ".join(errors),
        "errors": errors,
    }


def _apply(
    info: GraphQLResolveInfo, document: Any, *, remove_others: bool, success: str
) -> dict[str, Any]:
    ctx = _ctx(info)
    docs, errors = _locations_of(document)
    if errors:
        return _invalid(errors)
    current = {row.name: row for row in _rows(ctx)}
    wanted = {doc["location_name"]: doc for doc in docs}
    removed = sorted(set(current) - set(wanted)) if remove_others else []
    changed = [
        doc
        for doc in docs
        if not remove_others
        or doc["location_name"] not in current
        or document_hash(current[doc["location_name"]].document) != document_hash(doc)
    ]
    for name in [*(d["location_name"] for d in changed), *removed]:
        if not can_deploy(ctx.user.role_on(name)):
            return _unauthorized(ctx.user, name, "changing it")
    for doc in changed:
        load_location(
            ctx.storage,
            doc,
            initiated_by=ctx.user.email,
            action=LoadAction.DEPLOY,
            deployment_id=ctx.deployment_id,
        )
    for name in removed:
        load_location(
            ctx.storage,
            current[name].document,
            initiated_by=ctx.user.email,
            deployment_id=ctx.deployment_id,
            removal=True,
        )
    with ctx.storage.read() as conn:
        rows = {r.name: r for r in queries.location_rows(conn, ctx.deployment_id)}
    return {
        "__typename": success,
        "locations": [_workspace_entry(ctx, rows[name]) for name in wanted if name in rows],
    }


def resolve_reconcile_locations(
    _root: Any, info: GraphQLResolveInfo, document: Any
) -> dict[str, Any]:
    """Make the deployment's locations match the document: add, update
    (when the document differs) and remove; each one a history entry."""
    return _apply(info, document, remove_others=True, success="ReconcileLocationsSuccess")


def resolve_deploy_locations(_root: Any, info: GraphQLResolveInfo, document: Any) -> dict[str, Any]:
    """Deploy every location of the document (others stay as they are)."""
    return _apply(info, document, remove_others=False, success="DeployLocationsSuccess")


CLI_QUERY_RESOLVERS: dict[str, Callable[..., Any]] = {
    "agents": resolve_agents,
    "currentDeployment": resolve_current_deployment,
    "deploymentByName": resolve_deployment_by_name,
    "fullDeployments": resolve_full_deployments,
    "deploymentSettings": resolve_deployment_settings,
}

CLI_MUTATION_RESOLVERS: dict[str, Callable[..., Any]] = {
    "reconcileLocationsFromDocument": resolve_reconcile_locations,
    "deployLocations": resolve_deploy_locations,
    "setDeploymentSettings": resolve_set_deployment_settings,
    "markCliEvent": resolve_mark_cli_event,
}
