"""Desktop alerts: a location failed to load, recovered, or was rolled back
(by anyone). With a system tray, a tray message; without one, the window
asks for attention (`QApplication.alert`). An alert that arrives while the
window is minimized, hidden or in the background is also kept as unseen,
for the window to list when the user returns. Every alert is logged and
emitted as `notified`, so the rest of the app (and tests) can see it.
Titles and messages name locations and quote load errors: every alert is
made plain here, once, by the rule of `plain_text`."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.core.round import RoundEvent
from desktop_app.ui.formatting import plain
from desktop_app.ui.tray import Tray

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    at: float
    title: str
    message: str
    warning: bool = False


class Notifier(QObject):
    """Signals:
    notified(str, str): the title and message of every alert.
    attention_requested(str, str): the window was asked for attention
        (there is no tray to show the alert in).
    unseen_changed(): the list of unseen alerts changed.
    """

    notified = Signal(str, str)
    attention_requested = Signal(str, str)
    unseen_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray: Tray | None = None
        self._window: QWidget | None = None
        self.unseen: list[Alert] = []

    def attach(self, window: QWidget, tray: Tray | None) -> None:
        """Alert through `tray`, or by asking `window` for attention."""
        self._window = window
        self._tray = tray

    @property
    def has_tray(self) -> bool:
        return self._tray is not None

    def _away(self) -> bool:
        """True when the user is not looking at the window."""
        window = self._window
        return (
            window is None
            or not window.isVisible()
            or window.isMinimized()
            or not window.isActiveWindow()
        )

    def notify(self, title: str, message: str, *, warning: bool = False) -> None:
        title, message = plain(title), plain(message, multiline=True)
        log.info("%s: %s", title, message)
        away = self._away()
        if self._tray is not None:
            self._tray.show_message(title, message, warning=warning)
        elif self._window is not None and away:
            QApplication.alert(self._window)
            self.attention_requested.emit(title, message)
        if away:
            self.unseen.append(Alert(time.time(), title, message, warning))
            self.unseen_changed.emit()
        self.notified.emit(title, message)

    def mark_seen(self) -> None:
        if self.unseen:
            self.unseen.clear()
            self.unseen_changed.emit()

    def round_events(self, events: Sequence[RoundEvent]) -> None:
        """Notify about what one sync round saw happen."""
        for event in events:
            self.notify(event.title, event.message, warning=event.warning)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.close()
            self._tray = None
        self._window = None
