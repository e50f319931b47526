"""The deployment client: one GraphQL connection to Dagster+, the bundled
server or an open-source dagster-webserver.

Which kind of server it talks to is found once per connection by
introspecting the root fields (`capabilities()`), never guessed from the
URL. The same documents serve all three servers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from desktop_app.api import documents, identity, parse, shape
from desktop_app.api.addresses import default_scheme
from desktop_app.api.errors import ApiError, GraphQLError, Unauthorized
from desktop_app.api.parse import AssetDiffEntry, LocationEntry, LocationStatus
from desktop_app.api.shape import guarded
from desktop_app.api.transport import Transport
from desktop_app.core.assets import AssetKey
from desktop_app.core.loads import LocationLoad
from desktop_app.core.roles import role_from_permissions
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
                host = urlsplit("//" + text).hostname or ""
                text = f"{default_scheme(host)}://{text}"
            parts = urlsplit(text)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"Not a deployment address: {self.url!r} (use https://HOST/...).")
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

    def begin_round(self, budget: int | None) -> None:
        """Allow at most `budget` more requests until the next call (None: no limit)."""
        self.transport.begin_round(budget)

    def __enter__(self) -> DeploymentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the server is and who we are --------------------------------
    def capabilities(self) -> Capabilities:
        if self._capabilities is None:
            data = self.transport.execute(documents.CAPABILITIES)
            self._capabilities = guarded("the capabilities query", identity.capabilities, data)
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
        statuses = guarded("the location status query", parse.location_statuses, data)
        return self._viewer_from(data), statuses

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
            return guarded("the permissions query", _viewer_from_permissions, data)
        return guarded("the identity query", identity.viewer_from_identity, data)

    # -- reads -----------------------------------------------------------------
    def location_statuses(self) -> list[LocationStatus]:
        data = self.transport.execute(documents.LOCATION_STATUSES)
        return guarded("the location status query", parse.location_statuses, data)

    def location_history(
        self, location: str, limit: int = 100, cursor: str | None = None
    ) -> list[LocationLoad]:
        data = self.transport.execute(
            documents.LOCATION_LOAD_HISTORY,
            {"locationName": location, "limit": limit, "cursor": cursor},
        )
        return guarded("the location history query", parse.location_history, data)

    def asset_diff_history(
        self, key: AssetKey, limit: int = 100, cursor: str | None = None
    ) -> list[AssetDiffEntry]:
        data = self.transport.execute(
            documents.ASSET_DIFF_HISTORY,
            {"assetKey": {"path": list(key)}, "limit": limit, "cursor": cursor},
        )
        return guarded("the asset diff query", parse.asset_diff_history, data)

    def asset_diff_histories(
        self, keys: Sequence[AssetKey], limit: int
    ) -> dict[AssetKey, list[AssetDiffEntry]]:
        """The first page (`limit` entries, newest first) of several assets'
        change histories, in one request of aliased fields."""
        if not keys:
            return {}
        variables = {f"k{i}": {"path": list(key)} for i, key in enumerate(keys)}
        data = self.transport.execute(documents.asset_diff_histories(len(keys), limit), variables)

        def one(alias: str) -> list[AssetDiffEntry]:
            return guarded(
                "the asset diff query",
                lambda d: parse.asset_diff_history({"assetDiffHistory": d[alias]}),
                data,
            )

        return {key: one(f"a{i}") for i, key in enumerate(keys)}

    def location_entry(self, location: str) -> LocationEntry | None:
        document = (
            documents.LOCATION_ENTRY_PLUS
            if self.capabilities().history_api
            else documents.LOCATION_ENTRY_OSS
        )
        data = self.transport.execute(document, {"locationName": location})
        return guarded("the location query", parse.location_entry, data)

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
        return guarded("the deploy mutation", lambda d: _deploy_outcome(d, document), data)

    def reload_location(self, location: str) -> DeployOutcome:
        """Ask the server to reload a location (`reloadRepositoryLocation`)."""
        data = self.transport.execute(
            documents.RELOAD_LOCATION, {"locationName": location}, mutation=True
        )
        return guarded("the reload mutation", lambda d: _reload_outcome(d, location), data)


def _viewer_from_permissions(data: Mapping[str, Any]) -> Viewer:
    perms = parse.permissions(parse.need_list(data, "permissions", "data"))
    return Viewer(None, role_from_permissions(perms), role_inferred=True)


def _deploy_outcome(data: Mapping[str, Any], document: Mapping[str, Any]) -> DeployOutcome:
    where = "addOrUpdateLocationFromDocument"
    result = shape.obj(shape.need(data, where, "data"), where)
    kind = shape.text(result, "__typename", where)
    if kind == "WorkspaceEntry":
        name = shape.opt_text(result, "locationName", where) or document.get("location_name")
        return DeployOutcome(True, kind, f"Deployed {name or 'location'}; it is loading now.")
    message = parse.first_line(shape.opt_text(result, "message", where) or kind)
    errors = [str(e) for e in shape.opt_items(result, "errors", where) if isinstance(e, str) and e]
    if errors:
        message = f"{message}: {'; '.join(errors)}"
    prefix = {
        "UnauthorizedError": "Not allowed",
        "InvalidLocationError": "Invalid location document",
        "PythonError": "The server failed",
    }.get(kind, kind)
    return DeployOutcome(False, kind, f"{prefix}: {message}")


def _reload_outcome(data: Mapping[str, Any], location: str) -> DeployOutcome:
    where = "reloadRepositoryLocation"
    result = shape.obj(shape.need(data, where, "data"), where)
    kind = shape.text(result, "__typename", where)
    if kind == "WorkspaceLocationEntry":
        return DeployOutcome(True, kind, f"Reloaded {location}.")
    message = shape.opt_text(result, "message", where) or kind
    if kind == "UnauthorizedError":
        raise Unauthorized(f"Not allowed: {message}")
    return DeployOutcome(False, kind, parse.first_line(message))


__all__ = [
    "ApiError",
    "ConnectionSettings",
    "DeployOutcome",
    "DeploymentClient",
]
