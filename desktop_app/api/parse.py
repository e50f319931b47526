"""Parsing GraphQL answers into core types, through the declared shape.

Every field is read with a typed accessor of `shape`, so an answer that
lacks a field the app uses, or holds one of the wrong type or an unusable
value, raises `BadResponse` naming that field; extra fields are ignored.
Metadata is normalised so that every server describing the same definition
yields the same `AssetDefinition` (and content hash): JSON strings are
parsed and integers come from `intRepr`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.api import shape
from desktop_app.api.errors import BadResponse, ServerError, Unauthorized
from desktop_app.api.shape import at, items, need, opt_items, opt_obj, opt_text, text
from desktop_app.core.assets import (
    AssetDefinition,
    AssetKey,
    MetadataValue,
    PartitionDimension,
    PartitionsDefinition,
)
from desktop_app.core.diff import ChangeType, DiffSummary
from desktop_app.core.loads import LoadStatus, LocationLoad

MAX_KEY_PARTS = 64


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


MAX_NAME = 256
"""Longest location name accepted (Dagster+ allows far less): a name is a
key of the cache and is shown everywhere, and one 1 MB name turned every
poll into a megabyte."""


def location_name(node: Any, key: str, where: str) -> str:
    name = text(node, key, where)
    if not name or len(name) > MAX_NAME:
        raise BadResponse(
            f"The server's answer has an unusable location name in {where}.{key} "
            f"({len(name)} characters)."
        )
    return name


def need_list(obj: Any, key: str, where: str) -> list[Any]:
    return items(obj, key, where)


def need_float(obj: Any, key: str, where: str) -> float:
    return shape.number(need(obj, key, where), at(where, key))


def check_union(result: Any, where: str, expected: str) -> Mapping[str, Any]:
    """Turn an error member of a GraphQL union into the matching ApiError."""
    typename = text(result, "__typename", where)
    if typename == expected:
        return shape.obj(result, where)
    message = opt_text(result, "message", where) or typename
    if typename == "UnauthorizedError":
        raise Unauthorized(f"Not allowed: {message}")
    if typename == "PythonError":
        raise ServerError(f"The server failed: {first_line(message)}")
    raise BadResponse(f"Unexpected {typename} in {where}: {first_line(message)}")


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def key_of(obj: Any, where: str) -> AssetKey:
    path = items(obj, "path", where)
    if not path or len(path) > MAX_KEY_PARTS:
        raise BadResponse(f"The server's answer has a malformed {where}.path (length {len(path)}).")
    for part in path:
        if not isinstance(part, str):
            raise shape.malformed(f"{where}.path", "a list of strings", part)
    return tuple(path)


def pairs(entries: Any, where: str = "entries") -> dict[str, str]:
    """`[{key, value}]` (display metadata, tags) as a dict."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise shape.malformed(where, "a list", entries)
    out: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, dict) and "key" in entry:
            out[text(entry, "key", where)] = opt_text(entry, "value", where) or ""
        elif not isinstance(entry, dict):
            raise shape.malformed(f"{where}[]", "an object", entry)
    return out


def _messages(links: Any, where: str, inner: str | None) -> list[str]:
    out: list[str] = []
    for link in links or ():
        node = link.get(inner) if inner and isinstance(link, dict) else link
        if isinstance(node, dict):
            message = opt_text(node, "message", where)
            if message:
                out.append(message)
    return out


def python_error_text(error: Mapping[str, Any], where: str = "error") -> str:
    """The real cause of a load failure: the innermost of `causes` or
    `errorChain` (Dagster wraps a SyntaxError in DagsterUserCodeLoadError)."""
    messages = _messages(opt_items(error, "causes", where), where, None)
    if not messages:
        messages = _messages(opt_items(error, "errorChain", where), where, "error")
    text_ = messages[-1] if messages else (opt_text(error, "message", where) or "")
    return text_.strip() or "Unknown error"


def metadata_value(entry: Mapping[str, Any], where: str = "metadataEntries[]") -> MetadataValue:
    typename = opt_text(entry, "__typename", where) or "Unknown"
    kind = typename.removesuffix("MetadataEntry")
    rest = {k: v for k, v in entry.items() if k not in ("__typename", "label", "description")}
    if kind == "Null":
        return MetadataValue("Null", None)
    if kind == "Int":
        repr_ = rest.get("intRepr")
        value = rest.get("intValue")
        if isinstance(repr_, str):
            try:
                return MetadataValue("Int", int(repr_))
            except ValueError:
                pass
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return MetadataValue("Int", value)
        raise shape.malformed(at(where, "intValue"), "an integer", value)
    if kind == "Float":
        value = rest.get("floatValue")
        if value is None:
            value = rest.get("floatRepr")
        return MetadataValue("Float", shape.free_json(value, at(where, "floatValue")))
    if kind == "Json":
        raw = rest.get("jsonString")
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else raw
        except (ValueError, RecursionError):
            parsed = raw
        return MetadataValue("Json", shape.free_json(parsed, at(where, "jsonString")))
    if kind == "Asset":
        asset = rest.get("assetKey")
        if isinstance(asset, dict):
            return MetadataValue("Asset", "/".join(key_of(asset, at(where, "assetKey"))))
    for value in rest.values():
        if isinstance(value, dict | list | float):
            shape.free_json(rest, where)
            break
    if len(rest) == 1:
        return MetadataValue(kind, next(iter(rest.values())))
    return MetadataValue(kind, rest or None)


