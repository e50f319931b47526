"""Run plain, Qt-free callables off the GUI thread; results come back as
queued signals on the GUI thread.

Two lanes: `writer` has exactly one thread and runs everything that writes
the cache or changes the deployment (sync rounds, rollbacks), so those never
overlap; `io` runs read-only network work such as testing a connection.

This is also the one place where results are dropped: a result for an
`owner` widget that no longer exists, or one that arrives after
`shutdown()`, is never delivered (callers need no `isValid` checks).

Closing never waits for the network: `shutdown()` drops work that has not
started, gives running work a short grace period, and returns. Worker
threads are plain Python daemon threads (not `QThreadPool` threads, whose
Python side can never be joined): an idle one ends at once, one stuck in a
request to a hung server ends when that request does, or with the process.

`KeyboardInterrupt` and `SystemExit` raised by a callable are not a failed
task: they are handed to the GUI thread as `interrupted`, for the app to
stop as it would on the main thread.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 0.3
"""Seconds `shutdown()` waits for running work before it returns anyway."""


@dataclass(frozen=True)
class _Outcome:
    """What a worker hands back: a value or the exception it raised."""

    result: Any = None
    error: BaseException | None = None


class Task(QObject):
    """One submitted callable.

    Signals:
        succeeded(object): the callable's return value.
        failed(object): the exception it raised (an `Exception`).
        finished(): after either of the above, or when the result was dropped.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()
    _done = Signal(object)  # an `_Outcome`, emitted from the worker, delivered queued

    def __init__(
        self, name: str, runner: TaskRunner, owner: QObject | None = None
    ) -> None:
        super().__init__(runner)
        self.name = name
        self.done = False
        self._runner = runner
        self._owner = owner
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def _run(self, fn: Callable[[], Any]) -> None:
        # Runs on a worker thread; touches nothing but the queued signal.
        try:
            outcome = _Outcome(result=fn())
        except BaseException as exc:  # delivered to the GUI thread
            outcome = _Outcome(error=exc)
        # RuntimeError: the runner (and this task) went with the window.
        with contextlib.suppress(RuntimeError):
            self._done.emit(outcome)

    @property
    def dropped(self) -> bool:
        """True when nobody is left to take the result."""
        if self._runner.closed:
            return True
        return self._owner is not None and not shiboken6.isValid(self._owner)

    @Slot(object)
    def _deliver(self, outcome: _Outcome) -> None:
        self.done = True
        error = outcome.error
        if self.dropped:
            log.debug("dropping the result of %r: its receiver is gone", self.name)
        elif isinstance(error, KeyboardInterrupt | SystemExit):
            self._runner.interrupted.emit(error)
        elif error is not None:
            self.failed.emit(error)
        else:
            self.succeeded.emit(outcome.result)
        self.finished.emit()


class _Lane:
    """Up to `size` daemon threads taking jobs from one queue in order."""

    def __init__(self, name: str, size: int) -> None:
        self._name = name
        self._size = size
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            if self._idle == 0 and len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._work,
                    name=f"{self._name}-{len(self._threads)}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
            else:
                self._idle = max(0, self._idle - 1)
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except BaseException:
                log.exception("background job crashed")
            with self._lock:
                self._idle += 1

    def stop(self) -> list[threading.Thread]:
        """Drop queued jobs and tell every thread to end after its current one."""
        with self._lock:
            while True:
                try:
                    self._jobs.get_nowait()
                except queue.Empty:
                    break
            for _thread in self._threads:
                self._jobs.put(None)
            return list(self._threads)


class TaskRunner(QObject):
    """Owns the worker lanes.

    Signals: idle() when no task is pending; interrupted(object) with a
    KeyboardInterrupt or SystemExit a task raised."""

    idle = Signal()
    interrupted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = _Lane("cache-writer", 1)
        self._io = _Lane("io", 4)
        self._pending: set[Task] = set()
        self._closed = False

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def closed(self) -> bool:
        return self._closed

    def run_write(
        self,
        name: str,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        owner: QObject | None = None,
    ) -> Task:
        """Run `fn` on the single writer thread, after earlier writer tasks.
        The result is dropped if `owner` is deleted before it arrives."""
        return self._submit(self._writer, name, fn, on_success, on_failure, owner)

    def run_io(
        self,
        name: str,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        owner: QObject | None = None,
    ) -> Task:
        """Run read-only work (a connection test) on the I/O lane."""
        return self._submit(self._io, name, fn, on_success, on_failure, owner)

    def _submit(
        self,
        lane: _Lane,
        name: str,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], None] | None,
        owner: QObject | None,
    ) -> Task:
        if self._closed:
            raise RuntimeError("the task runner is shut down")
        task = Task(name, self, owner)
        if on_success is not None:
            task.succeeded.connect(on_success)
        if on_failure is not None:
            task.failed.connect(on_failure)
        task.finished.connect(lambda: self._forget(task))
        self._pending.add(task)
        lane.submit(lambda: task._run(fn))
        return task

    def _forget(self, task: Task) -> None:
        self._pending.discard(task)
        task.deleteLater()
        if not self._pending:
            self.idle.emit()

    def shutdown(self, grace: float = SHUTDOWN_GRACE) -> bool:
        """Drop what has not started and wait at most `grace` seconds for
        what runs; returns True when every worker thread has ended. Results
        arriving later are dropped."""
        self._closed = True
        threads = self._writer.stop() + self._io.stop()
        self._pending.clear()
        deadline = time.monotonic() + grace
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        running = [t.name for t in threads if t.is_alive()]
        if running:
            log.warning("not waiting for background work still running: %s", running)
        return not running
