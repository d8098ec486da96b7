"""Sun positions against NREL's published example and against pvlib's SPA."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pvlib
import pytest

from cadena.errors import CadenaError
from cadena.verify.sun import (
    _node_grid,
    delta_t_seconds,
    parse_time,
    sun_at,
    sun_position,
    timezone_at,
)

PLACES = {
    "Lima": (-12.0464, -77.0428),
    "Bogotá": (4.6097, -74.0817),
    "Santiago de Chile": (-33.4489, -70.6693),
    "Quito": (-0.1807, -78.4678),
    "Helsinki": (60.1699, 24.9384),
    "McMurdo": (-77.846, 166.676),
}


def test_nrel_spa_paper_example() -> None:
    # Reda & Andreas (2004), NREL/TP-560-34302, Table A5.1: 2003-10-17 12:30:30 at -7 h,
    # 39.742476 N, 105.1786 W, 1830.14 m, 820 mbar, 11 °C, delta T 67 s:
    # topocentric zenith 50.11162°, azimuth 194.34024°.
    pos = sun_position(
        "2003-10-17T12:30:30-07:00",
        39.742476,
        -105.1786,
        height_m=1830.14,
        pressure_hpa=820,
        temperature_c=11,
        delta_t=67,
    )
    assert pos.zenith[0] == pytest.approx(50.11162, abs=5e-6)
    assert pos.azimuth[0] == pytest.approx(194.34024, abs=5e-6)


def _random_times(n: int, seed: int, first: int = 631152000, last: int = 2051222400) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # default 1990-01-01 .. 2035-01-01; whole seconds so pandas and NumPy see the same instants
    return rng.integers(first, last, n).astype("datetime64[s]")


@pytest.mark.parametrize("name", list(PLACES))
@pytest.mark.parametrize("exact", [False, True])
def test_matches_pvlib_spa(name: str, exact: bool) -> None:
    lat, lon = PLACES[name]
    # 2019-2021: few enough half-day nodes that the default path interpolates between them
    times = _random_times(20000, seed=len(name), first=1546300800, last=1640995200)
    jd = times.astype(np.int64) / 86400 + 2440587.5
    assert _node_grid(jd, None) is not None  # so exact=False below takes the interpolating path
    index = pd.DatetimeIndex(times).tz_localize("UTC")
    ref = pvlib.solarposition.spa_python(index, lat, lon, altitude=500, delta_t=None)
    ours = sun_position(times, lat, lon, height_m=500, exact=exact)
    d_az = np.abs((ours.azimuth - ref["azimuth"].to_numpy() + 180) % 360 - 180)
    d_el = np.abs(ours.elevation - ref["apparent_elevation"].to_numpy())
    d_el0 = np.abs(ours.elevation_true - ref["elevation"].to_numpy())
    tol = 1e-9 if exact else 1e-3
    assert d_az.max() < tol
    assert d_el0.max() < tol
    # The refraction switch (sun 0.83° below the horizon) jumps by ~0.6°; a position within
    # 1e-6° of it may fall on the other side, so apparent elevation is compared away from it.
    away = np.abs(ours.elevation_true + 0.26667 + 0.5667) > 1e-5
    assert d_el[away].max() < tol


def test_interpolation_over_decades_matches_every_term() -> None:
    times = _random_times(60000, seed=5)  # 45 years: about 33,000 half-day nodes, fewer than 60,000
    rng = np.random.default_rng(5)
    lats, lons = rng.uniform(-60, 60, times.size), rng.uniform(-180, 180, times.size)
    fast = sun_position(times, lats, lons)
    exact = sun_position(times, lats, lons, exact=True)
    assert np.abs((fast.azimuth - exact.azimuth + 180) % 360 - 180).max() < 1e-4
    assert np.abs(fast.elevation_true - exact.elevation_true).max() < 1e-5


def test_pvlib_default_delta_t_and_many_places() -> None:
    rng = np.random.default_rng(7)
    times = _random_times(3000, seed=3)
    lats, lons = rng.uniform(-89, 89, 3000), rng.uniform(-180, 180, 3000)
    ours = sun_position(times, lats, lons, delta_t=67.0)
    for i in range(0, 3000, 500):
        ref = pvlib.solarposition.spa_python(
            pd.DatetimeIndex(times[i : i + 1]).tz_localize("UTC"), lats[i], lons[i]
        )
        assert ours.azimuth[i] == pytest.approx(ref["azimuth"].iloc[0], abs=1e-3)
        assert ours.elevation[i] == pytest.approx(ref["apparent_elevation"].iloc[0], abs=1e-3)


def test_delta_t_model_is_pvlibs() -> None:
    times = _random_times(500, seed=11)
    index = pd.DatetimeIndex(times)
    expected = pvlib.spa.calculate_deltat(index.year.to_numpy(), index.month.to_numpy())
    got = delta_t_seconds(times.astype(np.int64).astype(float))
    assert np.allclose(got, expected, atol=1e-9)


def test_timezones_from_coordinates() -> None:
    assert timezone_at(*PLACES["Lima"]) == "America/Lima"
    assert timezone_at(*PLACES["Bogotá"]) == "America/Bogota"
    assert timezone_at(*PLACES["Santiago de Chile"]) == "America/Santiago"
    assert timezone_at(*PLACES["Quito"]) == "America/Guayaquil"
    assert timezone_at(0.0, -30.0) == "Etc/GMT+2"  # mid-Atlantic: the nautical zone


def test_sun_at_record() -> None:
    rec = sun_at(-12.0464, -77.0428, "2020-11-14T17:00:00Z")
    assert rec["timezone"] == "America/Lima"
    assert rec["local_time"] == "2020-11-14T12:00:00-05:00"
    assert rec["zenith"] == pytest.approx(90 - rec["elevation"], abs=1e-4)
    assert rec["elevation"] > 70  # Lima, near noon, close to the December solstice


@pytest.mark.parametrize(
    ("name", "at"),
    [
        ("Quito", "2019-03-21T12:00:00-05:00"),
        ("Santiago de Chile", "2019-10-25T12:00:00-03:00"),
        ("Helsinki", "2019-06-10T12:00:00+03:00"),
    ],
)
def test_sunrise_noon_sunset_match_pvlib(name: str, at: str) -> None:
    lat, lon = PLACES[name]
    rec = sun_at(lat, lon, at)
    day = pd.DatetimeIndex([pd.Timestamp(at).normalize()])
    ref = pvlib.solarposition.sun_rise_set_transit_spa(day, lat, lon, delta_t=67.0).iloc[0]
    for ours, theirs, tol in (
        (rec["sunrise_local"], ref["sunrise"], 5),
        (rec["sunset_local"], ref["sunset"], 5),
        (rec["solar_noon_local"], ref["transit"], 30),
    ):
        assert abs(pd.Timestamp(ours) - theirs).total_seconds() <= tol


def test_polar_day_has_no_sunrise() -> None:
    rec = sun_at(78.2232, 15.6267, "2019-06-10T12:00:00+02:00")  # Longyearbyen, midnight sun
    assert rec["timezone"] == "Arctic/Longyearbyen"
    assert rec["sunrise_local"] is None and rec["sunset_local"] is None
    assert rec["elevation"] > 30


def test_times_must_carry_an_offset() -> None:
    assert parse_time("2020-01-01T00:00:00Z") == datetime(2020, 1, 1, tzinfo=UTC)
    with pytest.raises(CadenaError, match="offset"):
        parse_time("2020-01-01T00:00:00")
    with pytest.raises(CadenaError, match="ISO 8601"):
        parse_time("yesterday at noon")
    with pytest.raises(CadenaError, match="latitude"):
        sun_position("2020-01-01T00:00:00Z", 95, 0)
