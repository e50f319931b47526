"""The cache's search finds exactly the loads the plain rule
(`core.search.load_matches`) names; timeline marks follow the loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.cache import schema
from desktop_app.cache.explore import FAILED, LOADED, ROLLBACK, search, timeline_marks
from desktop_app.cache.store import HistoryCache
from desktop_app.cache.writer import ChangeRow
from desktop_app.core.assets import AssetDefinition
from desktop_app.core.diff import ChangeType
from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.core.search import load_matches
from tests.cache.test_diff_paths import _random_history


def _with_documents(cache: HistoryCache) -> None:
    for n, (status, action, commit) in enumerate(
        [
            (LoadStatus.LOADED, "deploy", "abc1234def"),
            (LoadStatus.ERROR, "deploy", "fed9876cba"),
            (LoadStatus.LOADED, "rollback", "abc1234def"),
        ]
    ):
        load = LocationLoad(
            "loc",
            100.0 + n,
            status,
            document={"image": f"img:{n}", "git": {"commit_hash": commit}},
            display_metadata={"action": action, "initiated_by": f"user{n}@example.com"},
            error="ImportError: no module named x" if status == LoadStatus.ERROR else None,
        )
        key = ("extra", f"k{n}")
        row = ChangeRow(key, schema.PRESENT, AssetDefinition(key), types=(ChangeType.NEW,))
        with cache.write() as w:
            w.add_load(load, [row])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "b",
        "extra/k1",
        "XTRA",
        "abc12",
        "fed",
        "img:2",
        "user1",
        "failed",
        "loaded",
        "rollback",
        "importerror",
        "nothing-like-this",
    ],
)
def test_search_equals_the_plain_rule(tmp_path: Path, text: str) -> None:
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        _random_history(cache, 3, loads=20)
        _with_documents(cache)
        expected = [load for load in cache.history("loc") if load_matches(load, text)]
        result = search(cache, "loc", text)
        assert result.loads == expected
        assert result.total == 23


def test_timeline_marks_are_oldest_first_with_kinds(tmp_path: Path) -> None:
    with HistoryCache.open(tmp_path / "c.sqlite") as cache:
        _with_documents(cache)
        marks = timeline_marks(cache, "loc")
        assert list(marks.times) == [100.0, 101.0, 102.0]
        assert list(marks.kinds) == [LOADED, FAILED, ROLLBACK]
        assert len(timeline_marks(cache, "elsewhere")) == 0
