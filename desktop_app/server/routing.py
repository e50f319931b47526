"""Which deployment a request is for, as Dagster+ routes it.

`POST /{deployment}/graphql` names the deployment in the path (the shape of
`https://ORG.dagster.cloud/DEPLOYMENT/graphql`); `POST /graphql` serves the
one named by the `Dagster-Cloud-Deployment` header, or the default one. When
both are given, the path wins. Known deployments are remembered (they are
never removed); an unknown name is looked up again each time, so one added
by another process is found at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from desktop_app.server.deployments import Deployment, UnknownDeploymentError, find_deployment
from desktop_app.server.storage import Storage

DEPLOYMENT_HEADER = "HTTP_DAGSTER_CLOUD_DEPLOYMENT"


@dataclass(frozen=True)
class Route:
    """The deployment named by the request (None: the default one)."""

    deployment: str | None


class NotFoundError(Exception):
    """No endpoint at this path."""


def route(environ: dict[str, Any]) -> Route:
    path = environ.get("PATH_INFO", "")
    segments = [s for s in path.split("/") if s]
    if segments == ["graphql"]:
        header = environ.get(DEPLOYMENT_HEADER, "").strip()
        return Route(header or None)
    if len(segments) == 2 and segments[1] == "graphql":
        return Route(segments[0])
    raise NotFoundError(f"no such endpoint: {path}; use /graphql or /DEPLOYMENT/graphql")


class DeploymentDirectory:
    """Deployment names to deployments, remembered once found."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._known: dict[str | None, Deployment] = {}
        self._lock = threading.Lock()

    def resolve(self, name: str | None) -> Deployment:
        """The deployment; `UnknownDeploymentError` when there is none of that name."""
        with self._lock:
            found = self._known.get(name)
        if found is not None:
            return found
        found = find_deployment(self._storage, name)
        with self._lock:
            self._known[name] = found
        return found


__all__ = ["DeploymentDirectory", "NotFoundError", "Route", "UnknownDeploymentError", "route"]
