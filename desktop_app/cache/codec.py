"""How core values are written into cache columns and read back."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from desktop_app.core.assets import AssetDefinition, AssetKey
from desktop_app.core.diff import CHANGE_ORDER, ChangeType
from desktop_app.core.loads import DeployInfo
from desktop_app.core.roles import Role
from desktop_app.core.session import Capabilities, Viewer

_BITS = {change: 1 << i for i, change in enumerate(CHANGE_ORDER)}


def types_to_mask(types: Iterable[ChangeType]) -> int:
    mask = 0
    for change in types:
        mask |= _BITS[change]
    return mask


_TYPES_BY_MASK = [
    tuple(change for change in CHANGE_ORDER if mask & _BITS[change])
    for mask in range(1 << len(CHANGE_ORDER))
]


def mask_to_types(mask: int) -> tuple[ChangeType, ...]:
    if mask < 0:  # a negative index would read some other mask's types
        raise ValueError(f"change-type mask {mask} out of range")
    return _TYPES_BY_MASK[mask]


def key_to_text(key: AssetKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def key_from_text(text: str) -> AssetKey:
    return tuple(json.loads(text))


def keys_from_texts(rows: Iterable[tuple[int, str]]) -> dict[int, AssetKey]:
    """Many (id, key text) rows at once: one JSON parse for all of them,
    not one call per key (the history dialog's first open reads thousands)."""
    ids: list[int] = []
    texts: list[str] = []
    for ident, text in rows:
        ids.append(int(ident))
        texts.append(text)
    parsed = json.loads("[" + ",".join(texts) + "]") if texts else []
    return {ident: tuple(parts) for ident, parts in zip(ids, parsed, strict=True)}


HASH_BYTES = 16
"""Half a SHA-256 of the canonical form: ample for one deployment's
definitions, and a smaller unique index."""


def definition_hash(definition: AssetDefinition) -> bytes:
    return bytes.fromhex(definition.content_hash())[:HASH_BYTES]


# Field order of the fingerprint; the order `diff_definitions` reports in.
FINGERPRINT_FIELDS: tuple[tuple[str, ChangeType], ...] = (
    ("code_version", ChangeType.CODE_VERSION),
    ("dependencies", ChangeType.DEPENDENCIES),
    ("partitions", ChangeType.PARTITIONS_DEFINITION),
    ("tags", ChangeType.TAGS),
    ("metadata", ChangeType.METADATA),
)
_PART = 4


def fingerprint(definition: AssetDefinition) -> bytes:
    """A 4-byte digest per tracked field, so that the change types between two
    definitions are known without decoding them."""
    return _fingerprint_json(definition.to_json())


def _fingerprint_json(canonical: dict[str, Any]) -> bytes:
    out = b""
    for name, _change in FINGERPRINT_FIELDS:
        text = json.dumps(canonical[name], sort_keys=True, separators=(",", ":"))
        out += hashlib.sha256(text.encode()).digest()[:_PART]
    return out


def change_types_between(old: bytes, new: bytes) -> tuple[ChangeType, ...]:
    return tuple(
        change
        for index, (_name, change) in enumerate(FINGERPRINT_FIELDS)
        if old[index * _PART : (index + 1) * _PART] != new[index * _PART : (index + 1) * _PART]
    )


# Deflate with a preset dictionary of what every body repeats: small bodies
# compress far better with it.
_ZDICT = (
    b'null,{"kind":"Text","value":"{"kind":"Int","value":{"kind":"Json","value":'
    b'"dimensions":[{"description":"","dynamic_name":null,"name":"default","type":'
    b'"fmt":null,"name":null,"type":"STATIC"TIME_WINDOW"MULTIPARTITIONED"DYNAMIC"'
    b'"description":"Daily, starting ,"team":"dagster/kind/'
)


def encoded(definition: AssetDefinition) -> tuple[bytes, bytes, bytes]:
    """(definition_hash, encode_definition, fingerprint) of one definition,
    from one canonical form: what storing it needs."""
    data = definition.to_json()
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(canonical).digest()[:HASH_BYTES]
    return digest, _encode_json(data), _fingerprint_json(data)


def encode_definition(definition: AssetDefinition) -> bytes:
    """Compact JSON (fields by position, not by name), deflated."""
    return _encode_json(definition.to_json())


def _encode_json(data: dict[str, Any]) -> bytes:
    compact = [
        data["key"],
        data["code_version"],
        data["tags"],
        [[k, v["kind"], v["value"]] for k, v in data["metadata"].items()],
        data["dependencies"],
        data["partitions"],
        data["description"],
    ]
    text = json.dumps(compact, separators=(",", ":")).encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=_ZDICT)
    return packer.compress(text) + packer.flush()


def decode_definition(body: bytes) -> AssetDefinition:
    unpacker = zlib.decompressobj(-15, zdict=_ZDICT)
    key, version, tags, metadata, deps, partitions, description = json.loads(
        unpacker.decompress(body) + unpacker.flush()
    )
    return AssetDefinition.from_json(
        {
            "key": key,
            "code_version": version,
            "tags": tags,
            "metadata": {k: {"kind": kind, "value": value} for k, kind, value in metadata},
            "dependencies": deps,
            "partitions": partitions,
            "description": description,
        }
    )


def dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


def loads_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def deploy_to_text(deploy: DeployInfo) -> str:
    return json.dumps(asdict(deploy), sort_keys=True)


def deploy_from_text(text: str | None) -> DeployInfo:
    data = loads_json(text) or {}
    return DeployInfo(**{k: data.get(k) for k in DeployInfo.__dataclass_fields__})


def viewer_to_text(viewer: Viewer) -> str:
    return json.dumps(
        {
            "email": viewer.email,
            "role": viewer.role.name if viewer.role is not None else None,
            "location_roles": {k: r.name for k, r in viewer.location_roles.items()},
            "role_inferred": viewer.role_inferred,
        }
    )


def viewer_from_text(text: str) -> Viewer:
    data: Mapping[str, Any] = json.loads(text)
    role = data.get("role")
    return Viewer(
        email=data.get("email"),
        role=Role[role] if role else None,
        location_roles={k: Role[v] for k, v in (data.get("location_roles") or {}).items()},
        role_inferred=bool(data.get("role_inferred")),
    )


def capabilities_to_text(caps: Capabilities) -> str:
    return json.dumps(asdict(caps))


def capabilities_from_text(text: str) -> Capabilities:
    data = json.loads(text)
    return Capabilities(**{k: bool(data.get(k)) for k in Capabilities.__dataclass_fields__})
