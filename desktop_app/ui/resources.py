"""Icons and the style sheet, loaded by path from the `resources/` folder.

This is the one module that names icon files."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
ICONS = RESOURCES / "icons"
STYLE = RESOURCES / "style"


class Icon(StrEnum):
    APP = "app.svg"
    LOADED = "status-loaded.svg"
    ERROR = "status-error.svg"
    LOADING = "status-loading.svg"
    UNKNOWN = "status-unknown.svg"
    OFFLINE = "offline.svg"
    ROLLBACK = "rollback.svg"


@cache
def icon(name: Icon) -> QIcon:
    """An SVG icon; Qt renders it at whatever device pixel ratio is asked."""
    return QIcon(str(ICONS / name.value))


def status_icon(status: str) -> QIcon:
    return icon(
        {
            "LOADED": Icon.LOADED,
            "ERROR": Icon.ERROR,
            "LOADING": Icon.LOADING,
        }.get(status.upper(), Icon.UNKNOWN)
    )


def style_sheet() -> str:
    path = STYLE / "app.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""
