"""Comparing two versions of a code location: the net asset changes from
one load to another, and how they read field by field.

`net_changes` is the rule a comparison must obey: folding the changes of
every load in between, one load at a time, gives the same net change per
asset as diffing the two ends directly. The cache computes the direct diff
(an indexed query); this fold is what a property test holds it to.

Where the cache knows that an asset changed but not its old and new values
(loads it saw only in history), the detail is `None`, which reads as "not
recorded", never as a made-up "changed → changed".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.core.assets import AssetDefinition, AssetKey, key_to_str
from desktop_app.core.diff import (
    CHANGE_ORDER,
    AssetChange,
    ChangeType,
    DictDiff,
    apply_change,
    diff_definitions,
)
from desktop_app.core.loads import LocationLoad

NOT_RECORDED = "not recorded"


@dataclass
class _Net:
    existed_before: bool
    old: AssetDefinition | None
    exists: bool
    new: AssetDefinition | None
    types: set[ChangeType]


def net_changes(steps: Iterable[Sequence[AssetChange]]) -> list[AssetChange]:
    """The net change per asset of several loads' changes, oldest load
    first, sorted by key. An asset added and removed again in between does
    not appear; one changed and changed back does not either (when its
    definitions are known). Unknown definitions fall back to the union of
    the change types the loads recorded, which may be none at all: the
    asset changed in ways no one told us."""
    state: dict[AssetKey, _Net] = {}
    for changes in steps:
        for change in changes:
            types = set(change.change_types)
            net = state.get(change.key)
            if net is None:
                before = ChangeType.NEW not in types
                old = change.old if before else None
                net = state[change.key] = _Net(before, old, before, old, set())
            if ChangeType.REMOVED in types:
                net.exists, net.new = False, None
            elif ChangeType.NEW in types:
                net.exists, net.new = True, change.new
            else:
                after = change.new
                if after is None and net.new is not None and _has_details(change):
                    after = apply_change(net.new, change)
                net.new = after
            net.types.update(t for t in types if t not in (ChangeType.NEW, ChangeType.REMOVED))
    result: list[AssetChange] = []
    for key in sorted(state):
        net = state[key]
        if not net.existed_before and not net.exists:
            continue
        if not net.existed_before:
            result.append(AssetChange(key=key, change_types=(ChangeType.NEW,), new=net.new))
        elif not net.exists:
            result.append(AssetChange(key=key, change_types=(ChangeType.REMOVED,), old=net.old))
        elif net.old is not None and net.new is not None:
            found = diff_definitions(net.old, net.new)
            if found is not None and found.change_types:
                result.append(found)
        else:  # an end is unknown: what the loads in between recorded (maybe nothing)
            recorded = tuple(t for t in CHANGE_ORDER if t in net.types)
            result.append(AssetChange(key=key, change_types=recorded, old=net.old, new=net.new))
    return result


def _has_details(change: AssetChange) -> bool:
    """True when the change says how every field it names moved."""
    parts = {
        ChangeType.CODE_VERSION: change.code_version,
        ChangeType.PARTITIONS_DEFINITION: change.partitions,
        ChangeType.TAGS: change.tags,
        ChangeType.METADATA: change.metadata,
        ChangeType.DEPENDENCIES: change.dependencies,
    }
    return all(parts.get(t) is not None for t in change.change_types)


# -- reading a comparison ---------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """Two loads of one location and the net asset changes from `old` to `new`.

    `complete` is False when the changes carry change types only because
    there were too many to read every definition at once (a reader asks for
    one asset's details when it needs them); True when every change carries
    the definitions that are known."""

    old: LocationLoad
    new: LocationLoad
    changes: tuple[AssetChange, ...]
    complete: bool = True

    @property
    def added(self) -> list[AssetChange]:
        return [c for c in self.changes if ChangeType.NEW in c.change_types]

    @property
    def removed(self) -> list[AssetChange]:
        return [c for c in self.changes if ChangeType.REMOVED in c.change_types]

    @property
    def changed(self) -> list[AssetChange]:
        return [
            c
            for c in self.changes
            if ChangeType.NEW not in c.change_types and ChangeType.REMOVED not in c.change_types
        ]

    def assets_json(self) -> dict[str, Any]:
        """`added`, `removed`, `changed` (key -> change types) and `details`
        (key -> field -> {"old", "new"}, or None where not recorded)."""
        return {
            "added": [key_to_str(c.key) for c in self.added],
            "removed": [key_to_str(c.key) for c in self.removed],
            "changed": {key_to_str(c.key): [str(t) for t in c.change_types] for c in self.changed},
            "details": {key_to_str(c.key): field_details(c) for c in self.changed},
        }


FIELD_NAMES: dict[ChangeType, str] = {
    ChangeType.CODE_VERSION: "code_version",
    ChangeType.DEPENDENCIES: "dependencies",
    ChangeType.PARTITIONS_DEFINITION: "partitions_definition",
    ChangeType.TAGS: "tags",
    ChangeType.METADATA: "metadata",
}


def _value_text(value: Any) -> Any:
    display = getattr(value, "display", None)
    return display() if callable(display) else value


def _dict_detail(diff: DictDiff[Any] | None) -> dict[str, Any] | None:
    if diff is None:
        return None
    old = {k: _value_text(v) for k, v in diff.removed.items()}
    new = {k: _value_text(v) for k, v in diff.added.items()}
    for k, (before, after) in diff.changed.items():
        old[k], new[k] = _value_text(before), _value_text(after)
    return {"old": dict(sorted(old.items())), "new": dict(sorted(new.items()))}


def _whole(definition: AssetDefinition, change_type: ChangeType) -> Any:
    """One field of a whole definition, JSON-ready."""
    if change_type == ChangeType.CODE_VERSION:
        return definition.code_version
    if change_type == ChangeType.PARTITIONS_DEFINITION:
        return definition.partitions.display() if definition.partitions else None
    if change_type == ChangeType.TAGS:
        return dict(sorted(definition.tags.items()))
    if change_type == ChangeType.METADATA:
        return {k: v.display() for k, v in sorted(definition.metadata.items())}
    return sorted(key_to_str(k) for k in definition.dependencies)


def _detail(change: AssetChange, change_type: ChangeType) -> dict[str, Any] | None:
    if change_type == ChangeType.CODE_VERSION and change.code_version is not None:
        return {"old": change.code_version.old, "new": change.code_version.new}
    if change_type == ChangeType.PARTITIONS_DEFINITION and change.partitions is not None:
        old_p, new_p = change.partitions.old, change.partitions.new
        return {
            "old": old_p.display() if old_p else None,
            "new": new_p.display() if new_p else None,
        }
    if change_type == ChangeType.TAGS and change.tags is not None:
        return _dict_detail(change.tags)
    if change_type == ChangeType.METADATA and change.metadata is not None:
        return _dict_detail(change.metadata)
    if change_type == ChangeType.DEPENDENCIES and change.dependencies is not None:
        deps = change.dependencies
        return {"old": sorted(deps.removed), "new": sorted(deps.added)}
    # How it moved is unknown; say what is known of either side (whole values).
    if change.old is None and change.new is None:
        return None
    sides: dict[str, Any] = {}
    if change.old is not None:
        sides["old"] = _whole(change.old, change_type)
    if change.new is not None:
        sides["new"] = _whole(change.new, change_type)
    return sides


def field_details(change: AssetChange) -> dict[str, dict[str, Any] | None]:
    """Old and new value of every changed field of `change` (JSON-ready):
    only the entries that moved, for tags and metadata; the dependencies
    removed (old) and added (new). Where the cache never learnt how a field
    moved, the sides it knows carry that field's whole value and a side it
    does not know is left out; None when neither side is known."""
    details: dict[str, dict[str, Any] | None] = {}
    for change_type in change.change_types:
        name = FIELD_NAMES.get(change_type)
        if name is not None:
            details[name] = _detail(change, change_type)
    return details


def detail_lines(change: AssetChange) -> list[tuple[str, str, str]]:
    """(field, old, new) lines of a changed asset, for people; a side whose
    value was not recorded reads NOT_RECORDED."""
    lines: list[tuple[str, str, str]] = []
    for name, detail in field_details(change).items():
        label = name.replace("_", " ")
        if detail is None:
            lines.append((label, NOT_RECORDED, NOT_RECORDED))
            continue
        if "old" not in detail or "new" not in detail:
            old_text = _whole_text(detail["old"]) if "old" in detail else NOT_RECORDED
            new_text = _whole_text(detail["new"]) if "new" in detail else NOT_RECORDED
            lines.append((label, old_text, new_text))
            continue
        old, new = detail["old"], detail["new"]
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            single = label.removesuffix("s")
            for key in sorted(set(old) | set(new)):
                lines.append((f"{single} {key}", _text(old.get(key)), _text(new.get(key))))
        elif isinstance(old, list) and isinstance(new, list):
            lines.extend(("dependency", k, "—") for k in old)
            lines.extend(("dependency", "—", k) for k in new)
        else:
            lines.append((label, _text(old), _text(new)))
    return lines


def _whole_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    return str(value)
