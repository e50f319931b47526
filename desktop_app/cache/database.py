"""Opening the cache file: WAL, explicit transactions, integrity check,
schema version and shape (`damage.verify`); a file that cannot be trusted
is moved aside, a file another process holds locked is reported busy.
The file and its directory are private to the user (0600 and 0700)."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError

from desktop_app.cache import damage
from desktop_app.cache import schema as s
from desktop_app.cache.damage import CacheBusy

CorruptCache = damage.Corrupt
BUSY_TIMEOUT = 30.0
"""Seconds to wait for another process's lock before reporting the cache busy."""


def make_private(path: Path) -> None:
    """The directory 0700 and the file (made now if missing) 0600, without
    following a link planted at the file's path."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CorruptCache("a link, not a cache file") from None
        raise
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


WRITER_CACHE_KIB = 64 * 1024
"""SQLite's page cache of a connection that writes (up to, in KiB)."""


def connect(path: Path, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine for the file: WAL, and transactions begun by SQLAlchemy."""
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions start.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A first sync inserts 100,000s of change rows in time order into a
        # table kept in (location, asset, time) order: with SQLite's default
        # 2 MB page cache most of them re-read and spill pages.
        cursor.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


class NotReady(Exception):  # noqa: N818 (a state: the writer prepares it first)
    """The file is missing, of an older schema, or not one this app can read
    as it is: the writing process must open (create, migrate or rebuild) it
    before a reader can."""


def connect_readonly(path: Path) -> Engine:
    """An engine that can only read the file (SQLite refuses every write on
    it), for a process that leaves writing to another; NotReady unless the
    file holds the current schema."""
    if not path.is_file():
        raise NotReady(f"no cache file at {path}")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        # Belt and braces: even a file opened writable by mistake refuses.
        cursor.execute("PRAGMA query_only=1")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    try:
        with engine.connect() as conn:
            found = damage.schema_version(conn)
    except (DatabaseError, damage.Corrupt) as exc:
        engine.dispose()
        raise NotReady(str(exc)) from None
    if found != s.SCHEMA_VERSION:
        engine.dispose()
        raise NotReady(f"schema version {found}, not {s.SCHEMA_VERSION}")
    return engine


def open_checked(path: Path, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine on a file that passed the integrity check and has (now) the
    current schema and only values that decode; CorruptCache when it cannot
    be trusted, CacheBusy when another process holds it locked."""
    make_private(path)
    engine = connect(path, busy_timeout)
    try:
        with engine.begin() as conn:
            check = conn.exec_driver_sql("PRAGMA quick_check").scalar()
            if check != "ok":
                raise CorruptCache(str(check))
            tables = set(
                conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").scalars()
            )
            if "schema_version" not in tables:
                if tables:
                    raise CorruptCache("not a cache file of this app")
                s.create(conn)
            else:
                found = damage.schema_version(conn)
                if found < s.SCHEMA_VERSION:
                    s.migrate(conn, found)
            damage.verify(conn)
    except DatabaseError as exc:
        engine.dispose()
        if damage.is_busy(exc):
            raise CacheBusy(path) from None
        raise CorruptCache(str(exc)) from exc
    except CorruptCache:
        engine.dispose()
        raise
    _private_side_files(path)
    return engine


def _private_side_files(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.chmod(path.with_name(path.name + suffix), 0o600)


def move_aside(path: Path) -> Path:
    """Rename a damaged file (and its WAL files) next to itself; returns the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    path.replace(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(target.with_name(target.name + suffix))
    return target
