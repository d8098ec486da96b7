"""Documents: page texts, what could not be read, the search index, quoted passages.

The index is FTS5 on SQLite and a tsvector with a GIN index on PostgreSQL; both hold the same
normalised, stemmed tokens (made in Python by `cadena.documents.terms`), so both backends give
the same results.

Revision ID: documents_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "documents_0001"
down_revision = "vault_0001"
branch_labels = ("documents",)
depends_on = None

SHA = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "document_status",
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("extractor_version", sa.String(32), nullable=False),
        sa.Column("done_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "page_text",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), nullable=False, index=True),
        sa.Column("page", sa.Integer, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("language", sa.String(32)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_sha256", SHA, nullable=False),
        sa.Column("words_sha256", SHA),
        sa.Column("confidence", sa.Float),
        sa.Column("note", sa.Text),
        sa.UniqueConstraint("item_sha256", "page"),
    )
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), nullable=False, index=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("page", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.UniqueConstraint("item_sha256", "origin", "page"),
    )
    op.create_table(
        "quote",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_sha256", SHA, sa.ForeignKey("item.sha256"), nullable=False, index=True),
        sa.Column("page", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("asked", sa.Text, nullable=False),
        sa.Column("char_start", sa.Integer, nullable=False),
        sa.Column("char_end", sa.Integer, nullable=False),
        sa.Column("page_text_sha256", SHA, nullable=False),
        sa.Column("boxes", sa.JSON, nullable=False),
        sa.Column("image_sha256", SHA),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TABLE search_fts (rowid bigint PRIMARY KEY, terms tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_search_fts_terms ON search_fts USING gin (terms)")
    else:
        # Our tokens are already lower-case and accent-free: the tokenizer only splits them.
        # `terms` holds stems, `words` the same tokens unstemmed (for prefix searches); both
        # are read from search_entry (external content), not stored twice.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(terms, words, content = 'search_entry', "
            "content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    op.execute("DROP TABLE search_fts")
    for table in ("quote", "search_entry", "page_text", "document_status"):
        op.drop_table(table)
