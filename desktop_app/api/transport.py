"""HTTP transport for GraphQL: one `requests.Session`, timeouts, retries.

Queries are retried on 429, 502, 503 and 504, honouring a short
`Retry-After` (a longer one ends the attempt at once, saying so); mutations
never are (a deploy that timed out may well have happened).

What a server can make the client do is bounded: redirects are never
followed (the token header must not reach another origin); an answer is
read a chunk at a time, at most `max_bytes` after decompression, and the
whole request must finish within `deadline` seconds, not only each socket
read within `read_timeout`; JSON nests at most MAX_DEPTH deep; a round
can be given a request budget (`begin_round`).
Every request sent and every byte received is counted, so the benchmark can
report what a poll costs.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable, Mapping
from itertools import accumulate
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
import urllib3.exceptions

from desktop_app.api.deadline import Deadline, WatchedAdapter
from desktop_app.api.errors import (
    BadResponse,
    GraphQLError,
    ServerError,
    Unauthorized,
    Unreachable,
)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 10.0
"""A longer `Retry-After` is not waited for: the attempt ends, saying when
the server wants to be asked again (the poller's back-off takes over)."""
MAX_BYTES = 64 * 1024 * 1024
"""Largest answer accepted, after decompression: the largest real answer
(20,000 asset definitions) is about 16 MB."""
DEADLINE = 60.0
"""Seconds one request may take in all, however slowly the answer drips."""
MAX_DEPTH = 512
"""Deepest JSON nesting accepted; real answers nest about 10 deep."""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


_CHUNK = 16 * 1024
_DEPTH = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _DEPTH)


class NestingError(ValueError):
    pass


# An escape inside a JSON string: a backslash and the byte it escapes.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)


class BracketDepth:
    """The nesting depth of a JSON text fed a chunk at a time, counting
    brackets outside strings only (a name such as `\x1b[31m` opens
    nothing); NestingError as soon as it passes MAX_DEPTH. With escapes
    cut out, strings are what lies between quotes: every step is a bytes
    method, run in C, and a string may span chunks."""

    def __init__(self) -> None:
        self.depth = 0
        self._in_string = False
        self._escaped = False  # the last chunk ended on a backslash escaping the next byte

    def feed(self, chunk: bytes) -> None:
        if self._escaped and chunk:
            chunk = chunk[1:]
            self._escaped = False
        cleaned = _ESCAPE.sub(b"", chunk)
        if cleaned.endswith(b"\\"):  # escapes a byte of the next chunk
            cleaned = cleaned[:-1]
            self._escaped = True
        parts = cleaned.split(b'"')
        outside = parts[1::2] if self._in_string else parts[0::2]
        self.depth = nesting(b"".join(outside), self.depth)
        if len(parts) % 2 == 0:  # an odd number of quotes: in or out of a string
            self._in_string = not self._in_string


def nesting(brackets_text: bytes, depth: int = 0) -> int:
    """The bracket depth after `brackets_text` (JSON without its strings),
    starting at `depth`; NestingError when it passes MAX_DEPTH on the way
    (checked in C, and in detail only when the text holds enough opening
    brackets to get there)."""
    brackets = brackets_text.translate(None, _NOT_BRACKETS)
    opens = brackets.count(b"[") + brackets.count(b"{")
    if depth + opens > MAX_DEPTH:
        deepest = max(accumulate(map(_DEPTH.__getitem__, brackets), initial=depth))
        if deepest > MAX_DEPTH:
            raise NestingError(f"nested deeper than {MAX_DEPTH}")
    return depth + 2 * opens - len(brackets)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(body: bytes) -> Any:
    """Decode a JSON body, or None when it is not JSON (NaN and Infinity
    are not); NestingError when it nests deeper than MAX_DEPTH, found by a
    scan of the brackets before any value is built.

    orjson decodes several times faster than the standard library (answers
    were a sixth of a first sync's CPU; it reads an integer beyond 64 bits
    as a float, which the shape checks then judge); what it refuses goes to
    `json.loads`, which decides. Rounds run
    in the sync process, so a large body holding the interpreter for a few
    tens of milliseconds there never stalls the GUI thread."""
    try:
        BracketDepth().feed(body)
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        return json.loads(body, parse_constant=_no_constants)
    except RecursionError:
        raise NestingError("nested too deeply") from None
    except NestingError:
        raise
    except (ValueError, UnicodeDecodeError):
        return None


