"""How core values are written into cache columns and read back."""

from __future__ import annotations

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


def mask_to_types(mask: int) -> tuple[ChangeType, ...]:
    return tuple(change for change in CHANGE_ORDER if mask & _BITS[change])


def key_to_text(key: AssetKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def key_from_text(text: str) -> AssetKey:
    return tuple(json.loads(text))


def definition_hash(definition: AssetDefinition) -> bytes:
    return bytes.fromhex(definition.content_hash())


def encode_definition(definition: AssetDefinition) -> bytes:
    return zlib.compress(definition.canonical_json().encode(), 6)


def decode_definition(body: bytes) -> AssetDefinition:
    return AssetDefinition.from_json(json.loads(zlib.decompress(body)))


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
