"""The main window's rollback controller: one rollback per location in
flight whatever dialog asked, the chosen load sent as it is, and the
reason attached to the entry the server records."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app import headless
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.main_window import MainWindow
from tests.sync.helpers import EDITOR_TOKEN, client_for, deploy, register
from tests.sync.test_bundled_sync import V1, V2
from tests.ui.helpers import older_version

OpenApp = Callable[..., MainWindow]


def test_a_reason_for_the_oldest_of_two_identical_deploys_reaches_its_entry(
    qtbot: QtBot, open_app: OpenApp, empty_server: EmbeddedServer, tmp_path: Path
) -> None:
    """img:1 was deployed twice; the user picks the older of the two. The
    server names the newer one as the rollback's target; the reason must
    still show on the new entry, in the dialog and in `history --json`."""
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        for image in ("img:1", "img:2", "img:1", "img:2"):
            deploy(client, "loc", image)
    assert empty_server.url is not None
    window = open_app(empty_server.url)
    dialog = window.open_history("loc")
    dialog.collapse_box.setChecked(False)
    loads = dialog.model.loads
    assert [ld.deploy.image for ld in loads] == ["img:2", "img:1", "img:2", "img:1"]
    oldest, newer_twin = loads[3], loads[1]
    assert dialog.select_load(oldest.loaded_at)
    confirm = dialog.request_rollback()
    assert confirm is not None
    confirm.reason.setText("orders job broke")
    with (
        qtbot.waitSignal(window.round_done, timeout=15000),
        qtbot.waitSignal(dialog.rollback_finished, timeout=15000) as finished,
    ):
        confirm.rollback_button.click()
    assert finished.args[0] is True, finished.args
    newest = dialog.model.newest
    assert newest is not None
    assert newest.action == "rollback"
    assert newest.rollback_target == newer_twin.loaded_at  # not the load picked
    assert dialog.model.row_at(0).note is not None
    cell = dialog.model.index(0, dialog.model.column_named("Initiated by")).data()
    assert cell == "editor@example.com (rollback: orders job broke)"
    dialog.close()

    out = io.StringIO()
    argv = ["history", "loc", "--url", empty_server.url, "--token", EDITOR_TOKEN, "--json"]
    with redirect_stdout(out):
        code = headless.main([*argv, "--all", "--cache-dir", str(tmp_path / "cache")])
    assert code == 0
    entries = json.loads(out.getvalue())
    head = entries[0]
    assert head["action"] == "rollback"
    assert head["reason"] == "orders job broke"
    assert head["rollback_target"] == headless.iso(newer_twin.loaded_at)
    # Other rollbacks (the server saw the third and fourth deploys as
    # rollbacks too) have a target and no reason; deploys have neither.
    assert entries[1]["action"] == "rollback"
    assert entries[1]["reason"] is None
    assert entries[1]["rollback_target"] == headless.iso(loads[2].loaded_at)
    assert "reason" not in entries[-1]


def test_reopening_the_dialog_during_a_rollback_cannot_start_a_second(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    location = "analytics_core"
    dialog = window.open_history(location)
    target = older_version(dialog)
    before = window.context.connection.cache.history_count(location)
    release = threading.Event()
    # Hold the writer lane so the rollback stays in flight.
    window.context.tasks.run_write("hold", lambda: release.wait(10))
    try:
        assert dialog.start_rollback(target, "first")
        assert window.rollbacks.in_flight(location)
        dialog.close()
        again = window.open_history(location)
        assert again is not dialog
        assert again.select_load(target.loaded_at)
        action = again.history_actions["rollbackAction"]
        assert not action.isEnabled()
        assert "already running" in action.toolTip()
        assert again.request_rollback() is None
        assert not again.start_rollback(target, "second")
        assert not window.rollbacks.start(window.rollbacks.request_for(target, None, "third"))
    finally:
        release.set()
    with qtbot.waitSignal(window.rollbacks.finished, timeout=15000) as finished:
        pass
    assert finished.args[0] == location
    assert finished.args[1].ok
    cache = window.context.connection.cache
    qtbot.waitUntil(lambda: cache.history_count(location) == before + 1, timeout=15000)
    with qtbot.waitSignal(window.round_done, timeout=15000):
        window.poller.sync_now()  # nothing more arrives: one rollback was sent
    assert cache.history_count(location) == before + 1
    again.close()