class Transport:
    """Posts GraphQL documents and returns their `data`, or raises an `ApiError`."""

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        deadline: float = DEADLINE,
        max_bytes: int = MAX_BYTES,
        retries: int = 3,
        retry_delay: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.host = urlsplit(url).netloc or url
        self.session = requests.Session()
        self.adapter = WatchedAdapter()
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)
        self.session.headers.update({"Content-Type": "application/json", **headers})
        self.timeout = (connect_timeout, read_timeout)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.retries = retries
        self.retry_delay = retry_delay
        self.sleep = sleep
        self.requests_sent = 0
        self.bytes_received = 0
        self.budget: int | None = None  # requests left in this round; None: unbounded

    def close(self) -> None:
        self.session.close()

    def begin_round(self, budget: int | None) -> None:
        """Allow at most `budget` more requests (None: no limit)."""
        self.budget = budget

    def execute(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        mutation: bool = False,
    ) -> dict[str, Any]:
        body = json.dumps({"query": document, "variables": dict(variables or {})})
        attempt = 0
        while True:
            status, headers, content = self._send(body)
            if status in RETRY_STATUSES and not mutation and attempt < self.retries:
                delay = parse_retry_after(headers.get("Retry-After"))
                if delay is not None and delay > MAX_RETRY_AFTER:
                    raise ServerError(
                        f"{self.host} is busy (HTTP {status}) and asks to wait "
                        f"{_seconds(delay)}; will try again later.",
                        status,
                    )
                if delay is None:
                    delay = self.retry_delay * (2**attempt)
                self.sleep(delay)
                attempt += 1
                continue
            return self._data(status, content)

    def _send(self, body: str) -> tuple[int, Mapping[str, str], bytes]:
        if self.budget is not None:
            if self.budget <= 0:
                raise BadResponse(
                    f"{self.host} needed more requests than one round may send; "
                    "stopped this round (will try again later)."
                )
            self.budget -= 1
        self.requests_sent += 1
        deadline = Deadline(self.adapter, self.deadline)
        with deadline.running():
            started = time.monotonic()
            try:
                response = self.session.post(
                    self.url, data=body, timeout=self.timeout, stream=True, allow_redirects=False
                )
            except requests.RequestException as exc:
                if deadline.expired:
                    raise self._overran() from None
                if isinstance(exc, requests.Timeout):
                    raise Unreachable(f"{self.host} did not answer in time.") from None
                raise Unreachable(f"Cannot reach {self.host} ({type(exc).__name__}).") from None
            with response:
                if response.is_redirect:
                    target = urlsplit(response.headers.get("Location", "")).netloc or "elsewhere"
                    raise BadResponse(
                        f"{self.host} redirects to {target}; not followed, so the token is not "
                        "sent there. Use the address it redirects to, if you trust it."
                    )
                content = self._read(response, started, deadline)
        self.bytes_received += len(content)
        return response.status_code, response.headers, content

    def _overran(self) -> Unreachable:
        return Unreachable(
            f"{self.host} did not finish its answer within {_seconds(self.deadline)}."
        )

    def _read(self, response: requests.Response, started: float, deadline: Deadline) -> bytes:
        """The body, decompressed, within max_bytes and the deadline."""
        too_big = f"{self.host} sent an answer larger than {self.max_bytes // 2**20} MB; refused."
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise BadResponse(too_big)
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                if time.monotonic() - started > self.deadline:
                    raise self._overran()
                chunk = response.raw.read1(_CHUNK, decode_content=True)
                if not chunk:
                    break
                total += len(chunk)
                if total > self.max_bytes:
                    raise BadResponse(too_big)
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline.expired:
                raise self._overran() from None
            if isinstance(exc, urllib3.exceptions.DecodeError):
                raise BadResponse(f"{self.host} sent an answer that does not decompress.") from None
            if isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError):
                raise Unreachable(f"{self.host} stopped sending its answer.") from None
            raise Unreachable(f"{self.host} broke off its answer ({type(exc).__name__}).") from None
        if deadline.expired:  # cut off: what was read may end anywhere
            raise self._overran()
        return b"".join(chunks)

    def _data(self, status: int, content: bytes) -> dict[str, Any]:
        if status in (401, 403):
            raise Unauthorized(
                f"{self.host} refused the API token (HTTP {status}); check the token."
            )
        try:
            payload = decode_json(content)
        except NestingError:
            raise BadResponse(f"{self.host} sent JSON nested too deeply; refused.") from None
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if errors:
            if not isinstance(errors, list):
                errors = [errors]
            messages = [
                str(e.get("message", e))[:500] if isinstance(e, dict) else str(e)[:500]
                for e in errors[:20]
            ]
            if any("unauthorized" in m.lower() for m in messages):
                raise Unauthorized(f"{self.host} refused the request: {messages[0]}")
            raise GraphQLError(f"{self.host} rejected the query: {messages[0]}", messages)
        if status in RETRY_STATUSES:
            raise ServerError(
                f"{self.host} is busy or unavailable (HTTP {status}); will try again later.",
                status,
            )
        if status >= 500:
            raise ServerError(f"{self.host} failed with HTTP {status}.", status)
        if status >= 400:
            raise BadResponse(f"{self.host} answered HTTP {status}; is the URL right?")
        if not isinstance(payload, dict):
            raise BadResponse(f"{self.host} did not answer with GraphQL JSON.")
        data = payload.get("data")
        if not isinstance(data, dict):
            raise BadResponse(f"{self.host} answered without data.")
        return data


def _seconds(value: float) -> str:
    if value >= 120:
        return f"{value / 60:.0f} min"
    return f"{value:.0f} s"
