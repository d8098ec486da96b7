"""Writing facts: one method per fact type, each refusing a fact that rests on nothing.

    with case.session() as s:
        rec = Recorder(case, s)
        pn = rec.add_unit("Policía Nacional", force="police", support=Support.of("high", [cite]))
        rec.link_units("3er Batallón", pn, line="operational", support=..., span=TimeSpan.of(...))

References to other facts take a fact instance, an id, or a name/alias/key (resolved by
`cadena.facts.resolve`, refused when ambiguous). Each fact is logged in custody as `fact`
unless the recorder is made with `log=False` (importers log one `import` entry instead).

Writing and looking up go through hooks (`_store`, `_store_rows`, `ref`, `party_of`,
`posts_in`), so that
`cadena.facts.bulk.BulkRecorder` can keep the same checks while staging rows in memory and
writing them in a few bulk statements at the end of an import.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.citations import Cite, Support
from cadena.facts.names import fold
from cadena.facts.resolve import person_or_unit, resolve
from cadena.facts.time import PartialDate, TimeSpan
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.models import Item

Ref = m.Fact | int | str
F = TypeVar("F", bound=m.Fact)
T = TypeVar("T")


@dataclass(frozen=True)
class PartyRef:
    """A party to a communication, meeting, statement or measure."""

    role: str  # from, to, attendee, speaker, decided_by, about
    person: Ref | None = None
    unit: Ref | None = None
    post: Ref | None = None
    name: str | None = None  # a person, unit or post by name, whichever kind it turns out to be


@dataclass(frozen=True)
class Identity:
    """A victim's sensitive fields, stored apart from the pseudonymous record."""

    name: str | None = None
    contact: str | None = None
    note: str | None = None


_CHOSEN: dict[tuple[str, str], str] = {}  # (value, what) -> choice: imports ask thousands of times


def _choice(value: str, allowed: Iterable[str], what: str) -> str:
    known = _CHOSEN.get((value, what))
    if known is not None:
        return known
    folded = fold(value).replace(" ", "_").replace("-", "_")
    options = tuple(allowed)
    if folded in options and len(_CHOSEN) < 10_000:
        _CHOSEN[(value, what)] = folded
    if folded in options:
        return folded
    raise CadenaError(f"{value!r} is not a {what}: use one of {', '.join(options)}.")


