"""The declared shape of GraphQL answers: typed accessors that check as they read.

Every parser in `parse` reads the decoded JSON only through these
functions, so a field of the wrong type, a missing required field or a
value the app cannot use (a timestamp that is not finite, or outside any
sane range) raises `BadResponse` naming the field, e.g. "The server's
answer has a malformed locationLoadHistory[3].codeLocationDataUploadTimestamp
(expected a timestamp, got str)". Paths are built only when something is
wrong, so a well-formed 5,000-asset answer costs one `isinstance` per field.

`guarded` is the last line at the edge: whatever a parser still trips over
becomes `BadResponse` too, never an uncaught exception.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from desktop_app.api.errors import BadResponse
from desktop_app.core.untrusted import MAX_TIMESTAMP, MIN_TIMESTAMP

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_JSON_DEPTH = 64
"""Free-form JSON the app keeps (location documents, metadata, change
details) nests at most this deep; deeper is refused, not recursed into."""


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def malformed(where: str, expected: str, value: Any) -> BadResponse:
    return BadResponse(
        f"The server's answer has a malformed {where} (expected {expected}, got {_kind(value)})."
    )


def at(where: str, key: str | int) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"


def obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise malformed(where, "an object", value)
    return value


def need(node: Any, key: str, where: str) -> Any:
    """`node[key]` of an object, or BadResponse naming what is missing."""
    if not isinstance(node, dict):
        raise malformed(where, "an object", node)
    if key not in node:
        raise BadResponse(f"The server's answer lacks {where}.{key}.")
    return node[key]


def opt(node: Mapping[str, Any], key: str) -> Any:
    return node.get(key)


def text(node: Any, key: str, where: str) -> str:
    """A required scalar read as text (GraphQL String or ID)."""
    value = need(node, key, where)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise malformed(at(where, key), "a string", value)


def opt_text(node: Mapping[str, Any], key: str, where: str) -> str | None:
    value = node.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise malformed(at(where, key), "a string", value)


def items(node: Any, key: str, where: str) -> list[Any]:
    """A required list."""
    value = need(node, key, where)
    if not isinstance(value, list):
        raise malformed(at(where, key), "a list", value)
    return value


def opt_items(node: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """An optional list: null or absent reads as empty."""
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise malformed(at(where, key), "a list", value)
    return value


def opt_obj(node: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any] | None:
    value = node.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise malformed(at(where, key), "an object", value)


def number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise malformed(where, "a number", value)
    try:
        result = float(value)
    except (ValueError, OverflowError):
        raise malformed(where, "a number", value) from None
    if not math.isfinite(result):
        raise BadResponse(f"The server's answer has a non-finite {where}.")
    return result


def timestamp_value(value: Any, where: str) -> float:
    result = number(value, where)
    if not MIN_TIMESTAMP <= result <= MAX_TIMESTAMP:
        raise BadResponse(
            f"The server's answer has an impossible time in {where} ({result:.6g})."
        )
    return result


def timestamp(node: Any, key: str, where: str) -> float:
    """A required POSIX time in seconds: finite, between 1970 and 3000."""
    return timestamp_value(need(node, key, where), at(where, key))


def opt_timestamp(node: Mapping[str, Any], key: str, where: str) -> float | None:
    value = node.get(key)
    return None if value is None else timestamp_value(value, at(where, key))


def free_json(value: Any, where: str, depth: int = 0) -> Any:
    """Free-form JSON kept as is, once checked to nest at most MAX_JSON_DEPTH
    deep and to hold only finite numbers."""
    if depth > MAX_JSON_DEPTH:
        raise BadResponse(f"The server's answer nests too deeply in {where}.")
    if isinstance(value, dict):
        for item in value.values():
            if isinstance(item, dict | list | float):
                free_json(item, where, depth + 1)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list | float):
                free_json(item, where, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadResponse(f"The server's answer has a non-finite number in {where}.")
    return value


def guarded(what: str, parser: Callable[[Any], T], data: Any) -> T:
    """`parser(data)`, with any failure a malformed answer can cause turned
    into BadResponse: the typed accessors name the field; this catches what
    they do not foresee, so no answer ever ends a round with a traceback."""
    try:
        return parser(data)
    except BadResponse:
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, OverflowError,
            RecursionError) as exc:  # fmt: skip
        log.warning("malformed answer to %s: %r", what, exc)
        raise BadResponse(
            f"The server's answer to {what} is malformed ({type(exc).__name__})."
        ) from None
