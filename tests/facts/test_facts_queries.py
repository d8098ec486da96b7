"""Queries on the hand-built force in conftest.py; answers worked out from its docstring."""

from __future__ import annotations

import pytest

from cadena.errors import CadenaError
from cadena.facts.queries import chain, commander, timeline
from cadena.facts.resolve import AmbiguousName, UnknownName, resolve
from cadena.facts.time import STRICT_BASES, Basis
from conftest import World


def test_commander_the_day_after_a_tenure_ended(world: World) -> None:
    with world.case.session(write=False) as s:
        ans = commander(s, "escuadron movil", "2022-12-15")
    assert [h.person.name for h in ans.holders] == ["José Núñez"]  # Ana Pérez ended 2022-12-14
    h = ans.holders[0]
    assert h.basis is Basis.CONTINUOUS
    assert h.assumption == (
        "held on 2022-12-15: known start 2022-12-15 and cited 2023-01-20, "
        "assumed continuous between"
    )
    assert h.tenure.citations[0].item == world.decree
    assert h.tenure.citations[0].locator == {"kind": "page", "page": 4}


def test_commander_on_the_last_day_of_a_tenure_is_known(world: World) -> None:
    with world.case.session(write=False) as s:
        ans = commander(s, "ESMO", "2022-12-14")  # by alias
    assert [(h.person.name, h.basis) for h in ans.holders] == [("Ana Pérez", Basis.KNOWN)]
    assert ans.assumptions == []
    assert ans.holders[0].assumption == (
        "held on 2022-12-14: known start 2021-03-01 and known end 2022-12-14"
    )


def test_no_commander_on_that_date(world: World) -> None:
    with world.case.session(write=False) as s:
        ans = commander(s, "U-ESM", "2019-06-01")
    assert ans.holders == ()
    assert ans.note is not None and ans.note.startswith("No commander of Escuadrón Móvil")
    assert "Ana Pérez (Comandante) from 2021-03-01 to 2022-12-14" in ans.note


def test_commander_between_cited_dates_names_the_assumption(world: World) -> None:
    with world.case.session(write=False) as s:
        ans = commander(s, "DIRECCION REGIONAL NORTE", "2022-12-15")
        strict_outside = commander(s, "Dirección Regional Norte", "2023-03-01", bases=STRICT_BASES)
        open_outside = commander(s, "Dirección Regional Norte", "2023-03-01")
    [h] = ans.holders
    assert h.person.name == "Martín Gómez" and h.basis is Basis.CONTINUOUS
    assert h.assumption == (
        "held on 2022-12-15: cited 2022-11-02 and 2023-01-20, assumed continuous between"
    )
    assert [c.locator["kind"] for c in h.tenure.citations] == ["page", "time_range"]
    assert strict_outside.holders == ()
    [late] = open_outside.holders
    assert late.basis is Basis.OPEN_END
    assert "last cited 2023-01-20, no known end" in late.assumption


def test_successor_displaces_an_open_ended_predecessor(world: World) -> None:
    with world.case.session(write=False) as s:
        before = commander(s, "Policía Nacional", "2022-12-15")
        after = commander(s, "PN", "2023-03-01")
    assert [h.person.name for h in before.holders] == ["Luis Ortega"]
    assert before.holders[0].basis is Basis.OPEN_END
    assert [h.person.name for h in after.holders] == ["Rafael Ruiz"]
    assert [h.person.name for h in after.superseded] == ["Luis Ortega"]


def test_deputy_is_not_a_commander(world: World) -> None:
    with world.case.session(write=False) as s:
        ans = commander(s, "Escuadrón Móvil", "2022-12-20")
    assert "Sofía Díaz" not in {h.person.name for h in ans.holders}


def test_chain_at_the_incident_goes_up_both_lines(world: World) -> None:
    with world.case.session(write=False) as s:
        ans = chain(s, "Escuadrón Móvil", "2022-12-15")
    nodes = {n.unit.name: n for n in ans.nodes}
    assert {k: (v.depth, v.lines) for k, v in nodes.items()} == {
        "Escuadrón Móvil": (0, ()),
        "Dirección Regional Norte": (1, ("administrative",)),
        "Comando Conjunto Norte": (1, ("operational",)),
        "Policía Nacional": (2, ("administrative",)),
        "Presidencia": (2, ("administrative",)),
        "Ministerio del Interior": (3, ("administrative",)),
    }
    assert [t.name for t in ans.tops] == ["Presidencia"]
    who = {k: [h.person.name for h in v.commanders.holders] for k, v in nodes.items()}
    assert who == {
        "Escuadrón Móvil": ["José Núñez"],
        "Dirección Regional Norte": ["Martín Gómez"],
        "Comando Conjunto Norte": ["Raúl Ortiz"],
        "Policía Nacional": ["Luis Ortega"],
        "Presidencia": ["Tomás Medina"],
        "Ministerio del Interior": ["Elena Sánchez"],
    }
    pres = nodes["Presidencia"].commanders.holders[0]
    assert pres.basis is Basis.UNDATED and pres.tenure.citations == ()
    assert pres.tenure.assumption == (
        "the president is the supreme chief of the police by the constitution"
    )
    op = [lk for lk in ans.links if lk.line == "operational"]
    assert len(op) == 1 and op[0].basis is Basis.KNOWN and op[0].fact.confidence == "medium"
    assert any(a == "undated; assumed to hold on 2022-12-15" for a in ans.assumptions)
    assert ans.as_dict()["links"][0]["basis"] in {b.value for b in Basis}


def test_chain_after_the_operation_has_no_joint_command(world: World) -> None:
    with world.case.session(write=False) as s:
        ans = chain(s, "Escuadrón Móvil", "2023-03-01")
        admin_only = chain(s, "Escuadrón Móvil", "2022-12-15", lines=["administrative"])
    names = {n.unit.name for n in ans.nodes}
    assert "Comando Conjunto Norte" not in names
    assert names == {
        "Escuadrón Móvil",
        "Dirección Regional Norte",
        "Policía Nacional",
        "Ministerio del Interior",
        "Presidencia",
    }
    assert "Comando Conjunto Norte" not in {n.unit.name for n in admin_only.nodes}


def test_ambiguous_name_is_refused_and_key_is_not(world: World) -> None:
    with world.case.session(write=False) as s:
        with pytest.raises(CadenaError, match="names several"):
            timeline(s, "JUAN GARCÍA")  # two persons fold to the same name
        with pytest.raises(AmbiguousName, match="names 2 persons"):
            resolve(s, "person", "juan garcia")
        with pytest.raises(UnknownName):
            commander(s, "escuadron", "2022-12-15")  # a prefix is not a name
        one = timeline(s, "p-jg1")
    assert one.subject.name == "Juan García" and one.entries[0].role == "self"


def test_timeline_of_a_unit_in_date_order(world: World) -> None:
    with world.case.session(write=False) as s:
        tl = timeline(s, "Escuadrón Móvil")
    dated = [(e.date, e.role) for e in tl.entries if e.date]
    assert dated == [
        ("2020-01-01", "child"),
        ("2021-01-01", "post held"),
        ("2021-03-01", "post held"),
        ("2022-12-01", "child"),
        ("2022-12-15", "post held"),
    ]
    assert tl.entries[3].summary == "Escuadrón Móvil under Comando Conjunto Norte (operational)"
