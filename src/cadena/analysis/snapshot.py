"""The facts an analysis reads, loaded once from the case: every live fact with its citations,
parties and addressed units, and a hash of all of it so a result can say what it read.

Analyses are pure functions of a `Snapshot`; nothing here writes to the case.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, with_polymorphic

from cadena.analysis.findings import Ground, Reading
from cadena.facts import models as m
from cadena.facts.citations import Cite
from cadena.facts.queries import citations_for, span_of
from cadena.facts.resolve import candidates
from cadena.facts.time import Coverage, Moment, PartialDate, TimeSpan, Window, coverage
from cadena.verify.models import Annotation

F = TypeVar("F", bound=m.Fact)
_SKIP = {"created_at"}  # when a row was typed in is not part of what it states


@dataclass(frozen=True)
class Held:
    """A person holding a post at a moment, and the assumption that takes."""

    tenure: m.Tenure
    post: m.Post
    coverage: Coverage


class Snapshot:
    """Every live fact of a case, with what it rests on, indexed for the analyses."""

    def __init__(self, s: Session) -> None:
        poly = with_polymorphic(m.Fact, "*")
        rows = s.execute(select(poly).where(poly.merged_into.is_(None))).scalars().all()
        self.facts: dict[int, m.Fact] = {f.id: f for f in rows}
        self.cites: dict[int, list[Cite]] = dict(citations_for(s, self.facts))
        self.parties: dict[int, list[m.Party]] = defaultdict(list)
        for p in s.execute(select(m.Party).order_by(m.Party.id)).scalars():
            if p.fact_id in self.facts:
                self.parties[p.fact_id].append(p)
        self.order_units: dict[int, set[int]] = defaultdict(set)
        for ou in s.execute(select(m.OrderUnit)).scalars():
            self.order_units[ou.order_id].add(ou.unit_id)
        self._sha: str | None = None
        self._by_class: dict[type, list[m.Fact]] = {}
        self._spans: dict[int, TimeSpan] = {}
        self._items_of: dict[str, set[int]] | None = None
        self.tenures_of_post: dict[int, list[m.Tenure]] = defaultdict(list)
        self.tenures_of_person: dict[int, list[m.Tenure]] = defaultdict(list)
        self.head_posts: dict[int, list[m.Post]] = defaultdict(list)
        for t in self.all(m.Tenure):
            self.tenures_of_post[t.post_id].append(t)
            self.tenures_of_person[t.person_id].append(t)
        for post in self.all(m.Post):
            if post.unit_id is not None and post.head:
                self.head_posts[post.unit_id].append(post)
        # what the rules look up by incident and by unit, instead of scanning every fact
        self.about: dict[int, list[m.Fact]] = defaultdict(list)
        for f in self.facts.values():
            iid = getattr(f, "incident_id", None)
            if iid is not None:
                self.about[iid].append(f)
        for lst in self.about.values():
            lst.sort(key=lambda f: f.id)
        self.orders_to: dict[int, list[m.Order]] = defaultdict(list)
        for o in self.all(m.Order):
            for u in sorted(self.order_units.get(o.id, ())):
                self.orders_to[u].append(o)
        self._annotations(s)
        self.deployments_of: dict[int, list[m.Deployment]] = defaultdict(list)
        for d in self.all(m.Deployment):
            self.deployments_of[d.unit_id].append(d)

    def _annotations(self, s: Session) -> None:
        """Reviewers' annotations that name persons (verify phase), with the names resolved to
        one person each (an ambiguous or unknown name is left out, never guessed)."""
        self.annotations: list[Annotation] = list(
            s.execute(select(Annotation).order_by(Annotation.id)).scalars()
        )
        self.annotated: dict[int, list[tuple[Annotation, set[int]]]] = defaultdict(list)
        for a in self.annotations:
            people: set[int] = set()
            incidents: set[int] = set()
            for link in a.links or []:
                kind, ref = link.get("kind"), str(link.get("ref", ""))
                if kind in ("person", "incident"):
                    found = candidates(s, kind, ref)
                    if len(found) == 1:
                        (people if kind == "person" else incidents).add(found[0])
            if people:
                for iid in incidents or {-1}:
                    self.annotated[iid].append((a, people))

    def annotations_of(self, incident_id: int) -> list[tuple[Annotation, set[int]]]:
        """Annotations naming persons, on this incident: linked to it, or made on an item that
        only this incident (or its attributions) cites; an item shared by several incidents
        says nothing about which one the annotation concerns."""
        out = list(self.annotated.get(incident_id, []))
        out += [
            (a, p)
            for a, p in self.annotated.get(-1, [])
            if self._item_incidents().get(a.item_sha256) == {incident_id}
        ]
        return sorted(out, key=lambda x: x[0].id)

    def _item_incidents(self) -> dict[str, set[int]]:
        if self._items_of is None:
            self._items_of = defaultdict(set)
            for f in self.facts.values():
                iid = f.id if f.kind == "incident" else getattr(f, "incident_id", None)
                if f.kind in ("incident", "attribution") and iid is not None:
                    for c in self.cites.get(f.id, []):
                        self._items_of[c.item].add(iid)
        return self._items_of

    # -- access ------------------------------------------------------------------------------
    def all(self, cls: type[F]) -> list[F]:
        """Every live fact of a kind, in id order (computed once per kind)."""
        if cls not in self._by_class:
            self._by_class[cls] = sorted(
                (f for f in self.facts.values() if isinstance(f, cls)), key=lambda f: f.id
            )
        return self._by_class[cls]  # type: ignore[return-value]

    def get(self, cls: type[F], fid: int | None) -> F | None:
        f = self.facts.get(fid) if fid is not None else None
        return f if isinstance(f, cls) else None

    def name(self, fid: int | None) -> str:
        f = self.facts.get(fid) if fid is not None else None
        if f is None:
            return "?"
        for attr in ("name", "title", "pseudonym"):
            if getattr(f, attr, None):
                return str(getattr(f, attr))
        return f"{f.kind} #{f.id}"

    def ground(self, fid: int) -> Ground:
        f = self.facts[fid]
        return Ground(fid, f.kind, f.confidence, tuple(self.cites.get(fid, ())), f.assumption)

    def grounds(self, ids: Iterable[int]) -> list[Ground]:
        return [self.ground(i) for i in dict.fromkeys(ids) if i in self.facts]

    def post_label(self, post: m.Post) -> str:
        return f"{post.title}, {self.name(post.unit_id)}" if post.unit_id else post.title

    # -- time ----------------------------------------------------------------------------------
    def span(self, f: m.Fact) -> TimeSpan:
        """The fact's time span, parsed once (the rules ask for it many times)."""
        sp = self._spans.get(f.id)
        if sp is None:
            sp = self._spans[f.id] = span_of(f)
        return sp

    def when(self, f: m.Fact) -> PartialDate | None:
        """The earliest date on record for a fact: its start, else its first cited date."""
        sp = self.span(f)
        return sp.start or sp.first_cited or sp.end or sp.last_cited

    def moment(self, f: m.Fact) -> Moment | None:
        """When an incident (or any fact) happened: its start to its end when both are known."""
        sp = self.span(f)
        first = sp.start or sp.first_cited
        last = sp.end or sp.last_cited
        if first and last and first != last:
            return Window(first, last)
        return first or last

    # -- who held what -------------------------------------------------------------------------
    def holdings(self, person_id: int, on: Moment) -> list[Held]:
        """The posts a person held at a moment (any basis), with the assumption each takes."""
        out = []
        for t in self.tenures_of_person.get(person_id, []):
            cov = coverage(self.span(t), on)
            post = self.get(m.Post, t.post_id)
            if cov is not None and post is not None:
                out.append(Held(t, post, cov))
        return out

    def holders(self, post_id: int, on: Moment) -> list[Held]:
        out: list[Held] = []
        post = self.get(m.Post, post_id)
        if post is None:
            return out
        for t in self.tenures_of_post.get(post_id, []):
            cov = coverage(self.span(t), on)
            if cov is not None:
                out.append(Held(t, post, cov))
        return out

    def heads(self, unit_id: int, on: Moment) -> list[Held]:
        """Who held a post commanding the unit at the moment."""
        out: list[Held] = []
        for post in self.head_posts.get(unit_id, []):
            out.extend(self.holders(post.id, on))
        return out

    def about_incident(self, incident_id: int, cls: type[F]) -> list[F]:
        """The facts of a kind tied to an incident (attributions, reports, measures...)."""
        return [f for f in self.about.get(incident_id, []) if isinstance(f, cls)]

    def orders_for(self, unit_ids: Iterable[int]) -> list[m.Order]:
        """Orders addressed to any of the units, in id order, each once."""
        found = {o.id: o for u in unit_ids for o in self.orders_to.get(u, [])}
        return [found[i] for i in sorted(found)]

    def parties_of(self, fid: int, *roles: str) -> Iterator[m.Party]:
        for p in self.parties.get(fid, []):
            if not roles or p.role in roles:
                yield p

    # -- what was read ---------------------------------------------------------------------------
    def sha256(self) -> str:
        """A hash of every fact row the snapshot holds (but when it was typed in), its
        citations, parties and addressed units: same facts, same hash."""
        if self._sha is None:
            h = hashlib.sha256()
            for fid in sorted(self.facts):
                h.update(json.dumps(self._row(fid), sort_keys=True, default=str).encode())
                h.update(b"\n")
            for a in self.annotations:  # what reviewers said is read too
                row = [a.id, a.item_sha256, a.locator, a.text, a.links]
                h.update(json.dumps(row, sort_keys=True, default=str).encode() + b"\n")
            self._sha = h.hexdigest()
        return self._sha

    def _row(self, fid: int) -> dict[str, Any]:
        f = self.facts[fid]
        cols = {c.key: getattr(f, c.key) for c in f.__mapper__.column_attrs if c.key not in _SKIP}
        cols["_citations"] = [c.as_dict() for c in self.cites.get(fid, ())]
        cols["_parties"] = [
            (p.role, p.person_id, p.unit_id, p.post_id) for p in self.parties.get(fid, [])
        ]
        cols["_units"] = sorted(self.order_units.get(fid, ()))
        return cols

    def reading(self, frameworks: Iterable[dict[str, str]] = ()) -> Reading:
        return Reading(tuple(sorted(self.facts)), self.sha256(), tuple(frameworks))


