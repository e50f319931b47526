"""The rules of rolling back, as plain values shared by the GUI, the
headless commands and the preview: whether a load may be rolled back to,
what the confirmation compares, what a deploy came to, and which rollback
entry a locally kept reason belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from desktop_app.core.loads import (
    DeployInfo,
    LoadAction,
    LoadStatus,
    LocationLoad,
    is_running_version,
)
from desktop_app.core.roles import Decision, rollback_allowed
from desktop_app.core.session import Capabilities, Viewer

WAITING_FOR_SYNC = "Waiting for the first sync to learn what this server allows."


@dataclass(frozen=True)
class DeployOutcome:
    """What a deploy (or rollback) came to; `kind` is the GraphQL `__typename`
    of the result (or a short word for refusals decided before sending)."""

    ok: bool
    kind: str
    message: str


def rollback_decision(
    load: LocationLoad,
    newest: LocationLoad | None,
    viewer: Viewer | None,
    capabilities: Capabilities | None,
) -> Decision:
    """May `load` be rolled back to, given the newest load of its location
    and what the latest sync round said about the user and the server."""
    if capabilities is None:
        return Decision(False, WAITING_FOR_SYNC)
    return rollback_allowed(
        role=viewer.role_on(load.location) if viewer is not None else None,
        server_can_deploy=capabilities.deploy,
        is_running_version=is_running_version(load, newest),
        load_failed=load.status == LoadStatus.ERROR,
    )


@dataclass(frozen=True)
class RollbackRequest:
    """A rollback as the user confirmed it: the load they chose (sent as it
    is, never re-read), what they saw as the newest load, and who they were
    according to the round that enabled the action."""

    target: LocationLoad
    newest: LocationLoad | None
    viewer: Viewer | None
    capabilities: Capabilities | None
    reason: str = ""

    @property
    def location(self) -> str:
        return self.target.location

    def decision(self) -> Decision:
        return rollback_decision(self.target, self.newest, self.viewer, self.capabilities)


@dataclass(frozen=True)
class RollbackPreview:
    """What the confirmation compares. `current` is what runs now, or the
    failed load that replaced it; `baseline` is the load the asset changes
    are counted from: `current` itself when it loaded, else the last load
    that succeeded (None when none did)."""

    current: LocationLoad | None
    baseline: LocationLoad | None

    @property
    def current_failed(self) -> bool:
        return self.current is not None and self.current.status == LoadStatus.ERROR


def rollback_preview(newest_first: Iterable[LocationLoad]) -> RollbackPreview:
    """The preview for a location whose history (newest first) is given."""
    current: LocationLoad | None = None
    for load in newest_first:
        if current is None:
            current = load
        if load.status == LoadStatus.LOADED:
            return RollbackPreview(current, load)
    return RollbackPreview(current, None)


# -- reasons kept for rollbacks ---------------------------------------------------------------

CLOCK_SLACK = 300.0
"""Seconds a note may seem to be submitted after the entry it explains
loaded: the note is stamped by this machine's clock, the load by the
server's."""

SAME_TIME = 1e-3
"""Load times are floats read back from text; closer than this is the same load."""


@dataclass(frozen=True)
class RollbackNote:
    """The reason a person gave for a rollback. No server has a field for
    it, so it lives only in the local cache, keyed by the load the person
    chose (`target_loaded_at`). `target_deploy` is the version that load
    deployed, filled in when the cache reads the note back: the entry the
    server records names the newest earlier identical load as its target,
    which need not be the one chosen when a version was deployed twice."""

    location: str
    target_loaded_at: float
    reason: str
    requested_by: str | None  # the signed-in user's email, when the server tells it
    submitted_at: float
    target_deploy: DeployInfo | None = field(default=None, compare=False)


def explains(note: RollbackNote, load: LocationLoad) -> bool:
    """True when `note` may be the reason for the rollback entry `load`."""
    if load.action != LoadAction.ROLLBACK or note.location != load.location:
        return False
    if note.submitted_at > load.loaded_at + CLOCK_SLACK:
        return False
    if note.requested_by and load.initiated_by and note.requested_by != load.initiated_by:
        return False
    target = load.rollback_target
    same_target = target is not None and abs(note.target_loaded_at - target) < SAME_TIME
    same_version = note.target_deploy is not None and note.target_deploy == load.deploy
    return same_target or same_version


def assign_notes(
    entries: Iterable[LocationLoad], notes: Sequence[RollbackNote]
) -> dict[float, RollbackNote]:
    """Pair rollback entries with notes, at most one each way: the pairs
    closest in time (entry loaded vs note submitted) first, so that a note
    goes to the entry its own request created even when an earlier
    rollback to the same version could be explained by it too. `entries`
    should be every rollback entry of the location, so that a page of
    history pairs the same way as the whole. By `loaded_at`."""
    candidates = sorted(
        (
            (abs(entry.loaded_at - note.submitted_at), entry.loaded_at, number)
            for entry in entries
            for number, note in enumerate(notes)
            if explains(note, entry)
        ),
    )
    found: dict[float, RollbackNote] = {}
    used: set[int] = set()
    for _distance, loaded_at, number in candidates:
        if loaded_at not in found and number not in used:
            found[loaded_at] = notes[number]
            used.add(number)
    return found
