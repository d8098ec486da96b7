"""Popolo JSON: export then import loses nothing; Popolo written elsewhere reads in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from test_facts_sheet import copy_items

from cadena.facts.models import Fact
from cadena.facts.popolo import export_popolo, import_popolo
from cadena.facts.queries import chain, commander
from cadena.facts.sheet import ImportRefused
from cadena.vault.case import Case
from conftest import build


def test_popolo_round_trip_loses_nothing(case: Case, other_case: Case, tmp_path: Path) -> None:
    build(case, tmp_path)
    counts = export_popolo(case, tmp_path / "one.json")
    assert counts == {"persons": 11, "organizations": 6, "posts": 7, "memberships": 9 + 6}
    copy_items(case, other_case, tmp_path)
    import_popolo(other_case, tmp_path / "one.json")
    export_popolo(other_case, tmp_path / "two.json")
    one, two = (json.loads((tmp_path / n).read_text()) for n in ("one.json", "two.json"))
    # Records without a key are named F<fact id>, which differs between cases; the rest is equal.
    assert {k: len(v) for k, v in one.items()} == {k: len(v) for k, v in two.items()}
    assert [p["cadena"] for p in one["persons"]] == [p["cadena"] for p in two["persons"]]
    with case.session(write=False) as s, other_case.session(write=False) as s2:
        a, b = chain(s, "Escuadrón Móvil", "2022-12-15"), chain(s2, "Escuadrón Móvil", "2022-12-15")
        assert a.as_dict()["assumptions"] == b.as_dict()["assumptions"]
        assert [n.unit.name for n in a.nodes] == [n.unit.name for n in b.nodes]


def test_popolo_from_elsewhere(case: Case, tmp_path: Path) -> None:
    data = {
        "persons": [
            {
                "id": "p1",
                "name": "Musa Bello",
                "other_names": [{"name": "M. Bello"}],
                "sources": [{"url": "https://example.org/a"}],
            }
        ],
        "organizations": [
            {"id": "o1", "name": "1 Division", "classification": "army"},
            {"id": "o2", "name": "21 Battalion", "parent_id": "o1"},
        ],
        "memberships": [
            {
                "id": "m1",
                "person_id": "p1",
                "organization_id": "o2",
                "role": "Commander",
                "start_date": "2012-02-01",
                "end_date": "2013-12-31",
            }
        ],
    }
    path = tmp_path / "popolo.json"
    path.write_text(json.dumps(data))
    report = import_popolo(case, path)
    assert report.counts["memberships"] == 1
    with case.session(write=False) as s:
        [h] = commander(s, "21 battalion", "2013-12-31").holders
        assert h.person.name == "Musa Bello" and h.tenure.confidence == "low"
        loc = h.tenure.citations[0].locator
        assert loc == {"kind": "json_pointer", "file": "popolo.json", "pointer": "/memberships/0"}
        assert commander(s, "21 battalion", "2014-01-01").holders == ()
        [link] = chain(s, "21 Battalion", "2013-01-01").links
        assert link.basis.value == "undated" and link.parent.name == "1 Division"
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "persons": [{"id": "x"}],
                "memberships": [
                    {"person_id": "nobody", "organization_id": "o9", "role": "Commander"}
                ],
            }
        )
    )
    with pytest.raises(ImportRefused) as exc:
        import_popolo(case, bad)
    assert [(p.sheet, p.row) for p in exc.value.problems] == [("persons", 0), ("memberships", 0)]


POPOLO_KINDS = {"unit", "unit_link", "person", "post", "tenure"}


def test_popolo_round_trip_keeps_every_fact_it_carries(
    case: Case, other_case: Case, tmp_path: Path
) -> None:
    """The facts themselves, not just their number: keys (also none), dates, confidence,
    assumptions, notes, citations with their places, aliases, roles."""
    from test_facts_ftm import every_kind

    from cadena.facts.export import fact_snapshot

    every_kind(build(case, tmp_path))
    with case.session() as s:  # notes, and a person known by no key
        for f in s.execute(select(Fact).where(Fact.kind.in_(POPOLO_KINDS))).scalars():
            f.note = f"note on {f.kind} {f.id}"
    export_popolo(case, tmp_path / "one.json")
    copy_items(case, other_case, tmp_path)
    import_popolo(other_case, tmp_path / "one.json")
    with case.session(write=False) as s, other_case.session(write=False) as s2:
        before = [f for f in fact_snapshot(s) if f["kind"] in POPOLO_KINDS]
        after = fact_snapshot(s2)
    assert len(before) == 6 + 6 + 11 + 7 + 9
    assert before == after
