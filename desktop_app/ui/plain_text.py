"""Where text from a server or a cache file meets the screen.

Location names, user emails, commit hashes, image references, metadata,
asset keys and error messages come from whoever runs the server, and a
cache file holds whatever a server once said. None of it is shown with its
control characters, ANSI escapes, bidi overrides or zero-width characters:
they appear escaped (`\\x1b`, `\\u202e`), by one rule
(`core.untrusted.printable`, through `formatting.plain`), applied where
text is displayed, not where it is read, so the values underneath stay as
the server sent them (a commit copied, a document rolled back, an export).

Where the rule is applied:
- table cells, their tooltips and link texts: `columns.RowTableModel.data`
  (every table model is one), and asset lines: `history_model.AssetLine.text`;
- labels: `PlainLabel` (plain text, never markup), or `rich` for the few
  labels that hold a link around server text;
- window titles: `set_title`; tree and list items: `item_text`;
- tooltips: `tooltip`, which also keeps Qt from reading them as markup;
- message boxes: `prompts.Prompts`; alerts and tray balloons:
  `notifier.Notifier.notify`; the status bar: `sync_status`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.ui.formatting import plain

__all__ = ["PlainLabel", "item_text", "plain", "rich", "set_title", "tooltip"]


def item_text(text: str | None) -> str:
    """One line of a tree or list item."""
    return plain(text)


def rich(text: str | None) -> str:
    """Server text inside rich text (a label holding a link)."""
    return html.escape(plain(text))


def tooltip(text: str | None) -> str:
    """A tooltip of server text. Qt reads a tooltip that looks like markup
    as markup, so such a one is handed over escaped."""
    shown = plain(text, multiline=True)
    if "<" not in shown and "&" not in shown:
        return shown
    return "<p style='white-space:pre-wrap'>" + html.escape(shown) + "</p>"


def set_title(widget: QWidget, text: str) -> None:
    widget.setWindowTitle(plain(text))


class PlainLabel(QLabel):
    """A label of plain text that may hold server text: never markup, and
    what it is given is shown by the rule above (`multiline` keeps line
    breaks and tabs)."""

    def __init__(
        self, text: str = "", parent: QWidget | None = None, *, multiline: bool = False
    ) -> None:
        super().__init__(parent)
        self._multiline = multiline
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(plain(text, multiline=self._multiline))

    def setToolTip(self, text: str) -> None:
        super().setToolTip(tooltip(text))
