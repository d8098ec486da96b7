"""Geolocation records: where an item was filmed, by which method, on which reference images,
and whether that place agrees with the incident the item is linked to.

A record is append-only and logged in custody (`geolocate`). The incident's place is read from
the facts (its coordinates and uncertainty radius); reading a later phase's table here is the one
place `verify` looks at `facts`, because the check DESIGN.md asks for is about both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.verify.geo import Place, agreement
from cadena.verify.models import Geolocation

METHODS = ("landmarks", "signs", "terrain", "satellite", "shadows", "other")


@dataclass(frozen=True)
class Located:
    id: int
    item: str
    place: dict[str, Any]
    methods: list[str]
    reasoning: str
    references: list[str]
    incident: str | None
    created_at: str
    created_by: str
    agreement: dict[str, Any] | None  # with the incident's place, when both are known

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_methods(values: Iterable[str]) -> list[str]:
    asked = [v.strip().lower() for text in values for v in text.split(",") if v.strip()]
    unknown = sorted(set(asked) - set(METHODS))
    if unknown or not asked:
        raise CadenaError(
            f"say how the place was found: one or more of {', '.join(METHODS)}"
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    return [m for m in METHODS if m in asked]


def record(
    case: Case,
    item_ref: str,
    place: Place,
    methods: Iterable[str],
    reasoning: str,
    references: Iterable[str] = (),
    incident: str | None = None,
) -> Located:
    """Record where an item was filmed; refused without reasoning or with unknown references."""
    chosen = parse_methods(methods)
    if not reasoning.strip():
        raise CadenaError("give the reasoning: what in the picture matches what at that place")
    with case.session() as s:
        item = case.resolve_item(s, item_ref)
        refs = [case.resolve_item(s, r).sha256 for r in references]
        if incident is not None:
            incident_place(s, incident)  # refuses an unknown incident before anything is written
        geo = Geolocation(
            item_sha256=item.sha256,
            place=place.to_dict(),
            methods=chosen,
            reasoning=reasoning.strip(),
            references=refs,
            incident=incident,
            created_at=custody.now(),
            created_by=custody.actor(),
        )
        s.add(geo)
        s.flush()
        case.log(
            s,
            "geolocate",
            item.sha256,
            {
                "geolocation": geo.id,
                "place": geo.place,
                "methods": chosen,
                "reasoning": geo.reasoning,
                "references": refs,
                "incident": incident,
            },
        )
        return _located(s, geo)


def geolocations(case: Case, item_ref: str) -> list[Located]:
    with case.session(write=False) as s:
        item = case.resolve_item(s, item_ref)
        rows = s.execute(
            select(Geolocation)
            .where(Geolocation.item_sha256 == item.sha256)
            .order_by(Geolocation.id)
        ).scalars()
        return [_located(s, g) for g in rows]


def incident_place(s: Session, ref: str) -> tuple[str, Place | None]:
    """The incident's title and place (None when the facts give it no coordinates)."""
    from cadena.facts.models import Incident
    from cadena.facts.resolve import resolve

    inc = s.get(Incident, resolve(s, "incident", ref))
    assert inc is not None
    if inc.lat is None or inc.lon is None:
        return inc.title, None
    return inc.title, Place.point(inc.lat, inc.lon, inc.uncertainty_m or 0.0)


def _located(s: Session, g: Geolocation) -> Located:
    agreed = None
    if g.incident is not None:
        title, other = incident_place(s, g.incident)
        if other is None:
            agreed = {"agrees": None, "reason": f"the incident {title!r} has no coordinates yet"}
        else:
            here = Place(tuple((v[0], v[1]) for v in g.place["vertices"]), g.place["radius_m"])
            agreed = {"incident": title, **agreement(here, other).to_dict()}
    return Located(
        g.id,
        g.item_sha256,
        g.place,
        list(g.methods),
        g.reasoning,
        list(g.references),
        g.incident,
        g.created_at,
        g.created_by,
        agreed,
    )
