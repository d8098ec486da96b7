"""The elements matrix on the hand-built case of analysis_world.py, worked out by hand.

Raúl Ortiz × I2 (Puente Norte, 2024-01-25, Batallón 5; he commands the joint command Batallón 5
is under since 2024-01-15, and issued Plan Sur 01, in force, firearms authorised):
  28(a) commander: supported (de jure post; he issued the plan in force)
  28(a) knowledge: supported: constructive notice before (I1 on 2024-01-10 by Escuadrón 1, then
        under him; the UN condemnation of 2024-01-13), actual notice of I2 (his own
        justification of 2024-01-26). No actual notice *before* I2.
  28(a) failure to prevent: supported: firearms still authorised on 2024-01-25 after first notice
        on 2024-01-10; no restricting instruction on record between (an absence, named as such)
  28(a) failure to repress: supported: no case, no referral (absences), his justification
  25(3)(b) ordering: supported (his plan authorises firearms); labels: "hostiles" (the label)
        and "terroristas" (the quoted passage)
Óscar Parra × I2 (commands Batallón 5; nothing reached him): knowledge, failure to prevent,
  failure to repress: no evidence, each with the request that would fill it.
Raúl Ortiz × I3 (Mercado, 2024-02-10, Escuadrón 1): Luis Ortega's amendment of 2024-02-05
  forbids firearms for Escuadrón 1, so "firearms still authorised" does not fire and the
  amendment speaks against failure to prevent; his renewal of 2024-02-01 (firearms kept) and
  Escuadrón 1 acting again after I1 speak for it: contested.
Martín Gómez × I1: his tenure is only assumed continuous, and a dismissal dated 2024-01-05 says
  otherwise: 28(a) commander is contested, not silently resolved.
Tomás Medina × I3 (president, civil: 28(b) only): only constructive notice, which 28(b) does not
  accept: knowledge no evidence. Shown as context: the constructive notice, and repetition (I2 on
  2024-01-25 and I3, two incidents under him within the 30 days before I3).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_world import build

from cadena.analysis.elements import analyze_elements
from cadena.analysis.findings import Finding
from cadena.analysis.frameworks import load_frameworks
from cadena.analysis.indicators import ABSENCE
from cadena.errors import CadenaError
from cadena.vault.case import Case


def _rows(a, person: int, incident: int) -> dict[tuple[str, str], Finding]:  # type: ignore[no-untyped-def]
    return {
        (f.framework, f.data["element"]): f
        for f in a.findings
        if f.data["person"] == person and f.data["incident"] == incident
    }


def _fired(f: Finding, side: str = "for") -> set[str]:
    return {h["indicator"] for h in f.data[side]}


def test_elements_matrix(case: Case, tmp_path: Path) -> None:
    w = build(case, tmp_path)
    ids = w.ids
    with case.session(write=False) as s:
        i2 = analyze_elements(s, "Puente Norte")
        i3 = analyze_elements(s, "I3")
        i1 = analyze_elements(s, "Plaza Sur")
    raul = _rows(i2, ids["RAUL"], ids["I2"])
    assert raul["rome-28a", "commander"].status == "supported"
    assert _fired(raul["rome-28a", "commander"]) == {"de_jure_post", "signed_plan_in_force"}
    know = raul["rome-28a", "knowledge"]
    assert know.status == "supported"
    assert _fired(know) == {"constructive_notice_before", "actual_notice_of_incident"}
    assert {ids["I1"], ids["S2"], ids["S1"]} <= set(know.facts)
    prevent = raul["rome-28a", "failure_to_prevent"]
    assert prevent.status == "supported"
    assert _fired(prevent) == {"lethal_weapons_still_authorised", "no_restricting_instruction"}
    assert ABSENCE in prevent.assumptions
    repress = raul["rome-28a", "failure_to_repress"]
    assert _fired(repress) == {"no_disciplinary_case", "praise_or_justification", "no_referral"}
    assert raul["rome-25-3b", "ordering"].status == "supported"
    labels = raul["rome-25-3b", "dehumanising_labels"]
    assert [h["text"]["en"] for h in labels.data["for"]] == [
        "'Plan Sur 01' calls protesters: hostiles, terroristas"
    ]
    assert raul["rome-28a", "knowledge"].framework_version == "1.0"

    oscar = _rows(i2, ids["OSCAR"], ids["I2"])
    for element in ("knowledge", "failure_to_prevent", "failure_to_repress"):
        assert oscar["rome-28a", element].status == "no_evidence"
    assert oscar["rome-28a", "knowledge"].data["request"]["en"] == (
        "no record that Óscar Parra (Comandante, Batallón 5) received the casualty report of "
        "2024-01-25; ask for the reports, radio logs and messages sent to that post between "
        "2024-01-25 and 2024-01-28"
    )
    assert oscar["rome-28a", "commander"].status == "supported"

    raul3 = _rows(i3, ids["RAUL"], ids["I3"])
    prevent3 = raul3["rome-28a", "failure_to_prevent"]
    assert prevent3.status == "contested"
    assert _fired(prevent3) == {"plan_renewed_unchanged_after_notice", "same_commanders_redeployed"}
    assert _fired(prevent3, "against") == {"restricting_instruction"}
    assert ids["O3"] in prevent3.facts
    assert raul3["un-bpuff", "p9_p14_firearms_authorised"].status == "no_evidence"

    martin = _rows(i1, ids["MARTIN"], ids["I1"])
    assert martin["rome-28a", "commander"].status == "contested"
    assert _fired(martin["rome-28a", "commander"], "against") == {"removed_before"}
    assert any(
        "effectively acting as a military commander" in a
        for a in martin["rome-28a", "commander"].assumptions
    )

    tomas = _rows(i3, ids["TOMAS"], ids["I3"])
    # civil: neither 28(a) nor the UN Basic Principles apply
    assert {fw for fw, _ in tomas} == {"rome-28b", "rome-25-3b"}
    assert tomas["rome-28b", "knowledge"].status == "no_evidence"
    assert _fired(tomas["rome-28b", "knowledge"], "context") == {
        "constructive_notice_before",
        "scale_repetition_duration",  # I2 and I3 within 30 days, both under him
    }
    assert {f["id"] for f in i3.read.frameworks} == {
        "rome-28a",
        "rome-28b",
        "un-bpuff",
        "rome-25-3b",
    }


def test_a_country_framework_is_a_file(case: Case, tmp_path: Path) -> None:
    w = build(case, tmp_path)
    law = tmp_path / "law"
    law.mkdir()
    (law / "valdoria.yaml").write_text(
        "id: vd-ley-1\nversion: '2'\ntitle: {en: Police law, es: Ley de policía}\n"
        "applies_to: {forces: [army]}\nelements:\n"
        "  - id: deber\n    title: {en: Duty to report, es: Deber de informar}\n"
        "    indicators: [report_of_incident]\n"
        "    request: {en: 'ask {post} for the report of {date}',\n"
        "              es: 'pedir a {post} el parte del {date}'}\n",
        encoding="utf-8",
    )
    frameworks = [f for f in load_frameworks([law]) if f.id == "vd-ley-1"]
    with case.session(write=False) as s:
        a = analyze_elements(s, "Óscar Parra", frameworks)
    [row] = a.findings
    assert (row.framework, row.framework_version, row.status) == ("vd-ley-1", "2", "no_evidence")
    assert row.data["request"]["es"] == "pedir a Comandante, Batallón 5 el parte del 2024-01-25"
    assert w.ids["T-OSCAR"] in row.facts  # an empty row still rests on what made him a superior
    # Two persons on record in the same command at the same moment: contested for both, and the
    # other one named (Pedro Ruiz cited as commander of Dirección Regional Sur on 2024-01-10).
    from cadena.facts.citations import Cite, Support
    from cadena.facts.record import Recorder
    from cadena.facts.time import TimeSpan

    with case.session() as s:
        r = Recorder(case, s)
        pedro = r.add_person("Pedro Ruiz", support=Support.of("low", [Cite(w.report)]))
        r.add_tenure(
            pedro,
            "PO-REG",
            support=Support.of("low", [Cite(w.report)]),
            span=TimeSpan.of(first_cited="2024-01-10", last_cited="2024-01-10"),
        )
    with case.session(write=False) as s:
        i1 = analyze_elements(s, "Plaza Sur", [f for f in load_frameworks() if f.id == "rome-28a"])
    both = {f.data["person_name"]: f for f in i1.findings if f.data["element"] == "commander"}
    assert both["Pedro Ruiz"].status == "contested"
    assert _fired(both["Pedro Ruiz"], "against") == {"competing_holder"}
    assert _fired(both["Martín Gómez"], "against") == {"competing_holder", "removed_before"}
    assert both["Pedro Ruiz"].confidence == "low"
    # A reviewer's annotation linking I2 and naming Óscar Parra places him at the scene: de facto
    # control gains "near the scene", and his notice gains an actual event on I2's date.
    from cadena.analysis.notice import analyze_notice
    from cadena.verify.annotations import annotate, make_links, page

    with case.session() as s:
        annotate(
            case,
            s,
            w.report,
            page(5),
            "Parra dirige a los soldados en el puente",
            make_links([("incident", "Puente Norte"), ("person", "Óscar Parra")]),
        )
    with case.session(write=False) as s:
        rows = analyze_elements(
            s, "Óscar Parra", [f for f in load_frameworks() if f.id == "rome-28a"]
        )
        seen = analyze_notice(s, "Óscar Parra")
    commander = next(f for f in rows.findings if f.data["element"] == "commander")
    assert "near_scene" in _fired(commander)
    assert {
        "item": w.report,
        "locator": {"kind": "page", "page": 5},
        "quote": "Parra dirige a los soldados en el puente",
    } in [{k: c[k] for k in ("item", "locator", "quote")} for c in commander.as_dict()["citations"]]
    assert seen.summary["first_actual_notice"] == "2024-01-25"
    # Principle 9: an order of 2024-01-20 for Batallón 5 keeps firearms but only to protect life;
    # for I2 it is the order that began last, so P9/P14 has evidence against, none for.
    with case.session() as s:
        Recorder(case, s).add_order(
            "Reglas de uso de la fuerza",
            kind="amendment",
            to_units=["Batallón 5"],
            firearms_authorised=True,
            support=Support.of("high", [Cite(w.report)]),
            lethal_force_conditions="solo en legítima defensa ante amenaza inminente a la vida",
            span=TimeSpan.of(start="2024-01-20", end="2024-01-31"),
        )
    with case.session(write=False) as s:
        un = [f for f in load_frameworks() if f.id == "un-bpuff"]
        p9 = next(
            f
            for f in analyze_elements(s, "Óscar Parra", un).findings
            if f.data["element"] == "p9_p14_firearms_authorised"
        )
    assert (p9.status, _fired(p9, "against"), p9.framework_version) == (
        "no_evidence",
        {"firearms_limited_to_life"},
        "1.1",
    )
    (law / "bad.yaml").write_text(
        "id: bad\nversion: '1'\nelements:\n  - id: x\n    indicators: [mind_reading]\n",
        encoding="utf-8",
    )
    with pytest.raises(CadenaError, match="unknown indicator.*mind_reading"):
        load_frameworks([law])
