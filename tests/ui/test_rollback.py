"""Rolling back through the UI, and what the server does when the role
does not allow it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.api.errors import Unauthorized
from desktop_app.core.loads import LoadStatus
from desktop_app.core.roles import Role
from desktop_app.server.demo import DEMO_USERS
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.prompts import RecordingPrompts
from tests.ui.helpers import older_version

OpenApp = Callable[..., MainWindow]
LOCATION = "analytics_core"


def test_editor_rollback_adds_a_rollback_entry(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    dialog.collapse_box.setChecked(False)
    before = len(dialog.model.loads)
    target = older_version(dialog)
    assert dialog.select_load(target.loaded_at)

    confirm = dialog.request_rollback()
    assert confirm is not None
    assert confirm.objectName() == "rollbackDialog"
    assert confirm.cancel_button.isDefault()
    assert not confirm.rollback_button.isDefault()
    assert (
        confirm.buttons.buttonRole(confirm.cancel_button) == QDialogButtonBox.ButtonRole.RejectRole
    )
    running = dialog.model.newest
    assert running is not None
    expected = window.context.connection.cache.diff(LOCATION, running.loaded_at, target.loaded_at)
    assert confirm.change_list.count() == len(expected)
    confirm.reason.setText("orders job broke")

    sent: list[str] = []
    confirm.confirmed.connect(sent.append)
    with qtbot.waitSignal(dialog.rollback_finished, timeout=15000) as finished:
        confirm.rollback_button.click()
        confirm.accept()  # a second click sends nothing
        assert not dialog.start_rollback(target)  # nor does a second request
        assert not dialog.history_actions["rollbackAction"].isEnabled()
    assert sent == ["orders job broke"]
    assert finished.args[0] is True, finished.args

    with qtbot.waitSignal(window.context.notifier.notified, timeout=15000) as note:
        pass  # the immediate sync sees the rollback and says so
    assert note.args[0] == "Code location rolled back"
    qtbot.waitUntil(lambda: len(dialog.model.loads) == before + 1, timeout=10000)
    newest = dialog.model.newest
    assert newest is not None
    assert newest.action == "rollback"
    assert newest.initiated_by == "editor@example.com"
    assert newest.deploy == target.deploy
    assert newest.rollback_target == target.loaded_at
    assert dialog.status_label.text() == "Rolled back: the new load is at the top."
    text = dialog.model.index(0, dialog.model.column_named("Initiated by")).data()
    assert "rollback" in text
    assert window.context.prompts.shown == []  # type: ignore[attr-defined]
    dialog.close()


def test_viewer_rollback_against_the_api_changes_nothing(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    assert demo_server.url is not None
    window = open_app(demo_server.url, "viewer@example.com")
    cache = window.context.connection.cache
    before = cache.history(LOCATION)
    target = next(load for load in before[1:] if load.status == LoadStatus.LOADED and load.document)
    assert target.document is not None
    settings = ConnectionSettings(url=demo_server.url, token=DEMO_USERS["viewer@example.com"][1])
    with DeploymentClient(settings) as client:
        try:
            outcome = client.submit_document(target.document)
        except Unauthorized:
            pass
        else:
            assert not outcome.ok
            assert outcome.kind == "UnauthorizedError"
    with qtbot.waitSignal(window.round_done, timeout=15000):
        window.poller.sync_now()
    assert cache.history(LOCATION) == before


def test_refused_rollback_is_reported_and_changes_nothing(
    qtbot: QtBot, open_app: OpenApp, demo_server: EmbeddedServer
) -> None:
    """The last round said Editor, but the server has since demoted the
    user (no round since): the rollback is refused by the server with a
    clear message, and neither the cache nor the server's history changes."""
    assert demo_server.url is not None
    window = open_app(demo_server.url)
    dialog = window.open_history(LOCATION)
    dialog.collapse_box.setChecked(False)
    target = older_version(dialog)
    before = len(dialog.model.loads)
    window.poller.stop()
    demo_server.add_user("editor@example.com", Role.VIEWER)
    prompts = window.context.prompts
    assert isinstance(prompts, RecordingPrompts)
    with qtbot.waitSignal(dialog.rollback_finished, timeout=15000) as finished:
        assert dialog.start_rollback(target)
    assert finished.args[0] is False
    assert prompts.shown
    kind, title, text = prompts.shown[-1]
    assert kind == "error"
    assert title.startswith("Rollback")
    assert LOCATION in text
    assert "Viewer" in text
    assert len(window.context.connection.cache.history(LOCATION)) == before
    window.poller.start()
    with qtbot.waitSignal(window.round_done, timeout=15000):
        pass
    assert len(window.context.connection.cache.history(LOCATION)) == before
    assert window.viewer_label.text() == "editor@example.com (Viewer)"
    dialog.close()
