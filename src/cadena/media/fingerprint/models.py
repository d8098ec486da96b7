"""Stored fingerprints: each computed once per item, kind and version, and reused from here on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadena.db import Base

SHA = String(64)


class Fingerprint(Base):
    """A fingerprint of one item: video frame codes, sound landmarks or vPDQ lines.

    `data` holds the fingerprint itself (NumPy .npz for `video-pdq` and `audio-landmarks`, the
    vPDQ text for `vpdq`), `data_sha256` its hash, and tool, version and parameters say how it
    was made. `problem` says why an item could not be fingerprinted (then `data` is empty), so a
    broken file is recorded once rather than retried forever.
    """

    __tablename__ = "fingerprint"
    __table_args__ = (UniqueConstraint("item_sha256", "kind", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[str] = mapped_column(String(16))
    tool: Mapped[str] = mapped_column(String(200))
    tool_version: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    data_sha256: Mapped[str] = mapped_column(SHA)
    frames: Mapped[int] = mapped_column(Integer)  # frames hashed, or landmarks
    duration: Mapped[float] = mapped_column(Float)
    problem: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[str] = mapped_column(String(32))
