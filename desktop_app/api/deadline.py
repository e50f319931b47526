"""An overall deadline for a request, headers included.

`requests` only offers a timeout per socket read: a server sending one
byte of its headers every few seconds keeps a request alive for ever. The
adapter here remembers which socket each thread's request is using; a
`Deadline` started for a request shuts down that thread's socket when the
time is up, which ends any read blocked on it. A sync round sends several
requests at once from several threads: only the one that overran is cut
(the pool reconnects for the next).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class WatchedAdapter(HTTPAdapter):
    """An HTTPAdapter that knows the socket each thread's request is on."""

    def __init__(self) -> None:
        self._in_use: dict[int, socket.socket] = {}
        self._lock = threading.Lock()
        super().__init__()

    def _using(self, sock: socket.socket | None) -> None:
        if sock is not None:
            with self._lock:
                self._in_use[threading.get_ident()] = sock

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        using = self._using

        # A connection is made, and later reused, by the thread sending the
        # request on it: note its socket for that thread both times.
        class Noted:
            sock: socket.socket | None

            def connect(self) -> None:
                super().connect()  # type: ignore[misc]
                using(self.sock)

            def request(self, *args: Any, **kwargs: Any) -> None:
                super().request(*args, **kwargs)  # type: ignore[misc]
                using(self.sock)

        class Watched(Noted, HTTPConnection):
            pass

        class WatchedTLS(Noted, HTTPSConnection):
            pass

        class Pool(HTTPConnectionPool):
            ConnectionCls = Watched

        class TLSPool(HTTPSConnectionPool):
            ConnectionCls = WatchedTLS

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": TLSPool}

    def cut(self, thread: int) -> None:
        """Shut down the socket `thread`'s request is on (ends a blocked read)."""
        with self._lock:
            sock = self._in_use.pop(thread, None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def done(self, thread: int) -> None:
        """`thread`'s request ended: forget its socket (it goes back to the pool)."""
        with self._lock:
            self._in_use.pop(thread, None)


class Deadline:
    """Cuts the socket of the request the calling thread sends, `seconds`
    after `running()` starts, unless the block ends first; `expired` tells
    which happened."""

    def __init__(self, adapter: WatchedAdapter, seconds: float) -> None:
        self.adapter = adapter
        self.seconds = seconds
        self.expired = False
        self._thread = threading.get_ident()

    def _expire(self) -> None:
        self.expired = True
        self.adapter.cut(self._thread)

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
            self.adapter.done(self._thread)
