"""Records of the verify phase: annotations (statements about a place in an item) and reviews
(each reviewer's own findings and verdict, and the item's resulting status).

Reviews are append-only: a reviewer who changes their mind records a new review; the latest of
each reviewer counts, the earlier ones stay in the history (and in the custody log).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadena.db import Base
from cadena.vault import models as _vault  # noqa: F401  (the item table our keys point to)

SHA = String(64)


class Annotation(Base):
    """A statement about a place in an item: a time range, a region, a page.

    `locator` is the JSON a citation stores (see `cadena.verify.annotations.locator`); `links`
    names what the statement is about, as typed references: [{"kind": "unit", "ref": "3rd Bn"}].
    """

    __tablename__ = "annotation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    locator: Mapped[dict[str, Any]] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    links: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(200))


class Review(Base):
    """One step of one reviewer on one item: what they checked, what they found, their verdict."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    # in_review (work started, no verdict yet) | verified | disputed | rejected
    verdict: Mapped[str] = mapped_column(String(16))
    checked: Mapped[list[Any]] = mapped_column()  # aspects: source, place, time, device, content
    # [{"aspect": "place" | None, "text": "..."}]: each finding, tied to an aspect when given
    findings: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[str] = mapped_column(String(32))
    custody_seq: Mapped[int] = mapped_column(Integer)  # the "review" entry that logged it


class ItemStatus(Base):
    """An item's verification status, recomputed from the reviews at every review step."""

    __tablename__ = "item_status"

    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[str] = mapped_column(String(32))


class Geolocation(Base):
    """Where an item was filmed: a point or area with its uncertainty radius, how it was found
    (landmarks, signs, terrain, satellite comparison), the reasoning, and the reference images
    (items of the case) it rests on. Append-only, like reviews: a revision is a new record."""

    __tablename__ = "geolocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    place: Mapped[dict[str, Any]] = mapped_column()  # cadena.verify.geo.Place.to_dict()
    methods: Mapped[list[Any]] = mapped_column()
    reasoning: Mapped[str] = mapped_column(Text)
    references: Mapped[list[Any]] = mapped_column()  # SHA-256 of reference items
    incident: Mapped[str | None] = mapped_column(Text)  # the incident it is linked to (key/id)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(200))
