"""The dossier (`cadena report`): built from a case made by hand here and from the demo force.

The hand-made case, on top of the Valdoria force of `cadena.facts.demo` (whose Escuadrón UMO 2
changes commander on 2024-02-01 and whose plan Centro 01/2024 is renewed):

    incident A  2024-01-10  Plaza de la Libertad   2 killed   attributed to Escuadrón UMO 2
    incident B  2024-02-15  Puente Sur             1 killed   attributed to BIM-21
    incident C  2024-02-20  (no coordinates)       detention  attributed to no unit
    a casualty report of 2024-01-10 and a promotion of 2024-03-01 (a measure)
    a video (the footage of A) and a photo, each from its own source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cadena.facts.citations import Cite, Support
from cadena.facts.demo import load_demo_force
from cadena.facts.record import PartyRef, Recorder
from cadena.facts.time import TimeSpan
from cadena.intake.files import SourceFields, add_paths
from cadena.publish.dossier.build import build
from cadena.publish.dossier.model import Dossier
from cadena.vault.case import Case


@dataclass
class Built:
    case: Case
    video: str
    photo: str
    dossier: Dossier


def _add(case: Case, path: Path, data: bytes, **source: str) -> str:
    path.write_bytes(data)
    summary = add_paths(case, [path], SourceFields(collected_by="investigator", **source))
    sha = summary.outcomes[0].sha256
    assert sha is not None
    return sha


def make_case(root: Path) -> tuple[Case, str, str]:
    case = Case.init(root / "case")
    load_demo_force(case)
    video = _add(
        case,
        root / "VID_20240110.mp4",
        b"\x00\x00\x00\x18ftypmp42 plaza footage",
        platform="WhatsApp",
        account="+57 300 000 0000",
    )
    photo = _add(
        case,
        root / "IMG_0215.jpg",
        b"\xff\xd8\xff\xe0 puente sur photo",
        url="https://example.org/post/1",
        platform="X",
    )

    def at(sha: str, loc: dict[str, object], conf: str = "high") -> Support:
        return Support.of(conf, [Cite(sha, loc)])

    with case.session() as s:
        r = Recorder(case, s)
        a = r.add_incident(
            "Disparos en la Plaza de la Libertad",
            support=at(video, {"kind": "time_range", "start_s": 12.4, "end_s": 14.0}),
            span=TimeSpan.of(start="2024-01-10"),
            place="Plaza de la Libertad, Puerto Alba",
            lat=4.6097,
            lon=-74.0817,
            uncertainty_m=50,
            killed=2,
            injured=3,
            key="I-A",
        )
        b = r.add_incident(
            "Disparos en el Puente Sur",
            support=at(photo, {"kind": "whole"}, "medium"),
            span=TimeSpan.of(start="2024-02-15"),
            place="Puente Sur, Puerto Alba",
            lat=4.5981,
            lon=-74.0760,
            uncertainty_m=200,
            killed=1,
            key="I-B",
        )
        c = r.add_incident(
            "Detenciones en la terminal",
            kind="arbitrary_detention",
            support=at(photo, {"kind": "page", "page": 2}, "low"),
            span=TimeSpan.of(start="2024-02-20"),
            detained=12,
            key="I-C",
        )
        r.attribute(
            a,
            unit="Escuadrón UMO 2",
            support=at(video, {"kind": "time_range", "start_s": 20.0, "end_s": 31.5}),
            basis="uniforms and vehicle numbers",
        )
        r.attribute(b, unit="BIM-21", support=at(photo, {"kind": "whole"}, "medium"))
        assert c.id
        r.add_communication(
            "casualty_report",
            support=at(video, {"kind": "text", "text": "radio log"}),
            parties=[
                PartyRef("from", unit="Escuadrón UMO 2"),
                PartyRef("to", unit="Dirección Regional Centro"),
            ],
            span=TimeSpan.of(start="2024-01-10"),
            summary="Dos muertos en la plaza",
            incident=a,
        )
        r.add_measure(
            "promotion",
            support=at(photo, {"kind": "page", "page": 1}),
            parties=[PartyRef("about", unit="Escuadrón UMO 2")],
            span=TimeSpan.of(start="2024-03-01"),
            summary="Ascenso del comandante",
        )
    return case, video, photo


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    mp = pytest.MonkeyPatch()
    for var in ("CADENA_DATABASE_URL", "CADENA_BLOB_URL", "CADENA_KEY_PASSPHRASE"):
        mp.delenv(var, raising=False)
    root = tmp_path_factory.mktemp("dossier")
    case, video, photo = make_case(root)
    yield Built(case, video, photo, build(case))
    case.close()
    mp.undo()
