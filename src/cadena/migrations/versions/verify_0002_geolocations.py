"""Geolocation records: where an item was filmed, how, and on what references.

Revision ID: verify_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "verify_0002"
down_revision = "verify_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "geolocation",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "item_sha256", sa.String(64), sa.ForeignKey("item.sha256"), nullable=False, index=True
        ),
        sa.Column("place", sa.JSON, nullable=False),
        sa.Column("methods", sa.JSON, nullable=False),
        sa.Column("reasoning", sa.Text, nullable=False),
        sa.Column("references", sa.JSON, nullable=False),
        sa.Column("incident", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("geolocation")
