"""The state of every asset key at any load, in one read.

`asset_change` records, per key, the loads that changed it; the state of a
key at load k is its newest row at or before k (a validity interval: from
that row's load up to the next row's). Reading a whole state from those
rows alone costs the history before k. So every so often the writer stores
a checkpoint (`asset_state`): the full state after one load, packed in one
blob. The state at k is then the newest checkpoint at or before k plus the
rows since, and there are never more of those than about a quarter of the
location's keys (`checkpoint_due`). A diff between any two loads compares
two such states: its cost follows the number of assets, not the number of
loads or changes in between.

What a key's state cannot say on its own is how it changed between two
loads when a definition on either side is unknown (loads seen only in
history): the change types recorded by the loads in between. Each row
therefore carries a `tally`: per change type, how many changed rows of
that key recorded it so far, plus how many changed rows there were at all,
as eight 8-bit counters (modulo 256) in one integer. The types recorded
between two loads are the counters that differ; a count that moved by an
exact multiple of 256 between the two ends would be missed, which needs 256
changes of one asset in one span of the history (the data set's busiest
asset changes about 20 times in 2,000 loads).
"""

from __future__ import annotations

import sys
import zlib
from array import array
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.engine import Connection

State = tuple[int, int]
"""(packed, tally) of one key: packed is state * PACK + definition id (0: none)."""
PACK = 1 << 32
_COUNTERS = 8  # counter 0: changed rows; 1..7: one per change type
_FIELD = 8
_FIELD_MASK = (1 << _FIELD) - 1

NEVER = float("-inf")
"""A time before every load."""

CHECKPOINT_MIN_ROWS = 256
"""A location with few keys still gets a checkpoint only this often."""


def checkpoint_due(rows_since: int, keys: int) -> bool:
    """Whether the rows since the last checkpoint are worth folding into a
    new one: replaying them would otherwise cost more than a quarter of
    decoding a state. (5,000 keys, 50 changed per load: a checkpoint every
    25 loads, about 15 kB each.)"""
    return rows_since >= max(CHECKPOINT_MIN_ROWS, keys // 4)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def _bumps() -> list[int]:
    """Per type mask: what to add to each counter (before wrapping)."""
    out = []
    for mask in range(1 << (_COUNTERS - 1)):
        bump = 1  # counter 0
        for bit in range(_COUNTERS - 1):
            if mask & (1 << bit):
                bump |= 1 << ((bit + 1) * _FIELD)
        out.append(bump)
    return out


_BUMPS = _bumps()


def advance(tally: int, changed: bool, types_mask: int) -> int:
    """The tally after one more row of a key."""
    if not changed:
        return tally
    total = _unsigned(tally)
    bump = _BUMPS[types_mask]
    result = 0
    for field in range(_COUNTERS):
        shift = field * _FIELD
        if bump >> shift & _FIELD_MASK:
            value = ((total >> shift & _FIELD_MASK) + 1) & _FIELD_MASK
        else:
            value = total >> shift & _FIELD_MASK
        result |= value << shift
    return _signed(result)


# -- checkpoints -----------------------------------------------------------------
def encode(states: dict[int, State]) -> bytes:
    flat = array("q")
    for aid in sorted(states):
        packed, tally = states[aid]
        flat.extend((aid, packed, tally))
    if sys.byteorder == "big":
        flat.byteswap()
    return zlib.compress(flat.tobytes(), 1)


def decode(body: bytes) -> dict[int, State]:
    flat = array("q")
    flat.frombytes(zlib.decompress(body))
    if sys.byteorder == "big":
        flat.byteswap()
    return dict(zip(flat[0::3], zip(flat[1::3], flat[2::3], strict=True), strict=True))


# -- reading ---------------------------------------------------------------------
def _read(conn: Connection, loc: int, at: float) -> tuple[tuple[float, bytes] | None, list[Any]]:
    """The newest checkpoint at or before `at` (its time and body; None
    when there is none), and the (asset id, packed, tally) rows after it
    up to `at`, oldest first: what a state at `at` is made of."""
    driver = conn.connection.driver_connection
    assert driver is not None
    found = driver.execute(
        "SELECT loaded_at, body FROM asset_state WHERE location_id = ? AND loaded_at <= ?"
        " ORDER BY loaded_at DESC LIMIT 1",
        (loc, at),
    ).fetchone()
    checkpoint = (float(found[0]), found[1]) if found is not None else None
    rows = driver.execute(
        "SELECT asset_id, state * ? + ifnull(def_id, 0), tally FROM asset_change"
        " WHERE location_id = ? AND loaded_at > ? AND loaded_at <= ? ORDER BY loaded_at",
        (PACK, loc, NEVER if checkpoint is None else checkpoint[0], at),
    ).fetchall()
    return checkpoint, rows


def state_at(conn: Connection, loc: int, at: float) -> tuple[dict[int, State], float | None, int]:
    """Every key's (packed, tally) after the load at `at` (keys without a
    row by then are absent), the time of the checkpoint it started from,
    and how many rows were replayed on top of it."""
    checkpoint, rows = _read(conn, loc, at)
    states: dict[int, State] = decode(checkpoint[1]) if checkpoint is not None else {}
    for aid, packed, tally in rows:
        states[aid] = (packed, tally)
    return states, checkpoint[0] if checkpoint is not None else None, len(rows)


# -- whole states as arrays ----------------------------------------------------------
Ints = npt.NDArray[np.int64]


def state_rows(conn: Connection, loc: int, at: float) -> Ints:
    """`state_at` as an (n, 3) array of (asset id, packed, tally) rows,
    sorted by asset id: what comparing two whole states reads, built at C
    speed (a state of 20,000 keys in a few milliseconds)."""
    checkpoint, rows = _read(conn, loc, at)
    base = np.empty((0, 3), dtype=np.int64)
    if checkpoint is not None:
        base = np.frombuffer(zlib.decompress(checkpoint[1]), dtype="<i8").astype(np.int64)
        base = base.reshape(-1, 3)
    replay = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=3 * len(rows))
    every = np.concatenate((base, replay.reshape(-1, 3)))
    # The newest row of each key: the first of each in reverse order.
    newest_first = every[::-1]
    _aids, first = np.unique(newest_first[:, 0], return_index=True)
    return newest_first[first]


