"""Gather a case into the dossier's data model: the facts to draw (incidents, deployments, the
timeline), the findings the analysis returns (never recomputed here), the evidence register, and
the integrity of the vault.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena import __version__
from cadena.analysis.findings import Analysis
from cadena.facts import models as m
from cadena.facts.citations import Cite, describe_locator
from cadena.facts.queries import citations_for, span_of
from cadena.publish.dossier import gather
from cadena.publish.dossier.model import (
    Block,
    CiteRef,
    DeploymentView,
    Dossier,
    Event,
    FindingView,
    IncidentView,
    RegisterRow,
    UnitEdge,
    UnitNode,
)
from cadena.vault.case import Case
from cadena.vault.models import Item, Source
from cadena.vault.verify import verify
from cadena.verify.models import ItemStatus

# Source fields the register shows; consent and notes stay in the vault (they may be sensitive).
SOURCE_FIELDS = (
    "original_name",
    "url",
    "platform",
    "account",
    "posted_at",
    "collected_by",
    "collected_at",
    "method",
)


class Numbering:
    """Numbers citations (one number per distinct fact, item, locator and quote) and findings,
    in the order the dossier first shows them."""

    def __init__(self) -> None:
        self.cites: dict[tuple[int, str, str, str | None], CiteRef] = {}
        self.findings = 0

    def cite(self, fact_id: int, c: Cite) -> CiteRef:
        key = (fact_id, c.item, json.dumps(c.locator, sort_keys=True), c.quote)
        if key not in self.cites:
            self.cites[key] = CiteRef(
                len(self.cites) + 1, fact_id, c.item, describe_locator(c.locator), c.quote
            )
        return self.cites[key]

    def block(self, section: str, heading: str, analysis: Analysis) -> Block:
        views = []
        for f in analysis.findings:
            self.findings += 1
            views.append(
                FindingView(self.findings, f, tuple(self.cite(fid, c) for fid, c in f.citations))
            )
        return Block(section, heading, analysis.subject, views, analysis.read, analysis.summary)


def build(case: Case, *, check_integrity: bool = True) -> Dossier:
    """Read the case (never write it) into a `Dossier`."""
    numbering = Numbering()
    with case.session(write=False) as s:
        incidents = _incidents(s, numbering)
        ran = gather.run(s, [i.fact_id for i in incidents])
        blocks = _blocks(ran, incidents, numbering)
        deployments = _deployments(s)
        events = _events(s)
        register = _register(s, list(numbering.cites.values()))
    readings = [b.read for bl in blocks.values() for b in bl if b.read is not None]
    frameworks = {json.dumps(f, sort_keys=True): f for r in readings for f in r.frameworks}
    return Dossier(
        case_name=case.config.name,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        cadena_version=__version__,
        incidents=incidents,
        deployments=deployments,
        events=events,
        register=register,
        citations=sorted(numbering.cites.values(), key=lambda c: c.n),
        blocks=blocks,
        integrity=_integrity(case) if check_integrity else {"checked": False},
        facts_sha256=readings[0].facts_sha256 if readings else None,
        frameworks=list(frameworks.values()),
        fact_count=len(readings[0].fact_ids) if readings else 0,
        refused=ran.refused,
    )


def _live(s: Session, cls: type[Any]) -> list[Any]:
    return list(s.execute(select(cls).where(cls.merged_into.is_(None)).order_by(cls.id)).scalars())


def _when(f: m.Fact) -> str | None:
    sp = span_of(f)
    first, last = sp.start or sp.first_cited, sp.end or sp.last_cited
    if first and last and first != last:
        a, b = str(first), str(last)
        if a[:10] == b[:10] and "T" in a and "T" in b:  # the same day: say it once
            return f"{a[:10]} {a[11:]}–{b[11:]}"
        return f"{a} – {b}"
    found = first or last
    return str(found) if found else None


def _incidents(s: Session, numbering: Numbering) -> list[IncidentView]:
    rows = _live(s, m.Incident)
    cites = citations_for(s, [r.id for r in rows])
    rows.sort(key=lambda r: (r.lo_key or r.first_cited or "9999", r.id))
    return [
        IncidentView(
            fact_id=r.id,
            key=r.key,
            title=r.title,
            kind=r.incident_kind,
            when=_when(r),
            place=r.place,
            lat=r.lat,
            lon=r.lon,
            uncertainty_m=r.uncertainty_m,
            killed=r.killed,
            injured=r.injured,
            detained=r.detained,
            description=r.description,
            confidence=r.confidence,
            cites=[numbering.cite(r.id, c) for c in cites.get(r.id, [])],
        )
        for r in rows
    ]


def _blocks(
    ran: gather.Ran, incidents: list[IncidentView], numbering: Numbering
) -> dict[str, list[Block]]:
    """Number every finding in the order the dossier shows them, and hang each incident's chain
    (and the org chart drawn from it) on the incident."""
    by_id = {i.fact_id: i for i in incidents}
    out: dict[str, list[Block]] = defaultdict(list)
    for section, heading, analysis in ran.analyses:
        block = numbering.block(section, heading, analysis)
        out[section].append(block)
        if section == "chain":
            inc = by_id.get(int(analysis.subject.get("incident", -1)))
            if inc is not None:
                inc.chain = block
                _orgchart(inc, block, ran.unit_names)
    return dict(out)


def _orgchart(inc: IncidentView, block: Block, names: dict[int, str]) -> None:
    """The units and links of an incident's chain, read off its findings (not recomputed)."""
    attributed: set[int] = set()
    commanders: dict[int, list[tuple[int, str]]] = defaultdict(list)
    order: list[int] = []
    for fv in block.findings:
        f, d = fv.finding, fv.finding.data
        if f.kind == "attribution" and d.get("unit") is not None:
            attributed.add(d["unit"])
            order.append(d["unit"])
        elif f.kind == "link":
            order += [d["child"], d["parent"]]
            inc.edges.append(UnitEdge(d["child"], d["parent"], d.get("line", ""), fv.n))
        elif f.kind == "commander" and d.get("unit") is not None:
            who = (d["person"], names.get(d["person"], f"#{d['person']}"))
            if who not in commanders[d["unit"]]:
                commanders[d["unit"]].append(who)
            order.append(d["unit"])
        elif f.kind == "no_commander" and d.get("unit") is not None:
            order.append(d["unit"])
    inc.units = [
        UnitNode(
            u,
            names.get(u, f"#{u}"),
            u in attributed,
            tuple(commanders.get(u, ())),
            bool(commanders.get(u)),
        )
        for u in dict.fromkeys(order)
    ]


