"""Notice timelines on the hand-built case of analysis_world.py, worked out by hand.

Martín Gómez (Dirección Regional Sur, tenure cited 2023-11-02 and 2024-02-20 only):
  2024-01-10        C1 casualty report addressed to his unit, he headed it then  -> actual
  2024-01-10T15:00  I1 by Escuadrón 1, under him                                 -> constructive
  2024-01-11        M1 meeting about I1                                          -> actual
  2024-01-13        S2 condemnation of I1 by the UN office                       -> constructive
  2024-02-10        I3 by Escuadrón 1                                            -> constructive
  first notice 2024-01-10, first actual notice 2024-01-10.
Elena Sánchez (minister): I1 (constructive), C2 warning from the Defensoría 2024-01-12
  (actual; from outside the forces), S2, I3: first notice 2024-01-10T15:00, first actual 2024-01-12.
Luis Ortega: I1, C3 ceasefire call 2024-01-10T17:00 during I1, M1, S2, I3, Me1 (his decision to
  archive the case about I1, 2024-03-01); the promotion Me2 is about no incident: not notice.
Fabio Duarte (army): only I2 (constructive), no actual notice.
Ana Pérez: her tenure ended the day before I1; no event at all, so never said to have known.
"""

from __future__ import annotations

from pathlib import Path

from analysis_world import build

from cadena.analysis.notice import analyze_notice
from cadena.vault.case import Case


def _timeline(a) -> list[tuple[str | None, str, str]]:  # type: ignore[no-untyped-def]
    return [(f.data["date"], f.data["mode"], f.data["category"]) for f in a.of_kind("notice")]


def test_notice_timelines_and_first_dates(case: Case, tmp_path: Path) -> None:
    w = build(case, tmp_path)
    with case.session(write=False) as s:
        martin = analyze_notice(s, "Martín Gómez")
        elena = analyze_notice(s, "elena sanchez")
        luis = analyze_notice(s, "LUIS")
        fabio = analyze_notice(s, "Fabio Duarte")
    assert _timeline(martin) == [
        ("2024-01-10", "actual", "casualty_report_received"),
        ("2024-01-10T15:00", "constructive", "incident_under_command"),
        ("2024-01-11", "actual", "meeting"),
        ("2024-01-13", "constructive", "public_condemnation"),
        ("2024-02-10", "constructive", "incident_under_command"),
    ]
    assert martin.summary["first_notice"] == "2024-01-10"
    assert martin.summary["first_actual_notice"] == "2024-01-10"
    c1 = martin.of_kind("notice")[0]
    assert w.ids["C1"] in c1.facts and w.ids["T-MARTIN"] in c1.facts
    assert any("addressed to the unit Dirección Regional Sur" in x for x in c1.assumptions)
    assert any("assumed continuous between" in x for x in c1.assumptions)
    assert (elena.summary["first_notice"], elena.summary["first_actual_notice"]) == (
        "2024-01-10T15:00",
        "2024-01-12",
    )
    assert ("2024-01-12", "actual", "external_warning") in _timeline(elena)
    assert _timeline(luis)[1] == ("2024-01-10T17:00", "actual", "external_warning")
    assert _timeline(luis)[-1] == ("2024-03-01", "actual", "decision")
    assert len(_timeline(luis)) == 6
    assert _timeline(fabio) == [("2024-01-25", "constructive", "incident_under_command")]
    assert fabio.summary["first_actual_notice"] is None
    # no notice: never said to have known
    with case.session(write=False) as s:
        ana = analyze_notice(s, "Ana Pérez")
    assert ana.summary == {
        "first_notice": None,
        "first_actual_notice": None,
        "events": 0,
        "undated_incidents": [],
    }
    [head] = ana.findings
    assert (
        head.statement.en
        == "No notice event is on record for Ana Pérez: nothing here says they knew."
    )
    assert "knew" not in head.statement.en.replace("says they knew", "")
