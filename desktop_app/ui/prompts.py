"""Every message box the app shows goes through here, so tests can replace
`Prompts` with an object that records what would have been asked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


class Prompts:
    """Blocking message boxes (production). Methods return what the user
    chose. Texts often carry a server's message, so they are shown as plain
    text, never as markup."""

    def _ask(
        self,
        parent: QWidget | None,
        kind: QMessageBox.Icon,
        title: str,
        text: str,
        buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
        default: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
    ) -> int:
        box = QMessageBox(kind, title, text, buttons, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(default)
        return box.exec()

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self._ask(parent, QMessageBox.Icon.Critical, title, text)

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self._ask(parent, QMessageBox.Icon.Information, title, text)

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = self._ask(
            parent,
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes


class RecordingPrompts(Prompts):
    """Records prompts instead of showing them; `confirm` answers `answer`."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.shown: list[tuple[str, str, str]] = []

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("error", title, text))

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("info", title, text))

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        self.shown.append(("confirm", title, text))
        return self.answer
