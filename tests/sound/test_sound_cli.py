"""`cadena shots` and `cadena sync` on a real case: items added, originals read, pictures
stored as derivatives, custody entries written."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.intake.files import SourceFields, add_paths
from cadena.media.audio.encode import write_aac_mp4
from cadena.media.audio.generator import Recording, multi_mic_scene, render
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, Derivative, Item

runner = CliRunner()


def _video_with_sound(path: Path, audio: np.ndarray, rate: int) -> None:
    """A small MPEG-4 video whose soundtrack is `audio` (stereo AAC), as a phone would film."""
    with av.open(str(path), "w") as out:
        v = out.add_stream("mpeg4", rate=10)
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = out.add_stream("aac", rate=rate)
        a.layout = "stereo"
        n_frames = int(audio.size / rate * 10)
        for k in range(n_frames):
            img = np.full((48, 64, 3), (k * 7) % 255, dtype=np.uint8)
            for p in v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        size = a.codec_context.frame_size or 1024
        stereo = np.stack([audio, audio * 0.5]).astype(np.float32)
        for i in range(0, audio.size - size, size):
            fr = av.AudioFrame.from_ndarray(
                stereo[:, i : i + size].copy(), format="fltp", layout="stereo"
            )
            fr.sample_rate, fr.pts, fr.time_base = rate, i, Fraction(1, rate)
            for p in a.encode(fr):
                out.mux(p)
        for stream in (v, a):
            for p in stream.encode(None):
                out.mux(p)


def _add(case: Case, path: Path) -> str:
    add_paths(case, [path], SourceFields())
    with case.session(write=False) as s:
        return max(s.execute(select(Item)).scalars(), key=lambda i: i.added_at).sha256


@pytest.fixture(scope="module")
def scene(tmp_path_factory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("sound-case")
    c = Case.init(root / "case")
    rng = np.random.default_rng(4)
    sc, mics = multi_mic_scene(rng, n_mics=2, duration_s=8.0, codec=None)
    recs: list[Recording] = [render(sc, m, rng) for m in mics]
    video = root / "phone0.mp4"
    _video_with_sound(video, recs[0].audio, recs[0].rate)
    audio = root / "phone1.m4a"
    write_aac_mp4(audio, recs[1].audio, recs[1].rate, bitrate=48_000)
    notes = root / "notes.txt"
    notes.write_text("no sound here")
    shas = {"video": _add(c, video), "audio": _add(c, audio), "notes": _add(c, notes)}
    return c, shas, recs


def _derivative(s, sha: str) -> Derivative:  # type: ignore[no-untyped-def]
    return s.execute(select(Derivative).where(Derivative.sha256 == sha)).scalar_one()


def _run(case: Case, *args: str) -> tuple[int, dict, str]:
    res = runner.invoke(app, [*args, "--case", str(case.config.root), "--json"])
    data = json.loads(res.stdout) if res.exit_code == 0 and res.stdout.strip() else {}
    return res.exit_code, data, res.output


def test_sound_shots_on_a_video_item(scene) -> None:  # type: ignore[no-untyped-def]
    c, shas, recs = scene
    code, out, _ = _run(c, "shots", shas["video"][:10], "--weapon", "rifle_762x39")
    assert code == 0
    truth = [lab.t for lab in recs[0].of_kind("shot")]
    found = [o["t"] for o in out["onsets"] if o["class"] == "shot"]
    assert out["count"] == len(found)
    hits = sum(1 for t in truth if any(abs(t - f) <= 0.01 for f in found))
    assert hits >= 0.9 * len(truth) and out["count"] <= len(truth) + 1
    assert {"onsets", "count", "bursts", "distance", "uncertain_events", "derivative"} <= set(out)
    assert out["method"]["params"]["weapon_class"] == "rifle_762x39"
    with c.session(write=False) as s:
        d = _derivative(s, out["derivative"])
        assert d.kind == "shots-picture" and d.media_type == "image/png"
        assert d.tool == "cadena.media.audio.shots" and d.params["weapon_class"] == "rifle_762x39"
        logged = s.execute(select(CustodyEntry).where(CustodyEntry.item_sha256 == shas["video"]))
        details = [json.loads(e.details) for e in logged.scalars() if e.action == "derive"]
    results = [x.get("result", {}) for x in details]  # the derive entry records what was found
    assert any(r.get("analysis") == "shots" and r["count"] == out["count"] for r in results)
    assert len(details) == 1  # one entry for one analysis
    assert c.blobs.local_path(out["derivative"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sound_sync_two_phones(scene) -> None:  # type: ignore[no-untyped-def]
    c, shas, recs = scene
    code, out, _ = _run(c, "sync", shas["video"][:10], shas["audio"][:10])
    assert code == 0
    ta = {lab.emission: lab.t for lab in recs[0].of_kind("shot")}
    tb = {lab.emission: lab.t for lab in recs[1].of_kind("shot")}
    truth = float(np.median([ta[k] - tb[k] for k in ta if k in tb]))
    other = out["offsets"][1]
    assert other["item"] == shas["audio"] and other["offset_s"] is not None
    assert abs(other["offset_s"] - truth) < 0.010
    assert any(len(m["heard_in"]) == 2 for m in out["timeline"])
    with c.session(write=False) as s:
        d = _derivative(s, out["derivative"])
        assert d.kind == "sync-picture" and d.params["items"][1] == shas["audio"]


def test_sound_bad_input_is_a_clear_error(scene) -> None:  # type: ignore[no-untyped-def]
    c, shas, _ = scene
    code, _, text = _run(c, "shots", shas["notes"][:10])
    assert code == 2 and ("no audio stream" in text or "cannot open" in text)
    code, _, text = _run(c, "shots", "abcdef0123")
    assert code == 2 and "No item" in text
    code, _, text = _run(c, "sync", shas["video"][:10])
    assert code == 2 and "two or more" in text
    code, _, text = _run(c, "shots", shas["video"][:10], "--weapon", "musket")
    assert code == 2 and "rifle_762x39" in text
