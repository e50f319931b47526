"""The net asset changes of a group of loads: what the history dialog's
Assets cell and `desktop-app history` both report for a collapsed row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from desktop_app.core.assets import AssetKey
from desktop_app.core.diff import CHANGE_ORDER, ChangeType
from desktop_app.core.loads import LocationLoad


class NetKind(IntEnum):
    """In display order."""

    ADDED = 0
    REMOVED = 1
    CHANGED = 2


@dataclass(frozen=True)
class NetChange:
    kind: NetKind
    key: AssetKey
    change_types: tuple[ChangeType, ...] = ()


def net_changes(newest_first: Sequence[LocationLoad]) -> tuple[NetChange, ...]:
    """Every key the loads added, removed or changed, applied oldest first
    (a later load wins; a key changed after it was added stays added; the
    change types of several changes add up), sorted added, removed, changed
    and by key."""
    state: dict[AssetKey, tuple[NetKind, tuple[ChangeType, ...]]] = {}
    for load in reversed(newest_first):
        summary = load.summary
        for key in summary.added:
            state[key] = (NetKind.ADDED, (ChangeType.NEW,))
        for key in summary.removed:
            state[key] = (NetKind.REMOVED, (ChangeType.REMOVED,))
        for key in summary.modified:
            types = tuple(summary.change_types.get(key, ()))
            before = state.get(key)
            if before is not None and before[0] is NetKind.ADDED:
                continue
            if before is not None and before[0] is NetKind.CHANGED:
                types = tuple(t for t in CHANGE_ORDER if t in {*before[1], *types})
            state[key] = (NetKind.CHANGED, types)
    changes = [NetChange(kind, key, types) for key, (kind, types) in state.items()]
    changes.sort(key=lambda change: (change.kind, change.key))
    return tuple(changes)
