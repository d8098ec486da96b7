"""Verify: annotations, reviews and each item's verification status.

Revision ID: verify_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "verify_0001"
down_revision = "vault_0001"
branch_labels = ("verify",)
depends_on = None

SHA = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), nullable=False, index=True),
        sa.Column("locator", sa.JSON, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "review",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), nullable=False, index=True),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("checked", sa.JSON, nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("custody_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "item_status",
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("item_status")
    op.drop_table("review")
    op.drop_table("annotation")
