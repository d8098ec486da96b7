"""Chronolocation recovers known times from synthetic shadows at real places."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.errors import CadenaError
from cadena.verify.chrono import (
    ChronoResult,
    ShadowMeasurement,
    chronolocate,
    parse_date_range,
    plot_day,
)
from cadena.verify.sun import sun_position

LIMA = (-12.0464, -77.0428)
BOGOTA = (4.6097, -74.0817)
SANTIAGO = (-33.4489, -70.6693)
QUITO = (-0.1807, -78.4678)
HELSINKI = (60.1699, 24.9384)

runner = CliRunner()


def shadow_at(lat: float, lon: float, when: str) -> tuple[float, float]:
    """The bearing and length ratio of a vertical object's shadow at a true time."""
    pos = sun_position(when, lat, lon)
    return (float(pos.azimuth[0]) - 180) % 360, 1 / math.tan(math.radians(pos.elevation[0]))


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def containing(result: ChronoResult, when: str) -> list[int]:
    t = moment(when)
    return [
        i
        for i, w in enumerate(result.windows)
        if moment(w.start) <= t + timedelta(seconds=1) and t - timedelta(seconds=1) <= moment(w.end)
    ]


@pytest.mark.parametrize(
    ("place", "when", "local_day"),
    [
        (LIMA, "2019-11-14T20:10:00Z", date(2019, 11, 14)),
        (BOGOTA, "2021-05-03T21:45:00Z", date(2021, 5, 3)),
        (SANTIAGO, "2019-10-25T19:20:00Z", date(2019, 10, 25)),
        (QUITO, "2019-10-08T15:40:00Z", date(2019, 10, 8)),
    ],
)
def test_recovers_the_true_time(place: tuple[float, float], when: str, local_day: date) -> None:
    bearing, ratio = shadow_at(*place, when)
    m = ShadowMeasurement(bearing=bearing, bearing_error=2, ratio=ratio, ratio_error=0.05 * ratio)
    result = chronolocate(*place, local_day, measurement=m)
    hits = containing(result, when)
    assert len(hits) == 1, result.windows
    w = result.windows[hits[0]]
    assert abs((moment(w.best) - moment(when)).total_seconds()) <= 5
    assert w.duration_minutes < 40
    # the local time carries the place's own offset (Santiago: summer time, -03:00)
    assert moment(w.best_local) == moment(w.best)
    if place == SANTIAGO:
        assert w.best_local.endswith("-03:00")


def test_width_follows_the_error_and_the_suns_pace() -> None:
    when = "2019-10-25T19:20:00Z"
    bearing, _ = shadow_at(*SANTIAGO, when)
    widths = []
    for error in (1.0, 2.0, 4.0):
        m = ShadowMeasurement(bearing=bearing, bearing_error=error)
        (w,) = chronolocate(*SANTIAGO, date(2019, 10, 25), measurement=m).windows
        # mid-latitude afternoon: the window spans ±error at the local pace (min per degree)
        assert w.minutes_per_degree_azimuth is not None
        assert w.duration_minutes == pytest.approx(
            2 * error * w.minutes_per_degree_azimuth, rel=0.1
        )
        widths.append(w.duration_minutes)
    assert widths[1] == pytest.approx(2 * widths[0], rel=0.1)
    assert widths[2] == pytest.approx(2 * widths[1], rel=0.1)


def test_shadow_length_alone_is_ambiguous_about_noon() -> None:
    when = "2019-10-25T19:20:00Z"
    _, ratio = shadow_at(*SANTIAGO, when)
    result = chronolocate(*SANTIAGO, date(2019, 10, 25), measurement=ShadowMeasurement(ratio=ratio))
    assert [w.side for w in result.windows] == ["morning", "afternoon"]
    assert len(containing(result, when)) == 1
    assert any("morning from afternoon" in w for w in result.warnings)
    assert not any(w.startswith("Tropics") for w in result.warnings)


