"""The rollback confirmation: current vs target version, which assets the
rollback will add, remove or change, an optional reason. Cancel is the
default button; Enter in the reason field does not close the dialog;
confirming is the Rollback button or Ctrl+Enter, and happens once.

When the running load failed, "Current" is that failed load (with the
first line of its error) and the assets are compared with the last load
that succeeded, saying so."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.assets import key_to_str
from desktop_app.core.diff import AssetChange, ChangeType
from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.core.rollback import RollbackPreview
from desktop_app.ui import formatting
from desktop_app.ui.history_model import MINUS, PLUS, TILDE
from desktop_app.ui.plain_text import PlainLabel, item_text, set_title


def change_line(change: AssetChange) -> str:
    if ChangeType.NEW in change.change_types:
        return f"{PLUS} {key_to_str(change.key)}"
    if ChangeType.REMOVED in change.change_types:
        return f"{MINUS} {key_to_str(change.key)}"
    # Types are unknown for loads whose details the server never gave us.
    labels = formatting.change_labels(change.change_types) or "changed"
    return f"{TILDE} {key_to_str(change.key)}  ({labels})"


FIELDS = ("Loaded", "Status", "Commit", "Image")


def version_field(load: LocationLoad | None, name: str) -> str:
    if load is None:
        return "—"
    if name == "Loaded":
        return formatting.exact_time(load.loaded_at)
    if name == "Status":
        if load.status == LoadStatus.ERROR:
            return "Failed: " + (formatting.first_line(load.error, 70) or "no message")
        return "Loaded"
    if name == "Commit":
        return formatting.short_sha(load.deploy.commit_hash) or "—"
    return load.deploy.image or "—"


def assets_title(preview: RollbackPreview, changes: list[AssetChange]) -> str:
    added = sum(1 for c in changes if ChangeType.NEW in c.change_types)
    removed = sum(1 for c in changes if ChangeType.REMOVED in c.change_types)
    changed = len(changes) - added - removed
    counts = (
        f"{added} added, {removed} removed, {changed} changed"
        if changes
        else "no definition changes"
    )
    if not preview.current_failed:
        return f"Assets: {counts}"
    if preview.baseline is None:
        return "Assets: no load of this location succeeded to compare with"
    when = formatting.exact_time(preview.baseline.loaded_at)
    return f"Assets, compared with the last successful load ({when}): {counts}"


def _plain(text: str) -> QLabel:
    return PlainLabel(text)


class _KeepEnter(QObject):
    """Swallows a plain Enter in the reason field: it would press the
    dialog's default button (Cancel) and lose the reason."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            plain = not event.modifiers() & Qt.KeyboardModifier.ControlModifier
            if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                return True
        return False


class RollbackDialog(QDialog):
    """Signals: confirmed(str) with the reason (possibly empty), at most once."""

    confirmed = Signal(str)

    def __init__(
        self,
        location: str,
        preview: RollbackPreview,
        target: LocationLoad,
        changes: list[AssetChange],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("rollbackDialog")
        set_title(self, f"Roll back {location}?")
        self.resize(560, 480)
        self.location = location
        self.target = target
        self.preview = preview
        self.current = preview.current
        self.changes = changes
        self._sent = False

        layout = QVBoxLayout(self)
        layout.addWidget(
            _plain(
                f"Deploy the version of {location} loaded at "
                f"{formatting.exact_time(target.loaded_at)} again."
            )
        )

        versions = QGroupBox("Versions")
        grid = QGridLayout(versions)
        current_title = "Current (failed)" if preview.current_failed else "Current"
        self.current_fields: dict[str, QLabel] = {}
        for column, title in enumerate(("", current_title, "Target")):
            header = _plain(title)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            grid.addWidget(header, 0, column)
        for number, name in enumerate(FIELDS, start=1):
            grid.addWidget(_plain(name), number, 0)
            current = _plain(version_field(preview.current, name))
            current.setObjectName(f"rollbackCurrent{name}")
            current.setWordWrap(True)
            if name == "Status" and preview.current is not None and preview.current.error:
                current.setToolTip(preview.current.error)
            self.current_fields[name] = current
            grid.addWidget(current, number, 1)
            grid.addWidget(_plain(version_field(target, name)), number, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        layout.addWidget(versions)

        assets = QGroupBox(assets_title(preview, changes))
        assets.setObjectName("rollbackAssets")
        assets_layout = QVBoxLayout(assets)
        self.change_list = QListWidget()
        self.change_list.setObjectName("rollbackChanges")
        self.change_list.addItems([item_text(change_line(c)) for c in changes])
        assets_layout.addWidget(self.change_list)
        layout.addWidget(assets, 1)

        layout.addWidget(QLabel("Reason (optional):"))
        self.reason = QLineEdit()
        self.reason.setObjectName("rollbackReason")
        self.reason.setPlaceholderText("Why roll back? e.g. orders job fails since 14:02")
        self._keep_enter = _KeepEnter(self)
        self.reason.installEventFilter(self._keep_enter)
        layout.addWidget(self.reason)

        self.buttons = QDialogButtonBox()
        self.rollback_button: QPushButton = self.buttons.addButton(
            "Rollback", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.rollback_button.setObjectName("rollbackConfirmButton")
        self.cancel_button: QPushButton = self.buttons.addButton(
            QDialogButtonBox.StandardButton.Cancel
        )
        self.rollback_button.setAutoDefault(False)
        self.rollback_button.setDefault(False)
        self.cancel_button.setAutoDefault(True)
        self.cancel_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.rollback_button.setToolTip("Roll back (Ctrl+Enter)")
        self.cancel_button.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Enter confirms from anywhere in the dialog (a plain Enter
        in the reason field never reaches here; elsewhere it presses the
        focused or default button, Cancel)."""
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        if self._sent:
            return
        self._sent = True
        self.rollback_button.setEnabled(False)
        self.confirmed.emit(self.reason.text().strip())
        super().accept()
