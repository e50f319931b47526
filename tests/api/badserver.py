"""A tiny HTTP server on 127.0.0.1 that answers with scripted responses,
for failures the real servers cannot be made to produce (500, bad JSON,
429 with Retry-After)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """`drip`: seconds to wait between `drip_size`-byte pieces of the body
    (a slow server); `length`: the Content-Length to declare, if not the
    body's own."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip: float = 0.0
    drip_size: int = 1
    length: int | None = None
    drip_headers: bool = False  # drip the status line and headers too


Answer = Reply | Callable[[dict[str, str], bytes], Reply]
"""A fixed reply, or one computed from the request (headers, body)."""


def forward_to(url: str) -> Callable[[dict[str, str], bytes], Reply]:
    """An answer that passes the request on to a real server."""
    import requests

    def answer(headers: dict[str, str], body: bytes) -> Reply:
        keep = {k: v for k, v in headers.items() if k.lower().startswith("dagster")}
        keep["Content-Type"] = "application/json"
        response = requests.post(url, data=body, headers=keep, timeout=30)
        return Reply(response.status_code, response.content, {"Content-Type": "application/json"})

    return answer


class ScriptedServer:
    """Answers each POST with the next scripted answer (the last repeats)."""

    def __init__(self, replies: list[Answer]) -> None:
        self.replies = list(replies)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.requests.append((dict(self.headers), body))
                answer = server.replies.pop(0) if len(server.replies) > 1 else server.replies[0]
                reply = answer if isinstance(answer, Reply) else answer(dict(self.headers), body)
                if reply.drip_headers:
                    head = f"HTTP/1.1 {reply.status} OK\r\n" + "X-Slow: yes\r\n" * 1000
                    for at in range(len(head)):
                        if server.stopping.wait(reply.drip):
                            return
                        try:
                            self.wfile.write(head[at].encode())
                            self.wfile.flush()
                        except OSError:
                            return  # the client gave up
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                length = len(reply.body) if reply.length is None else reply.length
                self.send_header("Content-Length", str(length))
                self.end_headers()
                if not reply.drip:
                    self.wfile.write(reply.body)
                    return
                for at in range(0, len(reply.body), reply.drip_size):
                    if server.stopping.wait(reply.drip):
                        return
                    try:
                        self.wfile.write(reply.body[at : at + reply.drip_size])
                        self.wfile.flush()
                    except OSError:
                        return  # the client gave up

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/graphql"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="scripted-server")

    def start(self) -> str:
        self.thread.start()
        return self.url

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@contextmanager
def scripted(*replies: Answer) -> Iterator[ScriptedServer]:
    server = ScriptedServer(list(replies))
    server.start()
    try:
        yield server
    finally:
        server.stop()