@dataclass(frozen=True)
class Moved:
    """The keys whose rows differ between two states, oriented from the
    first state to the second: asset ids, packed states before and after,
    and the change types recorded between: a type mask, bit k set when the
    counter of the k-th type (counter k + 1) moved."""

    aids: Ints
    before: Ints
    after: Ints
    recorded: Ints


def moved_between(old: Ints, new: Ints) -> Moved:
    """Compare two `state_rows` (the earlier first) at C speed: the keys
    some changed row lies between (their tallies differ), and the types
    those rows recorded. A key without a row in a state counts as (0, 0)."""
    every = np.union1d(old[:, 0], new[:, 0])
    sides = []
    for rows in (old, new):
        aligned = np.zeros((len(every), 2), dtype=np.int64)
        aligned[np.searchsorted(every, rows[:, 0])] = rows[:, 1:]
        sides.append(aligned)
    before, after = sides
    differ = before[:, 1] != after[:, 1]
    x = (before[differ, 1] ^ after[differ, 1]).view(np.uint64)
    moved = np.zeros(len(x), dtype=np.int64)
    for counter in range(_COUNTERS):
        byte = (x >> np.uint64(counter * _FIELD)) & np.uint64(_FIELD_MASK)
        moved |= (byte != 0).astype(np.int64) << counter
    return Moved(every[differ], before[differ, 0], after[differ, 0], moved >> 1)


# -- (re)building ------------------------------------------------------------------
def rebuild(conn: Connection, loc: int, since: float) -> None:
    """Recompute the tallies of every row at or after `since` and the
    checkpoints after it, from the last checkpoint before it: after rows
    were written out of order or their types filled in, and on migration."""
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("DELETE FROM asset_state WHERE location_id = ? AND loaded_at >= ?", (loc, since))
    prior = _before(driver, loc, since)
    states, _base_at, rows_since = state_at(conn, loc, prior)
    rows = driver.execute(
        "SELECT asset_id, loaded_at, state * ? + ifnull(def_id, 0), changed, types, tally"
        " FROM asset_change WHERE location_id = ? AND loaded_at > ? ORDER BY loaded_at",
        (PACK, loc, prior),
    ).fetchall()
    fixes: list[tuple[int, int, int, float]] = []
    current_at: float | None = None
    for aid, loaded_at, packed, changed, types, stored in rows:
        if current_at is not None and loaded_at != current_at:
            rows_since = _maybe_checkpoint(driver, loc, current_at, states, rows_since)
        current_at = loaded_at
        tally = advance(states.get(aid, (0, 0))[1], bool(changed), types)
        if tally != stored:
            fixes.append((tally, loc, aid, loaded_at))
        states[aid] = (packed, tally)
        rows_since += 1
    if current_at is not None:
        _maybe_checkpoint(driver, loc, current_at, states, rows_since)
    driver.executemany(
        "UPDATE asset_change SET tally = ? WHERE location_id = ? AND asset_id = ?"
        " AND loaded_at = ?",
        fixes,
    )


def _before(driver: object, loc: int, since: float) -> float:
    """The newest load time before `since` (or a time before every load)."""
    row = driver.execute(  # type: ignore[attr-defined]
        "SELECT max(loaded_at) FROM asset_change WHERE location_id = ? AND loaded_at < ?",
        (loc, since),
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else NEVER


def _maybe_checkpoint(
    driver: object, loc: int, at: float, states: dict[int, State], rows_since: int
) -> int:
    if not checkpoint_due(rows_since, len(states)):
        return rows_since
    write_checkpoint(driver, loc, at, states)
    return 0


def write_checkpoint(driver: object, loc: int, at: float, states: dict[int, State]) -> None:
    driver.execute(  # type: ignore[attr-defined]
        "INSERT OR REPLACE INTO asset_state (location_id, loaded_at, body) VALUES (?, ?, ?)",
        (loc, at, encode(states)),
    )
