"""Connection profiles: save from the Connect dialog, switch from the File
menu and back (each deployment keeps its cache), forget, return to the
embedded demo, and start with the last one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.app import create_main_window
from desktop_app.server.demo import DEMO_USERS
from desktop_app.server.runner import EmbeddedServer
from desktop_app.ui.main_window import MainWindow
from tests.sync.helpers import client_for, deploy, register
from tests.sync.test_bundled_sync import V1

OpenApp = Callable[..., MainWindow]
EDITOR = DEMO_USERS["editor@example.com"][1]


def _names(window: MainWindow) -> list[str]:
    return [window.model.row_at(r).name for r in range(window.model.rowCount())]


def _add_profile(qtbot: QtBot, window: MainWindow, name: str, url: str) -> None:
    dialog = window.open_connect_dialog()
    dialog.name.setText(name)
    dialog.url.setText(url)
    dialog.token.setText(EDITOR)
    with qtbot.waitSignal(window.round_done, timeout=15000):
        dialog.connect_button.click()


def test_switching_profiles_keeps_each_deployments_cache(
    qtbot: QtBot,
    open_app: OpenApp,
    demo_server: EmbeddedServer,
    empty_server: EmbeddedServer,
    tmp_path: Path,
) -> None:
    assert demo_server.url is not None
    assert empty_server.url is not None
    register(empty_server, "img:1", V1)
    client = client_for(empty_server)
    deploy(client, "loc", "img:1")
    client.close()

    window = open_app(demo_server.url)
    demo_names = _names(window)
    assert len(demo_names) > 1
    _add_profile(qtbot, window, "demo", demo_server.url)
    _add_profile(qtbot, window, "small", empty_server.url)
    assert _names(window) == ["loc"]
    menu = window.profile_menu
    assert set(menu.actions) >= {"demo", "small"}
    assert menu.actions["demo"].shortcut().toString() == "Ctrl+1"
    assert menu.actions["small"].shortcut().toString() == "Ctrl+2"
    assert menu.actions["small"].isChecked()

    # Back to the first: its history is there before any round ran.
    menu.actions["demo"].trigger()
    assert window.context.connection.url == demo_server.url
    assert _names(window) == demo_names
    assert window.context.connection.cache.history_count(demo_names[0]) > 0
    with qtbot.waitSignal(window.round_done, timeout=15000):
        pass
    menu.actions["small"].trigger()
    assert _names(window) == ["loc"]
    assert window.context.connection.cache.history_count("loc") == 1
    with qtbot.waitSignal(window.round_done, timeout=15000):
        pass

    # Forget one in the Connect dialog: gone from the list and the menu.
    dialog = window.open_connect_dialog()
    names = [dialog.profile_list.item(i).text() for i in range(dialog.profile_list.count())]
    assert names == ["Embedded demo", "demo", "small"]
    dialog.profile_list.setCurrentRow(1)
    assert dialog.url.text() == demo_server.url
    assert dialog.token_for(dialog.profile()) == EDITOR  # from the keyring/private file
    dialog.forget_chosen()
    dialog.reject()
    assert "demo" not in menu.actions
    assert [p.name for p in menu.store.profiles()] == ["small"]
    window.close()

    # The next start connects to the last profile used.
    again = create_main_window(["--cache-dir", str(tmp_path / "cache"), "--poll-interval", "60"])
    try:
        assert again.context.connection.url == empty_server.url
        assert _names(again) == ["loc"]
        assert again.profile_menu.actions["small"].isChecked()
    finally:
        again.close()


def test_return_to_the_embedded_demo(
    qtbot: QtBot, open_app: OpenApp, empty_server: EmbeddedServer
) -> None:
    assert empty_server.url is not None
    window = open_app(empty_server.url)
    assert window.context.embedded_url is None
    menu = window.profile_menu
    assert menu.can_embed
    with qtbot.waitSignal(window.round_done, timeout=30000):
        assert menu.switch_to_embedded()
    assert window.context.embedded
    assert len(_names(window)) > 1
    assert "bundled demo" in window.windowTitle()
    assert menu.actions[""].isChecked()
    assert window.context.layout.last_profile() == ""
