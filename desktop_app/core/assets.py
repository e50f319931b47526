"""Asset definitions as the app understands them, and their content hash.

An `AssetDefinition` is the part of a Dagster asset node whose changes a
deployment's history tracks: code version, tags, typed metadata,
dependencies and partitions definition. Values are normalised so that two
servers describing the same definition produce equal objects (and the same
`content_hash`): JSON metadata is parsed, integers come from `intRepr`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

AssetKey = tuple[str, ...]
"""An asset key path, e.g. ``("analytics", "orders_enriched")``."""


def key_to_str(key: AssetKey) -> str:
    """Render a key the way Dagster's UI and our JSON output do: ``a/b``."""
    return "/".join(key)


def key_from_str(text: str) -> AssetKey:
    return tuple(part for part in text.split("/") if part)


@dataclass(frozen=True)
class MetadataValue:
    """One typed metadata entry; `kind` is the GraphQL type name without
    ``MetadataEntry`` (``Text``, ``Int``, ``Float``, ``Bool``, ``Json``,
    ``Url``, ``Path``, ``Markdown``, ``Null``, ``Timestamp``, or another
    Dagster type kept opaquely). `value` is plain JSON-compatible data."""

    kind: str
    value: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MetadataValue:
        return cls(kind=str(data["kind"]), value=data.get("value"))

    def display(self) -> str:
        if self.kind == "Null" or self.value is None:
            return "null"
        if isinstance(self.value, str):
            return self.value
        return json.dumps(self.value, sort_keys=True)


@dataclass(frozen=True)
class PartitionDimension:
    name: str
    type: str
    description: str = ""
    dynamic_name: str | None = None


@dataclass(frozen=True)
class PartitionsDefinition:
    """A partitions definition, compared by its type and description (what
    Dagster shows and what Dagster+ diffs) plus its dimensions."""

    type: str
    description: str
    name: str | None = None
    fmt: str | None = None
    dimensions: tuple[PartitionDimension, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "description": self.description,
            "name": self.name,
            "fmt": self.fmt,
            "dimensions": [
                {
                    "name": d.name,
                    "type": d.type,
                    "description": d.description,
                    "dynamic_name": d.dynamic_name,
                }
                for d in self.dimensions
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PartitionsDefinition:
        return cls(
            type=str(data["type"]),
            description=str(data.get("description") or ""),
            name=data.get("name"),
            fmt=data.get("fmt"),
            dimensions=tuple(
                PartitionDimension(
                    name=str(d["name"]),
                    type=str(d["type"]),
                    description=str(d.get("description") or ""),
                    dynamic_name=d.get("dynamic_name"),
                )
                for d in data.get("dimensions") or ()
            ),
        )

    def display(self) -> str:
        return f"{self.type}: {self.description}" if self.description else self.type


@dataclass(frozen=True)
class AssetDefinition:
    """The tracked part of one asset's definition in one load."""

    key: AssetKey
    code_version: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)
    dependencies: frozenset[AssetKey] = frozenset()
    partitions: PartitionsDefinition | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Canonical, JSON-compatible form (sorted keys and dependencies)."""
        return {
            "key": list(self.key),
            "code_version": self.code_version,
            "tags": {k: self.tags[k] for k in sorted(self.tags)},
            "metadata": {k: self.metadata[k].to_json() for k in sorted(self.metadata)},
            "dependencies": [list(d) for d in sorted(self.dependencies)],
            "partitions": self.partitions.to_json() if self.partitions else None,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AssetDefinition:
        partitions = data.get("partitions")
        return cls(
            key=tuple(data["key"]),
            code_version=data.get("code_version"),
            tags=dict(data.get("tags") or {}),
            metadata={
                k: MetadataValue.from_json(v) for k, v in (data.get("metadata") or {}).items()
            },
            dependencies=frozenset(tuple(d) for d in data.get("dependencies") or ()),
            partitions=PartitionsDefinition.from_json(partitions) if partitions else None,
            description=data.get("description"),
        )

    def canonical_json(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))

    def content_hash(self) -> str:
        """Stable hash of the canonical form: equal definitions, equal hash."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


Snapshot = Mapping[AssetKey, AssetDefinition]
"""All asset definitions of one load of a code location, by key."""


def snapshot_of(definitions: Iterable[AssetDefinition]) -> dict[AssetKey, AssetDefinition]:
    return {d.key: d for d in definitions}


def snapshot_hash(snapshot: Snapshot) -> str:
    """Hash of a whole snapshot: equal when every definition is equal."""
    digest = hashlib.sha256()
    for key in sorted(snapshot):
        digest.update(snapshot[key].content_hash().encode())
    return digest.hexdigest()
