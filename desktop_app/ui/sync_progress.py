"""The status bar's progress bar while a round fetches several locations:
"Syncing history: 12 of 20 locations".

The round runs elsewhere (the sync process, reporting through the task
pool's thread); `report` may be called from any thread and reaches the GUI
thread as a queued signal.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QProgressBar, QWidget


class SyncProgress(QObject):
    """Signals:
    progressed(int, int): locations done, locations to do (GUI thread).
    """

    progressed = Signal(int, int)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(parent)
        self.bar.setObjectName("syncProgressBar")
        self.bar.setFormat("Syncing history: %v of %m locations")
        self.bar.setTextVisible(True)
        self.bar.setMinimumWidth(300)
        self.bar.hide()
        self.progressed.connect(self._show)

    def report(self, done: int, total: int) -> None:
        """From any thread."""
        self.progressed.emit(done, total)

    @Slot(int, int)
    def _show(self, done: int, total: int) -> None:
        # One location is quick: only a round with several shows the bar.
        if total <= 1 or done >= total:
            self.bar.hide()
            return
        self.bar.setMaximum(total)
        self.bar.setValue(done)
        self.bar.show()

    def finish(self) -> None:
        self.bar.hide()
