"""What the status bar and the offline banner say about the last sync
round: plain functions of the poller's state, so every wording is tested
without a server."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.api.errors import Unauthorized, Unreachable
from desktop_app.cache.damage import CacheBusy
from desktop_app.ui import formatting

BUSY = "The history cache is busy: another program holds it"


@dataclass(frozen=True)
class Offline:
    """The state after a failed round."""

    error: BaseException
    since: float
    next_attempt_at: float | None
    paused: bool
    url: str
    last_sync: float | None


def synced_text(now: float) -> str:
    return f"Synced {formatting.clock(now)}"


def status_text(state: Offline, now: float) -> str:
    """'Offline since 12:01 — retrying in 20 s' and its kin."""
    retry = ""
    if state.paused:
        retry = " — polling paused"
    elif state.next_attempt_at is not None:
        seconds = max(0, round(state.next_attempt_at - now))
        retry = f" — retrying in {seconds} s" if seconds else " — retrying now"
    since = formatting.short_clock(state.since)
    if isinstance(state.error, Unreachable):
        return f"Offline since {since}{retry}"
    if isinstance(state.error, Unauthorized):
        return f"Sign-in refused since {since}{retry}"
    if isinstance(state.error, CacheBusy):
        # Not a failure of the sync, nor damage: the file is left as it is.
        return f"{BUSY}{retry or '; retrying'}"
    return f"Sync failing since {since}{retry}"


def banner_text(state: Offline, now: float) -> str:
    """Why the data may be stale, since when, and how old it is."""
    if isinstance(state.error, Unreachable):
        reason = f"Cannot reach {state.url}"
    elif isinstance(state.error, Unauthorized):
        reason = f"The server refused the token: {formatting.plain(str(state.error))}"
    elif isinstance(state.error, CacheBusy):
        reason = f"{BUSY} (another copy of the app?); the next round retries"
    else:
        reason = f"Sync failed: {formatting.plain(str(state.error))}"
    since = formatting.clock(state.since)
    if not state.last_sync:
        return f"{reason} (since {since}); nothing is cached yet for this deployment."
    age = formatting.age(now - state.last_sync)
    return (
        f"{reason} (since {since}); showing cached data from {age} ago. "
        "History and details still open from the cache."
    )
