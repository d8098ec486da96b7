"""FollowTheMoney both ways: every fact as an entity (JSON lines), and such lines read back.

Out. Each live fact becomes one entity whose FtM properties say what FtM can say:

    unit          PublicBody    name, alias, classification, keywords (the force), country
    unit link     Membership    member (the unit) of organization (its parent), role (the line),
                                startDate/endDate (known bounds), date (cited dates)
    person        Person        name, alias, description
    rank          Note          entity (the person), name (the rank)
    post          Position      name (title), organization (unit), summary (role)
    tenure        Occupancy     holder, post, startDate/endDate, date
    deployment    Event         name, location, involved (the unit), addressEntity (an Address)
    incident      Event         name, summary, location, involved (units and persons it is
                                attributed to), keywords (its kind), addressEntity
    victim        Note          entity (the incident's Event), name (the pseudonym), keywords
    attribution   UnknownLink   subject (unit and/or person), object (the incident), role
    order, communication, meeting, statement, measure
                  Event         name, summary, keywords (kind), organizer/involved (the persons
                                and units among its parties), date
    cited item    Document      its id holds the SHA-256; `proof` of the facts citing it

FtM has no confidence, no place in a document, no split between known and cited dates, no
assumption, and no post as a party; those travel in each entity's `cadena` object, a top-level
key beside `id`, `schema` and `properties` that FtM keeps as the entity's context (followthemoney
reads and writes it back untouched: `EntityProxy.context`). So export then import loses nothing,
and other FtM tools still see a faithful, valid graph. Victims' names and contacts are never
exported.

In. `import_ftm` reads such lines (or FtM from elsewhere: Person, Organization/PublicBody/
Company, Membership, Position, Occupancy, Event), checks each entity against the followthemoney
model, and records the facts all or nothing, like the other importers. Without a `cadena`
object a fact cites its line of the imported file (kept as an item) with confidence `low`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.db import canonical_json
from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.bulk import BulkRecorder, quiet_gc
from cadena.facts.citations import Cite, Support, UnsupportedFact
from cadena.facts.preserve import preserve
from cadena.facts.record import Identity, PartyRef
from cadena.facts.sheet import ImportRefused, ImportReport, Problem, Progress, RowError, Ticker
from cadena.facts.time import TimeSpan
from cadena.vault.case import Case
from cadena.vault.models import Item, Source

FORMAT = "cadena-ftm/1"
_LINE_ROLE = {
    "administrative": "administrative subordination",
    "operational": "operational control",
    "informal": "informal link",
}
_ROLE_LINE = {v: k for k, v in _LINE_ROLE.items()}


def fid_of(kind: str, fact_id: int) -> str:
    return f"cadena-{kind.replace('_', '-')}-{fact_id}"


def fid(f: m.Fact) -> str:
    return fid_of(f.kind, f.id)


def doc_id(sha: str) -> str:
    return f"cadena-item-{sha}"


# -- out ----------------------------------------------------------------------------------------


class FtmWriter:
    """Builds FollowTheMoney entities for every live fact in one read transaction."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.cites: dict[int, list[m.Citation]] = defaultdict(list)
        for c in s.execute(select(m.Citation).order_by(m.Citation.id)).scalars():
            self.cites[c.fact_id].append(c)
        self.kinds: dict[int, str] = {i: k for i, k in s.execute(select(m.Fact.id, m.Fact.kind))}
        self.aliases: dict[int, list[str]] = defaultdict(list)
        for i, name in s.execute(
            select(m.Name.fact_id, m.Name.name).where(m.Name.is_alias.is_(True)).order_by(m.Name.id)
        ):
            self.aliases[i].append(name)
        self.parties: dict[int, list[m.Party]] = defaultdict(list)
        for p in s.execute(select(m.Party).order_by(m.Party.id)).scalars():
            self.parties[p.fact_id].append(p)
        self.order_units: dict[int, list[int]] = defaultdict(list)
        for o, u in s.execute(
            select(m.OrderUnit.order_id, m.OrderUnit.unit_id).order_by(m.OrderUnit.unit_id)
        ):
            self.order_units[o].append(u)

    def ref(self, fact_id: int | None) -> str | None:
        return fid_of(self.kinds[fact_id], fact_id) if fact_id is not None else None

    def live(self, model: type[m.Fact]) -> list[Any]:
        return list(
            self.s.execute(
                select(model).where(model.merged_into.is_(None)).order_by(model.id)
            ).scalars()
        )

    def entity(
        self, schema: str, f: m.Fact | None, eid: str, props: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        clean = {
            k: [str(x) for x in (v if isinstance(v, list) else [v]) if x not in (None, "")]
            for k, v in props.items()
        }
        out: dict[str, Any] = {
            "id": eid,
            "schema": schema,
            "properties": {k: v for k, v in clean.items() if v},
        }
        if f is not None:
            out["cadena"] = self.context(f, extra)
        return out

    def context(self, f: m.Fact, extra: dict[str, Any]) -> dict[str, Any]:
        """What FtM has no property for: kind, key, confidence, span, citations and their
        places, assumption, note, and the kind's own fields (`extra`)."""
        return {
            "format": FORMAT,
            "kind": f.kind,
            "key": f.key,
            "confidence": f.confidence,
            "assumption": f.assumption,
            "note": f.note,
            "span": {
                "start": f.start_date,
                "end": f.end_date,
                "first_cited": f.first_cited,
                "last_cited": f.last_cited,
            },
            "citations": [Cite.of_row(c).as_dict() for c in self.cites.get(f.id, [])],
            **extra,
        }

    def proof(self, f: m.Fact) -> list[str]:
        return list(dict.fromkeys(doc_id(c.item_sha256) for c in self.cites.get(f.id, [])))

    def dated(self, f: m.Fact) -> dict[str, Any]:
        """Known bounds as start/end; cited dates as `date`; the assumption as `description`;
        the confidence as `status` (for FtM readers; the `cadena` object is what is read back);
        citations as `proof`."""
        return {
            "startDate": f.start_date,
            "endDate": f.end_date,
            "date": [d for d in (f.first_cited, f.last_cited) if d],
            "description": f.assumption,
            "proof": self.proof(f),
        }

    def entities(self) -> Iterator[dict[str, Any]]:
        yield from self._documents()
        for u in self.live(m.Unit):
            yield self.entity(
                "PublicBody", u, fid(u),
                {"name": u.name, "alias": self.aliases.get(u.id, []),
                 "classification": u.classification, "keywords": [u.force],
                 "country": _country(u.country), "proof": self.proof(u)},
                force=u.force, country=u.country, classification=u.classification,
            )  # fmt: skip
        for lk in self.live(m.UnitLink):
            yield self.entity(
                "Membership", lk, fid(lk),
                {"member": self.ref(lk.child_id), "organization": self.ref(lk.parent_id),
                 "role": _LINE_ROLE[lk.line], "status": f"confidence: {lk.confidence}",
                 **self.dated(lk)},
                line=lk.line,
            )  # fmt: skip
        for p in self.live(m.Person):
            yield self.entity(
                "Person", p, fid(p),
                {"name": p.name, "alias": self.aliases.get(p.id, []),
                 "description": p.description, "proof": self.proof(p)},
                description=p.description,
            )  # fmt: skip
        for r in self.live(m.Rank):
            yield self.entity(
                "Note", r, fid(r),
                {"entity": self.ref(r.person_id), "name": r.rank, "keywords": ["rank"],
                 "proof": self.proof(r)},
                person=self.ref(r.person_id), rank=r.rank,
            )  # fmt: skip
        for post in self.live(m.Post):
            yield self.entity(
                "Position", post, fid(post),
                {"name": post.title, "organization": self.ref(post.unit_id),
                 "summary": post.role, "keywords": ["head"] if post.head else [],
                 "proof": self.proof(post)},
                role=post.role, head=post.head, unit=self.ref(post.unit_id),
            )  # fmt: skip
        yield from self._orders()
        for t in self.live(m.Tenure):
            yield self.entity(
                "Occupancy", t, fid(t),
                {"holder": self.ref(t.person_id), "post": self.ref(t.post_id),
                 "status": f"confidence: {t.confidence}", **self.dated(t)},
            )  # fmt: skip
        yield from self._places()
        yield from self._incidents()
        for kind, model in (
            ("communication", m.Communication),
            ("meeting", m.Meeting),
            ("statement", m.Statement),
            ("measure", m.Measure),
        ):
            for f in self.live(model):
                yield self._with_parties(kind, f)

    def _orders(self) -> Iterator[dict[str, Any]]:
        # Renewed orders before the renewals, so a reader can create them in file order.
        orders = sorted(self.live(m.Order), key=lambda o: (_depth(o, self.s), o.id))
        for o in orders:
            units = [self.ref(u) for u in self.order_units.get(o.id, [])]
            yield self.entity(
                "Event", o, fid(o),
                {"name": o.title, "keywords": ["order", o.order_kind, *(o.labels or [])],
                 "organizer": self.ref(o.issued_by_person_id), "involved": units,
                 "summary": o.lethal_force_conditions, **self.dated(o)},
                title=o.title, order_kind=o.order_kind,
                issued_by_post=self.ref(o.issued_by_post_id),
                issued_by_person=self.ref(o.issued_by_person_id), to_units=units,
                firearms_authorised=o.firearms_authorised,
                lethal_force_conditions=o.lethal_force_conditions,
                who_may_order_fire=o.who_may_order_fire, labels=list(o.labels or []),
                operation=o.operation, renews=self.ref(o.renews_id),
            )  # fmt: skip

    def _places(self) -> Iterator[dict[str, Any]]:
        for d in self.live(m.Deployment):
            address = self._address(d)
            if address:
                yield address
            yield self.entity(
                "Event", d, fid(d),
                {"name": f"Deployment of {_label(self.s, d.unit_id)} at {d.place}",
                 "keywords": ["deployment"], "location": d.place,
                 "involved": [self.ref(d.unit_id)], "summary": d.operation,
                 "addressEntity": address["id"] if address else None, **self.dated(d)},
                unit=self.ref(d.unit_id), place=d.place, lat=d.lat, lon=d.lon,
                uncertainty_m=d.uncertainty_m, area=d.area, operation=d.operation,
                plan=self.ref(d.plan_id),
            )  # fmt: skip

    def _incidents(self) -> Iterator[dict[str, Any]]:
        attributions = self.live(m.Attribution)
        involved: dict[int, list[str | None]] = defaultdict(list)
        for a in attributions:
            involved[a.incident_id] += [self.ref(x) for x in (a.unit_id, a.person_id) if x]
        for inc in self.live(m.Incident):
            address = self._address(inc)
            if address:
                yield address
            yield self.entity(
                "Event", inc, fid(inc),
                {"name": inc.title, "summary": inc.description,
                 "keywords": [inc.incident_kind], "location": inc.place,
                 "involved": list(dict.fromkeys(involved.get(inc.id, []))),
                 "addressEntity": address["id"] if address else None, **self.dated(inc)},
                title=inc.title, incident_kind=inc.incident_kind, place=inc.place, lat=inc.lat,
                lon=inc.lon, uncertainty_m=inc.uncertainty_m, killed=inc.killed,
                injured=inc.injured, detained=inc.detained, weapons=list(inc.weapons or []),
                ammunition=list(inc.ammunition or []), description=inc.description,
            )  # fmt: skip
        for v in self.live(m.Victim):
            yield self.entity(
                "Note", v, fid(v),
                {"entity": self.ref(v.incident_id), "name": v.pseudonym,
                 "keywords": ["victim", v.harm], "proof": self.proof(v)},
                incident=self.ref(v.incident_id), pseudonym=v.pseudonym, harm=v.harm,
                age=v.age, gender=v.gender,
            )  # fmt: skip
        for a in attributions:
            yield self.entity(
                "UnknownLink", a, fid(a),
                {"subject": [self.ref(x) for x in (a.unit_id, a.person_id) if x],
                 "object": self.ref(a.incident_id), "role": "attributed to",
                 "summary": a.basis, **self.dated(a)},
                incident=self.ref(a.incident_id), unit=self.ref(a.unit_id),
                person=self.ref(a.person_id), basis=a.basis,
            )  # fmt: skip

    def _with_parties(self, kind: str, f: Any) -> dict[str, Any]:
        parties = [
            {"role": p.role, "ref": self.ref(p.person_id or p.unit_id or p.post_id)}
            for p in self.parties.get(f.id, [])
        ]
        actors = [p["ref"] for p in parties if not str(p["ref"]).startswith("cadena-post-")]
        leads = ("from", "speaker", "decided_by")
        sub = getattr(f, f"{kind}_kind", None)
        words = " ".join(x for x in (sub or kind).split("_"))
        what = getattr(f, "summary", None) or getattr(f, "subject", None) or ""
        fields = {
            k: getattr(f, k)
            for k in ("communication_kind", "statement_kind", "measure_kind", "channel",
                      "summary", "subject")
            if hasattr(f, k)
        }  # fmt: skip
        return self.entity(
            "Event", f, fid(f),
            {"name": f"{words.capitalize()}: {what}" if what else words.capitalize(),
             "keywords": [kind, sub], "summary": what or None,
             "organizer": [p["ref"] for p in parties if p["role"] in leads
                           and p["ref"] in actors],
             "involved": [p["ref"] for p in parties if p["role"] not in leads
                          and p["ref"] in actors],
             **self.dated(f)},
            parties=parties, incident=self.ref(f.incident_id), **fields,
        )  # fmt: skip

    def _address(self, f: m.Incident | m.Deployment) -> dict[str, Any] | None:
        if f.lat is None or f.lon is None:
            return None
        return self.entity(
            "Address",
            None,
            f"{fid(f)}-place",
            {
                "full": f.place or f"{f.lat}, {f.lon}",
                "latitude": f.lat,
                "longitude": f.lon,
                "remarks": f"uncertainty {f.uncertainty_m} m" if f.uncertainty_m else None,
            },
        )

    def _documents(self) -> Iterator[dict[str, Any]]:
        shas = sorted({c.item_sha256 for cs in self.cites.values() for c in cs})
        for sha in shas:
            item = self.s.get(Item, sha)
            name = self.s.execute(
                select(Source.original_name).where(Source.item_sha256 == sha).order_by(Source.id)
            ).scalar()
            yield self.entity(
                "Document",
                None,
                doc_id(sha),
                {
                    # FtM's contentHash is SHA-1; the SHA-256 is in the id and the description.
                    "description": f"sha256:{sha}",
                    "fileName": name,
                    "title": name,
                    "mimeType": item.media_type if item else None,
                    "fileSize": item.size if item else None,
                },
            )


def _depth(o: m.Order, s: Session) -> int:
    depth, seen, cur = 0, {o.id}, o.renews_id
    while cur is not None and cur not in seen:
        seen.add(cur)
        depth += 1
        cur = s.execute(select(m.Order.renews_id).where(m.Order.id == cur)).scalar()
    return depth


def _label(s: Session, fact_id: int) -> str:
    from cadena.facts.resolve import label

    return label(s, fact_id)


def _country(value: str | None) -> str | None:
    """A country FtM knows (ISO code or name) as its code; anything else stays in `cadena`."""
    if not value:
        return None
    from followthemoney.types import registry

    return registry.country.clean(value)


def validate_ftm(entities: list[dict[str, Any]]) -> None:
    """Check each entity against the followthemoney model; raise naming the first that fails."""
    ids = {e["id"] for e in entities}
    for e in entities:
        problem = entity_problem(e, ids)
        if problem:
            raise CadenaError(f"FtM export: {problem}")


def entity_problem(e: dict[str, Any], ids: set[str] | None = None) -> str | None:
    """Why `e` is not a valid FollowTheMoney entity (None when it is): an unknown or abstract
    schema, an unknown property, a value of the wrong type, a missing required property, or (when
    `ids` is given) a reference to an entity that is not among them."""
    from followthemoney import model
    from followthemoney.exc import InvalidData

    if not isinstance(e, dict) or not isinstance(e.get("properties", {}), dict):
        return "not an entity (an object with id, schema and properties)"
    if not e.get("id"):
        return "an entity without an id"
    schema = model.get(str(e.get("schema")))
    if schema is None or schema.abstract:
        return f"{e.get('schema')} is not a concrete FtM schema ({e['id']})."
    for name, values in (e.get("properties") or {}).items():
        prop = schema.properties.get(name)
        if prop is None:
            return f"{schema.name} has no property {name!r} ({e['id']})."
        if not isinstance(values, list):
            return f"{e['id']}.{name} is not a list of values."
        for v in values:
            if prop.type.clean(v, proxy=None) is None:
                return (
                    f"{v!r} is not a valid {prop.type.name} for {schema.name}.{name} ({e['id']})."
                )
            if ids is not None and prop.type.name == "entity" and v not in ids:
                return f"{e['id']}.{name} points at {v}, which is not in the file."
    missing = [p for p in schema.required if not (e.get("properties") or {}).get(p)]
    if missing:
        return f"{e['id']} lacks {', '.join(missing)}."
    try:
        schema.validate(e)  # type: ignore[arg-type]
        model.get_proxy(e, cleaned=False)
    except InvalidData as exc:
        return f"{e['id']} is invalid ({exc.errors})."
    return None


def ftm_entities(case: Case) -> list[dict[str, Any]]:
    with case.session(write=False) as s:
        entities = list(FtmWriter(s).entities())
    validate_ftm(entities)
    return entities


def export_ftm(case: Case, out: str | Path) -> int:
    """Write validated FollowTheMoney entities as JSON lines; returns how many."""
    entities = ftm_entities(case)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for e in entities:
            f.write(canonical_json(e) + "\n")
    return len(entities)


# -- in -----------------------------------------------------------------------------------------

# The order facts are made in: what a fact points at is made before it.
_STEPS = (
    "unit", "person", "post", "order", "unit_link", "rank", "tenure", "deployment",
    "incident", "victim", "attribution", "communication", "meeting", "statement", "measure",
)  # fmt: skip
# FtM from elsewhere (no `cadena` object): which schema makes which fact.
_FOREIGN = {
    "PublicBody": "unit", "Organization": "unit", "Company": "unit", "Person": "person",
    "Position": "post", "Membership": "membership", "Occupancy": "tenure", "Event": "incident",
}  # fmt: skip


class _Entity:
    def __init__(self, line: int, data: dict[str, Any]) -> None:
        self.line, self.data = line, data
        self.id: str = data["id"]
        self.schema: str = data["schema"]
        self.props: dict[str, list[str]] = data.get("properties") or {}
        self.ctx: dict[str, Any] | None = data.get("cadena")

    def first(self, prop: str) -> str | None:
        values = self.props.get(prop) or []
        return values[0] if values else None

    def all(self, prop: str) -> list[str]:
        return list(self.props.get(prop) or [])


class FtmReader:
    """Makes facts from entities; `self.ids` maps entity ids to the facts made from them."""

    def __init__(self, case: Case, s: Session, rec: BulkRecorder, item: str, file: str) -> None:
        self.case, self.s, self.rec, self.item, self.file = case, s, rec, item, file
        self.ids: dict[str, int] = {}
        self.documents: dict[str, str] = {}  # Document entity id -> what it names

    # -- what every fact rests on ----------------------------------------------------------
    def support(self, e: _Entity) -> Support:
        ctx = e.ctx or {}
        try:
            if ctx:
                cites = [Cite.from_dict(c) for c in ctx.get("citations") or []]
                return Support.of(ctx.get("confidence"), cites, ctx.get("assumption"))
            proofs = "; ".join(self.documents.get(p, p) for p in e.all("proof")) or None
            locator = {"kind": "json_line", "file": self.file, "line": e.line, "entity": e.id}
            return Support.of("low", [Cite(self.item, locator, None, proofs)])
        except UnsupportedFact as exc:
            raise RowError("cadena.confidence", str(exc)) from None
        except (KeyError, TypeError) as exc:
            raise RowError("cadena.citations", f"a citation lacks {exc}") from None

    def span(self, e: _Entity) -> TimeSpan:
        ctx = e.ctx or {}
        try:
            if ctx:
                sp = ctx.get("span") or {}
                return TimeSpan.of(
                    sp.get("start"), sp.get("end"), sp.get("first_cited"), sp.get("last_cited")
                )
            dates = sorted(e.all("date"))
            return TimeSpan.of(
                e.first("startDate"),
                e.first("endDate"),
                dates[0] if dates else None,
                dates[-1] if len(dates) > 1 else None,
            )
        except CadenaError as exc:
            raise RowError("startDate", str(exc)) from None

    def ref(self, entity_id: str | None, prop: str) -> int | None:
        if not entity_id:
            return None
        if entity_id not in self.ids:
            raise RowError(prop, f"{entity_id} is not an entity made earlier in the file")
        return self.ids[entity_id]

    def need(self, entity_id: str | None, prop: str) -> int:
        found = self.ref(entity_id, prop)
        if found is None:
            raise RowError(prop, "is empty; it is required")
        return found

    def keep(self, e: _Entity, fact: Any) -> None:
        self.ids[e.id] = fact.id
        fact.note = (e.ctx or {}).get("note")

    # -- one entity --------------------------------------------------------------------------
    def read(self, kind: str, e: _Entity) -> None:
        if kind == "membership":  # FtM from elsewhere: organisation or person in one
            member = e.first("member")
            kind = "unit_link" if self.s_kind(member) == "unit" else "foreign_tenure"
        getattr(self, f"_{kind}")(e)

    def s_kind(self, entity_id: str | None) -> str | None:
        fact_id = self.ids.get(entity_id or "")
        return self.rec.index.kind_of.get(fact_id) if fact_id else None

    def _unit(self, e: _Entity) -> None:
        ctx, name = e.ctx or {}, e.first("name")
        if not name:
            raise RowError("name", "a unit needs a name")
        force = ctx.get("force") or next((k for k in e.all("keywords") if k in m.FORCES), "other")
        self.keep(e, self.rec.add_unit(
            name, support=self.support(e), span=self.span(e), key=ctx.get("key"),
            aliases=e.all("alias"), force=force,
            country=ctx.get("country", e.first("country")),
            classification=ctx.get("classification", e.first("classification")),
        ))  # fmt: skip

    def _person(self, e: _Entity) -> None:
        ctx, name = e.ctx or {}, e.first("name")
        if not name:
            raise RowError("name", "a person needs a name")
        self.keep(e, self.rec.add_person(
            name, support=self.support(e), span=self.span(e), key=ctx.get("key"),
            aliases=e.all("alias"), description=ctx.get("description", e.first("description")),
        ))  # fmt: skip

    def _post(self, e: _Entity) -> None:
        from cadena.facts.sheet import guess_role

        ctx, title = e.ctx or {}, e.first("name")
        if not title:
            raise RowError("name", "a position needs a name")
        unit_ref = ctx["unit"] if "unit" in ctx else e.first("organization")
        self.keep(e, self.rec.add_post(
            title, support=self.support(e), span=self.span(e), key=ctx.get("key"),
            unit=self.ref(unit_ref, "organization"),
            role=ctx.get("role") or guess_role(title), head=ctx.get("head"),
        ))  # fmt: skip

    def _unit_link(self, e: _Entity) -> None:
        ctx = e.ctx or {}
        line = ctx.get("line") or _ROLE_LINE.get(e.first("role") or "", "administrative")
        self.keep(e, self.rec.link_units(
            self.need(e.first("member"), "member"),
            self.need(e.first("organization"), "organization"),
            support=self.support(e), span=self.span(e), line=line, key=ctx.get("key"),
        ))  # fmt: skip

    def _foreign_tenure(self, e: _Entity) -> None:
        """A person's Membership of an organisation (FtM from elsewhere): a post from its role."""
        from cadena.facts.sheet import guess_role

        title = e.first("role") or "member"
        support = self.support(e)
        post = self.rec.add_post(
            title,
            unit=self.need(e.first("organization"), "organization"),
            role=guess_role(title),
            support=support,
        )
        self.keep(e, self.rec.add_tenure(
            self.need(e.first("member"), "member"), post, support=support, span=self.span(e)
        ))  # fmt: skip

    def _rank(self, e: _Entity) -> None:
        ctx = e.ctx or {}
        self.keep(e, self.rec.add_rank(
            self.need(ctx.get("person") or e.first("entity"), "entity"),
            ctx.get("rank") or e.first("name") or "",
            support=self.support(e), span=self.span(e), key=ctx.get("key"),
        ))  # fmt: skip

    def _tenure(self, e: _Entity) -> None:
        self.keep(e, self.rec.add_tenure(
            self.need(e.first("holder"), "holder"), self.need(e.first("post"), "post"),
            support=self.support(e), span=self.span(e), key=(e.ctx or {}).get("key"),
        ))  # fmt: skip

    def _deployment(self, e: _Entity) -> None:
        c = e.ctx or {}
        self.keep(e, self.rec.add_deployment(
            self.need(c.get("unit"), "involved"), c.get("place") or e.first("location") or "",
            support=self.support(e), span=self.span(e), lat=c.get("lat"), lon=c.get("lon"),
            uncertainty_m=c.get("uncertainty_m"), area=c.get("area"),
            operation=c.get("operation"), plan=self.ref(c.get("plan"), "cadena.plan"),
            key=c.get("key"),
        ))  # fmt: skip

    def _incident(self, e: _Entity) -> None:
        c = e.ctx
        if c is None:  # an FtM Event from elsewhere
            self.keep(e, self.rec.add_incident(
                e.first("name") or e.id, support=self.support(e), span=self.span(e),
                kind="other", place=e.first("location"), description=e.first("summary"),
            ))  # fmt: skip
            return
        self.keep(e, self.rec.add_incident(
            c.get("title") or e.first("name") or "", support=self.support(e),
            span=self.span(e), kind=c.get("incident_kind") or "other", place=c.get("place"),
            lat=c.get("lat"), lon=c.get("lon"), uncertainty_m=c.get("uncertainty_m"),
            killed=c.get("killed"), injured=c.get("injured"), detained=c.get("detained"),
            weapons=c.get("weapons") or [], ammunition=c.get("ammunition") or [],
            description=c.get("description"), key=c.get("key"),
        ))  # fmt: skip

    def _victim(self, e: _Entity) -> None:
        c = e.ctx or {}
        self.keep(e, self.rec.add_victim(
            self.need(c.get("incident"), "entity"), c.get("pseudonym") or "",
            support=self.support(e), harm=c.get("harm") or "other", age=c.get("age"),
            gender=c.get("gender"), identity=Identity(), key=c.get("key"),
        ))  # fmt: skip

    def _attribution(self, e: _Entity) -> None:
        c = e.ctx or {}
        self.keep(e, self.rec.attribute(
            self.need(c.get("incident"), "object"), support=self.support(e),
            unit=self.ref(c.get("unit"), "subject"), person=self.ref(c.get("person"), "subject"),
            basis=c.get("basis"), key=c.get("key"),
        ))  # fmt: skip

    def _order(self, e: _Entity) -> None:
        c = e.ctx or {}
        self.keep(e, self.rec.add_order(
            c.get("title") or e.first("name") or "", support=self.support(e),
            span=self.span(e), kind=c.get("order_kind") or "order",
            issued_by_post=self.ref(c.get("issued_by_post"), "cadena.issued_by_post"),
            issued_by_person=self.ref(c.get("issued_by_person"), "organizer"),
            to_units=[self.need(u, "involved") for u in c.get("to_units") or []],
            firearms_authorised=c.get("firearms_authorised"),
            lethal_force_conditions=c.get("lethal_force_conditions"),
            who_may_order_fire=c.get("who_may_order_fire"), labels=c.get("labels") or [],
            operation=c.get("operation"), renews=self.ref(c.get("renews"), "cadena.renews"),
            key=c.get("key"),
        ))  # fmt: skip

    def _parties(self, c: dict[str, Any]) -> list[PartyRef]:
        out = []
        for p in c.get("parties") or []:
            fact_id = self.need(p.get("ref"), "cadena.parties")
            kind = self.s_kind(p.get("ref"))
            role = p.get("role") or ""
            if kind == "unit":
                out.append(PartyRef(role, unit=fact_id))
            elif kind == "post":
                out.append(PartyRef(role, post=fact_id))
            else:
                out.append(PartyRef(role, person=fact_id))
        return out

    def _party_fact(self, e: _Entity, add: Callable[..., Any], **kw: Any) -> None:
        c = e.ctx or {}
        self.keep(e, add(
            support=self.support(e), span=self.span(e), parties=self._parties(c),
            incident=self.ref(c.get("incident"), "cadena.incident"), key=c.get("key"), **kw,
        ))  # fmt: skip

    def _communication(self, e: _Entity) -> None:
        c = e.ctx or {}
        self._party_fact(
            e,
            lambda **kw: self.rec.add_communication(c.get("communication_kind") or "other", **kw),
            channel=c.get("channel"),
            summary=c.get("summary"),
        )

    def _meeting(self, e: _Entity) -> None:
        self._party_fact(e, self.rec.add_meeting, subject=(e.ctx or {}).get("subject"))

    def _statement(self, e: _Entity) -> None:
        c = e.ctx or {}
        self._party_fact(
            e,
            lambda **kw: self.rec.add_statement(c.get("statement_kind") or "other", **kw),
            summary=c.get("summary"),
        )

    def _measure(self, e: _Entity) -> None:
        c = e.ctx or {}
        self._party_fact(
            e,
            lambda **kw: self.rec.add_measure(c.get("measure_kind") or "other", **kw),
            summary=c.get("summary"),
        )


def read_lines(path: Path) -> tuple[list[_Entity], list[Problem]]:
    """The entities of a JSON-lines file, each checked against the FtM model; the lines that are
    not valid entities as problems."""
    entities, problems = [], []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CadenaError(f"{path} could not be read as UTF-8 text ({exc}).") from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            problems.append(Problem(path.name, "", n, "", f"not JSON ({exc})"))
            continue
        problem = entity_problem(data)
        if problem:
            schema = data.get("schema", "") if isinstance(data, dict) else ""
            problems.append(Problem(path.name, str(schema), n, "", problem))
            continue
        entities.append(_Entity(n, data))
    ids = {e.id for e in entities}
    for e in entities:
        for prop, values in e.props.items():
            for v in values:
                if _is_entity_prop(e.schema, prop) and v not in ids:
                    problems.append(
                        Problem(path.name, e.schema, e.line, prop, f"{v} is not in the file")
                    )
    return entities, problems


def _is_entity_prop(schema: str, prop: str) -> bool:
    from followthemoney import model

    s = model.get(schema)
    p = s.properties.get(prop) if s else None
    return bool(p and p.type.name == "entity")


def _missing_items(s: Session, entities: list[_Entity], file: str) -> list[Problem]:
    """The items cited (in `cadena` objects) that this case does not hold, at the line of their
    Document entity (or of the first fact citing them)."""
    where: dict[str, _Entity] = {}
    for e in entities:
        if e.schema == "Document" and e.id.startswith("cadena-item-"):
            where.setdefault(e.id.removeprefix("cadena-item-"), e)
        for c in (e.ctx or {}).get("citations") or []:
            if isinstance(c, dict) and isinstance(c.get("item"), str):
                where.setdefault(c["item"], e)
    if not where:
        return []
    have: set[str] = set()
    shas = sorted(where)
    for start in range(0, len(shas), 500):
        chunk = shas[start : start + 500]
        have.update(s.execute(select(Item.sha256).where(Item.sha256.in_(chunk))).scalars())
    return [
        Problem(
            file,
            where[sha].schema,
            where[sha].line,
            "",
            f"item {sha[:12]}… is cited but not in this case: add the file first "
            "(`cadena add PATH`; a court package holds the originals)",
        )
        for sha in shas
        if sha not in have
    ]


def import_ftm(case: Case, path: str | Path, *, progress: Progress | None = None) -> ImportReport:
    """Import FollowTheMoney JSON lines, all or nothing; `ImportRefused` lists every bad line
    (file, schema, line, property, reason)."""
    path = Path(path)
    if not path.is_file():
        raise CadenaError(f"{path} is not a file of FollowTheMoney JSON lines.")
    entities, problems = read_lines(path)
    report = ImportReport()
    by_kind: dict[str, list[_Entity]] = defaultdict(list)
    ignored: dict[str, int] = defaultdict(int)
    for e in entities:
        kind = (e.ctx or {}).get("kind") if e.ctx else _FOREIGN.get(e.schema)
        if e.schema in ("Document", "Address"):
            continue
        if kind is None or (kind not in _STEPS and kind != "membership"):
            ignored[e.schema] += 1
            continue
        by_kind[kind].append(e)
    for schema, n in sorted(ignored.items()):
        report.warnings.append(f"{path.name}: {n} {schema} entit(ies) carry no fact; ignored")
    steps = [k for k in (*_STEPS[:4], "membership", *_STEPS[4:]) if by_kind.get(k)]
    tick = Ticker(progress, "reading entities", sum(len(by_kind[k]) for k in steps))
    with quiet_gc(), case.session() as s:
        missing = _missing_items(s, entities, path.name)
        if missing:  # said once per item, not once per fact citing it
            raise ImportRefused(missing + problems)
        item = preserve(case, s, path, note="imported FollowTheMoney entities")
        report.files = [{"name": path.name, "sha256": item}]
        rec = BulkRecorder(case, s)
        reader = FtmReader(case, s, rec, item, path.name)
        reader.documents = {
            e.id: (e.first("title") or e.first("fileName") or e.id)
            for e in entities
            if e.schema == "Document"
        }
        for kind in steps:
            done = 0
            for e in by_kind[kind]:
                try:
                    with rec.row():
                        reader.read(kind, e)
                    done += 1
                except RowError as exc:
                    problems.append(Problem(path.name, e.schema, e.line, exc.column, exc.reason))
                except CadenaError as exc:
                    problems.append(Problem(path.name, e.schema, e.line, "", str(exc)))
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    why = f"could not be read ({exc})"
                    problems.append(Problem(path.name, e.schema, e.line, "", why))
                tick()
            report.counts[kind] = done
        if problems:
            raise ImportRefused(sorted(problems, key=lambda p: p.row))
        rec.write(Ticker(progress, "writing facts", rec.staged_rows()).add)
        case.log(s, "import", item, {"format": "ftm", "path": str(path), "counts": report.counts})
    return report
