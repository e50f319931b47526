"""Taking back what a failed sync round committed.

A round writes each location in a transaction of its own as soon as it has
arrived, so that a first sync fills the table and opens histories while the
rest are on their way. A round that then fails (a damaged answer, a server
that stops answering, an endless page) must leave the cache as it found it:
nothing it learnt is trusted. `RoundLedger` notes, before each location is
written, what that location looked like (its row, its newest load), and
`take_back` restores exactly that.

Only appends are taken back: a round writes loads newer than the newest it
had, their change rows and checkpoints, new asset keys and definitions, and
the location's row. Rows at or before the newest load are never touched by
a round, so deleting what is newer and restoring the row is the whole undo.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from desktop_app.cache import schema as s

log = logging.getLogger(__name__)

_NEVER = float("-inf")


@dataclass(frozen=True)
class _Before:
    row: dict[str, Any] | None  # the location row as it was; None: there was none
    newest: float  # loaded_at of its newest load then, -inf without one


@dataclass
class RoundLedger:
    """What one round changed, location by location, as it was before."""

    asset_key_max: int | None = None
    definition_max: int | None = None
    before: dict[str, _Before] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.before

    def note(self, conn: Connection, name: str) -> None:
        """Inside the transaction that is about to change `name`: remember
        it as it is (once per round; the first note is what counts)."""
        if self.asset_key_max is None:
            self.asset_key_max = _max_id(conn, s.asset_key.c.id)
            self.definition_max = _max_id(conn, s.definition.c.id)
        if name in self.before:
            return
        row = conn.execute(select(s.location).where(s.location.c.name == name)).mappings().first()
        newest = _NEVER
        if row is not None:
            value = conn.execute(
                select(func.max(s.load.c.loaded_at)).where(s.load.c.location_id == row["id"])
            ).scalar()
            newest = float(value) if value is not None else _NEVER
        self.before[name] = _Before(dict(row) if row is not None else None, newest)


def take_back(conn: Connection, ledger: RoundLedger) -> None:
    """Restore every location the ledger noted, in one transaction."""
    for name, before in ledger.before.items():
        loc = conn.execute(select(s.location.c.id).where(s.location.c.name == name)).scalar()
        if loc is None:
            continue
        for table in (s.load, s.asset_change, s.asset_state, s.asset_change_detail):
            conn.execute(
                table.delete().where(table.c.location_id == loc, table.c.loaded_at > before.newest)
            )
        if before.row is not None:
            conn.execute(s.location.update().where(s.location.c.id == loc).values(**before.row))
        elif not _has_notes(conn, loc):
            conn.execute(s.location.delete().where(s.location.c.id == loc))
    # Keys and definitions first stored by this round, now used by nothing.
    if ledger.asset_key_max is not None:
        c = s.asset_key.c
        conn.execute(
            s.asset_key.delete().where(
                c.id > ledger.asset_key_max,
                c.id.not_in(select(s.asset_change.c.asset_id)),
                c.id.not_in(select(s.asset_change_detail.c.asset_id)),
            )
        )
    if ledger.definition_max is not None:
        d = s.definition.c
        conn.execute(
            s.definition.delete().where(
                d.id > ledger.definition_max,
                d.id.not_in(
                    select(s.asset_change.c.def_id).where(s.asset_change.c.def_id.is_not(None))
                ),
            )
        )
    log.info("took back what a failed round wrote about %d location(s)", len(ledger.before))


def _max_id(conn: Connection, column: Any) -> int:
    value = conn.execute(select(func.max(column))).scalar()
    return int(value) if value is not None else 0


def _has_notes(conn: Connection, loc: int) -> bool:
    found = conn.execute(
        select(s.rollback_note.c.id).where(s.rollback_note.c.location_id == loc).limit(1)
    ).first()
    return found is not None
