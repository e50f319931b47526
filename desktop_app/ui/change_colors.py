"""Colours that mean something: added (green), removed (red), changed
(amber), loaded (blue), failed (red), rollback (purple). Each has a shade for light
palettes and one for dark ones, chosen from the widget's palette, so the
same code reads well in both."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtGui import QColor, QPalette


class Meaning(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    LOADED = "loaded"
    FAILED = "failed"
    ROLLBACK = "rollback"


# (on a light background, on a dark background)
_SHADES: dict[Meaning, tuple[str, str]] = {
    Meaning.ADDED: ("#1a7f37", "#56d364"),
    Meaning.REMOVED: ("#cf222e", "#ff7b72"),
    Meaning.CHANGED: ("#9a6700", "#e3b341"),
    Meaning.LOADED: ("#2f81f7", "#58a6ff"),
    Meaning.FAILED: ("#cf222e", "#ff7b72"),
    Meaning.ROLLBACK: ("#8250df", "#d2a8ff"),
}


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def color(meaning: Meaning, palette: QPalette) -> QColor:
    light, dark = _SHADES[meaning]
    return QColor(dark if is_dark(palette) else light)


SIGN_MEANINGS: dict[str, Meaning] = {
    "+": Meaning.ADDED,
    "\u2212": Meaning.REMOVED,
    "-": Meaning.REMOVED,
    "~": Meaning.CHANGED,
}
