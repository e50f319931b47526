"""Alembic environment: runs on the connection `schema_version.upgrade`
hands over (config attribute `connection`); never opens its own."""

from __future__ import annotations

from alembic import context

from desktop_app.server.storage import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
