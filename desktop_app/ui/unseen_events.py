"""The in-window list of alerts that arrived while the user was away (the
window minimized, hidden or in the background): shown at the top of the
main window until dismissed, so nothing is missed on a desktop without a
system tray."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui import formatting
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.plain_text import item_text, tooltip
from desktop_app.ui.resources import Icon, icon

MAX_ROWS = 4
"""Rows shown before the list scrolls."""


class UnseenEvents(QFrame):
    def __init__(self, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notifier = notifier
        self.setObjectName("unseenEvents")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("unseenEventsTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        top.addWidget(self.title, 1)
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.setObjectName("unseenEventsDismiss")
        self.dismiss.clicked.connect(notifier.mark_seen)
        top.addWidget(self.dismiss)
        layout.addLayout(top)
        self.list = QListWidget()
        self.list.setObjectName("unseenEventsList")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.list)
        notifier.unseen_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        alerts = self.notifier.unseen
        self.list.clear()
        for alert in reversed(alerts):  # newest first
            item = QListWidgetItem(item_text(f"{formatting.when(alert.at)}  {alert.message}"))
            item.setToolTip(tooltip(f"{alert.title}\n{alert.message}"))
            item.setIcon(icon(Icon.ERROR if alert.warning else Icon.APP))
            self.list.addItem(item)
        rows = min(max(len(alerts), 1), MAX_ROWS)
        row_height = self.list.sizeHintForRow(0) if alerts else 0
        self.list.setFixedHeight(rows * max(row_height, 1) + 2 * self.list.frameWidth() + 2)
        count = len(alerts)
        self.title.setText(
            f"{count} alert{'s' if count != 1 else ''} while you were away"
        )
        self.setVisible(bool(alerts))
