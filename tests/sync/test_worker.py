"""The sync process is the one writer of the cache: it opens the file, and
a file it could not open is tried again at the next request."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.api.client import ConnectionSettings
from desktop_app.cache.store import HistoryCache
from desktop_app.sync.worker import SyncWorker


def test_the_sync_process_makes_the_cache_and_retries_a_failed_open(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.write_text("a file where the cache's folder should be")
    path = folder / "c.sqlite"
    worker = SyncWorker(ConnectionSettings(url="http://127.0.0.1:9/graphql"), path)
    try:
        worker.start()
        with pytest.raises(FileExistsError):
            worker.open_cache()  # said in answer, and the process lives on
        first = worker.pid
        folder.unlink()
        folder.mkdir()
        assert worker.open_cache() is None  # made now, nothing moved aside
        assert worker.pid == first
        with HistoryCache.open_reader(path) as reader:
            assert reader.locations() == []
    finally:
        worker.stop()
