"""The wording of the status bar and the offline banner."""

from __future__ import annotations

import pickle
from datetime import datetime
from pathlib import Path

from desktop_app.api.errors import ServerError, Unauthorized, Unreachable
from desktop_app.cache.damage import CacheBusy
from desktop_app.ui.sync_status import Offline, banner_text, status_text, synced_text

SINCE = datetime(2026, 11, 29, 12, 1, 5).timestamp()


def _state(error: BaseException, **kw: object) -> Offline:
    values: dict[str, object] = {
        "error": error,
        "since": SINCE,
        "next_attempt_at": SINCE + 30,
        "paused": False,
        "url": "http://127.0.0.1:3000/graphql",
        "last_sync": SINCE - 300,
    }
    values.update(kw)
    return Offline(**values)  # type: ignore[arg-type]


def test_synced() -> None:
    assert synced_text(datetime(2026, 11, 29, 12, 3, 4).timestamp()) == "Synced 12:03:04"


def test_offline_counts_down_to_the_retry() -> None:
    state = _state(Unreachable("connection refused"))
    assert status_text(state, SINCE + 10) == "Offline since 12:01 — retrying in 20 s"
    assert status_text(state, SINCE + 30) == "Offline since 12:01 — retrying now"
    paused = _state(Unreachable("x"), paused=True)
    assert status_text(paused, SINCE) == "Offline since 12:01 — polling paused"


def test_banner_says_since_when_and_how_old_the_data_is() -> None:
    text = banner_text(_state(Unreachable("connection refused")), SINCE + 10)
    assert text.startswith("Cannot reach http://127.0.0.1:3000/graphql (since 12:01:05)")
    assert "showing cached data from 5 min ago" in text
    empty = banner_text(_state(Unreachable("x"), last_sync=None), SINCE)
    assert empty.endswith("nothing is cached yet for this deployment.")


def test_other_failures_are_named() -> None:
    refused = _state(Unauthorized("bad token"))
    assert status_text(refused, SINCE).startswith("Sign-in refused since 12:01")
    assert "The server refused the token: bad token" in banner_text(refused, SINCE)
    broken = _state(ServerError("HTTP 500", status=500))
    assert status_text(broken, SINCE).startswith("Sync failing since 12:01")
    assert "Sync failed: HTTP 500" in banner_text(broken, SINCE)


def test_a_busy_cache_is_neither_a_failure_nor_damage() -> None:
    # As it arrives from the sync process: pickled and rebuilt.
    busy = pickle.loads(pickle.dumps(CacheBusy(Path("/tmp/x/deployment.sqlite"))))
    assert isinstance(busy, CacheBusy)
    assert busy.path.name == "deployment.sqlite"
    state = _state(busy)
    assert status_text(state, SINCE + 10) == (
        "The history cache is busy: another program holds it — retrying in 20 s"
    )
    banner = banner_text(state, SINCE + 10)
    assert banner.startswith("The history cache is busy: another program holds it")
    assert "showing cached data from 5 min ago" in banner
    assert "fail" not in banner.lower()
    assert "damaged" not in banner.lower()
