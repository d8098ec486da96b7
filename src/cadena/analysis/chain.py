"""The chain of command at the moment of an incident.

Reads: the incident's date, its attributions, the unit links and tenures that held at that moment
(through `cadena.facts.queries.chain`, which names the assumption each one takes), and the orders
in force addressed to the attributed units. Gives, as findings: each attribution; each link up the
administrative and operational lines to the top; each commander then, with the path that makes
them a superior and everything that path rests on; every unit on the way with no commander on
record; the plans in force and the chiefs they name (their issuers).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cadena.analysis.findings import Analysis, Finding, Ground, finding
from cadena.analysis.snapshot import Snapshot
from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.queries import ChainAnswer, Link
from cadena.facts.queries import chain as query_chain
from cadena.facts.resolve import resolve
from cadena.facts.time import Basis, Moment, coverage

LINE_ES = {"administrative": "administrativa", "operational": "operacional", "informal": "informal"}


@dataclass
class Role:
    """Why a person is a superior for an incident: a command post up the chain, or a plan."""

    kind: str  # "commander" | "plan_chief"
    post_id: int | None
    unit_id: int | None  # the unit they commanded (commander) or the attributed unit (plan)
    attributed_unit: int | None
    depth: int
    lines: tuple[str, ...]
    grounds: list[Ground]
    assumptions: list[str]
    force: str | None  # the force of the unit commanded: decides which frameworks apply


@dataclass
class Superior:
    person_id: int
    name: str
    roles: list[Role] = field(default_factory=list)


@dataclass
class IncidentChain:
    incident: m.Incident
    on: Moment
    findings: list[Finding]
    superiors: dict[int, Superior]
    attributed_units: list[int]


def incident_moment(snap: Snapshot, inc: m.Incident) -> Moment:
    on = snap.moment(inc)
    if on is None:
        raise CadenaError(
            f"Incident {inc.title!r} has no date on record; add its date (start, or first cited) "
            "before asking for the chain at that moment."
        )
    return on


def chain_at(s: Session, snap: Snapshot, incident_id: int) -> IncidentChain:
    inc = snap.get(m.Incident, incident_id)
    if inc is None:
        raise CadenaError(f"No incident #{incident_id} in this case.")
    on = incident_moment(snap, inc)
    out = IncidentChain(inc, on, [], {}, [])
    attributions = snap.about_incident(inc.id, m.Attribution)
    for a in attributions:
        out.findings.append(_attribution(snap, inc, a))
        if a.unit_id is not None:
            out.attributed_units.append(a.unit_id)
            _walk_up(s, snap, out, a)
    _plans(snap, out, attributions)
    return out


def _attribution(snap: Snapshot, inc: m.Incident, a: m.Attribution) -> Finding:
    who = ", ".join(snap.name(x) for x in (a.unit_id, a.person_id) if x is not None)
    basis = f" ({a.basis})" if a.basis else ""
    return finding(
        "attribution",
        f"The incident {inc.title!r} is attributed to {who}{basis}.",
        f"El incidente {inc.title!r} se atribuye a {who}{basis}.",
        snap.grounds([a.id, inc.id]),
        data={"incident": inc.id, "unit": a.unit_id, "person": a.person_id, "basis": a.basis},
    )


def _paths(answer: ChainAnswer) -> dict[int, list[Link]]:
    """The shortest run of links from the attributed unit up to each unit of the chain."""
    ups: dict[int, list[Link]] = defaultdict(list)
    for lk in answer.links:
        ups[lk.child.id].append(lk)
    paths: dict[int, list[Link]] = {answer.unit.id: []}
    frontier = [answer.unit.id]
    while frontier:
        nxt = []
        for u in frontier:
            for lk in ups.get(u, []):
                if lk.parent.id not in paths:
                    paths[lk.parent.id] = [*paths[u], lk]
                    nxt.append(lk.parent.id)
        frontier = nxt
    return paths


def _walk_up(s: Session, snap: Snapshot, out: IncidentChain, a: m.Attribution) -> None:
    assert a.unit_id is not None
    answer = query_chain(s, a.unit_id, out.on)
    paths = _paths(answer)
    for lk in answer.links:
        out.findings.append(_link(snap, lk, out.on))
    base = snap.grounds([a.id])
    for node in answer.nodes:
        path = paths.get(node.unit.id, [])
        path_grounds = base + snap.grounds(lk.fact.fact_id for lk in path)
        path_assumed = [lk.assumption for lk in path if lk.basis is not Basis.KNOWN]
        route = " → ".join([answer.unit.name, *(lk.parent.name for lk in path)])
        lines = tuple(sorted({lk.line for lk in path})) or ()
        if not node.commanders.holders:
            out.findings.append(
                finding(
                    "no_commander",
                    node.commanders.note or f"No commander of {node.unit.name} is on record.",
                    f"No consta quién comandaba {node.unit.name} el {out.on}.",
                    path_grounds,
                    assumptions=path_assumed,
                    data={"unit": node.unit.id, "depth": node.depth, "route": route},
                )
            )
        out.findings.extend(_handovers(snap, node.unit.id, out.on, path_grounds, route))
        for h in node.commanders.holders:
            unit = snap.get(m.Unit, node.unit.id)
            grounds = path_grounds + snap.grounds([h.tenure.fact_id, h.post_fact.fact_id])
            assumed = path_assumed + ([h.assumption] if h.basis is not Basis.KNOWN else [])
            role = Role(
                "commander",
                h.post.id,
                node.unit.id,
                a.unit_id,
                node.depth,
                lines,
                grounds,
                assumed,
                unit.force if unit else None,
            )
            _add_superior(out, h.person.id, h.person.name, role)
            out.findings.append(
                _commander(
                    out, h.person.id, h.person.name, h.post.name, node.unit.name, route, role
                )
            )


HANDOVER_DAYS = 7  # a command that ended this close before the incident is worth a look


def _handovers(
    snap: Snapshot, unit_id: int, on: Moment, path: list[Ground], route: str
) -> list[Finding]:
    """Commands of the unit that ended within a week before the incident: not in the chain (the
    known end rules them out), but a hand-over just before is material for an investigator."""
    out = []
    start = on.lo()
    for post in snap.head_posts.get(unit_id, []):
        for t in snap.tenures_of_post.get(post.id, []):
            end = snap.span(t).end
            if end is None or end.hi() >= start:
                continue
            days = (start.date() - end.hi().date()).days
            if days <= HANDOVER_DAYS:
                who, unit = snap.name(t.person_id), snap.name(unit_id)
                out.append(
                    finding(
                        "handover",
                        f"{who}'s command of {unit} ({post.title}) ended on {end}, {days} day(s) "
                        f"before the incident; not in the chain at {on}.",
                        f"El mando de {who} sobre {unit} ({post.title}) terminó el {end}, {days} "
                        f"día(s) antes del incidente; no está en la cadena el {on}.",
                        path + snap.grounds([t.id, post.id]),
                        data={
                            "person": t.person_id,
                            "unit": unit_id,
                            "ended": str(end),
                            "days_before": days,
                            "route": route,
                        },
                    )
                )
    return out


def _commander(
    out: IncidentChain, pid: int, person: str, post: str, unit: str, route: str, role: Role
) -> Finding:
    if role.depth == 0:
        en = (
            f"{person} ({post}, {unit}) commanded the unit the incident is attributed to, "
            f"on {out.on}."
        )
        es = (
            f"{person} ({post}, {unit}) comandaba la unidad a la que se atribuye el incidente "
            f"el {out.on}."
        )
    else:
        lines_en = " and ".join(role.lines)
        lines_es = " y ".join(LINE_ES.get(x, x) for x in role.lines)
        en = (
            f"{person} ({post}, {unit}) was {role.depth} level(s) above the unit the incident is "
            f"attributed to on {out.on} ({lines_en} line: {route})."
        )
        es = (
            f"{person} ({post}, {unit}) estaba {role.depth} nivel(es) por encima de la unidad a la "
            f"que se atribuye el incidente el {out.on} (línea {lines_es}: {route})."
        )
    return finding(
        "commander",
        en,
        es,
        role.grounds,
        assumptions=role.assumptions,
        data={
            "person": pid,
            "post": role.post_id,
            "unit": role.unit_id,
            "attributed_unit": role.attributed_unit,
            "depth": role.depth,
            "lines": list(role.lines),
            "route": route,
        },
    )


def _link(snap: Snapshot, lk: Link, on: Moment) -> Finding:
    return finding(
        "link",
        f"{lk.child.name} was under {lk.parent.name} on the {lk.line} line on {on}.",
        f"{lk.child.name} dependía de {lk.parent.name} en la línea "
        f"{LINE_ES.get(lk.line, lk.line)} el {on}.",
        snap.grounds([lk.fact.fact_id]),
        assumptions=[lk.assumption] if lk.basis is not Basis.KNOWN else [],
        data={"child": lk.child.id, "parent": lk.parent.id, "line": lk.line},
    )


def _add_superior(out: IncidentChain, pid: int, name: str, role: Role) -> None:
    sup = out.superiors.setdefault(pid, Superior(pid, name))
    sup.roles.append(role)


def orders_in_force(snap: Snapshot, unit_ids: list[int], on: Moment) -> list[m.Order]:
    """Orders addressed to any of the units (or named as a deployment's plan) at the moment."""
    wanted = set(unit_ids)
    via_deployment = {
        d.plan_id
        for u in sorted(wanted)
        for d in snap.deployments_of.get(u, [])
        if d.plan_id and coverage(snap.span(d), on)
    }
    candidates = {o.id: o for o in snap.orders_for(wanted)}
    for oid in via_deployment:
        plan = snap.get(m.Order, oid)
        if plan is not None:
            candidates[oid] = plan
    return [
        candidates[i]
        for i in sorted(candidates)
        if coverage(snap.span(candidates[i]), on) is not None
    ]


FIRE = {True: "authorises firearms", False: "forbids firearms", None: "is silent on firearms"}
FIRE_ES = {
    True: "autoriza armas de fuego",
    False: "prohíbe armas de fuego",
    None: "no dice nada de armas de fuego",
}


ORDER_KIND_ES = {
    "plan": "plan",
    "order": "orden",
    "directive": "directiva",
    "instruction": "instrucción",
    "renewal": "prórroga",
    "amendment": "modificación",
    "other": "otro",
}


def _plans(snap: Snapshot, out: IncidentChain, attributions: list[m.Attribution]) -> None:
    for o in orders_in_force(snap, out.attributed_units, out.on):
        cov = coverage(snap.span(o), out.on)
        assumed = [cov.text] if cov and cov.basis is not Basis.KNOWN else []
        out.findings.append(
            finding(
                "plan_in_force",
                f"{o.order_kind.capitalize()} {o.title!r} was in force on {out.on} and "
                f"{FIRE[o.firearms_authorised]}"
                + (f"; labels used: {', '.join(map(str, o.labels))}" if o.labels else "")
                + ".",
                f"{o.title!r} ({ORDER_KIND_ES.get(o.order_kind, o.order_kind)}) estaba vigente "
                f"el {out.on} y "
                f"{FIRE_ES[o.firearms_authorised]}"
                + (f"; etiquetas: {', '.join(map(str, o.labels))}" if o.labels else "")
                + ".",
                snap.grounds([o.id]),
                assumptions=assumed,
                data={
                    "order": o.id,
                    "firearms_authorised": o.firearms_authorised,
                    "who_may_order_fire": o.who_may_order_fire,
                    "labels": list(o.labels or []),
                },
            )
        )
        for pid, grounds, assumed_by in _issuers(snap, o, out.on):
            unit_id = next(
                iter(snap.order_units.get(o.id, set()) & set(out.attributed_units)), None
            )
            post = snap.get(m.Post, o.issued_by_post_id)
            post_unit = snap.get(m.Unit, post.unit_id) if post and post.unit_id else None
            role = Role(
                "plan_chief",
                o.issued_by_post_id,
                post.unit_id if post else None,
                unit_id,
                0,
                ("plan",),
                grounds,
                assumed + assumed_by,
                _plan_force(snap, post_unit, unit_id),
            )
            name = snap.name(pid)
            _add_superior(out, pid, name, role)
            out.findings.append(
                finding(
                    "plan_chief",
                    f"{name} issued {o.title!r}, in force on {out.on} for the unit(s) the "
                    "incident is attributed to.",
                    f"{name} emitió {o.title!r}, vigente el {out.on} para la(s) unidad(es) a "
                    "la(s) que se atribuye el incidente.",
                    grounds,
                    assumptions=role.assumptions,
                    data={"person": pid, "order": o.id, "post": o.issued_by_post_id},
                )
            )


def _plan_force(snap: Snapshot, post_unit: m.Unit | None, addressed: int | None) -> str | None:
    """The force a plan's issuer acts in: their post's unit; when the order names no post, the
    force of the unit it addresses (a plan for a police unit is police work)."""
    if post_unit is not None:
        return post_unit.force
    unit = snap.get(m.Unit, addressed)
    return unit.force if unit else None


def _issuers(snap: Snapshot, o: m.Order, on: Moment) -> list[tuple[int, list[Ground], list[str]]]:
    """The person who issued an order: named on it, else whoever held the issuing post then."""
    if o.issued_by_person_id is not None:
        return [(o.issued_by_person_id, snap.grounds([o.id]), [])]
    if o.issued_by_post_id is None:
        return []
    issued = snap.when(o) or on
    return [
        (
            h.tenure.person_id,
            snap.grounds([o.id, h.tenure.id, h.post.id]),
            ["the order names the post, not the person; its holder then is taken as the issuer"]
            + ([h.coverage.text] if h.coverage.assumed else []),
        )
        for h in snap.holders(o.issued_by_post_id, issued)
    ]


def analyze_chain(s: Session, incident: str | int) -> Analysis:
    """`cadena analyze chain INCIDENT`: the chain of command at the incident's moment."""
    iid = resolve(s, "incident", incident)
    snap = Snapshot(s)
    ch = chain_at(s, snap, iid)
    superiors = [
        {
            "person": sup.person_id,
            "name": sup.name,
            "roles": [
                {
                    "kind": r.kind,
                    "post": r.post_id,
                    "unit": r.unit_id,
                    "depth": r.depth,
                    "lines": list(r.lines),
                }
                for r in sup.roles
            ],
        }
        for sup in sorted(ch.superiors.values(), key=lambda x: (_min_depth(x), x.name))
    ]
    return Analysis(
        "chain",
        {"incident": iid, "title": ch.incident.title, "on": str(ch.on)},
        tuple(ch.findings),
        snap.reading(),
        {"superiors": superiors, "attributed_units": ch.attributed_units},
    )


def _min_depth(sup: Superior) -> int:
    return min((r.depth for r in sup.roles), default=0)
