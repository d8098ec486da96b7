"""The indicators of the elements matrix: what in the record speaks for or against an element,
for one superior and one incident.

Each indicator is a small rule over the facts, named by id in indicators.yaml (its words and
parameters) and referred to by the frameworks. A hit carries the facts it rests on and the
assumptions it used; an indicator that fires on the *absence* of a record (no disciplinary case
on record) says so in its assumptions, since the record may be incomplete.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from cadena.analysis.chain import IncidentChain, Role, orders_in_force
from cadena.analysis.findings import Ground, es_kind
from cadena.analysis.notice import ACTUAL, CONSTRUCTIVE, Chains, NoticeEvent
from cadena.analysis.snapshot import Snapshot, days_after, reaches
from cadena.facts import models as m
from cadena.facts.citations import Cite
from cadena.facts.names import fold
from cadena.facts.time import PartialDate

DATA = Path(__file__).with_name("indicators.yaml")
ABSENCE = "absence of a record taken as absence of the act (the record may be incomplete)"


@cache
def catalogue() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


def params(indicator: str) -> dict[str, Any]:
    return dict(catalogue()["indicators"][indicator].get("params", {}))


@dataclass
class Hit:
    """One place in the record an indicator found, in both languages."""

    indicator: str
    en: str
    es: str
    grounds: list[Ground]
    assumptions: list[str] = field(default_factory=list)


@dataclass
class Ctx:
    """One superior and one incident, with everything the rules look at."""

    snap: Snapshot
    chains: Chains
    person: int
    chain: IncidentChain
    events: list[NoticeEvent]

    @property
    def incident(self) -> m.Incident:
        return self.chain.incident

    @property
    def roles(self) -> list[Role]:
        sup = self.chain.superiors.get(self.person)
        return sup.roles if sup else []

    @property
    def start(self) -> PartialDate:
        on = self.chain.on
        return on if isinstance(on, PartialDate) else on.start

    def before(self) -> list[NoticeEvent]:
        """Notice events before the incident began, about something else."""
        lo = self.chain.on.lo()
        return [
            e
            for e in self.events
            if e.date is not None and e.date.lo() < lo and e.incident != self.incident.id
        ]

    def first_before(self) -> NoticeEvent | None:
        found = self.before()
        return found[0] if found else None

    def of_incident(self) -> list[NoticeEvent]:
        return [
            e
            for e in self.events
            if e.incident == self.incident.id and e.category != "incident_under_command"
        ]

    def knew_something(self) -> bool:
        """Any notice before the incident or of it: what an omission presupposes."""
        return bool(self.before() or self.of_incident())

    def issued(self, o: m.Order) -> tuple[list[Ground], list[str]] | None:
        """Whether the person issued an order: named on it, or held the issuing post then."""
        if o.issued_by_person_id == self.person:
            return self.snap.grounds([o.id]), []
        when = self.snap.when(o)
        if o.issued_by_person_id is None and o.issued_by_post_id is not None and when:
            for h in self.snap.holders(o.issued_by_post_id, when):
                if h.tenure.person_id == self.person:
                    words = "the order names the post; its holder then is taken as the issuer"
                    extra = [h.coverage.text] if h.coverage.assumed else []
                    return self.snap.grounds([o.id, h.tenure.id, h.post.id]), [words, *extra]
        return None


Rule = Callable[[Ctx], list[Hit]]
RULES: dict[str, Rule] = {}


def rule(fn: Rule) -> Rule:
    RULES[fn.__name__] = fn
    return fn


def _hit(ind: str, en: str, es: str, grounds: list[Ground], assumed: list[str] = ()) -> Hit:  # type: ignore[assignment]
    return Hit(ind, en, es, grounds, list(assumed))


def _units(ctx: Ctx) -> set[int]:
    return set(ctx.chain.attributed_units)


@cache
def _words(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(fold(t)) for t in terms) + r")\b")


def _terms_in(text: str, terms: list[str]) -> list[str]:
    """The terms (as written in the data) found as whole words in the folded text."""
    found = set(_words(tuple(terms)).findall(fold(text)))
    return [t for t in terms if fold(t) in found]


# -- superior–subordinate and control --------------------------------------------------------


@rule
def de_jure_post(ctx: Ctx) -> list[Hit]:
    out = []
    for r in ctx.roles:
        if r.kind == "commander" and r.post_id is not None:
            post = ctx.snap.post_label(ctx.snap.facts[r.post_id])  # type: ignore[arg-type]
            out.append(
                _hit(
                    "de_jure_post",
                    f"held {post}, {r.depth} level(s) above the unit, on {ctx.chain.on}",
                    f"ocupaba {post}, {r.depth} nivel(es) por encima de la unidad, "
                    f"el {ctx.chain.on}",
                    r.grounds,
                    r.assumptions,
                )
            )
    return out


@rule
def signed_plan_in_force(ctx: Ctx) -> list[Hit]:
    return [
        _hit(
            "signed_plan_in_force",
            "issued the plan in force for the unit",
            "emitió el plan vigente para la unidad",
            r.grounds,
            r.assumptions,
        )
        for r in ctx.roles
        if r.kind == "plan_chief"
    ]


@rule
def issued_orders_to_unit(ctx: Ctx) -> list[Hit]:
    out = []
    for o in ctx.snap.orders_for(_units(ctx)):
        when = ctx.snap.when(o)
        if when is None or when.lo() > ctx.chain.on.hi():
            continue
        got = ctx.issued(o)
        if got:
            out.append(
                _hit(
                    "issued_orders_to_unit",
                    f"issued {o.title!r} ({when}) to the unit",
                    f"emitió {o.title!r} ({when}) a la unidad",
                    *got,
                )
            )
    return out


def _below(ctx: Ctx) -> set[int]:
    """Persons in this chain below the superior (smaller depth)."""
    mine = min((r.depth for r in ctx.roles if r.kind == "commander"), default=None)
    if mine is None:
        return set()
    return {
        pid
        for pid, sup in ctx.chain.superiors.items()
        if pid != ctx.person and any(r.kind == "commander" and r.depth < mine for r in sup.roles)
    }


@rule
def received_unit_reports(ctx: Ctx) -> list[Hit]:
    out = []
    below = _below(ctx)
    for c in ctx.snap.all(m.Communication):
        if c.communication_kind not in ("casualty_report", "report"):
            continue
        when = ctx.snap.when(c)
        senders = list(ctx.snap.parties_of(c.id, "from"))
        from_unit = any(p.unit_id in _units(ctx) or p.person_id in below for p in senders)
        if not from_unit or when is None:
            continue
        for p in ctx.snap.parties_of(c.id, "to"):
            got = reaches(ctx.snap, p, ctx.person, when)
            if got:
                out.append(
                    _hit(
                        "received_unit_reports",
                        f"received a {c.communication_kind.replace('_', ' ')} on {when}",
                        f"recibió un(a) {es_kind(c.communication_kind)} el {when}",
                        ctx.snap.grounds([c.id, *got.fact_ids]),
                        list(got.assumptions),
                    )
                )
                break
    return out


DISCIPLINE = (
    "disciplinary_opened",
    "disciplinary_archived",
    "disciplinary_sanctioned",
    "promotion",
    "appointment",
    "dismissal",
    "decoration",
    "transfer",
)


def _decided_by(ctx: Ctx, ms: m.Measure) -> bool:
    when = ctx.snap.when(ms)
    return any(
        p.person_id == ctx.person or (when and reaches(ctx.snap, p, ctx.person, when))
        for p in ctx.snap.parties_of(ms.id, "decided_by")
    )


@rule
def could_discipline_or_promote(ctx: Ctx) -> list[Hit]:
    below = _below(ctx)
    out = []
    for ms in ctx.snap.all(m.Measure):
        if ms.measure_kind not in DISCIPLINE or not _decided_by(ctx, ms):
            continue
        about = {p.person_id for p in ctx.snap.parties_of(ms.id, "about")}
        if about & below or ms.incident_id == ctx.incident.id:
            out.append(
                _hit(
                    "could_discipline_or_promote",
                    f"decided a {ms.measure_kind.replace('_', ' ')} ({ctx.snap.when(ms)})",
                    f"decidió: {es_kind(ms.measure_kind)} ({ctx.snap.when(ms)})",
                    ctx.snap.grounds([ms.id]),
                )
            )
    return out


@rule
def near_scene(ctx: Ctx) -> list[Hit]:
    hits = [
        _hit(
            "near_scene",
            "the attribution names them",
            "la atribución lo nombra",
            ctx.snap.grounds([a.id]),
        )
        for a in ctx.snap.about_incident(ctx.incident.id, m.Attribution)
        if a.person_id == ctx.person
    ]
    for note, people in ctx.snap.annotations_of(ctx.incident.id):
        if ctx.person in people:
            hits.append(
                _hit(
                    "near_scene",
                    f"a reviewer's annotation places them in the footage: {note.text}",
                    f"una anotación de revisión los sitúa en el material: {note.text}",
                    [annotation_ground(ctx.snap, ctx.incident, note)],
                    [
                        f"annotation #{note.id} by {note.created_by} names them; "
                        "the name is taken to be this person"
                    ],
                )
            )
    return hits


def annotation_ground(snap: Snapshot, inc: m.Incident, note: Any) -> Ground:
    """An annotation as what a hit rests on: the incident, cited at the annotated place."""
    cite = Cite(note.item_sha256, dict(note.locator), quote=note.text)
    return Ground(inc.id, "incident", inc.confidence, (cite,))


@rule
def competing_holder(ctx: Ctx) -> list[Hit]:
    out = []
    for r in ctx.roles:
        if r.kind != "commander":
            continue
        for pid, sup in ctx.chain.superiors.items():
            for other in sup.roles:
                if pid != ctx.person and other.kind == "commander" and other.unit_id == r.unit_id:
                    name = ctx.snap.name(pid)
                    out.append(
                        _hit(
                            "competing_holder",
                            f"{name} is also recorded commanding {ctx.snap.name(r.unit_id)} then",
                            f"{name} también consta al mando de {ctx.snap.name(r.unit_id)} "
                            "entonces",
                            other.grounds,
                            other.assumptions,
                        )
                    )
    return out


@rule
def removed_before(ctx: Ctx) -> list[Hit]:
    out = []
    for ms in ctx.snap.all(m.Measure):
        when = ctx.snap.when(ms)
        if ms.measure_kind not in ("dismissal", "transfer") or when is None:
            continue
        about = {p.person_id for p in ctx.snap.parties_of(ms.id, "about")}
        if ctx.person in about and when.hi() < ctx.chain.on.lo():
            out.append(
                _hit(
                    "removed_before",
                    f"a {ms.measure_kind} dated {when}, before the incident",
                    f"{es_kind(ms.measure_kind)} fechada el {when}, antes del incidente",
                    ctx.snap.grounds([ms.id]),
                )
            )
    return out


# -- knowledge -----------------------------------------------------------------------------------


def _notice_hits(ind: str, events: list[NoticeEvent]) -> list[Hit]:
    return [
        _hit(
            ind,
            e.finding.statement.en,
            e.finding.statement.es,
            list(e.finding.rests_on),
            list(e.finding.assumptions),
        )
        for e in events
    ]


@rule
def actual_notice_before(ctx: Ctx) -> list[Hit]:
    return _notice_hits("actual_notice_before", [e for e in ctx.before() if e.mode == ACTUAL])


@rule
def constructive_notice_before(ctx: Ctx) -> list[Hit]:
    events = [e for e in ctx.before() if e.mode == CONSTRUCTIVE]
    return _notice_hits("constructive_notice_before", events)


@rule
def actual_notice_of_incident(ctx: Ctx) -> list[Hit]:
    events = [e for e in ctx.of_incident() if e.mode == ACTUAL]
    return _notice_hits("actual_notice_of_incident", events)


@rule
def constructive_notice_of_incident(ctx: Ctx) -> list[Hit]:
    events = [e for e in ctx.of_incident() if e.mode == CONSTRUCTIVE]
    return _notice_hits("constructive_notice_of_incident", events)


@rule
def scale_repetition_duration(ctx: Ctx) -> list[Hit]:
    p = params("scale_repetition_duration")
    inc, on, out = ctx.incident, ctx.chain.on, []
    casualties = (inc.killed or 0) + (inc.injured or 0)
    if casualties >= p["min_casualties"]:
        out.append(
            _hit(
                "scale_repetition_duration",
                f"{casualties} killed or injured",
                f"{casualties} muertos o heridos",
                ctx.snap.grounds([inc.id]),
            )
        )
    hours = (on.hi() - on.lo()).total_seconds() / 3600
    sp = ctx.snap.span(inc)
    if sp.start and sp.end and sp.start.hour is not None and hours >= p["min_hours"]:
        out.append(
            _hit(
                "scale_repetition_duration",
                f"the violence lasted {hours:.1f} hours",
                f"la violencia duró {hours:.1f} horas",
                ctx.snap.grounds([inc.id]),
            )
        )
    lo = on.lo().toordinal() - p["window_days"]
    near = [
        c.incident.id
        for c in ctx.chains.under(ctx.person)
        if lo <= c.on.lo().toordinal() <= on.lo().toordinal()
    ]
    if len(near) >= p["min_incidents"]:
        out.append(
            _hit(
                "scale_repetition_duration",
                f"{len(near)} incidents by units under their command within "
                f"{p['window_days']} days",
                f"{len(near)} incidentes de unidades bajo su mando en {p['window_days']} días",
                ctx.snap.grounds(near),
            )
        )
    return out


# -- failure to prevent ------------------------------------------------------------------------


def _after_notice(ctx: Ctx, when: PartialDate | None) -> bool:
    first = ctx.first_before()
    return bool(first and first.date and when and first.date.lo() <= when.lo() <= ctx.chain.on.hi())


def _notice_grounds(ctx: Ctx) -> list[Ground]:
    first = ctx.first_before()
    return list(first.finding.rests_on) if first else []


@rule
def plan_renewed_unchanged_after_notice(ctx: Ctx) -> list[Hit]:
    out = []
    for o in ctx.snap.orders_for(_units(ctx)):
        old = ctx.snap.get(m.Order, o.renews_id)
        when = ctx.snap.when(o)
        if old is None:
            continue
        if o.firearms_authorised and old.firearms_authorised and _after_notice(ctx, when):
            got = ctx.issued(o)
            if got:
                out.append(
                    _hit(
                        "plan_renewed_unchanged_after_notice",
                        f"renewed {old.title!r} on {when}, firearms still authorised, after "
                        f"first notice on {ctx.first_before().date}",  # type: ignore[union-attr]
                        f"prorrogó {old.title!r} el {when}, con armas de fuego aún autorizadas, "
                        f"tras el primer conocimiento del {ctx.first_before().date}",  # type: ignore[union-attr]
                        got[0] + ctx.snap.grounds([old.id]) + _notice_grounds(ctx),
                        got[1],
                    )
                )
    return out


def _latest_orders(ctx: Ctx) -> list[m.Order]:
    """The orders in force for the units that began last: the one that decides on firearms."""
    found = [
        o
        for o in orders_in_force(ctx.snap, ctx.chain.attributed_units, ctx.chain.on)
        if o.firearms_authorised is not None
    ]
    if not found:
        return []
    key = max((ctx.snap.when(o) or PartialDate(1)).lo() for o in found)
    return [o for o in found if (ctx.snap.when(o) or PartialDate(1)).lo() == key]


def _limited_to_life(o: m.Order) -> bool:
    """The order's conditions for lethal force speak only of protecting life (principle 9)."""
    terms = params("firearms_limited_to_life")["life_terms"]
    return bool(_terms_in(o.lethal_force_conditions or "", terms))


