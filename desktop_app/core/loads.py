"""Code locations and their loads (history entries), and collapse grouping.

A `LocationLoad` is one entry of a location's load history, as Dagster+'s
`locationLoadHistory` reports it (or as we derive it from an open-source
webserver). Loads are identified by location name and
`loaded_at` (`codeLocationDataUploadTimestamp`), exactly as Dagster+ pages
them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from desktop_app.core.diff import AssetChange, DiffSummary

DEFINITIONS_HASH_KEY = "definitions_hash"
"""Display-metadata key of a derived load (open-source webserver): the hash
of its asset definitions, its only version identity."""


class LoadStatus(StrEnum):
    LOADED = "LOADED"
    ERROR = "ERROR"


class LoadAction(StrEnum):
    DEPLOY = "deploy"
    RELOAD = "reload"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class DeployInfo:
    """What was deployed: the parts of a location document (or of a
    server's display metadata) that identify a version of the code."""

    image: str | None = None
    code_source: str | None = None
    commit_hash: str | None = None
    url: str | None = None
    provider: str | None = None
    definitions_hash: str | None = None

    @classmethod
    def from_document(
        cls, document: Mapping[str, Any] | None, display: Mapping[str, str] | None = None
    ) -> DeployInfo:
        """Read a `dagster_cloud.yaml` location entry leniently; display
        metadata fills what the document lacks (the open-source webserver
        only has display metadata)."""
        doc = dict(document or {})
        display = dict(display or {})
        git_value = doc.get("git")
        git: Mapping[str, Any] = git_value if isinstance(git_value, Mapping) else {}
        source_value = doc.get("code_source")
        source: Mapping[str, Any] = source_value if isinstance(source_value, Mapping) else {}
        code_source = None
        for kind in ("python_file", "module_name", "package_name", "autoload_defs_module_name"):
            value = source.get(kind)
            value = value or display.get(kind)
            if value:
                code_source = f"{kind}={value}"
                break

        def text(value: Any) -> str | None:
            return str(value) if value not in (None, "") else None

        return cls(
            image=text(doc.get("image")) or text(display.get("image")),
            code_source=code_source,
            commit_hash=text(git.get("commit_hash")) or text(display.get("commit_hash")),
            url=text(git.get("url")) or text(display.get("url")),
            provider=text(git.get("provider")) or text(display.get("provider")),
            definitions_hash=text(display.get(DEFINITIONS_HASH_KEY)),
        )


@dataclass(frozen=True)
class LocationLoad:
    """One entry of a code location's load history."""

    location: str
    loaded_at: float
    status: LoadStatus
    triggered_at: float | None = None
    document: Mapping[str, Any] | None = None
    display_metadata: Mapping[str, str] = field(default_factory=dict)
    summary: DiffSummary = field(default_factory=DiffSummary)
    error: str | None = None

    @property
    def deploy(self) -> DeployInfo:
        return DeployInfo.from_document(self.document, self.display_metadata)

    @property
    def action(self) -> str | None:
        return self.display_metadata.get("action")

    @property
    def initiated_by(self) -> str | None:
        return self.display_metadata.get("initiated_by")

    @property
    def rollback_target(self) -> float | None:
        value = self.display_metadata.get("rollback_target")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def same_version_as(self, other: LocationLoad) -> bool:
        """True when the two loads collapse: same deploy metadata and status."""
        return self.deploy == other.deploy and self.status == other.status


@dataclass(frozen=True)
class LoadGroup:
    """Consecutive loads that collapse into one row. `loads` is newest
    first, like the history; `head` is the newest."""

    loads: tuple[LocationLoad, ...]

    @property
    def head(self) -> LocationLoad:
        return self.loads[0]

    @property
    def count(self) -> int:
        return len(self.loads)

    @property
    def oldest(self) -> LocationLoad:
        return self.loads[-1]


def collapse(loads: Sequence[LocationLoad]) -> list[LoadGroup]:
    """Group adjacent loads with identical deploy metadata and status.

    Loads that are not adjacent never merge: A, B, A stays three groups.
    Concatenating the groups gives back `loads` in order."""
    groups: list[list[LocationLoad]] = []
    for load in loads:
        if groups and groups[-1][0].same_version_as(load):
            groups[-1].append(load)
        else:
            groups.append([load])
    return [LoadGroup(tuple(g)) for g in groups]


@dataclass(frozen=True)
class LocationSummary:
    """One row of the Deployment table: a location as it is now."""

    name: str
    status: str  # LOADED, LOADING, ERROR
    updated_at: float | None
    deploy: DeployInfo = field(default_factory=DeployInfo)
    asset_count: int = 0
    error: str | None = None
    version_key: str | None = None


def is_running_version(load: LocationLoad, newest: LocationLoad | None) -> bool:
    """True when `load` is what runs now: the newest load succeeded and
    deployed the same version (rolling back to it would change nothing)."""
    if newest is None or newest.status != LoadStatus.LOADED:
        return False
    return load.status == LoadStatus.LOADED and load.deploy == newest.deploy


@dataclass(frozen=True)
class AssetHistoryEntry:
    """One change of one asset, for the asset's change history."""

    location: str
    loaded_at: float
    change: AssetChange
    commit_hash: str | None = None
    previous_commit_hash: str | None = None
