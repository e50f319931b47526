"""Desktop notifications: a location failed to load, recovered, or was
rolled back (by anyone). Uses the system tray when there is one; always
logs and emits `notified` so the rest of the app (and tests) can see it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from desktop_app.core.round import RoundEvent
from desktop_app.ui.resources import Icon, icon

log = logging.getLogger(__name__)


class Notifier(QObject):
    """Signals: notified(str, str) with the title and message shown."""

    notified = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(icon(Icon.APP), self)
            self._tray.setToolTip("Dagster deployment history")
            self._tray.show()

    @property
    def has_tray(self) -> bool:
        return self._tray is not None

    def notify(self, title: str, message: str, *, warning: bool = False) -> None:
        log.info("%s: %s", title, message)
        if self._tray is not None and QSystemTrayIcon.supportsMessages():
            kind = (
                QSystemTrayIcon.MessageIcon.Warning
                if warning
                else QSystemTrayIcon.MessageIcon.Information
            )
            self._tray.showMessage(title, message, kind, 8000)
        self.notified.emit(title, message)

    def round_events(self, events: Sequence[RoundEvent]) -> None:
        """Notify about what one sync round saw happen."""
        for event in events:
            self.notify(event.title, event.message, warning=event.warning)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray.deleteLater()
            self._tray = None
