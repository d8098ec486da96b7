"""Pattern indicators across the case, each declared in patterns.yaml with its parameters.

Every pattern is one rule over the facts; each hit is a finding naming the facts it rests on. A
pattern says that facts on record line up in a way investigators look for; it is not a
conclusion about anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from cadena.analysis.findings import Analysis, Finding, es_kind, finding
from cadena.analysis.indicators import order_labels
from cadena.analysis.notice import Chains
from cadena.analysis.snapshot import Snapshot, days_after
from cadena.facts import models as m
from cadena.facts.names import fold
from cadena.facts.time import PartialDate

DATA = Path(__file__).with_name("patterns.yaml")


@cache
def declared() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


Rule = Callable[[Snapshot, Chains, dict[str, Any]], list[Finding]]
RULES: dict[str, Rule] = {}


def rule(fn: Rule) -> Rule:
    RULES[fn.__name__] = fn
    return fn


def _pattern(name: str, en: str, es: str, snap: Snapshot, ids: list[int], **data: Any) -> Finding:
    return finding("pattern", en, es, snap.grounds(ids), data={"pattern": name, **data})


def _lethal(
    snap: Snapshot, chains: Chains, min_killed: int
) -> list[tuple[m.Incident, PartialDate]]:
    out = []
    for _iid, ch in sorted(chains.by_incident.items()):
        inc = ch.incident
        start = snap.when(inc)
        if start is not None and (inc.killed or 0) >= min_killed:
            out.append((inc, start))
    return out


def _attribution_ids(snap: Snapshot, iid: int) -> list[int]:
    return [a.id for a in snap.about_incident(iid, m.Attribution)]


def _heads(chains: Chains, iid: int) -> set[int]:
    ch = chains.by_incident[iid]
    return {
        pid
        for pid, sup in ch.superiors.items()
        if any(r.kind == "commander" and r.depth == 0 for r in sup.roles)
    }


@rule
def redeployed_after_deaths(snap: Snapshot, chains: Chains, p: dict[str, Any]) -> list[Finding]:
    out = []
    for inc, start in _lethal(snap, chains, p["min_killed"]):
        units = set(chains.by_incident[inc.id].attributed_units)
        heads = _heads(chains, inc.id)
        until = days_after(start, p["window_days"]).hi()
        later: list[tuple[m.Fact, str, str, list[int]]] = []
        for d in snap.all(m.Deployment):
            w = snap.when(d)
            if d.unit_id in units and w and start.hi() < w.lo() <= until:
                name = snap.name(d.unit_id)
                later.append(
                    (
                        d,
                        f"{name} deployed at {d.place} on {w}",
                        f"{name} desplegado en {d.place} el {w}",
                        [d.id],
                    )
                )
        for iid, ch in sorted(chains.by_incident.items()):
            w = snap.when(ch.incident)
            if iid == inc.id or w is None or not (start.hi() < w.lo() <= until):
                continue
            who = sorted(units & set(ch.attributed_units)) + sorted(heads & _heads(chains, iid))
            if who:
                names = ", ".join(snap.name(x) for x in who)
                later.append(
                    (
                        ch.incident,
                        f"{names} acted again in {ch.incident.title!r} ({w})",
                        f"{names} volvió a actuar en {ch.incident.title!r} ({w})",
                        [iid, *_attribution_ids(snap, iid)],
                    )
                )
        for fact, words, words_es, ids in later:
            out.append(
                _pattern(
                    "redeployed_after_deaths",
                    f"After {inc.title!r} ({start}, {inc.killed} killed): {words}.",
                    f"Tras {inc.title!r} ({start}, {inc.killed} muertos): {words_es}.",
                    snap,
                    [inc.id, *_attribution_ids(snap, inc.id), *ids],
                    incident=inc.id,
                    later=fact.id,
                )
            )
    return out


@rule
def lethal_plan_renewed_after_deaths(
    snap: Snapshot, chains: Chains, p: dict[str, Any]
) -> list[Finding]:
    out = []
    lethal = _lethal(snap, chains, p["min_killed"])
    for o in snap.all(m.Order):
        w = snap.when(o)
        if not (o.renews_id or o.order_kind == "renewal") or not o.firearms_authorised or not w:
            continue
        units = snap.order_units.get(o.id, set())
        before = [
            inc
            for inc, start in lethal
            if start.hi() < w.lo() and units & set(chains.by_incident[inc.id].attributed_units)
        ]
        if before:
            names = ", ".join(f"{i.title!r}" for i in before)
            out.append(
                _pattern(
                    "lethal_plan_renewed_after_deaths",
                    f"{o.title!r} ({w}) renewed firearms authorisation after deaths in {names}.",
                    f"{o.title!r} ({w}) renovó la autorización de armas de fuego tras muertes "
                    f"en {names}.",
                    snap,
                    [o.id, *(i.id for i in before)],
                    order=o.id,
                    incidents=[i.id for i in before],
                )
            )
    return out


def _about(snap: Snapshot, fact: m.Fact, *roles: str) -> set[int]:
    return {p.person_id for p in snap.parties_of(fact.id, *roles) if p.person_id}


@rule
def rewarded_after_lethal_operation(
    snap: Snapshot, chains: Chains, p: dict[str, Any]
) -> list[Finding]:
    out = []
    lethal = _lethal(snap, chains, p["min_killed"])
    rewards: list[tuple[m.Fact, str, set[int]]] = [
        (ms, ms.measure_kind, _about(snap, ms, "about"))
        for ms in snap.all(m.Measure)
        if ms.measure_kind in p["measures"]
    ] + [
        (st, st.statement_kind, _about(snap, st, "speaker", "about"))
        for st in snap.all(m.Statement)
        if st.statement_kind in p["statements"]
    ]
    for fact, kind, people in rewards:
        w = snap.when(fact)
        if w is None:
            continue
        for pid in sorted(people):
            near = [
                inc
                for inc, start in lethal
                if pid in chains.by_incident[inc.id].superiors
                and start.lo() <= w.lo() <= days_after(start, p["days"]).hi()
            ]
            if near:
                names = ", ".join(f"{i.title!r}" for i in near)
                out.append(
                    _pattern(
                        "rewarded_after_lethal_operation",
                        f"{kind.capitalize()} ({w}) concerning {snap.name(pid)}, a superior in "
                        f"{names}, within {p['days']} days.",
                        f"{es_kind(kind).capitalize()} ({w}) relativo a {snap.name(pid)}, superior "
                        f"en {names}, dentro "
                        f"de {p['days']} días.",
                        snap,
                        [fact.id, *(i.id for i in near)],
                        person=pid,
                        fact=fact.id,
                        incidents=[i.id for i in near],
                    )
                )
    return out


@rule
def disciplinary_archived_or_minor(
    snap: Snapshot, chains: Chains, p: dict[str, Any]
) -> list[Finding]:
    terms = [fold(t) for t in p["minor_terms"]]
    out = []
    for ms in snap.all(m.Measure):
        minor = ms.measure_kind == "disciplinary_sanctioned" and any(
            t in fold(ms.summary or "") for t in terms
        )
        if ms.measure_kind == "disciplinary_archived" or minor:
            what = "archived" if not minor else f"minor sanction ({ms.summary})"
            what_es = "archivado" if not minor else f"sanción menor ({ms.summary})"
            about = f" about {snap.name(ms.incident_id)!r}" if ms.incident_id else ""
            out.append(
                _pattern(
                    "disciplinary_archived_or_minor",
                    f"Disciplinary case{about} {what} on {snap.when(ms)}.",
                    f"Expediente disciplinario{about.replace(' about', ' sobre')} {what_es} el "
                    f"{snap.when(ms)}.",
                    snap,
                    [ms.id],
                    measure=ms.id,
                )
            )
    return out


@rule
def shooting_despite_warnings(snap: Snapshot, chains: Chains, p: dict[str, Any]) -> list[Finding]:
    out = []
    for inc in snap.all(m.Incident):
        sp = snap.span(inc)
        if not (sp.start and sp.end and sp.start.hour is not None and sp.end.hour is not None):
            continue
        hours = (sp.end.hi() - sp.start.lo()).total_seconds() / 3600
        if hours < p["min_hours"]:
            continue
        for c in snap.all(m.Communication):
            w = snap.when(c)
            timed = w is not None and w.hour is not None
            if c.communication_kind not in p["warning_kinds"] or not timed or w is None:
                continue
            if c.incident_id in (None, inc.id) and sp.start.lo() <= w.lo() <= sp.end.hi():
                left = (sp.end.hi() - w.lo()).total_seconds() / 3600
                out.append(
                    _pattern(
                        "shooting_despite_warnings",
                        f"{inc.title!r} went on for {hours:.1f} hours; a "
                        f"{c.communication_kind.replace('_', ' ')} at {w} came {left:.1f} hours "
                        "before it ended.",
                        f"{inc.title!r} duró {hours:.1f} horas; un(a) "
                        f"{es_kind(c.communication_kind)} a las {w} llegó {left:.1f} horas "
                        "antes del final.",
                        snap,
                        [inc.id, c.id],
                        incident=inc.id,
                        warning=c.id,
                        hours=round(hours, 2),
                    )
                )
    return out


@rule
def dehumanising_labels_in_orders(
    snap: Snapshot, chains: Chains, p: dict[str, Any]
) -> list[Finding]:
    out = []
    for o in snap.all(m.Order):
        words = order_labels(snap, o, p["terms"])
        if words:
            quoted = [c.quote for c in snap.cites.get(o.id, []) if c.quote]
            out.append(
                _pattern(
                    "dehumanising_labels_in_orders",
                    f"{o.title!r} ({snap.when(o)}) labels protesters: {', '.join(words)}.",
                    f"{o.title!r} ({snap.when(o)}) califica a los manifestantes: "
                    f"{', '.join(words)}.",
                    snap,
                    [o.id],
                    order=o.id,
                    words=words,
                    labels=[str(x) for x in o.labels or []],
                    quotes=quoted,
                )
            )
    return out


@rule
def army_brought_in_again(snap: Snapshot, chains: Chains, p: dict[str, Any]) -> list[Finding]:
    forces = set(p["forces"])
    army = {u.id for u in snap.all(m.Unit) if u.force in forces}
    out = []
    for inc, start in _lethal(snap, chains, p["min_killed"]):
        if not army & set(chains.by_incident[inc.id].attributed_units):
            continue
        until = days_after(start, p["window_days"]).hi()
        later: list[m.Fact] = [
            o
            for o in snap.all(m.Order)
            if snap.order_units.get(o.id, set()) & army
            and (w := snap.when(o)) is not None
            and start.hi() < w.lo() <= until
        ] + [
            d
            for d in snap.all(m.Deployment)
            if d.unit_id in army
            and (w := snap.when(d)) is not None
            and start.hi() < w.lo() <= until
        ]
        for f in later:
            what = snap.name(f.id) if isinstance(f, m.Order) else f"deployment at {f.place}"  # type: ignore[attr-defined]
            out.append(
                _pattern(
                    "army_brought_in_again",
                    f"After {inc.title!r} ({start}) by army units, the army was brought in again: "
                    f"{what} ({snap.when(f)}).",
                    f"Tras {inc.title!r} ({start}) por unidades del ejército, este fue convocado "
                    f"de nuevo: {what} ({snap.when(f)}).",
                    snap,
                    [inc.id, *_attribution_ids(snap, inc.id), f.id],
                    incident=inc.id,
                    later=f.id,
                )
            )
    return out


def analyze_patterns(s: Session, only: list[str] | None = None) -> Analysis:
    """`cadena analyze patterns`: every declared pattern over the whole case."""
    snap = Snapshot(s)
    chains = Chains(s, snap)
    spec = declared()
    findings: list[Finding] = []
    counts: dict[str, int] = {}
    for name, decl in spec["patterns"].items():
        if only and name not in only:
            continue
        hits = RULES[name](snap, chains, dict(decl.get("params") or {}))
        counts[name] = len(hits)
        findings.extend(
            Finding(
                f.kind,
                f.statement,
                f.rests_on,
                f.assumptions,
                f.confidence,
                "cadena-patterns",
                str(spec["version"]),
                None,
                f.data,
            )
            for f in hits
        )
    version = {"id": "cadena-patterns", "version": str(spec["version"]), "sha256": _sha()}
    return Analysis(
        "patterns", {"case": True}, tuple(findings), snap.reading([version]), {"by_pattern": counts}
    )


def _sha() -> str:
    import hashlib

    return hashlib.sha256(DATA.read_bytes()).hexdigest()
