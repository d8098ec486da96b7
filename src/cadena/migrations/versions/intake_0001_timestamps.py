"""Intake: RFC 3161 timestamp tokens over the custody log's head.

Revision ID: intake_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "intake_0001"
down_revision = "vault_0001"
branch_labels = ("intake",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_timestamp",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False, index=True),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("imprint", sa.String(64), nullable=False),
        sa.Column("tsa_url", sa.Text, nullable=False),
        sa.Column("token", sa.LargeBinary, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("gen_time", sa.String(40), nullable=False),
        sa.Column("serial", sa.String(80), nullable=False),
        sa.Column("requested_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intake_timestamp")
