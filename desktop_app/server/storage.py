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
from collections import OrderedDict
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
    PrimaryKeyConstraint,
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
from sqlalchemy.pool import QueuePool

from desktop_app.core.assets import AssetDefinition
from desktop_app.server.drivers import require_driver

metadata = MetaData()

deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("settings", Text, nullable=False),  # JSON: deploymentSettings.settings
    Column("created_at", Float, nullable=False),
)
DEFAULT_DEPLOYMENT_ID = 1  # "prod", created by the migration that added deployments

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    # Organization Admin spans every deployment; other roles are per deployment.
    Column("organization_admin", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column(
        "deployment_id", Integer, ForeignKey("deployments.id", ondelete="CASCADE"), nullable=False
    ),
    Column("role", Integer, nullable=False),
    Column("location_grants", Text, nullable=False),  # JSON {location: role}
    PrimaryKeyConstraint("user_id", "deployment_id", name="pk_grants"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
    Column("hint", String(16), nullable=False),  # the token's last characters, to tell it apart
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
    Column("deployment_id", Integer, ForeignKey("deployments.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("document", Text, nullable=False),  # JSON: the current location document
    Column("document_updated_at", Float, nullable=False),
    Column("current_load_id", Integer, nullable=True),  # newest load, whatever its status
    Column("success_load_id", Integer, nullable=True),  # newest successful load
    PrimaryKeyConstraint("deployment_id", "name", name="pk_locations"),
)

loads = Table(
    "loads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("deployment_id", Integer, nullable=False),
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
    UniqueConstraint(
        "deployment_id", "location", "uploaded_at", name="uq_loads_deployment_location_uploaded"
    ),
    Index("ix_loads_deployment_location_document", "deployment_id", "location", "document_hash"),
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
    Column("deployment_id", Integer, nullable=False),
    Column("location", String(200), nullable=False),
    Column("asset_key", String(1000), nullable=False),
    Column("definition_hash", String(64), nullable=False),
    PrimaryKeyConstraint("deployment_id", "location", "asset_key", name="pk_current_assets"),
)


CHUNK = 400  # bound parameters per IN (...) list
POOL_SIZE = 8  # SQLite connections kept open: one per server thread
DECODED_DEFINITIONS = 20_000  # decoded definitions kept (a few MB per thousand)


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


class DecodedDefinitions:
    """Definitions already decoded, by content hash: a body never changes
    for its hash, so the decoded value is valid for every database. Reads
    of large locations decode thousands per request; this keeps the most
    recently used `size` of them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, AssetDefinition] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str, body: str) -> AssetDefinition:
        with self._lock:
            found = self._items.get(digest)
            if found is not None:
                self._items.move_to_end(digest)
                return found
        decoded = AssetDefinition.from_json(json.loads(body))
        with self._lock:
            self._items[digest] = decoded
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return decoded


DECODED = DecodedDefinitions(DECODED_DEFINITIONS)


def load_definitions(conn: Connection, hashes: Iterable[str]) -> dict[str, AssetDefinition]:
    wanted = sorted(set(hashes))
    found: dict[str, AssetDefinition] = {}
    for chunk in chunks(wanted):
        rows = conn.execute(
            select(definitions.c.hash, definitions.c.body).where(definitions.c.hash.in_(chunk))
        )
        for digest, body in rows:
            found[digest] = DECODED.get(digest, body)
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

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        """Open the database at `url`; migrate it to the current schema, or
        with `upgrade=False` refuse (`SchemaError`) unless it is current."""
        self.url = url
        parsed = make_url(url)
        require_driver(parsed)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._write_lock = threading.Lock()
        if self.is_sqlite:
            memory = parsed.database in (None, "", ":memory:")
            if memory:
                raise ValueError("an in-memory SQLite database cannot be shared; use a file")
            # A pool of connections, each used by one thread at a time: a
            # fresh connection per request cost a tenth of the server's CPU
            # during a first sync (opening the file and its pragmas).
            self.engine: Engine = create_engine(
                url,
                poolclass=QueuePool,
                pool_size=POOL_SIZE,
                max_overflow=POOL_SIZE,
                connect_args={"check_same_thread": False},
            )
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        from desktop_app.server import schema_version

        try:
            if upgrade:
                schema_version.upgrade(self.engine)
            else:
                schema_version.require_current(self.engine)
        except BaseException:
            self.engine.dispose()
            raise

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
