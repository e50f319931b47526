"""The remembered layout: window geometry, table column widths, the
"Collapse similar entries" choice and the last connection profile, kept
with QSettings in an INI file in the user's config directory (so a test's
private config directory is a private settings location)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QWidget

from desktop_app.ui.credentials import APP_NAME

EMBEDDED_PROFILE = ""
"""The last profile when it was the embedded demo deployment."""


class LayoutSettings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(platformdirs.user_config_dir(APP_NAME)) / "layout.ini"
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    # -- widgets -------------------------------------------------------------
    def save_widget(self, name: str, widget: QWidget, header: QHeaderView | None = None) -> None:
        """Remember a window's geometry (and its table's column widths)."""
        self._settings.setValue(f"{name}/geometry", widget.saveGeometry())
        if header is not None:
            self._settings.setValue(f"{name}/header", header.saveState())
        self._settings.sync()

    def restore_widget(self, name: str, widget: QWidget, header: QHeaderView | None = None) -> bool:
        """Put back what `save_widget` kept; False when nothing was kept."""
        geometry = self._settings.value(f"{name}/geometry")
        restored = isinstance(geometry, QByteArray) and widget.restoreGeometry(geometry)
        state = self._settings.value(f"{name}/header")
        if header is not None and isinstance(state, QByteArray):
            restored = header.restoreState(state) or restored
        return bool(restored)

    # -- choices ---------------------------------------------------------------
    def collapse(self) -> bool:
        value = self._settings.value("history/collapse", True)
        return value not in (False, "false", "0", 0)

    def set_collapse(self, collapsed: bool) -> None:
        self._settings.setValue("history/collapse", collapsed)
        self._settings.sync()

    def last_profile(self) -> str | None:
        """The name of the profile used last (EMBEDDED_PROFILE for the demo),
        or None when none was ever chosen."""
        value = self._settings.value("connection/last_profile")
        return str(value) if value is not None else None

    def set_last_profile(self, name: str) -> None:
        self._settings.setValue("connection/last_profile", name)
        self._settings.sync()
