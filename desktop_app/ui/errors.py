"""Bugs reach an error dialog; Qt's own messages go to Python logging.

Expected failures (network down, 401) never come here: they become status
bar or banner messages. This is for exceptions nobody handled, on the GUI
thread (`sys.excepthook`) or any other (`threading.excepthook`)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QObject, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QWidget

from desktop_app.ui.prompts import Prompts

log = logging.getLogger("desktop_app")
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


class ErrorReporter(QObject):
    """Signals: report(str) — queued to the GUI thread from any thread."""

    report = Signal(str)

    def __init__(self, prompts: Prompts, parent_widget: QWidget | None = None) -> None:
        super().__init__()
        self._prompts = prompts
        self._parent_widget = parent_widget
        self.report.connect(self._show)

    def _show(self, text: str) -> None:
        self._prompts.error(
            self._parent_widget,
            "Unexpected error",
            "Something went wrong inside the app. Details:\n\n" + text,
        )

    def install(self) -> None:
        qInstallMessageHandler(_qt_message)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook

    def _excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        log.error("unhandled exception", exc_info=(kind, exc, tb))
        self.report.emit("".join(traceback.format_exception(kind, exc, tb))[-4000:])

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self._excepthook(args.exc_type, args.exc_value, args.exc_traceback)
