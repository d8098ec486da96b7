"""The chain at the moment of an incident, on the hand-built case of analysis_world.py.

Worked out by hand for I1 (2024-01-10T15:00 to 19:30, attributed to Escuadrón 1):
  links: Escuadrón 1 -> Dirección Regional Sur (a), -> Comando Conjunto Sur (o, known
  2024-01-01..02-29); D. R. Sur -> Policía Nacional -> Ministerio -> Presidencia (a);
  Comando Conjunto Sur -> Presidencia (a). Six links; the five undated ones are assumed to hold
  and say so ("undated; assumed to hold on ..."), the dated operational one needs no assumption.
  commanders: José Núñez (depth 0; Ana Pérez's tenure ended 2024-01-09, the day before, so she
  is not there), Martín Gómez (1; cited 2023-11-02 and 2024-02-20, assumed continuous), Raúl Ortiz
  (1, operational line, and chief named by Plan Sur 01), Luis Ortega (2), Tomás Medina (2, by
  the shortest line Escuadrón 1 -> Comando Conjunto Sur -> Presidencia), Elena Sánchez (3).
  plan in force: Plan Sur 01 only (the renewal starts 2024-02-01).
"""

from __future__ import annotations

from pathlib import Path

from analysis_world import World, build

from cadena.analysis.chain import analyze_chain
from cadena.vault.case import Case


def test_chain_at_the_moment_of_the_incident(case: Case, tmp_path: Path) -> None:
    w: World = build(case, tmp_path)
    with case.session(write=False) as s:
        a = analyze_chain(s, "Plaza Sur")
    sup = {x["name"]: x for x in a.summary["superiors"]}
    depth = {n: min(r["depth"] for r in x["roles"]) for n, x in sup.items()}
    assert depth == {
        "José Núñez": 0,
        "Raúl Ortiz": 0,  # as the chief the plan in force names (and 1 as commander)
        "Martín Gómez": 1,
        "Luis Ortega": 2,
        "Tomás Medina": 2,
        "Elena Sánchez": 3,
    }
    assert "Ana Pérez" not in sup  # her tenure ended the day before
    [handover] = a.of_kind("handover")  # but the hand-over is shown, not hidden
    assert handover.statement.en == (
        "Ana Pérez's command of Escuadrón 1 (Comandante) ended on 2024-01-09, 1 day(s) before the "
        "incident; not in the chain at 2024-01-10T15:00 to 2024-01-10T19:30."
    )
    assert w.ids["T-ANA"] in handover.facts
    assert {r["kind"] for r in sup["Raúl Ortiz"]["roles"]} == {"commander", "plan_chief"}
    [martin] = [f for f in a.of_kind("commander") if f.data["person"] == w.ids["MARTIN"]]
    assert (
        "held on 2024-01-10T15:00 to 2024-01-10T19:30: cited 2023-11-02 and 2024-02-20, "
        "assumed continuous between" in martin.assumptions
    )
    assert martin.data["route"] == "Escuadrón 1 → Dirección Regional Sur"
    assert w.ids["T-MARTIN"] in martin.facts and w.decree in {c.item for _, c in martin.citations}
    [tomas] = [f for f in a.of_kind("commander") if f.data["person"] == w.ids["TOMAS"]]
    assert tomas.data["route"] == "Escuadrón 1 → Comando Conjunto Sur → Presidencia"
    assert tomas.data["lines"] == ["administrative", "operational"]
    links = a.of_kind("link")
    assert len(links) == 6
    assert [f.assumptions for f in links if f.data["line"] == "operational"] == [()]
    assert sum(1 for f in links if f.assumptions and "undated" in f.assumptions[0]) == 5
    [plan] = a.of_kind("plan_in_force")
    assert plan.data["order"] == w.ids["O1"] and plan.data["firearms_authorised"] is True
    assert a.of_kind("no_commander") == []
    # every statement rests on facts, with citations
    assert all(f.facts and f.citations for f in a.findings)
    assert a.as_dict("es")["findings"][0]["text"].startswith("El incidente 'Plaza Sur'")
    # reproducible, and says what it read
    with case.session(write=False) as s:
        one = analyze_chain(s, "I2").as_dict()
        two = analyze_chain(s, "Puente Norte").as_dict()
    assert one == two
    assert len(one["read"]["facts_sha256"]) == 64 and one["read"]["fact_count"] > 50
    names = {x["name"] for x in one["summary"]["superiors"]}
    # Batallón 5 is under Comando Conjunto Sur from 2024-01-15: Raúl Ortiz is in the chain of I2
    assert names == {"Óscar Parra", "Fabio Duarte", "Raúl Ortiz", "Tomás Medina"}


def test_a_span_in_a_spanish_statement_reads_a_not_to() -> None:
    from cadena.analysis.findings import finding

    f = finding(
        "plan_in_force",
        "in force on 2024-01-10T16:00 to 2024-01-10T20:00",
        "vigente el 2024-01-10T16:00 to 2024-01-10T20:00",
        [],
    )
    assert f.statement.es == "vigente el 2024-01-10T16:00 a 2024-01-10T20:00"
    assert f.statement.en.endswith("to 2024-01-10T20:00")
