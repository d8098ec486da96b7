"""The fact tables: the security forces over time, incidents, orders, and what superiors did.

Every fact is one row of `fact` (its kind, researcher's key, time span, confidence, named
assumption) and one row of its kind's table (joined-table inheritance), and has citations in
`fact_citation` (an item and an open JSON locator). Persons and units also have their names and
aliases in `fact_name`, folded for accent- and case-insensitive look-up. Victims' names and
contacts are kept apart in `fact_victim_identity`, so exports can leave them out.

Dates are partial ISO text (`2022`, `2022-12`, `2022-12-15T10:30`); `lo_key`/`hi_key` hold the
first and last instant the known start and end allow, as sortable text, for range filters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cadena.db import Base

SHA = String(64)
DATE = String(32)

CONFIDENCES = ("high", "medium", "low")
FORCES = ("police", "army", "navy", "air_force", "joint", "civil", "international", "other")
LINE_KINDS = ("administrative", "operational", "informal")
# Roles whose holder commands the unit the post belongs to (the "commander" of the queries).
HEAD_ROLES = frozenset({"commander", "head", "director", "minister", "president", "chief"})
POST_ROLES = (
    "commander",
    "deputy",
    "chief_of_operations",
    "operational_chief",
    "head",
    "director",
    "chief",
    "minister",
    "president",
    "ombudsperson",
    "other",
)
INCIDENT_KINDS = ("killing", "injury", "arbitrary_detention", "ill_treatment", "other")
HARMS = ("killed", "injured", "detained", "ill_treated", "other")
ORDER_KINDS = ("plan", "order", "directive", "instruction", "renewal", "amendment", "other")
COMMUNICATION_KINDS = (
    "casualty_report",
    "report",
    "warning",
    "ceasefire_call",
    "instruction",
    "request",
    "other",
)
STATEMENT_KINDS = ("praise", "justification", "vilification", "condemnation", "denial", "other")
MEASURE_KINDS = (
    "disciplinary_opened",
    "disciplinary_archived",
    "disciplinary_sanctioned",
    "criminal_referral",
    "promotion",
    "appointment",
    "dismissal",
    "decoration",
    "transfer",
    "other",
)
PARTY_ROLES = ("from", "to", "attendee", "speaker", "decided_by", "about")


class Fact(Base):
    """What every fact has: kind, key, time span, confidence, and assumption (when uncited)."""

    __tablename__ = "fact"
    # Keys are looked up case-blind (`u1` finds `U1`): an index on lower(key) serves that.
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        Index("ix_fact_kind_key_lower", "kind", text("lower(key)")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    key: Mapped[str | None] = mapped_column(String(200))  # the researcher's own id (U1, an SFM id)
    start_date: Mapped[str | None] = mapped_column(DATE)  # known start
    end_date: Mapped[str | None] = mapped_column(DATE)  # known end
    first_cited: Mapped[str | None] = mapped_column(DATE)
    last_cited: Mapped[str | None] = mapped_column(DATE)
    lo_key: Mapped[str | None] = mapped_column(String(19))  # first instant of start_date
    hi_key: Mapped[str | None] = mapped_column(String(19))  # last instant of end_date
    confidence: Mapped[str] = mapped_column(String(8))
    assumption: Mapped[str | None] = mapped_column(Text)  # the named assumption, if uncited
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("fact.id"), index=True)

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "fact"}


class Citation(Base):
    """A fact rests on a place in an item: `locator` is open JSON with a `kind` (page, paragraph,
    time_range, region, sheet_row, text, and what later phases add)."""

    __tablename__ = "fact_citation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("fact.id", ondelete="CASCADE"), index=True)
    item_sha256: Mapped[str] = mapped_column(ForeignKey("item.sha256"), index=True)
    locator: Mapped[dict[str, Any]] = mapped_column(JSON)
    quote: Mapped[str | None] = mapped_column(Text)  # the passage quoted, for orders and statements
    reference: Mapped[str | None] = mapped_column(Text)  # a dataset's own source id, kept as given


class Name(Base):
    """A name or alias of a unit or person, with its folded form for look-up."""

    __tablename__ = "fact_name"
    __table_args__ = (Index("ix_fact_name_folded", "folded"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("fact.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text)
    is_alias: Mapped[bool] = mapped_column(Boolean, default=False)


def _fk(target: str = "fact.id") -> Any:
    return mapped_column(ForeignKey(target), primary_key=True)


class Unit(Fact):
    """A unit of a force (or a civil body: a ministry, an ombudsperson's office)."""

    __tablename__ = "fact_unit"
    __mapper_args__ = {"polymorphic_identity": "unit"}
    id: Mapped[int] = _fk()
    name: Mapped[str] = mapped_column(Text)
    force: Mapped[str] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(64))
    classification: Mapped[str | None] = mapped_column(Text)  # battalion, brigade, ministry...


