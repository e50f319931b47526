"""Icons and the style sheet: package data next to this module
(`desktop_app/ui/icons/`, `desktop_app/ui/style/`), found through
`importlib.resources`, so a wheel, an editable install and the PyInstaller
bundle all read them from inside the package.

This is the one module that names icon files."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon

PACKAGE = "desktop_app.ui"


class Icon(StrEnum):
    APP = "app.svg"
    LOADED = "status-loaded.svg"
    ERROR = "status-error.svg"
    LOADING = "status-loading.svg"
    UNKNOWN = "status-unknown.svg"
    OFFLINE = "offline.svg"
    ROLLBACK = "rollback.svg"


def data_path(*parts: str) -> Path:
    """The file of a resource. Qt reads SVG icons by file name, so the
    package must be installed as files (it always is: wheel, editable
    install, bundle); a missing file is named rather than drawn blank."""
    path = Path(str(resources.files(PACKAGE).joinpath(*parts)))
    if not path.is_file():
        raise FileNotFoundError(f"package data missing: {path} (reinstall desktop-app)")
    return path


@cache
def icon(name: Icon) -> QIcon:
    """An SVG icon; Qt renders it at whatever device pixel ratio is asked."""
    return QIcon(str(data_path("icons", name.value)))


def status_icon(status: str) -> QIcon:
    return icon(
        {
            "LOADED": Icon.LOADED,
            "ERROR": Icon.ERROR,
            "LOADING": Icon.LOADING,
        }.get(status.upper(), Icon.UNKNOWN)
    )


def style_sheet() -> str:
    return resources.files(PACKAGE).joinpath("style", "app.qss").read_text(encoding="utf-8")
