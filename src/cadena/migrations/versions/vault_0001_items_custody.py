"""The vault: items, sources, metadata, derivatives, custody log.

Revision ID: vault_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "vault_0001"
down_revision = None
branch_labels = ("vault",)
depends_on = None

SHA = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "item",
        sa.Column("sha256", SHA, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), nullable=False, index=True),
        sa.Column("key", SHA, nullable=False),
        sa.Column("original_name", sa.Text),
        sa.Column("original_name_bytes", sa.Text),
        sa.Column("original_path", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("platform", sa.String(200)),
        sa.Column("account", sa.Text),
        sa.Column("posted_at", sa.String(40)),
        sa.Column("collected_by", sa.Text),
        sa.Column("collected_at", sa.String(40), nullable=False),
        sa.Column("method", sa.Text),
        sa.Column("consent", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.UniqueConstraint("item_sha256", "key"),
    )
    op.create_table(
        "item_metadata",
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), primary_key=True),
        sa.Column("extractor", sa.String(200), nullable=False),
        sa.Column("raw", sa.JSON, nullable=False),
        sa.Column("normalized", sa.JSON, nullable=False),
        sa.Column("problems", sa.JSON, nullable=False),
    )
    op.create_table(
        "derivative",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", SHA, nullable=False, index=True),
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), nullable=False, index=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("tool", sa.String(200), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("params_key", SHA, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("item_sha256", "sha256", "kind", "params_key"),
    )
    op.create_table(
        "custody_entry",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("item_sha256", SHA, index=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", SHA, nullable=False),
        sa.Column("entry_hash", SHA, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.create_table(
        "custody_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("entry_hash", SHA, nullable=False),
    )
    op.execute("INSERT INTO custody_head (id, seq, entry_hash) VALUES (1, 0, '" + "0" * 64 + "')")


def downgrade() -> None:
    for table in ("custody_head", "custody_entry", "derivative", "item_metadata", "source", "item"):
        op.drop_table(table)
