"""Records of the documents phase: each page's text, what could not be read, the search index's
entries, and passages quoted as citations.

The text and word boxes themselves are derivatives (blobs named by their SHA-256); these rows
point at them and keep a copy of the text so search and quotes need no blob reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadena.db import Base
from cadena.vault import models as _vault  # noqa: F401  (the item table our keys point to)

SHA = String(64)


class DocumentStatus(Base):
    """One row an item whose text was sought: what was found, or why nothing could be read."""

    __tablename__ = "document_status"

    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), primary_key=True)
    # ok | no_text | damaged | encrypted | unsupported
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer)
    extractor_version: Mapped[str] = mapped_column(String(32))
    done_at: Mapped[str] = mapped_column(String(32))


class PageText(Base):
    """The text of one page of an item, how it was read, and the derivatives holding it."""

    __tablename__ = "page_text"
    __table_args__ = (UniqueConstraint("item_sha256", "page"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    page: Mapped[int] = mapped_column(Integer)  # 1-based
    method: Mapped[str] = mapped_column(String(16))  # text-layer | ocr | office | plain
    language: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(SHA)  # the page-text derivative
    words_sha256: Mapped[str | None] = mapped_column(SHA)  # the page-words derivative
    confidence: Mapped[float | None] = mapped_column()  # mean word confidence (OCR), 0-100
    note: Mapped[str | None] = mapped_column(Text)  # e.g. why the text layer was not used


class SearchEntry(Base):
    """One searchable unit: a page of a document (or an item's metadata, a transcript segment).

    Its terms are indexed in `search_fts` (FTS5 on SQLite, a tsvector on PostgreSQL), under the
    same id.
    """

    __tablename__ = "search_entry"
    __table_args__ = (UniqueConstraint("item_sha256", "origin", "page"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    origin: Mapped[str] = mapped_column(String(16))  # page | metadata | transcript
    page: Mapped[int] = mapped_column(Integer)  # 0 when the origin has no pages
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)  # its tokens' stems, space-separated, in order
    words: Mapped[str] = mapped_column(Text)  # the same tokens unstemmed (for prefixes)


class Quote(Base):
    """A passage of a page recorded as a citation locator (kind "passage")."""

    __tablename__ = "quote"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # the passage exactly as on the page
    asked: Mapped[str] = mapped_column(Text)  # what the researcher typed
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    page_text_sha256: Mapped[str] = mapped_column(SHA)  # the text it was checked against
    boxes: Mapped[list[Any]] = mapped_column()
    image_sha256: Mapped[str | None] = mapped_column(SHA)  # cropped page, passage highlighted
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(200))
