"""Security Force Monitor's format: a small dataset written by hand in its columns, read as a CSV
folder and as an XLSX workbook; answers worked out by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from cadena.facts.models import Citation, Fact
from cadena.facts.queries import chain, commander
from cadena.facts.sfm import import_sfm
from cadena.facts.sheet import ImportRefused
from cadena.vault.case import Case

UNITS = [
    [
        "unit:id:admin",
        "unit:name",
        "unit:name:source",
        "unit:name:confidence",
        "unit:other_names",
        "unit:classification",
        "unit:country",
        "unit:related_unit",
        "unit:related_unit:source",
        "unit:related_unit:confidence",
        "unit:related_unit_class",
        "unit:related_unit_first_cited_date",
        "unit:related_unit_first_cited_date_year",
        "unit:related_unit_first_cited_date_month",
        "unit:related_unit_first_cited_date_day",
        "unit:related_unit_first_cited_date_start",
        "unit:related_unit_last_cited_date",
        "unit:related_unit_open",
    ],
    [
        "u-army",
        "Nigerian Army",
        "src-1",
        "High",
        "NA",
        "Army",
        "ng",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "u-div",
        "1 Division",
        "src-1",
        "High",
        "1 Div",
        "Army",
        "ng",
        "Nigerian Army",
        "src-1",
        "High",
        "Administrative",
        "2010-01-05",
        "",
        "",
        "",
        "Y",
        "",
        "Y",
    ],
    [
        "u-bn",
        "21 Battalion",
        "src-2",
        "Medium",
        "",
        "Army",
        "ng",
        "1 Division",
        "src-2;src-3",
        "Medium",
        "Administrative",
        "",
        "2011",
        "03",
        "",
        "N",
        "2015-06-30",
        "N",
    ],
    [
        "u-bn",
        "21 Battalion",
        "src-2",
        "Medium",
        "",
        "Army",
        "ng",
        "Joint Task Force North",
        "src-3",
        "Low",
        "Command",
        "2013-05-14",
        "",
        "",
        "",
        "Y",
        "2014-01-01",
        "N",
    ],
    [
        "u-jtf",
        "Joint Task Force North",
        "src-3",
        "Medium",
        "JTF",
        "Joint Task Force",
        "ng",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]
PERSONS = [
    [
        "person:id:admin",
        "person:name",
        "person:name:source",
        "person:name:confidence",
        "person:other_names",
        "person:posting_unit_id:admin",
        "person:posting_unit_name",
        "person:posting_unit_name:source",
        "person:posting_unit_name:confidence",
        "person:posting_role",
        "person:posting_rank",
        "person:posting_title",
        "person:posting_first_cited_date",
        "person:posting_first_cited_date_start",
        "person:posting_last_cited_date",
        "person:posting_last_cited_date_end",
    ],
    [
        "p-1",
        "Musa Bello",
        "src-2",
        "High",
        "M. Bello",
        "u-bn",
        "21 Battalion",
        "src-2",
        "High",
        "Commander",
        "Lieutenant Colonel",
        "Commanding Officer",
        "2012-02-01",
        "Y",
        "2013-12-31",
        "Y",
    ],
    [
        "p-2",
        "Ade Okafor",
        "src-3",
        "Medium",
        "",
        "",
        "21 Battalion",
        "src-3",
        "Medium",
        "Commander",
        "Major",
        "",
        "2014-01",
        "N",
        "2014-11",
        "N",
    ],
]
SOURCES = [
    ["source:id:admin", "source:title", "source:url"],
    ["src-1", "Army order of battle", "https://example.org/orbat"],
    ["src-2", "Newspaper, 3 Feb 2012", "https://example.org/news"],
    ["src-3", "Court record", ""],
]
INCIDENTS = [
    [
        "incident:id:admin",
        "incident:start_date",
        "incident:end_date",
        "incident:location_description",
        "incident:violation_type",
        "incident:violation_description",
        "incident:perpetrator_unit",
        "incident:all:source",
    ],
    [
        "i-1",
        "2014-04-11",
        "2014-04-11",
        "Market square",
        "Extrajudicial killing",
        "Soldiers fired on traders",
        "21 Battalion",
        "src-3",
    ],
]


def _folder(tmp: Path) -> Path:
    folder = tmp / "sfm"
    folder.mkdir()
    for name, rows in (
        ("units", UNITS),
        ("persons", PERSONS),
        ("sources", SOURCES),
        ("incidents", INCIDENTS),
    ):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return folder


def _workbook(tmp: Path) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in (
        ("units", UNITS),
        ("persons", PERSONS),
        ("sources", SOURCES),
        ("incidents", INCIDENTS),
    ):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = tmp / "sfm.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("shape", ["csv", "xlsx"])
def test_sfm_dataset_reads_into_answers(case: Case, tmp_path: Path, shape: str) -> None:
    path = _folder(tmp_path) if shape == "csv" else _workbook(tmp_path)
    report = import_sfm(case, path)
    assert report.counts == {
        "sources": 3,
        "units": 5,
        "unit_links": 3,
        "persons": 2,
        "incidents": 1,
    }
    with case.session(write=False) as s:
        # 2012-06: Bello's posting has a real start (Y) and end (Y): known, no assumption
        [bello] = commander(s, "21 battalion", "2012-06-01").holders
        assert (bello.person.name, bello.basis.value) == ("Musa Bello", "known")
        assert bello.tenure.span == {
            "start": "2012-02-01",
            "end": "2013-12-31",
            "first_cited": "2012-02-01",
            "last_cited": "2013-12-31",
        }
        # 2014-06: Okafor cited 2014-01 and 2014-11, flags N: continuous between cited dates
        [okafor] = commander(s, "21 Battalion", "2014-06-15").holders
        assert okafor.basis.value == "continuous" and okafor.tenure.confidence == "medium"
        # 2013-06: under 1 Division (admin, from 2011-03 cited) and JTF North (command, real
        # start 2013-05-14)
        ans = chain(s, "21 Battalion", "2013-06-01")
        lines = {(lk.child.name, lk.parent.name, lk.line) for lk in ans.links}
        assert lines == {
            ("21 Battalion", "1 Division", "administrative"),
            ("21 Battalion", "Joint Task Force North", "operational"),
            ("1 Division", "Nigerian Army", "administrative"),
        }
        jtf = next(lk for lk in ans.links if lk.line == "operational")
        assert jtf.fact.span["start"] == "2013-05-14" and jtf.fact.confidence == "low"
        div = next(lk for lk in ans.links if lk.parent.name == "1 Division")
        assert div.fact.span["first_cited"] == "2011-03"
        assert [c.reference for c in div.fact.citations] == [
            "src-2: Newspaper, 3 Feb 2012 https://example.org/news",
            "src-3: Court record",
        ]
        loc = div.fact.citations[0].locator
        assert loc["kind"] == "sheet_row" and loc["sheet"] == "units" and loc["row"] == 4
        assert loc["column"] == "unit:related_unit"
        # 2015: the command link ended by its last cited date with open=N: not on record
        names = {
            n.unit.name
            for n in chain(
                s,
                "21 Battalion",
                "2015-01-01",
                bases=frozenset({b for b in ans.links[0].basis.__class__ if b.value != "open_end"}),
            ).nodes
        }
        assert "Joint Task Force North" not in names
        cited = set(s.execute(select(Citation.item_sha256)).scalars())
    assert cited <= {f["sha256"] for f in report.files}


def test_sfm_rows_without_confidence_are_reported(case: Case, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    rows = [r[:] for r in UNITS]
    rows[2][3] = ""  # 1 Division: unit:name:confidence empty
    rows[4][10] = "Sideways"  # 21 Battalion under JTF: a relation class SFM does not have
    with (folder / "units.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(ImportRefused) as exc:
        import_sfm(case, folder)
    got = {(p.sheet, p.row, p.column) for p in exc.value.problems}
    assert ("units", 3, "unit:name:confidence") in got
    assert ("units", 5, "unit:related_unit_class") in got
    with case.session(write=False) as s:
        assert s.execute(select(Fact.id)).first() is None
