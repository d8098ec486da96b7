"""Footage: stored fingerprints (video frame codes, sound landmarks, vPDQ).

Revision ID: footage_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "footage_0001"
down_revision = "vault_0001"
branch_labels = ("footage",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fingerprint",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "item_sha256", sa.String(64), sa.ForeignKey("item.sha256"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(32), nullable=False, index=True),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("tool", sa.String(200), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("data_sha256", sa.String(64), nullable=False),
        sa.Column("frames", sa.Integer, nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("problem", sa.String(500)),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("item_sha256", "kind", "version"),
    )


def downgrade() -> None:
    op.drop_table("fingerprint")
