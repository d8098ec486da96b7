"""Exchange formats out: FollowTheMoney entities (JSON lines), GeoJSON, flat CSV.

FollowTheMoney's `parent` has no dates, so each dated unit link becomes a `Membership` (the unit
as member of its parent, `role` = the line), each tenure an `Occupancy` of a `Position`, each
incident and each deployment an `Event` (with an `Address` for its coordinates), each cited item
a `Document` (its id holds the SHA-256) used as `proof`. Every entity is checked against the
followthemoney model before it is written: unknown properties, invalid values, missing required
properties and references to entities not in the export are refused.

Victims are never exported here by name; `include_sensitive` only adds identities to the CSV.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.db import canonical_json
from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.queries import describe
from cadena.vault.case import Case
from cadena.vault.models import Item, Source

_LINE_ROLE = {
    "administrative": "administrative subordination",
    "operational": "operational control",
    "informal": "informal link",
}


class FtmWriter:
    """Builds FollowTheMoney entities for every live fact in one read transaction."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.proofs: dict[int, list[str]] = defaultdict(list)
        self.items: set[str] = set()
        for fid, sha in s.execute(
            select(m.Citation.fact_id, m.Citation.item_sha256).order_by(m.Citation.id)
        ):
            self.proofs[fid].append(doc_id(sha))
            self.items.add(sha)

    def live(self, model: type[m.Fact]) -> list[Any]:
        return list(
            self.s.execute(
                select(model).where(model.merged_into.is_(None)).order_by(model.id)
            ).scalars()
        )

    def entity(self, schema: str, eid: str, props: dict[str, Any]) -> dict[str, Any]:
        clean = {
            k: [str(x) for x in (v if isinstance(v, list) else [v]) if x not in (None, "")]
            for k, v in props.items()
        }
        return {"id": eid, "schema": schema, "properties": {k: v for k, v in clean.items() if v}}

    def dated(self, f: m.Fact) -> dict[str, Any]:
        """Known bounds as start/end; cited dates as `date`; the assumption as `description`;
        citations as `proof`."""
        return {
            "startDate": f.start_date,
            "endDate": f.end_date,
            "date": [d for d in (f.first_cited, f.last_cited) if d],
            "description": f.assumption,
            "proof": self.proofs.get(f.id, []),
        }

    def entities(self) -> Iterator[dict[str, Any]]:
        yield from self._documents()
        for u in self.live(m.Unit):
            yield self.entity(
                "PublicBody",
                fid(u),
                {
                    "name": u.name,
                    "alias": self._aliases(u.id),
                    "classification": u.classification,
                    "keywords": [u.force],
                    "proof": self.proofs.get(u.id, []),
                },
            )
        for lk in self.live(m.UnitLink):
            yield self.entity(
                "Membership",
                fid(lk),
                {
                    "member": fid_of("unit", lk.child_id),
                    "organization": fid_of("unit", lk.parent_id),
                    "role": _LINE_ROLE[lk.line],
                    "status": f"confidence: {lk.confidence}",
                    **self.dated(lk),
                },
            )
        for p in self.live(m.Person):
            yield self.entity(
                "Person",
                fid(p),
                {
                    "name": p.name,
                    "alias": self._aliases(p.id),
                    "description": p.description,
                    "proof": self.proofs.get(p.id, []),
                },
            )
        for post in self.live(m.Post):
            yield self.entity(
                "Position",
                fid(post),
                {
                    "name": post.title,
                    "organization": fid_of("unit", post.unit_id) if post.unit_id else None,
                    "summary": post.role,
                    "keywords": ["head"] if post.head else [],
                    "proof": self.proofs.get(post.id, []),
                },
            )
        for t in self.live(m.Tenure):
            yield self.entity(
                "Occupancy",
                fid(t),
                {
                    "holder": fid_of("person", t.person_id),
                    "post": fid_of("post", t.post_id),
                    "status": f"confidence: {t.confidence}",
                    **self.dated(t),
                },
            )
        yield from self._events()

    def _events(self) -> Iterator[dict[str, Any]]:
        involved: dict[int, list[str]] = defaultdict(list)
        for a in self.live(m.Attribution):
            for kind, ref in (("unit", a.unit_id), ("person", a.person_id)):
                if ref:
                    involved[a.incident_id].append(fid_of(kind, ref))
        for inc in self.live(m.Incident):
            address = self._address(inc)
            if address:
                yield address
            yield self.entity(
                "Event",
                fid(inc),
                {
                    "name": inc.title,
                    "summary": inc.description,
                    "keywords": [inc.incident_kind, f"confidence: {inc.confidence}"],
                    "location": inc.place,
                    "involved": involved.get(inc.id, []),
                    "addressEntity": address["id"] if address else None,
                    **self.dated(inc),
                },
            )
        for d in self.live(m.Deployment):
            address = self._address(d)
            if address:
                yield address
            yield self.entity(
                "Event",
                fid(d),
                {
                    "name": f"Deployment: {describe(self.s, d)}",
                    "keywords": ["deployment", f"confidence: {d.confidence}"],
                    "location": d.place,
                    "involved": [fid_of("unit", d.unit_id)],
                    "summary": d.operation,
                    "addressEntity": address["id"] if address else None,
                    **self.dated(d),
                },
            )

    def _address(self, f: m.Incident | m.Deployment) -> dict[str, Any] | None:
        if f.lat is None or f.lon is None:
            return None
        return self.entity(
            "Address",
            f"{fid(f)}-place",
            {
                "full": f.place or f"{f.lat}, {f.lon}",
                "latitude": f.lat,
                "longitude": f.lon,
                "remarks": f"uncertainty {f.uncertainty_m} m" if f.uncertainty_m else None,
            },
        )

    def _documents(self) -> Iterator[dict[str, Any]]:
        for sha in sorted(self.items):
            item = self.s.get(Item, sha)
            name = self.s.execute(
                select(Source.original_name).where(Source.item_sha256 == sha).order_by(Source.id)
            ).scalar()
            yield self.entity(
                "Document",
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

    def _aliases(self, fact_id: int) -> list[str]:
        return list(
            self.s.execute(
                select(m.Name.name)
                .where(m.Name.fact_id == fact_id, m.Name.is_alias.is_(True))
                .order_by(m.Name.id)
            ).scalars()
        )


def fid(f: m.Fact) -> str:
    return fid_of(f.kind, f.id)


def fid_of(kind: str, fact_id: int) -> str:
    return f"cadena-{kind.replace('_', '-')}-{fact_id}"


def doc_id(sha: str) -> str:
    return f"cadena-item-{sha}"


def validate_ftm(entities: list[dict[str, Any]]) -> None:
    """Check each entity against the followthemoney model; raise naming the first that fails."""
    from followthemoney import model
    from followthemoney.exc import InvalidData

    ids = {e["id"] for e in entities}
    for e in entities:
        schema = model.get(e["schema"])
        if schema is None or schema.abstract:
            raise CadenaError(f"FtM export: {e['schema']} is not a concrete schema ({e['id']}).")
        for name, values in e["properties"].items():
            prop = schema.properties.get(name)
            if prop is None:
                raise CadenaError(f"FtM export: {e['schema']} has no property {name!r}.")
            for v in values:
                if prop.type.clean(v, proxy=None) is None:
                    raise CadenaError(
                        f"FtM export: {v!r} is not a valid {prop.type.name} "
                        f"for {e['schema']}.{name} ({e['id']})."
                    )
                if prop.type.name == "entity" and v not in ids:
                    raise CadenaError(f"FtM export: {e['id']}.{name} points at {v}, not exported.")
        missing = [p for p in schema.required if not e["properties"].get(p)]
        if missing:
            raise CadenaError(f"FtM export: {e['id']} lacks {', '.join(missing)}.")
        try:
            schema.validate(e)  # type: ignore[arg-type]
            model.get_proxy(e, cleaned=False)
        except InvalidData as exc:
            raise CadenaError(f"FtM export: {e['id']} is invalid ({exc.errors}).") from None


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


# -- GeoJSON --------------------------------------------------------------------------------


def geojson(case: Case) -> dict[str, Any]:
    """Incidents and deployments with coordinates (or an area) as one FeatureCollection; each
    feature's `layer` says which, and its `citations` what it rests on."""
    features = []
    with case.session(write=False) as s:
        cites = _citations(s)
        for inc in s.execute(
            select(m.Incident).where(m.Incident.merged_into.is_(None)).order_by(m.Incident.id)
        ).scalars():
            if inc.lat is None or inc.lon is None:
                continue
            features.append(
                _feature(
                    inc,
                    {"type": "Point", "coordinates": [inc.lon, inc.lat]},
                    "incident",
                    cites,
                    {
                        "title": inc.title,
                        "incident_kind": inc.incident_kind,
                        "place": inc.place,
                        "killed": inc.killed,
                        "injured": inc.injured,
                        "detained": inc.detained,
                        "uncertainty_m": inc.uncertainty_m,
                    },
                )
            )
        for d in s.execute(
            select(m.Deployment).where(m.Deployment.merged_into.is_(None)).order_by(m.Deployment.id)
        ).scalars():
            geometry = d.area or (
                {"type": "Point", "coordinates": [d.lon, d.lat]}
                if d.lat is not None and d.lon is not None
                else None
            )
            if geometry is None:
                continue
            unit = s.get(m.Unit, d.unit_id)
            features.append(
                _feature(
                    d,
                    geometry,
                    "deployment",
                    cites,
                    {
                        "unit": unit.name if unit else None,
                        "unit_id": d.unit_id,
                        "place": d.place,
                        "operation": d.operation,
                        "uncertainty_m": d.uncertainty_m,
                    },
                )
            )
    return {"type": "FeatureCollection", "features": features}


def _feature(
    f: m.Fact,
    geometry: dict[str, Any],
    layer: str,
    cites: dict[int, list[dict[str, Any]]],
    props: dict[str, Any],
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid(f),
        "geometry": geometry,
        "properties": {
            "layer": layer,
            "fact_id": f.id,
            "key": f.key,
            "start": f.start_date,
            "end": f.end_date,
            "first_cited": f.first_cited,
            "last_cited": f.last_cited,
            "confidence": f.confidence,
            "assumption": f.assumption,
            **props,
            "citations": cites.get(f.id, []),
        },
    }


def _citations(s: Session) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in s.execute(select(m.Citation).order_by(m.Citation.id)).scalars():
        out[c.fact_id].append(
            {
                "item": c.item_sha256,
                "locator": c.locator,
                "quote": c.quote,
                "reference": c.reference,
            }
        )
    return out


def export_geojson(case: Case, out: str | Path) -> int:
    data = geojson(case)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(data["features"])


# -- flat CSV -------------------------------------------------------------------------------------


def export_csv(case: Case, out: str | Path, *, include_sensitive: bool = False) -> list[Path]:
    """`facts.csv` (one row a fact: id, kind, key, what it states, dates, confidence, assumption)
    and `citations.csv`; `victim_identities.csv` only when `include_sensitive`."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "facts.csv", folder / "citations.csv"]
    with case.session(write=False) as s:
        with written[0].open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(
                [
                    "fact_id",
                    "kind",
                    "key",
                    "statement",
                    "start",
                    "end",
                    "first_cited",
                    "last_cited",
                    "confidence",
                    "assumption",
                    "merged_into",
                ]
            )
            for fact in s.execute(select(m.Fact).order_by(m.Fact.id)).scalars():
                w.writerow(
                    [
                        fact.id,
                        fact.kind,
                        fact.key,
                        describe(s, fact),
                        fact.start_date,
                        fact.end_date,
                        fact.first_cited,
                        fact.last_cited,
                        fact.confidence,
                        fact.assumption,
                        fact.merged_into,
                    ]
                )
        with written[1].open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["fact_id", "item_sha256", "locator", "quote", "reference"])
            for c in s.execute(select(m.Citation).order_by(m.Citation.id)).scalars():
                w.writerow(
                    [c.fact_id, c.item_sha256, canonical_json(c.locator), c.quote, c.reference]
                )
        if include_sensitive:
            written.append(folder / "victim_identities.csv")
            with written[2].open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["victim_fact_id", "name", "contact", "note"])
                for v in s.execute(
                    select(m.VictimIdentity).order_by(m.VictimIdentity.victim_id)
                ).scalars():
                    w.writerow([v.victim_id, v.name, v.contact, v.note])
    return written