def test_tropics_and_noon_warnings() -> None:
    when = "2019-10-08T17:20:00Z"  # Quito, a few minutes from solar noon, sun ~6° from zenith
    bearing, ratio = shadow_at(*QUITO, when)
    result = chronolocate(*QUITO, date(2019, 10, 8), measurement=ShadowMeasurement(bearing, 2.0))
    assert containing(result, when)
    assert any(w.startswith("Tropics") for w in result.warnings)
    assert any(w.startswith("Near solar noon") and "changes fast" in w for w in result.warnings)
    # Helsinki near noon: elevation flat as everywhere, but the azimuth keeps an ordinary pace.
    bearing, _ = shadow_at(*HELSINKI, "2019-06-10T10:30:00Z")
    result = chronolocate(*HELSINKI, date(2019, 6, 10), measurement=ShadowMeasurement(bearing))
    noon = [w for w in result.warnings if w.startswith("Near solar noon")]
    assert noon and "changes fast" not in noon[0]
    assert not any(w.startswith("Tropics") for w in result.warnings)
    # Same place in the afternoon: tropics still said, noon not.
    when = "2019-10-08T21:00:00Z"
    bearing, _ = shadow_at(*QUITO, when)
    result = chronolocate(*QUITO, date(2019, 10, 8), measurement=ShadowMeasurement(bearing, 2.0))
    assert containing(result, when)
    assert not any(w.startswith("Near solar noon") for w in result.warnings)
    # Santiago mid-afternoon: neither.
    bearing, _ = shadow_at(*SANTIAGO, "2019-10-25T19:20:00Z")
    result = chronolocate(*SANTIAGO, date(2019, 10, 25), measurement=ShadowMeasurement(bearing))
    assert not any(w.startswith(("Tropics", "Near solar noon")) for w in result.warnings)


def test_window_narrower_than_the_scan_step_is_found() -> None:
    # Quito at the equinox, sun within a degree of the zenith: the azimuth races through tens of
    # degrees a minute, so a ±0.5° window lasts a few seconds, less than the 15 s scan step.
    when = "2019-03-21T17:13:37Z"
    bearing, _ = shadow_at(*QUITO, when)
    m = ShadowMeasurement(bearing=bearing, bearing_error=0.5)
    result = chronolocate(*QUITO, date(2019, 3, 21), measurement=m)
    hits = containing(result, when)
    assert hits
    assert result.windows[hits[0]].duration_minutes < 1


def test_date_range_lists_every_day() -> None:
    when = "2019-10-25T19:20:00Z"
    bearing, ratio = shadow_at(*SANTIAGO, when)
    m = ShadowMeasurement(bearing, 2.0, ratio, 0.05 * ratio)
    result = chronolocate(*SANTIAGO, date(2019, 10, 20), date(2019, 10, 30), measurement=m)
    assert sorted({w.date for w in result.windows}) == [f"2019-10-{d}" for d in range(20, 31)]
    assert len(containing(result, when)) == 1


def test_both_measurements_date_the_shadow(tmp_path: object) -> None:
    from pathlib import Path

    # Bearing and length together fix the sun's path, which changes with the season: over four
    # months only the days around the true date match.
    bearing, ratio = shadow_at(*SANTIAGO, "2019-10-25T19:20:00Z")
    m = ShadowMeasurement(bearing, 2.0, ratio, 0.05 * ratio)
    result = chronolocate(*SANTIAGO, date(2019, 9, 1), date(2019, 12, 31), measurement=m)
    days = sorted({date.fromisoformat(w.date) for w in result.windows})
    assert date(2019, 10, 25) in days
    assert days[0] >= date(2019, 10, 10) and days[-1] <= date(2019, 11, 10)
    single = Path(str(tmp_path)) / "one.png"
    several = Path(str(tmp_path)) / "range.png"
    plot_day(chronolocate(*SANTIAGO, date(2019, 10, 25), measurement=m), str(single))
    plot_day(result, str(several))
    with Image.open(single) as one, Image.open(several) as many:
        assert many.size[1] > one.size[1]  # the range adds a panel of windows by date


def test_impossible_shadow_says_so() -> None:
    # Helsinki in December: the sun never stands in the north, so no shadow points south.
    m = ShadowMeasurement(bearing=180.0, bearing_error=3)
    result = chronolocate(*HELSINKI, date(2019, 12, 10), measurement=m)
    assert result.windows == []
    assert any("No time on these dates" in w for w in result.warnings)


