"""The bundled deployment server in a process of its own.

The app's embedded default runs `desktop-app server serve` as a child
process, so its request handling never competes with the GUI thread for
the interpreter. The child prints its URL once it listens; it serves until
its standard input closes (the parent closed it, or the parent died), so
no server outlives the app.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
from types import TracebackType

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0
STOP_TIMEOUT = 0.8
"""How long `stop()` waits for a clean exit before it kills: the GUI calls
it while closing, and must not hang."""


def server_command(*args: str) -> list[str]:
    """The command line that runs `desktop-app ARGS` with this interpreter
    (or this frozen executable)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "desktop_app", *args]


class ServerProcess:
    """`start()` runs the server and returns its GraphQL URL; `stop()`
    ends it. Also a context manager."""

    def __init__(
        self,
        db_url: str | None = None,
        *,
        demo: bool = False,
        host: str = "127.0.0.1",
        cores: int | None = None,
        niceness: int = 0,
    ) -> None:
        self.db_url = db_url
        self.demo = demo
        self.host = host
        self.cores = cores  # pin the child to the first N cores (the benchmark does)
        self.niceness = niceness  # a background helper of the app yields the CPU to its GUI
        self.url: str | None = None
        self._process: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> str:
        if self._process is not None and self.url is not None:
            return self.url
        args = ["server", "serve", "--host", self.host, "--port", "0", "--exit-with-stdin"]
        if self.demo:
            args.append("--demo")
        if self.db_url:
            args += ["--db", self.db_url]
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        process = subprocess.Popen(
            server_command(*args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=self._prepare if self.cores or self.niceness else None,
        )
        self._process = process
        found: queue.Queue[str | None] = queue.Queue()
        # Reads everything it prints (so it never blocks on a full pipe);
        # hands over the URL line, or None when the output ends first.
        self._drain = threading.Thread(
            target=self._read_output, args=(process, found), name="server-output", daemon=True
        )
        self._drain.start()
        try:
            url = found.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise RuntimeError("the bundled server did not start in time") from None
        if url is None:
            status = process.wait()
            self.stop()
            raise RuntimeError(f"the bundled server exited during start-up (status {status})")
        self.url = url
        return url

    def _prepare(self) -> None:  # runs in the child before exec
        if self.cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: self.cores])
        if self.niceness and hasattr(os, "nice"):
            os.nice(self.niceness)

    @staticmethod
    def _read_output(process: subprocess.Popen[str], found: queue.Queue[str | None]) -> None:
        assert process.stdout is not None
        announced = False
        for line in process.stdout:
            if not announced and line.startswith("http://"):
                found.put(line.strip())
                announced = True
            else:
                log.debug("server: %s", line.rstrip())
        if not announced:
            found.put(None)

    def stop(self) -> None:
        """End the server: close its input (it stops cleanly), and kill it
        if it has not gone within `STOP_TIMEOUT`."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):  # already gone
                process.stdin.close()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._drain is not None:
            self._drain.join(timeout=STOP_TIMEOUT)
            self._drain = None
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
