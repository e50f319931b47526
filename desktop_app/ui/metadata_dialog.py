""" "View metadata": the location document a load deployed, its display
metadata and, for a rollback, the reason given for it (kept only locally).

Everything here came from a server (or was typed by a person) and is shown
as plain text, never as markup. A rollback's `rollback_target` reads as a
time with a link that selects that load in the history."""

from __future__ import annotations

import html
from collections.abc import Callable

import yaml
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.loads import LocationLoad
from desktop_app.core.rollback import RollbackNote
from desktop_app.ui import formatting
from desktop_app.ui.plain_text import PlainLabel, plain, set_title, tooltip

ShowLoad = Callable[[float], object]
"""Selects the load at that time in the history (the link of `rollback_target`)."""


def document_text(load: LocationLoad) -> str:
    if not load.document:
        return "# This server reported no location document for this load."
    return yaml.safe_dump(dict(load.document), sort_keys=False, allow_unicode=True)


def plain_label(text: str) -> QLabel:
    label = PlainLabel(text, multiline=True)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class MetadataDialog(QDialog):
    def __init__(
        self,
        load: LocationLoad,
        parent: QWidget | None = None,
        note: RollbackNote | None = None,
        show_load: ShowLoad | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("metadataDialog")
        set_title(self, f"{load.location} — {formatting.exact_time(load.loaded_at)}")
        self.resize(780, 640)
        self.load = load
        self.note = note
        self._show_load = show_load
        self.target_link: QLabel | None = None

        layout = QVBoxLayout(self)
        display = QGroupBox("Display metadata")
        form = QFormLayout(display)
        if load.display_metadata:
            for key in sorted(load.display_metadata):
                form.addRow(plain_label(f"{key}:"), self._value(key))
        else:
            form.addRow(QLabel("None"))
        layout.addWidget(display)

        if note is not None:
            reason_box = QGroupBox("Rollback reason (kept only on this computer)")
            reason_box.setObjectName("metadataRollbackNote")
            reason_form = QFormLayout(reason_box)
            self.reason = plain_label(note.reason)
            self.reason.setObjectName("metadataRollbackReason")
            reason_form.addRow("Reason:", self.reason)
            reason_form.addRow("Asked by:", plain_label(note.requested_by or "unknown"))
            reason_form.addRow("Submitted:", QLabel(formatting.exact_time(note.submitted_at)))
            layout.addWidget(reason_box)

        if load.error:
            error_box = QGroupBox("Load error")
            error_layout = QVBoxLayout(error_box)
            error = QPlainTextEdit(plain(load.error, multiline=True))
            error.setReadOnly(True)
            error.setObjectName("metadataError")
            error.setMaximumHeight(90)
            error_layout.addWidget(error)
            layout.addWidget(error_box)

        document_box = QGroupBox("Deployed document")
        document_layout = QVBoxLayout(document_box)
        self.document = QPlainTextEdit(plain(document_text(load), multiline=True))
        self.document.setObjectName("metadataDocument")
        self.document.setReadOnly(True)
        self.document.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        document_layout.addWidget(self.document)
        layout.addWidget(document_box, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _value(self, key: str) -> QLabel:
        raw = self.load.display_metadata[key]
        target = self.load.rollback_target if key == "rollback_target" else None
        if target is None:
            return plain_label(raw)
        # Our own markup around an escaped time: the only rich text here.
        when = html.escape(formatting.exact_time(target))
        label = QLabel()
        label.setObjectName("metadataRollbackTarget")
        label.setTextFormat(Qt.TextFormat.RichText)
        if self._show_load is None:
            label.setText(when)
        else:
            label.setText(f'{when} — <a href="load">show that load</a>')
            label.linkActivated.connect(lambda _href: self.show_target())
        label.setToolTip(tooltip(raw))
        self.target_link = label
        return label

    def show_target(self) -> None:
        """Select the load rolled back to in the history."""
        target = self.load.rollback_target
        if target is not None and self._show_load is not None:
            self._show_load(target)
