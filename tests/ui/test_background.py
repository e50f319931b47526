"""The task runner and the poller, with plain callables standing in for a
sync round: what runs where, what is skipped, what is dropped."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from shiboken6 import delete

from desktop_app.core.backoff import Backoff
from desktop_app.ui.poller import Poller
from desktop_app.ui.tasks import TaskRunner


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown()
    # Delete now, on this thread, with every poller parented to it: Qt
    # objects must not be left to a cycle collection on some other thread.
    delete(runner)


def test_task_delivers_result_on_gui_thread(qtbot: QtBot, tasks: TaskRunner) -> None:
    seen: list[tuple[object, bool]] = []
    task = tasks.run_write(
        "add",
        lambda: threading.current_thread().name,
        on_success=lambda name: seen.append(
            (name, threading.current_thread() is threading.main_thread())
        ),
    )
    with qtbot.waitSignal(task.finished):
        pass
    assert seen
    worker_name, on_main = seen[0]
    assert str(worker_name).startswith("cache-writer")
    assert on_main


def test_task_delivers_failure(qtbot: QtBot, tasks: TaskRunner) -> None:
    def boom() -> None:
        raise ValueError("no")

    task = tasks.run_io("boom", boom)
    with qtbot.waitSignal(task.failed) as blocker:
        pass
    assert isinstance(blocker.args[0], ValueError)


def test_writer_runs_one_task_at_a_time(qtbot: QtBot, tasks: TaskRunner) -> None:
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        release.wait(10)
        order.append("first")

    def second() -> None:
        order.append("second")

    tasks.run_write("first", first)
    last = tasks.run_write("second", second)
    release.set()
    with qtbot.waitSignal(last.finished):
        pass
    assert order == ["first", "second"]


def test_poller_skips_ticks_while_in_flight(qtbot: QtBot, tasks: TaskRunner) -> None:
    release = threading.Event()
    calls: list[int] = []

    def slow_round() -> str:
        calls.append(1)
        release.wait(10)
        return "ok"

    poller = Poller(tasks, lambda: slow_round, interval=60, parent=tasks)
    poller.start()
    assert poller.in_flight
    poller.tick()
    poller.tick()
    with qtbot.waitSignal(poller.synced) as blocker:
        release.set()
    assert blocker.args == ["ok"]
    assert len(calls) == 1
    assert poller.timer_active
    poller.stop()


def test_poller_drops_results_of_an_old_connection(qtbot: QtBot, tasks: TaskRunner) -> None:
    release = threading.Event()

    def old_round() -> str:
        release.wait(10)
        return "old"

    poller = Poller(tasks, lambda: old_round, interval=60, parent=tasks)
    poller.start()
    poller.reconnect(lambda: lambda: "new")
    results: list[object] = []
    poller.synced.connect(results.append)
    release.set()
    qtbot.waitUntil(lambda: bool(results))
    with qtbot.assertNotEmitted(poller.synced, wait=100):
        pass
    assert results == ["new"]
    poller.stop()


def test_poller_backs_off_and_recovers(qtbot: QtBot, tasks: TaskRunner) -> None:
    outcomes = [ConnectionError("down"), ConnectionError("down"), "ok"]

    def flaky() -> object:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    poller = Poller(
        tasks, lambda: flaky, interval=60, backoff=Backoff(base=0.01, jitter=0), parent=tasks
    )
    delays: list[float] = []
    poller.failed.connect(lambda _exc, delay: delays.append(delay))
    with qtbot.waitSignal(poller.synced, timeout=5000):
        poller.start()
    assert delays == [0.01, 0.02]
    assert poller.offline_since is None
    assert not poller.backoff.failing
    poller.stop()


def test_poller_paused_does_not_tick(qtbot: QtBot, tasks: TaskRunner) -> None:
    calls: list[int] = []
    poller = Poller(tasks, lambda: lambda: calls.append(1), interval=0.01, parent=tasks)
    poller.pause()
    poller.start()
    assert not poller.in_flight
    assert not calls
    with qtbot.waitSignal(poller.synced):
        poller.resume()
    poller.stop()
