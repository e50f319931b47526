"""The recordings the damaged-answer corpus is made from: a first sync of
the demo deployment, and an incremental sync after a rollback."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.cache.store import HistoryCache
from desktop_app.core.roles import Role
from desktop_app.server.demo import load_demo
from desktop_app.server.runner import EmbeddedServer
from desktop_app.server.storage import Storage
from desktop_app.sync.engine import run_once
from tests.faults.corpus import Recording, record
from tests.faults.helpers import cache_file

TOKEN = "demo-token-editor"
"""What the client sends to a replaying fake server (which checks no token)."""


@dataclass(frozen=True)
class Recorded:
    first: Recording
    incremental: Recording
    synced_cache: Path  # the cache after the clean first sync
    location: str  # a location with history


def _sync(url: str, cache_dir: Path, token: str) -> Path:
    client = DeploymentClient(ConnectionSettings(url=url, token=token))
    path = cache_file(client.url, cache_dir)
    with HistoryCache.open(path) as cache:
        run_once(client, cache)
    client.close()
    return path


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    root = tmp_path_factory.mktemp("recorded")
    db = f"sqlite:///{root / 'server.sqlite3'}"
    storage = Storage(db)
    load_demo(storage)
    storage.close()
    server = EmbeddedServer(db)
    # A user of its own: the demo tokens are for a server run with --demo.
    token = server.add_user("faults@example.com", Role.EDITOR)
    server.start()
    try:
        proxy, first = record(server.url or "")
        url = proxy.start()
        try:
            synced = _sync(url, root / "first", token)
            with HistoryCache.open(synced) as cache:
                location = max(cache.locations(), key=lambda loc: cache.history_count(loc.name))
                older = cache.history(location.name)[1]
            client = DeploymentClient(ConnectionSettings(url=server.url, token=token))
            assert older.document is not None
            assert client.submit_document(older.document).ok
            client.close()
            template = root / "template.sqlite"
            shutil.copyfile(synced, template)
            incremental_log_start = len(first)
            _sync(url, root / "first", token)
        finally:
            proxy.stop()
    finally:
        server.stop()
    incremental = first[incremental_log_start:]
    del first[incremental_log_start:]
    return Recorded(first, incremental, template, location.name)
