"""One asset's change history: every load that changed it, field by field,
old → new."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.cache.store import HistoryCache
from desktop_app.core.assets import AssetKey, key_to_str
from desktop_app.ui.asset_history_model import AssetHistoryModel
from desktop_app.ui.plain_text import PlainLabel, rich, set_title


class AssetHistoryDialog(QDialog):
    def __init__(
        self, cache: HistoryCache, location: str, key: AssetKey, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assetHistoryDialog")
        set_title(self, f"{key_to_str(key)} — change history")
        self.resize(1080, 420)
        self.cache = cache
        self.location = location
        self.key = key

        self.model = AssetHistoryModel(self)
        layout = QVBoxLayout(self)
        self.heading = QLabel()  # rich text: the key in bold
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.heading)

        self.table = QTableView(self)
        self.table.setObjectName("assetHistoryTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        widths = {"Loaded": 120, "Commit": 80, "Change": 150, "Field": 170, "Old": 280}
        for name, width in widths.items():
            header.resizeSection(self.model.column_named(name), width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.status_label = PlainLabel()
        self.status_label.setObjectName("assetHistoryStatus")
        bottom.addWidget(self.status_label, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.reload()

    def reload(self) -> None:
        """Re-read this asset's history from the cache."""
        self.model.set_entries(self.cache.asset_history(self.location, self.key))
        count = len({row.loaded_at for row in self.model.rows})
        self.heading.setText(
            f"<b>{rich(key_to_str(self.key))}</b> in {rich(self.location)}:"
            f" changed by {count} "
            f"load{'s' if count != 1 else ''}"
        )
