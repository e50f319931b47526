"""Name a missing database driver, and what installs it, before SQLAlchemy
fails deep inside `create_engine` with a traceback.

The SQLite driver comes with Python; a PostgreSQL URL needs psycopg, which
the `postgres` extra installs (`pip install 'desktop-app[postgres]'`)."""

from __future__ import annotations

import sys

from sqlalchemy.engine import URL

EXTRAS = {"psycopg": "postgres"}
"""Driver module → the extra of desktop-app that installs it."""


class MissingDriverError(ValueError):
    """The database URL names a driver that is not installed."""


def require_driver(url: URL) -> None:
    """Raise `MissingDriverError` with a one-line remedy when the driver of `url`
    cannot be imported. An unknown dialect is SQLAlchemy's own error."""
    dialect = url.get_dialect()
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        module = exc.name or dialect.driver
        raise MissingDriverError(
            f"the database driver {module!r} for {url.drivername}:// is not installed; "
            + remedy(module)
        ) from None


def remedy(module: str) -> str:
    extra = EXTRAS.get(module.split(".")[0])
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: nothing can be added to it
        return "this build does not include it; install desktop-app with pip instead"
    if extra:
        return f"install it with: pip install 'desktop-app[{extra}]'"
    return f"install the Python package that provides {module!r}"
