"""An asset's change history fills in, from the server, the change types of
loads the app saw only in history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.cache.paths import cache_path_for
from desktop_app.cache.store import HistoryCache
from desktop_app.core.assets import AssetDefinition
from desktop_app.core.diff import ChangeType
from desktop_app.server.runner import EmbeddedServer
from desktop_app.sync import engine
from desktop_app.ui.main_window import MainWindow
from tests.sync.helpers import client_for, deploy, register

OpenApp = Callable[..., MainWindow]
V1 = [AssetDefinition(("a",), code_version="1"), AssetDefinition(("b",), tags={"t": "1"})]
V2 = [AssetDefinition(("a",), code_version="2"), AssetDefinition(("b",), tags={"t": "2"})]


def test_opening_an_asset_history_asks_the_server_for_missing_types(
    qtbot: QtBot,
    open_app: OpenApp,
    empty_server: EmbeddedServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    with client_for(empty_server) as client:
        for image in ("img:1", "img:2", "img:1"):
            deploy(client, "loc", image)
        # The first sync, here (rounds of the app run in its sync process),
        # learns no change types; the app's own round then finds nothing new.
        monkeypatch.setattr(engine, "DETAIL_BUDGET", 0)
        with HistoryCache.open(cache_path_for(client.url, tmp_path / "cache")) as cache:
            engine.run_once(client, cache)
    assert empty_server.url is not None
    window = open_app(empty_server.url)
    dialog = window.open_history("loc")
    dialog.collapse_box.setChecked(False)
    middle = dialog.model.loads[1]
    assert middle.summary.change_types[("a",)] == ()

    assets = dialog.open_asset_history(("a",))
    assert assets.status_label.text()  # says it is asking the server
    qtbot.waitUntil(lambda: not assets.status_label.text(), timeout=15000)

    rows = {row.loaded_at: row for row in assets.model.rows}
    assert rows[middle.loaded_at].change == "code version"
    # the server's details give the old and new value the cache never saw
    assert (rows[middle.loaded_at].old, rows[middle.loaded_at].new) == ("1", "2")
    assert dialog.model.loads[1].summary.change_types[("a",)] == (ChangeType.CODE_VERSION,)
    # only the asset that was opened was asked about
    assert dialog.model.loads[1].summary.change_types[("b",)] == ()
    assets.close()
    dialog.close()
