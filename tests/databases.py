"""Databases for the server and sync suites: SQLite files by default, or
PostgreSQL databases when `DESKTOP_APP_TEST_DB_URL` names a server (an
SQLAlchemy URL whose user may create databases, e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`). Each test gets a
database of its own, copied from a template where it needs the demo data
(`CREATE DATABASE ... TEMPLATE`), and dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ENV = "DESKTOP_APP_TEST_DB_URL"


def server_url() -> str | None:
    """The PostgreSQL server to test on, or None for SQLite."""
    return os.environ.get(ENV) or None


def fresh(folder: Path, template: str | None = None) -> str:
    """The URL of a new database: empty, or a copy of `template`."""
    admin = server_url()
    if admin is None:
        path = folder / f"server-{uuid.uuid4().hex[:8]}.sqlite3"
        if template is not None:
            source = Path(make_url(template).database or "")
            shutil.copyfile(source, path)
            wal = source.with_name(source.name + "-wal")
            if wal.exists():
                shutil.copyfile(wal, path.with_name(path.name + "-wal"))
        return f"sqlite:///{path}"
    name = f"desktop_app_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{make_url(template).database}"' if template else ""
    _admin(f'CREATE DATABASE "{name}"{clause}')
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop(url: str) -> None:
    """Remove a database `fresh` made (SQLite files go with their temp dir)."""
    if server_url() is None:
        return
    _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _admin(statement: str) -> None:
    admin = server_url()
    assert admin is not None
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
