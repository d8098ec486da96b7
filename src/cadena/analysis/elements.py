"""The elements matrix: for each superior and incident, per framework, one row per element with
its status (supported, contested, no_evidence), the indicators that fired and what they rest on.

Rules (docs/analysis.md): a row is *supported* when an indicator for it fired and none against;
*contested* when indicators fired both for and against (contradicting facts are shown, never
resolved); *no_evidence* when nothing for it fired (any evidence against is still listed, and the
row carries the request that would fill it). A framework applies to a superior by the force of the
unit they commanded; where that is itself an assumption (a police commander under art. 28(a)),
the framework's words for it are added to every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cadena.analysis.findings import Analysis, Finding, Ground, finding
from cadena.analysis.frameworks import Element, Framework, load_frameworks
from cadena.analysis.indicators import RULES, Ctx, Hit, catalogue
from cadena.analysis.notice import Chains, NoticeEvent, notice_events
from cadena.analysis.snapshot import Snapshot, days_after
from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.resolve import candidates
from cadena.facts.time import PartialDate

SUPPORTED, CONTESTED, NO_EVIDENCE = "supported", "contested", "no_evidence"
STATUS_WORDS = {
    SUPPORTED: ("supported", "sustentado"),
    CONTESTED: ("contested", "controvertido"),
    NO_EVIDENCE: ("no evidence", "sin evidencia"),
}


@dataclass
class Matrix:
    snap: Snapshot
    chains: Chains
    frameworks: list[Framework]
    _events: dict[int, list[NoticeEvent]] = field(default_factory=dict)

    def events(self, person: int) -> list[NoticeEvent]:
        if person not in self._events:
            self._events[person] = notice_events(self.snap, self.chains, person)
        return self._events[person]


def rows_for(mx: Matrix, person: int, incident: int) -> list[Finding]:
    """Every element row of every framework that applies, for one superior and one incident."""
    ch = mx.chains.by_incident[incident]
    sup = ch.superiors.get(person)
    if sup is None:
        return []
    ctx = Ctx(mx.snap, mx.chains, person, ch, mx.events(person))
    forces = {r.force for r in sup.roles if r.force}
    cache: dict[str, list[Hit]] = {}

    def hits(ind: str) -> list[Hit]:
        if ind not in cache:
            cache[ind] = RULES[ind](ctx)
        return cache[ind]

    out = []
    for fw in mx.frameworks:
        if not forces & fw.forces:
            continue
        assumed = [fw.assumption[f] for f in sorted(forces & fw.forces) if f in fw.assumption]
        for el in fw.elements:
            out.append(_row(ctx, fw, el, hits, assumed))
    return out


def _row(
    ctx: Ctx, fw: Framework, el: Element, hits: Callable[[str], list[Hit]], assumed: list[str]
) -> Finding:
    pro = [h for ind in el.indicators for h in hits(ind)]
    con = [h for ind in el.against for h in hits(ind)]
    ctxt = [h for ind in el.context for h in hits(ind)]
    status = CONTESTED if pro and con else SUPPORTED if pro else NO_EVIDENCE
    who, inc = ctx.snap.name(ctx.person), ctx.incident.title
    word_en, word_es = STATUS_WORDS[status]
    fired_en = "; ".join(dict.fromkeys(_name(h.indicator, "en") for h in pro + con))
    fired_es = "; ".join(dict.fromkeys(_name(h.indicator, "es") for h in pro + con))
    en = f"{fw.title.en} — {el.title.en}: {word_en} for {who}, {inc!r}"
    es = f"{fw.title.es} — {el.title.es}: {word_es} para {who}, {inc!r}"
    if fired_en:
        en, es = f"{en} ({fired_en}).", f"{es} ({fired_es})."
    else:
        en, es = f"{en}: nothing on record supports it.", f"{es}: nada en el registro lo sustenta."
    grounds: list[Ground] = [g for h in pro + con for g in h.grounds]
    if not grounds:  # the row still rests on what made them a superior for this incident
        grounds = [g for r in ctx.roles for g in r.grounds]
    request = _request(ctx, el) if status == NO_EVIDENCE else None
    return finding(
        "element",
        en,
        es,
        grounds,
        assumptions=[*assumed, *(a for h in pro + con for a in h.assumptions)],
        framework=fw.id,
        framework_version=fw.version,
        status=status,
        data={
            "person": ctx.person,
            "person_name": who,
            "incident": ctx.incident.id,
            "incident_title": inc,
            "element": el.id,
            "title": el.title.as_dict(),
            "for": [_hit_dict(h) for h in pro],
            "against": [_hit_dict(h) for h in con],
            "context": [_hit_dict(h) for h in ctxt],
            "request": request,
        },
    )


def _name(indicator: str, lang: str) -> str:
    return str(catalogue()["indicators"].get(indicator, {}).get(lang, indicator))


def _hit_dict(h: Hit) -> dict[str, object]:
    return {
        "indicator": h.indicator,
        "text": {"en": h.en, "es": h.es},
        "facts": sorted({g.fact_id for g in h.grounds}),
        "assumptions": h.assumptions,
    }


def request_vars(ctx: Ctx) -> dict[str, str]:
    """The words a framework's request template may use."""
    commander_roles = [r for r in ctx.roles if r.post_id is not None]
    role = min(commander_roles, key=lambda r: r.depth) if commander_roles else None
    post = ctx.snap.get(m.Post, role.post_id) if role else None
    # requests name days: an archive is asked for a day's reports, not a minute's
    start = ctx.start
    if start.day is not None:
        start = PartialDate(start.year, start.month, start.day)
    first = ctx.first_before()
    units = ", ".join(ctx.snap.name(u) for u in ctx.chain.attributed_units) or "the unit"
    return {
        "person": ctx.snap.name(ctx.person),
        "post": ctx.snap.post_label(post) if post else "their post",
        "unit": ctx.snap.name(role.unit_id) if role else units,
        "attributed_unit": units,
        "incident": repr(ctx.incident.title),
        "date": str(start),
        "date_plus_3": str(days_after(start, 3)),
        "date_plus_30": str(days_after(start, 30)),
        "date_minus_30": str(days_after(start, -30)),
        "first_notice": str(first.date)[:10] if first and first.date else str(start),
    }


