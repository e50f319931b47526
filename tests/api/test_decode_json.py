"""Large responses are parsed incrementally and must decode exactly as
`json.loads` would."""

from __future__ import annotations

import json

from desktop_app.api.transport import STREAM_PARSE_BYTES, decode_json


def _big_body() -> tuple[bytes, object]:
    value = {
        "data": {
            "nodes": [
                {
                    "assetKey": {"path": ["raw", f"asset_{i}"]},
                    "opVersion": None if i % 3 else str(i),
                    "floatValue": i / 7,
                    "intRepr": str(2**40 + i),
                    "boolValue": i % 2 == 0,
                    "text": "ünïcode ✓ " * 5,
                }
                for i in range(3000)
            ]
        }
    }
    body = json.dumps(value).encode()
    assert len(body) > STREAM_PARSE_BYTES
    return body, value


def test_a_large_body_decodes_like_json_loads() -> None:
    body, value = _big_body()
    decoded = decode_json(body)
    assert decoded == value
    assert isinstance(decoded["data"]["nodes"][1]["floatValue"], float)


def test_a_truncated_large_body_is_not_json() -> None:
    body, _ = _big_body()
    assert decode_json(body[:-10]) is None


def test_small_bodies_and_garbage() -> None:
    assert decode_json(b'{"data": {"a": 1.5}}') == {"data": {"a": 1.5}}
    assert decode_json(b"<html>Bad gateway</html>") is None
    assert decode_json(b"\xff\xfe") is None
