"""The history timeline: a strip with one mark per load along time, so
"it broke three times this week" is seen at a glance.

Failed loads are tall red marks, rollbacks amber, other loads short blue
ones (palette-aware shades, `change_colors`). Marks are painted from the
compact arrays of `cache.explore.TimelineMarks`, binned per pixel column
(the most severe kind wins a column), so thousands of loads paint as at
most one line per pixel and no object per mark exists.

Signals: load_clicked(float): the `loaded_at` of the mark clicked.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QLine, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop_app.cache.explore import FAILED, LOADED, ROLLBACK, TimelineMarks
from desktop_app.ui import formatting
from desktop_app.ui.change_colors import Meaning, color
from desktop_app.ui.plain_text import plain, tooltip

MARGIN = 10
HIT_PIXELS = 4
KIND_WORDS = {LOADED: "loaded", FAILED: "failed", ROLLBACK: "rollback"}
_SEVERITY = {LOADED: 1, ROLLBACK: 2, FAILED: 3}
_MEANINGS = {LOADED: Meaning.LOADED, FAILED: Meaning.FAILED, ROLLBACK: Meaning.ROLLBACK}


def legend_html(palette: QPalette) -> str:
    """What the marks' colours mean, as rich text for a label."""
    parts = []
    for kind in (LOADED, FAILED, ROLLBACK):
        shade = color(_MEANINGS[kind], palette).name()
        parts.append(f'<span style="color:{shade}">\u258e</span>{KIND_WORDS[kind]}')
    return "&nbsp;&nbsp;".join(parts)


