"""Run the bundled deployment server: in-process on a background thread
(`EmbeddedServer`, used by the app and the tests) or in the foreground
(`serve_forever`, used by `desktop-app server serve`)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server
from waitress.task import ThreadedTaskDispatcher

from desktop_app.core.roles import Role
from desktop_app.server.accounts import add_user
from desktop_app.server.channel import WAITRESS_SETTINGS, GuardedChannel
from desktop_app.server.manifest import register_image
from desktop_app.server.origin import is_loopback
from desktop_app.server.storage import Storage
from desktop_app.server.wsgi import GraphQLApp

__all__ = ["EmbeddedServer", "default_db_url", "is_loopback"]

POLL_SECONDS = 0.1


def default_db_url(demo: bool = False) -> str:
    """A SQLite file under the user's data directory; the demo data set
    gets its own file, so it never mixes with a real deployment's."""
    folder = Path(platformdirs.user_data_dir("desktop-app", appauthor=False)) / "server"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / ('demo.sqlite3' if demo else 'deployment.sqlite3')}"


class EmbeddedServer:
    """The deployment server on a background thread.

    `start()` binds (port 0 picks a free port) and returns the GraphQL URL;
    `stop()` closes the socket and joins every thread it started. Also a
    context manager.

    `demo` serves with the published demo tokens (loopback only) and loads
    the demo data set into the database, unless `load_demo_data` is False
    (the database already holds what it should)."""

    def __init__(
        self,
        db_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        demo: bool = False,
        threads: int = 8,
        load_demo_data: bool = True,
        upgrade: bool = True,
    ) -> None:
        if demo and not is_loopback(host):
            raise ValueError("the demo data set (with its fixed tokens) is served on loopback only")
        self.storage = Storage(db_url or default_db_url(demo), upgrade=upgrade)
        self.host = host
        self.port = port
        self.demo = demo
        self.threads = threads
        self.url: str | None = None
        self._server: BaseWSGIServer | MultiSocketServer | None = None
        self._map: dict[int, Any] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        if demo and load_demo_data:
            from desktop_app.server.demo import load_demo

            load_demo(self.storage)

    def register_image(self, ref: str, manifest: Mapping[str, Any]) -> None:
        register_image(self.storage, ref, manifest)

    def add_user(
        self,
        email: str,
        role: Role,
        location_roles: Mapping[str, Role] | None = None,
        deployment: str | None = None,
    ) -> str:
        return add_user(self.storage, email, role, location_roles, deployment=deployment)

    def bind(self) -> str:
        """Open the listening socket; returns the GraphQL URL."""
        if self._server is not None:
            assert self.url is not None
            return self.url
        app = GraphQLApp(self.storage, loopback=is_loopback(self.host), demo=self.demo)
        # Our own dispatcher, started only once the socket is bound: waitress
        # would start its worker threads first and leave them running when
        # binding fails (port in use), and its socket and wake-up pipe open.
        dispatcher = ThreadedTaskDispatcher()
        try:
            self._server = create_server(
                app,
                map=self._map,
                _dispatcher=dispatcher,
                host=self.host,
                port=self.port,
                threads=self.threads,
                ident="desktop-app",
                clear_untrusted_proxy_headers=True,
                **WAITRESS_SETTINGS,
            )
        except BaseException:
            self._close_channels()
            raise
        for listener in [self._server, *self._map.values()]:
            if isinstance(listener, BaseWSGIServer):
                listener.channel_class = GuardedChannel
        dispatcher.set_thread_count(self.threads)
        real_port = getattr(self._server, "effective_port", self.port)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{real_port}/graphql"
        return self.url

    def start(self) -> str:
        url = self.bind()
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._loop, name="deployment-server", daemon=True
            )
            self._thread.start()
        return url

    def serve_forever(self) -> None:
        """Serve on the calling thread until `request_stop()`."""
        self.bind()
        self._loop()

    def request_stop(self) -> None:
        self._stopping.set()

    def _loop(self) -> None:
        server = self._server
        assert server is not None
        try:
            while not self._stopping.is_set():
                # poll(), not select(): hundreds of open connections are fine.
                server.asyncore.loop(timeout=POLL_SECONDS, map=self._map, count=1, use_poll=True)
        finally:
            self._close_channels()
            server.task_dispatcher.shutdown()

    def _close_channels(self) -> None:
        for channel in list(self._map.values()):
            channel.close()
        self._map.clear()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        elif self._server is not None and not self._stopping_done():
            # Bound but never started: close the socket and the worker threads.
            self._loop()
        self._server = None
        self.storage.close()

    def _stopping_done(self) -> bool:
        return not self._map

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