@rule
def firearms_authorised_in_force(ctx: Ctx) -> list[Hit]:
    return [
        _hit(
            "firearms_authorised_in_force",
            f"{o.title!r} in force authorised firearms"
            + (f" ({o.lethal_force_conditions})" if o.lethal_force_conditions else "")
            + ", on conditions not limited to protecting life",
            f"{o.title!r} vigente autorizaba armas de fuego"
            + (f" ({o.lethal_force_conditions})" if o.lethal_force_conditions else "")
            + ", en condiciones no limitadas a proteger la vida",
            ctx.snap.grounds([o.id]),
            [] if o.lethal_force_conditions else ["the order states no condition for lethal force"],
        )
        for o in _latest_orders(ctx)
        if o.firearms_authorised and not _limited_to_life(o)
    ]


@rule
def firearms_limited_to_life(ctx: Ctx) -> list[Hit]:
    return [
        _hit(
            "firearms_limited_to_life",
            f"{o.title!r} allows lethal force only {o.lethal_force_conditions}",
            f"{o.title!r} solo permite fuerza letal {o.lethal_force_conditions}",
            ctx.snap.grounds([o.id]),
        )
        for o in _latest_orders(ctx)
        if o.firearms_authorised and _limited_to_life(o)
    ]


@rule
def lethal_weapons_still_authorised(ctx: Ctx) -> list[Hit]:
    if ctx.first_before() is None:
        return []
    return [
        _hit(
            "lethal_weapons_still_authorised",
            f"{o.title!r} still authorised firearms on {ctx.chain.on}, after first notice on "
            f"{ctx.first_before().date}",  # type: ignore[union-attr]
            f"{o.title!r} aún autorizaba armas de fuego el {ctx.chain.on}, tras el primer "
            f"conocimiento del {ctx.first_before().date}",  # type: ignore[union-attr]
            ctx.snap.grounds([o.id]) + _notice_grounds(ctx),
        )
        for o in _latest_orders(ctx)
        if o.firearms_authorised
    ]


