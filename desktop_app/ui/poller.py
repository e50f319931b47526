"""The background poller: one sync round at a time, on the writer pool.

The poller owns its `QTimer`. A tick while a round is in flight is skipped;
each round carries a generation token and a result that arrives after the
connection changed (or the poller stopped) is dropped. Failures back off
(`core.backoff.Backoff`); a success resets the back-off and returns to the
normal interval.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.core.backoff import Backoff
from desktop_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

RoundFactory = Callable[[], Callable[[], Any]]
"""Returns the callable for the next round, bound to the current connection."""


class Poller(QObject):
    """Signals:
    round_started(): a round was submitted.
    synced(object): a round succeeded; its `RoundResult`.
    failed(object, float): a round failed; the exception and the retry delay (s).
    """

    round_started = Signal()
    synced = Signal(object)
    failed = Signal(object, float)

    def __init__(
        self,
        tasks: TaskRunner,
        make_round: RoundFactory,
        interval: float = 5.0,
        backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._make_round = make_round
        self.interval = interval
        self.backoff = backoff or Backoff()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.tick)
        self._generation = 0
        self._in_flight = False
        self._again = False
        self._running = False
        self._paused = False
        self.offline_since: float | None = None
        self.next_attempt_at: float | None = None
        self.rounds = 0

    # -- state -----------------------------------------------------------
    @property
    def in_flight(self) -> bool:
        return self._in_flight

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def timer_active(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        """Run a round now, then keep polling."""
        self._running = True
        self.tick()

    def stop(self) -> None:
        """Stop polling; a round in flight is forgotten when it returns."""
        self._running = False
        self._generation += 1
        self._timer.stop()

    def pause(self) -> None:
        """Stop ticking (the user paused polling) but keep state."""
        if not self._paused:
            self._paused = True
            self._timer.stop()

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            if self._running and not self._in_flight:
                self.tick()

    def sync_now(self) -> None:
        """Run a round as soon as possible (after the one in flight)."""
        if self._in_flight:
            self._again = True
        elif self._running:
            self.tick()

    def reconnect(self, make_round: RoundFactory) -> None:
        """Switch to another connection: results of the old one are dropped."""
        self._make_round = make_round
        self._generation += 1
        self._in_flight = False
        self._again = False
        self.backoff.reset()
        self.offline_since = None
        if self._running:
            self._timer.stop()
            self.tick()

    # -- rounds ----------------------------------------------------------
    def tick(self) -> None:
        if not self._running or self._paused:
            return
        if self._in_flight:
            return  # skip: the round in flight re-arms the timer when it ends
        self._timer.stop()
        self._in_flight = True
        self.rounds += 1
        generation = self._generation
        self.round_started.emit()
        self._tasks.run_write(
            "sync",
            self._make_round(),
            on_success=lambda result: self._on_success(generation, result),
            on_failure=lambda exc: self._on_failure(generation, exc),
        )

    def _current(self, generation: int) -> bool:
        if generation != self._generation:
            log.debug("dropping a stale sync result")
            return False
        self._in_flight = False
        return True

    def _on_success(self, generation: int, result: object) -> None:
        if not self._current(generation):
            return
        self.backoff.reset()
        self.offline_since = None
        self._schedule(self.interval)  # first, so listeners see the next attempt
        self.synced.emit(result)

    def _on_failure(self, generation: int, exc: BaseException) -> None:
        if not self._current(generation):
            return
        if self.offline_since is None:
            self.offline_since = time.time()
        delay = self.backoff.next_delay()
        self._schedule(delay)
        self.failed.emit(exc, delay)

    def _schedule(self, delay: float) -> None:
        if not self._running:
            return
        if self._again:
            self._again = False
            delay = 0.0
        self.next_attempt_at = time.time() + delay
        if not self._paused:
            self._timer.start(max(0, round(delay * 1000)))
