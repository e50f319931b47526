"""Custom item-data roles shared by the table models and their delegates."""

from __future__ import annotations

from PySide6.QtCore import Qt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The raw value a column sorts by (a number or a lower-cased string)."""
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
"""The whole row object (a frozen dataclass) behind an index."""
LINK_ROLE = Qt.ItemDataRole.UserRole + 3
"""Text drawn as a link in the cell; equal to the display text when the whole
cell is a link, otherwise drawn after it."""
ASSET_LINES_ROLE = Qt.ItemDataRole.UserRole + 4
"""For the Assets cell: a tuple of `AssetLine`."""