@rule
def same_commanders_redeployed(ctx: Ctx) -> list[Hit]:
    out = []
    earlier = {e.incident for e in ctx.before() if e.incident is not None}
    heads_now = {
        pid
        for pid, sup in ctx.chain.superiors.items()
        if any(r.kind == "commander" and r.depth == 0 for r in sup.roles)
    }
    for iid in sorted(earlier):
        past = ctx.chains.by_incident.get(iid)
        if past is None:
            continue
        units = set(past.attributed_units) & _units(ctx)
        heads_then = {
            pid
            for pid, sup in past.superiors.items()
            if any(r.kind == "commander" and r.depth == 0 for r in sup.roles)
        }
        same = heads_now & heads_then
        if units or same:
            who = ", ".join(
                sorted([ctx.snap.name(u) for u in units] + [ctx.snap.name(p) for p in same])
            )
            attribs = [
                a.id
                for i in (iid, ctx.incident.id)
                for a in ctx.snap.about_incident(i, m.Attribution)
            ]
            out.append(
                _hit(
                    "same_commanders_redeployed",
                    f"{who}, already involved in {past.incident.title!r} ({past.on}), acted again",
                    f"{who}, ya implicado(s) en {past.incident.title!r} ({past.on}), "
                    "volvió a actuar",
                    ctx.snap.grounds([iid, *attribs]),
                )
            )
    return out


