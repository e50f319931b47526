"""Fixtures for the UI tests: the whole app built through
`create_main_window` against the bundled server on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from desktop_app.app import create_main_window
from desktop_app.server.demo import DEMO_USERS
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.prompts import RecordingPrompts

OpenApp = Callable[..., MainWindow]


@pytest.fixture
def open_app(qtbot: QtBot, tmp_path: Path) -> Iterator[OpenApp]:
    """Open the app on a server URL as a demo user and wait for its first
    sync; prompts are recorded and URLs collected instead of opened."""
    windows: list[MainWindow] = []

    def _open(
        url: str,
        email: str = "editor@example.com",
        *,
        poll_interval: float = 60.0,
        wait: bool = True,
        extra: tuple[str, ...] = (),
    ) -> MainWindow:
        argv = [
            "--url",
            url,
            "--token",
            DEMO_USERS[email][1],
            "--cache-dir",
            str(tmp_path / "cache"),
            "--poll-interval",
            str(poll_interval),
            *extra,
        ]
        window = create_main_window(argv)
        windows.append(window)
        window.context.prompts = RecordingPrompts()
        opened: list[str] = []
        window.context.open_url = opened.append
        window.opened_urls = opened  # type: ignore[attr-defined]
        if wait:
            with qtbot.waitSignal(window.round_done, timeout=60000) as blocker:
                pass
            assert blocker.args == [True]
        return window

    yield _open
    for window in windows:
        if isValid(window):  # closing deletes the window
            window.close()


@pytest.fixture(autouse=True)
def _no_windows_left(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level window open."""
    yield
    left = [w.objectName() or type(w).__name__ for w in qapp.topLevelWidgets() if w.isVisible()]
    for widget in qapp.topLevelWidgets():
        widget.close()
    assert not left, f"test left windows open: {left}"
