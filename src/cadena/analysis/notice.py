"""Notice: for one person, a dated timeline of what gave them knowledge, and the first date.

Reads communications (received, or a report they sent), meetings about an incident they attended,
incidents with deaths or injuries by units under their command at the time (constructive notice),
public condemnations of such incidents, their own statements, and decisions they took about an
incident. A party that is a post or a unit reaches the person who held or headed it on the day
(the tenure is cited and its assumption named). A person with no event is never said to know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from cadena.analysis.chain import IncidentChain, chain_at
from cadena.analysis.findings import Analysis, Finding, Ground, finding
from cadena.analysis.snapshot import Reach, Snapshot, reaches
from cadena.facts import models as m
from cadena.facts.resolve import resolve
from cadena.facts.time import PartialDate

ACTUAL, CONSTRUCTIVE = "actual", "constructive"
MODE_ES = {ACTUAL: "efectivo", CONSTRUCTIVE: "presunto"}
OUTSIDE_FORCES = ("civil", "international", "other")
# category -> (English, Spanish) words for the statement
CATEGORY = {
    "report_received": ("received a report", "recibió un informe"),
    "report_sent": ("sent a report", "envió un informe"),
    "casualty_report_received": ("received a casualty report", "recibió un parte de víctimas"),
    "casualty_report_sent": ("sent a casualty report", "envió un parte de víctimas"),
    "warning": ("received a warning", "recibió una advertencia"),
    "external_warning": (
        "received a warning from a body outside the forces",
        "recibió una advertencia de un organismo ajeno a las fuerzas",
    ),
    "communication": ("received a communication", "recibió una comunicación"),
    "meeting": (
        "attended a meeting about the incident",
        "asistió a una reunión sobre el incidente",
    ),
    "incident_under_command": (
        "had under their command a unit the incident is attributed to",
        "tenía bajo su mando una unidad a la que se atribuye el incidente",
    ),
    "public_condemnation": (
        "faced a public condemnation of an incident by units under their command",
        "enfrentó una condena pública de un incidente de unidades bajo su mando",
    ),
    "present_at_scene": (
        "is placed at the scene by a reviewer's annotation of the footage",
        "una anotación de revisión del material lo sitúa en el lugar",
    ),
    "own_statement": ("spoke publicly about the events", "habló públicamente sobre los hechos"),
    "decision": ("took a decision about the incident", "tomó una decisión sobre el incidente"),
}


@dataclass(frozen=True)
class NoticeEvent:
    date: PartialDate | None
    mode: str  # actual | constructive
    category: str
    incident: int | None
    finding: Finding

    def sort_key(self) -> tuple[bool, str, int]:
        return (self.date is None, self.date.lo_key() if self.date else "", self.finding.facts[0])


class Chains:
    """The chain of every dated incident of the case, computed once per snapshot."""

    def __init__(self, s: Session, snap: Snapshot) -> None:
        self.by_incident: dict[int, IncidentChain] = {}
        self.undated: list[int] = []
        for inc in snap.all(m.Incident):
            if snap.moment(inc) is None:
                self.undated.append(inc.id)
            else:
                self.by_incident[inc.id] = chain_at(s, snap, inc.id)

    def under(self, person_id: int) -> list[IncidentChain]:
        return [c for c in self.by_incident.values() if person_id in c.superiors]


def notice_events(snap: Snapshot, chains: Chains, person_id: int) -> list[NoticeEvent]:
    """Every event that gave the person notice, in date order (undated last)."""
    events = (
        _communications(snap, person_id)
        + _meetings(snap, person_id)
        + _incidents(snap, chains, person_id)
        + _statements(snap, chains, person_id)
        + _decisions(snap, person_id)
        + _present(snap, person_id)
    )
    return sorted(events, key=NoticeEvent.sort_key)


def _event(
    snap: Snapshot,
    person_id: int,
    fact: m.Fact,
    mode: str,
    category: str,
    incident: int | None,
    extra: list[Ground],
    assumptions: tuple[str, ...] | list[str] = (),
) -> NoticeEvent:
    date = snap.when(fact)
    who = snap.name(person_id)
    en, es = CATEGORY[category]
    about = f" about {snap.name(incident)!r}" if incident else ""
    about_es = f" sobre {snap.name(incident)!r}" if incident else ""
    kind_en = "actual notice" if mode == ACTUAL else "constructive notice (should have known)"
    kind_es = "conocimiento efectivo" if mode == ACTUAL else "conocimiento presunto (debía saber)"
    grounds = snap.grounds([fact.id]) + extra
    f = finding(
        "notice",
        f"{date or 'Undated'}: {who} {en}{about} — {kind_en}.",
        f"{date or 'Sin fecha'}: {who} {es}{about_es} — {kind_es}.",
        grounds,
        assumptions=assumptions,
        data={
            "person": person_id,
            "date": str(date) if date else None,
            "mode": mode,
            "category": category,
            "incident": incident,
            "fact": fact.id,
        },
    )
    return NoticeEvent(date, mode, category, incident, f)


def _reach(snap: Snapshot, fact: m.Fact, role: str, person_id: int) -> Reach | None:
    on = snap.when(fact)
    for p in snap.parties_of(fact.id, role):
        if on is None and p.person_id != person_id:
            continue
        r = reaches(snap, p, person_id, on) if on else Reach("person", (), ())
        if r is not None:
            return r
    return None


def _from_outside(snap: Snapshot, c: m.Communication) -> bool:
    """A warning from an ombudsperson, an international body or another civil body."""
    for p in snap.parties_of(c.id, "from"):
        unit = snap.get(m.Unit, p.unit_id)
        if unit is not None and unit.force in OUTSIDE_FORCES:
            return True
        post = snap.get(m.Post, p.post_id)
        if post is not None and post.role == "ombudsperson":
            return True
        if p.person_id is not None:
            on = snap.when(c)
            for h in snap.holdings(p.person_id, on) if on else []:
                if h.post.role == "ombudsperson":
                    return True
    return False


def _communications(snap: Snapshot, pid: int) -> list[NoticeEvent]:
    out = []
    for c in snap.all(m.Communication):
        kind = c.communication_kind
        got = _reach(snap, c, "to", pid)
        if got is not None:
            if kind in ("warning", "ceasefire_call"):
                cat = "external_warning" if _from_outside(snap, c) else "warning"
            elif kind in ("casualty_report", "report"):
                cat = f"{kind}_received"
            else:
                cat = "communication"
        elif kind in ("casualty_report", "report"):
            got = _reach(snap, c, "from", pid)
            cat = f"{kind}_sent"
        if got is not None:
            extra = snap.grounds(got.fact_ids)
            out.append(
                _event(snap, pid, c, ACTUAL, cat, c.incident_id, extra, list(got.assumptions))
            )
    return out


def _meetings(snap: Snapshot, pid: int) -> list[NoticeEvent]:
    out = []
    for mt in snap.all(m.Meeting):
        if mt.incident_id is None:
            continue  # a meeting is notice only when the record ties it to an incident
        got = _reach(snap, mt, "attendee", pid)
        if got is not None:
            extra = snap.grounds(got.fact_ids)
            out.append(
                _event(snap, pid, mt, ACTUAL, "meeting", mt.incident_id, extra, got.assumptions)
            )
    return out


def _harmful(inc: m.Incident) -> bool:
    return bool((inc.killed or 0) + (inc.injured or 0)) or inc.incident_kind in (
        "killing",
        "injury",
    )


def _command_grounds(ch: IncidentChain, pid: int) -> tuple[list[Ground], list[str]]:
    roles = ch.superiors[pid].roles
    grounds = [g for r in roles for g in r.grounds]
    assumptions = [a for r in roles for a in r.assumptions]
    return grounds, assumptions


def _incidents(snap: Snapshot, chains: Chains, pid: int) -> list[NoticeEvent]:
    out = []
    for ch in chains.under(pid):
        if _harmful(ch.incident):
            grounds, assumed = _command_grounds(ch, pid)
            out.append(
                _event(
                    snap,
                    pid,
                    ch.incident,
                    CONSTRUCTIVE,
                    "incident_under_command",
                    ch.incident.id,
                    grounds,
                    assumed,
                )
            )
    return out


def _statements(snap: Snapshot, chains: Chains, pid: int) -> list[NoticeEvent]:
    out = []
    under = {c.incident.id: c for c in chains.under(pid)}
    for st in snap.all(m.Statement):
        if _reach(snap, st, "speaker", pid) is not None:
            out.append(_event(snap, pid, st, ACTUAL, "own_statement", st.incident_id, []))
        elif st.statement_kind == "condemnation" and st.incident_id in under:
            grounds, assumed = _command_grounds(under[st.incident_id], pid)
            out.append(
                _event(
                    snap,
                    pid,
                    st,
                    CONSTRUCTIVE,
                    "public_condemnation",
                    st.incident_id,
                    grounds,
                    assumed,
                )
            )
    return out


def _decisions(snap: Snapshot, pid: int) -> list[NoticeEvent]:
    out = []
    for ms in snap.all(m.Measure):
        if ms.incident_id is not None and _reach(snap, ms, "decided_by", pid) is not None:
            out.append(_event(snap, pid, ms, ACTUAL, "decision", ms.incident_id, []))
    return out


def _present(snap: Snapshot, pid: int) -> list[NoticeEvent]:
    from cadena.analysis.indicators import annotation_ground

    out = []
    for inc in snap.all(m.Incident):
        for note, people in snap.annotations_of(inc.id):
            if pid in people:
                words = f"annotation #{note.id} by {note.created_by} names them"
                out.append(
                    _event(
                        snap,
                        pid,
                        inc,
                        ACTUAL,
                        "present_at_scene",
                        inc.id,
                        [annotation_ground(snap, inc, note)],
                        [words],
                    )
                )
    return out


def first(events: list[NoticeEvent], mode: str | None = None) -> NoticeEvent | None:
    dated = [e for e in events if e.date is not None and (mode is None or e.mode == mode)]
    return min(dated, key=NoticeEvent.sort_key) if dated else None


def _first_finding(snap: Snapshot, pid: int, events: list[NoticeEvent]) -> Finding:
    who = snap.name(pid)
    any_ev, actual = first(events), first(events, ACTUAL)
    if any_ev is None:
        return finding(
            "first_notice",
            f"No notice event is on record for {who}: nothing here says they knew.",
            f"No consta ningún hecho que diera conocimiento a {who}: nada aquí dice que supiera.",
            snap.grounds([pid]),
            data={"person": pid, "first_notice": None, "first_actual_notice": None},
        )
    actual_en = f"; first actual notice {actual.date}" if actual else "; no actual notice"
    actual_es = (
        f"; primer conocimiento efectivo {actual.date}"
        if actual
        else ("; ningún conocimiento efectivo")
    )
    rests = list(any_ev.finding.rests_on) + (list(actual.finding.rests_on) if actual else [])
    return finding(
        "first_notice",
        f"First notice on record for {who}: {any_ev.date} ({any_ev.mode}){actual_en}.",
        f"Primer conocimiento que consta para {who}: {any_ev.date} "
        f"({MODE_ES.get(any_ev.mode, any_ev.mode)}){actual_es}.",
        rests,
        assumptions=[*any_ev.finding.assumptions, *(actual.finding.assumptions if actual else ())],
        data={
            "person": pid,
            "first_notice": str(any_ev.date),
            "first_actual_notice": str(actual.date) if actual else None,
        },
    )


class Shared(Protocol):
    """What several analyses of one session can share (the elements' `Matrix` is one)."""

    snap: Snapshot
    chains: Chains

    def events(self, person: int) -> list[NoticeEvent]: ...


def analyze_notice(s: Session, person: str | int, *, mx: Shared | None = None) -> Analysis:
    """`cadena analyze notice PERSON`: the dated timeline of notice and the first date. `mx`:
    a snapshot and chains already built in this session (a dossier asks for every superior)."""
    pid = resolve(s, "person", person)
    if mx is None:
        snap = Snapshot(s)
        chains = Chains(s, snap)
        events = notice_events(snap, chains, pid)
    else:
        snap, chains, events = mx.snap, mx.chains, mx.events(pid)
    head = _first_finding(snap, pid, events)
    return Analysis(
        "notice",
        {"person": pid, "name": snap.name(pid)},
        (head, *(e.finding for e in events)),
        snap.reading(),
        {
            "first_notice": head.data["first_notice"],
            "first_actual_notice": head.data["first_actual_notice"],
            "events": len(events),
            "undated_incidents": chains.undated,
        },
    )
