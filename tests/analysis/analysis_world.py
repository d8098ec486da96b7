"""A small case built by hand for the analysis tests. Every expected answer in the tests is
worked out from this page, not from the code.

Units (lines: a = administrative, o = operational):

    Presidencia (civil) <-a- Ministerio del Interior (civil) <-a- Policía Nacional (police)
    Policía Nacional <-a- Dirección Regional Sur <-a- Escuadrón 1
    Presidencia <-a- Comando Conjunto Sur (joint) <-o (2024-01-01..2024-02-29)- Escuadrón 1
    Presidencia <-a- Ejército (army) <-a- Batallón 5 <-o (2024-01-15..2024-02-29)- Comando Conj.
    Defensoría del Pueblo (civil), Oficina ONU DDHH (international): outside the forces.

Who held the command posts:

    Escuadrón 1   Ana Pérez     known 2023-06-01 .. 2024-01-09   (ended the day before I1)
                  José Núñez    known start 2024-01-10, cited 2024-02-20
    D. R. Sur     Martín Gómez  cited 2023-11-02 and 2024-02-20 only (assumed continuous)
    Policía       Luis Ortega   known 2022-03-01 .. 2025-03-01
    Ministerio    Elena Sánchez known 2023-08-10 .. 2024-08-10 (minister)
    Presidencia   Tomás Medina  known 2022-08-07 .. 2026-08-07 (president)
    C. Conjunto   Raúl Ortiz    known 2024-01-01 .. 2024-02-29
    Ejército      Fabio Duarte  known start 2022-08-08
    Batallón 5    Óscar Parra   known start 2023-06-15
    Defensoría    Inés Caicedo  (ombudsperson) known start 2021-01-01

Orders (all addressed to Escuadrón 1 and Batallón 5 unless said):

    O1 plan "Plan Sur 01", issued by Raúl Ortiz, 2024-01-01..2024-01-31, firearms authorised,
       labels ["grupos hostiles"], quote "contra los terroristas que bloquean las vías"
    O2 renewal of O1, issued by Raúl Ortiz, 2024-02-01..2024-02-29, firearms authorised,
       labels ["Terroristas"]
    O3 amendment, issued by Luis Ortega to Escuadrón 1 only, 2024-02-05..2024-02-29: firearms
       forbidden (the plan amended to forbid firearms)

Incidents:

    I1 "Plaza Sur" 2024-01-10T15:00..19:30, 2 killed 5 injured, attributed to Escuadrón 1
    I2 "Puente Norte" 2024-01-25, 1 killed, attributed to Batallón 5
    I3 "Mercado" 2024-02-10, 1 killed, attributed to Escuadrón 1

What gave notice, and what superiors did:

    C1 casualty report 2024-01-10 about I1, from José Núñez to the unit Dirección Regional Sur
    C2 warning 2024-01-12 about I1, from Inés Caicedo (Defensoría) to Elena Sánchez
    C3 ceasefire call 2024-01-10T17:00 (during I1) from the Defensoría to Luis Ortega
    M1 meeting 2024-01-11 about I1: Luis Ortega and Martín Gómez
    S1 justification 2024-01-26 about I2 by Raúl Ortiz ("actuaron conforme al plan")
    S2 condemnation 2024-01-13 about I1 by Oficina ONU DDHH
    Me1 disciplinary case about I1 archived 2024-03-01, decided by Luis Ortega
    Me2 promotion of José Núñez 2024-02-15, decided by Luis Ortega
    Me3 dismissal of Martín Gómez 2024-01-05, decided by Luis Ortega (contradicts his tenure,
        which is only assumed to continue between its cited dates)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cadena.facts.citations import Cite, Support
from cadena.facts.record import PartyRef, Recorder
from cadena.facts.time import TimeSpan
from cadena.intake.files import SourceFields, add_paths
from cadena.vault.case import Case


@dataclass
class World:
    case: Case
    decree: str
    report: str
    ids: dict[str, int]


def add_item(case: Case, path: Path, data: bytes) -> str:
    path.write_bytes(data)
    sha = add_paths(case, [path], SourceFields(collected_by="test")).outcomes[0].sha256
    assert sha is not None
    return sha


def build(case: Case, tmp: Path) -> World:
    decree = add_item(case, tmp / "decree.txt", b"decree of appointments and structure\n")
    report = add_item(case, tmp / "report.txt", b"reports, orders and statements\n")
    ids: dict[str, int] = {}

    def doc(page: int, conf: str = "high", item: str = decree) -> Support:
        return Support.of(conf, [Cite(item, {"kind": "page", "page": page})])

    def rep(page: int, quote: str | None = None) -> Support:
        return Support.of("high", [Cite(report, {"kind": "page", "page": page}, quote=quote)])

    with case.session() as s:
        r = Recorder(case, s)
        u = {
            k: r.add_unit(name, force=force, support=doc(1), key=k)
            for k, name, force in [
                ("PRES", "Presidencia", "civil"),
                ("MIN", "Ministerio del Interior", "civil"),
                ("PN", "Policía Nacional", "police"),
                ("REG", "Dirección Regional Sur", "police"),
                ("ESC", "Escuadrón 1", "police"),
                ("JTF", "Comando Conjunto Sur", "joint"),
                ("ARMY", "Ejército", "army"),
                ("BAT", "Batallón 5", "army"),
                ("DEF", "Defensoría del Pueblo", "civil"),
                ("UN", "Oficina ONU DDHH", "international"),
            ]
        }
        for child, parent in [
            ("MIN", "PRES"),
            ("PN", "MIN"),
            ("REG", "PN"),
            ("ESC", "REG"),
            ("JTF", "PRES"),
            ("ARMY", "PRES"),
            ("BAT", "ARMY"),
        ]:
            r.link_units(u[child], u[parent], support=doc(2))
        r.link_units(
            u["ESC"], u["JTF"], line="operational", support=doc(3),
            span=TimeSpan.of(start="2024-01-01", end="2024-02-29"),
        )  # fmt: skip
        r.link_units(
            u["BAT"], u["JTF"], line="operational", support=doc(3),
            span=TimeSpan.of(start="2024-01-15", end="2024-02-29"),
        )  # fmt: skip
        roles = {"PRES": "president", "MIN": "minister", "PN": "director", "DEF": "ombudsperson"}
        post = {
            k: r.add_post(
                "Comandante" if k not in roles else roles[k].capitalize(),
                unit=u[k],
                role=roles.get(k, "commander"),
                head=True,
                support=doc(4),
                key=f"PO-{k}",
            )
            for k in ("PRES", "MIN", "PN", "REG", "ESC", "JTF", "ARMY", "BAT", "DEF")
        }
        people = {
            k: r.add_person(name, support=doc(5), key=k)
            for k, name in [
                ("ANA", "Ana Pérez"),
                ("JOSE", "José Núñez"),
                ("MARTIN", "Martín Gómez"),
                ("LUIS", "Luis Ortega"),
                ("ELENA", "Elena Sánchez"),
                ("TOMAS", "Tomás Medina"),
                ("RAUL", "Raúl Ortiz"),
                ("FABIO", "Fabio Duarte"),
                ("OSCAR", "Óscar Parra"),
                ("INES", "Inés Caicedo"),
            ]
        }
        for who, where, span in [
            ("ANA", "ESC", TimeSpan.of(start="2023-06-01", end="2024-01-09")),
            ("JOSE", "ESC", TimeSpan.of(start="2024-01-10", last_cited="2024-02-20")),
            ("MARTIN", "REG", TimeSpan.of(first_cited="2023-11-02", last_cited="2024-02-20")),
            ("LUIS", "PN", TimeSpan.of(start="2022-03-01", end="2025-03-01")),
            ("ELENA", "MIN", TimeSpan.of(start="2023-08-10", end="2024-08-10")),
            ("TOMAS", "PRES", TimeSpan.of(start="2022-08-07", end="2026-08-07")),
            ("RAUL", "JTF", TimeSpan.of(start="2024-01-01", end="2024-02-29")),
            ("FABIO", "ARMY", TimeSpan.of(start="2022-08-08")),
            ("OSCAR", "BAT", TimeSpan.of(start="2023-06-15")),
            ("INES", "DEF", TimeSpan.of(start="2021-01-01")),
        ]:
            t = r.add_tenure(people[who], post[where], support=doc(6), span=span)
            ids[f"T-{who}"] = t.id
        both = [u["ESC"], u["BAT"]]
        o1 = r.add_order(
            "Plan Sur 01", kind="plan", issued_by_person=people["RAUL"],
            issued_by_post=post["JTF"], to_units=both, firearms_authorised=True,
            labels=["grupos hostiles"], operation="Sur",
            support=rep(1, "Se autoriza el empleo de armas de fuego contra los terroristas que "
                           "bloquean las vías."),
            span=TimeSpan.of(start="2024-01-01", end="2024-01-31"), key="O1",
        )  # fmt: skip
        o2 = r.add_order(
            "Prórroga Plan Sur 01", kind="renewal", issued_by_person=people["RAUL"],
            to_units=both, firearms_authorised=True, labels=["Terroristas"], renews=o1,
            support=rep(2), span=TimeSpan.of(start="2024-02-01", end="2024-02-29"), key="O2",
        )  # fmt: skip
        o3 = r.add_order(
            "Modificación: prohibidas las armas de fuego", kind="amendment",
            issued_by_person=people["LUIS"], to_units=[u["ESC"]], firearms_authorised=False,
            renews=o1, support=rep(3), span=TimeSpan.of(start="2024-02-05", end="2024-02-29"),
            key="O3",
        )  # fmt: skip
        i1 = r.add_incident(
            "Plaza Sur", killed=2, injured=5, support=rep(4), key="I1",
            span=TimeSpan.of(start="2024-01-10T15:00", end="2024-01-10T19:30"),
        )  # fmt: skip
        i2 = r.add_incident(
            "Puente Norte", killed=1, support=rep(5), key="I2", span=TimeSpan.of(start="2024-01-25")
        )
        i3 = r.add_incident(
            "Mercado", killed=1, support=rep(6), key="I3", span=TimeSpan.of(start="2024-02-10")
        )
        r.attribute(i1, unit=u["ESC"], basis="uniforms and vehicles on video", support=rep(4))
        r.attribute(i2, unit=u["BAT"], support=rep(5))
        r.attribute(i3, unit=u["ESC"], support=rep(6))

        def on(day: str) -> TimeSpan:
            return TimeSpan.of(start=day)

        p = PartyRef
        c1 = r.add_communication(
            "casualty_report", incident=i1, span=on("2024-01-10"), support=rep(7), key="C1",
            parties=[p("from", person=people["JOSE"]), p("to", unit=u["REG"])],
        )  # fmt: skip
        c2 = r.add_communication(
            "warning", incident=i1, span=on("2024-01-12"), support=rep(8), key="C2",
            parties=[p("from", person=people["INES"]), p("from", unit=u["DEF"]),
                     p("to", person=people["ELENA"])],
        )  # fmt: skip
        c3 = r.add_communication(
            "ceasefire_call", incident=i1, span=on("2024-01-10T17:00"), support=rep(9), key="C3",
            parties=[p("from", unit=u["DEF"]), p("to", person=people["LUIS"])],
        )  # fmt: skip
        m1 = r.add_meeting(
            subject="Plaza Sur", incident=i1, span=on("2024-01-11"), support=rep(10), key="M1",
            parties=[p("attendee", person=people["LUIS"]), p("attendee", person=people["MARTIN"])],
        )  # fmt: skip
        s1 = r.add_statement(
            "justification", incident=i2, span=on("2024-01-26"), key="S1",
            summary="actuaron conforme al plan", support=rep(11, "actuaron conforme al plan"),
            parties=[p("speaker", person=people["RAUL"])],
        )  # fmt: skip
        s2 = r.add_statement(
            "condemnation", incident=i1, span=on("2024-01-13"), support=rep(12), key="S2",
            parties=[p("speaker", unit=u["UN"])],
        )  # fmt: skip
        me1 = r.add_measure(
            "disciplinary_archived", incident=i1, span=on("2024-03-01"), support=rep(13),
            key="Me1", parties=[p("decided_by", person=people["LUIS"])],
        )  # fmt: skip
        me2 = r.add_measure(
            "promotion", span=on("2024-02-15"), support=rep(14), key="Me2",
            parties=[p("decided_by", person=people["LUIS"]), p("about", person=people["JOSE"])],
        )  # fmt: skip
        me3 = r.add_measure(
            "dismissal", span=on("2024-01-05"), support=rep(15), key="Me3",
            parties=[p("decided_by", person=people["LUIS"]),
                     p("about", person=people["MARTIN"])],
        )  # fmt: skip
        ids.update({k: f.id for k, f in u.items()})
        ids.update({f"PO-{k}": f.id for k, f in post.items()})
        ids.update({k: f.id for k, f in people.items()})
        for k, f in [("O1", o1), ("O2", o2), ("O3", o3), ("I1", i1), ("I2", i2), ("I3", i3),
                     ("C1", c1), ("C2", c2), ("C3", c3), ("M1", m1), ("S1", s1), ("S2", s2),
                     ("Me1", me1), ("Me2", me2), ("Me3", me3)]:  # fmt: skip
            ids[k] = f.id
    return World(case, decree, report, ids)
