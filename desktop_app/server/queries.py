"""Read queries over the server's storage, each one small and indexed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.orm import aliased

from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import AssetChange, diff_definitions
from desktop_app.server.loading import key_text
from desktop_app.server.storage import (
    DECODED,
    current_assets,
    definitions,
    load_changes,
    load_definitions,
    loads,
    locations,
)


@dataclass(frozen=True)
class LocationRow:
    """A location as the workspace shows it now."""

    name: str
    document: dict[str, Any]
    document_updated_at: float
    load_id: int | None
    status: str
    updated_at: float
    error: dict[str, Any] | None

    @property
    def version_key(self) -> str:
        return f"{self.load_id}:{self.updated_at!r}"


@dataclass(frozen=True)
class LocationStatus:
    name: str
    updated_at: float
    version_key: str


def location_statuses(conn: Connection, deployment_id: int) -> list[LocationStatus]:
    """The cheap heartbeat: one small query, no documents, no assets."""
    query = (
        select(locations.c.name, locations.c.current_load_id, loads.c.uploaded_at)
        .select_from(locations)
        .outerjoin(loads, loads.c.id == locations.c.current_load_id)
        .where(locations.c.deployment_id == deployment_id)
        .order_by(locations.c.name)
    )
    result = []
    for name, load_id, uploaded in conn.execute(query):
        at = float(uploaded or 0.0)
        result.append(LocationStatus(name, at, f"{load_id}:{at!r}"))
    return result


def location_rows(
    conn: Connection, deployment_id: int, name: str | None = None
) -> list[LocationRow]:
    query = (
        select(
            locations.c.name,
            locations.c.document,
            locations.c.document_updated_at,
            locations.c.current_load_id,
            loads.c.status,
            loads.c.uploaded_at,
            loads.c.error,
        )
        .select_from(locations)
        .outerjoin(loads, loads.c.id == locations.c.current_load_id)
        .where(locations.c.deployment_id == deployment_id)
        .order_by(locations.c.name)
    )
    if name is not None:
        query = query.where(locations.c.name == name)
    return [
        LocationRow(
            name=row.name,
            document=json.loads(row.document),
            document_updated_at=float(row.document_updated_at),
            load_id=row.current_load_id,
            status=row.status or "LOADED",
            updated_at=float(row.uploaded_at or row.document_updated_at),
            error=json.loads(row.error) if row.error else None,
        )
        for row in conn.execute(query)
    ]


def current_definitions(conn: Connection, deployment_id: int, name: str) -> list[AssetDefinition]:
    query = (
        select(definitions.c.hash, definitions.c.body)
        .select_from(current_assets)
        .join(definitions, definitions.c.hash == current_assets.c.definition_hash)
        .where(current_assets.c.deployment_id == deployment_id, current_assets.c.location == name)
        .order_by(current_assets.c.asset_key)
    )
    return [DECODED.get(digest, body) for digest, body in conn.execute(query)]


def _cursor_value(cursor: str | None) -> float | None:
    if cursor is None or cursor == "":
        return None
    try:
        return float(cursor)
    except ValueError:
        raise ValueError(f"cursor {cursor!r} is not a codeLocationDataUploadTimestamp") from None


def load_history(
    conn: Connection, deployment_id: int, location: str, limit: int, cursor: str | None
) -> list[dict[str, Any]]:
    """Rows of `loads`, newest first, strictly older than `cursor`."""
    before = _cursor_value(cursor)
    query = select(loads).where(
        loads.c.deployment_id == deployment_id, loads.c.location == location
    )
    if before is not None:
        query = query.where(loads.c.uploaded_at < before)
    query = query.order_by(loads.c.uploaded_at.desc()).limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]


@dataclass(frozen=True)
class AssetDiffRow:
    key: AssetKey
    location: str
    uploaded_at: float
    change: AssetChange
    commit_hash: str | None
    previous_commit_hash: str | None


def asset_diff_history(
    conn: Connection, deployment_id: int, key: AssetKey, limit: int, cursor: str | None
) -> list[AssetDiffRow]:
    """Every tracked change of asset `key`, newest first across locations."""
    before = _cursor_value(cursor)
    previous = aliased(loads)
    query = (
        select(
            loads.c.location,
            loads.c.uploaded_at,
            loads.c.commit_hash,
            previous.c.commit_hash.label("previous_commit_hash"),
            load_changes.c.old_hash,
            load_changes.c.new_hash,
        )
        .select_from(load_changes)
        .join(loads, loads.c.id == load_changes.c.load_id)
        .outerjoin(previous, previous.c.id == loads.c.previous_load_id)
        .where(
            and_(
                load_changes.c.asset_key == key_text(key),
                load_changes.c.tracked.is_(True),
                loads.c.deployment_id == deployment_id,
            )
        )
    )
    if before is not None:
        query = query.where(loads.c.uploaded_at < before)
    rows = conn.execute(query.order_by(loads.c.uploaded_at.desc()).limit(limit)).all()
    defs = load_definitions(
        conn, [h for row in rows for h in (row.old_hash, row.new_hash) if h is not None]
    )
    result = []
    for row in rows:
        change = diff_definitions(
            defs.get(row.old_hash) if row.old_hash else None,
            defs.get(row.new_hash) if row.new_hash else None,
        )
        if change is None:
            continue
        result.append(
            AssetDiffRow(
                key=key,
                location=row.location,
                uploaded_at=float(row.uploaded_at),
                change=change,
                commit_hash=row.commit_hash,
                previous_commit_hash=row.previous_commit_hash,
            )
        )
    return result
