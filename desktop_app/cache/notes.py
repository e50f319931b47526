"""Reasons people gave for rollbacks.

Neither Dagster+ nor the bundled server has a field for them, so they live
only in this cache: one note per accepted rollback, keyed by the load rolled
back to. The rollback entry itself arrives later, with the next sync; it
names its target (`rollback_target`), and its note is the newest one for
that target submitted before it loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop_app.core.loads import LoadAction, LocationLoad

CLOCK_SLACK = 300.0
"""Seconds a note may seem to be submitted after the entry it explains
loaded: the note is stamped by this machine's clock, the load by the
server's."""

SAME_TIME = 1e-3
"""Load times are floats read back from text; closer than this is the same load."""


@dataclass(frozen=True)
class RollbackNote:
    location: str
    target_loaded_at: float
    reason: str
    requested_by: str | None  # the signed-in user's email, when the server tells it
    submitted_at: float


def explains(note: RollbackNote, load: LocationLoad) -> bool:
    """True when `note` may be the reason for the rollback entry `load`."""
    target = load.rollback_target
    return (
        load.action == LoadAction.ROLLBACK
        and target is not None
        and note.location == load.location
        and abs(note.target_loaded_at - target) < SAME_TIME
        and note.submitted_at <= load.loaded_at + CLOCK_SLACK
    )


def note_for(load: LocationLoad, notes: Iterable[RollbackNote]) -> RollbackNote | None:
    """The newest of `notes` that explains `load`; None for other entries."""
    found = [note for note in notes if explains(note, load)]
    return max(found, key=lambda note: note.submitted_at, default=None)