def days_after(d: PartialDate, days: int) -> PartialDate:
    return PartialDate.parse((d.lo() + timedelta(days=days)).date())


def before(a: PartialDate | Moment, b: PartialDate | Moment) -> bool:
    """`a` certainly ended before `b` began (partial dates compare by their bounds)."""
    return a.hi() < b.lo()


def not_after(a: PartialDate | Moment, b: PartialDate | Moment) -> bool:
    """`a` may have been at or before `b`'s end (it began no later than `b` ended)."""
    return a.lo() <= b.hi()


@dataclass(frozen=True)
class Reach:
    """How a party (a person, a post, a unit) reaches a person at a moment."""

    via: str  # "person" | "post" | "unit"
    fact_ids: tuple[int, ...]
    assumptions: tuple[str, ...]


def reaches(snap: Snapshot, party: m.Party, person_id: int, on: Moment) -> Reach | None:
    """Whether a party to a communication or meeting is the person, a post they held then, or a
    unit they headed then; with the tenure it rests on and the assumption that takes."""
    if party.person_id == person_id:
        return Reach("person", (), ())
    held: list[Held] = []
    via, what = "", ""
    if party.post_id is not None:
        held = snap.holders(party.post_id, on)
        via, what = "post", snap.name(party.post_id)
    elif party.unit_id is not None:
        held = snap.heads(party.unit_id, on)
        via, what = "unit", snap.name(party.unit_id)
    for h in held:
        if h.tenure.person_id == person_id:
            words = (
                f"addressed to the {via} {what}; {snap.name(person_id)} held {h.post.title} then"
            )
            extra = (h.coverage.text,) if h.coverage.assumed else ()
            return Reach(via, (h.tenure.id, h.post.id), (words, *extra))
    return None