def _deployments(s: Session) -> list[DeploymentView]:
    names = {u.id: u.name for u in _live(s, m.Unit)}
    return [
        DeploymentView(
            d.id,
            names.get(d.unit_id, f"#{d.unit_id}"),
            d.place,
            d.lat,
            d.lon,
            d.uncertainty_m,
            d.area,
            d.operation,
            _when(d),
        )
        for d in _live(s, m.Deployment)
    ]


def _start_end(f: m.Fact) -> tuple[datetime | None, datetime | None]:
    sp = span_of(f)
    first = sp.start or sp.first_cited or sp.end or sp.last_cited
    last = sp.end or sp.last_cited
    return (first.lo() if first else None), (last.hi() if last else None)


def _events(s: Session) -> list[Event]:
    """The facts the timeline draws, each at the earliest date on record for it."""
    out: list[Event] = []
    for inc in _live(s, m.Incident):
        start, _ = _start_end(inc)
        if start:
            weight = (inc.killed or 0) + (inc.injured or 0)
            out.append(
                Event("incident", inc.incident_kind, inc.id, inc.title, start, weight=weight)
            )
    for o in _live(s, m.Order):
        start, end = _start_end(o)
        if start:
            kind = "renewal" if o.renews_id and o.order_kind == "plan" else o.order_kind
            out.append(
                Event(
                    "order",
                    kind,
                    o.id,
                    o.title,
                    start,
                    end if end and end > start else None,
                    open_ended=o.end_date is None and o.last_cited is None,
                    renews=o.renews_id,
                )
            )
    notice = [
        (m.Communication, "communication_kind", "summary"),
        (m.Meeting, None, "subject"),
        (m.Statement, "statement_kind", "summary"),
        (m.Measure, "measure_kind", "summary"),
    ]
    for cls, kind_attr, text_attr in notice:
        lane = "measure" if cls is m.Measure else "notice"
        for f in _live(s, cls):
            start, _ = _start_end(f)
            if start:
                kind = getattr(f, kind_attr) if kind_attr else "meeting"
                out.append(Event(lane, kind, f.id, getattr(f, text_attr) or kind, start))
    return sorted(out, key=lambda e: (e.start, e.fact_id))


def _register(s: Session, cites: list[CiteRef]) -> list[RegisterRow]:
    """Every item of the case (cited or not), with its sources and verification status."""
    by_item: dict[str, list[int]] = defaultdict(list)
    for c in cites:
        by_item[c.item].append(c.n)
    sources: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for src in s.execute(select(Source).order_by(Source.id)).scalars():
        sources[src.item_sha256].append(
            {k: getattr(src, k) for k in SOURCE_FIELDS if getattr(src, k)}
        )
    status = dict(s.execute(select(ItemStatus.item_sha256, ItemStatus.status)).all())
    return [
        RegisterRow(
            i.sha256,
            i.kind,
            i.media_type,
            i.size,
            i.added_at,
            tuple(sources.get(i.sha256, ())),
            status.get(i.sha256, "unverified"),
            tuple(sorted(by_item.get(i.sha256, ()))),
        )
        for i in s.execute(select(Item).order_by(Item.added_at, Item.sha256)).scalars()
    ]


def _integrity(case: Case) -> dict[str, Any]:
    """`cadena verify` at the moment of writing: re-hash every blob and walk the custody chain."""
    report = verify(case)
    return {
        "checked": True,
        "clean": report.clean,
        "counts": report.counts,
        "problems": [f"{f.kind}: {f.detail}" for f in report.findings][:20],
        "problem_count": len(report.findings),
    }
