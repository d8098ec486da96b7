"""A small force built by hand for the facts tests; the answers in the tests are worked out from
this page, not from the code.

    Presidencia (civil)  <- admin -  Ministerio del Interior (civil) <- admin - Policía Nacional
    Policía Nacional <- admin - Dirección Regional Norte <- admin (2020-01-01 on) - Escuadrón Móvil
    Comando Conjunto Norte (joint) <- operational (2022-12-01 .. 2023-01-31) - Escuadrón Móvil
    Presidencia <- admin - Comando Conjunto Norte

Commanders:
    Escuadrón Móvil: Ana Pérez  known 2021-03-01 .. 2022-12-14
                     José Núñez known start 2022-12-15, cited 2023-01-20
    Dirección Regional Norte: Martín Gómez, cited 2022-11-02 and 2023-01-20 only
    Policía Nacional (director): Luis Ortega known start 2019-05, no end;
                                 Rafael Ruiz known start 2023-02-01
    Ministerio (minister): Elena Sánchez 2022-08-07 .. 2023-08-07
    Presidencia (president): Tomás Medina, undated, an assumption and no citation
    Comando Conjunto Norte: Raúl Ortiz known start 2022-12-01, cited 2023-01-15
Two persons are called Juan García.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cadena.facts.citations import Cite, Support, parse_locator
from cadena.facts.record import Recorder
from cadena.facts.time import TimeSpan
from cadena.intake.files import SourceFields, add_paths
from cadena.vault.case import Case


@dataclass
class World:
    case: Case
    decree: str  # SHA-256 of a decree of appointments
    video: str  # SHA-256 of a video


def add_item(case: Case, path: Path, data: bytes) -> str:
    path.write_bytes(data)
    summary = add_paths(case, [path], SourceFields(collected_by="test"))
    sha = summary.outcomes[0].sha256
    assert sha is not None
    return sha


def build(case: Case, tmp: Path) -> World:
    decree = add_item(case, tmp / "decree.pdf", b"%PDF-1.4 decree of appointments\n")
    video = add_item(case, tmp / "video.mp4", b"\x00\x00\x00\x18ftypmp42 fake video")

    def doc(page: int, conf: str = "high") -> Support:
        return Support.of(conf, [Cite(decree, {"kind": "page", "page": page})])

    with case.session() as s:
        r = Recorder(case, s)
        pres = r.add_unit("Presidencia", force="civil", support=doc(1), key="U-PRES")
        mini = r.add_unit("Ministerio del Interior", force="civil", support=doc(1), key="U-MIN")
        pn = r.add_unit("Policía Nacional", aliases=["PN"], support=doc(1), key="U-PN")
        drn = r.add_unit("Dirección Regional Norte", support=doc(2), key="U-DRN")
        esm = r.add_unit("Escuadrón Móvil", aliases=["ESMO"], support=doc(2), key="U-ESM")
        ccn = r.add_unit("Comando Conjunto Norte", force="joint", support=doc(3), key="U-CCN")
        r.link_units(mini, pres, support=doc(1))
        r.link_units(pn, mini, support=doc(1))
        r.link_units(drn, pn, support=doc(2))
        r.link_units(esm, drn, support=doc(2), span=TimeSpan.of(start="2020-01-01"))
        r.link_units(
            esm,
            ccn,
            line="operational",
            support=doc(3, "medium"),
            span=TimeSpan.of(start="2022-12-01", end="2023-01-31"),
        )
        r.link_units(ccn, pres, support=doc(3))
        posts = {
            "esm": r.add_post("Comandante", unit=esm, support=doc(2)),
            "drn": r.add_post("Comandante", unit=drn, support=doc(2)),
            "pn": r.add_post("Director General", unit=pn, role="director", support=doc(1)),
            "min": r.add_post("Ministra del Interior", unit=mini, role="minister", support=doc(1)),
            "pres": r.add_post("Presidente", unit=pres, role="president", support=doc(1)),
            "ccn": r.add_post("Comandante", unit=ccn, support=doc(3)),
            "esm_dep": r.add_post("Subcomandante", unit=esm, role="deputy", support=doc(2)),
        }
        people = [
            "Ana Pérez",
            "José Núñez",
            "Martín Gómez",
            "Luis Ortega",
            "Rafael Ruiz",
            "Elena Sánchez",
            "Tomás Medina",
            "Raúl Ortiz",
            "Sofía Díaz",
        ]
        p = {n: r.add_person(n, support=doc(4)) for n in people}
        r.add_person("Juan García", support=doc(5), key="P-JG1")
        r.add_person("Juan Garcia", support=doc(6), key="P-JG2")
        r.add_tenure(
            p["Ana Pérez"],
            posts["esm"],
            support=doc(4),
            span=TimeSpan.of(start="2021-03-01", end="2022-12-14"),
        )
        r.add_tenure(
            p["José Núñez"],
            posts["esm"],
            support=doc(4),
            span=TimeSpan.of(start="2022-12-15", last_cited="2023-01-20"),
        )
        r.add_tenure(
            p["Sofía Díaz"], posts["esm_dep"], support=doc(4), span=TimeSpan.of(start="2021-01-01")
        )
        r.add_tenure(
            p["Martín Gómez"],
            posts["drn"],
            support=Support.of(
                "medium",
                [
                    Cite(decree, parse_locator("p. 7")),
                    Cite(video, parse_locator("00:12.4-00:14.0")),
                ],
            ),
            span=TimeSpan.of(first_cited="2022-11-02", last_cited="2023-01-20"),
        )
        r.add_tenure(
            p["Luis Ortega"], posts["pn"], support=doc(1), span=TimeSpan.of(start="2019-05")
        )
        r.add_tenure(
            p["Rafael Ruiz"], posts["pn"], support=doc(1), span=TimeSpan.of(start="2023-02-01")
        )
        r.add_tenure(
            p["Elena Sánchez"],
            posts["min"],
            support=doc(1),
            span=TimeSpan.of(start="2022-08-07", end="2023-08-07"),
        )
        r.add_tenure(
            p["Tomás Medina"],
            posts["pres"],
            support=Support.of(
                "low",
                assumption="the president is the supreme chief of the police by the constitution",
            ),
        )
        r.add_tenure(
            p["Raúl Ortiz"],
            posts["ccn"],
            support=doc(3),
            span=TimeSpan.of(start="2022-12-01", last_cited="2023-01-15"),
        )
    return World(case, decree, video)


@pytest.fixture
def world(case: Case, tmp_path: Path) -> World:
    return build(case, tmp_path)


@pytest.fixture
def other_case(
    tmp_path: Path,
    database_url: str | None,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Case]:
    """A second, empty case on the same kind of database as `case` (its own database)."""
    name = None
    if database_url:
        import psycopg

        admin = request.getfixturevalue("pg_admin_url")
        name = f"cadena_t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        monkeypatch.setenv("CADENA_DATABASE_URL", admin.rsplit("/", 1)[0] + "/" + name)
    other = Case.init(tmp_path / "other-case")
    monkeypatch.setenv("CADENA_DATABASE_URL", database_url) if database_url else None
    yield other
    other.close()
    if name:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
