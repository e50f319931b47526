"""Searching a location's history: which loads a piece of text names.

A load matches when an asset key it added, removed or changed contains the
text, when its commit starts with it, or when its image, initiator, action,
status or error contains it; case does not matter."""

from __future__ import annotations

from desktop_app.core.assets import AssetKey, key_to_str
from desktop_app.core.loads import LoadStatus, LocationLoad

STATUS_WORDS = {LoadStatus.LOADED: "loaded", LoadStatus.ERROR: "failed error"}


def needle_of(text: str) -> str:
    return text.strip().lower()


def key_matches(key: AssetKey, needle: str) -> bool:
    return needle in key_to_str(key).lower()


def fields_match(load: LocationLoad, needle: str) -> bool:
    """Everything but the asset keys: commit prefix, image, who, action,
    status, error (`needle` as `needle_of` gives it)."""
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
    return any(value and needle in value.lower() for value in fields)


def load_matches(load: LocationLoad, text: str) -> bool:
    needle = needle_of(text)
    if not needle or fields_match(load, needle):
        return True
    summary = load.summary
    return any(
        key_matches(key, needle)
        for keys in (summary.added, summary.removed, summary.modified)
        for key in keys
    )