class HistoryTimeline(QWidget):
    load_clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyTimeline")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("")
        self.marks = TimelineMarks()
        self.loaded = False
        """False until the first `set_marks` (the marks are read on a worker)."""
        self.selected: float | None = None
        self.describer: Callable[[float], str | None] | None = None
        """Names the load at a `loaded_at` (commit, who) when it is at hand."""
        self._columns = bytearray()  # per pixel column: 0, or 1 + the kind shown there
        self._binned_width = -1

    def sizeHint(self) -> QSize:
        return QSize(600, 4 * self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    # -- content -----------------------------------------------------------
    def set_marks(self, marks: TimelineMarks) -> None:
        self.marks = marks
        self.loaded = True
        self._binned_width = -1
        self.update()

    def set_selected(self, loaded_at: float | None) -> None:
        if loaded_at != self.selected:
            self.selected = loaded_at
            self.update()

    # -- geometry ------------------------------------------------------------
    def _plot(self) -> QRect:
        label_height = self.fontMetrics().height()
        return self.rect().adjusted(MARGIN, 4, -MARGIN, -(label_height + 2))

    def _span(self) -> tuple[float, float]:
        times = self.marks.times
        first, last = times[0], times[-1]
        if last - first < 1.0:  # one load, or all at once: centre them
            return first - 1.0, last + 1.0
        pad = (last - first) * 0.01
        return first - pad, last + pad

    def x_of(self, loaded_at: float) -> int:
        plot = self._plot()
        lo, hi = self._span()
        return plot.left() + round((loaded_at - lo) / (hi - lo) * (plot.width() - 1))

    def mark_at(self, x: int) -> int | None:
        """Index of the load whose mark is nearest to `x`, within a few pixels."""
        times = self.marks.times
        if not times:
            return None
        plot = self._plot()
        lo, hi = self._span()
        at = lo + (x - plot.left()) / max(1, plot.width() - 1) * (hi - lo)
        right = bisect.bisect_left(times, at)
        candidates = [i for i in (right - 1, right) if 0 <= i < len(times)]
        best = min(candidates, key=lambda i: abs(self.x_of(times[i]) - x))
        # Among loads at the same pixel, prefer the most severe (what is drawn).
        column = self.x_of(times[best])
        if abs(column - x) > HIT_PIXELS:
            return None
        kinds = self.marks.kinds
        same = best
        for step in (-1, 1):
            i = best + step
            while 0 <= i < len(times) and self.x_of(times[i]) == column:
                if _SEVERITY[kinds[i]] > _SEVERITY[kinds[same]]:
                    same = i
                i += step
        return same

    def _bin(self) -> None:
        """Which kind each pixel column shows (the most severe of its loads),
        computed once per width and set of marks, in one pass."""
        width = self.width()
        if self._binned_width == width:
            return
        columns = bytearray(width + 1)
        times = self.marks.times
        if times:
            plot = self._plot()
            lo, hi = self._span()
            left, scale = plot.left(), (plot.width() - 1) / (hi - lo)
            severity = _SEVERITY
            for at, kind in zip(times, self.marks.kinds, strict=True):
                x = min(max(left + round((at - lo) * scale), 0), width)
                shown = columns[x]
                if not shown or severity[kind] > severity[shown - 1]:
                    columns[x] = kind + 1
        self._columns = columns
        self._binned_width = width

    # -- painting --------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        plot = self._plot()
        mid = palette.color(QPalette.ColorRole.Mid)
        painter.setPen(mid)
        painter.drawLine(plot.left(), plot.bottom(), plot.right(), plot.bottom())
        if not self.marks.times:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            text = "No loads yet" if self.loaded else "Reading the history…"
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, text)
            painter.end()
            return
        self._paint_axis(painter, plot)
        self._bin()
        heights = {
            LOADED: plot.height() * 0.45,
            ROLLBACK: plot.height() * 0.75,
            FAILED: plot.height(),
        }
        lines: dict[int, list[QLine]] = {LOADED: [], ROLLBACK: [], FAILED: []}
        bottom = plot.bottom()
        for x, shown in enumerate(self._columns):
            if shown:
                kind = shown - 1
                lines[kind].append(QLine(x, bottom, x, bottom - round(heights[kind])))
        for kind in (LOADED, ROLLBACK, FAILED):
            pen = QPen(color(_MEANINGS[kind], palette))
            pen.setWidth(2)
            painter.setPen(pen)
            painter.drawLines(lines[kind])
        if self.selected is not None:
            x = self.x_of(self.selected)
            pen = QPen(palette.color(QPalette.ColorRole.Highlight))
            pen.setWidth(1)
            painter.setPen(pen)
            painter.drawRect(QRect(x - 3, plot.top(), 6, plot.height()))
        painter.end()

    def _paint_axis(self, painter: QPainter, plot: QRect) -> None:
        """Day ticks with dates (or the two ends' times within one day)."""
        lo, hi = self._span()
        metrics = self.fontMetrics()
        baseline = self.height() - metrics.descent() - 1
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        start, end = datetime.fromtimestamp(lo), datetime.fromtimestamp(hi)
        days = (end.date() - start.date()).days
        if days < 1:
            painter.drawText(plot.left(), baseline, formatting.exact_time(lo))
            text = formatting.exact_time(hi)
            painter.drawText(plot.right() - metrics.horizontalAdvance(text), baseline, text)
            return
        step = max(1, round(days / max(1, plot.width() // 90)))
        day = datetime.combine(start.date() + timedelta(days=1), datetime.min.time())
        last_right = -1
        while day.timestamp() < hi:
            x = self.x_of(day.timestamp())
            painter.drawLine(x, plot.bottom(), x, plot.bottom() - 3)
            text = day.strftime("%b %d")
            left = x - metrics.horizontalAdvance(text) // 2
            if left > last_right + 6 and left + metrics.horizontalAdvance(text) < self.width():
                painter.drawText(left, baseline, text)
                last_right = left + metrics.horizontalAdvance(text)
            day += timedelta(days=step)

    # -- mouse -------------------------------------------------------------------
    def describe(self, index: int) -> str:
        at = self.marks.times[index]
        text = f"{formatting.exact_time(at)} — {KIND_WORDS[self.marks.kinds[index]]}"
        more = self.describer(at) if self.describer is not None else None
        return f"{text}\n{plain(more, multiline=True)}" if more else text  # more: server text

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.mark_at(round(event.position().x()))
        if index is None:
            QToolTip.hideText()
            self.setCursor(Qt.CursorShape.ArrowCursor)
        else:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            where = self.mapToGlobal(QPoint(round(event.position().x()), 0))
            QToolTip.showText(where, tooltip(self.describe(index)), self)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.mark_at(round(event.position().x()))
            if index is not None:
                self.load_clicked.emit(self.marks.times[index])
                event.accept()
                return
        super().mousePressEvent(event)
