"""The researchers' sheet: template, forgiving import, every problem reported, all or nothing,
and export then import losing nothing (CSV folder and XLSX workbook)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from cadena.facts.book import read_tables
from cadena.facts.demo import DEMO_FORCE, load_demo_force
from cadena.facts.models import Fact, VictimIdentity
from cadena.facts.queries import chain, commander
from cadena.facts.sheet import SHEETS, ImportRefused, export_sheet, import_sheet, write_template
from cadena.intake.files import SourceFields, add_paths
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, Item
from conftest import build


def _write(folder: Path, name: str, rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _count(case: Case, model: type = Fact) -> int:
    with case.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def _small_sheet(folder: Path) -> None:
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "resolucion.txt").write_text("Resolución 12: Comandante Ana Pérez")
    _write(folder, "sources", [["id", "file"], ["S1", "docs/resolucion.txt"]])
    _write(
        folder,
        "units",
        [
            ["ID", "Name", "Aliases", "Force", "Sources", "Confidence"],
            ["U1", "Policía Nacional", "PN", "Police", "S1 p. 1", "Alta"],
            ["U2", "Escuadrón Móvil", "", "police", "S1 p. 2", "high"],
        ],
    )
    _write(
        folder,
        "unit_links",
        [
            ["unit", "parent", "line", "start", "sources", "confidence"],
            ["ESCUADRON MOVIL", "pn", "administrative", "15/12/2020", "S1", "medium"],
        ],
    )
    _write(
        folder,
        "persons",
        [["id", "name", "sources", "confidence"], ["P1", "Ana Pérez", "S1", "high"]],
    )
    _write(
        folder,
        "tenures",
        [
            ["person", "post", "unit", "start", "end", "sources", "confidence"],
            ["ana perez", "Comandante", "U2", "2021-03-01", "14/12/2022", "S1 para 1", "high"],
        ],
    )


def test_template_lists_every_sheet_with_instructions(tmp_path: Path) -> None:
    written = write_template(tmp_path / "tpl")
    names = {p.stem for p in written}
    assert names == {"instructions"} | {s.name for s in SHEETS}
    book = write_template(tmp_path / "tpl.xlsx")[0]
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "instructions" and "tenures" in wb.sheetnames
    rows = list(wb["instructions"].iter_rows(values_only=True))
    assert rows[[r[:2] for r in rows].index(("tenures", "person"))][:3] == (
        "tenures",
        "person",
        "required",
    )


def test_forgiving_import_of_a_hand_made_sheet(case: Case, tmp_path: Path) -> None:
    _small_sheet(tmp_path / "sheet")
    report = import_sheet(case, tmp_path / "sheet")
    assert report.counts == {"sources": 1, "units": 2, "unit_links": 1, "persons": 1, "tenures": 1}
    with case.session(write=False) as s:
        ans = commander(s, "Escuadrón Móvil", "2022-12-14")
        assert [h.person.name for h in ans.holders] == ["Ana Pérez"]
        assert ans.holders[0].post.name == "Comandante"  # created from the tenures sheet
        assert ans.holders[0].tenure.citations[0].locator == {"kind": "paragraph", "paragraph": 1}
        assert commander(s, "Escuadrón Móvil", "2022-12-15").holders == ()
        link = chain(s, "U2", "2021-01-01").links[0]
        assert link.fact.span["start"] == "2020-12-15" and link.fact.confidence == "medium"
        last = s.execute(select(CustodyEntry).order_by(CustodyEntry.seq.desc())).scalars().first()
    assert last is not None and last.action == "import"
    # the document and the sheet files are preserved as items
    assert _count(case, Item) == 1 + 5


def test_every_bad_row_reported_and_nothing_imported(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "sheet"
    _small_sheet(folder)
    _write(
        folder,
        "persons",
        [
            ["id", "name", "sources", "confidence"],
            ["P1", "Ana Pérez", "S1", "high"],
            ["P2", "Juan García", "S1", "high"],
            ["P3", "Juan Garcia", "S1", "high"],
            ["P4", "Sin Fuente", "", "high"],
            ["P5", "Sin Confianza", "S1", ""],
            ["P1", "Duplicated Id", "S1", "low"],
        ],
    )
    _write(
        folder,
        "tenures",
        [
            ["person", "post", "unit", "start", "end", "sources", "confidence"],
            ["juan garcía", "Comandante", "U2", "2021-03-01", "", "S1", "high"],
            ["Ana Pérez", "Comandante", "U2", "31/31/2022", "", "S1", "high"],
            ["Ana Pérez", "Comandante", "U2", "2023-01-01", "2022-01-01", "S9", "high"],
        ],
    )
    before = (_count(case), _count(case, Item), _count(case, CustodyEntry))
    with pytest.raises(ImportRefused) as exc:
        import_sheet(case, folder)
    got = {(p.file, p.sheet, p.row, p.column) for p in exc.value.problems}
    assert got == {
        ("persons.csv", "persons", 5, "sources"),
        ("persons.csv", "persons", 6, "confidence"),
        ("persons.csv", "persons", 7, "id"),
        ("tenures.csv", "tenures", 2, "person"),
        ("tenures.csv", "tenures", 3, "start"),
        ("tenures.csv", "tenures", 4, "sources"),
    }
    reasons = {(p.sheet, p.row): p.reason for p in exc.value.problems}
    assert "names 2 persons" in reasons[("tenures", 2)]
    assert "neither 31 nor 31 is a month" in reasons[("tenures", 3)]
    assert "S9" in reasons[("tenures", 4)]
    assert (_count(case), _count(case, Item), _count(case, CustodyEntry)) == before


def copy_items(case: Case, other: Case, tmp: Path) -> None:
    """Add to `other` every item of `case` (exports carry SHA-256s, not the files)."""
    with case.session(write=False) as s:
        shas = list(s.execute(select(Item.sha256)).scalars())
    for sha in shas:
        copy = tmp / f"copy-{sha[:12]}"
        copy.write_bytes(Path(case.blobs.local_path(sha)).read_bytes())
        add_paths(other, [copy], SourceFields())


def _tables(path: Path) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Sheets as text (XLSX gives numbers where CSV gives digits), sources aside (their ids are
    derived from the SHA-256, their titles from the file names)."""
    return {
        t.name: [(n, {k: str(v) for k, v in row.items()}) for n, row in t.rows]
        for t in read_tables(path)
        if t.name != "sources"
    }


