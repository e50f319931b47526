"""Every message box the app shows goes through here, so tests can replace
`Prompts` with an object that records what would have been asked. Titles
and texts often carry a server's message: they are shown as plain text,
never as markup, by the rule of `plain_text` (applied here for every box,
and so recorded as shown)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop_app.ui.formatting import plain


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
        title, text = shown(title, text)
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

    def save_file(
        self, parent: QWidget | None, title: str, suggested: str, filters: str
    ) -> str | None:
        """Ask where to save; None when cancelled."""
        path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, filters)
        return path or None


def shown(title: str, text: str) -> tuple[str, str]:
    """A box's title and text as it shows them."""
    return plain(title), plain(text, multiline=True)


class RecordingPrompts(Prompts):
    """Records prompts instead of showing them; `confirm` answers `answer`."""

    def __init__(self, answer: bool = True, save_path: str | None = None) -> None:
        self.answer = answer
        self.save_path = save_path
        self.shown: list[tuple[str, str, str]] = []

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("error", *shown(title, text)))

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("info", *shown(title, text)))

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        self.shown.append(("confirm", *shown(title, text)))
        return self.answer

    def save_file(
        self, parent: QWidget | None, title: str, suggested: str, filters: str
    ) -> str | None:
        self.shown.append(("save", title, suggested))
        return self.save_path
