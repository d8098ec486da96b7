"""Gaps on the hand-built case of analysis_world.py, plus three holes added here:

  I4 "Calle 5" 2024-03-05 at (4.6000, -74.0800), attributed to no unit; Batallón 5 is deployed
     at (4.6005, -74.0805), about 75 m away, from 2024-03-01 to 2024-03-10 -> a gap asking for
     the deployment orders, naming Batallón 5 as on record there.
  I5 "Puerto" 2024-03-06 attributed to Grupo X, a unit under Dirección Regional Sur with no
     commander on record -> "No record of who commanded Grupo X on 2024-03-06; ... between
     2024-03-06 and 2024-03-07".
  I6 "Sin fecha", no date -> a gap asking for its date.

Óscar Parra × I2 (nothing reached him) has 13 elements with no evidence, each its own request:
  28(a): effective control, knowledge, failure to prevent, failure to repress, result of failure;
  UN Basic Principles: P22, P23, P24 knowledge, P24 measures, P25, P26 (P9/P14 is supported:
  Plan Sur 01 authorised firearms); 25(3)(b): ordering, labels.
"""

from __future__ import annotations

from pathlib import Path

from analysis_world import build

from cadena.analysis.gaps import analyze_gaps
from cadena.facts.citations import Cite, Support
from cadena.facts.record import Recorder
from cadena.facts.time import TimeSpan
from cadena.vault.case import Case


def test_gaps_are_requests(case: Case, tmp_path: Path) -> None:
    w = build(case, tmp_path)
    cite = Support.of("medium", [Cite(w.report, {"kind": "page", "page": 20})])
    with case.session() as s:
        r = Recorder(case, s)
        r.add_incident("Calle 5", support=cite, span=TimeSpan.of(start="2024-03-05"),
                       lat=4.6, lon=-74.08, killed=1, place="Calle 5")  # fmt: skip
        r.add_deployment("Batallón 5", "Calle 5 norte", support=cite, lat=4.6005, lon=-74.0805,
                         span=TimeSpan.of(start="2024-03-01", end="2024-03-10"))  # fmt: skip
        gx = r.add_unit("Grupo X", support=cite)
        r.link_units(gx, "Dirección Regional Sur", support=cite)
        i5 = r.add_incident("Puerto", support=cite, span=TimeSpan.of(start="2024-03-06"))
        r.attribute(i5, unit=gx, support=cite)
        r.add_incident("Sin fecha", support=cite)
    with case.session(write=False) as s:
        a = analyze_gaps(s)
    texts = [f.statement.en for f in a.findings]
    assert any(t.startswith("No unit is attributed for 'Calle 5' (2024-03-05)") and
               t.endswith("Units on record there then: Batallón 5.") for t in texts)  # fmt: skip
    assert (
        "No record of who commanded Grupo X on 2024-03-06; ask for the appointment and hand-over "
        "records of the command of Grupo X in force between 2024-03-06 and 2024-03-07."
    ) in texts
    assert any(t.startswith("Incident 'Sin fecha' has no date on record") for t in texts)
    oscar = [
        f
        for f in a.findings
        if f.data.get("person") == w.ids["OSCAR"] and f.data.get("incident") == w.ids["I2"]
    ]
    assert len(oscar) == 13
    assert (
        "No record that Óscar Parra (Comandante, Batallón 5) received the casualty report of "
        "2024-01-25; ask for the reports, radio logs and messages sent to that post between "
        "2024-01-25 and 2024-01-28."
    ) in [f.statement.en for f in oscar]
    assert all(f.facts for f in a.findings)  # every gap rests on the facts that raised it
    # Raúl Ortiz × I2: knowledge is supported, so no knowledge gap for him there
    raul = [f for f in a.findings if f.data.get("person") == w.ids["RAUL"]
            and f.data.get("incident") == w.ids["I2"]]  # fmt: skip
    assert not any("rome-28a:knowledge" in f.data["elements"] for f in raul)
