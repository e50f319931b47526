"""Sync rounds, and every other cache write, in a process of their own.

A round (network, parsing, derivation, cache writes) runs in a child
process started with `spawn`, so none of it competes with the GUI thread
for the interpreter. The child is also the one process that writes the
cache: it opens the file (creating, migrating or rebuilding it), and it
sends rollbacks (keeping the reason typed for them) and fills in an
asset's change details on request. The GUI process only reads the cache,
through a connection SQLite refuses to write through, and paints.

The parent asks over a pipe and gets back plain values: a round's
progress and its result, what a request returned, or the error it raised.
Requests are answered one at a time, in the order they were asked, after
what they wrote is committed: the GUI reads it as soon as the answer comes.

If the child dies, the request in flight fails with `WorkerCrashed` and the
next one starts a new child. A cache file another process holds locked
(past the busy timeout) fails that request with `CacheBusy`, whether the
child was opening the file or writing to it; the child stays, and the
next request tries again. Nothing is half-written: the child writes
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
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from desktop_app.api.client import ConnectionSettings
from desktop_app.api.errors import ApiError
from desktop_app.cache import database
from desktop_app.core.assets import AssetKey
from desktop_app.core.rollback import DeployOutcome, RollbackRequest
from desktop_app.core.round import RoundResult
from desktop_app.core.untrusted import PrintableFormatter
from desktop_app.sync.engine import Progress

log = logging.getLogger(__name__)

STOP_TIMEOUT = 0.8
POLL_SECONDS = 0.2
SYNC_NICENESS = 5


class WorkerCrashed(ApiError):  # noqa: N818 (reads as what happened)
    """The sync process died during a request; the next request restarts it."""


def _serve(
    conn: Connection, settings: ConnectionSettings, cache_path: str, busy_timeout: float
) -> None:
    """The child: answer one request at a time until the pipe closes."""
    from desktop_app.api.client import DeploymentClient
    from desktop_app.cache.damage import meaning
    from desktop_app.cache.store import HistoryCache
    from desktop_app.sync.details import fill_asset_details
    from desktop_app.sync.engine import run_once
    from desktop_app.sync.rollback import send_rollback

    if hasattr(os, "nice"):
        # Background work: on a busy machine the GUI thread gets a core first.
        os.nice(SYNC_NICENESS)
    if not logging.getLogger().handlers:  # a spawned process: warnings to stderr, made printable
        handler = logging.StreamHandler()
        handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
    client = DeploymentClient(settings)
    path = Path(cache_path)
    opened: list[HistoryCache] = []
    moved: str | None = None

    def cache() -> HistoryCache:
        """The cache file, opened (made, migrated, or moved aside when
        damaged and made anew) on first need; a file another process holds
        (CacheBusy) is tried again at the next request."""
        nonlocal moved
        if not opened:
            opened.append(HistoryCache.open(path, busy_timeout))
            found = opened[0].recovered_from
            # A file found damaged was moved aside: the next answer says where.
            moved = str(found) if found is not None else None
        return opened[0]

    def told() -> str | None:
        nonlocal moved
        cache()
        where, moved = moved, None
        return where

    def progress(done: int, total: int) -> None:
        conn.send(("progress", done, total))

    def round_() -> RoundResult:
        where = told()
        result = run_once(client, cache(), progress)
        if where is not None and result.cache_rebuilt_from is None:
            result = replace(result, cache_rebuilt_from=where)
        return result

    handlers: dict[str, Callable[..., Any]] = {
        "open": told,
        "round": round_,
        "rollback": lambda request: send_rollback(client, cache(), request),
        "details": lambda location, key: fill_asset_details(client, cache(), location, key),
    }
    # Open (and check) the file now, while the GUI builds its window; what
    # fails here is said in answer to the first request.
    with contextlib.suppress(Exception):
        cache()
    try:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                return
            if not isinstance(request, tuple) or not request or request[0] not in handlers:
                return
            try:
                answer = ("result", handlers[request[0]](*request[1:]))
            except Exception as exc:  # handed to the parent, which reports it
                said = meaning(exc, path)  # a lock another process holds: CacheBusy
                answer = ("error", _portable(said if said is not None else exc))
            try:
                conn.send(answer)
            except OSError:  # the parent went (the window closed): stop quietly
                return
    finally:
        client.close()
        for each in opened:
            each.close()


def _portable(exc: Exception) -> Exception:
    """The exception itself when it survives pickling, else its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class SyncWorker:
    """One child process syncing one connection into one cache file, and
    the one writer of that file.

    Every request (`open_cache`, `run_round`, `rollback`, `fill_details`)
    blocks until answered: call it off the GUI thread (the app runs them on
    the task pool's writer lane). `stop()` ends the child, and a request
    waiting on it fails at once. `busy_timeout`: how long the child waits
    for another process's lock on the cache file (default: as long as this
    process does)."""

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
        self._calls = threading.Lock()
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

    def open_cache(self) -> Path | None:
        """Wait until the child has opened the cache file (created,
        migrated, or moved aside when damaged and made anew); where a
        damaged file went, else None. Raises what opening raised (CacheBusy)."""
        moved: str | None = self._call(("open",))
        return Path(moved) if moved is not None else None

    def run_round(self, progress: Progress | None = None) -> RoundResult:
        """One sync round; `progress(done, total)` is called on the way."""
        result: RoundResult = self._call(("round",), progress)
        return result

    def rollback(self, request: RollbackRequest) -> DeployOutcome:
        """Send a rollback (`sync.rollback.send_rollback`); the reason is
        kept in the cache before this returns."""
        outcome: DeployOutcome = self._call(("rollback", request))
        return outcome

    def fill_details(self, location: str, key: AssetKey) -> int:
        """Fill in how loads changed `key` (`sync.details.fill_asset_details`);
        written to the cache before this returns."""
        count: int = self._call(("details", location, key))
        return count

    def _call(self, request: tuple[Any, ...], progress: Progress | None = None) -> Any:
        """Send one request and wait for its answer (blocks: call it off
        the GUI thread). Requests from several threads take turns."""
        with self._calls:
            return self._call_now(request, progress)

    def _call_now(self, request: tuple[Any, ...], progress: Progress | None) -> Any:
        with self._lock:
            if self._stopped:
                raise WorkerCrashed("The sync process was stopped.")
            process, conn = self._process, self._conn
            if process is None or conn is None or not process.is_alive():
                if process is not None:
                    self._discard()
                process, conn = self._start()
        try:
            conn.send(request)
            while True:
                if not conn.poll(POLL_SECONDS):
                    if not process.is_alive() and not conn.poll(0):
                        raise EOFError
                    continue
                message = conn.recv()
                if message[0] != "progress":
                    break
                if progress is not None:
                    progress(message[1], message[2])
        except (EOFError, OSError):
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
        if message[0] == "result":
            return message[1]
        # Raised here, not above: an OSError of the child's (a disk error,
        # a folder that is a file) is an answer, not a broken pipe.
        error: Exception = message[1]
        raise error

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
