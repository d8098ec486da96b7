"""The vault's records: items, their sources, derivatives, metadata and the custody log.

Times are ISO 8601 text in UTC (`2026-11-22T21:53:50.123456Z`): sortable, exact, and the same
bytes on SQLite and PostgreSQL, which matters for what is hashed and signed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadena.db import Base

SHA = String(64)


class Item(Base):
    """One preserved original file, named by its SHA-256. Never modified, never refused."""

    __tablename__ = "item"

    sha256: Mapped[str] = mapped_column(SHA, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[str] = mapped_column(String(32))
    added_by: Mapped[str] = mapped_column(String(200))

    sources: Mapped[list[Source]] = relationship(back_populates="item", order_by="Source.id")
    item_metadata: Mapped[Metadata | None] = relationship(back_populates="item")


class Source(Base):
    """Where and how an item was obtained. One item may have many (the same file sent twice)."""

    __tablename__ = "source"
    __table_args__ = (UniqueConstraint("item_sha256", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    # SHA-256 of the source's identifying fields: the same delivery recorded twice is one source.
    key: Mapped[str] = mapped_column(SHA)
    original_name: Mapped[str | None] = mapped_column(Text)
    original_name_bytes: Mapped[str | None] = mapped_column(Text)  # hex, when not valid UTF-8
    original_path: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(200))
    account: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[str | None] = mapped_column(String(40))
    collected_by: Mapped[str | None] = mapped_column(Text)
    collected_at: Mapped[str] = mapped_column(String(40))
    method: Mapped[str | None] = mapped_column(Text)
    consent: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    item: Mapped[Item] = relationship(back_populates="sources")

    def logged(self) -> dict[str, Any]:
        """The source as recorded in custody at intake (so `verify` can tell an edited one)."""
        fields = {k: getattr(self, k) for k in SOURCE_FIELDS}
        return {"id": self.id, "key": self.key, "collected_at": self.collected_at, **fields}


# The fields that identify a source: the same delivery recorded twice has the same key.
SOURCE_FIELDS = (
    "original_name",
    "original_name_bytes",
    "original_path",
    "url",
    "platform",
    "account",
    "posted_at",
    "collected_by",
    "method",
    "consent",
    "note",
    "extra",
)


class Metadata(Base):
    """What the file says about itself, as read (raw) and in Cadena's keys (normalized)."""

    __tablename__ = "item_metadata"

    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), primary_key=True)
    extractor: Mapped[str] = mapped_column(String(200))
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    normalized: Mapped[dict[str, Any]] = mapped_column(JSON)
    problems: Mapped[list[Any]] = mapped_column(JSON)

    item: Mapped[Item] = relationship(back_populates="item_metadata")


class Derivative(Base):
    """A file made from an item, naming the tool, its version and the parameters that made it."""

    __tablename__ = "derivative"
    __table_args__ = (UniqueConstraint("item_sha256", "sha256", "kind", "params_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(SHA, index=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    tool: Mapped[str] = mapped_column(String(200))
    tool_version: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    params_key: Mapped[str] = mapped_column(SHA)
    created_at: Mapped[str] = mapped_column(String(32))


class CustodyEntry(Base):
    """One link of the custody log: hash of the entry before, and the case key's signature."""

    __tablename__ = "custody_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    item_sha256: Mapped[str | None] = mapped_column(SHA, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(SHA)
    entry_hash: Mapped[str] = mapped_column(SHA)
    signature: Mapped[str] = mapped_column(String(128))


class CustodyHead(Base):
    """The last entry's number and hash: one row, locked by every append, so appends serialise
    and a truncated log is told apart from a short one."""

    __tablename__ = "custody_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(SHA)
