"""What one sync round tells the GUI, as one plain value.

A round (`desktop_app.sync.engine.run_once`) writes what it learned to the
cache and returns a `RoundResult`: who is signed in with which role, what
the server can do, every location's row, when it synced and what happened
(a location failed, recovered, or was rolled back by anyone). The GUI shows
that value and never reads it back from the cache. It is made of frozen
dataclasses of strings, numbers, enums and tuples, so it pickles across a
process boundary, and `to_dict`/`from_dict` turn it into JSON-able data and
back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from desktop_app.core.loads import DeployInfo, LocationSummary
from desktop_app.core.roles import Role
from desktop_app.core.session import Capabilities, Viewer


class EventKind(StrEnum):
    FAILED = "failed"
    RECOVERED = "recovered"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True)
class RoundEvent:
    """Something a round saw happen to one location (never on the first
    sight of a location: a first sync announces nothing)."""

    kind: EventKind
    location: str
    loaded_at: float | None = None
    initiated_by: str | None = None
    detail: str = ""  # the first line of the load error; the rollback's target time

    @property
    def title(self) -> str:
        return {
            EventKind.FAILED: "Code location failed to load",
            EventKind.RECOVERED: "Code location recovered",
            EventKind.ROLLED_BACK: "Code location rolled back",
        }[self.kind]

    @property
    def message(self) -> str:
        by = f" by {self.initiated_by}" if self.initiated_by else ""
        if self.kind is EventKind.FAILED:
            return f"{self.location} failed to load" + (f": {self.detail}" if self.detail else ".")
        if self.kind is EventKind.RECOVERED:
            return f"{self.location} loads again."
        return f"{self.location} was rolled back{by}."

    @property
    def warning(self) -> bool:
        return self.kind is EventKind.FAILED


@dataclass(frozen=True)
class RoundResult:
    viewer: Viewer
    capabilities: Capabilities
    locations: tuple[LocationSummary, ...]
    synced_at: float
    changed_locations: tuple[str, ...] = ()
    events: tuple[RoundEvent, ...] = ()
    new_loads: int = 0
    requests: int = 0
    cache_rebuilt_from: str | None = None
    """Where this round moved a cache file it found damaged (it rebuilt it)."""

    def _named(self, kind: EventKind) -> tuple[str, ...]:
        names: list[str] = []
        for event in self.events:
            if event.kind is kind and event.location not in names:
                names.append(event.location)
        return tuple(names)

    @property
    def newly_failed(self) -> tuple[str, ...]:
        return self._named(EventKind.FAILED)

    @property
    def recovered(self) -> tuple[str, ...]:
        return self._named(EventKind.RECOVERED)

    @property
    def rolled_back(self) -> tuple[str, ...]:
        return self._named(EventKind.ROLLED_BACK)

    @property
    def failing(self) -> tuple[str, ...]:
        """Locations whose current state is a failed load."""
        return tuple(loc.name for loc in self.locations if loc.status == "ERROR")

    # -- plain data ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "viewer": viewer_to_dict(self.viewer),
            "capabilities": {
                "history_api": self.capabilities.history_api,
                "identity": self.capabilities.identity,
                "deploy": self.capabilities.deploy,
            },
            "locations": [summary_to_dict(loc) for loc in self.locations],
            "synced_at": self.synced_at,
            "changed_locations": list(self.changed_locations),
            "events": [
                {
                    "kind": str(e.kind),
                    "location": e.location,
                    "loaded_at": e.loaded_at,
                    "initiated_by": e.initiated_by,
                    "detail": e.detail,
                }
                for e in self.events
            ],
            "new_loads": self.new_loads,
            "requests": self.requests,
            "cache_rebuilt_from": self.cache_rebuilt_from,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoundResult:
        caps = data.get("capabilities") or {}
        return cls(
            viewer=viewer_from_dict(data["viewer"]),
            capabilities=Capabilities(
                history_api=bool(caps.get("history_api")),
                identity=bool(caps.get("identity")),
                deploy=bool(caps.get("deploy")),
            ),
            locations=tuple(summary_from_dict(loc) for loc in data.get("locations") or ()),
            synced_at=float(data["synced_at"]),
            changed_locations=tuple(str(n) for n in data.get("changed_locations") or ()),
            events=tuple(
                RoundEvent(
                    kind=EventKind(e["kind"]),
                    location=str(e["location"]),
                    loaded_at=e.get("loaded_at"),
                    initiated_by=e.get("initiated_by"),
                    detail=str(e.get("detail") or ""),
                )
                for e in data.get("events") or ()
            ),
            new_loads=int(data.get("new_loads") or 0),
            requests=int(data.get("requests") or 0),
            cache_rebuilt_from=data.get("cache_rebuilt_from"),
        )


def viewer_to_dict(viewer: Viewer) -> dict[str, Any]:
    return {
        "email": viewer.email,
        "role": viewer.role.name if viewer.role is not None else None,
        "location_roles": {k: r.name for k, r in sorted(viewer.location_roles.items())},
        "role_inferred": viewer.role_inferred,
    }


def viewer_from_dict(data: Mapping[str, Any]) -> Viewer:
    role = data.get("role")
    return Viewer(
        email=data.get("email"),
        role=Role[role] if role else None,
        location_roles={str(k): Role[v] for k, v in (data.get("location_roles") or {}).items()},
        role_inferred=bool(data.get("role_inferred")),
    )


_DEPLOY_FIELDS = tuple(DeployInfo.__dataclass_fields__)


def summary_to_dict(summary: LocationSummary) -> dict[str, Any]:
    return {
        "name": summary.name,
        "status": summary.status,
        "updated_at": summary.updated_at,
        "deploy": {name: getattr(summary.deploy, name) for name in _DEPLOY_FIELDS},
        "asset_count": summary.asset_count,
        "error": summary.error,
        "version_key": summary.version_key,
    }


def summary_from_dict(data: Mapping[str, Any]) -> LocationSummary:
    deploy = data.get("deploy") or {}
    return LocationSummary(
        name=str(data["name"]),
        status=str(data["status"]),
        updated_at=data.get("updated_at"),
        deploy=DeployInfo(**{name: deploy.get(name) for name in _DEPLOY_FIELDS}),
        asset_count=int(data.get("asset_count") or 0),
        error=data.get("error"),
        version_key=data.get("version_key"),
    )


__all__ = ["EventKind", "RoundEvent", "RoundResult"]
