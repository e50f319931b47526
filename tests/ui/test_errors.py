"""Unhandled exceptions reach an error dialog, from any thread."""

from __future__ import annotations

import sys
import threading

from pytestqt.qtbot import QtBot
from shiboken6 import delete

from desktop_app.ui.errors import ErrorReporter
from desktop_app.ui.prompts import RecordingPrompts


def test_exceptions_from_any_thread_reach_the_error_prompt(qtbot: QtBot) -> None:
    prompts = RecordingPrompts()
    reporter = ErrorReporter(prompts)
    try:
        raise ValueError("on the GUI thread")
    except ValueError:
        kind, exc, tb = sys.exc_info()
        assert kind is not None
        assert exc is not None
        with qtbot.waitSignal(reporter.report):
            reporter._excepthook(kind, exc, tb)

    def worker() -> None:
        try:
            raise RuntimeError("on a worker thread")
        except RuntimeError:
            args = threading.ExceptHookArgs((*sys.exc_info(), threading.current_thread()))
            reporter._thread_hook(args)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(prompts.shown) == 2)
    texts = [text for _kind, _title, text in prompts.shown]
    assert "ValueError: on the GUI thread" in texts[0]
    assert "RuntimeError: on a worker thread" in texts[1]
    assert all(kind == "error" for kind, _title, _text in prompts.shown)
    delete(reporter)
