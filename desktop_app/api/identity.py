"""Parsing who the server says we are: capabilities (root fields), the
viewer's email, grants and permissions, through the declared shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop_app.api import shape
from desktop_app.api.parse import permissions
from desktop_app.api.shape import need, opt_items, opt_obj, opt_text
from desktop_app.core.roles import Role, role_from_permissions
from desktop_app.core.session import Capabilities, Viewer


def field_names(type_: Any, where: str) -> set[str]:
    if type_ is None:
        return set()
    type_ = shape.obj(type_, where)
    return {
        shape.text(f, "name", f"{where}.fields[]")
        for f in opt_items(type_, "fields", where)
        if isinstance(f, dict)
    }


def capabilities(data: Mapping[str, Any]) -> Capabilities:
    schema = shape.obj(need(data, "__schema", "data"), "__schema")
    query = field_names(need(schema, "queryType", "__schema"), "__schema.queryType")
    mutation = field_names(schema.get("mutationType"), "__schema.mutationType")
    return Capabilities(
        history_api="locationLoadHistory" in query,
        identity="identity" in query and "usersOrError" in query,
        deploy="addOrUpdateLocationFromDocument" in mutation,
    )


def viewer_from_identity(data: Mapping[str, Any]) -> Viewer:
    identity = shape.obj(need(data, "identity", "data"), "identity")
    viewer = opt_obj(identity, "viewer", "identity") or {}
    email = opt_text(viewer, "email", "identity.viewer")
    deployment = opt_obj(identity, "currentDeployment", "identity") or {}
    deployment_id = opt_text(deployment, "deploymentId", "identity.currentDeployment")
    users = data.get("usersOrError")
    if email and isinstance(users, dict) and isinstance(users.get("users"), list):
        found = role_from_grants(users["users"], email, deployment_id)
        if found is not None:
            role, location_roles = found
            return Viewer(email, role, location_roles)
    perms = identity.get("permissions")
    where = "identity.permissions"
    if perms is None:
        perms, where = data.get("permissions"), "permissions"
    return Viewer(email, role_from_permissions(permissions(perms, where)), role_inferred=True)


def _same_deployment(grant: Mapping[str, Any], deployment_id: str | None) -> bool:
    found = grant.get("deploymentId")
    return found is None or str(found) == deployment_id


def role_from_grants(
    users: list[Any], email: str, deployment_id: str | None
) -> tuple[Role, dict[str, Role]] | None:
    """The signed-in user's deployment role and location grants, from their
    own entry of `usersOrError`."""
    where = "usersOrError.users[]"
    for entry in users:
        user = entry.get("user") if isinstance(entry, dict) else None
        if not isinstance(user, dict):
            continue
        user_email = opt_text(user, "email", f"{where}.user")
        if (user_email or "").lower() != email.lower():
            continue
        org = opt_obj(entry, "organizationPermissionGrant", where)
        if org is not None and org.get("grant") == "ADMIN":
            return Role.ORGANIZATION_ADMIN, {}
        raw = opt_items(entry, "deploymentPermissionGrants", where)
        grants = [g for g in raw if isinstance(g, dict)]
        if deployment_id is not None:
            grants = [g for g in grants if _same_deployment(g, deployment_id)] or grants
        role: Role | None = None
        locations: dict[str, Role] = {}
        for grant in grants:
            here = f"{where}.deploymentPermissionGrants[]"
            granted = Role.from_grant(opt_text(grant, "grant", here) or "")
            if granted is not None and (role is None or granted > role):
                role = granted
            for lg in opt_items(grant, "locationGrants", here):
                if not isinstance(lg, dict):
                    continue
                lrole = Role.from_grant(opt_text(lg, "grant", f"{here}.locationGrants[]") or "")
                name = opt_text(lg, "locationName", f"{here}.locationGrants[]")
                if lrole is not None and name:
                    locations[name] = lrole
        if role is None and org is not None:
            org_grant = opt_text(org, "grant", f"{where}.organizationPermissionGrant")
            role = Role.from_grant(org_grant or "")
        if role is None:
            return None
        return role, locations
    return None
