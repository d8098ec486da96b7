"""Provenance: claims (place, time, device, platform, posting time) against real metadata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cadena.errors import CadenaError
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.vault.case import Case
from cadena.verify import geo
from cadena.verify.provenance import Claim, provenance

LIMA = (-12.0464, -77.0428)
FILMED = dt.datetime(2024, 3, 2, 21, 10, tzinfo=dt.UTC)  # 16:10 in Lima


def _add(case: Case, path: Path, **fields: object) -> str:
    sha = add_paths(case, [path], SourceFields(**fields)).outcomes[0].sha256  # type: ignore[arg-type]
    assert sha
    return sha


def _by(report: dict[str, object], check: str) -> list[dict[str, object]]:
    return [c for c in report["checks"] if c["check"] == check]  # type: ignore[attr-defined,index]


def test_place_300_km_away_and_a_day_off_are_flagged(case: Case, tmp_path: Path) -> None:
    video = synth.video(
        tmp_path / "v.mp4", seconds=1, width=96, height=64, with_audio=False,
        gps=LIMA, make="Apple", model="iPhone 12", creation_time=FILMED,
    )  # fmt: skip
    far = geo.destination(LIMA, 160.0, 300_000)
    claim = {
        "place": {"lat": far[0], "lon": far[1], "name": "Ica"},
        "filmed_at": (FILMED + dt.timedelta(days=1)).isoformat(),
        "device": "Samsung Galaxy S21",
    }
    sha = _add(case, video, platform="WhatsApp", posted_at="2024-03-02T23:00:00Z",
               extra={"claim": claim})  # fmt: skip
    rep = provenance(case, sha)

    (place,) = _by(rep, "place")
    assert place["status"] == "inconsistent"
    assert 295_000 < place["extra"]["distance_m"] < 305_000
    assert "300.0 km" in place["reason"]
    (time,) = _by(rep, "time")
    assert time["status"] == "inconsistent"
    assert time["extra"]["difference_s"] == -86400
    assert "a day apart" in time["reason"]
    (device,) = _by(rep, "device")
    assert device["status"] == "inconsistent" and "iPhone 12" in device["reason"]
    (platform,) = _by(rep, "platform")
    assert platform["status"] == "note" and "WhatsApp" in platform["reason"]
    (posted,) = _by(rep, "posted")
    assert posted["status"] == "consistent"
    assert rep["inconsistent"] == 3
    # PyAV (FFmpeg) wrote the file: a re-encode, with its reason
    assert rep["origin"]["assessment"] == "re-encoded or edited"
    assert any("FFmpeg" in r for r in rep["origin"]["reasons"])
    assert rep["earliest_upload"]["posted_at"] == "2024-03-02T23:00:00Z"
    assert rep["copies_note"] is None or "not searched" in rep["copies_note"]


def test_agreeing_claims_and_posting_before_recording(case: Case, tmp_path: Path) -> None:
    taken = dt.datetime(2024, 3, 2, 16, 10)  # EXIF local time without a zone
    still = synth.image(tmp_path / "p.jpg", 64, 48, exif_gps=LIMA, make="Apple",
                        model="iPhone 12", taken_at=taken)  # fmt: skip
    near = geo.destination(LIMA, 40.0, 2_000)
    claim = {"place": f"{near[0]},{near[1]}", "filmed_at": "2024-03-02T15:40", "device": "iphone"}
    sha = _add(case, still, platform="camera original", extra={"claim": claim})
    rep = provenance(case, sha)
    statuses = {c["check"]: c["status"] for c in rep["checks"]}
    assert statuses == {"place": "consistent", "time": "consistent", "device": "consistent"}
    assert rep["origin"]["assessment"] == "looks like a camera original"
    assert rep["inconsistent"] == 0

    # asked from the command line: a date only, and a posting time before the capture
    asked = Claim("asked", filmed_at="2024-03-03", posted_at="2024-03-01T12:00:00Z")
    video = synth.video(tmp_path / "w.mp4", seconds=1, width=96, height=64, with_audio=False,
                        creation_time=FILMED)  # fmt: skip
    vid = _add(case, video)
    rep = provenance(case, vid, asked)
    assert _by(rep, "time")[0]["extra"]["difference_days"] == -1
    posted = _by(rep, "posted")[0]
    assert posted["status"] == "inconsistent" and "before the file says" in posted["reason"]


def test_unknown_when_metadata_is_missing_and_bad_claims_refused(
    case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "bare.jpg"
    synth.image(path, 32, 32)
    sha = _add(case, path, extra={"claim": {"place": "-12.05,-77.04", "filmed_at": "2024-03-02"}})
    rep = provenance(case, sha)
    assert {c["check"]: c["status"] for c in rep["checks"]} == {
        "place": "unknown",
        "time": "unknown",
    }
    assert "no GPS tag" in _by(rep, "place")[0]["reason"]
    with pytest.raises(CadenaError, match="not ISO 8601"):
        video = synth.video(tmp_path / "x.mp4", seconds=1, width=64, height=48,
                            with_audio=False, creation_time=FILMED)  # fmt: skip
        provenance(case, _add(case, video), Claim("asked", filmed_at="last tuesday"))


def test_copies_and_the_earliest_upload_come_from_fingerprints(case: Case, tmp_path: Path) -> None:
    first = synth.video(tmp_path / "a.mp4", seconds=3, width=192, height=144, seed=5)
    again = synth.video(tmp_path / "b.mp4", seconds=3, width=192, height=144, seed=5,
                        bitrate=120_000)  # fmt: skip
    later = _add(case, first, platform="X", posted_at="2024-03-02T23:00:00Z")
    earlier = _add(case, again, platform="WhatsApp", posted_at="2024-03-02T22:00:00Z")
    rep = provenance(case, later)
    assert [c["item"] for c in rep["copies"]] == [earlier]
    assert rep["copies_note"] is None
    assert rep["earliest_upload"]["item"] == earlier
    assert "WhatsApp" in rep["earliest_upload"]["reason"]