def _restrictions(ctx: Ctx) -> list[tuple[m.Fact, str]]:
    found: list[tuple[m.Fact, str]] = []
    for o in ctx.snap.orders_for(_units(ctx)):
        if o.firearms_authorised is False and _after_notice(ctx, ctx.snap.when(o)):
            by = ctx.snap.name(o.issued_by_person_id)
            found.append((o, f"{o.title!r} ({ctx.snap.when(o)}), by {by}"))
    for c in ctx.snap.all(m.Communication):
        if c.communication_kind not in ("instruction", "ceasefire_call"):
            continue
        senders = {p.person_id for p in ctx.snap.parties_of(c.id, "from")}
        if ctx.person in senders and _after_notice(ctx, ctx.snap.when(c)):
            found.append((c, f"{c.communication_kind} ({ctx.snap.when(c)})"))
    return found


@rule
def no_restricting_instruction(ctx: Ctx) -> list[Hit]:
    first = ctx.first_before()
    if first is None or _restrictions(ctx):
        return []
    return [
        _hit(
            "no_restricting_instruction",
            f"no order forbidding firearms nor instruction from them on record between "
            f"{first.date} and {ctx.chain.on}",
            f"no consta orden que prohibiera armas de fuego ni instrucción suya entre el "
            f"{first.date} y el {ctx.chain.on}",
            _notice_grounds(ctx),
            [ABSENCE],
        )
    ]


