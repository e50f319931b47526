"""How waitress treats slow, idle and oversized clients.

- A body over `MAX_BODY` is refused by waitress from its `Content-Length`
  before a byte of it is read, and a chunked one as soon as it passes the
  limit (`max_request_body_size`); the refusal is JSON like the
  application's own, and logged in one line.
- An idle connection is closed after `IDLE_SECONDS`; a request whose header
  and body take longer than `REQUEST_SECONDS` to arrive (a client dripping
  a byte now and then) is dropped.
- Idle connections cost a socket, not a worker thread; the limit on them is
  high enough that a few hundred half-open ones leave room for real clients.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from desktop_app.server.body import MAX_BODY

log = logging.getLogger("desktop_app.server.refused")

IDLE_SECONDS = 30
REQUEST_SECONDS = 10
CONNECTION_LIMIT = 500

# Keyword arguments for `waitress.create_server`.
WAITRESS_SETTINGS: dict[str, Any] = {
    # waitress refuses bodies of this size or more.
    "max_request_body_size": MAX_BODY + 1,
    "max_request_header_size": 64 * 1024,
    "recv_bytes": 64 * 1024,
    "channel_timeout": IDLE_SECONDS,
    "cleanup_interval": 1,
    "connection_limit": CONNECTION_LIMIT,
    "expose_tracebacks": False,
}


def client_of(addr: Any) -> str:
    if isinstance(addr, tuple) and addr:
        return f"{addr[0]}:{addr[1]}" if len(addr) > 1 else str(addr[0])
    return str(addr or "-")


class JsonErrorTask(ErrorTask):
    """waitress's own refusals (body too large, bad framing), answered as
    JSON `errors` and logged in one line."""

    def execute(self) -> None:
        error: Any = getattr(self.request, "error", None)
        message = f"{error.reason}: {error.body}"
        if error.code == 413:
            message = f"request body over {MAX_BODY // (1024 * 1024)} MB"
        log.warning("refused %s: %s %s", client_of(self.channel.addr), error.code, message)
        body = json.dumps({"errors": [{"message": message}]}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers = [*self.response_headers, ("Content-Type", "application/json")]
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class GuardedChannel(HTTPChannel):
    """waitress's channel with a deadline on receiving each request."""

    error_task_class = JsonErrorTask
    request_started = 0.0

    def received(self, data: bytes) -> bool:
        now = time.monotonic()
        if self.request is None:
            self.request_started = now
        accepted: bool = super().received(data)
        if (
            self.request is not None
            and not self.request.completed
            and now - self.request_started > REQUEST_SECONDS
        ):
            log.warning(
                "refused %s: request not received within %d s; connection closed",
                client_of(self.addr),
                REQUEST_SECONDS,
            )
            self.will_close = True
            return False
        return accepted
