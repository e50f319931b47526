"""The layout survives a restart: window sizes, column widths and the
collapse choice (in the test's private settings location)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.main_window import MainWindow

OpenApp = Callable[..., MainWindow]


def test_layout_survives_a_restart(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    assert str(window.context.layout.path).startswith(str(Path.home()))
    window.resize(700, 450)  # the offscreen screen is 800 x 600
    image = window.model.column_named("Image")
    window.table.horizontalHeader().setSectionResizeMode(
        image, window.table.horizontalHeader().ResizeMode.Interactive
    )
    commit = window.model.column_named("Commit")
    window.table.horizontalHeader().resizeSection(commit, 133)
    dialog = window.open_history("analytics_core")
    dialog.resize(760, 520)
    assets = dialog.model.column_named("Assets")
    dialog.table.horizontalHeader().resizeSection(assets, 377)
    dialog.collapse_box.setChecked(False)
    dialog.close()
    window.close()

    again = open_app(demo_server.url)
    assert (again.width(), again.height()) == (700, 450)
    assert again.table.horizontalHeader().sectionSize(commit) == 133
    dialog = again.open_history("analytics_core")
    assert (dialog.width(), dialog.height()) == (760, 520)
    assert dialog.table.horizontalHeader().sectionSize(assets) == 377
    assert not dialog.collapse_box.isChecked()
    assert not dialog.model.collapsed
    dialog.close()
