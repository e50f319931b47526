"""The asset change history table: one row per changed field of one asset,
newest load first, showing old → new."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from desktop_app.core.assets import AssetDefinition, key_to_str
from desktop_app.core.diff import AssetChange, ChangeType, DictDiff
from desktop_app.core.loads import AssetHistoryEntry
from desktop_app.ui import formatting
from desktop_app.ui.columns import Column, RowTableModel

NONE = "—"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class FieldChange:
    """One field of one asset in one load: what it was and what it became."""

    loaded_at: float
    commit_hash: str | None
    change: str  # the change types of the whole asset change, as words
    field: str
    old: str
    new: str


def _definition_lines(definition: AssetDefinition) -> str:
    parts = [f"code version: {definition.code_version or NONE}"]
    if definition.tags:
        parts.append("tags: " + ", ".join(f"{k}={v}" for k, v in sorted(definition.tags.items())))
    if definition.metadata:
        parts.append(
            "metadata: "
            + ", ".join(f"{k}={v.display()}" for k, v in sorted(definition.metadata.items()))
        )
    if definition.dependencies:
        parts.append(
            "depends on: " + ", ".join(key_to_str(k) for k in sorted(definition.dependencies))
        )
    if definition.partitions:
        parts.append(f"partitions: {definition.partitions.display()}")
    return "; ".join(parts)


def _dict_rows(
    base: FieldChange, label: str, diff: DictDiff[Any], keys_only: bool = False
) -> Iterable[FieldChange]:
    """One row per entry that moved. `keys_only`: the server named the keys
    but not their values (definitions unknown), so a row reads
    "tag `tier` changed" and its values are not recorded."""
    if keys_only:
        for word, keys in (
            ("added", diff.added),
            ("changed", diff.changed),
            ("removed", diff.removed),
        ):
            for key in keys:
                old = NONE if word == "added" else NOT_RECORDED
                new = NONE if word == "removed" else NOT_RECORDED
                yield _with(base, f"{label} `{key}` {word}", old, new)
        return

    def text(value: object) -> str:
        if isinstance(value, bool):
            return "yes" if value else NONE
        display = getattr(value, "display", None)
        return str(display()) if callable(display) else str(value)

    for key, value in diff.added.items():
        yield _with(base, f"{label} {key}", NONE, text(value))
    for key, (old, new) in diff.changed.items():
        yield _with(base, f"{label} {key}", text(old), text(new))
    for key, value in diff.removed.items():
        yield _with(base, f"{label} {key}", text(value), NONE)


def _with(base: FieldChange, field: str, old: str, new: str) -> FieldChange:
    return FieldChange(base.loaded_at, base.commit_hash, base.change, field, old, new)


def _field_value(definition: AssetDefinition, change_type: ChangeType) -> str:
    """One field of a whole definition, as text (for changes whose details
    the server did not record but whose definition is known)."""
    if change_type == ChangeType.CODE_VERSION:
        return definition.code_version or NONE
    if change_type == ChangeType.TAGS:
        return ", ".join(f"{k}={v}" for k, v in sorted(definition.tags.items())) or NONE
    if change_type == ChangeType.METADATA:
        items = sorted(definition.metadata.items())
        return ", ".join(f"{k}={v.display()}" for k, v in items) or NONE
    if change_type == ChangeType.DEPENDENCIES:
        return ", ".join(key_to_str(k) for k in sorted(definition.dependencies)) or NONE
    if change_type == ChangeType.PARTITIONS_DEFINITION:
        return definition.partitions.display() if definition.partitions else NONE
    return ""


def _detail_rows(
    base: FieldChange, change: AssetChange, change_type: ChangeType
) -> list[FieldChange]:
    """The field-level rows of one change type, from the recorded details."""
    if change_type == ChangeType.CODE_VERSION and change.code_version is not None:
        diff = change.code_version
        return [_with(base, "code version", diff.old or NONE, diff.new or NONE)]
    if change_type == ChangeType.PARTITIONS_DEFINITION and change.partitions is not None:
        old_p, new_p = change.partitions.old, change.partitions.new
        return [
            _with(
                base,
                "partitions",
                old_p.display() if old_p else NONE,
                new_p.display() if new_p else NONE,
            )
        ]
    keys_only = change.old is None or change.new is None
    if change_type == ChangeType.TAGS and change.tags is not None:
        return list(_dict_rows(base, "tag", change.tags, keys_only))
    if change_type == ChangeType.METADATA and change.metadata is not None:
        return list(_dict_rows(base, "metadata", change.metadata, keys_only))
    if change_type == ChangeType.DEPENDENCIES and change.dependencies is not None:
        deps = change.dependencies
        return [_with(base, "dependency", NONE, key) for key in deps.added] + [
            _with(base, "dependency", key, NONE) for key in deps.removed
        ]
    return []


def field_changes(entry: AssetHistoryEntry) -> list[FieldChange]:
    """Flatten one asset change into field-level rows, old → new."""
    change: AssetChange = entry.change
    base = FieldChange(
        entry.loaded_at,
        entry.commit_hash,
        formatting.change_labels(change.change_types),
        "",
        "",
        "",
    )
    if ChangeType.NEW in change.change_types:
        new = _definition_lines(change.new) if change.new else ""
        return [_with(base, "definition", NONE, new or "added")]
    if ChangeType.REMOVED in change.change_types:
        old = _definition_lines(change.old) if change.old else ""
        return [_with(base, "definition", old or "present", NONE)]
    rows: list[FieldChange] = []
    for change_type in change.change_types:
        detail = _detail_rows(base, change, change_type)
        if detail:
            rows.extend(detail)
            continue
        # The server reported that this field changed but not how; show what
        # is known of either side rather than inventing a difference.
        label = formatting.CHANGE_LABELS.get(change_type, str(change_type).lower())
        old = _field_value(change.old, change_type) if change.old else NOT_RECORDED
        new = _field_value(change.new, change_type) if change.new else "changed"
        rows.append(_with(base, label, old, new if new != old else "changed"))
    if not rows:
        rows.append(_with(base, "description", NOT_RECORDED, "changed"))
    return rows


COLUMNS: tuple[Column[FieldChange], ...] = (
    Column(
        "Loaded",
        lambda r: formatting.when(r.loaded_at),
        sort=lambda r: r.loaded_at,
        tooltip=lambda r: formatting.exact_time(r.loaded_at),
    ),
    Column(
        "Commit",
        lambda r: formatting.short_sha(r.commit_hash),
        tooltip=lambda r: r.commit_hash,
    ),
    Column("Change", lambda r: r.change),
    Column("Field", lambda r: r.field),
    Column("Old", lambda r: r.old, tooltip=lambda r: r.old),
    Column("New", lambda r: r.new, tooltip=lambda r: r.new),
)


class AssetHistoryModel(RowTableModel[FieldChange]):
    """Rows are `FieldChange`s of one asset, newest load first."""

    columns = COLUMNS

    def set_entries(self, entries: list[AssetHistoryEntry]) -> None:
        rows: list[FieldChange] = []
        for entry in entries:
            rows.extend(field_changes(entry))
        self.set_rows(rows)
