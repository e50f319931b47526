"""History rows as plain records, for `history --json`, `history --csv` and
the history dialog's "Export…": one record per row (a load, or a group of
similar loads), with the assets it added, removed and changed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from desktop_app.core.assets import key_to_str
from desktop_app.core.changes import NetKind, net_changes
from desktop_app.core.links import commit_url
from desktop_app.core.loads import LoadAction, LoadGroup, LocationLoad
from desktop_app.core.rollback import RollbackNote
from desktop_app.core.untrusted import iso_utc

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
    "rollback_target",
    "reason",
)
"""The columns of the CSV form (the last two are empty except on rollbacks)."""


def iso(ts: float) -> str:
    """A `loaded_at` as printed: UTC, ISO 8601, with a Z ('?' for a value
    that is no sane time, whatever a cache holds)."""
    return iso_utc(ts)


def assets_of(loads: Sequence[LocationLoad]) -> dict[str, Any]:
    """Keys added, removed and changed by the loads of a group (newest
    first, as groups hold them): the net changes the history dialog's
    Assets cell shows."""
    changes = net_changes(loads)
    return {
        "added": [key_to_str(c.key) for c in changes if c.kind is NetKind.ADDED],
        "removed": [key_to_str(c.key) for c in changes if c.kind is NetKind.REMOVED],
        "changed": {
            key_to_str(c.key): [str(t) for t in c.change_types]
            for c in changes
            if c.kind is NetKind.CHANGED
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


def group_record(group: LoadGroup, note: RollbackNote | None = None) -> dict[str, Any]:
    """One history row; a rollback entry also names its target (ISO time)
    and the reason this computer kept for it (None when none)."""
    head = group.head
    record = {**load_record(head), "count": group.count, "assets": assets_of(group.loads)}
    if head.action == LoadAction.ROLLBACK:
        target = head.rollback_target
        record["rollback_target"] = iso(target) if target is not None else None
        record["reason"] = note.reason if note is not None else None
    return record


def assets_text(assets: dict[str, Any]) -> str:
    """The assets of a record on one line: `+a/b; -c; ~d (CODE_VERSION TAGS)`."""
    parts = [f"+{key}" for key in assets["added"]]
    parts += [f"-{key}" for key in assets["removed"]]
    for key, types in assets["changed"].items():
        parts.append(f"~{key} ({' '.join(types)})" if types else f"~{key}")
    return "; ".join(parts)


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A CSV cell of server text, never read as a formula: one that would
    be gets a leading apostrophe (what spreadsheets show as text)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(records: Iterable[dict[str, Any]]) -> str:
    """Records as CSV with a header row; assets flattened by `assets_text`,
    missing values empty. Text is kept as the server sent it, except that
    no cell can start a formula (`cell`); JSON exports keep it whole."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for record in records:
        row = []
        for name in FIELDS:
            value = record.get(name)
            if name == "assets":
                value = assets_text(value) if value else ""
            row.append("" if value is None else cell(str(value)))
        writer.writerow(row)
    return out.getvalue()
