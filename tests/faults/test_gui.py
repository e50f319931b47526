"""Damaged answers and a dripping server, in the GUI: the window stays
up, a failed round is told in the status bar and banner like any other
sync error (never as a crash), and the cache stays as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from desktop_app.api.errors import ApiError
from desktop_app.app import create_main_window
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.prompts import RecordingPrompts
from tests.faults.conftest import TOKEN, Recorded
from tests.faults.corpus import Replayer, cases
from tests.faults.helpers import cache_file, fingerprint, history_rows, place_cache

SEED = 7
COUNT = 24
SAMPLE = (1,)


@pytest.fixture
def windows() -> Iterator[list[MainWindow]]:
    opened: list[MainWindow] = []
    yield opened
    for window in opened:
        if isValid(window):
            window.close()


def _open(
    qtbot: QtBot, url: str, cache_dir: Path, opened: list[MainWindow]
) -> tuple[MainWindow, bool]:
    argv = ["--url", url, "--token", TOKEN, "--cache-dir", str(cache_dir), "--poll-interval", "600"]
    window = create_main_window(argv)
    opened.append(window)
    window.context.prompts = RecordingPrompts()
    with qtbot.waitSignal(window.round_done, timeout=60_000) as blocker:
        window.show()
    return window, bool(blocker.args[0])


def _check(qtbot: QtBot, recorded: Recorded, n: int, tmp_path: Path, opened: list[MainWindow],
           record_property) -> None:  # fmt: skip
    incremental = n % 2 == 1
    recording = recorded.incremental if incremental else recorded.first
    case = cases(recording, SEED, COUNT, "gui")[n]
    with Replayer(recording, case) as url:
        if incremental:
            place_cache(recorded.synced_cache, url, tmp_path)
        path = cache_file(url, tmp_path)
        before = fingerprint(path) if incremental else "absent"
        window, ok = _open(qtbot, url, tmp_path, opened)
        record_property("case", case.id)
        assert window.isVisible()
        if not ok:
            error = window._last_error
            assert isinstance(error, ApiError), (case.id, error)
            assert window.banner.isVisible()
            banner = window.banner_text.text()
            assert banner.startswith(("Sync failed:", "Cannot reach", "The server refused")), banner
            assert window.sync_label.text().startswith(("Sync failing", "Offline", "Sign-in"))
            if before != "absent":
                assert fingerprint(path) == before, case.id
            else:  # the first sync took back what it wrote
                assert not history_rows(path), case.id
        shown = window.context.prompts.shown  # type: ignore[attr-defined]
        assert [p for p in shown if p[0] == "error"] == []
        window.close()


@pytest.mark.faults
@pytest.mark.parametrize("n", [n for n in range(COUNT) if n not in SAMPLE])
def test_damaged_answers_in_the_gui(
    qtbot: QtBot, recorded: Recorded, n: int, tmp_path: Path, windows, record_property
) -> None:
    _check(qtbot, recorded, n, tmp_path, windows, record_property)


@pytest.mark.parametrize("n", SAMPLE)
def test_damaged_answers_in_the_gui_sample(
    qtbot: QtBot, recorded: Recorded, n: int, tmp_path: Path, windows, record_property
) -> None:
    _check(qtbot, recorded, n, tmp_path, windows, record_property)


def test_a_cache_found_damaged_by_a_round_is_rebuilt_and_said(
    qtbot: QtBot, recorded: Recorded, tmp_path: Path, windows, record_property
) -> None:
    from tests.faults.test_damaged_cache import _sql

    with Replayer(recorded.first + recorded.incremental) as url:
        path = place_cache(recorded.synced_cache, url, tmp_path)
        _sql("UPDATE definition SET body = x'00112233'")(path)
        argv = ["--url", url, "--token", TOKEN, "--cache-dir", str(tmp_path)]
        window = create_main_window([*argv, "--poll-interval", "600"])
        windows.append(window)
        told: list[str] = []
        window.context.notifier.notify = lambda title, _text, **_kw: told.append(title)  # type: ignore[method-assign]
        with qtbot.waitSignal(window.round_done, timeout=60_000) as blocker:
            window.show()
        assert blocker.args == [True]
        assert told == ["Local cache rebuilt"]
        assert window.model.rowCount() > 0
        window.close()