class Recorder:
    """Adds facts in the caller's transaction."""

    def __init__(self, case: Case, session: Session, *, log: bool = True) -> None:
        self.case, self.s, self.log = case, session, log
        self._items: set[str] = set()
        self._checked_span: TimeSpan | None = None

    # -- references ---------------------------------------------------------------------
    def ref(self, kind: str, value: Ref) -> int:
        if not isinstance(value, str) and type(value) is not int:  # a fact (maybe staged)
            return value.id  # type: ignore[union-attr]
        return resolve(self.s, kind, value)

    def party_of(self, name: str) -> tuple[str, int]:
        """A person, unit or post by name, whichever kind it is (refused when it could be two)."""
        return person_or_unit(self.s, name)

    def posts_in(self, unit_id: int) -> list[tuple[int, str, str | None]]:
        """The live posts of a unit: (id, title, key)."""
        return [
            (i, t, k)
            for i, t, k in self.s.execute(
                select(m.Post.id, m.Post.title, m.Post.key).where(
                    m.Post.unit_id == unit_id, m.Post.merged_into.is_(None)
                )
            )
        ]

    # -- storage hooks (immediate here; staged in BulkRecorder) ----------------------------
    def _new(self, model: type[T], **fields: Any) -> T:
        """A row of `model`; BulkRecorder makes a lighter stand-in with the same attributes."""
        return model(**fields)

    def _now(self) -> str:
        return custody.now()

    def _store(self, fact: m.Fact) -> None:
        """Write the fact now, so it has its id."""
        self.s.add(fact)
        self.s.flush()

    def _store_rows(self, rows: Iterable[Any]) -> None:
        """Rows that hang off a fact (citations, names, parties...); the fact has its id."""
        self.s.add_all(rows)

    def _store_citations(self, fact_id: int, cites: Iterable[Cite]) -> None:
        self.s.add_all(
            m.Citation(
                fact_id=fact_id,
                item_sha256=c.item,
                locator=c.locator,
                quote=c.quote,
                reference=c.reference,
            )
            for c in cites
        )

    def _store_names(self, fact: m.Fact, names: list[tuple[str, str, bool]]) -> None:
        """A unit's or person's (name, folded, is_alias), the primary name first."""
        self.s.add_all(m.Name(fact_id=fact.id, name=n, folded=f, is_alias=a) for n, f, a in names)

    def _opt_ref(self, kind: str, value: Ref | None) -> int | None:
        return None if value is None or value == "" else self.ref(kind, value)

    # -- the one path every fact takes -----------------------------------------------------
    def _add(
        self, fact: F, support: Support, span: TimeSpan | None, what: str, key: str | None = None
    ) -> F:
        support.check(what)
        span = span or _NO_SPAN
        self.check_span(span)
        items = self._items
        for cite in support.citations:
            if cite.item not in items:
                self._check_item(cite.item)
        fact.key = key or None
        fact.start_date, fact.end_date = _iso(span.start), _iso(span.end)
        fact.first_cited, fact.last_cited = _iso(span.first_cited), _iso(span.last_cited)
        fact.lo_key = _bound(span.start, True) if span.start else None
        fact.hi_key = _bound(span.end, False) if span.end else None
        fact.confidence, fact.assumption = support.confidence, support.assumption
        fact.created_at = self._now()
        self._store(fact)
        self._store_citations(fact.id, support.citations)
        if self.log:
            self.case.log(
                self.s,
                "fact",
                support.citations[0].item if support.citations else None,
                {
                    "fact": fact.id,
                    "kind": fact.kind,
                    "key": fact.key,
                    "what": what,
                    "confidence": support.confidence,
                    "assumption": support.assumption,
                    "citations": [c.as_dict() for c in support.citations],
                    "span": span.as_dict(),
                },
            )
        return fact

    def check_span(self, span: TimeSpan) -> None:
        """Refuse bounds out of order. A span is immutable: the one checked last (an import
        checks a row's span, then records several facts with it) is not checked again."""
        if span is not self._checked_span:
            span.check()
            self._checked_span = span

    def _check_item(self, sha: str) -> None:
        if sha in self._items:
            return
        if self.s.get(Item, sha) is None:
            raise CadenaError(
                f"Cited item {sha[:12]}… is not in this case: add the file first "
                "(`cadena add PATH`) and cite its SHA-256."
            )
        self._items.add(sha)

    def _names(self, fact: m.Fact, name: str, aliases: Iterable[str]) -> None:
        rows = [(name, fold(name), False)]
        seen = {rows[0][1]}
        for alias in aliases:
            folded = fold(alias) if alias else ""
            if folded and folded not in seen:
                seen.add(folded)
                rows.append((alias, folded, True))
        self._store_names(fact, rows)

    # -- the force structure -----------------------------------------------------------------
    def add_unit(
        self,
        name: str,
        *,
        support: Support,
        force: str = "police",
        aliases: Iterable[str] = (),
        country: str | None = None,
        classification: str | None = None,
        key: str | None = None,
        span: TimeSpan | None = None,
    ) -> m.Unit:
        unit = self._new(
            m.Unit,
            name=name.strip(),
            force=_choice(force, m.FORCES, "force"),
            country=country,
            classification=classification,
        )
        self._add(unit, support, span, f"unit {name!r}", key)
        self._names(unit, name.strip(), aliases)
        return unit

    def link_units(
        self,
        child: Ref,
        parent: Ref,
        *,
        support: Support,
        line: str = "administrative",
        span: TimeSpan | None = None,
        key: str | None = None,
    ) -> m.UnitLink:
        child_id, parent_id = self.ref("unit", child), self.ref("unit", parent)
        if child_id == parent_id:
            raise CadenaError("A unit cannot be its own parent.")
        link = self._new(
            m.UnitLink,
            child_id=child_id,
            parent_id=parent_id,
            line=_choice(line, m.LINE_KINDS, "line (of a unit link)"),
        )
        return self._add(link, support, span, f"{line} link #{child_id} under #{parent_id}", key)

    def add_person(
        self,
        name: str,
        *,
        support: Support,
        aliases: Iterable[str] = (),
        description: str | None = None,
        key: str | None = None,
        span: TimeSpan | None = None,
    ) -> m.Person:
        person = self._new(m.Person, name=name.strip(), description=description)
        self._add(person, support, span, f"person {name!r}", key)
        self._names(person, name.strip(), aliases)
        return person

    def add_rank(
        self,
        person: Ref,
        rank: str,
        *,
        support: Support,
        span: TimeSpan | None = None,
        key: str | None = None,
    ) -> m.Rank:
        fact = self._new(m.Rank, person_id=self.ref("person", person), rank=rank.strip())
        return self._add(fact, support, span, f"rank {rank!r}", key)

    def add_post(
        self,
        title: str,
        *,
        support: Support,
        unit: Ref | None = None,
        role: str = "commander",
        head: bool | None = None,
        key: str | None = None,
        span: TimeSpan | None = None,
    ) -> m.Post:
        """A post in a unit (`role` commander, deputy, ...) or an office with no unit. Its holder
        commands the unit when `head` (by default: commander, head, director, chief, minister,
        president)."""
        role = _choice(role, m.POST_ROLES, "post role")
        post = self._new(
            m.Post,
            unit_id=self._opt_ref("unit", unit),
            title=title.strip(),
            role=role,
            head=role in m.HEAD_ROLES if head is None else head,
        )
        return self._add(post, support, span, f"post {title!r}", key)

    def add_tenure(
        self,
        person: Ref,
        post: Ref,
        *,
        support: Support,
        span: TimeSpan | None = None,
        key: str | None = None,
    ) -> m.Tenure:
        tenure = self._new(
            m.Tenure, person_id=self.ref("person", person), post_id=self.ref("post", post)
        )
        return self._add(tenure, support, span, f"tenure of #{tenure.person_id}", key)

    def add_deployment(
        self,
        unit: Ref,
        place: str,
        *,
        support: Support,
        span: TimeSpan | None = None,
        lat: float | None = None,
        lon: float | None = None,
        uncertainty_m: float | None = None,
        area: dict[str, Any] | None = None,
        operation: str | None = None,
        plan: Ref | None = None,
        key: str | None = None,
    ) -> m.Deployment:
        _check_point(lat, lon)
        dep = self._new(
            m.Deployment,
            unit_id=self.ref("unit", unit),
            place=place.strip(),
            place_folded=fold(place),
            lat=lat,
            lon=lon,
            uncertainty_m=uncertainty_m,
            area=area,
            operation=operation,
            plan_id=self._opt_ref("order", plan),
        )
        return self._add(dep, support, span, f"deployment at {place!r}", key)

    # -- incidents -----------------------------------------------------------------------------
    def add_incident(
        self,
        title: str,
        *,
        support: Support,
        kind: str = "killing",
        span: TimeSpan | None = None,
        place: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        uncertainty_m: float | None = None,
        killed: int | None = None,
        injured: int | None = None,
        detained: int | None = None,
        weapons: Iterable[str] = (),
        ammunition: Iterable[str] = (),
        description: str | None = None,
        key: str | None = None,
    ) -> m.Incident:
        _check_point(lat, lon)
        inc = self._new(
            m.Incident,
            incident_kind=_choice(kind, m.INCIDENT_KINDS, "kind of incident"),
            title=title.strip(),
            place=place,
            lat=lat,
            lon=lon,
            uncertainty_m=uncertainty_m,
            killed=killed,
            injured=injured,
            detained=detained,
            weapons=list(weapons),
            ammunition=list(ammunition),
            description=description,
        )
        return self._add(inc, support, span, f"incident {title!r}", key)

    def add_victim(
        self,
        incident: Ref,
        pseudonym: str,
        *,
        support: Support,
        harm: str = "killed",
        age: int | None = None,
        gender: str | None = None,
        identity: Identity | None = None,
        key: str | None = None,
    ) -> m.Victim:
        victim = self._new(
            m.Victim,
            incident_id=self.ref("incident", incident),
            pseudonym=pseudonym.strip(),
            harm=_choice(harm, m.HARMS, "harm"),
            age=age,
            gender=gender,
        )
        self._add(victim, support, None, f"victim {pseudonym!r}", key)
        if identity and (identity.name or identity.contact or identity.note):
            self._store_rows(
                [
                    self._new(
                        m.VictimIdentity,
                        victim_id=victim.id,
                        name=identity.name,
                        contact=identity.contact,
                        note=identity.note,
                    )
                ]
            )
        return victim

    def attribute(
        self,
        incident: Ref,
        *,
        support: Support,
        unit: Ref | None = None,
        person: Ref | None = None,
        basis: str | None = None,
        key: str | None = None,
    ) -> m.Attribution:
        if unit is None and person is None:
            raise CadenaError("An attribution names a unit, a person, or both.")
        fact = self._new(
            m.Attribution,
            incident_id=self.ref("incident", incident),
            unit_id=self._opt_ref("unit", unit),
            person_id=self._opt_ref("person", person),
            basis=basis,
        )
        return self._add(fact, support, None, f"attribution of incident #{fact.incident_id}", key)

    # -- orders and what superiors did -------------------------------------------------------------
    def add_order(
        self,
        title: str,
        *,
        support: Support,
        kind: str = "order",
        span: TimeSpan | None = None,
        issued_by_post: Ref | None = None,
        issued_by_person: Ref | None = None,
        to_units: Iterable[Ref] = (),
        firearms_authorised: bool | None = None,
        lethal_force_conditions: str | None = None,
        who_may_order_fire: str | None = None,
        labels: Iterable[str] = (),
        operation: str | None = None,
        renews: Ref | None = None,
        key: str | None = None,
    ) -> m.Order:
        order = self._new(
            m.Order,
            title=title.strip(),
            order_kind=_choice(kind, m.ORDER_KINDS, "kind of order"),
            issued_by_post_id=self._opt_ref("post", issued_by_post),
            issued_by_person_id=self._opt_ref("person", issued_by_person),
            firearms_authorised=firearms_authorised,
            lethal_force_conditions=lethal_force_conditions,
            who_may_order_fire=who_may_order_fire,
            labels=list(labels),
            operation=operation,
            renews_id=self._opt_ref("order", renews),
        )
        units = sorted({self.ref("unit", u) for u in to_units})
        self._add(order, support, span, f"order {title!r}", key)
        self._store_rows(self._new(m.OrderUnit, order_id=order.id, unit_id=u) for u in units)
        return order

    def add_communication(
        self,
        kind: str,
        *,
        support: Support,
        parties: Iterable[PartyRef],
        span: TimeSpan | None = None,
        channel: str | None = None,
        summary: str | None = None,
        incident: Ref | None = None,
        key: str | None = None,
    ) -> m.Communication:
        fact = self._new(
            m.Communication,
            communication_kind=_choice(kind, m.COMMUNICATION_KINDS, "kind of communication"),
            channel=channel,
            summary=summary,
            incident_id=self._opt_ref("incident", incident),
        )
        return self._with_parties(fact, support, span, parties, f"{kind} communication", key)

    def add_meeting(
        self,
        *,
        support: Support,
        parties: Iterable[PartyRef],
        span: TimeSpan | None = None,
        subject: str | None = None,
        incident: Ref | None = None,
        key: str | None = None,
    ) -> m.Meeting:
        fact = self._new(
            m.Meeting, subject=subject, incident_id=self._opt_ref("incident", incident)
        )
        return self._with_parties(fact, support, span, parties, f"meeting {subject!r}", key)

    def add_statement(
        self,
        kind: str,
        *,
        support: Support,
        parties: Iterable[PartyRef],
        span: TimeSpan | None = None,
        summary: str | None = None,
        incident: Ref | None = None,
        key: str | None = None,
    ) -> m.Statement:
        fact = self._new(
            m.Statement,
            statement_kind=_choice(kind, m.STATEMENT_KINDS, "kind of statement"),
            summary=summary,
            incident_id=self._opt_ref("incident", incident),
        )
        return self._with_parties(fact, support, span, parties, f"{kind} statement", key)

    def add_measure(
        self,
        kind: str,
        *,
        support: Support,
        parties: Iterable[PartyRef],
        span: TimeSpan | None = None,
        summary: str | None = None,
        incident: Ref | None = None,
        key: str | None = None,
    ) -> m.Measure:
        fact = self._new(
            m.Measure,
            measure_kind=_choice(kind, m.MEASURE_KINDS, "kind of measure"),
            summary=summary,
            incident_id=self._opt_ref("incident", incident),
        )
        return self._with_parties(fact, support, span, parties, f"{kind} measure", key)

    def _with_parties(
        self,
        fact: F,
        support: Support,
        span: TimeSpan | None,
        parties: Iterable[PartyRef],
        what: str,
        key: str | None,
    ) -> F:
        rows = [self._party(p) for p in parties]
        self._add(fact, support, span, what, key)
        for row in rows:
            row.fact_id = fact.id
        self._store_rows(rows)
        return fact

    def _party(self, p: PartyRef) -> m.Party:
        role = _choice(p.role, m.PARTY_ROLES, "party role")
        row = self._new(
            m.Party,
            role=role,
            person_id=self._opt_ref("person", p.person),
            unit_id=self._opt_ref("unit", p.unit),
            post_id=self._opt_ref("post", p.post),
        )
        if p.name:
            kind, fact_id = self.party_of(p.name)
            setattr(row, f"{kind}_id", fact_id)
        if row.person_id is None and row.unit_id is None and row.post_id is None:
            raise CadenaError(f"A {role} party names no person, unit or post.")
        return row


# Dates repeat across an import's rows; their texts are made once each.
@functools.lru_cache(maxsize=65536)
def _iso_of(d: PartialDate) -> str:
    return d.iso()


def _iso(d: PartialDate | None) -> str | None:
    return _iso_of(d) if d is not None else None


@functools.lru_cache(maxsize=65536)
def _bound(d: PartialDate, low: bool) -> str:
    """The sortable first (`low`) or last instant a date allows: what `lo_key`/`hi_key` hold."""
    return d.lo_key() if low else d.hi_key()


_NO_SPAN = TimeSpan()


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _check_point(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise CadenaError("Give both latitude and longitude, or neither.")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CadenaError(
            f"({lat}, {lon}) is not a point on Earth: latitude first, then longitude."
        )
