"""Opening the cache file: WAL, explicit transactions, integrity check,
schema version; a file that cannot be trusted is moved aside."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError

from desktop_app.cache import schema as s


class CorruptCache(Exception):  # noqa: N818 (internal signal, never leaves the package)
    pass


def connect(path: Path) -> Engine:
    """An engine for the file: WAL, and transactions begun by SQLAlchemy."""
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions start.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def open_checked(path: Path) -> Engine:
    """An engine on a file that passed the integrity check and has (now) the
    current schema; CorruptCache when it cannot be trusted."""
    engine = connect(path)
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
                found = conn.execute(select(s.schema_version.c.version)).scalar()
                if found is None or found > s.SCHEMA_VERSION:
                    raise CorruptCache(f"unknown schema version {found}")
                if found < s.SCHEMA_VERSION:
                    s.migrate(conn, int(found))
    except DatabaseError as exc:
        engine.dispose()
        raise CorruptCache(str(exc)) from exc
    except CorruptCache:
        engine.dispose()
        raise
    return engine


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
