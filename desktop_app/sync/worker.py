"""Sync rounds in a process of their own.

A round (network, parsing, derivation, cache writes) runs in a child
process started with `spawn`, so none of it competes with the GUI thread
for the interpreter: the GUI process only reads the cache and paints. The
parent asks for a round over a pipe and gets back, as plain values, the
progress of the round and its result (or the error it raised).

If the child dies, the round in flight fails with `WorkerCrashed` and the
next round starts a new child. A cache file another process holds locked
(past the busy timeout) fails that round with `CacheBusy`, whether the
child was opening the file or writing to it; the child stays, and the
next round tries again. Nothing is half-written: the child writes
each location in one transaction, and SQLite rolls back a transaction
whose process died.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from desktop_app.api.client import ConnectionSettings
from desktop_app.api.errors import ApiError
from desktop_app.cache import database
from desktop_app.core.round import RoundResult
from desktop_app.core.untrusted import PrintableFormatter
from desktop_app.sync.engine import Progress

log = logging.getLogger(__name__)

STOP_TIMEOUT = 0.8
POLL_SECONDS = 0.2
SYNC_NICENESS = 5


class WorkerCrashed(ApiError):  # noqa: N818 (reads as what happened)
    """The sync process died during a round; the next round restarts it."""


def _serve(
    conn: Connection, settings: ConnectionSettings, cache_path: str, busy_timeout: float
) -> None:
    """The child: run a round per request until the pipe closes."""
    from desktop_app.api.client import DeploymentClient
    from desktop_app.cache.damage import CacheBusy, meaning
    from desktop_app.cache.store import HistoryCache
    from desktop_app.sync.engine import run_once

    if hasattr(os, "nice"):
        # Background work: on a busy machine the GUI thread gets a core first.
        os.nice(SYNC_NICENESS)
    if not logging.getLogger().handlers:  # a spawned process: warnings to stderr, made printable
        handler = logging.StreamHandler()
        handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
    client = DeploymentClient(settings)
    path = Path(cache_path)
    cache: HistoryCache | None = None
    with contextlib.suppress(CacheBusy):  # opened now, while the GUI builds; else per round
        cache = HistoryCache.open(path, busy_timeout)

    def progress(done: int, total: int) -> None:
        conn.send(("progress", done, total))

    try:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                return
            if request != "round":
                return
            try:
                if cache is None:
                    cache = HistoryCache.open(path, busy_timeout)
                result = run_once(client, cache, progress)
            except Exception as exc:  # handed to the parent, which reports it
                said = meaning(exc, path)  # a lock another process holds: CacheBusy
                conn.send(("error", _portable(said if said is not None else exc)))
            else:
                conn.send(("result", result))
    finally:
        client.close()
        if cache is not None:
            cache.close()


def _portable(exc: Exception) -> Exception:
    """The exception itself when it survives pickling, else its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class SyncWorker:
    """One child process syncing one connection into one cache file.

    `run_round()` blocks until the round ends: call it off the GUI thread
    (the poller runs it on the task pool). `stop()` ends the child, and a
    round waiting on it fails at once. `busy_timeout`: how long the child
    waits for another process's lock on the cache file (default: as long
    as this process does)."""

    def __init__(
        self, settings: ConnectionSettings, cache_path: Path, busy_timeout: float | None = None
    ) -> None:
        self.settings = settings
        self.cache_path = Path(cache_path)
        self.busy_timeout = database.BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        self.starts = 0
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the process now (it imports and opens the cache while the
        GUI builds itself); otherwise the first round starts it."""
        with self._lock:
            if self._process is None and not self._stopped:
                self._start()

    def _start(self) -> tuple[BaseProcess, Connection]:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(child, self.settings, str(self.cache_path), self.busy_timeout),
            name="desktop-app-sync",
            daemon=True,
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        self.starts += 1
        return process, parent

    def run_round(self, progress: Progress | None = None) -> RoundResult:
        with self._lock:
            if self._stopped:
                raise WorkerCrashed("The sync process was stopped.")
            process, conn = self._process, self._conn
            if process is None or conn is None or not process.is_alive():
                if process is not None:
                    self._discard()
                process, conn = self._start()
        try:
            conn.send("round")
            while True:
                if not conn.poll(POLL_SECONDS):
                    if not process.is_alive() and not conn.poll(0):
                        raise EOFError
                    continue
                message = conn.recv()
                kind = message[0]
                if kind == "progress":
                    if progress is not None:
                        progress(message[1], message[2])
                elif kind == "result":
                    result: RoundResult = message[1]
                    return result
                else:
                    error: Exception = message[1]
                    raise error
        except (EOFError, OSError, BrokenPipeError):
            process.join(STOP_TIMEOUT)
            code = process.exitcode
            with self._lock:
                if self._process is process:
                    self._discard()
            if self._stopped:
                raise WorkerCrashed("The sync process was stopped.") from None
            raise WorkerCrashed(
                f"The sync process stopped unexpectedly (exit status {code}); "
                "it restarts with the next round."
            ) from None

    def _discard(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(STOP_TIMEOUT)
        self._process, self._conn = None, None

    def stop(self) -> None:
        """End the child (a round in flight fails at once); idempotent."""
        self._stopped = True
        process, conn = self._process, self._conn
        if process is None:
            return
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()  # the child's recv() ends: it exits cleanly
        process.join(STOP_TIMEOUT)
        if process.is_alive():
            process.kill()
            process.join(STOP_TIMEOUT)
        with self._lock:
            self._process, self._conn = None, None
