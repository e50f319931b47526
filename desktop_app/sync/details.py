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
BATCH = 25
BATCH_PAGE = 20
"""Assets per batched request, and entries per asset in it: well under
servers' limits on aliases and answer size (25 x 20 entries)."""


def asset_diffs(
    client: DeploymentClient,
    location: str,
    key: AssetKey,
    since: float,
    after: list[AssetDiffEntry] | None = None,
    after_limit: int = PAGE,
) -> dict[float, AssetDiffEntry]:
    """Load time -> how that load changed `key` in `location`, for loads at
    or after `since`, paging newest first until older than that. `after`
    is a first page already fetched (`first_pages`), asked with
    `after_limit` entries: paging goes on from it."""
    found: dict[float, AssetDiffEntry] = {}
    oldest: float | None = None
    page, limit = after, after_limit
    for _ in range(MAX_PAGES):
        if page is None:
            limit = PAGE
            page = client.asset_diff_history(key, PAGE, None if oldest is None else repr(oldest))
            if oldest is not None and page and max(e.loaded_at for e in page) > oldest:
                raise BadResponse(
                    f"The server's change history of {key_to_str(key)} does not advance from "
                    "one page to the next (the same page again?); stopped paging."
                )
        found.update(_kept(page, location, since))
        if not _more(page, limit, since):
            return found
        oldest = min(e.loaded_at for e in page)
        page = None
    raise BadResponse(
        f"The server's change history of {key_to_str(key)} goes on for more than "
        f"{MAX_PAGES} pages; stopped paging."
    )


def first_pages(
    client: DeploymentClient, location: str, keys: list[AssetKey], since: float
) -> dict[AssetKey, dict[float, AssetDiffEntry]]:
    """`asset_diffs` of several keys: the first page of BATCH keys in one
    request, then, only for a key whose changes go back further than that
    page, the rest of its pages one by one (from that page's oldest)."""
    out: dict[AssetKey, dict[float, AssetDiffEntry]] = {}
    for start in range(0, len(keys), BATCH):
        pages = client.asset_diff_histories(keys[start : start + BATCH], BATCH_PAGE)
        for key, page in pages.items():
            if _more(page, BATCH_PAGE, since):
                out[key] = asset_diffs(
                    client, location, key, since, after=page, after_limit=BATCH_PAGE
                )
            else:
                out[key] = _kept(page, location, since)
    return out


def _kept(page: list[AssetDiffEntry], location: str, since: float) -> dict[float, AssetDiffEntry]:
    return {e.loaded_at: e for e in page if e.location == location and e.loaded_at >= since}


def _more(page: list[AssetDiffEntry], limit: int, since: float) -> bool:
    """Whether a page (newest first) may have older entries at or after `since`."""
    return len(page) >= limit and min(e.loaded_at for e in page) >= since


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