def _request(ctx: Ctx, el: Element) -> dict[str, str]:
    values = request_vars(ctx)
    try:
        return {"en": el.request.en.format(**values), "es": el.request.es.format(**values)}
    except (KeyError, IndexError) as exc:
        raise CadenaError(
            f"The request of element {el.id!r} uses {exc}, which is not one of "
            f"{', '.join('{' + k + '}' for k in values)}."
        ) from None


def matrix(s: Session, frameworks: list[Framework] | None = None) -> Matrix:
    snap = Snapshot(s)
    return Matrix(
        snap, Chains(s, snap), frameworks if frameworks is not None else load_frameworks()
    )


def all_rows(mx: Matrix) -> list[Finding]:
    """Every superior of every incident, every framework: the whole matrix of the case."""
    rows = []
    for iid, ch in sorted(mx.chains.by_incident.items()):
        for pid in sorted(ch.superiors):
            rows.extend(rows_for(mx, pid, iid))
    return rows


def analyze_elements(
    s: Session,
    ref: str | int,
    frameworks: list[Framework] | None = None,
    *,
    mx: Matrix | None = None,
) -> Analysis:
    """`cadena analyze elements PERSON|INCIDENT`: the rows for one superior (every incident they
    were a superior for) or for one incident (every superior in its chain). `mx`: a matrix
    already built in this session (its frameworks are used)."""
    kind, fid = _subject(s, ref)
    mx = mx or matrix(s, frameworks)
    rows: list[Finding] = []
    if kind == "incident":
        if fid not in mx.chains.by_incident:
            raise CadenaError(f"Incident #{fid} has no date on record; add it first.")
        for pid in sorted(mx.chains.by_incident[fid].superiors):
            rows.extend(rows_for(mx, pid, fid))
    else:
        for ch in mx.chains.under(fid):
            rows.extend(rows_for(mx, fid, ch.incident.id))
    counts = {k: sum(1 for r in rows if r.status == k) for k in STATUS_WORDS}
    return Analysis(
        "elements",
        {kind: fid, "name": mx.snap.name(fid)},
        tuple(rows),
        mx.snap.reading(f.reading() for f in mx.frameworks),
        {"rows": len(rows), "by_status": counts},
    )


def _subject(s: Session, ref: str | int) -> tuple[str, int]:
    hits = [(k, i) for k in ("incident", "person") for i in candidates(s, k, ref)]
    if not hits:
        raise CadenaError(f"No incident or person in this case is called {ref!r}.")
    if len(hits) > 1:
        listing = "; ".join(f"{k} #{i}" for k, i in hits)
        raise CadenaError(f"{ref!r} names several: {listing}. Give the id (#N) or the key.")
    return hits[0]
