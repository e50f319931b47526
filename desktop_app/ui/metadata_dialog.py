""" "View metadata": the location document a load deployed, its display
metadata and, for a rollback, the reason given for it (kept only locally)."""

from __future__ import annotations

import yaml
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

from desktop_app.cache.notes import RollbackNote
from desktop_app.core.loads import LocationLoad
from desktop_app.ui import formatting


def document_text(load: LocationLoad) -> str:
    if not load.document:
        return "# This server reported no location document for this load."
    return yaml.safe_dump(dict(load.document), sort_keys=False, allow_unicode=True)


class MetadataDialog(QDialog):
    def __init__(
        self,
        load: LocationLoad,
        parent: QWidget | None = None,
        note: RollbackNote | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("metadataDialog")
        self.setWindowTitle(f"{load.location} — {formatting.exact_time(load.loaded_at)}")
        self.resize(780, 640)
        self.load = load
        self.note = note

        layout = QVBoxLayout(self)
        display = QGroupBox("Display metadata")
        form = QFormLayout(display)
        if load.display_metadata:
            for key in sorted(load.display_metadata):
                value = QLabel(load.display_metadata[key])
                value.setTextInteractionFlags(value.textInteractionFlags().TextSelectableByMouse)
                form.addRow(f"{key}:", value)
        else:
            form.addRow(QLabel("None"))
        layout.addWidget(display)

        if note is not None:
            reason_box = QGroupBox("Rollback reason (kept only on this computer)")
            reason_box.setObjectName("metadataRollbackNote")
            reason_form = QFormLayout(reason_box)
            self.reason = QLabel(note.reason)
            self.reason.setObjectName("metadataRollbackReason")
            self.reason.setWordWrap(True)
            self.reason.setTextInteractionFlags(
                self.reason.textInteractionFlags().TextSelectableByMouse
            )
            reason_form.addRow("Reason:", self.reason)
            reason_form.addRow("Asked by:", QLabel(note.requested_by or "unknown"))
            reason_form.addRow("Submitted:", QLabel(formatting.exact_time(note.submitted_at)))
            layout.addWidget(reason_box)

        if load.error:
            error_box = QGroupBox("Load error")
            error_layout = QVBoxLayout(error_box)
            error = QPlainTextEdit(load.error)
            error.setReadOnly(True)
            error.setObjectName("metadataError")
            error.setMaximumHeight(90)
            error_layout.addWidget(error)
            layout.addWidget(error_box)

        document_box = QGroupBox("Deployed document")
        document_layout = QVBoxLayout(document_box)
        self.document = QPlainTextEdit(document_text(load))
        self.document.setObjectName("metadataDocument")
        self.document.setReadOnly(True)
        self.document.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        document_layout.addWidget(self.document)
        layout.addWidget(document_box, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
