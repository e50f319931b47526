"""The nesting bound counts brackets outside strings only, however the
body is cut into chunks: server text full of `[` and `{` (ANSI escapes,
JSON inside a string) is not nesting, and real nesting still is."""

from __future__ import annotations

import json
import random

import pytest

from desktop_app.api.transport import MAX_DEPTH, BracketDepth, NestingError, decode_json

TRICKY = ["\x1b[31m", "[[[{{{", '\\"[', "a\\\\", '"', "\\", "}]", "\u202e[", "x" * 50]


def _value(rng: random.Random, depth: int) -> object:
    kind = rng.randrange(4 if depth < 12 else 1)
    if kind == 0:
        return "".join(rng.choice(TRICKY) for _ in range(rng.randrange(4)))
    if kind == 1:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 2:
        return {
            rng.choice(TRICKY) + str(n): _value(rng, depth + 1) for n in range(rng.randrange(4))
        }
    return rng.randrange(100)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@pytest.mark.parametrize("seed", range(40))
def test_the_depth_is_that_of_the_structure_whatever_the_chunks(seed: int) -> None:
    rng = random.Random(seed)
    value = _value(rng, 0)
    body = json.dumps(value).encode()
    tracker = BracketDepth()
    deepest = 0
    at = 0
    while at < len(body):
        size = rng.choice((1, 2, 3, 7, 64))
        tracker.feed(body[at : at + size])
        at += size
        deepest = max(deepest, tracker.depth)
    assert tracker.depth == 0
    assert deepest <= _depth(value)


def test_brackets_in_strings_do_not_count_but_real_nesting_does() -> None:
    names = [f"loc\x1b[31m{n}\u202e{{[" for n in range(2 * MAX_DEPTH)]
    body = json.dumps({"data": {"names": names}}).encode()
    assert decode_json(body) == {"data": {"names": names}}
    big = json.dumps({"data": {"names": names * 400}}).encode()  # parsed incrementally
    assert decode_json(big) == {"data": {"names": names * 400}}
    deep = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    with pytest.raises(NestingError):
        decode_json(deep)
    with pytest.raises(NestingError):
        decode_json(b'{"a": "' + b"x" * 300_000 + b'", "b": ' + deep + b"}")
