"""The deployment client: one GraphQL connection to Dagster+, the bundled
server or an open-source dagster-webserver.

Which kind of server it talks to is found once per connection by
introspecting the root fields (`capabilities()`), never guessed from the
URL. The same documents serve all three servers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from desktop_app.api import documents, parse
from desktop_app.api.errors import ApiError, GraphQLError, Unauthorized
from desktop_app.api.parse import AssetDiffEntry, LocationEntry, LocationStatus
from desktop_app.api.transport import Transport
from desktop_app.core.assets import AssetKey
from desktop_app.core.loads import LocationLoad
from desktop_app.core.roles import Role, role_from_permissions
from desktop_app.core.rollback import DeployOutcome
from desktop_app.core.session import Capabilities, Viewer

TOKEN_HEADER = "Dagster-Cloud-Api-Token"
DEPLOYMENT_HEADER = "Dagster-Cloud-Deployment"
CLOUD_SUFFIX = ".dagster.cloud"

# First path segments of dagster-webserver UI pages: a pasted browser
# address is cut before them to find the server's root.
_UI_ROUTES = frozenset(
    {
        "locations", "assets", "asset-groups", "runs", "overview", "jobs", "automation",
        "deployment", "settings", "health", "catalog", "lineage", "selection", "code-locations",
        "guess", "instance", "workspace", "concurrency", "config",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and as whom to connect."""

    url: str | None = None
    token: str | None = None
    organization: str | None = None
    deployment: str | None = None

    def graphql_url(self) -> str:
        """The GraphQL endpoint for a pasted browser address, a `.../graphql`
        URL, or a Dagster+ organization and deployment."""
        if self.url:
            text = self.url.strip()
            if "://" not in text:
                text = "http://" + text
            parts = urlsplit(text)
            segments = [s for s in parts.path.split("/") if s]
            if segments and segments[-1] == "graphql":
                return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
            if parts.hostname and parts.hostname.endswith(CLOUD_SUFFIX):
                deployment = self.deployment or (segments[0] if segments else "prod")
                return urlunsplit((parts.scheme, parts.netloc, f"/{deployment}/graphql", "", ""))
            kept: list[str] = []
            for segment in segments:
                if segment in _UI_ROUTES:
                    break
                kept.append(segment)
            path = "/" + "/".join([*kept, "graphql"])
            return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        if self.organization and self.deployment:
            return f"https://{self.organization}{CLOUD_SUFFIX}/{self.deployment}/graphql"
        raise ValueError("Give a deployment URL, or a Dagster+ organization and deployment.")

    def deployment_name(self) -> str | None:
        """The Dagster+ deployment, sent as `Dagster-Cloud-Deployment`."""
        if self.deployment:
            return self.deployment
        parts = urlsplit(self.graphql_url())
        if parts.hostname and parts.hostname.endswith(CLOUD_SUFFIX):
            segments = [s for s in parts.path.split("/") if s]
            return segments[0] if len(segments) > 1 else None
        return None


