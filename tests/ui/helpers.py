"""Helpers shared by the UI tests."""

from __future__ import annotations

from desktop_app.core.loads import LoadStatus, LocationLoad
from desktop_app.ui.history_dialog import HistoryDialog


def older_version(dialog: HistoryDialog) -> LocationLoad:
    """A load of another version than the running one, that loaded fine:
    something a rollback may target."""
    newest = dialog.model.newest
    assert newest is not None
    return next(
        load
        for load in dialog.model.loads[1:]
        if load.status == LoadStatus.LOADED and load.deploy != newest.deploy
    )
