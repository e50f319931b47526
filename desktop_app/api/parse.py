"""Lenient parsing of GraphQL answers into core types.

Extra fields are ignored; a missing field that the app uses raises
`BadResponse`. Metadata is normalised so that every server describing the
same definition yields the same `AssetDefinition` (and content hash): JSON
strings are parsed and integers come from `intRepr`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.api.errors import BadResponse, ServerError, Unauthorized
from desktop_app.core.assets import (
    AssetDefinition,
    AssetKey,
    MetadataValue,
    PartitionDimension,
    PartitionsDefinition,
)
from desktop_app.core.diff import ChangeType, DiffSummary
from desktop_app.core.loads import LoadStatus, LocationLoad


@dataclass(frozen=True)
class LocationStatus:
    """One entry of `locationStatusesOrError`: the cheap heartbeat."""

    name: str
    load_status: str
    update_timestamp: float
    version_key: str


@dataclass(frozen=True)
class LocationEntry:
    """A location as `workspaceLocationEntryOrError` describes it now.
    `definitions` is None when the location failed to load (then `error`
    holds the real cause)."""

    name: str
    load_status: str
    updated_at: float
    version_key: str
    display_metadata: Mapping[str, str] = field(default_factory=dict)
    definitions: dict[AssetKey, AssetDefinition] | None = None
    error: str | None = None


def need(obj: Any, key: str, where: str) -> Any:
    """`obj[key]`, or BadResponse naming what is missing."""
    if not isinstance(obj, Mapping) or key not in obj:
        raise BadResponse(f"The server's answer lacks {where}.{key}.")
    return obj[key]


def need_list(obj: Any, key: str, where: str) -> list[Any]:
    value = need(obj, key, where)
    if not isinstance(value, list):
        raise BadResponse(f"The server's answer has a malformed {where}.{key}.")
    return value


def need_float(obj: Any, key: str, where: str) -> float:
    value = need(obj, key, where)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise BadResponse(f"The server's answer has a malformed {where}.{key}.") from None


def check_union(result: Any, where: str, expected: str) -> Mapping[str, Any]:
    """Turn an error member of a GraphQL union into the matching ApiError."""
    typename = need(result, "__typename", where)
    if typename == expected:
        return result  # type: ignore[no-any-return]
    message = str(result.get("message") or typename)
    if typename == "UnauthorizedError":
        raise Unauthorized(f"Not allowed: {message}")
    if typename == "PythonError":
        raise ServerError(f"The server failed: {first_line(message)}")
    raise BadResponse(f"Unexpected {typename} in {where}: {first_line(message)}")


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def key_of(obj: Any, where: str) -> AssetKey:
    path = need_list(obj, "path", where)
    return tuple(str(p) for p in path)


def pairs(entries: Any) -> dict[str, str]:
    """`[{key, value}]` (display metadata, tags) as a dict."""
    out: dict[str, str] = {}
    for entry in entries or ():
        if isinstance(entry, Mapping) and "key" in entry:
            out[str(entry["key"])] = str(entry.get("value") or "")
    return out


def python_error_text(error: Mapping[str, Any]) -> str:
    """The real cause of a load failure: the innermost of `causes` or
    `errorChain` (Dagster wraps a SyntaxError in DagsterUserCodeLoadError)."""
    messages: list[str] = []
    for cause in error.get("causes") or ():
        if isinstance(cause, Mapping) and cause.get("message"):
            messages.append(str(cause["message"]))
    if not messages:
        for link in error.get("errorChain") or ():
            inner = link.get("error") if isinstance(link, Mapping) else None
            if isinstance(inner, Mapping) and inner.get("message"):
                messages.append(str(inner["message"]))
    text = messages[-1] if messages else str(error.get("message") or "")
    return text.strip() or "Unknown error"


def metadata_value(entry: Mapping[str, Any]) -> MetadataValue:
    typename = str(entry.get("__typename") or "Unknown")
    kind = typename.removesuffix("MetadataEntry")
    rest = {k: v for k, v in entry.items() if k not in ("__typename", "label", "description")}
    if kind == "Null":
        return MetadataValue("Null", None)
    if kind == "Int":
        repr_ = rest.get("intRepr")
        try:
            return MetadataValue("Int", int(repr_) if repr_ is not None else rest.get("intValue"))
        except ValueError:
            return MetadataValue("Int", rest.get("intValue"))
    if kind == "Float":
        value = rest.get("floatValue")
        return MetadataValue("Float", value if value is not None else rest.get("floatRepr"))
    if kind == "Json":
        text = rest.get("jsonString")
        try:
            return MetadataValue("Json", json.loads(text) if isinstance(text, str) else text)
        except ValueError:
            return MetadataValue("Json", text)
    if kind == "Asset":
        asset = rest.get("assetKey")
        if isinstance(asset, Mapping):
            return MetadataValue("Asset", "/".join(str(p) for p in asset.get("path") or ()))
    if len(rest) == 1:
        return MetadataValue(kind, next(iter(rest.values())))
    return MetadataValue(kind, rest or None)


def partitions_of(data: Any) -> PartitionsDefinition | None:
    if not isinstance(data, Mapping):
        return None
    dims = tuple(
        PartitionDimension(
            name=str(d.get("name") or ""),
            type=str(d.get("type") or ""),
            description=str(d.get("description") or ""),
            dynamic_name=d.get("dynamicPartitionsDefinitionName"),
        )
        for d in data.get("dimensionTypes") or ()
        if isinstance(d, Mapping)
    )
    return PartitionsDefinition(
        type=str(need(data, "type", "partitionDefinition")),
        description=str(data.get("description") or ""),
        name=data.get("name"),
        fmt=data.get("fmt"),
        dimensions=dims,
    )


def asset_definition(node: Mapping[str, Any]) -> AssetDefinition:
    key = key_of(need(node, "assetKey", "assetNode"), "assetNode.assetKey")
    return AssetDefinition(
        key=key,
        code_version=node.get("opVersion"),
        tags=pairs(node.get("tags")),
        metadata={
            str(e["label"]): metadata_value(e)
            for e in node.get("metadataEntries") or ()
            if isinstance(e, Mapping) and "label" in e
        },
        dependencies=frozenset(
            key_of(d, "assetNode.dependencyKeys") for d in node.get("dependencyKeys") or ()
        ),
        partitions=partitions_of(node.get("partitionDefinition")),
        description=node.get("description"),
    )


def location_statuses(data: Mapping[str, Any]) -> list[LocationStatus]:
    result = check_union(
        need(data, "locationStatusesOrError", "data"),
        "locationStatusesOrError",
        "WorkspaceLocationStatusEntries",
    )
    return [
        LocationStatus(
            name=str(need(e, "name", "entry")),
            load_status=str(need(e, "loadStatus", "entry")),
            update_timestamp=need_float(e, "updateTimestamp", "entry"),
            version_key=str(need(e, "versionKey", "entry")),
        )
        for e in need_list(result, "entries", "locationStatusesOrError")
    ]


def location_entry(data: Mapping[str, Any]) -> LocationEntry | None:
    raw = need(data, "workspaceLocationEntryOrError", "data")
    if raw is None:
        return None  # unknown location: the webserver answers null, no error
    entry = check_union(raw, "workspaceLocationEntryOrError", "WorkspaceLocationEntry")
    where = "workspaceLocationEntryOrError"
    located = entry.get("locationOrLoadError")
    definitions: dict[AssetKey, AssetDefinition] | None = None
    error = None
    if isinstance(located, Mapping) and located.get("__typename") == "PythonError":
        error = python_error_text(located)
    elif isinstance(located, Mapping):
        definitions = {}
        for repo in need_list(located, "repositories", "locationOrLoadError"):
            for node in need_list(repo, "assetNodes", "repository"):
                definition = asset_definition(node)
                definitions[definition.key] = definition
    return LocationEntry(
        name=str(need(entry, "name", where)),
        load_status=str(need(entry, "loadStatus", where)),
        updated_at=need_float(entry, "updatedTimestamp", where),
        version_key=str(need(entry, "versionKey", where)),
        display_metadata=pairs(entry.get("displayMetadata")),
        definitions=definitions,
        error=error,
    )


def diff_summary(data: Any) -> DiffSummary:
    if not isinstance(data, Mapping):
        return DiffSummary()
    added: list[AssetKey] = []
    modified: list[AssetKey] = []
    removed: list[AssetKey] = []
    for repo in data.get("repositoryDiffs") or ():
        added += [key_of(k, "addedAssets") for k in repo.get("addedAssets") or ()]
        modified += [key_of(k, "modifiedAssets") for k in repo.get("modifiedAssets") or ()]
        removed += [key_of(k, "removedAssets") for k in repo.get("removedAssets") or ()]
    return DiffSummary(added=tuple(added), removed=tuple(removed), modified=tuple(modified))


def history_entry(entry: Mapping[str, Any]) -> LocationLoad:
    where = "locationLoadHistory"
    status_text = str(need(entry, "loadStatus", where))
    status = LoadStatus.ERROR if status_text == "ERROR" else LoadStatus.LOADED
    error = entry.get("error")
    document = entry.get("configDocument")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            document = None
    trigger = entry.get("codeLocationUpdateTriggerTimestamp")
    return LocationLoad(
        location=str(need(entry, "locationName", where)),
        loaded_at=need_float(entry, "codeLocationDataUploadTimestamp", where),
        status=status,
        triggered_at=float(trigger) if isinstance(trigger, int | float) else None,
        document=document if isinstance(document, Mapping) else None,
        display_metadata=pairs(entry.get("displayMetadata")),
        summary=diff_summary(entry.get("diffSummary")),
        error=python_error_text(error) if isinstance(error, Mapping) else None,
    )


def location_history(data: Mapping[str, Any]) -> list[LocationLoad]:
    return [history_entry(e) for e in need_list(data, "locationLoadHistory", "data")]


def permissions(entries: Sequence[Any] | None) -> dict[str, bool]:
    return {
        str(p["permission"]): bool(p.get("value"))
        for p in entries or ()
        if isinstance(p, Mapping) and "permission" in p
    }


@dataclass(frozen=True)
class AssetDiffEntry:
    """One entry of `assetDiffHistory`: how one load changed one asset."""

    key: AssetKey
    location: str
    loaded_at: float
    change_types: tuple[ChangeType, ...]
    commit_hash: str | None = None
    previous_commit_hash: str | None = None
    details: Mapping[str, Any] | None = None  # the `changeDiff` object, as sent


def asset_diff_history(data: Mapping[str, Any]) -> list[AssetDiffEntry]:
    out: list[AssetDiffEntry] = []
    for entry in need_list(data, "assetDiffHistory", "data"):
        where = "assetDiffHistory"
        diff = entry.get("diffSinceLastLoad") if isinstance(entry, Mapping) else None
        names = diff.get("changeTypes") if isinstance(diff, Mapping) else None
        types = tuple(ChangeType(str(n)) for n in names or () if str(n) in ChangeType.__members__)
        out.append(
            AssetDiffEntry(
                key=key_of(need(entry, "assetKey", where), where),
                location=str(need(entry, "locationName", where)),
                loaded_at=need_float(entry, "codeLocationDataUploadTimestamp", where),
                change_types=types,
                commit_hash=entry.get("gitCommitHash"),
                previous_commit_hash=entry.get("lastLoadGitCommitHash"),
                details=(
                    diff.get("changeDiff")
                    if isinstance(diff, Mapping) and isinstance(diff.get("changeDiff"), Mapping)
                    else None
                ),
            )
        )
    return out
