"""How times, commits and change types read in the UI.

Every function here takes what a cache or server may hold, damaged values
included, and returns text: a time that is not finite or out of range
reads "?", and untrusted text loses its control characters (`plain`)."""

from __future__ import annotations

import math
import time
from datetime import datetime

from desktop_app.core.diff import ChangeType
from desktop_app.core.untrusted import moment, printable

UNKNOWN_TIME = "?"

CHANGE_LABELS: dict[ChangeType, str] = {
    ChangeType.NEW: "new",
    ChangeType.REMOVED: "removed",
    ChangeType.CODE_VERSION: "code version",
    ChangeType.TAGS: "tags",
    ChangeType.METADATA: "metadata",
    ChangeType.DEPENDENCIES: "dependencies",
    ChangeType.PARTITIONS_DEFINITION: "partitions",
}


def plain(text: str | None, *, multiline: bool = False) -> str:
    """Untrusted text (names, references, messages) without control,
    bidi-override or zero-width characters, which are shown escaped."""
    return printable(text, multiline=multiline) if text else ""


def _formatted(ts: float | None, fmt: str) -> str:
    if ts is None:
        return ""
    found = moment(ts)
    return found.strftime(fmt) if found is not None else UNKNOWN_TIME


def exact_time(ts: float | None) -> str:
    return _formatted(ts, "%Y-%m-%d %H:%M:%S")


def clock(ts: float) -> str:
    return _formatted(ts, "%H:%M:%S")


def short_clock(ts: float) -> str:
    return _formatted(ts, "%H:%M")


def when(ts: float | None, now: float | None = None) -> str:
    """Compact absolute time: today's times without the date, other days
    without the year when it is this year's."""
    if ts is None:
        return ""
    found = moment(ts)
    if found is None:
        return UNKNOWN_TIME
    today = datetime.fromtimestamp(time.time() if now is None else now)
    if found.date() == today.date():
        return found.strftime("%H:%M:%S")
    if found.year == today.year:
        return found.strftime("%b %d, %H:%M")
    return found.strftime("%b %d %Y, %H:%M")


def relative(ts: float | None, now: float | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago'."""
    if ts is None:
        return "never"
    if moment(ts) is None:
        return UNKNOWN_TIME
    seconds = max(0.0, (time.time() if now is None else now) - ts)
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"{hours} h ago"
    days = round(seconds / 86400)
    return "1 day ago" if days == 1 else f"{days} days ago"


def age(seconds: float) -> str:
    """A duration in words: '40 s', '3 min', '2 h'."""
    if not math.isfinite(seconds):
        return UNKNOWN_TIME
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


def short_sha(sha: str | None) -> str:
    return sha[:7] if sha else ""


def change_labels(types: tuple[ChangeType, ...]) -> str:
    return ", ".join(CHANGE_LABELS.get(t, str(t).lower()) for t in types)


def first_line(text: str | None, limit: int = 80) -> str:
    if not text:
        return ""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def error_kind(text: str | None) -> str:
    """The exception class of an error message, without its module path:
    'dagster._core.errors.DagsterImportError: ...' gives 'DagsterImportError'."""
    line = first_line(text, 200)
    head, sep, _rest = line.partition(":")
    if not sep or " " in head.strip():
        return ""
    return head.strip().rsplit(".", 1)[-1]
