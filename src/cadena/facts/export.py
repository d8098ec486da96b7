"""Exchange formats out: GeoJSON, flat CSV, and (from `cadena.facts.ftm`) FollowTheMoney;
and `fact_snapshot`, every live fact as plain data, to compare two cases after a round trip.

Victims are never exported here by name; `include_sensitive` only adds identities to the CSV.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.db import canonical_json
from cadena.facts import models as m
from cadena.facts.citations import Cite
from cadena.facts.ftm import export_ftm, fid, ftm_entities, validate_ftm
from cadena.facts.queries import describe
from cadena.vault.case import Case

# FollowTheMoney lives in its own module, both ways; these names stay importable from here.
__all__ = ["export_csv", "export_ftm", "export_geojson", "fact_snapshot", "ftm_entities",
           "validate_ftm"]  # fmt: skip


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
        out[c.fact_id].append(Cite.of_row(c).as_dict())
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


# -- comparing cases --------------------------------------------------------------------------

# Columns that say where a fact sits in one database, not what it states.
_LOCAL = frozenset({"id", "created_at", "merged_into", "lo_key", "hi_key"})


def fact_snapshot(s: Session, *, include_sensitive: bool = False) -> list[dict[str, Any]]:
    """Every live fact as plain data, without database ids: a reference to another fact is that
    fact's kind and key, or (for a fact without a key) its own snapshot. Two cases that hold the
    same facts, with the same citations, dates, confidence, assumptions and notes, give equal
    lists, whatever their ids; what a round trip loses shows up as a difference."""
    return sorted(fact_records(s, include_sensitive=include_sensitive).values(), key=canonical_json)


def fact_records(s: Session, *, include_sensitive: bool = False) -> dict[int, dict[str, Any]]:
    """`fact_snapshot`'s records by fact id."""
    facts: dict[int, Any] = {}
    for model in m.FACT_CLASSES.values():
        for f in s.execute(select(model).where(model.merged_into.is_(None))).scalars():
            facts[f.id] = f
    cites: dict[int, list[str]] = defaultdict(list)
    for c in s.execute(select(m.Citation)).scalars():
        cites[c.fact_id].append(canonical_json([c.item_sha256, c.locator, c.quote, c.reference]))
    names: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for n in s.execute(select(m.Name).order_by(m.Name.id)).scalars():
        names[n.fact_id].append((n.name, n.is_alias))
    extra: dict[int, list[Any]] = defaultdict(list)
    for ou in s.execute(select(m.OrderUnit)).scalars():
        extra[ou.order_id].append(("to_unit", ou.unit_id))
    for p in s.execute(select(m.Party)).scalars():
        extra[p.fact_id].append((p.role, p.person_id or p.unit_id or p.post_id))
    memo: dict[int, Any] = {}

    def ref(fact_id: int | None) -> Any:
        if fact_id is None:
            return None
        f = facts.get(fact_id)
        if f is None:
            return {"missing": fact_id}
        if f.key:
            return [f.kind, f.key]
        return record(f)

    def record(f: Any) -> dict[str, Any]:
        if f.id in memo:
            return memo[f.id]
        out: dict[str, Any] = {}
        for col in sa_inspect(type(f)).columns:
            key = col.key
            if key in _LOCAL:
                continue
            value = getattr(f, key)
            out[key] = ref(value) if key.endswith("_id") else value
        out["citations"] = sorted(cites.get(f.id, []))
        if f.id in names:
            out["names"] = names[f.id]
        if f.id in extra:
            out["linked"] = sorted(canonical_json([r, ref(i)]) for r, i in extra[f.id])
        if include_sensitive and f.kind == "victim":
            ident = s.get(m.VictimIdentity, f.id)
            out["identity"] = [ident.name, ident.contact, ident.note] if ident else None
        memo[f.id] = out
        return out

    return {i: record(f) for i, f in facts.items()}
