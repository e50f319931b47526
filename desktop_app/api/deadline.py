"""An overall deadline for a request, headers included.

`requests` only offers a timeout per socket read: a server sending one
byte of its headers every few seconds keeps a request alive for ever. The
adapter here remembers the sockets it opens; a `Deadline` started for a
request shuts them down when the time is up, which ends any read blocked
on them. (The transport uses one connection at a time, so cutting all of
its sockets only ever cuts the request that overran; the pool reconnects.)
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class WatchedAdapter(HTTPAdapter):
    """An HTTPAdapter that keeps (weakly) every socket its pools open."""

    def __init__(self) -> None:
        self.sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        sockets = self.sockets

        class Watched(HTTPConnection):
            def connect(self) -> None:
                super().connect()
                sockets.add(self.sock)

        class WatchedTLS(HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                sockets.add(self.sock)

        class Pool(HTTPConnectionPool):
            ConnectionCls = Watched

        class TLSPool(HTTPSConnectionPool):
            ConnectionCls = WatchedTLS

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": TLSPool}

    def cut(self) -> None:
        """Shut down every socket opened so far (ends blocked reads)."""
        for sock in list(self.sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Deadline:
    """Cuts an adapter's sockets `seconds` after `running()` starts,
    unless the block ends first; `expired` tells which happened."""

    def __init__(self, adapter: WatchedAdapter, seconds: float) -> None:
        self.adapter = adapter
        self.seconds = seconds
        self.expired = False

    def _expire(self) -> None:
        self.expired = True
        self.adapter.cut()

    @contextlib.contextmanager
    def running(self) -> Iterator[Deadline]:
        timer = threading.Timer(self.seconds, self._expire)
        timer.name = "request-deadline"
        timer.daemon = True
        timer.start()
        try:
            yield self
        finally:
            timer.cancel()
            timer.join()