@rule
def restricting_instruction(ctx: Ctx) -> list[Hit]:
    return [
        _hit(
            "restricting_instruction",
            f"restricting instruction: {words}",
            f"instrucción restrictiva: {words}",
            ctx.snap.grounds([f.id]),
        )
        for f, words in _restrictions(ctx)
    ]


# -- failure to repress or submit -------------------------------------------------------------


def _measures(ctx: Ctx, *kinds: str) -> list[m.Measure]:
    return [
        ms for ms in ctx.snap.about_incident(ctx.incident.id, m.Measure) if ms.measure_kind in kinds
    ]


def _minor(ms: m.Measure) -> bool:
    return bool(_terms_in(ms.summary or "", params("token_sanction")["minor_terms"]))


def _absent(ctx: Ctx, ind: str, kinds: tuple[str, ...], en: str, es: str) -> list[Hit]:
    # An omission is only put to someone the record shows had notice.
    if _measures(ctx, *kinds) or not ctx.knew_something():
        return []
    return [_hit(ind, en, es, ctx.snap.grounds([ctx.incident.id]), [ABSENCE])]


@rule
def no_disciplinary_case(ctx: Ctx) -> list[Hit]:
    kinds = (
        "disciplinary_opened",
        "disciplinary_archived",
        "disciplinary_sanctioned",
        "criminal_referral",
    )
    return _absent(
        ctx,
        "no_disciplinary_case",
        kinds,
        f"no disciplinary or criminal case about {ctx.incident.title!r} on record",
        f"no consta expediente sobre {ctx.incident.title!r}",
    )