def partitions_of(data: Any, where: str = "partitionDefinition") -> PartitionsDefinition | None:
    if data is None:
        return None
    data = shape.obj(data, where)
    dims = []
    for d in opt_items(data, "dimensionTypes", where):
        d = shape.obj(d, f"{where}.dimensionTypes[]")
        dims.append(
            PartitionDimension(
                name=opt_text(d, "name", where) or "",
                type=opt_text(d, "type", where) or "",
                description=opt_text(d, "description", where) or "",
                dynamic_name=opt_text(d, "dynamicPartitionsDefinitionName", where),
            )
        )
    return PartitionsDefinition(
        type=text(data, "type", where),
        description=opt_text(data, "description", where) or "",
        name=opt_text(data, "name", where),
        fmt=opt_text(data, "fmt", where),
        dimensions=tuple(dims),
    )


_NODE = "assetNode"
_NODE_KEY = "assetNode.assetKey"
_NODE_TAGS = "assetNode.tags"
_NODE_META = "assetNode.metadataEntries[]"
_NODE_DEPS = "assetNode.dependencyKeys[]"
_NODE_PARTITIONS = "assetNode.partitionDefinition"


def asset_definition(node: Mapping[str, Any]) -> AssetDefinition:
    """One asset node. The hot path of a large location (thousands of nodes),
    so field paths are constants; `at_entry` names the node on failure."""
    node = shape.obj(node, _NODE)
    key = key_of(need(node, "assetKey", _NODE), _NODE_KEY)
    metadata: dict[str, MetadataValue] = {}
    for e in opt_items(node, "metadataEntries", _NODE):
        if isinstance(e, dict) and "label" in e:
            metadata[text(e, "label", _NODE_META)] = metadata_value(e, _NODE_META)
    deps = opt_items(node, "dependencyKeys", _NODE)
    partitions = node.get("partitionDefinition")
    return AssetDefinition(
        key=key,
        code_version=opt_text(node, "opVersion", _NODE),
        tags=pairs(node.get("tags"), _NODE_TAGS),
        metadata=metadata,
        dependencies=frozenset(key_of(d, _NODE_DEPS) for d in deps) if deps else frozenset(),
        partitions=partitions_of(partitions, _NODE_PARTITIONS) if partitions else None,
        description=opt_text(node, "description", _NODE),
    )


def at_entry(exc: BadResponse, generic: str, specific: str) -> BadResponse:
    """`exc` with the generic path of its field made specific (which entry)."""
    return BadResponse(exc.message.replace(generic, specific, 1))


def location_statuses(data: Mapping[str, Any]) -> list[LocationStatus]:
    where = "locationStatusesOrError"
    result = check_union(need(data, where, "data"), where, "WorkspaceLocationStatusEntries")
    out: list[LocationStatus] = []
    seen: set[str] = set()
    for i, e in enumerate(items(result, "entries", where)):
        here = f"{where}.entries[{i}]"
        status = LocationStatus(
            name=location_name(e, "name", here),
            load_status=text(e, "loadStatus", here),
            update_timestamp=shape.timestamp(e, "updateTimestamp", here),
            version_key=text(e, "versionKey", here),
        )
        if status.name in seen:
            raise BadResponse(f"The server's answer names location {status.name!r} twice.")
        seen.add(status.name)
        out.append(status)
    return out


def location_entry(data: Mapping[str, Any]) -> LocationEntry | None:
    where = "workspaceLocationEntryOrError"
    raw = need(data, where, "data")
    if raw is None:
        return None  # unknown location: the webserver answers null, no error
    entry = check_union(raw, where, "WorkspaceLocationEntry")
    located = opt_obj(entry, "locationOrLoadError", where)
    definitions: dict[AssetKey, AssetDefinition] | None = None
    error = None
    inner = f"{where}.locationOrLoadError"
    if located is not None and located.get("__typename") == "PythonError":
        error = python_error_text(located, inner)
    elif located is not None:
        definitions = {}
        for r, repo in enumerate(items(located, "repositories", inner)):
            here = f"{inner}.repositories[{r}]"
            for n, node in enumerate(items(repo, "assetNodes", here)):
                try:
                    definition = asset_definition(node)
                except BadResponse as exc:
                    raise at_entry(exc, _NODE, f"{here}.assetNodes[{n}]") from None
                definitions[definition.key] = definition
    return LocationEntry(
        name=location_name(entry, "name", where),
        load_status=text(entry, "loadStatus", where),
        updated_at=shape.timestamp(entry, "updatedTimestamp", where),
        version_key=text(entry, "versionKey", where),
        display_metadata=pairs(entry.get("displayMetadata"), f"{where}.displayMetadata"),
        definitions=definitions,
        error=error,
    )


