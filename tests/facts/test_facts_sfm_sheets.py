"""SFM's four sheets in the column names of SFM's own importer fixtures (datamade/sfm-cms,
tests/fixtures/importer/*.csv): sources by access point, incidents with split US dates and
perpetrators by id and name, E/Y/N open-ended flags, rows not ready to publish, unit sites;
answers worked out by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from cadena.facts.models import Attribution, Deployment, Incident, Person, Unit
from cadena.facts.queries import chain, commander
from cadena.facts.sfm import import_sfm
from cadena.facts.sheet import ImportRefused
from cadena.vault.case import Case

SRC_A, SRC_B, SRC_C = (
    "3b92ea4d-9682-4199-8fa1-851e9174d357",
    "05ae47c0-ae7f-403b-af7c-bbf8bba59ee6",
    "a8cedf53-50e6-4ef0-a5df-c1ef1ae00565",
)
U_BDE, U_BN = "494a58d2-93e5-4454-9c08-74ac97c184da", "217f93b8-bf71-4c97-a1a5-d5b3aa6c4896"
P_1 = "3d55875b-a7db-46e3-83ad-f4feea4c74cc"

SOURCES = [
    {"source:access_point_id:admin": SRC_A, "source:type": "document",
     "source:title": "Orden de batalla", "source:author": "Ejército",
     "source:url": "https://example.org/orbat", "source:published_timestamp": "2018",
     "source:access_point_type": "page", "source:access_point_trigger": "4",
     "source:publication_name": "Gaceta", "source:archive_url": "https://archive.example/1",
     "source:comments:admin": "internal: not imported"},
    {"source:access_point_id:admin": SRC_B, "source:title": "Nota de prensa",
     "source:url": "https://example.org/nota", "source:published_timestamp": "2019-05-01"},
    {"source:access_point_id:admin": SRC_C, "source:title": "Informe de la Defensoría"},
]  # fmt: skip
UNITS = [
    {"unit:status:admin": "3", "unit:id:admin": U_BDE, "unit:name": "10 Brigada",
     "unit:name:source": SRC_A, "unit:name:confidence": "High",
     "unit:classification": "Ejército; Militar", "unit:country": "mx",
     "unit:first_cited_date": "2018-01-01", "unit:first_cited_date_start": "Y",
     "unit:last_cited_date": "2019-06-30", "unit:last_cited_date_open": "Y",
     "unit:location_type": "site", "unit:base_name": "Campo Militar 1A",
     "unit:location": "Ciudad Juárez (osm, point) 48912ae1",
     "unit:location:source": SRC_B, "unit:location:confidence": "Low",
     "unit:location_first_cited_date": "2018-02-12",
     "unit:location_first_cited_date_founding": "N", "unit:location_open": "Y",
     "unit:notes:admin": "Test note (should not appear anywhere)"},
    {"unit:status:admin": "3", "unit:id:admin": U_BN, "unit:name": "3 Batallón",
     "unit:name:source": SRC_A, "unit:name:confidence": "Medium", "unit:country": "mx",
     "unit:relation_type": "child", "unit:related_unit_id:admin": U_BDE,
     "unit:related_unit": "10 Brigada", "unit:related_unit:source": SRC_A,
     "unit:related_unit:confidence": "High", "unit:related_unit_class": "Command",
     "unit:related_unit_class:source": SRC_B,
     "unit:related_unit_first_cited_date_year": "2018",
     "unit:related_unit_first_cited_date_month": "3",
     "unit:related_unit_first_cited_date_start": "Y",
     "unit:related_unit_last_cited_date": "2019-01-31", "unit:related_unit_open": "E"},
    {"unit:status:admin": "1", "unit:id:admin": "not-ready", "unit:name": "Unidad en revisión",
     "unit:name:source": SRC_A, "unit:name:confidence": "Low"},
]  # fmt: skip
PERSONS = [
    {"person:status:admin": "3", "person:id:admin": P_1, "person:name": "Raúl Treviño",
     "person:name:source": SRC_A, "person:name:confidence": "Medium",
     "person:other_names": "El Comandante; R. Treviño", "person:country": "mx",
     "person:posting_unit_id:admin": U_BN, "person:posting_unit_name": "3 Batallón",
     "person:posting_unit:source": SRC_B, "person:posting_unit:confidence": "High",
     "person:posting_role": "Commander", "person:posting_role:source": SRC_A,
     "person:posting_role:confidence": "Medium", "person:posting_rank": "Coronel",
     "person:posting_first_cited_date": "2018-02-01",
     "person:posting_first_cited_date:source": SRC_C,
     "person:posting_first_cited_date_start": "Y",
     "person:posting_last_cited_date": "2019-05-01",
     "person:posting_last_cited_date_end": "N"},
]  # fmt: skip
INCIDENTS = [
    {"incident:status:admin": "3", "incident:id:admin": "5c07424e",
     "incident:start_date_month": "10", "incident:start_date_day": "21",
     "incident:start_date_year": "2018", "incident:end_date": "10/26/2018",
     "incident:pub_date": "12/8/2018", "incident:update_date": "4/4/2019",
     "incident:location_description": "On a street corner",
     "incident:location": "Ciudad Juárez (osm, point) 48912ae1",
     "incident:violation_type": "Torture ; illegal detention",
     "incident:violation_description": "Two men detained; descriptions may hold ; too",
     "incident:perpetrator_person_id:admin": P_1,
     "incident:perpetrator_person_name": "Raúl Treviño",
     "incident:perpetrator_unit_id:admin": U_BN,
     "incident:perpetrator_unit_name": "3 Batallón",
     "incident:perpetrator_classification": "Ejército;Militar",
     "incident:all:source": f"{SRC_B};{SRC_C}"},
    {"incident:status:admin": "1", "incident:id:admin": "fb23cd41",
     "incident:comments:admin": "does not have a status of 3 so it should not be imported"},
]  # fmt: skip


def _sheet(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    header = list(dict.fromkeys(k for r in rows for k in r))
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)


def _dataset(tmp: Path, incidents: list[dict[str, str]] = INCIDENTS) -> Path:
    folder = tmp / "sfm"
    folder.mkdir(exist_ok=True)
    for name, rows in (("sources", SOURCES), ("units", UNITS), ("persons", PERSONS),
                       ("incidents", incidents)):  # fmt: skip
        _sheet(folder, name, rows)
    return folder


def test_sfm_sheets_read_completely(case: Case, tmp_path: Path) -> None:
    report = import_sfm(case, _dataset(tmp_path))
    assert report.counts == {
        "sources": 3, "units": 2, "unit_links": 1, "persons": 1, "incidents": 1,
    }  # fmt: skip
    assert report.warnings == [
        "units.csv: 1 row(s) not ready to publish (unit:status:admin not 3) skipped",
        "incidents.csv: 1 row(s) not ready to publish (incident:status:admin not 3) skipped",
    ]
    with case.session(write=False) as s:
        [inc] = s.execute(select(Incident)).scalars()
        assert (inc.key, inc.start_date, inc.end_date) == ("5c07424e", "2018-10-21", "2018-10-26")
        assert inc.place == "On a street corner" and inc.confidence == "low"
        assert inc.description == "Two men detained; descriptions may hold ; too"
        assert inc.note is not None
        assert "SFM published: 2018-12-08" in inc.note and "SFM updated: 2019-04-04" in inc.note
        assert "Ciudad Juárez (osm, point) 48912ae1" in inc.note
        refs = sorted(c.reference for c in _cites(s, inc.id))
        assert refs == [f"{SRC_B}: Nota de prensa 2019-05-01 https://example.org/nota",
                        f"{SRC_C}: Informe de la Defensoría"]  # fmt: skip
        assert _cites(s, inc.id)[0].locator == {
            "kind": "sheet_row", "file": "incidents.csv", "sheet": "incidents", "row": 2,
            "column": "incident:all",
        }  # fmt: skip
        by = {(a.unit_id is not None, a.person_id is not None) for a in _all(s, Attribution)}
        assert by == {(True, False), (False, True)}  # the battalion and the colonel, by SFM id
        # the source's whole description, kept in the reference of every citation of it
        brigade = s.execute(select(Unit).where(Unit.key == U_BDE)).scalar_one()
        [ref] = {c.reference for c in _cites(s, brigade.id)}
        assert ref == (
            f"{SRC_A}: Orden de batalla (Ejército, Gaceta) 2018 https://example.org/orbat "
            "archived https://archive.example/1 [page 4]"
        )
        assert brigade.start_date == "2018-01-01" and brigade.end_date is None  # open Y
        assert brigade.note and "assumed to exist after its last cited date" in brigade.note
        assert "should not appear" not in str(brigade.note)  # SFM's admin notes stay out
        [site] = _all(s, Deployment)
        assert (site.place, site.confidence, site.first_cited) == (
            "Campo Militar 1A, Ciudad Juárez",
            "low",
            "2018-02-12",
        )
        # E: the last cited date is the link's exact end
        [link] = chain(s, "3 Batallón", "2018-06-01").links
        assert (link.line, link.fact.span["start"], link.fact.span["end"]) == (
            "operational",
            "2018-03",
            "2019-01-31",
        )
        assert chain(s, "3 Batallón", "2019-02-01").links == ()
        assert {c.locator["column"] for c in link.fact.citations} == {
            "unit:related_unit", "unit:related_unit_class",
        }  # fmt: skip
        [h] = commander(s, "3 batallon", "2018-06-01").holders
        assert h.person.name == "Raúl Treviño" and h.tenure.span["start"] == "2018-02-01"
        assert {c.locator["column"] for c in h.tenure.citations} == {
            "person:posting_unit", "person:posting_first_cited_date",
        }  # fmt: skip
        person = s.execute(select(Person)).scalar_one()
        assert person.note == "SFM country: mx"


def _all(s, model):  # type: ignore[no-untyped-def]
    return list(s.execute(select(model)).scalars())


def _cites(s, fact_id):  # type: ignore[no-untyped-def]
    from cadena.facts.models import Citation

    return list(
        s.execute(
            select(Citation).where(Citation.fact_id == fact_id).order_by(Citation.id)
        ).scalars()
    )


def test_sfm_incident_problems_name_file_sheet_row_column(case: Case, tmp_path: Path) -> None:
    bad = [
        {**INCIDENTS[0], "incident:perpetrator_unit_id:admin": "no-such-unit",
         "incident:perpetrator_unit_name": ""},
        {**INCIDENTS[0], "incident:id:admin": "i-2", "incident:end_date": "13/45/2018"},
        {**INCIDENTS[0], "incident:id:admin": "i-3", "incident:start_date_year": "",
         "incident:start_date": "10/30/2018", "incident:end_date": "10/26/2018"},
    ]  # fmt: skip
    with pytest.raises(ImportRefused) as exc:
        import_sfm(case, _dataset(tmp_path, bad))
    got = {(p.file, p.sheet, p.row, p.column) for p in exc.value.problems}
    assert got == {
        ("incidents.csv", "incidents", 2, "incident:perpetrator_unit_id:admin"),
        ("incidents.csv", "incidents", 3, "incident:end_date"),
        ("incidents.csv", "incidents", 4, "incident:start_date"),
    }
    with case.session(write=False) as s:
        assert _all(s, Unit) == []
