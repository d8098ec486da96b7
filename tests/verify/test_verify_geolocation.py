"""Geolocation records: method, reasoning, reference images, and agreement with the incident."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cadena.errors import CadenaError
from cadena.facts.citations import Cite, Support
from cadena.facts.record import Recorder
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.vault.case import Case
from cadena.vault.custody import entries_in_order
from cadena.verify import geolocation
from cadena.verify.geo import Place

PLAZA = (4.6097, -74.0817)  # Plaza de la Libertad in the training case (Bogotá's coordinates)


@pytest.fixture
def held(case: Case, tmp_path: Path) -> tuple[Case, str, str]:
    synth.video(tmp_path / "clip.mp4", seconds=1, seed=5)
    synth.image(tmp_path / "street-view.jpg", seed=6)
    video, reference = (
        o.sha256
        for o in add_paths(
            case, [tmp_path / "clip.mp4", tmp_path / "street-view.jpg"], SourceFields()
        ).outcomes
    )
    assert video and reference
    with case.session() as s:
        Recorder(case, s).add_incident(
            "Plaza shooting",
            key="I1",
            lat=PLAZA[0],
            lon=PLAZA[1],
            uncertainty_m=100,
            support=Support.of("high", [Cite(video)]),
        )
    return case, video, reference


def test_record_with_references_agrees_with_incident(held: tuple[Case, str, str]) -> None:
    case, video, reference = held
    # 0.001° of latitude is about 110.6 m: within 100 m + 50 m of the incident's point
    got = geolocation.record(
        case,
        video[:8],
        Place.point(PLAZA[0] + 0.001, PLAZA[1], 50),
        ["landmarks", "signs"],
        "church tower and the pharmacy sign",
        [reference[:8]],
        incident="I1",
    )
    assert got.references == [reference] and got.methods == ["landmarks", "signs"]
    assert got.agreement is not None and got.agreement["agrees"] is True
    assert 105 < got.agreement["separation_m"] < 116
    with case.session(write=False) as s:
        logged = [e for e in entries_in_order(s) if e.action == "geolocate"]
    assert len(logged) == 1 and json.loads(logged[0].details)["geolocation"] == got.id


def test_a_place_two_kilometres_away_disagrees(held: tuple[Case, str, str]) -> None:
    case, video, _ = held
    got = geolocation.record(
        case,
        video,
        Place.point(PLAZA[0] + 0.02, PLAZA[1], 30),
        ["satellite"],
        "rooftops compared with imagery",
        incident="I1",
    )
    assert got.agreement is not None and got.agreement["agrees"] is False
    assert got.agreement["separation_m"] > 2000


def test_refusals_write_nothing(held: tuple[Case, str, str]) -> None:
    case, video, _ = held
    point = Place.point(*PLAZA)
    with pytest.raises(CadenaError, match="reasoning"):
        geolocation.record(case, video, point, ["landmarks"], "  ")
    with pytest.raises(CadenaError, match="how the place was found"):
        geolocation.record(case, video, point, ["guesswork"], "looks right")
    with pytest.raises(CadenaError, match="No item"):
        geolocation.record(case, video, point, ["signs"], "sign", references=["abcdef12"])
    with pytest.raises(CadenaError, match="incident"):
        geolocation.record(case, video, point, ["signs"], "sign", incident="nope")
    assert geolocation.geolocations(case, video) == []


def test_cli_geolocate(held: tuple[Case, str, str], cli) -> None:  # type: ignore[no-untyped-def]
    case, video, reference = held
    root = str(case.config.root)
    done = cli(
        "geolocate",
        video[:10],
        "--at",
        f"{PLAZA[0]},{PLAZA[1]}",
        "--radius",
        "20",
        "--method",
        "landmarks",
        "--reasoning",
        "fountain",
        "--reference",
        reference[:10],
        "--incident",
        "I1",
        "--case",
        root,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["agreement"]["agrees"] is True
    far = cli(
        "geolocate",
        video[:10],
        "--at",
        "4.70,-74.08",
        "--method",
        "terrain",
        "--reasoning",
        "hills",
        "--incident",
        "I1",
        "--case",
        root,
    )
    assert far.returncode == 1 and "do not agree" in far.stdout
