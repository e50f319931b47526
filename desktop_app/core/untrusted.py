"""Text and times from a server or a cache file, made safe to show.

Location names, image references, commit hashes and error messages come
from whoever runs the server; a terminal or a table must not act on the
control characters, ANSI escapes or bidirectional overrides they may hold.
Times may be anything a damaged cache holds; formatting one never raises.
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import UTC, datetime, tzinfo

MIN_TIMESTAMP = 0.0
MAX_TIMESTAMP = 32_503_680_000.0  # 3000-01-01 UTC; later is not a load time
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def _visible(char: str, keep: str) -> str:
    if char in keep:
        return char
    if unicodedata.category(char) not in _HIDDEN:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with every control, format (bidi override, zero-width) and
    surrogate character shown as an escape (`\\x1b`, `\\u202e`); newlines
    and tabs are kept when `multiline`."""
    if text.isprintable():
        return text
    keep = "\n\t" if multiline else ""
    return "".join(_visible(char, keep) for char in text)


class PrintableFormatter(logging.Formatter):
    """Log lines quote server text (names, messages): a terminal showing
    the log gets them without control characters, as the UI does."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), multiline=True)


def sane_timestamp(value: object) -> bool:
    """True for a POSIX time the app can store and show (1970 to 3000)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and MIN_TIMESTAMP <= value <= MAX_TIMESTAMP  # False for NaN and infinities too
    )


def moment(ts: object, tz: tzinfo | None = None) -> datetime | None:
    """`datetime.fromtimestamp`, or None for a value that is no sane time."""
    if not sane_timestamp(ts):
        return None
    try:
        return datetime.fromtimestamp(float(ts), tz)  # type: ignore[arg-type]
    except (OverflowError, OSError, ValueError):
        return None


def iso_utc(ts: object) -> str:
    """'2026-12-03T09:10:33.5Z', or '?' for a value that is no sane time."""
    found = moment(ts, UTC)
    return found.isoformat().replace("+00:00", "Z") if found else "?"
