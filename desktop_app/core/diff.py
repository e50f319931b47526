"""Differences between asset definitions and between whole snapshots.

The semantics follow Dagster+'s `assetDiffHistory`: change types NEW,
REMOVED, CODE_VERSION, TAGS, METADATA, DEPENDENCIES, PARTITIONS_DEFINITION;
a `ValueDiff` (old/new) for code version and partitions definition and a
`DictDiff` (added/changed/removed keys) for tags, metadata and dependencies.
Our `DictDiff` also keeps the values, so a diff can be applied (and shown as
old -> new), which the GraphQL form drops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Generic, TypeVar

from desktop_app.core.assets import (
    AssetDefinition,
    AssetKey,
    MetadataValue,
    PartitionsDefinition,
    Snapshot,
    key_from_str,
    key_to_str,
)

V = TypeVar("V")


class ChangeType(StrEnum):
    NEW = "NEW"
    CODE_VERSION = "CODE_VERSION"
    DEPENDENCIES = "DEPENDENCIES"
    PARTITIONS_DEFINITION = "PARTITIONS_DEFINITION"
    TAGS = "TAGS"
    METADATA = "METADATA"
    REMOVED = "REMOVED"


# The order Dagster+ lists change types in; also our display order.
CHANGE_ORDER: tuple[ChangeType, ...] = tuple(ChangeType)


@dataclass(frozen=True)
class ValueDiff(Generic[V]):
    old: V | None
    new: V | None


@dataclass(frozen=True)
class DictDiff(Generic[V]):
    """Keys added, changed and removed, with their values."""

    added: Mapping[str, V] = field(default_factory=dict)
    changed: Mapping[str, tuple[V, V]] = field(default_factory=dict)
    removed: Mapping[str, V] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def apply(self, before: Mapping[str, V]) -> dict[str, V]:
        after = {k: v for k, v in before.items() if k not in self.removed}
        after.update({k: new for k, (_old, new) in self.changed.items()})
        after.update(self.added)
        return after

    def key_lists(self) -> dict[str, list[str]]:
        """The GraphQL `DictDiff` shape."""
        return {
            "addedKeys": sorted(self.added),
            "changedKeys": sorted(self.changed),
            "removedKeys": sorted(self.removed),
        }


def dict_diff(old: Mapping[str, V], new: Mapping[str, V]) -> DictDiff[V]:
    return DictDiff(
        added={k: new[k] for k in sorted(new) if k not in old},
        changed={k: (old[k], new[k]) for k in sorted(new) if k in old and old[k] != new[k]},
        removed={k: old[k] for k in sorted(old) if k not in new},
    )


@dataclass(frozen=True)
class AssetChange:
    """How one asset changed between two loads. For NEW and REMOVED the
    whole definition is in `new` / `old`; otherwise both are set and the
    field-level details say what moved."""

    key: AssetKey
    change_types: tuple[ChangeType, ...]
    old: AssetDefinition | None = None
    new: AssetDefinition | None = None
    code_version: ValueDiff[str] | None = None
    partitions: ValueDiff[PartitionsDefinition] | None = None
    tags: DictDiff[str] | None = None
    metadata: DictDiff[MetadataValue] | None = None
    dependencies: DictDiff[bool] | None = None

    def to_graphql(self) -> dict[str, Any]:
        """The `AssetDiff` shape of the Dagster+ schema."""
        details: dict[str, Any] = {
            "codeVersion": None,
            "partitionsDefinition": None,
            "tags": None,
            "metadata": None,
            "dependencies": None,
        }
        if self.code_version is not None:
            details["codeVersion"] = {"old": self.code_version.old, "new": self.code_version.new}
        if self.partitions is not None:
            old, new = self.partitions.old, self.partitions.new
            details["partitionsDefinition"] = {
                "old": old.display() if old else None,
                "new": new.display() if new else None,
            }
        for name, diff in (
            ("tags", self.tags),
            ("metadata", self.metadata),
            ("dependencies", self.dependencies),
        ):
            if diff is not None:
                details[name] = diff.key_lists()
        return {"changeTypes": [str(c) for c in self.change_types], "changeDiff": details}


def diff_definitions(
    old: AssetDefinition | None, new: AssetDefinition | None
) -> AssetChange | None:
    """How `old` became `new`; None when nothing tracked changed."""
    if old is None and new is None:
        return None
    if old is None:
        assert new is not None
        return AssetChange(key=new.key, change_types=(ChangeType.NEW,), new=new)
    if new is None:
        return AssetChange(key=old.key, change_types=(ChangeType.REMOVED,), old=old)

    types: list[ChangeType] = []
    code_version = None
    if old.code_version != new.code_version:
        types.append(ChangeType.CODE_VERSION)
        code_version = ValueDiff(old.code_version, new.code_version)
    deps = dict_diff(
        {key_to_str(k): True for k in old.dependencies},
        {key_to_str(k): True for k in new.dependencies},
    )
    if deps:
        types.append(ChangeType.DEPENDENCIES)
    partitions = None
    if old.partitions != new.partitions:
        types.append(ChangeType.PARTITIONS_DEFINITION)
        partitions = ValueDiff(old.partitions, new.partitions)
    tags = dict_diff(old.tags, new.tags)
    if tags:
        types.append(ChangeType.TAGS)
    metadata = dict_diff(old.metadata, new.metadata)
    if metadata:
        types.append(ChangeType.METADATA)
    if not types and old.description == new.description:
        return None
    return AssetChange(
        key=new.key,
        change_types=tuple(types),
        old=old,
        new=new,
        code_version=code_version,
        partitions=partitions,
        tags=tags or None,
        metadata=metadata or None,
        dependencies=deps or None,
    )


def diff_snapshots(old: Snapshot, new: Snapshot) -> list[AssetChange]:
    """Every asset that was added, removed or changed, sorted by key.

    Only tracked fields count: a description-only edit yields a change with
    no change types, which callers may show but Dagster+ would not list."""
    changes = []
    for key in sorted(set(old) | set(new)):
        change = diff_definitions(old.get(key), new.get(key))
        if change is not None and change.change_types:
            changes.append(change)
    return changes


def apply_change(before: AssetDefinition | None, change: AssetChange) -> AssetDefinition | None:
    """The definition after `change`, field by field."""
    if ChangeType.REMOVED in change.change_types:
        return None
    if ChangeType.NEW in change.change_types:
        return change.new
    assert before is not None
    after = before
    if change.code_version is not None:
        after = replace(after, code_version=change.code_version.new)
    if change.partitions is not None:
        after = replace(after, partitions=change.partitions.new)
    if change.tags is not None:
        after = replace(after, tags=change.tags.apply(after.tags))
    if change.metadata is not None:
        after = replace(after, metadata=change.metadata.apply(after.metadata))
    if change.dependencies is not None:
        deps = change.dependencies.apply({key_to_str(k): True for k in after.dependencies})
        after = replace(after, dependencies=frozenset(key_from_str(k) for k in deps))
    if change.new is not None:
        after = replace(after, description=change.new.description)
    return after


def apply_diff(snapshot: Snapshot, changes: list[AssetChange]) -> dict[AssetKey, AssetDefinition]:
    result = dict(snapshot)
    for change in changes:
        after = apply_change(result.get(change.key), change)
        if after is None:
            result.pop(change.key, None)
        else:
            result[change.key] = after
    return result


@dataclass(frozen=True)
class DiffSummary:
    """Keys added, removed and modified by one load (the `diffSummary` of a
    history entry), with each modified key's change types when known."""

    added: tuple[AssetKey, ...] = ()
    removed: tuple[AssetKey, ...] = ()
    modified: tuple[AssetKey, ...] = ()
    change_types: Mapping[AssetKey, tuple[ChangeType, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.modified)

    @classmethod
    def from_changes(cls, changes: list[AssetChange]) -> DiffSummary:
        added = tuple(c.key for c in changes if ChangeType.NEW in c.change_types)
        removed = tuple(c.key for c in changes if ChangeType.REMOVED in c.change_types)
        modified = tuple(
            c.key
            for c in changes
            if ChangeType.NEW not in c.change_types and ChangeType.REMOVED not in c.change_types
        )
        return cls(
            added=added,
            removed=removed,
            modified=modified,
            change_types={c.key: c.change_types for c in changes},
        )
