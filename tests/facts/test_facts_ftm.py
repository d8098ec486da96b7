"""FollowTheMoney both ways: a hand-built case with every fact type survives export → import →
export with every fact, date, confidence, assumption, citation and note equal; bad lines are
reported with their line and nothing is imported; FtM written elsewhere reads in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model
from sqlalchemy import func, select
from test_facts_sheet import copy_items

from cadena.facts.citations import Cite, Support
from cadena.facts.export import fact_snapshot
from cadena.facts.ftm import export_ftm, import_ftm
from cadena.facts.models import Fact
from cadena.facts.queries import chain, commander
from cadena.facts.record import Identity, PartyRef, Recorder
from cadena.facts.sheet import ImportRefused
from cadena.facts.time import TimeSpan
from cadena.vault.case import Case
from conftest import World, build


def every_kind(w: World) -> None:
    """Adds to the conftest world what it lacks: a rank, an order and its renewal, a deployment
    under the plan, an incident with a victim and two attributions, a communication (from a post),
    a meeting, a statement and a measure; notes, quotes, references and partial dates."""
    video = Support.of(
        "medium",
        [Cite(w.video, {"kind": "time_range", "start_s": 12.4, "end_s": 14.0}, None, "clip 3")],
    )
    with w.case.session() as s:
        r = Recorder(w.case, s)
        r.add_rank("Ana Pérez", "Coronel", support=video, span=TimeSpan.of(first_cited="2022-11"))
        plan = r.add_order(
            "Plan Tormenta 2/2022",
            kind="plan",
            key="O1",
            support=Support.of(
                "high",
                [Cite(w.decree, {"kind": "page", "page": 3}, "se autoriza el uso de armas", "S1")],
            ),
            span=TimeSpan.of(start="2022-12-01", end="2022-12-31"),
            issued_by_post="Director General",
            issued_by_person="Luis Ortega",
            to_units=["Escuadrón Móvil", "Dirección Regional Norte"],
            firearms_authorised=True,
            lethal_force_conditions="ante agresión armada",
            who_may_order_fire="el comandante en el terreno",
            labels=["terroristas", "grupos hostiles"],
            operation="Tormenta",
        )
        plan.note = "the plan names no end of the operation"
        r.add_order(
            "Renovación del Plan Tormenta",
            kind="renewal",
            renews=plan,
            support=Support.of("low", assumption="renewed monthly, as the plan says"),
            span=TimeSpan.of(start="2023-01"),
        )
        r.add_deployment(
            "Escuadrón Móvil",
            "Plaza Central",
            plan=plan,
            operation="Tormenta",
            lat=4.6097,
            lon=-74.0817,
            uncertainty_m=150,
            area={"type": "Point", "coordinates": [-74.0817, 4.6097]},
            support=video,
            span=TimeSpan.of(start="2022-12-14", end="2022-12-16"),
        )
        inc = r.add_incident(
            "Plaza Central, 15 Dec",
            key="I1",
            kind="killing",
            place="Plaza Central",
            lat=4.6,
            lon=-74.08,
            uncertainty_m=50,
            killed=2,
            injured=7,
            weapons=["rifle", "tear gas launcher"],
            ammunition=["5.56 mm"],
            description="Shots toward the crowd",
            support=video,
            span=TimeSpan.of(start="2022-12-15T14:30"),
        )
        r.add_victim(
            inc,
            "V-01",
            harm="killed",
            age=19,
            gender="female",
            identity=Identity(name="María Torres", contact="+57 300 000"),
            support=video,
        )
        r.attribute(inc, unit="Escuadrón Móvil", basis="uniforms", support=video)
        r.attribute(inc, person="José Núñez", basis="seen giving the order", support=video)
        r.add_communication(
            "casualty_report",
            channel="radio",
            summary="two dead in the plaza",
            incident=inc,
            parties=[
                PartyRef("from", unit="Escuadrón Móvil"),
                PartyRef("to", post="Comandante Escuadrón Móvil"),
            ],
            support=video,
            span=TimeSpan.of(start="2022-12-15T14:40"),
        )
        r.add_meeting(
            subject="Consejo de seguridad",
            parties=[PartyRef("attendee", person="Elena Sánchez"), PartyRef("attendee", unit="PN")],
            support=Support.of("medium", [Cite(w.decree, {"kind": "paragraph", "paragraph": 4})]),
            span=TimeSpan.of(start="2022-12-16"),
        )
        r.add_statement(
            "praise",
            summary="the squadron acted with restraint",
            parties=[PartyRef("speaker", person="Elena Sánchez"), PartyRef("about", unit="ESMO")],
            support=Support.of("high", [Cite(w.decree, {"kind": "text", "text": "folio 12"})]),
            span=TimeSpan.of(start="2022-12"),
        )
        r.add_measure(
            "promotion",
            summary="promoted to general",
            parties=[
                PartyRef("decided_by", person="Tomás Medina"),
                PartyRef("about", name="Ana Pérez"),
            ],
            support=Support.of("low", assumption="reported by the press, not yet in the gazette"),
            span=TimeSpan.of(start="2023"),
        )


def _snapshot(case: Case) -> list[dict]:
    with case.session(write=False) as s:
        return fact_snapshot(s)


def test_ftm_round_trip_loses_nothing(case: Case, other_case: Case, tmp_path: Path) -> None:
    w = build(case, tmp_path)
    every_kind(w)
    one = tmp_path / "one.ftm.json"
    n = export_ftm(case, one)
    lines = [json.loads(x) for x in one.read_text().splitlines()]
    assert len(lines) == n
    for e in lines:  # each line is an FtM entity the package accepts, its context kept
        proxy = model.get_proxy(e, cleaned=False)
        proxy.schema.validate(e)
        assert proxy.to_dict().get("cadena") == e.get("cadena")
    schemas = {e["schema"] for e in lines}
    assert {"Membership", "Occupancy", "Position", "Event", "PublicBody", "Note"} <= schemas
    assert "María Torres" not in one.read_text()
    kinds = {e["cadena"]["kind"] for e in lines if "cadena" in e}
    with case.session(write=False) as s:
        assert kinds == set(s.execute(select(Fact.kind)).scalars())  # every fact type is there

    copy_items(case, other_case, tmp_path)
    report = import_ftm(other_case, one)
    assert report.counts["tenure"] == 9 and report.counts["unit_link"] == 6
    two = tmp_path / "two.ftm.json"
    assert export_ftm(other_case, two) == n
    before, after = _snapshot(case), _snapshot(other_case)
    assert len(before) == len(after) > 40
    assert before == after  # the facts themselves, not just their number
    # and what the facts answer
    with case.session(write=False) as s, other_case.session(write=False) as s2:
        a, b = chain(s, "Escuadrón Móvil", "2022-12-15"), chain(s2, "Escuadrón Móvil", "2022-12-15")
        assert a.as_dict()["assumptions"] == b.as_dict()["assumptions"]
        assert [n.unit.name for n in a.nodes] == [n.unit.name for n in b.nodes]
        [gomez] = commander(s2, "Dirección Regional Norte", "2022-12-01").holders
        assert gomez.tenure.span["first_cited"] == "2022-11-02"
        assert gomez.tenure.citations[1].locator == {
            "kind": "time_range",
            "start_s": 12.4,
            "end_s": 14.0,
        }


def test_bad_ftm_lines_reported_nothing_imported(case: Case, tmp_path: Path) -> None:
    good = {
        "id": "p1",
        "schema": "Person",
        "properties": {"name": ["Musa Bello"]},
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"id": "x", "schema": "Spaceship", "properties": {}}),
        json.dumps({"id": "y", "schema": "Person", "properties": {"shoeSize": ["42"]}}),
        json.dumps(
            {
                "id": "m1",
                "schema": "Membership",
                "properties": {"member": ["p1"], "organization": ["nowhere"]},
            }
        ),  # fmt: skip
        json.dumps({**good, "id": "p2", "cadena": {"kind": "person", "confidence": "sure"}}),
    ]
    path = tmp_path / "bad.ftm.json"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportRefused) as exc:
        import_ftm(case, path)
    got = {(p.row, p.column) for p in exc.value.problems}
    assert {row for row, _col in got} == {2, 3, 4, 5, 6}
    assert (5, "organization") in got and (6, "cadena.confidence") in got
    with case.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Fact)).scalar_one() == 0


def test_ftm_from_elsewhere(case: Case, tmp_path: Path) -> None:
    """What another FtM tool writes: no `cadena` object, so low confidence, citing the line."""
    entities = [
        {"id": "doc", "schema": "Document", "properties": {"title": ["Gazette 12"],
                                                        "fileName": ["gazette-12.pdf"]}},
        {"id": "o1", "schema": "PublicBody", "properties": {"name": ["1 Division"]}},
        {"id": "o2", "schema": "Organization", "properties": {"name": ["21 Battalion"]}},
        {"id": "p1", "schema": "Person", "properties": {"name": ["Musa Bello"],
                                                        "alias": ["M. Bello"]}},
        {"id": "m1", "schema": "Membership", "properties": {"member": ["o2"],
         "organization": ["o1"], "role": ["operational control"]}},
        {"id": "m2", "schema": "Membership", "properties": {"member": ["p1"],
         "organization": ["o2"], "role": ["Commander"], "startDate": ["2012-02-01"],
         "endDate": ["2013-12-31"], "proof": ["doc"]}},
        {"id": "e1", "schema": "Event", "properties": {"name": ["Market shooting"],
         "date": ["2013-04-11"]}},
        {"id": "v1", "schema": "Vessel", "properties": {"name": ["MV Nothing"]}},
    ]  # fmt: skip
    path = tmp_path / "elsewhere.ftm.json"
    path.write_text("\n".join(json.dumps(e) for e in entities))
    report = import_ftm(case, path)
    assert report.counts == {
        "unit": 2,
        "person": 1,
        "membership": 2,
        "incident": 1,
    }
    assert any("Vessel" in w for w in report.warnings)
    with case.session(write=False) as s:
        [h] = commander(s, "21 battalion", "2013-06-01").holders
        assert h.person.name == "Musa Bello" and h.tenure.confidence == "low"
        cite = h.tenure.citations[0]
        assert cite.locator == {
            "kind": "json_line",
            "file": "elsewhere.ftm.json",
            "line": 6,
            "entity": "m2",
        }
        assert cite.reference == "Gazette 12"
        [link] = chain(s, "21 Battalion", "2013-06-01").links
        assert (link.parent.name, link.line) == ("1 Division", "operational")


def test_cadena_import_ftm_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command: exit 1 with every problem listed (--json) when an item is missing, 0 and the
    counts once it is there (SQLite only: the command is thin over the library tested above)."""
    from test_facts_cli import run

    monkeypatch.delenv("CADENA_DATABASE_URL", raising=False)
    first, second = Case.init(tmp_path / "first"), Case.init(tmp_path / "second")
    build(first, tmp_path)
    out = tmp_path / "facts.ftm.json"
    run("export", "ftm", str(out), "--case", str(tmp_path / "first"), check=True)
    done = run("import", "ftm", str(out), "--case", str(tmp_path / "second"), "--json")
    assert done.returncode == 1
    problems = json.loads(done.stdout)["problems"]
    assert len(problems) == 2 and all("not in this case" in p["reason"] for p in problems)
    copy_items(first, second, tmp_path)
    done = run("import", "ftm", str(out), "--case", str(tmp_path / "second"), "--json", check=True)
    assert json.loads(done.stdout)["counts"]["tenure"] == 9
    first.close(), second.close()
