"""Image manifests: what the code in an image defines, or the error it raises.

A manifest is JSON, either

    {"assets": [ASSET, ...]}      the asset definitions the image's code contains
    {"error": {"message": "...", "className": "...", "stack": ["..."]}}

where ASSET is the canonical form of `core.assets.AssetDefinition`:
``{"key": ["a", "b"], "code_version": "v1", "description": null,
"tags": {"team": "x"}, "metadata": {"rows": {"kind": "Int", "value": 5}},
"dependencies": [["raw", "orders"]], "partitions": null | {"type":
"TIME_WINDOW", "description": "Daily, starting 2024-01-01 UTC.", "fmt":
"%Y-%m-%d", "name": null, "dimensions": [{"name": "default", "type":
"TIME_WINDOW", "description": "", "dynamic_name": null}]}}``. This module
also renders a definition as the `AssetNode` Dagster returns.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from desktop_app.core.assets import AssetDefinition, key_to_str
from desktop_app.server.storage import (
    Storage,
    dumps,
    images,
    load_definitions,
    store_definitions,
)
from desktop_app.server.validation import image_problem

METADATA_KINDS = (
    "Text",
    "Int",
    "Float",
    "Bool",
    "Json",
    "Url",
    "Path",
    "Markdown",
    "Null",
    "Timestamp",
)
PARTITION_TYPES = ("TIME_WINDOW", "STATIC", "MULTIPARTITIONED", "DYNAMIC")
INT32 = 2**31


class ManifestError(ValueError):
    """A manifest that does not follow the format; the message names the spot."""


@dataclass(frozen=True)
class ImageContent:
    """A registered image: its definitions, or the error its code raises."""

    ref: str
    assets: tuple[AssetDefinition, ...] = ()
    error: Mapping[str, Any] | None = None
    # Content hashes parallel to `assets` when the caller already knows them
    # (bulk imports); computed on load otherwise.
    hashes: tuple[str, ...] | None = None

    def hashed(self) -> dict[str, AssetDefinition]:
        """The definitions by content hash."""
        if self.hashes is not None and len(self.hashes) == len(self.assets):
            return dict(zip(self.hashes, self.assets, strict=True))
        return {a.content_hash(): a for a in self.assets}


def python_error(
    message: str, class_name: str | None, stack: list[str] | None = None
) -> dict[str, Any]:
    """A `PythonError` object as the GraphQL schema shapes it."""
    return {
        "__typename": "PythonError",
        "message": message,
        "className": class_name,
        "stack": list(stack or []),
        "cause": None,
        "causes": [],
        "errorChain": [],
    }


def _check_metadata(where: str, metadata: Any) -> None:
    if not isinstance(metadata, Mapping):
        raise ManifestError(f"{where}.metadata must be an object")
    for label, entry in metadata.items():
        spot = f"{where}.metadata.{label}"
        if not isinstance(entry, Mapping) or entry.get("kind") not in METADATA_KINDS:
            kinds = ", ".join(METADATA_KINDS)
            raise ManifestError(f"{spot} needs a kind, one of {kinds}")
        kind, value = entry["kind"], entry.get("value")
        ok = {
            "Int": isinstance(value, int) and not isinstance(value, bool),
            "Float": isinstance(value, int | float) and not isinstance(value, bool),
            "Bool": isinstance(value, bool),
            "Null": value is None,
            "Timestamp": isinstance(value, int | float) and not isinstance(value, bool),
            "Json": True,
        }.get(kind, isinstance(value, str))
        if not ok:
            raise ManifestError(f"{spot}: {value!r} is not a valid {kind} value")


def _check_asset(index: int, data: Any) -> AssetDefinition:
    where = f"assets[{index}]"
    if not isinstance(data, Mapping):
        raise ManifestError(f"{where} must be an object")
    key = data.get("key")
    if not isinstance(key, list) or not key or not all(isinstance(p, str) and p for p in key):
        raise ManifestError(f"{where}.key must be a non-empty list of strings")
    tags = data.get("tags") or {}
    if not isinstance(tags, Mapping) or not all(isinstance(v, str) for v in tags.values()):
        raise ManifestError(f"{where}.tags must map strings to strings")
    _check_metadata(where, data.get("metadata") or {})
    deps = data.get("dependencies") or []
    if not isinstance(deps, list) or not all(
        isinstance(d, list) and d and all(isinstance(p, str) for p in d) for d in deps
    ):
        raise ManifestError(f"{where}.dependencies must be a list of keys (lists of strings)")
    code_version = data.get("code_version")
    if code_version is not None and not isinstance(code_version, str):
        raise ManifestError(f"{where}.code_version must be a string or null")
    partitions = data.get("partitions")
    if partitions is not None:
        if not isinstance(partitions, Mapping) or partitions.get("type") not in PARTITION_TYPES:
            raise ManifestError(
                f"{where}.partitions.type must be one of {', '.join(PARTITION_TYPES)}"
            )
        for dim in partitions.get("dimensions") or []:
            if not isinstance(dim, Mapping) or dim.get("type") not in PARTITION_TYPES:
                raise ManifestError(f"{where}.partitions.dimensions need a name and a type")
    try:
        return AssetDefinition.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{where}: {exc}") from None


def parse_manifest(ref: str, data: Any) -> ImageContent:
    """Validate a manifest; raise `ManifestError` naming the first problem."""
    if not isinstance(data, Mapping):
        raise ManifestError("a manifest is a JSON object with 'assets' or 'error'")
    unknown = sorted(set(data) - {"assets", "error"})
    if unknown:
        raise ManifestError(f"unknown manifest keys: {', '.join(unknown)}")
    if ("assets" in data) == ("error" in data):
        raise ManifestError("a manifest has exactly one of 'assets' and 'error'")
    if "error" in data:
        error = data["error"]
        if not isinstance(error, Mapping) or not isinstance(error.get("message"), str):
            raise ManifestError("error.message must be a string")
        stack = error.get("stack") or []
        if not isinstance(stack, list) or not all(isinstance(s, str) for s in stack):
            raise ManifestError("error.stack must be a list of strings")
        class_name = error.get("className")
        return ImageContent(
            ref=ref,
            error=python_error(error["message"], str(class_name) if class_name else None, stack),
        )
    assets = data["assets"]
    if not isinstance(assets, list):
        raise ManifestError("assets must be a list")
    parsed = tuple(_check_asset(i, a) for i, a in enumerate(assets))
    keys = [a.key for a in parsed]
    if len(set(keys)) != len(keys):
        dupes = sorted({key_to_str(k) for k in keys if keys.count(k) > 1})
        raise ManifestError(f"duplicate asset keys: {', '.join(dupes)}")
    return ImageContent(ref=ref, assets=parsed)


def register_image(storage: Storage, ref: str, manifest: Mapping[str, Any]) -> ImageContent:
    """Store (or replace) the manifest of image `ref`."""
    if not ref.strip():
        raise ManifestError("an image reference cannot be empty")
    problem = image_problem(ref, "image reference")
    if problem is not None:
        raise ManifestError(problem)
    content = parse_manifest(ref, manifest)
    hashed = content.hashed()
    # The image keeps only the content hashes of its definitions; each
    # definition is stored once, shared with other images and with loads.
    body = dumps({"hashes": list(hashed)}) if not content.error else None
    error = dumps(dict(content.error)) if content.error else None
    with storage.write() as conn:
        store_definitions(conn, hashed)
        conn.execute(delete(images).where(images.c.ref == ref))
        conn.execute(
            insert(images).values(ref=ref, manifest=body, error=error, registered_at=time.time())
        )
    return content


def image_content(conn: Connection, ref: str) -> ImageContent | None:
    row = conn.execute(select(images).where(images.c.ref == ref)).mappings().first()
    if row is None:
        return None
    if row["error"] is not None:
        return ImageContent(ref=ref, error=json.loads(row["error"]))
    manifest = json.loads(row["manifest"])
    hashes = manifest["hashes"]
    found = load_definitions(conn, hashes)
    return ImageContent(ref=ref, assets=tuple(found[h] for h in hashes), hashes=tuple(hashes))


# -- rendering definitions as Dagster asset nodes ---------------------------------------------


def _metadata_entry(label: str, kind: str, value: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "__typename": f"{kind}MetadataEntry",
        "label": label,
        "description": None,
    }
    if kind == "Int":
        whole = int(value)
        entry["intValue"] = whole if -INT32 <= whole < INT32 else None
        entry["intRepr"] = str(whole)
    elif kind == "Float":
        number = float(value)
        entry["floatValue"] = number if math.isfinite(number) else None
        entry["floatRepr"] = repr(number)
    elif kind == "Bool":
        entry["boolValue"] = bool(value)
    elif kind == "Json":
        entry["jsonString"] = json.dumps(value)
    elif kind == "Timestamp":
        entry["timestamp"] = float(value)
    elif kind != "Null":
        field_name = {"Text": "text", "Url": "url", "Path": "path", "Markdown": "mdStr"}[kind]
        entry[field_name] = str(value)
    return entry


def asset_node(definition: AssetDefinition, location: str) -> dict[str, Any]:
    """`definition` as the `AssetNode` Dagster's GraphQL returns."""
    partitions = None
    if definition.partitions is not None:
        p = definition.partitions
        dims = p.dimensions
        dimension_types = [
            {
                "name": d.name,
                "description": d.description,
                "type": d.type,
                "isPrimaryDimension": i == 0,
                "dynamicPartitionsDefinitionName": d.dynamic_name,
            }
            for i, d in enumerate(dims)
        ] or [
            {
                "name": "default",
                "description": "",
                "type": p.type,
                "isPrimaryDimension": True,
                "dynamicPartitionsDefinitionName": None,
            }
        ]
        partitions = {
            "description": p.description,
            "type": p.type,
            "dimensionTypes": dimension_types,
            "name": p.name,
            "fmt": p.fmt,
        }
    return {
        "id": f"{location}.__repository__.{key_to_str(definition.key)}",
        "assetKey": {"path": list(definition.key)},
        "dependencyKeys": [{"path": list(k)} for k in sorted(definition.dependencies)],
        "description": definition.description,
        "metadataEntries": [
            _metadata_entry(label, entry.kind, entry.value)
            for label, entry in definition.metadata.items()
        ],
        "tags": [{"key": k, "value": v} for k, v in sorted(definition.tags.items())],
        "opVersion": definition.code_version,
        "partitionDefinition": partitions,
    }
