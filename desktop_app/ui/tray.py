"""The system tray icon: overall health at a glance (every location loaded,
or something failing), messages for alerts, and a menu with Open, Pause
polling and Quit. Only made where the desktop has a system tray
(`system_tray_available`, which tests replace)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop_app.ui.formatting import plain
from desktop_app.ui.resources import Icon, icon, status_icon


def _platform_tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


system_tray_available: Callable[[], bool] = _platform_tray_available
"""Whether the desktop shows tray icons; tests assign another callable."""


class Tray(QObject):
    """Signals: open_requested(), pause_toggled(bool), quit_requested(),
    message_shown(str, str) with the title and text of every message."""

    open_requested = Signal()
    pause_toggled = Signal(bool)
    quit_requested = Signal()
    message_shown = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(icon(Icon.APP), self)
        self.icon.setObjectName("trayIcon")
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.open_action = QAction("&Open", self)
        self.open_action.setObjectName("trayOpenAction")
        self.open_action.triggered.connect(self.open_requested)
        self.pause_action = QAction("&Pause polling", self)
        self.pause_action.setObjectName("trayPauseAction")
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self.pause_toggled)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setObjectName("trayQuitAction")
        self.quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.failing: tuple[str, ...] = ()
        self.set_health((), known=False)
        self.icon.show()

    def set_health(self, failing: Sequence[str], *, known: bool = True) -> None:
        """Green when every location loaded, red naming the failing ones."""
        self.failing = tuple(failing)
        if not known:
            self.icon.setIcon(icon(Icon.APP))
            self.icon.setToolTip("Dagster deployment: waiting for the first sync")
        elif self.failing:
            self.icon.setIcon(status_icon("ERROR"))
            names = ", ".join(plain(name) for name in self.failing)  # the server's names
            self.icon.setToolTip(f"Dagster deployment: failing to load: {names}")
        else:
            self.icon.setIcon(status_icon("LOADED"))
            self.icon.setToolTip("Dagster deployment: all code locations loaded")

    def set_paused(self, paused: bool) -> None:
        self.pause_action.setChecked(paused)

    def show_message(self, title: str, message: str, *, warning: bool = False) -> None:
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if warning
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(title, message, kind, 8000)
        self.message_shown.emit(title, message)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()

    def close(self) -> None:
        self.icon.hide()
        self.icon.setContextMenu(None)  # type: ignore[arg-type]
        self.menu.deleteLater()
