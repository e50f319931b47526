"""The server database's schema version: Alembic migrations in `migrations/`.

`upgrade()` brings any database written by an earlier release to the
current schema, inside one transaction that other processes wait for
(`BEGIN IMMEDIATE` on SQLite, an advisory lock on PostgreSQL), so several
`serve` processes may start at once. A database from before migrations
existed (no `alembic_version`, tables present) is first stamped as the
baseline revision it matches. `require_current()` refuses to use a database
that is not at the current revision, for `serve --no-upgrade`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

BASELINE = "0001"  # the schema of release 8c0ca6b, the last one without migrations
LOCK_KEY = 0x6465736B  # PostgreSQL advisory lock held while migrating
MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaError(Exception):
    """The database cannot be used as it is; the message says what to do."""


def _config(conn: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


@cache
def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


@cache
def _known() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions())


def current(conn: Connection) -> str | None:
    """The revision of the database; BASELINE for one written before
    migrations; None for an empty one."""
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is None and inspect(conn).has_table("users"):
        return BASELINE
    return revision


def _check_known(revision: str | None) -> None:
    if revision is not None and revision not in _known():
        raise SchemaError(
            f"the database is at schema revision {revision}, which this release does not "
            "know: it was written by a newer release of desktop-app; upgrade desktop-app"
        )


def is_current(engine: Engine) -> bool:
    with engine.connect() as conn:
        revision = current(conn)
    _check_known(revision)
    return revision == head()


def require_current(engine: Engine) -> None:
    with engine.connect() as conn:
        revision = current(conn)
    _check_known(revision)
    if revision != head():
        found = "empty" if revision is None else f"at schema revision {revision}"
        raise SchemaError(
            f"the database is {found}; this release needs revision {head()}. Run "
            "`desktop-app server migrate --db URL` (or serve without --no-upgrade) to upgrade it"
        )


def upgrade(engine: Engine) -> None:
    """Migrate the database to the current revision (a no-op when it is)."""
    if is_current(engine):
        return
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Rebuilding a table must not cascade into the tables referring to
            # it. Outside any transaction (where SQLite ignores this pragma).
            _raw_sqlite(conn, "PRAGMA foreign_keys = OFF")
        try:
            conn = conn.execution_options(immediate=True)
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
                revision = current(conn)
                _check_known(revision)
                if revision != head():
                    config = _config(conn)
                    if revision == BASELINE and not inspect(conn).has_table("alembic_version"):
                        command.stamp(config, BASELINE)
                    command.upgrade(config, "head")
        finally:
            if sqlite:
                _raw_sqlite(conn, "PRAGMA foreign_keys = ON")


def _raw_sqlite(conn: Connection, statement: str) -> None:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.execute(statement)
