"""Change types of one asset, asked of the server's `assetDiffHistory`.

A history page names the assets a load modified but not how; only
`assetDiffHistory` says, one asset at a time. A sync round asks for a
bounded number of assets (`engine.DETAIL_BUDGET`); the rest are filled in
when someone looks at that asset's change history (`fill_asset_details`).
"""

from __future__ import annotations

from desktop_app.api.client import DeploymentClient
from desktop_app.api.errors import BadResponse
from desktop_app.api.parse import AssetDiffEntry
from desktop_app.cache.store import HistoryCache
from desktop_app.core.assets import AssetKey, key_to_str

PAGE = 100
MAX_PAGES = 100


def asset_diffs(
    client: DeploymentClient, location: str, key: AssetKey, since: float
) -> dict[float, AssetDiffEntry]:
    """Load time -> how that load changed `key` in `location`, for loads at
    or after `since`, paging newest first until older than that."""
    found: dict[float, AssetDiffEntry] = {}
    cursor: str | None = None
    oldest: float | None = None
    for _ in range(MAX_PAGES):
        page = client.asset_diff_history(key, PAGE, cursor)
        if oldest is not None and page and max(e.loaded_at for e in page) > oldest:
            raise BadResponse(
                f"The server's change history of {key_to_str(key)} does not advance from one "
                "page to the next (the same page again?); stopped paging."
            )
        for entry in page:
            if entry.location == location and entry.loaded_at >= since:
                found[entry.loaded_at] = entry
        if len(page) < PAGE or page[-1].loaded_at < since:
            return found
        oldest = min(e.loaded_at for e in page)
        cursor = repr(oldest)
    raise BadResponse(
        f"The server's change history of {key_to_str(key)} goes on for more than "
        f"{MAX_PAGES} pages; stopped paging."
    )


def fill_asset_details(
    client: DeploymentClient, cache: HistoryCache, location: str, key: AssetKey
) -> int:
    """Fill in what the cache lacks about `key`'s changes in loads whose
    definitions it never saw: their change types and the server's
    `changeDiff` details. Returns how many loads were filled (0 when the
    server has no history API). Writes, so it runs on the writer thread."""
    if not client.capabilities().history_api or not cache.lacks_details(location, key):
        return 0
    found = asset_diffs(client, location, key, cache.oldest_loaded_at(location) or 0.0)
    with cache.write() as writer:
        return writer.fill_details(
            location,
            key,
            {at: (entry.change_types, entry.details) for at, entry in found.items()},
        )
