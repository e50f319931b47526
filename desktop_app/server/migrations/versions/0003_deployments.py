"""Several deployments; roles per deployment; tokens with an id, a hint
and their last use.

Everything an earlier database holds becomes deployment 1, "prod". A user's
role becomes their grant on prod; Organization Admin becomes a flag that
spans every deployment. Existing tokens keep working (their hint is unknown).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ORGANIZATION_ADMIN = 5
ADMIN = 4


def _rebuild(name: str, *items: sa.schema.SchemaItem, copy: str) -> None:
    """Recreate `name` with a new key: build `name`_new, copy the rows with
    `copy` (an INSERT ... SELECT naming both tables), swap."""
    op.create_table(f"{name}_new", *items)
    op.execute(copy)
    op.drop_table(name)
    op.rename_table(f"{name}_new", name)


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    deployments = sa.table(
        "deployments",
        sa.column("id"),
        sa.column("name"),
        sa.column("settings"),
        sa.column("created_at"),
    )
    op.bulk_insert(
        deployments, [{"id": 1, "name": "prod", "settings": "{}", "created_at": time.time()}]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('deployments', 'id'), 1)")

    op.create_table(
        "grants",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "deployment_id",
            sa.Integer,
            sa.ForeignKey("deployments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("location_grants", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "deployment_id", name="pk_grants"),
    )
    op.execute(
        "INSERT INTO grants (user_id, deployment_id, role, location_grants) "
        f"SELECT id, 1, CASE WHEN role > {ADMIN} THEN {ADMIN} ELSE role END, location_grants "
        "FROM users"
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("organization_admin", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.execute(f"UPDATE users SET organization_admin = (role = {ORGANIZATION_ADMIN})")
    with op.batch_alter_table("users") as batch:
        batch.alter_column("organization_admin", server_default=None)
        batch.drop_column("role")
        batch.drop_column("location_grants")

    _rebuild(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_used_at", sa.Float, nullable=True),
        sa.Column("hint", sa.String(16), nullable=False),
        copy="INSERT INTO tokens_new (token_hash, user_id, created_at, last_used_at, hint) "
        "SELECT token_hash, user_id, created_at, NULL, '' FROM tokens ORDER BY created_at",
    )

    _rebuild(
        "locations",
        sa.Column("deployment_id", sa.Integer, sa.ForeignKey("deployments.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("document_updated_at", sa.Float, nullable=False),
        sa.Column("current_load_id", sa.Integer, nullable=True),
        sa.Column("success_load_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("deployment_id", "name", name="pk_locations"),
        copy="INSERT INTO locations_new (deployment_id, name, document, document_updated_at, "
        "current_load_id, success_load_id) SELECT 1, name, document, document_updated_at, "
        "current_load_id, success_load_id FROM locations",
    )
    _rebuild(
        "current_assets",
        sa.Column("deployment_id", sa.Integer, nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("asset_key", sa.String(1000), nullable=False),
        sa.Column("definition_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("deployment_id", "location", "asset_key", name="pk_current_assets"),
        copy="INSERT INTO current_assets_new (deployment_id, location, asset_key, "
        "definition_hash) SELECT 1, location, asset_key, definition_hash FROM current_assets",
    )

    op.drop_index("ix_loads_location_document", table_name="loads")
    with op.batch_alter_table("loads") as batch:
        batch.add_column(sa.Column("deployment_id", sa.Integer, nullable=False, server_default="1"))
    with op.batch_alter_table("loads") as batch:
        batch.alter_column("deployment_id", server_default=None)
        batch.drop_constraint("uq_loads_location_uploaded", type_="unique")
        batch.create_unique_constraint(
            "uq_loads_deployment_location_uploaded", ["deployment_id", "location", "uploaded_at"]
        )
    op.create_index(
        "ix_loads_deployment_location_document",
        "loads",
        ["deployment_id", "location", "document_hash"],
    )
