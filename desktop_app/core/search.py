"""Searching a location's history: which loads a piece of text names.

A load matches when an asset key it added, removed or changed contains the
text, when its commit starts with it, or when its image, initiator, action,
status or error contains it; case does not matter."""

from __future__ import annotations

from desktop_app.core.assets import key_to_str
from desktop_app.core.loads import LoadStatus, LocationLoad

STATUS_WORDS = {LoadStatus.LOADED: "loaded", LoadStatus.ERROR: "failed error"}


def load_matches(load: LocationLoad, text: str) -> bool:
    needle = text.strip().lower()
    if not needle:
        return True
    deploy = load.deploy
    if deploy.commit_hash and deploy.commit_hash.lower().startswith(needle):
        return True
    fields = (
        deploy.image,
        load.initiated_by,
        load.action,
        STATUS_WORDS.get(load.status, str(load.status)),
        load.error,
    )
    if any(value and needle in value.lower() for value in fields):
        return True
    summary = load.summary
    return any(
        needle in key_to_str(key).lower()
        for keys in (summary.added, summary.removed, summary.modified)
        for key in keys
    )
