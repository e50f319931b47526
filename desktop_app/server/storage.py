"""Storage of the bundled deployment server (SQLAlchemy 2 Core).

A SQLite file by default (WAL, busy timeout), any SQLAlchemy URL accepted.
Asset definitions are stored once per distinct content hash; a load records
only the asset keys whose definition changed (`load_changes`), and
`current_assets` keeps the definitions a location serves now, so neither a
deploy nor a status poll ever walks a whole history.

One connection per request. Writes go through `Storage.write()`: one writer
at a time in this process (a lock), and `BEGIN IMMEDIATE` on SQLite so that
other processes on the same file (the `user add` command) wait their turn
instead of failing half-way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    CursorResult,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from desktop_app.core.assets import AssetDefinition
from desktop_app.server.drivers import require_driver

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("role", Integer, nullable=False),
    Column("location_grants", Text, nullable=False, default="{}"),  # JSON {location: role}
    Column("created_at", Float, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 hex of the token
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Float, nullable=False),
)

images = Table(
    "images",
    metadata,
    Column("ref", String(500), primary_key=True),
    Column("manifest", Text, nullable=True),  # JSON {"hashes": [...]}: its definitions
    Column("error", Text, nullable=True),  # JSON: the PythonError its code raises on load
    Column("registered_at", Float, nullable=False),
)

definitions = Table(
    "definitions",
    metadata,
    Column("hash", String(64), primary_key=True),  # AssetDefinition.content_hash()
    Column("body", Text, nullable=False),  # AssetDefinition.canonical_json()
)

locations = Table(
    "locations",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("document", Text, nullable=False),  # JSON: the current location document
    Column("document_updated_at", Float, nullable=False),
    Column("current_load_id", Integer, nullable=True),  # newest load, whatever its status
    Column("success_load_id", Integer, nullable=True),  # newest successful load
)

loads = Table(
    "loads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("location", String(200), nullable=False),
    Column("uploaded_at", Float, nullable=False),  # codeLocationDataUploadTimestamp
    Column("triggered_at", Float, nullable=False),  # codeLocationUpdateTriggerTimestamp
    Column("status", String(16), nullable=False),  # LOADED | ERROR
    Column("document", Text, nullable=False),  # JSON configDocument
    Column("document_hash", String(64), nullable=False),
    Column("display_metadata", Text, nullable=False),  # JSON {key: value}
    Column("error", Text, nullable=True),  # JSON PythonError
    Column("summary", Text, nullable=True),  # JSON {added, modified, removed}: lists of keys
    Column("previous_load_id", Integer, nullable=True),  # previous successful load
    Column("commit_hash", String(100), nullable=True),
    UniqueConstraint("location", "uploaded_at", name="uq_loads_location_uploaded"),
    Index("ix_loads_location_document", "location", "document_hash"),
)

load_changes = Table(
    "load_changes",
    metadata,
    Column("load_id", Integer, ForeignKey("loads.id"), primary_key=True),
    Column("asset_key", String(1000), primary_key=True),  # JSON list of path parts
    Column("old_hash", String(64), nullable=True),  # NULL: the asset is new
    Column("new_hash", String(64), nullable=True),  # NULL: the asset was removed
    # False when only untracked fields (the description) moved: kept for the
    # snapshot, left out of diff summaries and assetDiffHistory.
    Column("tracked", Boolean, nullable=False),
    Index("ix_load_changes_asset_key", "asset_key", "tracked"),
)

current_assets = Table(
    "current_assets",
    metadata,
    Column("location", String(200), primary_key=True),
    Column("asset_key", String(1000), primary_key=True),
    Column("definition_hash", String(64), nullable=False),
)


CHUNK = 400  # bound parameters per IN (...) list


def chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def store_definitions(conn: Connection, defs: Mapping[str, AssetDefinition]) -> None:
    """Insert the definitions whose hash is not stored yet."""
    hashes = sorted(defs)
    known: set[str] = set()
    for chunk in chunks(hashes):
        known.update(
            conn.execute(select(definitions.c.hash).where(definitions.c.hash.in_(chunk))).scalars()
        )
    missing = [{"hash": h, "body": defs[h].canonical_json()} for h in hashes if h not in known]
    if missing:
        conn.execute(insert(definitions), missing)


def load_definitions(conn: Connection, hashes: Iterable[str]) -> dict[str, AssetDefinition]:
    wanted = sorted(set(hashes))
    found: dict[str, AssetDefinition] = {}
    for chunk in chunks(wanted):
        rows = conn.execute(
            select(definitions.c.hash, definitions.c.body).where(definitions.c.hash.in_(chunk))
        )
        for digest, body in rows:
            found[digest] = AssetDefinition.from_json(json.loads(body))
    return found


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces (equal values, equal text)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Storage:
    """The server's database. Thread-safe: every call takes its own
    connection from the engine's pool."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        require_driver(parsed)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._write_lock = threading.Lock()
        if self.is_sqlite:
            memory = parsed.database in (None, "", ":memory:")
            if memory:
                raise ValueError("an in-memory SQLite database cannot be shared; use a file")
            # NullPool: a fresh connection per request is cheap for SQLite and
            # never hands one thread's connection to another.
            self.engine: Engine = create_engine(
                url, poolclass=NullPool, connect_args={"check_same_thread": False}
            )
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that writes; committed on success, rolled back on
        any exception."""
        with self._write_lock, self.engine.connect() as conn:
            conn = conn.execution_options(immediate=True)
            with conn.begin():
                yield conn


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys, and transactions that begin when we
    say so (pysqlite's own implicit BEGIN would defeat `BEGIN IMMEDIATE`)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
