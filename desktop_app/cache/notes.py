"""Reasons people gave for rollbacks: the rules live in `core.rollback`
(shared with the GUI and the headless commands); kept here under their
former names for the cache's readers."""

from __future__ import annotations

from desktop_app.core.rollback import (
    CLOCK_SLACK,
    SAME_TIME,
    RollbackNote,
    assign_notes,
    explains,
)

__all__ = ["CLOCK_SLACK", "SAME_TIME", "RollbackNote", "assign_notes", "explains"]
