from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cache.store import HistoryCache


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[HistoryCache]:
    store = HistoryCache.open(tmp_path / "cache.sqlite")
    yield store
    store.close()