def test_measurement_and_dates_are_checked() -> None:
    with pytest.raises(CadenaError, match="shadow bearing"):
        chronolocate(*LIMA, date(2020, 1, 1), measurement=ShadowMeasurement())
    with pytest.raises(CadenaError, match="positive"):
        chronolocate(*LIMA, date(2020, 1, 1), measurement=ShadowMeasurement(ratio=-1))
    with pytest.raises(CadenaError, match="latitude"):
        chronolocate(95, 0, date(2020, 1, 1), measurement=ShadowMeasurement(bearing=1))
    assert parse_date_range("2019-11-01..2019-11-30") == (date(2019, 11, 1), date(2019, 11, 30))
    for bad in ("2019-11-01", "2019-11-01..", "2019-11-30..2019-11-01", "2019-11-01...2019-11-02"):
        with pytest.raises(CadenaError):
            parse_date_range(bad)


def test_picture(tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "sun.png"
    bearing, ratio = shadow_at(*LIMA, "2019-11-14T20:10:00Z")
    m = ShadowMeasurement(bearing, 2.0, ratio, 0.05)
    result = chronolocate(*LIMA, date(2019, 11, 14), measurement=m)
    plot_day(result, str(out))
    with Image.open(out) as img:
        assert img.format == "PNG"
        assert img.size[0] > 600
        assert "cadena.verify.chrono" in img.info.get("Software", "")
        pixels = np.asarray(img.convert("RGB"))
    assert pixels.std() > 10  # a drawing, not a blank canvas


# --- command line --------------------------------------------------------------------------


def test_cli_sun_json() -> None:
    res = runner.invoke(
        app,
        [
            "sun",
            "--lat",
            "-12.0464",
            "--lon",
            "-77.0428",
            "--at",
            "2019-11-14T15:10:00-05:00",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout)
    assert {"azimuth", "elevation", "zenith", "timezone", "local_time"} <= rec.keys()
    assert rec["timezone"] == "America/Lima"
    assert rec["local_time"] == "2019-11-14T15:10:00-05:00"
    assert rec["azimuth"] == pytest.approx(256.115, abs=1e-3)


def test_cli_chrono_json_and_picture(tmp_path: object) -> None:
    from pathlib import Path

    pic = Path(str(tmp_path)) / "day.png"
    bearing, ratio = shadow_at(*BOGOTA, "2021-05-03T21:45:00Z")
    res = runner.invoke(
        app,
        [
            "chrono", "--lat", str(BOGOTA[0]), "--lon", str(BOGOTA[1]),
            "--dates", "2021-05-02..2021-05-04",
            "--shadow-bearing", f"{bearing:.2f}", "--error", "2",
            "--shadow-ratio", f"{ratio:.4f}", "--ratio-error", "0.1",
            "--picture", str(pic), "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout)
    assert {"windows", "warnings", "method", "assumptions", "timezone", "measurement"} <= rec.keys()
    assert rec["timezone"] == "America/Bogota"
    days = {w["date"] for w in rec["windows"]}
    assert "2021-05-03" in days
    w = next(w for w in rec["windows"] if w["date"] == "2021-05-03")
    assert {"start", "end", "start_local", "end_local"} <= w.keys()
    assert w["start"].endswith("Z") and w["start_local"].endswith("-05:00")
    assert w["start"] <= "2021-05-03T21:45:00Z" <= w["end"]
    assert "min per degree of elevation" in w["note"]
    assert any(x.startswith("Tropics") for x in rec["warnings"])
    assert pic.stat().st_size > 10_000


PLACE = ["--lat", "0", "--lon", "0"]
BEARING = ["--shadow-bearing", "3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sun", "--lat", "95", "--lon", "0", "--at", "2020-01-01T12:00:00Z"], "latitude"),
        (["sun", *PLACE, "--at", "2020-01-01T12:00:00"], "offset"),
        (["chrono", "--lat", "95", "--lon", "0", "--date", "2020-01-01", *BEARING], "latitude"),
        (["chrono", *PLACE, "--dates", "2020-01-05..2020-01-0x", *BEARING], "date range"),
        (["chrono", *PLACE, "--dates", "2020-01-05..2020-01-01", *BEARING], "ends before"),
        (["chrono", *PLACE, *BEARING], "--date"),
        (["chrono", *PLACE, "--date", "2020-01-05"], "shadow bearing"),
    ],
)
def test_cli_bad_input_exits_2(args: list[str], message: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.output
