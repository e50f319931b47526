"""Lifetimes: dialogs are deleted when closed and take their windows with
them; results for a widget that is gone are dropped by the task runner;
closing never waits on a hung server; Ctrl+C in a worker is not a failure."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from shiboken6 import delete, isValid

from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.asset_history_dialog import AssetHistoryDialog
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.metadata_dialog import MetadataDialog
from desktop_app.ui.tasks import TaskRunner

OpenApp = Callable[..., MainWindow]
LOCATION = "analytics_core"


def _flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def _alive(kind: type) -> list[QObject]:
    return [w for w in QApplication.allWidgets() if isinstance(w, kind)]


def test_five_open_close_cycles_leave_no_history_dialog(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    for _ in range(5):
        dialog = window.open_history(LOCATION)
        dialog.table.selectRow(0)
        metadata = dialog.view_metadata()
        key = next(ld.summary.modified[0] for ld in dialog.model.loads if ld.summary.modified)
        assets = dialog.open_asset_history(key)
        assert metadata is not None
        assert metadata.isVisible()
        assert assets.isVisible()
        dialog.close()
        assert not metadata.isVisible()  # windows it opened close with it
        assert not assets.isVisible()
        _flush_deletes()
        assert not isValid(dialog)
        assert not isValid(metadata)
        assert not isValid(assets)
    assert _alive(HistoryDialog) == []
    assert _alive(MetadataDialog) == []
    assert _alive(AssetHistoryDialog) == []
    assert window.history_dialogs == {}


def test_closing_the_window_closes_its_dialogs(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    dialog.table.selectRow(0)
    metadata = dialog.view_metadata()
    assert metadata is not None
    window.close()
    _flush_deletes()
    assert not isValid(dialog)
    assert not isValid(metadata)


@pytest.fixture
def hung_server() -> Iterator[str]:
    """A loopback port that accepts connections (the kernel's backlog) and
    never answers; closed after the test, which ends the requests."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    yield f"http://127.0.0.1:{port}/graphql"
    listener.close()


def test_closing_with_a_server_that_never_answers_returns_within_a_second(
    qtbot: QtBot, open_app: OpenApp, hung_server: str
) -> None:
    window = open_app(hung_server, wait=False)
    qtbot.waitUntil(lambda: window.poller.in_flight, timeout=5000)
    qtbot.wait(300)  # the first request is sent and waits for an answer
    assert window.poller.in_flight
    began = time.monotonic()
    window.close()
    took = time.monotonic() - began
    print(f"closing against a hung server took {took:.3f} s")
    assert took < 1.0, f"closing took {took:.2f} s"


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown()
    delete(runner)


def test_a_result_for_a_deleted_owner_is_dropped(qtbot: QtBot, tasks: TaskRunner) -> None:
    owner = QLabel()
    release = threading.Event()
    seen: list[object] = []
    task = tasks.run_write(
        "slow",
        lambda: release.wait(10),
        on_success=seen.append,
        on_failure=seen.append,
        owner=owner,
    )
    delete(owner)
    with qtbot.waitSignal(task.finished, timeout=5000):
        release.set()
    assert seen == []


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_keyboard_interrupt_and_system_exit_are_not_failures(
    qtbot: QtBot, tasks: TaskRunner, stop: type[BaseException]
) -> None:
    def worker() -> None:
        raise stop()

    failures: list[BaseException] = []
    with qtbot.waitSignal(tasks.interrupted, timeout=5000) as interrupted:
        tasks.run_write("stop", worker, on_failure=failures.append)
    assert isinstance(interrupted.args[0], stop)
    assert failures == []


def test_the_window_stops_when_a_worker_is_interrupted(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    failed: list[object] = []
    window.poller.failed.connect(lambda exc, _delay: failed.append(exc))

    def interrupted() -> None:
        raise KeyboardInterrupt

    window.context.tasks.run_write("interrupt", interrupted)
    qtbot.waitUntil(lambda: not isValid(window), timeout=5000)
    assert failed == []