class UnitLink(Fact):
    """`child` is under `parent` on a line (administrative, operational, informal) over a span."""

    __tablename__ = "fact_unit_link"
    __mapper_args__ = {"polymorphic_identity": "unit_link"}
    id: Mapped[int] = _fk()
    child_id: Mapped[int] = mapped_column(ForeignKey("fact_unit.id"), index=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("fact_unit.id"), index=True)
    line: Mapped[str] = mapped_column(String(16))


class Person(Fact):
    __tablename__ = "fact_person"
    __mapper_args__ = {"polymorphic_identity": "person"}
    id: Mapped[int] = _fk()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class Rank(Fact):
    __tablename__ = "fact_rank"
    __mapper_args__ = {"polymorphic_identity": "rank"}
    id: Mapped[int] = _fk()
    person_id: Mapped[int] = mapped_column(ForeignKey("fact_person.id"), index=True)
    rank: Mapped[str] = mapped_column(Text)


class Post(Fact):
    """A role in a unit (commander, deputy...) or an office (president, minister)."""

    __tablename__ = "fact_post"
    __mapper_args__ = {"polymorphic_identity": "post"}
    id: Mapped[int] = _fk()
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("fact_unit.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(24))
    head: Mapped[bool] = mapped_column(Boolean)  # its holder commands the unit


class Tenure(Fact):
    """A person holds a post over a span."""

    __tablename__ = "fact_tenure"
    __mapper_args__ = {"polymorphic_identity": "tenure"}
    id: Mapped[int] = _fk()
    person_id: Mapped[int] = mapped_column(ForeignKey("fact_person.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("fact_post.id"), index=True)


class Deployment(Fact):
    """A unit at a place or area, in an operation, under a plan."""

    __tablename__ = "fact_deployment"
    __mapper_args__ = {"polymorphic_identity": "deployment"}
    id: Mapped[int] = _fk()
    unit_id: Mapped[int] = mapped_column(ForeignKey("fact_unit.id"), index=True)
    place: Mapped[str] = mapped_column(Text)
    place_folded: Mapped[str] = mapped_column(Text, index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    uncertainty_m: Mapped[float | None] = mapped_column(Float)
    area: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # a GeoJSON geometry
    operation: Mapped[str | None] = mapped_column(Text)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("fact_order.id"))


class Incident(Fact):
    __tablename__ = "fact_incident"
    __mapper_args__ = {"polymorphic_identity": "incident"}
    id: Mapped[int] = _fk()
    incident_kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    uncertainty_m: Mapped[float | None] = mapped_column(Float)
    killed: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)
    detained: Mapped[int | None] = mapped_column(Integer)
    weapons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ammunition: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)


class Victim(Fact):
    """A pseudonymous victim record; the name and contacts live in `VictimIdentity`."""

    __tablename__ = "fact_victim"
    __mapper_args__ = {"polymorphic_identity": "victim"}
    id: Mapped[int] = _fk()
    incident_id: Mapped[int] = mapped_column(ForeignKey("fact_incident.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(Text)
    harm: Mapped[str] = mapped_column(String(16))
    age: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(32))


class VictimIdentity(Base):
    """Sensitive: who the victim is and how to reach the family. Never exported unless asked."""

    __tablename__ = "fact_victim_identity"
    victim_id: Mapped[int] = mapped_column(
        ForeignKey("fact_victim.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class Attribution(Fact):
    """An incident attributed to a unit (and/or a person), with the basis for it."""

    __tablename__ = "fact_attribution"
    __mapper_args__ = {"polymorphic_identity": "attribution"}
    id: Mapped[int] = _fk()
    incident_id: Mapped[int] = mapped_column(ForeignKey("fact_incident.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("fact_unit.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("fact_person.id"), index=True)
    basis: Mapped[str | None] = mapped_column(Text)


class Order(Fact):
    """An order or operational plan issued by a post, to units, valid over its span. A renewal or
    amendment is its own dated order pointing at the one it renews."""

    __tablename__ = "fact_order"
    __mapper_args__ = {"polymorphic_identity": "order"}
    id: Mapped[int] = _fk()
    title: Mapped[str] = mapped_column(Text)
    order_kind: Mapped[str] = mapped_column(String(16))
    issued_by_post_id: Mapped[int | None] = mapped_column(ForeignKey("fact_post.id"), index=True)
    issued_by_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("fact_person.id"), index=True
    )
    firearms_authorised: Mapped[bool | None] = mapped_column(Boolean)
    lethal_force_conditions: Mapped[str | None] = mapped_column(Text)
    who_may_order_fire: Mapped[str | None] = mapped_column(Text)
    labels: Mapped[list[Any]] = mapped_column(JSON, default=list)  # "terrorists", "hostile groups"
    operation: Mapped[str | None] = mapped_column(Text)
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("fact_order.id"))


class OrderUnit(Base):
    __tablename__ = "fact_order_unit"
    order_id: Mapped[int] = mapped_column(
        ForeignKey("fact_order.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("fact_unit.id"), primary_key=True, index=True)


class Communication(Fact):
    __tablename__ = "fact_communication"
    __mapper_args__ = {"polymorphic_identity": "communication"}
    id: Mapped[int] = _fk()
    communication_kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("fact_incident.id"), index=True)


class Meeting(Fact):
    __tablename__ = "fact_meeting"
    __mapper_args__ = {"polymorphic_identity": "meeting"}
    id: Mapped[int] = _fk()
    subject: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("fact_incident.id"), index=True)


class Statement(Fact):
    __tablename__ = "fact_statement"
    __mapper_args__ = {"polymorphic_identity": "statement"}
    id: Mapped[int] = _fk()
    statement_kind: Mapped[str] = mapped_column(String(24))
    summary: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("fact_incident.id"), index=True)


class Measure(Fact):
    __tablename__ = "fact_measure"
    __mapper_args__ = {"polymorphic_identity": "measure"}
    id: Mapped[int] = _fk()
    measure_kind: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("fact_incident.id"), index=True)


class Party(Base):
    """Who took part in a communication, meeting, statement or measure, and as what: a person, a
    unit (an ombudsperson's office, a UN body) or a post (whoever held it then)."""

    __tablename__ = "fact_party"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("fact.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("fact_person.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("fact_unit.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("fact_post.id"), index=True)


class MergeRecord(Base):
    """A merge of two persons or units, with every row it re-pointed, so it can be undone."""

    __tablename__ = "fact_merge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("fact.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("fact.id"), index=True)
    moved: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"table.column": [row ids]}
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[str] = mapped_column(String(32))
    undone_at: Mapped[str | None] = mapped_column(String(32))


FACT_CLASSES: dict[str, type[Fact]] = {
    cls.__mapper_args__["polymorphic_identity"]: cls
    for cls in (
        Unit,
        UnitLink,
        Person,
        Rank,
        Post,
        Tenure,
        Deployment,
        Incident,
        Victim,
        Attribution,
        Order,
        Communication,
        Meeting,
        Statement,
        Measure,
    )
}
