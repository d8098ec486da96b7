"""Pattern indicators on the hand-built case of analysis_world.py, worked out by hand.

redeployed_after_deaths: after I1 (2 killed), Escuadrón 1 and its commander José Núñez acted
    again in I3 (2024-02-10, within 120 days). I2's Batallón 5 never acts again. -> 1
lethal_plan_renewed_after_deaths: O2 (2024-02-01) renews firearms for both units after deaths
    in I1 (Escuadrón 1) and I2 (Batallón 5). O3 also points at O1 but forbids firearms. -> 1
rewarded_after_lethal_operation (90 days): José Núñez's promotion (2024-02-15) after I1 and I3;
    Raúl Ortiz's justification (2024-01-26) after I1 and I2 (I3 comes later). -> 2
disciplinary_archived_or_minor: the case about I1 archived on 2024-03-01. -> 1
shooting_despite_warnings: I1 lasted 15:00-19:30 (4.5 h); the ceasefire call at 17:00 came
    2.5 h before it ended. -> 1
dehumanising_labels_in_orders: O1 ("grupos hostiles"; quote "...terroristas..."), O2
    ("Terroristas"). -> 2
army_brought_in_again: after I2 by Batallón 5 (army), O2 addresses Batallón 5 again. -> 1
"""

from __future__ import annotations

from pathlib import Path

from analysis_world import build

from cadena.analysis.patterns import analyze_patterns, declared
from cadena.vault.case import Case


def test_patterns(case: Case, tmp_path: Path) -> None:
    w = build(case, tmp_path)
    ids = w.ids
    with case.session(write=False) as s:
        a = analyze_patterns(s)
    assert a.summary["by_pattern"] == {
        "redeployed_after_deaths": 1,
        "lethal_plan_renewed_after_deaths": 1,
        "rewarded_after_lethal_operation": 2,
        "disciplinary_archived_or_minor": 1,
        "shooting_despite_warnings": 1,
        "dehumanising_labels_in_orders": 2,
        "army_brought_in_again": 1,
    }

    def of(name: str) -> list:  # type: ignore[type-arg]
        return [f for f in a.findings if f.data["pattern"] == name]

    [again] = of("redeployed_after_deaths")
    assert again.statement.en == (
        "After 'Plaza Sur' (2024-01-10T15:00, 2 killed): Escuadrón 1, José Núñez acted again in "
        "'Mercado' (2024-02-10)."
    )
    [renewed] = of("lethal_plan_renewed_after_deaths")
    assert renewed.data["order"] == ids["O2"]
    assert renewed.data["incidents"] == [ids["I1"], ids["I2"]]
    rewarded = {
        (f.data["person"], tuple(f.data["incidents"]))
        for f in of("rewarded_after_lethal_operation")
    }
    assert rewarded == {
        (ids["JOSE"], (ids["I1"], ids["I3"])),
        (ids["RAUL"], (ids["I1"], ids["I2"])),
    }
    [shooting] = of("shooting_despite_warnings")
    assert shooting.statement.en == (
        "'Plaza Sur' went on for 4.5 hours; a ceasefire call at 2024-01-10T17:00 came 2.5 hours "
        "before it ended."
    )
    labels = {f.data["order"]: f.data["words"] for f in of("dehumanising_labels_in_orders")}
    assert labels == {ids["O1"]: ["hostiles", "terroristas"], ids["O2"]: ["terroristas"]}
    [army] = of("army_brought_in_again")
    assert (army.data["incident"], army.data["later"]) == (ids["I2"], ids["O2"])
    assert all(f.facts and f.citations for f in a.findings)
    assert a.read.frameworks[0]["version"] == declared()["version"]