class DeploymentClient:
    """GraphQL client for one deployment. Not thread-safe: one sync at a time."""

    def __init__(self, settings: ConnectionSettings, transport: Transport | None = None) -> None:
        self.settings = settings
        headers: dict[str, str] = {}
        if settings.token:
            headers[TOKEN_HEADER] = settings.token
        deployment = settings.deployment_name()
        if deployment:
            headers[DEPLOYMENT_HEADER] = deployment
        self.url = settings.graphql_url()
        self.transport = transport or Transport(self.url, headers)
        self._capabilities: Capabilities | None = None
        self._users_refused = False

    # -- accounting -------------------------------------------------------
    @property
    def requests_sent(self) -> int:
        return self.transport.requests_sent

    @property
    def bytes_received(self) -> int:
        return self.transport.bytes_received

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> DeploymentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the server is and who we are --------------------------------
    def capabilities(self) -> Capabilities:
        if self._capabilities is None:
            data = self.transport.execute(documents.CAPABILITIES)
            schema = parse.need(data, "__schema", "data")
            query = _field_names(parse.need(schema, "queryType", "__schema"))
            mutation = _field_names(schema.get("mutationType"))
            self._capabilities = Capabilities(
                history_api="locationLoadHistory" in query,
                identity="identity" in query and "usersOrError" in query,
                deploy="addOrUpdateLocationFromDocument" in mutation,
            )
        return self._capabilities

    def viewer(self) -> Viewer:
        """Who we are and our role, asked now (never remembered: a role
        changed on the server shows at the next question)."""
        if self.capabilities().identity:
            data = self._identity_query(documents.IDENTITY, documents.IDENTITY_ONLY)
            return self._viewer_from(data)
        data = self.transport.execute(documents.PERMISSIONS)
        return self._viewer_from(data)

    def heartbeat(self) -> tuple[Viewer, list[LocationStatus]]:
        """The request of every round: location statuses and who we are."""
        if self.capabilities().identity:
            data = self._identity_query(documents.HEARTBEAT, documents.HEARTBEAT_NO_USERS)
        else:
            data = self.transport.execute(documents.HEARTBEAT_OSS)
        return self._viewer_from(data), parse.location_statuses(data)

    def _identity_query(self, with_users: str, without_users: str) -> Mapping[str, Any]:
        if not self._users_refused:
            try:
                return self.transport.execute(with_users)
            except GraphQLError:
                # A server may refuse the user list outright instead of
                # answering UnauthorizedError in the union; from now on ask
                # for identity alone.
                self._users_refused = True
        return self.transport.execute(without_users)

    def _viewer_from(self, data: Mapping[str, Any]) -> Viewer:
        if not self.capabilities().identity:
            perms = parse.permissions(parse.need_list(data, "permissions", "data"))
            return Viewer(None, role_from_permissions(perms), role_inferred=True)
        identity = parse.need(data, "identity", "data")
        viewer = identity.get("viewer") or {}
        email = viewer.get("email") if isinstance(viewer, Mapping) else None
        deployment = identity.get("currentDeployment") or {}
        deployment_id = deployment.get("deploymentId") if isinstance(deployment, Mapping) else None
        users = data.get("usersOrError")
        if email and isinstance(users, Mapping) and isinstance(users.get("users"), list):
            found = _role_from_grants(users["users"], str(email), deployment_id)
            if found is not None:
                role, location_roles = found
                return Viewer(str(email), role, location_roles)
        perms = parse.permissions(identity.get("permissions") or data.get("permissions"))
        return Viewer(email, role_from_permissions(perms), role_inferred=True)

    # -- reads -----------------------------------------------------------------
    def location_statuses(self) -> list[LocationStatus]:
        return parse.location_statuses(self.transport.execute(documents.LOCATION_STATUSES))

    def location_history(
        self, location: str, limit: int = 100, cursor: str | None = None
    ) -> list[LocationLoad]:
        data = self.transport.execute(
            documents.LOCATION_LOAD_HISTORY,
            {"locationName": location, "limit": limit, "cursor": cursor},
        )
        return parse.location_history(data)

    def asset_diff_history(
        self, key: AssetKey, limit: int = 100, cursor: str | None = None
    ) -> list[AssetDiffEntry]:
        data = self.transport.execute(
            documents.ASSET_DIFF_HISTORY,
            {"assetKey": {"path": list(key)}, "limit": limit, "cursor": cursor},
        )
        return parse.asset_diff_history(data)

    def location_entry(self, location: str) -> LocationEntry | None:
        document = (
            documents.LOCATION_ENTRY_PLUS
            if self.capabilities().history_api
            else documents.LOCATION_ENTRY_OSS
        )
        data = self.transport.execute(document, {"locationName": location})
        return parse.location_entry(data)

    # -- writes ----------------------------------------------------------------
    def submit_document(self, document: Mapping[str, Any]) -> DeployOutcome:
        """Deploy a location document (`addOrUpdateLocationFromDocument`)."""
        if not self.capabilities().deploy:
            return DeployOutcome(
                False,
                "Unsupported",
                "This server has no deploy API (open-source dagster-webserver).",
            )
        data = self.transport.execute(
            documents.ADD_OR_UPDATE_LOCATION, {"document": dict(document)}, mutation=True
        )
        result = parse.need(data, "addOrUpdateLocationFromDocument", "data")
        kind = str(parse.need(result, "__typename", "addOrUpdateLocationFromDocument"))
        if kind == "WorkspaceEntry":
            name = result.get("locationName") or document.get("location_name") or "location"
            return DeployOutcome(True, kind, f"Deployed {name}; it is loading now.")
        message = parse.first_line(str(result.get("message") or kind))
        errors = [str(e) for e in result.get("errors") or () if e]
        if errors:
            message = f"{message}: {'; '.join(errors)}"
        prefix = {
            "UnauthorizedError": "Not allowed",
            "InvalidLocationError": "Invalid location document",
            "PythonError": "The server failed",
        }.get(kind, kind)
        return DeployOutcome(False, kind, f"{prefix}: {message}")

    def reload_location(self, location: str) -> DeployOutcome:
        """Ask the server to reload a location (`reloadRepositoryLocation`)."""
        data = self.transport.execute(
            documents.RELOAD_LOCATION, {"locationName": location}, mutation=True
        )
        result = parse.need(data, "reloadRepositoryLocation", "data")
        kind = str(parse.need(result, "__typename", "reloadRepositoryLocation"))
        if kind == "WorkspaceLocationEntry":
            return DeployOutcome(True, kind, f"Reloaded {location}.")
        if kind == "UnauthorizedError":
            raise Unauthorized(f"Not allowed: {result.get('message') or kind}")
        return DeployOutcome(False, kind, parse.first_line(str(result.get("message") or kind)))


def _field_names(type_: Any) -> set[str]:
    if not isinstance(type_, Mapping):
        return set()
    return {str(f["name"]) for f in type_.get("fields") or () if isinstance(f, Mapping)}


def _role_from_grants(
    users: list[Any], email: str, deployment_id: Any
) -> tuple[Role, dict[str, Role]] | None:
    """The signed-in user's deployment role and location grants, from their
    own entry of `usersOrError`."""
    for entry in users:
        user = entry.get("user") if isinstance(entry, Mapping) else None
        if not isinstance(user, Mapping) or str(user.get("email", "")).lower() != email.lower():
            continue
        org = entry.get("organizationPermissionGrant")
        if isinstance(org, Mapping) and org.get("grant") == "ADMIN":
            return Role.ORGANIZATION_ADMIN, {}
        raw = entry.get("deploymentPermissionGrants") or ()
        grants = [g for g in raw if isinstance(g, Mapping)]
        if deployment_id is not None:
            grants = [g for g in grants if g.get("deploymentId") in (None, deployment_id)] or grants
        role: Role | None = None
        locations: dict[str, Role] = {}
        for grant in grants:
            granted = Role.from_grant(str(grant.get("grant")))
            if granted is not None and (role is None or granted > role):
                role = granted
            for lg in grant.get("locationGrants") or ():
                lrole = Role.from_grant(str(lg.get("grant"))) if isinstance(lg, Mapping) else None
                if lrole is not None:
                    locations[str(lg.get("locationName"))] = lrole
        if role is None and isinstance(org, Mapping):
            role = Role.from_grant(str(org.get("grant")))
        if role is None:
            return None
        return role, locations
    return None


__all__ = [
    "ApiError",
    "ConnectionSettings",
    "DeployOutcome",
    "DeploymentClient",
]
