"""The one place rollbacks are sent from: owned by the main window, keyed by
location, so at most one rollback per location is in flight whichever
history dialog (or reopened dialog) asked for it."""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import QObject, Signal

from desktop_app.core.loads import LocationLoad
from desktop_app.core.rollback import DeployOutcome, RollbackRequest
from desktop_app.ui.context import AppContext

log = logging.getLogger(__name__)


class RollbackController(QObject):
    """Signals:
    started(str): a rollback of that location was sent.
    finished(str, object): the location and its `DeployOutcome` (a failure
        to reach the server is an outcome too, with kind "Failed").
    """

    started = Signal(str)
    finished = Signal(str, object)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._in_flight: dict[str, RollbackRequest] = {}

    def in_flight(self, location: str) -> bool:
        return location in self._in_flight

    def request_for(
        self, target: LocationLoad, newest: LocationLoad | None, reason: str = ""
    ) -> RollbackRequest:
        """A request built from what the window last learned (the round)."""
        connection = self._context.connection
        return RollbackRequest(
            target=target,
            newest=newest,
            viewer=connection.viewer,
            capabilities=connection.capabilities,
            reason=reason.strip(),
        )

    def start(self, request: RollbackRequest) -> bool:
        """Send `request` in the background; False (and nothing sent) when a
        rollback of that location is already in flight or the rules say no."""
        location = request.location
        if location in self._in_flight or not request.decision():
            return False
        self._in_flight[location] = request
        if request.reason:
            log.info("rollback of %s requested: %s", location, request.reason)
        self._context.tasks.run_write(
            "rollback",
            self._context.connection.send_rollback(request),
            on_success=partial(self._done, location),
            on_failure=partial(self._failed, location),
        )
        self.started.emit(location)
        return True

    def _done(self, location: str, outcome: DeployOutcome) -> None:
        self._in_flight.pop(location, None)
        self.finished.emit(location, outcome)

    def _failed(self, location: str, exc: BaseException) -> None:
        self._in_flight.pop(location, None)
        self.finished.emit(location, DeployOutcome(False, "Failed", str(exc)))