@pytest.mark.parametrize("content", ["hand_built", "demo_force"])
def test_export_then_import_loses_nothing(
    case: Case, other_case: Case, tmp_path: Path, content: str
) -> None:
    if content == "demo_force":
        load_demo_force(case)
    else:
        build(case, tmp_path)
    first = export_sheet(case, tmp_path / "out1", include_sensitive=True)
    assert {p.stem for p in first} >= {"units", "tenures", "citations", "sources"}
    copy_items(case, other_case, tmp_path)
    import_sheet(other_case, tmp_path / "out1")
    export_sheet(other_case, tmp_path / "out2.xlsx", include_sensitive=True)
    export_sheet(other_case, tmp_path / "out2", include_sensitive=True)
    unit = "Escuadrón Móvil" if content == "hand_built" else "UMO-2"
    with case.session(write=False) as s, other_case.session(write=False) as s2:
        before, after = chain(s, unit, "2022-12-15"), chain(s2, unit, "2022-12-15")
        assert [n.unit.name for n in before.nodes] == [n.unit.name for n in after.nodes]
        assert before.assumptions == after.assumptions
    left = _tables(tmp_path / "out1")
    assert sum(len(v) for v in left.values()) > 40
    assert left == _tables(tmp_path / "out2") == _tables(tmp_path / "out2.xlsx")


def test_demo_force_loads_from_its_sheet(case: Case) -> None:
    report = load_demo_force(case)
    assert report.counts["units"] == 12 and report.counts["tenures"] == 13
    assert any(f["name"] == "units.csv" for f in report.files)
    with case.session(write=False) as s:
        before = commander(s, "UMO-2", "2024-01-31").holders
        after = commander(s, "umo 2", "2024-02-01").holders
        ombuds = commander(s, "Defensoría del Pueblo", "2024-01-12").holders
    assert [h.person.name for h in before] == ["Andrés Villalba Ortiz"]
    assert [h.person.name for h in after] == ["Carla Restrepo Núñez"]
    assert [h.role for h in ombuds] == ["ombudsperson"]
    assert DEMO_FORCE.is_dir()


def test_sensitive_victim_fields_left_out_unless_asked(case: Case, tmp_path: Path) -> None:
    w = build(case, tmp_path)
    from cadena.facts.citations import Cite, Support
    from cadena.facts.record import Identity, Recorder

    with case.session() as s:
        r = Recorder(case, s)
        inc = r.add_incident("Plaza, 15 Dec", support=Support.of("high", [Cite(w.video)]), key="I1")
        r.add_victim(
            inc,
            "V-01",
            support=Support.of("high", [Cite(w.video)]),
            identity=Identity(name="María Torres", contact="+57 300 000"),
        )
    assert _count(case, VictimIdentity) == 1
    plain = {t.name: t for t in read_tables(export_sheet(case, tmp_path / "plain.xlsx")[0])}
    full = {
        t.name: t
        for t in read_tables(export_sheet(case, tmp_path / "full.xlsx", include_sensitive=True)[0])
    }
    assert "name" not in plain["victims"].rows[0][1]
    assert full["victims"].rows[0][1]["name"] == "María Torres"
