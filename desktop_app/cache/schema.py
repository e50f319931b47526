"""The cache's tables, its schema version and migrations.

Size matters here (20 locations, the largest with 5,000 assets x 2,000
loads must fit in 30 MB), so:
- `definition` holds each distinct asset definition once, by content hash,
  compact and deflated, with a per-field fingerprint so that change types
  need no decoding;
- `asset_change` holds, per location and asset key, one row per load that
  changed (or taught us) that key's state; the state of every key at any
  load is the newest row at or before that load. It is a WITHOUT ROWID
  table keyed by (location, asset, loaded_at), so "the definition of this
  asset at that load" is one index seek.

`asset_state` holds checkpoints of the state of every key (states.py), and
`asset_change.tally` the change types recorded so far per key: with both,
the state at any load, and so the diff between any two loads, is one read
whose cost follows the number of assets. Version 5 added them.

`rollback_note` keeps what no server has a field for: the reason a person
gave when asking for a rollback. Version 2 added it, version 3
`asset_change_detail`. Version 4 repairs two changes that were made while
files said version 1 (commits 0695fb9 and 1711e92): `definition` rows in
the old form (a full SHA-256, zlib'd canonical JSON, no `fields`) are
re-encoded, and the `asset_change_by_time` index gains `changed`. Every
step looks at what the file holds, not only at its number.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

from desktop_app.cache import codec
from desktop_app.core.assets import AssetDefinition

SCHEMA_VERSION = 5

# asset_change.state
REMOVED = 0  # the key does not exist (after this load)
PRESENT = 1  # exists; def_id says how it is defined
UNKNOWN = 2  # exists, but the server never told us its definition at this load

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

location = Table(
    "location",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("active", Integer, nullable=False, default=1),
    Column("status", Text, nullable=False),
    Column("updated_at", Float),
    Column("version_key", Text),
    Column("deploy", Text),  # JSON of DeployInfo
    Column("asset_count", Integer, nullable=False, default=0),
    Column("error", Text),
    # "status|updateTimestamp|versionKey" as last seen: what a poll compares.
    Column("heartbeat", Text),
)

load = Table(
    "load",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("location_id", Integer, ForeignKey("location.id"), nullable=False),
    Column("loaded_at", Float, nullable=False),
    Column("triggered_at", Float),
    Column("status", Text, nullable=False),
    Column("document", Text),  # JSON
    Column("display", Text),  # JSON
    Column("error", Text),
    UniqueConstraint("location_id", "loaded_at", name="load_location_time"),
)
# The history page query: newest first within a location.
Index("load_by_location_time", load.c.location_id, load.c.loaded_at)

asset_key = Table(
    "asset_key",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False, unique=True),  # JSON list of path parts
)

definition = Table(
    "definition",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hash", LargeBinary, nullable=False, unique=True),
    Column("body", LargeBinary, nullable=False),  # codec.encode_definition
    Column("fields", LargeBinary, nullable=False),  # codec.fingerprint
)

asset_change = Table(
    "asset_change",
    metadata,
    Column("location_id", Integer, primary_key=True),
    Column("asset_id", Integer, primary_key=True),
    Column("loaded_at", Float, primary_key=True),
    Column("state", Integer, nullable=False),
    Column("def_id", Integer),
    Column("changed", Integer, nullable=False),  # 0: only taught us the definition
    Column("types", Integer, nullable=False),  # bit mask of ChangeType
    # Change types recorded so far for this key: states.advance().
    Column("tally", Integer, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
)
# Which keys changed in a range of loads (history pages, diffs); with the
# primary key columns it also covers "which asset ids", so a diff's first
# step never reads the table.
Index(
    "asset_change_by_time",
    asset_change.c.location_id,
    asset_change.c.loaded_at,
    asset_change.c.changed,
)

asset_state = Table(
    "asset_state",
    metadata,
    Column("location_id", Integer, primary_key=True),
    Column("loaded_at", Float, primary_key=True),
    Column("body", LargeBinary, nullable=False),  # states.encode
    sqlite_with_rowid=False,
)

rollback_note = Table(
    "rollback_note",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("location_id", Integer, ForeignKey("location.id"), nullable=False),
    # `loaded_at` of the load rolled back to: what the rollback entry's
    # `rollback_target` names once the sync brings it in.
    Column("target_loaded_at", Float, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", Text),  # the viewer's email; None without identity
    Column("submitted_at", Float, nullable=False),  # this machine's clock
)
Index(
    "rollback_note_by_target",
    rollback_note.c.location_id,
    rollback_note.c.target_loaded_at,
    rollback_note.c.submitted_at,
)


asset_change_detail = Table(
    "asset_change_detail",
    metadata,
    Column("location_id", Integer, primary_key=True),
    Column("asset_id", Integer, primary_key=True),
    Column("loaded_at", Float, primary_key=True),
    # JSON of the server's `changeDiff` (assetDiffHistory): code version
    # old/new and the keys of tags, metadata and dependencies that moved,
    # for loads whose definitions the cache never saw.
    Column("body", Text, nullable=False),
    sqlite_with_rowid=False,
)


def create(conn: Connection) -> None:
    metadata.create_all(conn)
    conn.execute(schema_version.delete())
    conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))


# version -> step that upgrades a file from that version to the next one.
def _add_rollback_notes(conn: Connection) -> None:
    rollback_note.create(conn, checkfirst=True)  # with its index


def _add_change_details(conn: Connection) -> None:
    asset_change_detail.create(conn, checkfirst=True)


def _columns(conn: Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")]


def _index_columns(conn: Connection, index: str) -> list[str]:
    return [str(row[2]) for row in conn.exec_driver_sql(f"PRAGMA index_info({index})")]


def _old_definition(body: bytes) -> AssetDefinition:
    """A body as files before 0695fb9 stored it: zlib'd canonical JSON."""
    return AssetDefinition.from_json(json.loads(zlib.decompress(body)))


def _repair_unversioned_changes(conn: Connection) -> None:
    if "fields" not in _columns(conn, "definition"):
        rows = conn.exec_driver_sql("SELECT id, body FROM definition").all()
        conn.exec_driver_sql("ALTER TABLE definition RENAME TO definition_old")
        definition.create(conn)
        for def_id, body in rows:
            parsed = _old_definition(bytes(body))
            conn.execute(
                definition.insert().values(
                    id=def_id,
                    hash=codec.definition_hash(parsed),
                    body=codec.encode_definition(parsed),
                    fields=codec.fingerprint(parsed),
                )
            )
        conn.exec_driver_sql("DROP TABLE definition_old")
    if _index_columns(conn, "asset_change_by_time") != ["location_id", "loaded_at", "changed"]:
        conn.exec_driver_sql("DROP INDEX IF EXISTS asset_change_by_time")
        for index in asset_change.indexes:
            index.create(conn)


def _add_state_checkpoints(conn: Connection) -> None:
    # Imported here: states reads these tables.
    from desktop_app.cache import states

    columns = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(asset_change)")}
    if "tally" not in columns:
        conn.exec_driver_sql("ALTER TABLE asset_change ADD COLUMN tally INTEGER NOT NULL DEFAULT 0")
    asset_state.create(conn, checkfirst=True)
    for (loc,) in conn.exec_driver_sql("SELECT id FROM location").all():
        states.rebuild(conn, int(loc), float("-inf"))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _add_rollback_notes,
    2: _add_change_details,
    3: _repair_unversioned_changes,
    4: _add_state_checkpoints,
}


def migrate(conn: Connection, found: int) -> None:
    version = found
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](conn)
        version += 1
    conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
