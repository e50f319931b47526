"""Alembic migrations of the server's database (see `desktop_app.server.schema_version`)."""