@rule
def no_referral(ctx: Ctx) -> list[Hit]:
    return _absent(
        ctx,
        "no_referral",
        ("criminal_referral",),
        f"no referral of {ctx.incident.title!r} to prosecutors on record",
        f"no consta remisión de {ctx.incident.title!r} a la fiscalía",
    )


@rule
def case_archived(ctx: Ctx) -> list[Hit]:
    return [
        _hit(
            "case_archived",
            f"case archived on {ctx.snap.when(ms)}",
            f"expediente archivado el {ctx.snap.when(ms)}",
            ctx.snap.grounds([ms.id]),
        )
        for ms in _measures(ctx, "disciplinary_archived")
    ]


@rule
def token_sanction(ctx: Ctx) -> list[Hit]:
    return [
        _hit(
            "token_sanction",
            f"minor sanction: {ms.summary}",
            f"sanción menor: {ms.summary}",
            ctx.snap.grounds([ms.id]),
        )
        for ms in _measures(ctx, "disciplinary_sanctioned")
        if _minor(ms)
    ]


@rule
def case_opened_or_referred(ctx: Ctx) -> list[Hit]:
    found = _measures(ctx, "disciplinary_opened", "criminal_referral", "dismissal") + [
        ms for ms in _measures(ctx, "disciplinary_sanctioned") if not _minor(ms)
    ]
    return [
        _hit(
            "case_opened_or_referred",
            f"{ms.measure_kind.replace('_', ' ')} on {ctx.snap.when(ms)}",
            f"{es_kind(ms.measure_kind)} el {ctx.snap.when(ms)}",
            ctx.snap.grounds([ms.id]),
        )
        for ms in found
    ]


def _within(ctx: Ctx, when: PartialDate | None, days: int) -> bool:
    return bool(when and ctx.start.lo() <= when.lo() <= days_after(ctx.start, days).hi())


@rule
def promoted_after(ctx: Ctx) -> list[Hit]:
    p = params("promoted_after")
    commanders = {ctx.person} | _below(ctx)
    out = []
    for ms in ctx.snap.all(m.Measure):
        when = ctx.snap.when(ms)
        about = {x.person_id for x in ctx.snap.parties_of(ms.id, "about") if x.person_id}
        if ms.measure_kind in p["kinds"] and about & commanders and _within(ctx, when, p["days"]):
            who = ", ".join(ctx.snap.name(x) for x in sorted(about & commanders))
            out.append(
                _hit(
                    "promoted_after",
                    f"{ms.measure_kind} of {who} on {when}, within "
                    f"{p['days']} days of the incident",
                    f"{es_kind(ms.measure_kind)} de {who} el {when}, dentro de {p['days']} "
                    "días del incidente",
                    ctx.snap.grounds([ms.id]),
                )
            )
    return out


@rule
def praise_or_justification(ctx: Ctx) -> list[Hit]:
    p = params("praise_or_justification")
    out = []
    for st in ctx.snap.all(m.Statement):
        when = ctx.snap.when(st)
        spoke = any(x.person_id == ctx.person for x in ctx.snap.parties_of(st.id, "speaker"))
        about = st.incident_id == ctx.incident.id or (
            st.incident_id is None and _within(ctx, when, p["days"])
        )
        if spoke and about and st.statement_kind in p["kinds"]:
            out.append(
                _hit(
                    "praise_or_justification",
                    f"{st.statement_kind} on {when}: {st.summary or ''}",
                    f"{es_kind(st.statement_kind)} el {when}: {st.summary or ''}",
                    ctx.snap.grounds([st.id]),
                )
            )
    return out


