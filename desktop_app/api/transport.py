"""HTTP transport for GraphQL: one `requests.Session`, timeouts, retries.

Queries are retried on 429, 502, 503 and 504, honouring `Retry-After`;
mutations never are (a deploy that timed out may well have happened).
Every request sent and every byte received is counted, so the benchmark can
report what a poll costs.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import ijson
import requests

from desktop_app.api.errors import (
    BadResponse,
    GraphQLError,
    ServerError,
    Unauthorized,
    Unreachable,
)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 30.0


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


# Bodies above this are parsed incrementally (see `decode_json`).
STREAM_PARSE_BYTES = 256 * 1024
_CHUNK = 16 * 1024


class _ChunkReader:
    """A file whose `read` is Python code, so the parser returns to the
    interpreter (and can hand the GIL over) between chunks."""

    def __init__(self, body: bytes) -> None:
        self._view = memoryview(body)
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else self._at + size
        chunk = self._view[self._at : end].tobytes()
        self._at += len(chunk)
        return chunk


def decode_json(body: bytes) -> Any:
    """Decode a JSON body, or None when it is not JSON.

    `json.loads` holds the GIL for the whole body: about 150 ms for the
    4 MB asset list of a 5,000-asset location, a visible freeze of the GUI
    thread while a sync runs. ijson parses large bodies a chunk at a time,
    so no single step holds the GIL for more than a few milliseconds."""
    try:
        if len(body) < STREAM_PARSE_BYTES:
            return json.loads(body)
        return next(ijson.items(_ChunkReader(body), "", buf_size=_CHUNK, use_float=True))
    except (ValueError, ijson.JSONError, StopIteration, UnicodeDecodeError):
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
        retries: int = 3,
        retry_delay: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.host = urlsplit(url).netloc or url
        self.session = requests.Session()
        self.session.headers.update({"Content-Type": "application/json", **headers})
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.retry_delay = retry_delay
        self.sleep = sleep
        self.requests_sent = 0
        self.bytes_received = 0

    def close(self) -> None:
        self.session.close()

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
            response = self._send(body)
            status = response.status_code
            if status in RETRY_STATUSES and not mutation and attempt < self.retries:
                delay = parse_retry_after(response.headers.get("Retry-After"))
                if delay is None:
                    delay = self.retry_delay * (2**attempt)
                self.sleep(min(delay, MAX_RETRY_AFTER))
                attempt += 1
                continue
            return self._data(response)

    def _send(self, body: str) -> requests.Response:
        self.requests_sent += 1
        try:
            response = self.session.post(self.url, data=body, timeout=self.timeout)
        except requests.Timeout:
            raise Unreachable(f"{self.host} did not answer in time.") from None
        except requests.RequestException as exc:
            raise Unreachable(f"Cannot reach {self.host} ({type(exc).__name__}).") from None
        self.bytes_received += len(response.content)
        return response

    def _data(self, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        if status in (401, 403):
            raise Unauthorized(
                f"{self.host} refused the API token (HTTP {status}); check the token."
            )
        payload = decode_json(response.content)
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if errors:
            messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
            if any("unauthorized" in m.lower() for m in messages):
                raise Unauthorized(f"{self.host} refused the request: {messages[0]}")
            raise GraphQLError(f"{self.host} rejected the query: {messages[0]}", messages)
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
