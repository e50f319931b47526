"""The timeline on its own: thousands of loads, failures never hidden
behind ordinary loads at the same pixel, and clicks naming a load."""

from __future__ import annotations

from array import array

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from desktop_app.cache.explore import FAILED, LOADED, ROLLBACK, TimelineMarks
from desktop_app.ui.change_colors import Meaning, color
from desktop_app.ui.history_timeline import HistoryTimeline


def _marks(count: int, failed_at: int) -> TimelineMarks:
    times = array("d", (1.7e9 + i * 60.0 for i in range(count)))
    kinds = bytes(
        FAILED if i == failed_at else ROLLBACK if i % 500 == 7 else LOADED for i in range(count)
    )
    return TimelineMarks(times, kinds)


def test_two_thousand_loads_paint_and_a_failure_wins_its_pixel(qtbot: QtBot) -> None:
    timeline = HistoryTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(600, 60)
    marks = _marks(2000, failed_at=1234)
    timeline.set_marks(marks)
    image = timeline.grab().toImage()
    x = timeline.x_of(marks.times[1234])
    failed = color(Meaning.FAILED, timeline.palette())
    column = [QColor(image.pixel(x, y)) for y in range(image.height())]
    assert any(c.rgb() == failed.rgb() for c in column), "the failure is drawn"
    # Several loads share that pixel; a click there names the failed one.
    assert timeline.mark_at(x) == 1234
    clicked: list[float] = []
    timeline.load_clicked.connect(clicked.append)
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 20))
    assert clicked == [marks.times[1234]]
    assert "failed" in timeline.describe(1234)


def test_far_from_any_mark_nothing_is_clicked(qtbot: QtBot) -> None:
    timeline = HistoryTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(600, 60)
    timeline.set_marks(TimelineMarks(array("d", [1.7e9, 1.7e9 + 86400.0 * 10]), bytes([0, 1])))
    middle = (timeline.x_of(1.7e9) + timeline.x_of(1.7e9 + 86400.0 * 10)) // 2
    assert timeline.mark_at(middle) is None
