"""Change types asked in batches: a key whose changes since the wanted
load go beyond the batched first page is paged on from that page."""

from __future__ import annotations

from desktop_app.api.parse import AssetDiffEntry
from desktop_app.core.assets import AssetKey
from desktop_app.core.diff import ChangeType
from desktop_app.sync.details import BATCH_PAGE, PAGE, first_pages

BUSY: AssetKey = ("shop", "orders")
QUIET: AssetKey = ("shop", "users")


def _entry(key: AssetKey, at: float) -> AssetDiffEntry:
    return AssetDiffEntry(key, "shop", at, (ChangeType.CODE_VERSION,))


class _History:
    """A server's change histories: BUSY changed at every load 1..60, QUIET at 50."""

    def __init__(self) -> None:
        self.history = {BUSY: [float(n) for n in range(60, 0, -1)], QUIET: [50.0]}
        self.single: list[tuple[AssetKey, int, str | None]] = []

    def _page(self, key: AssetKey, limit: int, cursor: str | None) -> list[AssetDiffEntry]:
        older = [at for at in self.history[key] if cursor is None or at < float(cursor)]
        return [_entry(key, at) for at in older[:limit]]

    def asset_diff_histories(
        self, keys: list[AssetKey], limit: int
    ) -> dict[AssetKey, list[AssetDiffEntry]]:
        return {key: self._page(key, limit, None) for key in keys}

    def asset_diff_history(
        self, key: AssetKey, limit: int, cursor: str | None
    ) -> list[AssetDiffEntry]:
        self.single.append((key, limit, cursor))
        return self._page(key, limit, cursor)


def test_a_key_beyond_the_batched_page_is_paged_on_from_it() -> None:
    server = _History()
    found = first_pages(server, "shop", [BUSY, QUIET], since=10.0)  # type: ignore[arg-type]
    assert sorted(found[BUSY]) == [float(n) for n in range(10, 61)]
    assert sorted(found[QUIET]) == [50.0]
    # One more request, for the busy key only, from the batched page's oldest.
    assert server.single == [(BUSY, PAGE, repr(float(60 - BATCH_PAGE + 1)))]
