"""Deployment roles, per-location grants, and what each role may do.

Dagster+ roles, least to most powerful: Viewer, Launcher, Editor, Admin,
Organization Admin. A grant on one code location can only raise the role
there. Editor and above may deploy, reload, delete and so roll back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    VIEWER = 1
    LAUNCHER = 2
    EDITOR = 3
    ADMIN = 4
    ORGANIZATION_ADMIN = 5

    @property
    def label(self) -> str:
        return {
            Role.VIEWER: "Viewer",
            Role.LAUNCHER: "Launcher",
            Role.EDITOR: "Editor",
            Role.ADMIN: "Admin",
            Role.ORGANIZATION_ADMIN: "Organization Admin",
        }[self]

    @property
    def cli_name(self) -> str:
        return "org-admin" if self is Role.ORGANIZATION_ADMIN else self.name.lower()

    @property
    def grant(self) -> str:
        """The `PermissionGrant` enum value (org admin is an ADMIN grant at
        organization scope)."""
        return "ADMIN" if self is Role.ORGANIZATION_ADMIN else self.name

    @classmethod
    def parse(cls, text: str) -> Role:
        """Accept `editor`, `Editor`, `EDITOR`, `org-admin`,
        `Organization Admin`, `organization_admin`."""
        norm = text.strip().lower().replace("-", "_").replace(" ", "_")
        if norm in ("org_admin", "organization_admin"):
            return cls.ORGANIZATION_ADMIN
        try:
            return cls[norm.upper()]
        except KeyError:
            names = ", ".join(r.cli_name for r in cls)
            raise ValueError(f"unknown role {text!r} (expected one of {names})") from None

    @classmethod
    def from_grant(cls, grant: str) -> Role | None:
        """Map a `PermissionGrant` value to a role; None for grants that are
        not one of the five roles (CATALOG_VIEWER counts as Viewer)."""
        if grant == "CATALOG_VIEWER":
            return cls.VIEWER
        try:
            return cls[grant]
        except KeyError:
            return None


ROLLBACK_ROLE = Role.EDITOR
"""The least role that may deploy, and so roll back."""


def effective_role(
    deployment_role: Role, location_grants: Mapping[str, Role], location: str
) -> Role:
    """The role on `location`: a location grant can only raise it."""
    grant = location_grants.get(location)
    return max(deployment_role, grant) if grant is not None else deployment_role


def can_deploy(role: Role) -> bool:
    return role >= ROLLBACK_ROLE


@dataclass(frozen=True)
class Decision:
    """Yes, or no with a sentence saying why."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def rollback_allowed(
    *,
    role: Role | None,
    server_can_deploy: bool,
    is_running_version: bool,
    load_failed: bool,
) -> Decision:
    """Whether a history entry may be rolled back to, and if not, why."""
    if not server_can_deploy:
        return Decision(
            False,
            "This server cannot deploy code locations (the open-source webserver has no "
            "deploy API), so it cannot roll back.",
        )
    if role is None:
        return Decision(False, "Your role on this deployment is unknown, so rollback is off.")
    if role < ROLLBACK_ROLE:
        return Decision(
            False,
            f"Your role here is {role.label}; rolling back needs Editor, Admin or "
            "Organization Admin.",
        )
    if load_failed:
        return Decision(False, "This load failed, so there is no working version to return to.")
    if is_running_version:
        return Decision(False, "This is the version that is running now.")
    return Decision(True)


def permissions_for(role: Role) -> dict[str, bool]:
    """The Dagster `permissions` a role grants, as the webserver names them."""
    launcher = role >= Role.LAUNCHER
    editor = role >= Role.EDITOR
    return {
        "launch_pipeline_execution": launcher,
        "launch_pipeline_reexecution": launcher,
        "start_schedule": editor,
        "stop_running_schedule": editor,
        "edit_sensor": editor,
        "terminate_pipeline_execution": launcher,
        "delete_pipeline_run": editor,
        "reload_repository_location": editor,
        "reload_workspace": editor,
        "wipe_assets": editor,
        "report_runless_asset_events": launcher,
        "launch_partition_backfill": launcher,
        "cancel_partition_backfill": launcher,
        "edit_deployment_settings": role >= Role.ADMIN,
    }


def role_from_permissions(permissions: Mapping[str, bool]) -> Role:
    """Infer a role where the server does not say it: reload ⇒ Editor or
    above (exactly the rollback threshold); launch ⇒ Launcher."""
    if permissions.get("reload_repository_location"):
        return Role.EDITOR
    if permissions.get("launch_pipeline_execution"):
        return Role.LAUNCHER
    return Role.VIEWER
