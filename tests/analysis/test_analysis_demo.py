"""`run_all` on the training case: the Valdoria force loaded from its sheet with the facts
importer, then the demo incidents and notice facts (cadena.analysis.demo), then every analysis.

Worked out by hand from src/cadena/facts/demo_force and DOCUMENTS in cadena.analysis.demo:
  Plaza de la Libertad (2024-01-10T16:00-20:00, Escuadrón UMO 2): UMO 2 -> UMO -> PNV ->
  MinInterior -> Presidencia (administrative) and UMO 2 -> CCOP Centro (operational from
  2024-01-08) -> MinDefensa -> Presidencia. Superiors: Andrés Villalba (UMO 2 until 2024-01-31),
  Mauricio Rengifo, Hernán Quiroga, Beatriz Londoño, Ricardo Mejía (CCOP Centro, and issuer of
  the plan in force), Esteban Cárdenas, Julián Arbeláez.
  First actual notice: Londoño 2024-01-12 (the Defensoría's letter), Quiroga 2024-01-11 (the
  meeting), Mejía 2024-01-10T18:00 (the ceasefire call addressed to CCOP Centro, which he headed),
  Arbeláez none (only constructive notice).
  Patterns: UMO 2 acts again on 12 February (1); the renewal of 1 February after deaths on 10 and
  25 January (1); Villalba's promotion and Mejía's justification (2); the archived case (1);
  4 hours of shooting with a ceasefire call at 18:00 (1); "hostiles" in the plan, "terroristas"
  in its renewal (2); the renewal addresses BIM-21 again after Puente Sur (1).
"""

from __future__ import annotations

import json

from cadena.analysis.demo import add_demo_facts, run_all
from cadena.facts.demo import load_demo_force
from cadena.vault.case import Case
from cadena.vault.verify import verify


def test_run_all_on_the_training_case(case: Case) -> None:
    load_demo_force(case)
    result = run_all(case)
    json.dumps(result)  # plain data
    plaza = result["chains"]["Plaza de la Libertad, 10 de enero"]
    assert {x["name"] for x in plaza["summary"]["superiors"]} == {
        "Andrés Villalba Ortiz",
        "Mauricio Rengifo Lara",
        "Hernán Quiroga Salas",
        "Beatriz Londoño Ríos",
        "Ricardo Mejía Arango",
        "Esteban Cárdenas Mora",
        "Julián Arbeláez Soto",
    }
    first_actual = {n: a["summary"]["first_actual_notice"] for n, a in result["notice"].items()}
    assert first_actual["Beatriz Londoño Ríos"] == "2024-01-12"
    assert first_actual["Hernán Quiroga Salas"] == "2024-01-11"
    assert first_actual["Ricardo Mejía Arango"] == "2024-01-10T18:00"
    assert first_actual["Julián Arbeláez Soto"] is None
    assert result["summary"]["patterns"] == {
        "redeployed_after_deaths": 1,
        "lethal_plan_renewed_after_deaths": 1,
        "rewarded_after_lethal_operation": 2,
        "disciplinary_archived_or_minor": 1,
        "shooting_despite_warnings": 1,
        "dehumanising_labels_in_orders": 2,
        "army_brought_in_again": 1,
    }
    assert result["summary"]["incidents"] == 3 and result["summary"]["gaps"] > 0
    gaps = [f["text"] for f in result["gaps"]["findings"]]
    assert (
        "No record that information about 'Plaza de la Libertad, 10 de enero' reached Julián "
        "Arbeláez Soto (Presidente de la República, Presidencia de la República); ask for the "
        "correspondence, briefings and warnings received by that office between 2024-01-10 and "
        "2024-01-13."
    ) in gaps
    assert add_demo_facts(case) is False  # a second run adds nothing
    again = run_all(case)
    assert again["gaps"]["read"] == result["gaps"]["read"]  # same facts, same hash
    assert verify(case).clean  # the demo documents and facts went in through custody
