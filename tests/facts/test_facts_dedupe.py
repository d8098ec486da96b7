"""Likely duplicates listed (never merged silently); merges reversible and logged in custody."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from cadena.facts.citations import Cite, Support
from cadena.facts.dedupe import find_duplicates, merge, unmerge
from cadena.facts.models import Fact
from cadena.facts.queries import chain, commander, timeline
from cadena.facts.record import Recorder
from cadena.facts.time import TimeSpan
from cadena.vault.models import CustodyEntry
from cadena.vault.verify import verify
from conftest import World


def test_duplicates_listed_then_merged_and_unmerged(world: World, tmp_path: Path) -> None:
    case = world.case
    with case.session() as s:
        r = Recorder(case, s)
        cite = Support.of("medium", [Cite(world.video)])
        dup = r.add_person("Jose Nunez Rojas", support=cite, key="P-DUP")
        r.add_rank(dup, "Mayor", support=cite)
        r.add_rank("José Núñez", "Mayor", support=cite)
        unit = r.add_unit("Escuadron Movil", force="army", support=cite)  # same name, other force
        r.add_tenure(
            dup,
            "Comandante, Comando Conjunto Norte",
            support=cite,
            span=TimeSpan.of(start="2023-02-01"),
        )
    with case.session(write=False) as s:
        persons = find_duplicates(s, "person")
        units = find_duplicates(s, "unit")
        before = len(s.execute(select(Fact.id).where(Fact.merged_into.is_(None))).all())
    # Juan García / Juan Garcia (conftest) and José Núñez / Jose Nunez Rojas
    listed = {(p.a.name, p.b.name) for p in persons}
    assert ("Juan García", "Juan Garcia") in listed
    assert ("José Núñez", "Jose Nunez Rojas") in listed
    assert "same rank: mayor" in next(p.reason for p in persons if p.b.name == "Jose Nunez Rojas")
    assert all(unit.id not in (p.a.id, p.b.id) for p in units)  # police vs army: not listed
    with case.session(write=False) as s:  # nothing was merged by listing
        assert len(s.execute(select(Fact.id).where(Fact.merged_into.is_(None))).all()) == before

    done = merge(case, "person", "José Núñez", "P-DUP", reason="same officer, second surname")
    with case.session(write=False) as s:
        [h] = commander(s, "Comando Conjunto Norte", "2023-03-01").holders
        assert h.person.name == "José Núñez"  # the merged record's tenure now under the kept one
        tl = timeline(s, "Jose Nunez Rojas")  # the merged name resolves to the kept record
        assert tl.subject.name == "José Núñez"
        last = s.execute(select(CustodyEntry).order_by(CustodyEntry.seq.desc())).scalars().first()
        assert last is not None and last.action == "merge"
    unmerge(case, done["merge"])
    with case.session(write=False) as s:
        [h] = commander(s, "Comando Conjunto Norte", "2023-03-01").holders
        assert h.person.name == "Jose Nunez Rojas"
        assert timeline(s, "P-DUP").subject.name == "Jose Nunez Rojas"
        assert len(s.execute(select(Fact.id).where(Fact.merged_into.is_(None))).all()) == before
    assert verify(case).clean


def test_merged_unit_answers_as_the_kept_one(world: World) -> None:
    case = world.case
    with case.session() as s:
        dup = Recorder(case, s).add_unit(
            "CCN Norte", force="joint", support=Support.of("low", [Cite(world.video)])
        )
        dup_id = dup.id
    merge(case, "unit", "Comando Conjunto Norte", dup_id, reason="same joint command")
    with case.session(write=False) as s:
        ans = chain(s, dup_id, "2022-12-15")  # by the merged id: the kept unit answers
        assert ans.unit.name == "Comando Conjunto Norte"
        assert [t.name for t in ans.tops] == ["Presidencia"]
