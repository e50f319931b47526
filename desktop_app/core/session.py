"""Who is signed in, what the server can do, and how the last sync went."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop_app.core.roles import Role, effective_role


@dataclass(frozen=True)
class Capabilities:
    """What a server offers, found once per connection by introspecting its
    root fields. Dagster+ and the bundled server have all three; the
    open-source webserver has none."""

    history_api: bool = False  # locationLoadHistory / assetDiffHistory
    identity: bool = False  # identity / usersOrError
    deploy: bool = False  # addOrUpdateLocationFromDocument

    @property
    def kind(self) -> str:
        return "dagster-plus" if self.history_api else "dagster-webserver"


@dataclass(frozen=True)
class Viewer:
    """The signed-in user and their role (deployment role raised by
    per-location grants). `email` is None when the server has no identity."""

    email: str | None
    role: Role | None
    location_roles: Mapping[str, Role] = field(default_factory=dict)
    role_inferred: bool = False  # True when read off permissions, not grants

    def role_on(self, location: str) -> Role | None:
        if self.role is None:
            return self.location_roles.get(location)
        return effective_role(self.role, self.location_roles, location)

    def describe(self) -> str:
        who = self.email or "anonymous"
        if self.role is None:
            return who
        return f"{who} ({self.role.label})"
