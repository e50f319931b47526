"""Run plain, Qt-free callables off the GUI thread; results come back as
queued signals on the GUI thread.

Two pools: `writer` has exactly one thread and runs everything that writes
the cache or changes the deployment (sync rounds, rollbacks), so those never
overlap; `io` runs read-only network work such as testing a connection.

The pools are `concurrent.futures` executors rather than `QThreadPool`: their
threads are ordinary Python threads that `shutdown()` joins, so closing the
window really leaves no thread behind (Python code on a `QThreadPool` thread
registers a "dummy" Python thread that can never be joined or removed).
Workers never touch widgets: they only return a value or raise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Outcome:
    """What a worker hands back: a value or the exception it raised."""

    result: Any = None
    error: BaseException | None = None


class Task(QObject):
    """One submitted callable.

    Signals:
        succeeded(object): the callable's return value.
        failed(object): the exception it raised.
        finished(): after either of the above.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()
    _done = Signal(object)  # an `_Outcome`, emitted from the worker, delivered queued

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.done = False
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def _run(self, fn: Callable[[], Any]) -> None:
        # Runs on the worker thread; touches nothing but the queued signal.
        try:
            outcome = _Outcome(result=fn())
        except BaseException as exc:  # delivered to the GUI thread as `failed`
            outcome = _Outcome(error=exc)
        self._done.emit(outcome)

    @Slot(object)
    def _deliver(self, outcome: _Outcome) -> None:
        self.done = True
        if outcome.error is not None:
            self.failed.emit(outcome.error)
        else:
            self.succeeded.emit(outcome.result)
        self.finished.emit()


class TaskRunner(QObject):
    """Owns the worker pools. Signals: idle() when no task is pending."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer")
        self._io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="io")
        self._pending: set[Task] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once `shutdown` began: nothing more may be submitted."""
        return self._closed

    @property
    def pending(self) -> int:
        return len(self._pending)

    def run_write(
        self,
        name: str,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """Run `fn` on the single writer thread, after earlier writer tasks."""
        return self._submit(self._writer, name, fn, on_success, on_failure)

    def run_io(
        self,
        name: str,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """Run read-only work (a connection test) on the I/O pool."""
        return self._submit(self._io, name, fn, on_success, on_failure)

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        name: str,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], None] | None,
    ) -> Task:
        if self._closed:
            raise RuntimeError("the task runner is shut down")
        task = Task(name, self)
        if on_success is not None:
            task.succeeded.connect(on_success)
        if on_failure is not None:
            task.failed.connect(on_failure)
        task.finished.connect(lambda: self._forget(task))
        self._pending.add(task)
        future: Future[None] = pool.submit(task._run, fn)
        future.add_done_callback(_log_crash)
        return task

    def _forget(self, task: Task) -> None:
        self._pending.discard(task)
        task.deleteLater()
        if not self._pending:
            self.idle.emit()

    def shutdown(self) -> None:
        """Wait for running work (bounded by the client's request timeouts),
        drop what has not started, and join the threads."""
        self._closed = True
        for pool in (self._writer, self._io):
            pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()


def _log_crash(future: Future[None]) -> None:
    exc = future.exception()
    if exc is not None:  # only if delivering itself failed
        log.error("background task crashed", exc_info=exc)
