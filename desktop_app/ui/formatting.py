"""How times, commits and change types read in the UI."""

from __future__ import annotations

import time
from datetime import datetime

from desktop_app.core.diff import ChangeType

CHANGE_LABELS: dict[ChangeType, str] = {
    ChangeType.NEW: "new",
    ChangeType.REMOVED: "removed",
    ChangeType.CODE_VERSION: "code version",
    ChangeType.TAGS: "tags",
    ChangeType.METADATA: "metadata",
    ChangeType.DEPENDENCIES: "dependencies",
    ChangeType.PARTITIONS_DEFINITION: "partitions",
}


def exact_time(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def clock(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def short_clock(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%H:%M")


def when(ts: float | None, now: float | None = None) -> str:
    """Compact absolute time: today's times without the date, other days
    without the year when it is this year's."""
    if ts is None:
        return ""
    moment = datetime.fromtimestamp(ts)
    today = datetime.fromtimestamp(time.time() if now is None else now)
    if moment.date() == today.date():
        return moment.strftime("%H:%M:%S")
    if moment.year == today.year:
        return moment.strftime("%b %d, %H:%M")
    return moment.strftime("%b %d %Y, %H:%M")


def relative(ts: float | None, now: float | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago'."""
    if ts is None:
        return "never"
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
