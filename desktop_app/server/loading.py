"""Loading code locations: deploy, reload, delete, and the history they write.

Every load becomes a history entry. A successful load stores only the asset
definitions that changed since the location's previous successful load; a
failed one (an image whose code raises, or an unknown image) stores its
`PythonError` and leaves the served definitions as they were.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import diff_definitions
from desktop_app.core.loads import LoadAction, LoadStatus
from desktop_app.server.documents import (
    commit_hash_of,
    document_hash,
    location_display_metadata,
)
from desktop_app.server.manifest import ImageContent, image_content, python_error
from desktop_app.server.storage import (
    DEFAULT_DEPLOYMENT_ID,
    Storage,
    chunks,
    current_assets,
    dumps,
    inserted_id,
    load_changes,
    load_definitions,
    loads,
    locations,
    store_definitions,
)


def key_text(key: AssetKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def key_from_text(text: str) -> AssetKey:
    return tuple(json.loads(text))


@dataclass(frozen=True)
class LoadResult:
    location: str
    load_id: int
    uploaded_at: float
    status: LoadStatus
    action: LoadAction
    rollback_target: float | None = None


def _unique_timestamp(conn: Connection, deployment_id: int, location: str, wanted: float) -> float:
    """`codeLocationDataUploadTimestamp` is unique per location and grows."""
    newest = conn.execute(
        select(loads.c.uploaded_at)
        .where(loads.c.deployment_id == deployment_id, loads.c.location == location)
        .order_by(loads.c.uploaded_at.desc())
        .limit(1)
    ).scalar()
    if newest is not None and wanted <= newest:
        return round(float(newest) + 0.001, 6)
    return wanted


def _action_for(
    conn: Connection,
    deployment_id: int,
    location: str,
    doc_hash: str,
    current_hash: str | None,
    requested: LoadAction,
) -> tuple[LoadAction, float | None]:
    """A deploy of a document that equals an earlier entry's (and is not the
    one running now) is a rollback to that entry."""
    if requested is not LoadAction.DEPLOY or doc_hash == current_hash:
        return requested, None
    earlier = conn.execute(
        select(loads.c.uploaded_at)
        .where(
            loads.c.deployment_id == deployment_id,
            loads.c.location == location,
            loads.c.document_hash == doc_hash,
        )
        .order_by(loads.c.uploaded_at.desc())
        .limit(1)
    ).scalar()
    if earlier is None:
        return requested, None
    return LoadAction.ROLLBACK, float(earlier)


def load_location(
    storage: Storage,
    document: Mapping[str, Any],
    *,
    initiated_by: str,
    action: LoadAction = LoadAction.DEPLOY,
    triggered_at: float | None = None,
    uploaded_at: float | None = None,
    content: ImageContent | None = None,
    deployment_id: int = DEFAULT_DEPLOYMENT_ID,
    removal: bool = False,
) -> LoadResult:
    """Load `document` (already validated) as its location's new version.

    `action` is deploy or reload; a deploy is recorded as a rollback when it
    re-submits an earlier entry's document. Timestamps default to now (the
    demo data set passes historical ones). `content` stands in for the
    image's registered manifest (bulk imports of history). A `removal`
    records the location leaving the workspace: an entry whose diff removes
    every asset, after which the location is gone (its history stays)."""
    name = str(document["location_name"])
    triggered = time.time() if triggered_at is None else triggered_at
    doc_text = dumps(document)
    # A removal keeps the document it removed, under a hash of its own: it
    # is no version anyone can roll back to.
    doc_hash = document_hash({"removed": document} if removal else document)
    with storage.write() as conn:
        # FOR UPDATE serializes deploys of one location across server
        # processes on a shared database (SQLite's BEGIN IMMEDIATE already does).
        loc = (
            conn.execute(
                select(locations)
                .where(locations.c.deployment_id == deployment_id, locations.c.name == name)
                .with_for_update()
            )
            .mappings()
            .first()
        )
        current_doc_hash = document_hash(json.loads(loc["document"])) if loc else None
        final_action, target = _action_for(
            conn, deployment_id, name, doc_hash, current_doc_hash, action
        )
        ref = document.get("image")
        if removal:
            content = ImageContent(ref=str(ref or ""), assets=())
        if content is None and isinstance(ref, str):
            content = image_content(conn, ref)
        error: dict[str, Any] | None = None
        if content is None:
            error = python_error(
                f"dagster_cloud.errors.ImageNotFound: the image {ref!r} of code location "
                f"{name!r} is not registered on this deployment server"
                if ref
                else f"the location document of {name!r} names no image to load",
                "ImageNotFound",
            )
        elif content.error is not None:
            error = dict(content.error)
        when = _unique_timestamp(
            conn,
            deployment_id,
            name,
            max(triggered, time.time()) if uploaded_at is None else uploaded_at,
        )
        display = {
            **location_display_metadata(document),
            "initiated_by": initiated_by,
            "action": "remove" if removal else str(final_action),
        }
        if target is not None:
            display["rollback_target"] = repr(target)
        previous_id = loc["success_load_id"] if loc else None
        row = {
            "deployment_id": deployment_id,
            "location": name,
            "uploaded_at": when,
            "triggered_at": min(triggered, when),
            "document": doc_text,
            "document_hash": doc_hash,
            "display_metadata": dumps(display),
            "previous_load_id": previous_id,
            "commit_hash": commit_hash_of(document),
        }
        if error is not None or content is None:
            load_id = inserted_id(
                conn.execute(
                    insert(loads).values(
                        **row, status=str(LoadStatus.ERROR), error=dumps(error), summary=None
                    )
                )
            )
            status = LoadStatus.ERROR
            success_id = previous_id
        else:
            load_id = _record_success(conn, row, deployment_id, name, content.hashed())
            status = LoadStatus.LOADED
            success_id = load_id
        values = {
            "document": doc_text,
            "document_updated_at": when,
            "current_load_id": load_id,
            "success_load_id": success_id,
        }
        if removal:
            conn.execute(
                delete(locations).where(
                    locations.c.deployment_id == deployment_id, locations.c.name == name
                )
            )
        elif loc is None:
            conn.execute(insert(locations).values(deployment_id=deployment_id, name=name, **values))
        else:
            conn.execute(
                update(locations)
                .where(locations.c.deployment_id == deployment_id, locations.c.name == name)
                .values(**values)
            )
    return LoadResult(name, load_id, when, status, final_action, target)


def _record_success(
    conn: Connection,
    row: dict[str, Any],
    deployment_id: int,
    name: str,
    new_defs: dict[str, AssetDefinition],
) -> int:
    """Insert a successful load: the changed keys only, and the new current
    definitions of the location."""
    new_keys = {key_text(a.key): h for h, a in new_defs.items()}
    rows = conn.execute(
        select(current_assets.c.asset_key, current_assets.c.definition_hash).where(
            current_assets.c.deployment_id == deployment_id, current_assets.c.location == name
        )
    )
    old_keys: dict[str, str] = {row[0]: row[1] for row in rows}
    changed = sorted(k for k in set(old_keys) | set(new_keys) if old_keys.get(k) != new_keys.get(k))
    old_defs = load_definitions(conn, (old_keys[k] for k in changed if k in old_keys))
    store_definitions(conn, new_defs)
    added: list[list[str]] = []
    removed: list[list[str]] = []
    modified: list[list[str]] = []
    change_rows = []
    for text in changed:
        old_hash, new_hash = old_keys.get(text), new_keys.get(text)
        change = diff_definitions(
            old_defs.get(old_hash) if old_hash else None,
            new_defs.get(new_hash) if new_hash else None,
        )
        tracked = change is not None and bool(change.change_types)
        if tracked:
            key = list(key_from_text(text))
            if old_hash is None:
                added.append(key)
            elif new_hash is None:
                removed.append(key)
            else:
                modified.append(key)
        change_rows.append(
            {"asset_key": text, "old_hash": old_hash, "new_hash": new_hash, "tracked": tracked}
        )
    summary = {"added": added, "modified": modified, "removed": removed}
    load_id = inserted_id(
        conn.execute(
            insert(loads).values(
                **row, status=str(LoadStatus.LOADED), error=None, summary=dumps(summary)
            )
        )
    )
    if change_rows:
        conn.execute(insert(load_changes), [{"load_id": load_id, **r} for r in change_rows])
        gone = [str(r["asset_key"]) for r in change_rows if r["old_hash"] is not None]
        for chunk in chunks(gone):
            conn.execute(
                delete(current_assets).where(
                    current_assets.c.deployment_id == deployment_id,
                    current_assets.c.location == name,
                    current_assets.c.asset_key.in_(chunk),
                )
            )
        fresh = [
            {
                "deployment_id": deployment_id,
                "location": name,
                "asset_key": r["asset_key"],
                "definition_hash": r["new_hash"],
            }
            for r in change_rows
            if r["new_hash"] is not None
        ]
        if fresh:
            conn.execute(insert(current_assets), fresh)
    return load_id


def delete_location(
    storage: Storage, name: str, deployment_id: int = DEFAULT_DEPLOYMENT_ID
) -> bool:
    """Remove a location from the workspace (its history stays); False when
    there is no such location."""
    with storage.write() as conn:
        gone = conn.execute(
            delete(locations).where(
                locations.c.deployment_id == deployment_id, locations.c.name == name
            )
        ).rowcount
        conn.execute(
            delete(current_assets).where(
                current_assets.c.deployment_id == deployment_id, current_assets.c.location == name
            )
        )
    return bool(gone)
