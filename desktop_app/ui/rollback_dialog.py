"""The rollback confirmation: current vs target version, which assets the
rollback will add, remove or change, an optional reason. Cancel is the
default button; confirming can only happen once."""

from __future__ import annotations

from PySide6.QtCore import Signal
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
from desktop_app.core.loads import LocationLoad
from desktop_app.ui import formatting
from desktop_app.ui.history_model import MINUS, PLUS, TILDE


def change_line(change: AssetChange) -> str:
    if ChangeType.NEW in change.change_types:
        return f"{PLUS} {key_to_str(change.key)}"
    if ChangeType.REMOVED in change.change_types:
        return f"{MINUS} {key_to_str(change.key)}"
    # Types are unknown for loads whose details the server never gave us.
    labels = formatting.change_labels(change.change_types) or "changed"
    return f"{TILDE} {key_to_str(change.key)}  ({labels})"


def version_field(load: LocationLoad | None, name: str) -> str:
    if load is None:
        return "—"
    if name == "Loaded":
        return formatting.exact_time(load.loaded_at)
    if name == "Commit":
        return formatting.short_sha(load.deploy.commit_hash) or "—"
    return load.deploy.image or "—"


class RollbackDialog(QDialog):
    """Signals: confirmed(str) with the reason (possibly empty), at most once."""

    confirmed = Signal(str)

    def __init__(
        self,
        location: str,
        current: LocationLoad | None,
        target: LocationLoad,
        changes: list[AssetChange],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rollbackDialog")
        self.setWindowTitle(f"Roll back {location}?")
        self.resize(560, 480)
        self.location = location
        self.target = target
        self.changes = changes
        self._sent = False

        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"Deploy the version of <b>{location}</b> loaded at "
                f"{formatting.exact_time(target.loaded_at)} again."
            )
        )

        versions = QGroupBox("Versions")
        grid = QGridLayout(versions)
        for column, title in enumerate(("", "Current", "Target")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        for number, name in enumerate(("Loaded", "Commit", "Image"), start=1):
            grid.addWidget(QLabel(name), number, 0)
            grid.addWidget(QLabel(version_field(current, name)), number, 1)
            grid.addWidget(QLabel(version_field(target, name)), number, 2)
        layout.addWidget(versions)

        added = sum(1 for c in changes if ChangeType.NEW in c.change_types)
        removed = sum(1 for c in changes if ChangeType.REMOVED in c.change_types)
        changed = len(changes) - added - removed
        assets = QGroupBox(
            f"Assets: {added} added, {removed} removed, {changed} changed"
            if changes
            else "Assets: no definition changes"
        )
        assets_layout = QVBoxLayout(assets)
        self.change_list = QListWidget()
        self.change_list.setObjectName("rollbackChanges")
        self.change_list.addItems([change_line(c) for c in changes])
        assets_layout.addWidget(self.change_list)
        layout.addWidget(assets, 1)

        layout.addWidget(QLabel("Reason (optional):"))
        self.reason = QLineEdit()
        self.reason.setObjectName("rollbackReason")
        self.reason.setPlaceholderText("Why roll back? e.g. orders job fails since 14:02")
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
        self.cancel_button.setFocus()

    def accept(self) -> None:
        if self._sent:
            return
        self._sent = True
        self.rollback_button.setEnabled(False)
        self.confirmed.emit(self.reason.text().strip())
        super().accept()
