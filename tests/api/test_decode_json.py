"""Responses decode exactly as `json.loads` would, whichever parser takes
them, and what is not JSON is None."""

from __future__ import annotations

import json

import pytest

from desktop_app.api.transport import decode_json


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


def test_integers_beyond_64_bits_and_constants() -> None:
    big = decode_json(b'{"data": {"big": 1000000000000000000000000000000}}')
    assert big["data"]["big"] == pytest.approx(1e30)  # a number; the shape checks judge it
    assert decode_json(b'{"data": {"a": NaN}}') is None
    assert decode_json(b'{"data": {"a": Infinity}}') is None
    assert decode_json(b'{"data": {"a": "\\u00e9 \\ud83d\\ude00"}}') == {"data": {"a": "é 😀"}}
