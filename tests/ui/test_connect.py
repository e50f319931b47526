"""The Connect dialog against the bundled server, and where tokens are kept."""

from __future__ import annotations

import stat
from pathlib import Path

from pytestqt.qtbot import QtBot
from shiboken6 import delete

from desktop_app.server.demo import DEMO_USERS
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.connect_dialog import ConnectDialog
from desktop_app.ui.credentials import CredentialStore, SavedConnection
from desktop_app.ui.tasks import TaskRunner


def test_test_connection_reports_the_signed_in_user(
    qtbot: QtBot, demo_server: EmbeddedServer
) -> None:
    tasks = TaskRunner()
    dialog = ConnectDialog(tasks)
    qtbot.addWidget(dialog)
    try:
        assert dialog.objectName() == "connectDialog"
        assert not dialog.connect_button.isEnabled()
        assert demo_server.url is not None
        qtbot.keyClicks(dialog.url, demo_server.url)
        qtbot.keyClicks(dialog.token, DEMO_USERS["admin@example.com"][1])
        assert dialog.url_radio.isChecked()
        with qtbot.waitSignal(dialog.tested, timeout=10000) as blocker:
            assert dialog.test_connection()
        ok, text = blocker.args
        assert ok, text
        assert "admin@example.com (Admin)" in text
        assert DEMO_USERS["admin@example.com"][1] not in dialog.result_label.text()
        settings = dialog.settings()
        assert settings is not None
        assert settings.url == demo_server.url
    finally:
        tasks.shutdown()
        delete(tasks)


def test_a_wrong_token_is_reported(qtbot: QtBot, demo_server: EmbeddedServer) -> None:
    tasks = TaskRunner()
    dialog = ConnectDialog(tasks)
    qtbot.addWidget(dialog)
    try:
        assert demo_server.url is not None
        dialog.url.setText(demo_server.url)
        dialog.token.setText("not-a-token")
        with qtbot.waitSignal(dialog.tested, timeout=10000) as blocker:
            dialog.test_connection()
        assert blocker.args[0] is False
        assert dialog.result_label.text().startswith("Could not connect")
        assert "not-a-token" not in dialog.result_label.text()
    finally:
        tasks.shutdown()
        delete(tasks)


def test_dagster_plus_fields_build_the_cloud_url(qtbot: QtBot) -> None:
    tasks = TaskRunner()
    dialog = ConnectDialog(tasks, SavedConnection(organization="acme", deployment="prod"))
    qtbot.addWidget(dialog)
    try:
        assert dialog.plus_radio.isChecked()
        settings = dialog.settings()
        assert settings is not None
        assert settings.graphql_url() == "https://acme.dagster.cloud/prod/graphql"
        assert dialog.token.echoMode() == dialog.token.EchoMode.Password
    finally:
        tasks.shutdown()
        delete(tasks)


def test_token_falls_back_to_a_private_file(tmp_path: Path) -> None:
    # The test environment's keyring backend stores nothing, like a machine
    # without a keyring: the token must land in a 0600 file instead.
    store = CredentialStore(tmp_path / "config")
    saved = SavedConnection(url="http://127.0.0.1:3000/graphql")
    store.save(saved, "secret-token")
    assert store.load() == saved
    assert store.token(saved.key) == "secret-token"
    token_file = tmp_path / "config" / "tokens.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert "secret-token" not in (tmp_path / "config" / "connection.json").read_text()


def test_no_saved_connection(tmp_path: Path) -> None:
    assert CredentialStore(tmp_path).load() is None
