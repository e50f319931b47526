"""The request body: read within its limit and decoded as bounded JSON.

waitress refuses a body over the limit from its `Content-Length` (or, when
chunked, as soon as the limit is passed) before the application runs; see
`channel.py`. What reaches here is at most `MAX_BODY` bytes, and is refused
with a `BadBodyError` (one sentence, no codec or parser internals) when it
is not JSON, nests deeper than `MAX_JSON_DEPTH`, holds an integer of more
than `MAX_INT_DIGITS` digits, NaN or infinities, or a lone surrogate.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BODY = 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_INT_DIGITS = 20


class BadBodyError(ValueError):
    """The body is not a GraphQL request we accept; the message says why."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadBodyError(
            f"an integer of {len(text.lstrip('-'))} digits; at most {MAX_INT_DIGITS} are accepted"
        )
    return int(text)


def _parse_constant(name: str) -> Any:
    raise BadBodyError(f"{name} is not a JSON number")


def decode(body: bytes) -> Any:
    """The JSON value of `body`; raises `BadBodyError`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBodyError(f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)
    except RecursionError:
        raise BadBodyError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise BadBodyError(
            f"malformed JSON body: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Depth and strings of a decoded value, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                _check_text(item)
            continue
        if isinstance(item, dict):
            children: Any = (*item.keys(), *item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadBodyError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadBodyError(
            f"a string holds a lone surrogate (\\u{ord(text[exc.start]):04x}), "
            "which is not Unicode text"
        ) from None
