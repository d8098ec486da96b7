"""The bulk import path: same facts as one by one, written whole or not at all, ids that later
writers continue from, names resolved against the case and the staged rows alike; and the
researchers' sheet round trip compared fact by fact (notes, made ids, areas, identities)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_facts_ftm import every_kind
from test_facts_sheet import copy_items

from cadena.facts.bulk import BulkRecorder
from cadena.facts.citations import Cite, Support
from cadena.facts.export import fact_snapshot
from cadena.facts.models import Fact
from cadena.facts.queries import commander
from cadena.facts.record import Recorder
from cadena.facts.sheet import ImportRefused, export_sheet, import_sheet
from cadena.facts.time import TimeSpan
from cadena.vault.case import Case
from conftest import build


def _write(folder: Path, name: str, rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def test_sheet_round_trip_fact_by_fact(case: Case, other_case: Case, tmp_path: Path) -> None:
    every_kind(build(case, tmp_path))
    with case.session() as s:
        for f in s.execute(select(Fact)).scalars():
            f.note = f"seen by the second reviewer ({f.kind})"
    export_sheet(case, tmp_path / "out", include_sensitive=True)
    copy_items(case, other_case, tmp_path)
    import_sheet(other_case, tmp_path / "out")
    with case.session(write=False) as s, other_case.session(write=False) as s2:
        before = fact_snapshot(s, include_sensitive=True)
        after = fact_snapshot(s2, include_sensitive=True)
        keys = set(s2.execute(select(Fact.key)).scalars())
    assert len(before) > 40 and before == after
    assert not any(k and k.startswith("~") for k in keys)  # made ids link rows, are not kept


def test_bulk_and_one_by_one_write_the_same_rows(case: Case, tmp_path: Path) -> None:
    w = build(case, tmp_path)
    cite = Support.of("high", [Cite(w.decree, {"kind": "page", "page": 9}, "q", "r")])
    span = TimeSpan.of(start="2023-02", first_cited="2023-02-03")
    with case.session() as s:
        one = Recorder(case, s, log=False)
        u = one.add_unit("Unidad Uno", support=cite, aliases=["U1"], key="X1", span=span)
        one.add_tenure("Ana Pérez", one.add_post("Jefe", unit=u, support=cite), support=cite)
        bulk = BulkRecorder(case, s)
        v = bulk.add_unit("Unidad Dos", support=cite, aliases=["U2"], key="X2", span=span)
        bulk.add_tenure("Ana Pérez", bulk.add_post("Jefe", unit=v, support=cite), support=cite)
        bulk.write()
    with case.session(write=False) as s:
        snap = {f["name"]: f for f in fact_snapshot(s) if f["kind"] == "unit"}
        posts = [f for f in fact_snapshot(s) if f["kind"] == "post" and f["title"] == "Jefe"]
    a, b = snap["Unidad Uno"], snap["Unidad Dos"]
    for f in (a, b):
        f.pop("name"), f.pop("key"), f.pop("names")
    assert a == b
    assert [p["role"] for p in posts] == ["commander", "commander"] and posts[0]["head"] is True


def test_ids_continue_after_a_bulk_import(case: Case, tmp_path: Path) -> None:
    """A bulk import takes ids from its own counter; the next writer must not collide."""
    w = build(case, tmp_path)
    cite = Support.of("high", [Cite(w.decree)])
    with case.session() as s:
        bulk = BulkRecorder(case, s)
        for i in range(30):
            bulk.add_person(f"Persona {i}", support=cite)
        bulk.write()
    with case.session() as s:
        late = Recorder(case, s).add_person("Llegó después", support=cite)
        top = s.execute(select(func.max(Fact.id))).scalar_one()
    assert late.id == top
    with case.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Fact)).scalar_one() == top


def test_a_refused_row_leaves_nothing_for_later_rows(case: Case, tmp_path: Path) -> None:
    """Row 3 fails after its unit was staged: row 4 must not find that unit, and the import
    reports both, writing nothing."""
    folder = tmp_path / "sheet"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "d.txt").write_text("a document")
    _write(folder, "sources", [["id", "file"], ["S1", "docs/d.txt"]])
    _write(
        folder,
        "units",
        [
            ["id", "name", "sources", "confidence", "start", "end"],
            ["U1", "Primera", "S1", "high", "", ""],
            ["U2", "Segunda", "S1", "high", "2023-01-01", "2022-01-01"],  # end before start
        ],
    )
    _write(
        folder,
        "unit_links",
        [
            ["unit", "parent", "sources", "confidence"],
            ["Segunda", "Primera", "S1", "high"],
            ["U1", "U1", "S1", "high"],
        ],
    )
    with pytest.raises(ImportRefused) as exc:
        import_sheet(case, folder)
    got = {(p.sheet, p.row, p.column) for p in exc.value.problems}
    assert got == {("units", 3, "start"), ("unit_links", 2, "unit"), ("unit_links", 3, "")}
    with case.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Fact)).scalar_one() == 0


def test_bulk_resolves_the_case_and_the_staged_rows(case: Case, tmp_path: Path) -> None:
    build(case, tmp_path)
    folder = tmp_path / "sheet"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "d.txt").write_text("a decree")
    _write(folder, "sources", [["id", "file"], ["S1", "docs/d.txt"]])
    _write(
        folder,
        "persons",
        [["id", "name", "sources", "confidence"], ["P9", "Nueva Comandante", "S1", "high"]],
    )
    _write(
        folder,
        "tenures",
        [
            ["person", "post", "unit", "start", "sources", "confidence"],
            # a person staged by this import, a post and unit already in the case (by alias)
            ["nueva comandante", "Comandante", "ESMO", "2023-03-01", "S1", "high"],
            ["P9", "Jefa de Operaciones", "ESMO", "2023-03-01", "S1", "medium"],
            ["Juan García", "Comandante", "ESMO", "2023-03-01", "S1", "medium"],  # two persons
        ],
    )
    with pytest.raises(ImportRefused) as exc:
        import_sheet(case, folder)
    [problem] = exc.value.problems
    assert (problem.row, problem.column) == (4, "person") and "names 2 persons" in problem.reason
    _write(
        folder,
        "tenures",
        [
            ["person", "post", "unit", "start", "sources", "confidence"],
            ["nueva comandante", "Comandante", "ESMO", "2023-03-01", "S1", "high"],
            ["P9", "Jefa de Operaciones", "ESMO", "2023-03-01", "S1", "medium"],
        ],
    )
    import_sheet(case, folder)
    with case.session(write=False) as s:
        holders = commander(s, "Escuadrón Móvil", "2023-03-02").holders
        assert "Nueva Comandante" in [h.person.name for h in holders]
        posts = s.execute(
            select(func.count()).select_from(Fact).where(Fact.kind == "post")
        ).scalar_one()
    assert posts == 7 + 1  # Comandante reused, Jefa de Operaciones made


def test_an_import_of_incidents_alone(case: Case, tmp_path: Path) -> None:
    """No unit or person in the file (no names to write): the import still goes in whole."""
    folder = tmp_path / "sheet"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "v.txt").write_text("a witness statement")
    _write(folder, "sources", [["id", "file"], ["S1", "docs/v.txt"]])
    _write(
        folder,
        "incidents",
        [["id", "title", "start", "sources", "confidence", "note"],
         ["I1", "Puente, 3 de mayo", "03/05/2021 21:10", "S1 p. 2", "medium", "two witnesses"]],
    )  # fmt: skip
    report = import_sheet(case, folder)
    assert report.counts == {"sources": 1, "incidents": 1}
    with case.session(write=False) as s:
        [inc] = [f for f in fact_snapshot(s) if f["kind"] == "incident"]
    assert (inc["start_date"], inc["note"]) == ("2021-05-03T21:10", "two witnesses")


def test_batches_written_early_go_back_with_a_refused_import(case: Case, tmp_path: Path) -> None:
    """Rows written in batches while staging are in the import's transaction: a refusal later
    takes them back too; a good import keeps them all, names resolving across batches."""
    w = build(case, tmp_path)
    cite = Support.of("high", [Cite(w.decree)])
    before = _facts(case)
    with pytest.raises(RuntimeError), case.session() as s:
        bulk = BulkRecorder(case, s, batch=2)
        for i in range(5):
            with bulk.row():
                bulk.add_person(f"Lote {i}", support=cite, key=f"L{i}")
        assert _facts_in(s) == before + 4  # two batches of two went in already
        raise RuntimeError("refused later")
    assert _facts(case) == before
    with case.session() as s:
        bulk = BulkRecorder(case, s, batch=2)
        for i in range(5):
            with bulk.row():
                bulk.add_rank(bulk.add_person(f"Lote {i}", support=cite, key=f"L{i}"), "Cabo",
                              support=cite)  # fmt: skip
        with bulk.row():
            bulk.add_rank("L0", "Sargento", support=cite)  # a person of the first batch, by key
        bulk.write()
    assert _facts(case) == before + 11


def _facts(case: Case) -> int:
    with case.session(write=False) as s:
        return _facts_in(s)


def _facts_in(s) -> int:  # type: ignore[no-untyped-def]
    return int(s.execute(select(func.count()).select_from(Fact)).scalar_one())
