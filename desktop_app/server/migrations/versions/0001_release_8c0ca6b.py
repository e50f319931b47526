"""The schema as release 8c0ca6b left it (before migrations existed).

A database written by that release (or earlier) has these tables and no
`alembic_version`; it is stamped with this revision and upgraded from here.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("location_grants", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "images",
        sa.Column("ref", sa.String(500), primary_key=True),
        sa.Column("manifest", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("registered_at", sa.Float, nullable=False),
    )
    op.create_table(
        "definitions",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "locations",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("document_updated_at", sa.Float, nullable=False),
        sa.Column("current_load_id", sa.Integer, nullable=True),
        sa.Column("success_load_id", sa.Integer, nullable=True),
    )
    op.create_table(
        "loads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.Float, nullable=False),
        sa.Column("triggered_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("document_hash", sa.String(64), nullable=False),
        sa.Column("display_metadata", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("previous_load_id", sa.Integer, nullable=True),
        sa.Column("commit_hash", sa.String(100), nullable=True),
        sa.UniqueConstraint("location", "uploaded_at", name="uq_loads_location_uploaded"),
    )
    op.create_index("ix_loads_location_document", "loads", ["location", "document_hash"])
    op.create_table(
        "load_changes",
        sa.Column("load_id", sa.Integer, sa.ForeignKey("loads.id"), primary_key=True),
        sa.Column("asset_key", sa.String(1000), primary_key=True),
        sa.Column("old_hash", sa.String(64), nullable=True),
        sa.Column("new_hash", sa.String(64), nullable=True),
        sa.Column("tracked", sa.Boolean, nullable=False),
    )
    op.create_index("ix_load_changes_asset_key", "load_changes", ["asset_key", "tracked"])
    op.create_table(
        "current_assets",
        sa.Column("location", sa.String(200), primary_key=True),
        sa.Column("asset_key", sa.String(1000), primary_key=True),
        sa.Column("definition_hash", sa.String(64), nullable=False),
    )
