"""Gaps: for every element with no evidence, and every hole in a chain, what would fill it, as a
request a researcher can send.

Reads the elements matrix of the whole case (every superior of every dated incident, every
framework that applies), the chains (units with no commander on record) and the incidents (no
date, no unit attributed). Each gap is a finding whose statement is the request, resting on the
facts that made the question arise.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cadena.analysis.elements import NO_EVIDENCE, Matrix, all_rows, matrix
from cadena.analysis.findings import Analysis, Finding, finding
from cadena.analysis.frameworks import Framework
from cadena.analysis.snapshot import days_after
from cadena.facts import models as m
from cadena.facts.queries import deployed


def element_gaps(rows: list[Finding]) -> list[Finding]:
    """One gap per distinct request (the same request from two frameworks is one gap, naming
    both)."""
    by_request: dict[tuple[int, int, str], list[Finding]] = {}
    for r in rows:
        if r.status == NO_EVIDENCE and r.data.get("request"):
            key = (r.data["person"], r.data["incident"], r.data["request"]["en"])
            by_request.setdefault(key, []).append(r)
    out = []
    for (pid, iid, _), group in by_request.items():
        first = group[0]
        req = first.data["request"]
        elements = [f"{g.framework}:{g.data['element']}" for g in group]
        out.append(
            finding(
                "gap",
                req["en"][0].upper() + req["en"][1:] + ".",
                req["es"][0].upper() + req["es"][1:] + ".",
                first.rests_on,
                assumptions=first.assumptions,
                data={"person": pid, "incident": iid, "elements": elements, "about": "element"},
            )
        )
    return out


def analyze_gaps(s: Session, frameworks: list[Framework] | None = None) -> Analysis:
    """`cadena analyze gaps`: every request that would fill a hole in the record."""
    mx = matrix(s, frameworks)
    snap = mx.snap
    gaps: list[Finding] = []
    for iid in mx.chains.undated:
        inc = snap.facts[iid]
        gaps.append(
            finding(
                "gap",
                f"Incident {snap.name(iid)!r} has no date on record, so no chain can be drawn; "
                "find its date (witness statements, the footage's metadata, press reports).",
                f"El incidente {snap.name(iid)!r} no tiene fecha registrada; buscar su fecha "
                "(testimonios, metadatos del material, prensa).",
                snap.grounds([inc.id]),
                data={"incident": iid, "about": "incident_date"},
            )
        )
    for iid in sorted(mx.chains.by_incident):
        gaps.extend(_chain_gaps(s, mx, iid))
    gaps.extend(element_gaps(all_rows(mx)))
    return Analysis(
        "gaps",
        {"case": True},
        tuple(gaps),
        snap.reading(f.reading() for f in mx.frameworks),
        {"gaps": len(gaps)},
    )


def _chain_gaps(s: Session, mx: Matrix, iid: int) -> list[Finding]:
    snap, ch = mx.snap, mx.chains.by_incident[iid]
    inc = ch.incident
    out = []
    start = snap.when(inc)
    assert start is not None
    if not ch.attributed_units:
        hints = _deployed_near(s, inc, start)
        hint_en = f" Units on record there then: {', '.join(hints)}." if hints else ""
        hint_es = f" Unidades registradas allí entonces: {', '.join(hints)}." if hints else ""
        out.append(
            finding(
                "gap",
                f"No unit is attributed for {inc.title!r} ({start}); ask for the deployment "
                f"orders and the radio logs for {inc.place or 'the place'} on {start}.{hint_en}",
                f"Ninguna unidad tiene atribuido {inc.title!r} ({start}); solicitar las órdenes de "
                f"despliegue y los registros de radio de {inc.place or 'el lugar'} del {start}."
                f"{hint_es}",
                snap.grounds([inc.id]),
                data={"incident": iid, "about": "attribution"},
            )
        )
    for f in ch.findings:
        if f.kind == "no_commander":
            unit = snap.name(f.data["unit"])
            until = days_after(start, 1)
            out.append(
                finding(
                    "gap",
                    f"No record of who commanded {unit} on {start}; ask for the appointment and "
                    f"hand-over records of the command of {unit} in force between {start} and "
                    f"{until}.",
                    f"No consta quién comandaba {unit} el {start}; solicitar los nombramientos y "
                    f"actas de relevo del mando de {unit} vigentes entre el {start} y el {until}.",
                    f.rests_on,
                    assumptions=f.assumptions,
                    data={"incident": iid, "unit": f.data["unit"], "about": "commander"},
                )
            )
    return out


def _deployed_near(s: Session, inc: m.Incident, start: object) -> list[str]:
    if inc.lat is None or inc.lon is None:
        return []
    ans = deployed(s, None, str(start), near=(inc.lat, inc.lon), radius_m=1000.0)
    return sorted({h.unit.name for h in ans.hits})