def _keys(repo: Mapping[str, Any], name: str, where: str) -> list[AssetKey]:
    label = f"{where}.{name}[]"
    out: list[AssetKey] = []
    for k in opt_items(repo, name, where):
        # The common case checked inline (history pages hold 100,000 keys);
        # anything else goes through key_of, which names what is wrong.
        path = k.get("path") if type(k) is dict else None
        if type(path) is list and 0 < len(path) <= MAX_KEY_PARTS and _all_text(path):
            out.append(tuple(path))
        else:
            out.append(key_of(k, label))
    return out


def _all_text(parts: list[Any]) -> bool:
    return all(type(part) is str for part in parts)


def diff_summary(data: Any, where: str = "diffSummary") -> DiffSummary:
    if data is None:
        return DiffSummary()
    data = shape.obj(data, where)
    added: list[AssetKey] = []
    modified: list[AssetKey] = []
    removed: list[AssetKey] = []
    for repo in opt_items(data, "repositoryDiffs", where):
        repo = shape.obj(repo, f"{where}.repositoryDiffs[]")
        added += _keys(repo, "addedAssets", where)
        modified += _keys(repo, "modifiedAssets", where)
        removed += _keys(repo, "removedAssets", where)
    return DiffSummary(added=tuple(added), removed=tuple(removed), modified=tuple(modified))


_ENTRY = "locationLoadHistory[]"


def history_entry(entry: Mapping[str, Any], where: str = _ENTRY) -> LocationLoad:
    entry = shape.obj(entry, where)
    status_text = text(entry, "loadStatus", where)
    status = LoadStatus.ERROR if status_text == "ERROR" else LoadStatus.LOADED
    error = opt_obj(entry, "error", where)
    document: Any = entry.get("configDocument")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):
            document = None
    if document is not None and not isinstance(document, dict):
        document = None
    return LocationLoad(
        location=location_name(entry, "locationName", where),
        loaded_at=shape.timestamp(entry, "codeLocationDataUploadTimestamp", where),
        status=status,
        triggered_at=shape.opt_timestamp(entry, "codeLocationUpdateTriggerTimestamp", where),
        document=shape.free_json(document, f"{where}.configDocument"),
        display_metadata=pairs(entry.get("displayMetadata"), f"{where}.displayMetadata"),
        summary=diff_summary(entry.get("diffSummary"), f"{where}.diffSummary"),
        error=python_error_text(error, f"{where}.error") if error is not None else None,
    )


def location_history(data: Mapping[str, Any]) -> list[LocationLoad]:
    """One page of `locationLoadHistory`; a page naming one load time twice
    is refused (the cache keys loads by location and time)."""
    loads: list[LocationLoad] = []
    for i, e in enumerate(items(data, "locationLoadHistory", "data")):
        try:
            loads.append(history_entry(e))
        except BadResponse as exc:
            raise at_entry(exc, _ENTRY, f"locationLoadHistory[{i}]") from None
    seen: set[tuple[str, float]] = set()
    for load in loads:
        if (load.location, load.loaded_at) in seen:
            raise BadResponse(
                f"The server's answer lists the load of {load.location} at "
                f"{load.loaded_at!r} twice."
            )
        seen.add((load.location, load.loaded_at))
    return loads


def permissions(entries: Sequence[Any] | None, where: str = "permissions") -> dict[str, bool]:
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise shape.malformed(where, "a list", entries)
    out: dict[str, bool] = {}
    for p in entries:
        if isinstance(p, dict) and "permission" in p:
            out[text(p, "permission", where)] = p.get("value") is True
    return out


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


def asset_diff_entry(entry: Any, where: str) -> AssetDiffEntry:
    entry = shape.obj(entry, where)
    diff = opt_obj(entry, "diffSinceLastLoad", where)
    types: tuple[ChangeType, ...] = ()
    details = None
    if diff is not None:
        here = f"{where}.diffSinceLastLoad"
        names = opt_items(diff, "changeTypes", here)
        types = tuple(
            ChangeType(n) for n in names if isinstance(n, str) and n in ChangeType.__members__
        )
        details = shape.free_json(opt_obj(diff, "changeDiff", here), f"{here}.changeDiff")
    return AssetDiffEntry(
        key=key_of(need(entry, "assetKey", where), f"{where}.assetKey"),
        location=location_name(entry, "locationName", where),
        loaded_at=shape.timestamp(entry, "codeLocationDataUploadTimestamp", where),
        change_types=types,
        commit_hash=opt_text(entry, "gitCommitHash", where),
        previous_commit_hash=opt_text(entry, "lastLoadGitCommitHash", where),
        details=details,
    )


def asset_diff_history(data: Mapping[str, Any]) -> list[AssetDiffEntry]:
    where = "assetDiffHistory"
    return [asset_diff_entry(e, f"{where}[{i}]") for i, e in enumerate(items(data, where, "data"))]
