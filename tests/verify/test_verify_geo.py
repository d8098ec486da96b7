"""Bearings, distances and place agreement."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.errors import CadenaError
from cadena.verify.geo import Place, agreement, destination, geodesic, parse_point

runner = CliRunner()
PLAZA_SAN_MARTIN = (-12.0513, -77.0343)  # Lima


def test_known_geodesics() -> None:
    # One degree of longitude along the equator on WGS84: a * pi / 180.
    g = geodesic((0.0, 0.0), (0.0, 1.0))
    assert g.distance_m == pytest.approx(111319.4908, abs=1e-3)
    assert g.bearing == pytest.approx(90.0, abs=1e-9)
    assert g.back_bearing == pytest.approx(270.0, abs=1e-9)
    # Equator to pole along a meridian: the WGS84 quarter meridian, 10 001 965.729 m.
    assert geodesic((0.0, 10.0), (90.0, 10.0)).distance_m == pytest.approx(10001965.729, abs=1e-2)
    assert geodesic((0.0, 0.0), (-1.0, 0.0)).bearing == pytest.approx(180.0)


def test_destination_round_trip() -> None:
    end = destination(PLAZA_SAN_MARTIN, 37.5, 850.0)
    g = geodesic(PLAZA_SAN_MARTIN, end)
    assert g.distance_m == pytest.approx(850.0, abs=1e-6)
    assert g.bearing == pytest.approx(37.5, abs=1e-9)


def test_points_agree_within_their_radii() -> None:
    near = destination(PLAZA_SAN_MARTIN, 90, 120)
    a = Place.point(*PLAZA_SAN_MARTIN, radius_m=50)
    assert agreement(a, Place.point(*near, radius_m=80)).agrees
    verdict = agreement(a, Place.point(*near, radius_m=60))
    assert not verdict.agrees
    assert verdict.separation_m == pytest.approx(120, abs=0.01)
    assert verdict.tolerance_m == 110
    assert "do not agree" in verdict.reason


def _square(center: tuple[float, float], half_m: float) -> list[tuple[float, float]]:
    return [destination(center, b, half_m * 2**0.5) for b in (45, 135, 225, 315)]


def test_point_and_area() -> None:
    block = Place.area(_square(PLAZA_SAN_MARTIN, 100))
    inside = Place.point(*destination(PLAZA_SAN_MARTIN, 10, 60))
    assert agreement(inside, block).separation_m == 0
    outside = destination(PLAZA_SAN_MARTIN, 0, 130)  # 30 m north of the north edge
    verdict = agreement(Place.point(*outside, radius_m=25), block)
    assert not verdict.agrees
    assert verdict.separation_m == pytest.approx(30, abs=0.5)
    assert agreement(Place.point(*outside, radius_m=35), block).agrees


def test_two_areas() -> None:
    a = Place.area(_square(PLAZA_SAN_MARTIN, 100))
    overlapping = Place.area(_square(destination(PLAZA_SAN_MARTIN, 90, 150), 100))
    assert agreement(a, overlapping).separation_m == 0
    apart = Place.area(_square(destination(PLAZA_SAN_MARTIN, 90, 260), 50), radius_m=5)
    verdict = agreement(a, apart)
    assert verdict.separation_m == pytest.approx(110, abs=0.5)
    assert not verdict.agrees


def test_bad_places() -> None:
    with pytest.raises(CadenaError, match="LAT,LON"):
        parse_point("-12.05")
    with pytest.raises(CadenaError, match="latitude"):
        parse_point("95,0")
    with pytest.raises(CadenaError, match="three corners"):
        Place.parse("1,1;2,2")
    with pytest.raises(CadenaError, match="radius"):
        Place.parse("1,1", radius_m=-3)


def test_cli_geo() -> None:
    res = runner.invoke(app, ["geo", "bearing", "--from", "0,0", "--to", "0,1", "--json"])
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout)
    assert rec["bearing"] == pytest.approx(90.0)
    assert rec["distance_m"] == pytest.approx(111319.491, abs=1e-3)
    res = runner.invoke(app, ["geo", "distance", "--from", "0,0", "--to", "0,1"])
    assert res.exit_code == 0 and "111,319.5 m" in res.stdout

    near = destination(PLAZA_SAN_MARTIN, 90, 120)
    here = f"{PLAZA_SAN_MARTIN[0]},{PLAZA_SAN_MARTIN[1]}"
    there = f"{near[0]:.8f},{near[1]:.8f}"
    args = ["geo", "agree", "--place", here, "--incident", there, "--json"]
    res = runner.invoke(app, [*args, "--radius", "50", "--incident-radius", "80"])
    assert res.exit_code == 0 and json.loads(res.stdout)["agrees"] is True
    res = runner.invoke(app, [*args, "--radius", "50", "--incident-radius", "10"])
    assert res.exit_code == 1 and json.loads(res.stdout)["agrees"] is False
    res = runner.invoke(app, ["geo", "bearing", "--from", "95,0", "--to", "0,1"])
    assert res.exit_code == 2 and "latitude" in res.stderr


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-80, 80),
    lon=st.floats(-179, 179),
    bearing=st.floats(0, 359.9),
    dist=st.floats(1, 5000),
    r1=st.floats(0, 3000),
    r2=st.floats(0, 3000),
)
def test_agreement_is_symmetric_and_matches_the_distance(
    lat: float, lon: float, bearing: float, dist: float, r1: float, r2: float
) -> None:
    assume(abs(dist - (r1 + r2)) > 1e-6)  # exactly on the boundary, rounding decides
    there = destination((lat, lon), bearing, dist)
    a, b = Place.point(lat, lon, r1), Place.point(*there, r2)
    ab, ba = agreement(a, b), agreement(b, a)
    assert ab.agrees == ba.agrees
    assert ab.separation_m == pytest.approx(dist, abs=1e-6)
    assert ab.agrees == (dist <= r1 + r2)
    # A square area around `there` (half side 10 m) is at most 10·√2 m nearer than its centre.
    square = Place.area(_square(there, 10), r2)
    near = agreement(a, square).separation_m
    assert dist - 10 * 2**0.5 - 0.5 <= near <= dist
