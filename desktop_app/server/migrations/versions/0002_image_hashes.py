"""Image manifests as definition hashes.

Before commit 88ea08a an image kept its whole manifest, `{"assets": [...]}`;
since then `{"hashes": [...]}` with each definition stored once in
`definitions`. A database written before that change answered deploys and
rollbacks of such images with an internal error. This rewrites every old
manifest into the new form.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from desktop_app.core.assets import AssetDefinition

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

images = sa.table("images", sa.column("ref"), sa.column("manifest"))
definitions = sa.table("definitions", sa.column("hash"), sa.column("body"))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(images.c.ref, images.c.manifest)).all()
    for ref, manifest in rows:
        if not manifest:
            continue
        body = json.loads(manifest)
        if "hashes" in body or "assets" not in body:
            continue
        hashed = {}
        for item in body["assets"]:
            definition = AssetDefinition.from_json(item)
            hashed[definition.content_hash()] = definition
        for digest, definition in hashed.items():
            known = conn.execute(
                sa.select(definitions.c.hash).where(definitions.c.hash == digest)
            ).first()
            if known is None:
                conn.execute(
                    sa.insert(definitions).values(hash=digest, body=definition.canonical_json())
                )
        text = json.dumps({"hashes": list(hashed)}, sort_keys=True, separators=(",", ":"))
        conn.execute(sa.update(images).where(images.c.ref == ref).values(manifest=text))
