"""What the strings of a location document may hold.

Location names, image references and commits end up in window titles,
terminals, logs and every client's poll, so they are held to the shapes
they really have: a location name as Dagster+ allows it (letters, digits,
`_` and `-`), an image reference in the characters of a container image
reference, a commit as hex of 7 to 64 digits. Every other string has a
bounded length and no control or format characters (ANSI escapes, NUL,
newlines, bidirectional overrides), nor blanks at either end. A problem is
one sentence naming the field; the value itself is never echoed whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

MAX_NAME = 128
MAX_IMAGE = 512
MAX_TEXT = 1024
MAX_URL = 2048
MAX_DOCUMENT_BYTES = 64 * 1024

LOCATION_NAME = re.compile(r"[A-Za-z0-9_-]+")
# registry[:port]/path[:tag][@algorithm:digest], loosely: the characters only.
IMAGE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]*")
COMMIT_HASH = re.compile(r"[0-9A-Fa-f]{7,64}")
PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]+")
# Characters that are not text: controls, format characters (bidi
# overrides, zero-width joiners), surrogates, private use, unassigned.
_NOT_TEXT = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _preview(value: str) -> str:
    if len(value) > 40:
        return f"{len(value):,} characters starting {value[:20]!a}"
    return ascii(value)


def location_name_problem(name: str, field: str = "location_name") -> str | None:
    if len(name) > MAX_NAME or not LOCATION_NAME.fullmatch(name):
        return (
            f"{field}: use letters, digits, '_' and '-' only, at most {MAX_NAME} characters "
            f"(got {_preview(name)})"
        )
    return None


def image_problem(image: str, field: str = "image") -> str | None:
    if len(image) > MAX_IMAGE or not IMAGE_REFERENCE.fullmatch(image):
        return (
            f"{field}: not an image reference (letters, digits and . _ / : @ + -, "
            f"at most {MAX_IMAGE} characters; got {_preview(image)})"
        )
    return None


def commit_problem(commit: str, field: str = "git.commit_hash") -> str | None:
    if not COMMIT_HASH.fullmatch(commit):
        return f"{field}: a commit is 7 to 64 hex digits (got {_preview(commit)})"
    return None


def text_problem(
    value: str, field: str, limit: int = MAX_TEXT, *, free_form: bool = False
) -> str | None:
    """Any string: bounded, without control characters or outer blanks.
    `free_form` text (inside container_context, build) may hold tabs and
    newlines and blanks at its ends."""
    if len(value) > limit:
        return f"{field}: at most {limit:,} characters (got {len(value):,})"
    if not value.isprintable():
        allowed = "\t\n" if free_form else ""
        bad = next(
            (
                c
                for c in value
                if c not in allowed
                and (unicodedata.category(c) in _NOT_TEXT or c in "\u2028\u2029")
            ),
            None,
        )
        if bad is not None:
            return (
                f"{field}: control or format character U+{ord(bad):04X} is not allowed "
                f"(got {_preview(value)})"
            )
    if not free_form and value != value.strip():
        return f"{field}: no blanks at the start or end (got {_preview(value)})"
    return None


def string_problems(document: Mapping[str, Any], size: int) -> list[str]:
    """Problems with the strings of a document whose types are right;
    `size` is the length of its JSON text."""
    problems: list[str] = []
    if size > MAX_DOCUMENT_BYTES:
        problems.append(
            f"document: at most {MAX_DOCUMENT_BYTES // 1024} KB of JSON (got {size:,} bytes)"
        )
    checks: list[str | None] = []
    name = document.get("location_name")
    if isinstance(name, str) and name.strip():
        checks.append(location_name_problem(name))
    image = document.get("image")
    if isinstance(image, str):
        checks.append(image_problem(image))
    git = document.get("git")
    if isinstance(git, Mapping):
        commit = git.get("commit_hash")
        if isinstance(commit, str):
            checks.append(commit_problem(commit))
        for key, value in sorted(git.items()):
            if key != "commit_hash" and isinstance(value, str):
                limit = MAX_URL if key == "url" else MAX_TEXT
                checks.append(text_problem(value, f"git.{field_key(str(key))}", limit))
    source = document.get("code_source")
    if isinstance(source, Mapping):
        checks.extend(
            text_problem(value, f"code_source.{field_key(str(key))}")
            for key, value in sorted(source.items())
            if isinstance(value, str)
        )
    checks.extend(
        text_problem(value, field_key(str(key)))
        for key, value in sorted(document.items())
        if key not in ("location_name", "image") and isinstance(value, str)
    )
    problems.extend(p for p in checks if p is not None)
    problems.extend(
        _nested_problems(
            document, ("container_context", "build", "pex_metadata", "defs_state_info")
        )
    )
    return problems


def field_key(key: str) -> str:
    """A key as it may appear in a field path."""
    if len(key) <= 64 and PLAIN_KEY.fullmatch(key):
        return key
    return f"[{_preview(key)}]"


def _nested_problems(document: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    """Keys and strings inside free-form objects: bounded, no control characters."""
    problems: list[str] = []
    stack: list[tuple[str, Any]] = [(k, document.get(k)) for k in keys]
    while stack and len(problems) < 5:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value, path, free_form=True)
            if problem is not None:
                problems.append(problem)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                key_problem = text_problem(str(key), f"{path} key")
                if key_problem is not None:
                    problems.append(key_problem)
                stack.append((f"{path}.{field_key(str(key))}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return problems