def _reports(ctx: Ctx) -> list[m.Communication]:
    return [
        c
        for c in ctx.snap.all(m.Communication)
        if c.incident_id == ctx.incident.id
        and c.communication_kind in ("casualty_report", "report")
    ]


@rule
def no_report_of_incident(ctx: Ctx) -> list[Hit]:
    if _reports(ctx) or not ctx.knew_something():
        return []
    return [
        _hit(
            "no_report_of_incident",
            "no report of the incident on record",
            "no consta informe del incidente",
            ctx.snap.grounds([ctx.incident.id]),
            [ABSENCE],
        )
    ]


@rule
def report_of_incident(ctx: Ctx) -> list[Hit]:
    return [
        _hit(
            "report_of_incident",
            f"reported on {ctx.snap.when(c)}",
            f"informado el {ctx.snap.when(c)}",
            ctx.snap.grounds([c.id]),
        )
        for c in _reports(ctx)
    ]


@rule
def sanction_for_refusal(ctx: Ctx) -> list[Hit]:
    terms = params("sanction_for_refusal")["terms"]
    return [
        _hit(
            "sanction_for_refusal",
            f"{ms.measure_kind}: {ms.summary}",
            f"{es_kind(ms.measure_kind)}: {ms.summary}",
            ctx.snap.grounds([ms.id]),
        )
        for ms in ctx.snap.all(m.Measure)
        if ms.measure_kind in ("disciplinary_sanctioned", "dismissal", "transfer")
        and _decided_by(ctx, ms)
        and any(fold(ms.summary or "").find(fold(t)) >= 0 for t in terms)
    ]


# -- direct modes ---------------------------------------------------------------------------------


@rule
def ordered_fire(ctx: Ctx) -> list[Hit]:
    out = []
    for o in orders_in_force(ctx.snap, ctx.chain.attributed_units, ctx.chain.on):
        got = ctx.issued(o) if o.firearms_authorised else None
        if got:
            out.append(
                _hit(
                    "ordered_fire",
                    f"issued {o.title!r}, authorising firearms",
                    f"emitió {o.title!r}, que autoriza armas de fuego",
                    *got,
                )
            )
    terms = params("ordered_fire")["fire_terms"]
    for c in ctx.snap.about_incident(ctx.incident.id, m.Communication):
        senders = {p.person_id for p in ctx.snap.parties_of(c.id, "from")}
        text = " ".join([c.summary or ""] + [x.quote or "" for x in ctx.snap.cites.get(c.id, [])])
        if (
            c.communication_kind == "instruction"
            and c.incident_id == ctx.incident.id
            and ctx.person in senders
            and _terms_in(text, terms)
        ):
            out.append(
                _hit(
                    "ordered_fire",
                    f"instruction: {c.summary or ''}",
                    f"instrucción: {c.summary or ''}",
                    ctx.snap.grounds([c.id]),
                )
            )
    return out


def order_labels(snap: Snapshot, o: m.Order, terms: list[str]) -> list[str]:
    """The dehumanising words in an order: its recorded labels and its quoted passages."""
    texts = [str(x) for x in (o.labels or [])] + [c.quote or "" for c in snap.cites.get(o.id, [])]
    return sorted({t for text in texts for t in _terms_in(text, terms)})


@rule
def dehumanising_labels(ctx: Ctx) -> list[Hit]:
    terms = params("dehumanising_labels")["terms"]
    out = []
    for o in ctx.snap.orders_for(_units(ctx)):
        when = ctx.snap.when(o)
        if when is None or when.lo() > ctx.chain.on.hi():
            continue
        words = order_labels(ctx.snap, o, terms)
        got = ctx.issued(o) if words else None
        if got:
            out.append(
                _hit(
                    "dehumanising_labels",
                    f"{o.title!r} calls protesters: {', '.join(words)}",
                    f"{o.title!r} llama a los manifestantes: {', '.join(words)}",
                    *got,
                )
            )
    return out
