"""History rows as plain records, for `history --json`, `history --csv` and
the history dialog's "Export…": one record per row (a load, or a group of
similar loads), with the assets it added, removed and changed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from desktop_app.core.assets import AssetKey, key_to_str
from desktop_app.core.diff import CHANGE_ORDER, ChangeType
from desktop_app.core.links import commit_url
from desktop_app.core.loads import LoadGroup, LocationLoad

FIELDS = (
    "loaded_at",
    "status",
    "image",
    "commit_hash",
    "commit_url",
    "action",
    "initiated_by",
    "error",
    "count",
    "assets",
)


def iso(ts: float) -> str:
    """A `loaded_at` as printed: UTC, ISO 8601, with a Z."""
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def assets_of(loads: Sequence[LocationLoad]) -> dict[str, Any]:
    """Keys added, removed and changed by the loads of a group (newest
    first, as groups hold them; a later change wins)."""
    added: set[AssetKey] = set()
    removed: set[AssetKey] = set()
    changed: dict[AssetKey, set[ChangeType]] = {}
    for load in reversed(loads):
        summary = load.summary
        for key in summary.added:
            added.add(key)
            removed.discard(key)
        for key in summary.removed:
            removed.add(key)
            added.discard(key)
            changed.pop(key, None)
        for key in summary.modified:
            if key not in added:
                changed.setdefault(key, set()).update(summary.change_types.get(key, ()))
    return {
        "added": sorted(key_to_str(k) for k in added),
        "removed": sorted(key_to_str(k) for k in removed),
        "changed": {
            key_to_str(k): [str(t) for t in CHANGE_ORDER if t in types]
            for k, types in sorted(changed.items())
        },
    }


def load_record(load: LocationLoad) -> dict[str, Any]:
    """One load, without its assets (the two sides of a comparison)."""
    deploy = load.deploy
    return {
        "loaded_at": iso(load.loaded_at),
        "status": str(load.status),
        "image": deploy.image,
        "commit_hash": deploy.commit_hash,
        "commit_url": commit_url(deploy),
        "action": load.action,
        "initiated_by": load.initiated_by,
        "error": load.error,
    }


def group_record(group: LoadGroup) -> dict[str, Any]:
    return {**load_record(group.head), "count": group.count, "assets": assets_of(group.loads)}


def assets_text(assets: dict[str, Any]) -> str:
    """The assets of a record on one line: `+a/b; -c; ~d (CODE_VERSION TAGS)`."""
    parts = [f"+{key}" for key in assets["added"]]
    parts += [f"-{key}" for key in assets["removed"]]
    for key, types in assets["changed"].items():
        parts.append(f"~{key} ({' '.join(types)})" if types else f"~{key}")
    return "; ".join(parts)


def to_csv(records: Iterable[dict[str, Any]]) -> str:
    """Records as CSV with a header row; assets flattened by `assets_text`,
    missing values empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for record in records:
        row = []
        for name in FIELDS:
            value = record.get(name)
            if name == "assets":
                value = assets_text(value) if value else ""
            row.append("" if value is None else str(value))
        writer.writerow(row)
    return out.getvalue()
